//! `nightshift tasks list|show|cancel|retry`.

use clap::Subcommand;
use nightshift_store::{
    CommitLog, EventLog, LogEntry, LogQuery, ModelStatsLog, Task, TaskFilter, TaskQueue, TaskStatus,
};

use crate::command::logs::format_ms;
use crate::context::Context;

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// List tasks, newest first.
    List {
        /// Only tasks in this status (queued, running, succeeded, failed, cancelled).
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one task: its state, attempts, commit, model usage, and its log by attempt and
    /// round.
    Show {
        /// The task.
        id: i64,
        /// Every log entry in full: each round's prompt, the model's reply, the edits and the
        /// checks' output.
        #[arg(long)]
        full: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a queued or running task.
    Cancel {
        /// The task.
        id: i64,
    },
    /// Queue a failed or cancelled task again.
    Retry {
        /// The task.
        id: i64,
        /// A note for the next attempt, added to the task's description (and so to its prompt).
        #[arg(long)]
        note: Option<String>,
    },
}

fn one_line(task: &Task) -> String {
    let description: String = task
        .description
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    format!(
        "{:>5}  {:9}  p{:<2}  {}/{}  {}",
        task.id,
        task.status.as_str(),
        task.priority,
        task.attempts,
        task.max_retries + 1,
        description
    )
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let store = ctx.store().await?;
        match self {
            Self::List {
                status,
                limit,
                json,
            } => {
                let status = status
                    .map(|s| {
                        TaskStatus::ALL
                            .into_iter()
                            .find(|st| st.as_str() == s)
                            .ok_or_else(|| anyhow::anyhow!("unknown status {s:?}: queued, running, succeeded, failed or cancelled"))
                    })
                    .transpose()?;
                let tasks = store
                    .tasks(&TaskFilter::newest(limit).of_status(status))
                    .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&tasks)?);
                } else {
                    println!("{:>5}  {:9}  {:3}  try  description", "id", "status", "pri");
                    for task in &tasks {
                        println!("{}", one_line(task));
                    }
                }
            }
            Self::Show { id, full, json } => {
                let task = store.task(id).await?;
                let commit = store.commit_of(id).await?;
                let calls = store.calls_of(id).await?;
                let logs = store
                    .logs(&LogQuery {
                        task_id: Some(id),
                        after_id: None,
                        before_id: None,
                        worker: None,
                        min_level: None,
                        text: None,
                        events: None,
                        limit: 500,
                    })
                    .await?;
                if json {
                    let value = serde_json::json!({ "task": task, "commit": commit, "model_calls": calls, "logs": logs });
                    println!("{}", serde_json::to_string_pretty(&value)?);
                    return Ok(());
                }
                println!("task {}: {}", task.id, task.status);
                println!("description: {}", task.description);
                println!(
                    "priority {}, attempts {}/{}, source {}",
                    task.priority,
                    task.attempts,
                    task.max_retries + 1,
                    task.source
                );
                if let Some(error) = &task.last_error {
                    println!("last error:\n{error}");
                }
                if let Some(commit) = commit {
                    println!(
                        "commit: {} on {} ({})",
                        commit.sha,
                        commit.branch,
                        commit.files.join(", ")
                    );
                }
                for call in calls {
                    println!(
                        "model call: {} {}/{} {} in + {} out tokens, {} ms, {}",
                        call.purpose,
                        call.backend,
                        call.model,
                        call.prompt_tokens,
                        call.completion_tokens,
                        call.duration_ms,
                        call.outcome
                    );
                }
                print_log(&logs, full);
            }
            Self::Cancel { id } => {
                store.cancel(id).await?;
                println!("cancelled task {id}");
            }
            Self::Retry { id, note } => {
                store.retry(id, note.as_deref()).await?;
                println!("queued task {id} again");
            }
        }
        Ok(())
    }
}

/// The log of a task, under a heading per attempt and per round; with `full`, every line of
/// every entry (prompts, replies, check output), else the first.
fn print_log(logs: &[LogEntry], full: bool) {
    println!("log:");
    let mut attempt = None;
    for entry in logs {
        if entry.attempt.is_some() && entry.attempt != attempt {
            attempt = entry.attempt;
            println!("  attempt {}", entry.attempt.unwrap_or_default());
        }
        if entry.event == "round" {
            println!("    {}", entry.message);
            continue;
        }
        let indent = if attempt.is_some() { "      " } else { "  " };
        let mut lines = entry.message.lines();
        let first = lines.next().unwrap_or_default();
        println!(
            "{indent}{} {:10} {first}",
            format_ms(entry.at_ms),
            entry.event
        );
        if full {
            for line in lines {
                println!("{indent}    {line}");
            }
        }
    }
}
