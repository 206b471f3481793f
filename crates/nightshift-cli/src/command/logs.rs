//! `nightshift logs`.

use std::time::Duration;

use clap::Args;
use nightshift_store::{EventLog, LogEntry, LogLevel, LogQuery, Store};

use crate::context::Context;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// How many of the latest lines.
    #[arg(default_value_t = 50)]
    lines: u32,
    /// Only this task's lines.
    #[arg(long)]
    task: Option<i64>,
    /// Only the lines of the attempts this worker ran: its whole name (`host:pid:w2`, as the
    /// lines show it) or its number in any daemon (`w2`).
    #[arg(long)]
    worker: Option<String>,
    /// Keep printing new lines as they come.
    #[arg(long, short)]
    follow: bool,
    /// Every line of each event (prompts, replies and check output in full); by default each
    /// event is one line.
    #[arg(long)]
    full: bool,
    /// Only events of this level and above (debug, info, warn, error).
    #[arg(long)]
    level: Option<LogLevel>,
}

/// Longest message printed on an event's one line.
const ONE_LINE_CHARS: usize = 200;

/// `message` as one line: its first line, cut at [`ONE_LINE_CHARS`], saying what was left out.
fn one_line(message: &str) -> String {
    let mut lines = message.lines();
    let first = lines.next().unwrap_or_default();
    let rest = lines.count();
    let mut line: String = first.chars().take(ONE_LINE_CHARS).collect();
    let cut = line.len() < first.len();
    if cut || rest > 0 {
        line.push_str(if cut { "… " } else { " " });
        line.push_str(&match rest {
            0 => "[--full]".to_owned(),
            n => format!("[+{n} lines: --full]"),
        });
    }
    line
}

fn print(entry: &LogEntry, full: bool) {
    let mut task = entry
        .task_id
        .map(|id| match entry.attempt {
            Some(attempt) => format!("task {id}#{attempt}"),
            None => format!("task {id}"),
        })
        .unwrap_or_default();
    if let Some(worker) = &entry.worker {
        task = format!("{task} {}", worker.rsplit(':').next().unwrap_or(worker));
    }
    let transition = match (&entry.from_status, &entry.to_status) {
        (Some(from), Some(to)) => format!("{from} → {to}: "),
        (None, Some(to)) => format!("→ {to}: "),
        _ => String::new(),
    };
    println!(
        "{} {:5} {:10} {:12} {transition}{}",
        format_ms(entry.at_ms),
        entry.level.as_str(),
        entry.event,
        task,
        if full {
            entry.message.clone()
        } else {
            one_line(&entry.message)
        }
    );
}

/// `HH:MM:SS` UTC of a Unix-milliseconds time.
pub(crate) fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let store = ctx.store().await?;
        let mut query = LogQuery {
            task_id: self.task,
            after_id: None,
            before_id: None,
            worker: self.worker.clone(),
            min_level: self.level,
            text: None,
            events: None,
            limit: self.lines,
        };
        let mut feed = if self.follow {
            Some(store.subscribe()?)
        } else {
            None
        };
        loop {
            let entries = store.logs(&query).await?;
            for entry in &entries {
                print(entry, self.full);
            }
            if let Some(last) = entries.last() {
                query.after_id = Some(last.id);
            }
            let Some(feed) = feed.as_mut() else {
                return Ok(());
            };
            query.limit = 1000;
            tokio::select! {
                _ = feed.changed() => {}
                () = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn an_event_is_one_line_saying_what_it_leaves_out() {
        assert_eq!(one_line("claimed"), "claimed");
        assert_eq!(
            one_line("round 1 failed:\nassert 1 == 2\nmore"),
            "round 1 failed: [+2 lines: --full]"
        );
        let long = "x".repeat(300);
        assert_eq!(one_line(&long), format!("{}… [--full]", "x".repeat(200)));
        assert_eq!(one_line(""), "");
    }
}
