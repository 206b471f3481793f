//! `nightshift config`.

use crate::context::Context;

pub(crate) fn run(ctx: &Context) -> anyhow::Result<()> {
    let rows = ctx.config.explain();
    let width = rows.iter().map(|(key, ..)| key.len()).max().unwrap_or(0);
    for (key, value, source) in rows {
        println!("{key:width$} = {value:<40} # {source}");
    }
    for note in &ctx.config.ignored {
        println!("# {note}");
    }
    Ok(())
}
