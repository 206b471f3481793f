//! `nightshift add`.

use clap::Args;
use nightshift_store::{NewTask, PRIORITY_DEFAULT, TaskQueue};

use crate::context::Context;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// What to do, in plain language.
    description: String,
    /// 1 (lowest) to 10 (highest); higher runs first.
    #[arg(long, short, default_value_t = PRIORITY_DEFAULT, allow_negative_numbers = true)]
    priority: i32,
    /// A JSON object carried with the task.
    #[arg(long)]
    metadata: Option<String>,
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let metadata = match &self.metadata {
            Some(text) => serde_json::from_str(text)
                .map_err(|err| anyhow::anyhow!("--metadata is not valid JSON: {err}"))?,
            None => serde_json::Value::Null,
        };
        let task = NewTask::new(
            &self.description,
            self.priority,
            metadata,
            "cli",
            ctx.config.max_retries,
        )?;
        let store = ctx.store().await?;
        let ids = store.enqueue(vec![task]).await?;
        for id in ids {
            println!("queued task {id}");
        }
        Ok(())
    }
}
