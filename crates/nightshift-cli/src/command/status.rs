//! `nightshift status`.

use clap::Args;
use nightshift_model::Availability;
use nightshift_store::{
    Checkpoint, CommitLog, ModelStatsLog, PRESENCE_KEY, SystemState, TaskQueue, now_ms, utc_minute,
};

use crate::context::Context;

/// A daemon whose presence is older than this is reported as not running.
const PRESENCE_STALE_MS: i64 = 15_000;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let store = ctx.store().await?;
        let counts = store.counts().await?;
        let run = store.run_state().await?;
        let paused = run.paused;
        let presence: Option<serde_json::Value> = store
            .state(PRESENCE_KEY)
            .await?
            .and_then(|text| serde_json::from_str(&text).ok())
            .filter(|p: &serde_json::Value| {
                p["seen_at_ms"]
                    .as_i64()
                    .is_some_and(|seen| now_ms() - seen < PRESENCE_STALE_MS)
            });
        // The running daemon's chain and sandbox as it announces them; probed from this
        // shell's configuration only when none runs (another shell's MODEL_TYPE must not make
        // status describe another agent).
        let (backends, sandbox) = match &presence {
            Some(p) => (daemon_chain(p), daemon_sandbox(p)),
            None => (
                probe_chain(&ctx.config).await,
                probe_sandbox(&ctx.config).await,
            ),
        };
        // The running daemon's own settings; this shell's configuration only when none runs
        // (another shell's MODEL_TYPE must not make status describe another agent).
        let (edit_format, repair_strategy) = match &presence {
            Some(p) => (
                p["edit_format"].as_str().unwrap_or("?").to_owned(),
                p["repair_strategy"].as_str().unwrap_or("?").to_owned(),
            ),
            None => (
                super::serve::edit_format(&ctx.config).as_str().to_owned(),
                super::serve::repair_strategy(&ctx.config)
                    .as_str()
                    .to_owned(),
            ),
        };
        let whose = if presence.is_some() {
            "the daemon's"
        } else {
            "as this shell's configuration would run it"
        };
        let totals = store.totals_by_model(None).await?;
        let commits = store.commits(5).await?;
        // The running daemon's interval, else this shell's.
        let every_s = match &presence {
            Some(p) => p["checkpoint_every_s"].as_f64(),
            None => ctx.config.checkpoint_interval.map(|d| d.as_secs_f64()),
        };
        let schedule = run.checkpoint;
        let checkpoint = match (&schedule, every_s) {
            (
                Some(Checkpoint {
                    awaiting: Some(report),
                    ..
                }),
                _,
            ) => format!(
                "AWAITING APPROVAL: read {} (nightshift report --latest), then nightshift resume",
                report.path
            ),
            (_, None) => "off".to_owned(),
            (Some(Checkpoint { since_ms, .. }), Some(every)) => format!(
                "next due {}",
                utc_minute(since_ms + (every * 1000.0) as i64)
            ),
            (None, Some(_)) => "the first period begins when the daemon starts".to_owned(),
        };
        if self.json {
            let status = serde_json::json!({
                "paused": paused,
                "counts": counts,
                "checkpoint": {
                    "schedule": schedule,
                    "every_s": every_s,
                    "summary": checkpoint,
                },
                "daemon": presence,
                "models": backends.iter().map(|(name, availability)| serde_json::json!({
                    "backend": name,
                    "available": *availability == Availability::Available,
                    "problem": match availability { Availability::Unavailable(why) => Some(why), Availability::Available => None },
                })).collect::<Vec<_>>(),
                "sandbox": {
                    "confined": sandbox.is_ok(),
                    "detail": sandbox.as_ref().unwrap_or_else(|problem| problem),
                },
                "edit_format": edit_format,
                "repair_strategy": repair_strategy,
                "model_totals": totals,
                "recent_commits": commits,
            });
            println!("{}", serde_json::to_string_pretty(&status)?);
            return Ok(());
        }
        println!(
            "queue:   {}",
            if paused {
                "PAUSED (nightshift resume)"
            } else {
                "active"
            }
        );
        println!("checkpoint: {checkpoint}");
        println!(
            "tasks:   {} queued ({} waiting for a retry), {} running, {} succeeded, {} failed, {} cancelled",
            counts.queued,
            counts.delayed,
            counts.running,
            counts.succeeded,
            counts.failed,
            counts.cancelled
        );
        match &presence {
            Some(p) => println!(
                "daemon:  running on {} (pid {}), {} workers, model {}{}",
                p["host"].as_str().unwrap_or("?"),
                p["pid"],
                p["workers"],
                p["model"].as_str().unwrap_or("?"),
                p["http"]
                    .as_str()
                    .map(|url| format!(", {url}"))
                    .unwrap_or_default()
            ),
            None => println!("daemon:  not running (nightshift serve)"),
        }
        println!("models ({whose}):");
        for (position, (name, availability)) in backends.iter().enumerate() {
            match availability {
                Availability::Available => println!("model {}: {name} (available)", position + 1),
                Availability::Unavailable(why) => {
                    println!("model {}: {name} unavailable: {why}", position + 1);
                }
            }
        }
        match &sandbox {
            Ok(detail) => println!("sandbox: {detail} ({whose})"),
            Err(problem) => println!("sandbox: {problem} ({whose})"),
        }
        println!("edits:   {edit_format} ({whose})");
        println!(
            "repairs: {repair_strategy} ({whose}; resample: the task asked again, repair: format, \
             syntax and definition errors shown)"
        );
        for c in &commits {
            println!(
                "commit:  {} task {} on {}{}: {}",
                &c.sha[..c.sha.len().min(10)],
                c.task_id,
                c.branch,
                if c.pushed { " (pushed)" } else { "" },
                c.subject
            );
        }
        for t in totals {
            println!(
                "usage:   {}/{}: {} calls ({} failed), {} prompt + {} completion tokens, {:.1} s",
                t.backend,
                t.model,
                t.calls,
                t.failed_calls,
                t.prompt_tokens,
                t.completion_tokens,
                t.duration_ms as f64 / 1000.0
            );
        }
        Ok(())
    }
}

/// The chain a running daemon announces (`router/a → b`), each backend available unless its
/// circuit is open.
fn daemon_chain(presence: &serde_json::Value) -> Vec<(String, Availability)> {
    let model = presence["model"].as_str().unwrap_or_default();
    let open: Vec<&str> = presence["circuits_open"]
        .as_array()
        .map(|names| names.iter().filter_map(|n| n.as_str()).collect())
        .unwrap_or_default();
    model
        .strip_prefix("router/")
        .unwrap_or(model)
        .split(" → ")
        .filter(|name| !name.is_empty())
        .map(|name| {
            let availability = if open.contains(&name) {
                Availability::Unavailable(
                    "its circuit is open: skipped after failing in a row, tried again later"
                        .to_owned(),
                )
            } else {
                Availability::Available
            };
            (name.to_owned(), availability)
        })
        .collect()
}

/// The sandbox a running daemon announces.
fn daemon_sandbox(presence: &serde_json::Value) -> Result<String, String> {
    let detail = presence["sandbox"].as_str().unwrap_or("?").to_owned();
    if presence["sandbox_confined"].as_bool().unwrap_or(false) {
        Ok(detail)
    } else {
        Err(format!("UNCONFINED: {detail}"))
    }
}

/// The chain this shell's configuration builds, each backend probed.
async fn probe_chain(config: &nightshift_config::Config) -> Vec<(String, Availability)> {
    match crate::models::chain(config) {
        Ok(router) => router
            .status()
            .await
            .into_iter()
            .map(|route| (route.name, route.availability))
            .collect(),
        Err(err) => vec![(
            config.model_type.as_str().to_owned(),
            Availability::Unavailable(format!("{err:#}")),
        )],
    }
}

/// What the daemon would run generated code in under this shell's configuration, probed the
/// same way.
async fn probe_sandbox(config: &nightshift_config::Config) -> Result<String, String> {
    match super::serve::sandbox(config).await {
        Ok(sandbox) if sandbox.is_confined() => Ok(sandbox.describe()),
        Ok(sandbox) => Err(sandbox.describe()),
        Err(unavailable) => Err(format!(
            "UNAVAILABLE, the daemon will not start: {unavailable}"
        )),
    }
}
