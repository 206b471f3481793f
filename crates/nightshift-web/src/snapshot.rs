//! One view of the whole agent — state, daemon, queue, workers, models, git, what needs
//! attention — read from the store at most once per [`TICK`] and shared by every page and
//! every open tab: ten dashboards cost the database what one does. A request finding the view
//! too old reads it again while the others wait for that one read (single flight).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nightshift_store::{
    Checkpoint, CommitRecord, LogEntry, ModelTotals, PRESENCE_KEY, QueueCounts, RunState, Store,
    StoreError, TASKS_FILE_ERROR_KEY, Task, TaskFilter, TaskId, TaskStatus, WorkerTally, now_ms,
};
use serde::Deserialize;
use tokio::sync::Mutex;

/// Views are read at most once per tick of this length, aligned to the clock: a request in a
/// tick the view was not read in reads it again. As long as the pages' refresh interval, so
/// one open dashboard reads once per tick, and ten read no more.
pub(crate) const TICK: Duration = Duration::from_secs(2);
/// A daemon whose presence is older than this is not running.
const PRESENCE_STALE_MS: i64 = 30_000;
/// An unpushed commit older than this, with auto-push on, means pushing fails.
const PUSH_LATE_MS: i64 = 10 * 60_000;
/// Recent tasks read for the list and the charts.
const RECENT: u32 = 500;
/// Hours the charts cover.
pub(crate) const CHART_HOURS: usize = 24;
/// Less free space than this on the repository's disk needs attention.
const DISK_LOW_BYTES: u64 = 1 << 30;

/// What a running daemon announces about itself (see the daemon's presence).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Presence {
    pub(crate) host: String,
    pub(crate) pid: u32,
    /// The random part of its workers' names (`host:pid:instance:wN`).
    pub(crate) instance: String,
    pub(crate) workers: u32,
    pub(crate) configured_workers: u32,
    pub(crate) started_at_ms: i64,
    pub(crate) seen_at_ms: i64,
    pub(crate) model: String,
    pub(crate) branch: String,
    pub(crate) edit_format: String,
    pub(crate) repair_strategy: String,
    pub(crate) candidates: u32,
    pub(crate) task_timeout_s: u64,
    pub(crate) auto_push: bool,
    /// Time between checkpoints, if they are on.
    pub(crate) checkpoint_every_s: Option<f64>,
    /// Model backends whose circuit is open.
    pub(crate) circuits_open: Vec<String>,
    /// Whether generated code runs confined, and how.
    pub(crate) sandbox_confined: Option<bool>,
    pub(crate) sandbox: String,
}

impl Presence {
    /// The model chain, `backend/model → backend/model`.
    pub(crate) fn chain(&self) -> &str {
        self.model.strip_prefix("router/").unwrap_or(&self.model)
    }
}

/// One thing a person should look at, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attention {
    pub(crate) what: String,
    pub(crate) hint: String,
    /// A page of this dashboard that shows more.
    pub(crate) link: Option<&'static str>,
}

/// Tasks finished in one hour.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hour {
    pub(crate) succeeded: u64,
    pub(crate) failed: u64,
}

/// The view.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) taken_at_ms: i64,
    pub(crate) paused: bool,
    pub(crate) paused_by: Option<String>,
    /// The checkpoint schedule, once a daemon with checkpoints on started.
    pub(crate) checkpoint: Option<Checkpoint>,
    /// The daemon, if one announced itself lately.
    pub(crate) daemon: Option<Presence>,
    pub(crate) counts: QueueCounts,
    pub(crate) running: Vec<Task>,
    /// The newest log line of each running task: what it is doing now.
    pub(crate) doing: std::collections::HashMap<TaskId, LogEntry>,
    /// How the attempts of the announced daemon's workers ended.
    pub(crate) tallies: Vec<WorkerTally>,
    pub(crate) recent: Vec<Task>,
    pub(crate) models: Vec<ModelTotals>,
    pub(crate) commits: Vec<CommitRecord>,
    pub(crate) attention: Vec<Attention>,
    /// The last [`CHART_HOURS`] hours, oldest first.
    pub(crate) hours: Vec<Hour>,
}

/// The agent's state, as the dashboard and `/api/status` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// A daemon announced itself lately and the queue runs.
    Running,
    /// The queue is paused.
    Paused,
    /// Paused by a checkpoint whose report awaits approval.
    AwaitingCheckpoint,
    /// The queue runs but no daemon announced itself lately.
    Stopped,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::AwaitingCheckpoint => "awaiting checkpoint approval",
            Self::Stopped => "stopped",
        }
    }
}

impl Snapshot {
    pub(crate) fn state(&self) -> State {
        let awaiting = self
            .checkpoint
            .as_ref()
            .is_some_and(|c| c.awaiting.is_some());
        match (self.paused, &self.daemon) {
            (true, _) if awaiting => State::AwaitingCheckpoint,
            (true, _) => State::Paused,
            (false, Some(_)) => State::Running,
            (false, None) => State::Stopped,
        }
    }

    async fn read<S: Store>(store: &S, disk: Option<&std::path::Path>) -> Result<Self, StoreError> {
        let now = now_ms();
        let RunState {
            paused,
            paused_by,
            checkpoint,
        } = store.run_state().await?;
        let daemon = store
            .state(PRESENCE_KEY)
            .await?
            .and_then(|text| serde_json::from_str::<Presence>(&text).ok())
            .filter(|p| now - p.seen_at_ms < PRESENCE_STALE_MS);
        let tasks_file_error = store
            .state(TASKS_FILE_ERROR_KEY)
            .await?
            .filter(|e| !e.is_empty());
        let counts = store.counts().await?;
        let running = store
            .tasks(&TaskFilter::newest(RECENT).of_status(Some(TaskStatus::Running)))
            .await?;
        let recent = store.tasks(&TaskFilter::newest(RECENT)).await?;
        let running_ids: Vec<_> = running.iter().map(|t| t.id).collect();
        let doing = store
            .latest_lines(&running_ids)
            .await?
            .into_iter()
            .filter_map(|line| Some((line.task_id?, line)))
            .collect();
        let tallies = match &daemon {
            Some(d) => {
                store
                    .attempts_by_worker(&format!("{}:{}:", d.host, d.pid))
                    .await?
            }
            None => Vec::new(),
        };
        let models = store.totals_by_model(None).await?;
        let commits = store.commits(10).await?;

        let mut attention = Vec::new();
        let awaiting = checkpoint.as_ref().and_then(|c| c.awaiting.as_ref());
        if let Some(report) = awaiting {
            attention.push(Attention {
                what: format!(
                    "A checkpoint report awaits your review ({} → {}).",
                    nightshift_store::utc_minute(report.period.from_ms),
                    nightshift_store::utc_minute(report.period.to_ms)
                ),
                hint: "Read it, then resume to approve it and start the next period.".to_owned(),
                link: Some("/checkpoint"),
            });
        } else if paused {
            attention.push(Attention {
                what: format!(
                    "The queue is paused{}: no task starts.",
                    paused_by
                        .as_deref()
                        .map(|by| format!(" (by {by})"))
                        .unwrap_or_default()
                ),
                hint: "Resume to go on.".to_owned(),
                link: None,
            });
        }
        if daemon.is_none() {
            attention.push(Attention {
                what: "No daemon is running: queued tasks wait.".to_owned(),
                hint: "Start one with `nightshift serve`.".to_owned(),
                link: None,
            });
        }
        if let Some(err) = tasks_file_error {
            attention.push(Attention {
                what: format!("The tasks file did not load: {err}"),
                hint: "Fix the file and save it: nothing from the broken save was queued."
                    .to_owned(),
                link: None,
            });
        }
        if let Some(d) = &daemon {
            if !d.circuits_open.is_empty() {
                attention.push(Attention {
                    what: format!(
                        "A model backend failed repeatedly and is skipped for now: {}.",
                        d.circuits_open.join(", ")
                    ),
                    hint: "Requests go to the next backend of the chain; this one is tried again after a pause. Check that it runs."
                        .to_owned(),
                    link: None,
                });
            }
            if d.sandbox_confined == Some(false) {
                attention.push(Attention {
                    what: format!("Generated code runs without a sandbox: {}.", d.sandbox),
                    hint: "Install bubblewrap and set sandbox = \"auto\" in your configuration."
                        .to_owned(),
                    link: None,
                });
            }
        }
        let parked = recent
            .iter()
            .filter(|t| t.status == TaskStatus::Queued && t.rate_limited_since_ms.is_some())
            .count();
        if parked > 0 {
            attention.push(Attention {
                what: format!("{parked} task(s) wait on a model's rate limit."),
                hint: "They start again by themselves when the limit lifts.".to_owned(),
                link: None,
            });
        }
        if daemon.as_ref().is_some_and(|d| d.auto_push) {
            let late = commits
                .iter()
                .filter(|c| !c.pushed && now - c.created_at_ms > PUSH_LATE_MS)
                .count();
            if late > 0 {
                attention.push(Attention {
                    what: format!("{late} commit(s) have not been pushed for over 10 minutes."),
                    hint: "Check the remote and the daemon's log (event `push`).".to_owned(),
                    link: None,
                });
            }
        }
        if let Some(free) = disk.and_then(free_bytes)
            && free < DISK_LOW_BYTES
        {
            attention.push(Attention {
                what: format!("The repository's disk has {} MiB free.", free >> 20),
                hint: "Landings and checks fail when it fills up.".to_owned(),
                link: None,
            });
        }

        let mut hours = vec![Hour::default(); CHART_HOURS];
        for task in &recent {
            let Some(done) = task.finished_at_ms else {
                continue;
            };
            let ago = usize::try_from((now - done) / 3_600_000).unwrap_or(usize::MAX);
            if ago < CHART_HOURS {
                let hour = &mut hours[CHART_HOURS - 1 - ago];
                match task.status {
                    TaskStatus::Succeeded => hour.succeeded += 1,
                    TaskStatus::Failed => hour.failed += 1,
                    _ => {}
                }
            }
        }
        Ok(Self {
            taken_at_ms: now,
            paused,
            paused_by,
            checkpoint,
            daemon,
            counts,
            running,
            doing,
            tallies,
            recent: recent.into_iter().take(20).collect(),
            models,
            commits,
            attention,
            hours,
        })
    }
}

/// Free bytes on the file system holding `path`.
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let stat = nix::sys::statvfs::statvfs(path).ok()?;
    Some(stat.blocks_available() * stat.fragment_size())
}

/// The tick a time falls in.
fn tick(ms: i64) -> i64 {
    ms.div_euclid(i64::try_from(TICK.as_millis()).unwrap_or(2_000))
}

/// The shared view.
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    latest: Mutex<Option<Arc<Snapshot>>>,
    /// Views read from the store so far.
    reads: AtomicU64,
}

impl Snapshots {
    /// The view, read again if it was read in an earlier [`TICK`].
    pub(crate) async fn get<S: Store>(
        &self,
        store: &S,
        disk: Option<&std::path::Path>,
    ) -> Result<Arc<Snapshot>, StoreError> {
        let mut latest = self.latest.lock().await;
        if let Some(view) = latest.as_ref()
            && tick(view.taken_at_ms) == tick(now_ms())
        {
            return Ok(Arc::clone(view));
        }
        let view = Arc::new(Snapshot::read(store, disk).await?);
        self.reads.fetch_add(1, Ordering::Relaxed);
        *latest = Some(Arc::clone(&view));
        Ok(view)
    }

    /// Views read from the store so far (for `/metrics`).
    pub(crate) fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Forgets the view: the next request reads a new one (after a change made here).
    pub(crate) async fn stale(&self) {
        *self.latest.lock().await = None;
    }
}
