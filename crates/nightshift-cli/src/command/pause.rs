//! `nightshift pause` and `nightshift resume`.

use nightshift_store::SystemState;

use crate::context::Context;

pub(crate) async fn run(ctx: &Context, paused: bool) -> anyhow::Result<()> {
    let store = ctx.store().await?;
    store.set_paused(paused, "cli").await?;
    if paused {
        println!(
            "paused: no new task will be claimed (running ones finish); `nightshift resume` to go on"
        );
        return Ok(());
    }
    let awaiting = store.checkpoint().await?.and_then(|c| c.awaiting);
    match awaiting {
        Some(report) => println!(
            "resumed: the checkpoint report {} is approved and the next period begins",
            report.path
        ),
        None => println!("resumed"),
    }
    Ok(())
}
