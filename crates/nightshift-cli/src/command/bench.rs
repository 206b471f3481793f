//! `nightshift bench`: measurements on the real queue, in separate processes.
//!
//! - `bench claim` drains the queue in this process — claim, then complete — printing each id
//!   it claimed. Several of these at once are the multi-process contention test.
//! - `bench queue` enqueues tasks, runs `--processes` claimers at once and reports throughput,
//!   failing if any task was claimed twice or missed.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Subcommand;
use nightshift_store::{AttemptEnd, NewTask, TaskQueue};

use crate::context::Context;

/// Lease of a bench claim; long enough that it never expires mid-cycle.
const BENCH_LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Claim and complete tasks until none is claimable; print each claimed id.
    Claim {
        /// Lease owner name.
        #[arg(long, default_value = "bench")]
        owner: String,
    },
    /// Queue throughput with several claiming processes.
    Queue {
        /// Tasks to enqueue.
        #[arg(long, default_value_t = 2000)]
        tasks: usize,
        /// Claiming processes.
        #[arg(long, default_value_t = 3)]
        processes: usize,
    },
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let store = ctx.store().await?;
        match self {
            Self::Claim { owner } => {
                let mut stdout = std::io::stdout().lock();
                while let Some(claim) = store.claim(&owner, BENCH_LEASE).await? {
                    store
                        .finish(
                            &claim.lease,
                            AttemptEnd::Succeeded {
                                summary: format!("bench {owner}"),
                            },
                        )
                        .await?;
                    writeln!(stdout, "{}", claim.task.id)?;
                }
            }
            Self::Queue { tasks, processes } => {
                let new: Vec<NewTask> = (0..tasks)
                    .map(|i| {
                        NewTask::new(
                            &format!("bench task {i}"),
                            5,
                            serde_json::Value::Null,
                            "bench",
                            0,
                        )
                    })
                    .collect::<Result<_, _>>()?;
                let ids: BTreeSet<i64> = store.enqueue(new).await?.into_iter().collect();
                let exe = std::env::current_exe().context("locating the nightshift binary")?;
                let started = Instant::now();
                let children = (0..processes)
                    .map(|n| {
                        tokio::process::Command::new(&exe)
                            .arg("--repo")
                            .arg(&ctx.repo)
                            .args([
                                "-c",
                                &format!("database_path={}", ctx.config.database_path.display()),
                            ])
                            .args(["bench", "claim", "--owner", &format!("bench-{n}")])
                            .stdout(std::process::Stdio::piped())
                            .kill_on_drop(true)
                            .spawn()
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let mut claimed = Vec::new();
                for child in children {
                    let out = child.wait_with_output().await?;
                    anyhow::ensure!(out.status.success(), "a claimer failed");
                    for line in String::from_utf8_lossy(&out.stdout).lines() {
                        claimed.push(line.trim().parse::<i64>()?);
                    }
                }
                let elapsed = started.elapsed();
                let unique: BTreeSet<i64> = claimed.iter().copied().collect();
                anyhow::ensure!(
                    unique.len() == claimed.len(),
                    "{} claims were duplicates",
                    claimed.len() - unique.len()
                );
                anyhow::ensure!(ids.is_subset(&unique), "some tasks were never claimed");
                println!(
                    "{} tasks, {processes} processes: {:.0} claim+complete cycles/s ({:.2} s)",
                    claimed.len(),
                    claimed.len() as f64 / elapsed.as_secs_f64(),
                    elapsed.as_secs_f64()
                );
            }
        }
        Ok(())
    }
}
