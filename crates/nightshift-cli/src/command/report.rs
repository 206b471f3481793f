//! `nightshift report`: the report a checkpoint writes, for any period, on request.

use clap::Args;
use nightshift_daemon::Report;
use nightshift_store::{CHECKPOINT_REPORT_KEY, Period, SystemState as _, now_ms};

use crate::context::Context;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// Cover the last DAYS days (fractions allowed) instead of the current checkpoint period.
    #[arg(long, value_name = "DAYS")]
    days: Option<f64>,
    /// Print the latest checkpoint's report as it was written.
    #[arg(long, conflicts_with = "days")]
    latest: bool,
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let store = ctx.store().await?;
        if self.latest {
            let text = store
                .state(CHECKPOINT_REPORT_KEY)
                .await?
                .filter(|t| !t.is_empty())
                .ok_or_else(|| anyhow::anyhow!("no checkpoint has written a report yet"))?;
            print!("{text}");
            return Ok(());
        }
        let now = now_ms();
        let from_ms = match self.days {
            Some(days) if days.is_finite() && days > 0.0 => {
                now - (days * 86_400_000.0).min(now as f64) as i64
            }
            Some(days) => anyhow::bail!("--days must be a positive number of days, not {days}"),
            // Since the current checkpoint period began, else the configured interval (a
            // week by default).
            None => match store.checkpoint().await? {
                Some(checkpoint) => checkpoint.since_ms,
                None => {
                    let every = ctx
                        .config
                        .checkpoint_interval
                        .unwrap_or(std::time::Duration::from_secs(7 * 86_400));
                    now - i64::try_from(every.as_millis()).unwrap_or(now)
                }
            },
        };
        let branch = match ctx.config.branch.as_str() {
            "" => "the checked-out branch",
            named => named,
        };
        let period = Period {
            from_ms,
            to_ms: now + 1,
        };
        print!("{}", Report::read(&store, period, branch).await?.markdown());
        Ok(())
    }
}
