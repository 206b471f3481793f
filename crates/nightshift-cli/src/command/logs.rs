//! `nightshift logs`.

use std::time::Duration;

use clap::Args;
use nightshift_store::{EventLog, LogEntry, LogQuery, Store};

use crate::context::Context;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// How many of the latest lines.
    #[arg(default_value_t = 50)]
    lines: u32,
    /// Only this task's lines.
    #[arg(long)]
    task: Option<i64>,
    /// Keep printing new lines as they come.
    #[arg(long, short)]
    follow: bool,
}

fn print(entry: &LogEntry) {
    let task = entry
        .task_id
        .map(|id| match entry.attempt {
            Some(attempt) => format!("task {id}#{attempt}"),
            None => format!("task {id}"),
        })
        .unwrap_or_default();
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
        entry.message
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
                print(entry);
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
