//! `nightshift pause` and `nightshift resume`.

use nightshift_store::SystemState;

use crate::context::Context;

pub(crate) async fn run(ctx: &Context, paused: bool) -> anyhow::Result<()> {
    let store = ctx.store().await?;
    store.set_paused(paused, "cli").await?;
    println!(
        "{}",
        if paused {
            "paused: no new task will be claimed (running ones finish); `nightshift resume` to go on"
        } else {
            "resumed"
        }
    );
    Ok(())
}
