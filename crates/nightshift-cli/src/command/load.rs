//! `nightshift load tasks.yaml`: the seed's format ([`crate::tasks_file`]), all tasks or none;
//! an entry queued before (by `load` or by `serve` watching the file) is not queued again.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::context::Context;
use crate::tasks_file;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// The tasks file.
    file: PathBuf,
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(&self.file)
            .with_context(|| format!("reading {}", self.file.display()))?;
        let tasks = tasks_file::parse(&self.file, &text, ctx.config.max_retries)?;
        let store = ctx.store().await?;
        let (queued, known) = tasks_file::enqueue(&store, tasks).await?;
        println!(
            "queued {} task(s) from {}: {}{}",
            queued.len(),
            self.file.display(),
            queued
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            if known.is_empty() {
                String::new()
            } else {
                format!("; {} queued before, not again", known.len())
            }
        );
        Ok(())
    }
}
