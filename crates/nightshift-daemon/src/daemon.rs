//! [`Daemon`]: workers, lease reaper and presence, under one cancellation token.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nightshift_agent::AttemptSettings;
use nightshift_git::Repo;
use nightshift_model::ChatModel;
use nightshift_store::{
    CommitRecord, PRESENCE_KEY, RetryPolicy, Store, StoreError, TaskStatus, WORKER_COUNT_KEY,
    WORKER_RESTART_KEY, WORKERS_MAX, now_ms,
};
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::checkpoint::CheckpointSettings;
use crate::identity::Identity;
use crate::worker::Worker;

/// How often the daemon refreshes its presence.
const PRESENCE_INTERVAL: Duration = Duration::from_secs(5);
/// How often commits whose push failed are pushed again.
const PUSH_RETRY_INTERVAL: Duration = Duration::from_secs(60);
/// Pause before a worker that stopped unexpectedly is started again.
const WORKER_RESTART_PAUSE: Duration = Duration::from_secs(1);
/// How often the daemon looks whether the worker count was changed.
const SCALE_INTERVAL: Duration = Duration::from_secs(1);
/// How long workers get to release their leases on shutdown before being aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What the daemon needs besides the store, model and repository.
#[derive(Debug, Clone)]
pub struct DaemonSettings {
    /// Parallel workers.
    pub worker_count: u32,
    /// Time limit of one attempt.
    pub task_timeout: Duration,
    /// Lease length; renewed at a third of it.
    pub lease_duration: Duration,
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// Push after each landed commit.
    pub auto_push: bool,
    /// Where attempt worktrees go.
    pub worktree_dir: PathBuf,
    /// Settings of the coding step.
    pub attempt: AttemptSettings,
    /// Where the HTTP server listens (`http://…`), announced with the daemon's presence.
    pub http: Option<String>,
    /// Checkpoints, if on.
    pub checkpoint: Option<CheckpointSettings>,
    /// The settings made from the dashboard these settings include: when the store holds
    /// others, [`Daemon::run`] stops its workers and returns [`Stopped::SettingsChanged`].
    pub dashboard_settings: BTreeMap<String, String>,
}

/// Why [`Daemon::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The shutdown token fired.
    Shutdown,
    /// The settings made from the dashboard changed: build the daemon again under them.
    SettingsChanged,
}

/// Shared by every worker.
pub(crate) struct Shared<S> {
    pub(crate) store: S,
    pub(crate) model: Arc<dyn ChatModel>,
    pub(crate) repo: Repo,
    pub(crate) settings: DaemonSettings,
    pub(crate) identity: Identity,
    pub(crate) land_lock: Mutex<()>,
    pub(crate) push_lock: Mutex<()>,
    /// Workers running now.
    pub(crate) workers: AtomicUsize,
}

/// The daemon. Generic over the store backend.
pub struct Daemon<S> {
    shared: Arc<Shared<S>>,
}

impl<S: Store> Daemon<S> {
    /// Builds a daemon.
    pub fn new(store: S, model: Arc<dyn ChatModel>, repo: Repo, settings: DaemonSettings) -> Self {
        Self {
            shared: Arc::new(Shared {
                store,
                model,
                repo,
                settings,
                identity: Identity::current(),
                land_lock: Mutex::new(()),
                push_lock: Mutex::new(()),
                workers: AtomicUsize::new(0),
            }),
        }
    }

    /// A worker, for tests that drain the queue one task at a time.
    pub fn worker(&self, index: usize) -> Worker<S> {
        Worker::new(Arc::clone(&self.shared), index)
    }

    /// Recovers leases of dead or expired holders; returns the tasks put back.
    pub async fn recover(&self) -> Result<Vec<i64>, StoreError> {
        let identity = &self.shared.identity;
        let recovered = self
            .shared
            .store
            .recover_leases(&|owner| identity.is_dead(owner))
            .await?;
        if !recovered.is_empty() {
            tracing::warn!(?recovered, "recovered tasks of lost workers");
        }
        for id in &recovered {
            self.adopt_if_landed(*id).await?;
        }
        Ok(recovered)
    }

    /// A task that recovery failed (its last attempt was lost) may have landed before the loss:
    /// if its commit is on the branch, it succeeded.
    async fn adopt_if_landed(&self, id: i64) -> Result<(), StoreError> {
        let shared = &self.shared;
        if shared.store.task(id).await?.status != TaskStatus::Failed {
            return Ok(());
        }
        let sha = match shared.repo.find_task_commit(id).await {
            Ok(Some(sha)) => sha,
            Ok(None) => return Ok(()),
            Err(err) => {
                tracing::warn!(task_id = id, %err, "could not look for the task's commit");
                return Ok(());
            }
        };
        let record = CommitRecord {
            task_id: id,
            files: shared.repo.files_of(&sha).await.unwrap_or_default(),
            subject: shared.repo.subject_of(&sha).await.unwrap_or_default(),
            branch: shared.repo.branch().to_owned(),
            created_at_ms: now_ms(),
            pushed: false,
            sha,
        };
        let summary = format!(
            "succeeded: its commit {} had landed before its last attempt was lost",
            &record.sha[..record.sha.len().min(12)]
        );
        if shared.store.adopt_failed(&record, summary).await? {
            tracing::info!(task_id = id, sha = %record.sha, "adopted a landed commit");
        }
        Ok(())
    }

    /// Runs until `shutdown` fires, or the settings made from the dashboard change; then
    /// releases leases and returns which.
    pub async fn run(self, shutdown: CancellationToken) -> Result<Stopped, StoreError> {
        let shared = &self.shared;
        // Everything below stops with `shutdown`, or alone when the settings change.
        let shutdown = shutdown.child_token();
        let mut stopped = Stopped::Shutdown;
        // No attempt runs yet: worktrees left by a crash go; task branches holding unlanded
        // commits stay for their tasks' next attempts.
        match shared
            .repo
            .clean_orphans(&shared.settings.worktree_dir)
            .await
        {
            Ok(kept) if !kept.is_empty() => {
                tracing::info!(?kept, "task branches with unlanded commits kept");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "could not clean up after earlier runs"),
        }
        self.recover().await?;
        // Without a change feed (inotify instances used up by editors, say) workers still poll.
        let (_no_feed, mut feed) = tokio::sync::watch::channel(0);
        match shared.store.subscribe() {
            Ok(subscribed) => feed = subscribed,
            Err(err) => tracing::warn!(%err, "no change feed; workers poll every few seconds"),
        }
        tracing::info!(
            workers = shared.settings.worker_count,
            repo = %shared.repo.root().display(),
            branch = shared.repo.branch(),
            model = %shared.model.model(),
            "daemon started"
        );

        let mut tasks = JoinSet::new();
        // One stop token per worker, so the count can change while the daemon runs.
        let mut workers: Vec<CancellationToken> = Vec::new();
        tasks.spawn(reap_leases(self.clone_handle(), shutdown.child_token()));
        tasks.spawn(announce(Arc::clone(shared), shutdown.child_token()));
        if shared.settings.auto_push {
            tasks.spawn(retry_pushes(Arc::clone(shared), shutdown.child_token()));
        }
        if let Some(checkpoint) = shared.settings.checkpoint.clone() {
            tasks.spawn(crate::checkpoint::keep(
                Arc::clone(shared),
                checkpoint,
                shutdown.child_token(),
            ));
        }
        let mut scale = tokio::time::interval(SCALE_INTERVAL);
        scale.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = scale.tick() => {
                    if self.settings_changed().await {
                        tracing::warn!("the settings made from the dashboard changed; restarting the workers under them");
                        stopped = Stopped::SettingsChanged;
                        shutdown.cancel();
                        break;
                    }
                    if let Some(index) = self.restart_asked(workers.len()).await {
                        // Its attempt, if any, is cut and its task released (no attempt spent).
                        workers[index].cancel();
                        let cancel = shutdown.child_token();
                        tasks.spawn(supervise(self.worker(index), feed.clone(), cancel.clone()));
                        workers[index] = cancel;
                        tracing::warn!(worker = index, "worker restarted as the dashboard asked");
                    }
                    let Some(wanted) = self.wanted_workers().await.or_else(|| {
                        // Unreadable before any worker runs: start the configured ones.
                        workers.is_empty().then(|| usize::try_from(shared.settings.worker_count).unwrap_or(1))
                    }) else {
                        continue;
                    };
                    while workers.len() < wanted {
                        let cancel = shutdown.child_token();
                        tasks.spawn(supervise(self.worker(workers.len()), feed.clone(), cancel.clone()));
                        workers.push(cancel);
                    }
                    while workers.len() > wanted {
                        // The newest worker stops; its task, if any, is released for another.
                        if let Some(cancel) = workers.pop() {
                            cancel.cancel();
                        }
                    }
                    if shared.workers.swap(wanted, Ordering::Relaxed) != wanted {
                        tracing::info!(workers = wanted, "workers running");
                    }
                }
            }
        }
        tracing::info!("shutting down: releasing leases");
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("workers did not stop within the grace period; aborting them");
            tasks.abort_all();
        }
        if stopped == Stopped::Shutdown
            && let Err(err) = shared.store.put_state(PRESENCE_KEY, "").await
        {
            tracing::warn!(%err, "could not clear daemon presence");
        }
        Ok(stopped)
    }

    /// The index of a worker of this daemon the dashboard asked to restart, taking the request
    /// (compare-and-swap: one restart per request).
    async fn restart_asked(&self, running: usize) -> Option<usize> {
        let shared = &self.shared;
        let asked = shared
            .store
            .state(WORKER_RESTART_KEY)
            .await
            .ok()
            .flatten()
            .filter(|a| !a.is_empty())?;
        let ours = format!("{}:{}:w", shared.identity.host, shared.identity.pid);
        let index = asked
            .strip_prefix(&ours)
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < running)?;
        shared
            .store
            .swap_state(WORKER_RESTART_KEY, Some(&asked), "")
            .await
            .ok()
            .filter(|taken| *taken)
            .map(|_| index)
    }

    /// Whether the store holds other settings made from the dashboard than these settings
    /// include (a value that cannot be read counts as no change).
    async fn settings_changed(&self) -> bool {
        let shared = &self.shared;
        shared
            .store
            .dashboard_settings()
            .await
            .is_ok_and(|stored| stored != shared.settings.dashboard_settings)
    }

    /// The worker count: the one set from the dashboard (kept in the store) if any, else the
    /// configured one; `None` when the store cannot be read now (the count stays as it is, so
    /// a locked database never stops workers the dashboard asked for).
    async fn wanted_workers(&self) -> Option<usize> {
        let shared = &self.shared;
        let set = match shared.store.state(WORKER_COUNT_KEY).await {
            Ok(set) => set,
            Err(err) => {
                tracing::warn!(%err, "could not read the worker count");
                return None;
            }
        };
        let count = set
            .and_then(|n| n.trim().parse::<u32>().ok())
            .filter(|n| (1..=WORKERS_MAX).contains(n))
            .unwrap_or(shared.settings.worker_count);
        Some(usize::try_from(count).unwrap_or(1))
    }

    fn clone_handle(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Runs a worker until shutdown; if it ever stops otherwise (a panic outside an attempt), it is
/// logged and the worker started again, so the daemon never stays up with fewer workers.
async fn supervise<S: Store>(
    worker: Worker<S>,
    feed: tokio::sync::watch::Receiver<u64>,
    cancel: CancellationToken,
) {
    let worker = Arc::new(worker);
    while !cancel.is_cancelled() {
        let running = Arc::clone(&worker);
        let (feed, stop) = (feed.clone(), cancel.clone());
        let ended = tokio::spawn(async move { running.run(feed, stop).await }).await;
        if let Err(err) = ended {
            tracing::error!(%err, "a worker stopped unexpectedly; starting it again");
            tokio::time::sleep(WORKER_RESTART_PAUSE).await;
        } else if !cancel.is_cancelled() {
            tracing::error!("a worker returned before shutdown; starting it again");
            tokio::time::sleep(WORKER_RESTART_PAUSE).await;
        }
    }
}

async fn reap_leases<S: Store>(daemon: Daemon<S>, cancel: CancellationToken) {
    let mut interval = tokio::time::interval(daemon.shared.settings.lease_duration / 2);
    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = interval.tick() => {
                if let Err(err) = daemon.recover().await {
                    tracing::warn!(%err, "lease recovery failed");
                }
            }
        }
    }
}

/// A push that did not happen; the commits stay marked unpushed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PushError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Git(#[from] nightshift_git::GitError),
}

impl<S: Store> Shared<S> {
    /// Pushes the target branch if a recorded commit on it is not pushed yet, and marks pushed
    /// those the pushed commit contains. A push carries every earlier commit of the queue with
    /// it; it is never forced, and never publishes the user's own commits (`Repo::push`).
    pub(crate) async fn push_pending(&self) -> Result<usize, PushError> {
        let pending = self.store.unpushed(self.repo.branch()).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let _one_at_a_time = self.push_lock.lock().await;
        let pushed = self.repo.push().await?;
        let mut marked = 0;
        for task_id in &pending {
            if let Some(record) = self.store.commit_of(*task_id).await?
                && self.repo.contains(&pushed, &record.sha).await?
            {
                self.store.mark_pushed(*task_id).await?;
                marked += 1;
            }
        }
        Ok(marked)
    }
}

/// Pushes commits whose push failed (the remote was down, say) until they are out.
async fn retry_pushes<S: Store>(shared: Arc<Shared<S>>, cancel: CancellationToken) {
    let mut interval = tokio::time::interval(PUSH_RETRY_INTERVAL);
    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = interval.tick() => match shared.push_pending().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(commits = n, "pushed commits whose push had failed"),
                Err(err) => tracing::warn!(%err, "push failed; commits kept, retrying"),
            },
        }
    }
}

async fn announce<S: Store>(shared: Arc<Shared<S>>, cancel: CancellationToken) {
    let mut interval = tokio::time::interval(PRESENCE_INTERVAL);
    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let started = now_ms();
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = interval.tick() => {
                let presence = serde_json::json!({
                    "host": shared.identity.host,
                    "pid": shared.identity.pid,
                    "instance": shared.identity.instance,
                    "workers": shared.workers.load(Ordering::Relaxed),
                    "configured_workers": shared.settings.worker_count,
                    "auto_push": shared.settings.auto_push,
                    "started_at_ms": started,
                    "seen_at_ms": now_ms(),
                    "model": format!("{}/{}", shared.model.backend(), shared.model.model()),
                    "branch": shared.repo.branch(),
                    "edit_format": shared.settings.attempt.edit_format.as_str(),
                    "repair_strategy": shared.settings.attempt.repair_strategy.as_str(),
                    "candidates": shared.settings.attempt.candidates,
                    "task_timeout_s": shared.settings.task_timeout.as_secs(),
                    "circuits_open": shared.model.open_circuits(),
                    "sandbox_confined": shared.settings.attempt.sandbox.is_confined(),
                    "sandbox": shared.settings.attempt.sandbox.describe(),
                    "checkpoint_every_s": shared.settings.checkpoint.as_ref().map(|c| c.every.as_secs_f64()),
                    "http": shared.settings.http,
                });
                if let Err(err) = shared.store.put_state(PRESENCE_KEY, &presence.to_string()).await {
                    tracing::warn!(%err, "could not write daemon presence");
                }
            }
        }
    }
}
