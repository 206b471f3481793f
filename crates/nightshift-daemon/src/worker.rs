//! A worker: claim, attempt under a lease, finish.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::FutureExt as _;
use nightshift_agent::{Attempt, AttemptError, Landed};
use nightshift_model::ErrorClass;
use nightshift_model::queue::{self, QueueTime};
use nightshift_store::{
    AttemptEnd, Claim, CommitRecord, Lease, LogLevel, NewLogEntry, Store, StoreError, TaskId,
    TaskStatus, now_ms,
};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use crate::TIMED_OUT;
use crate::daemon::Shared;

/// Longest an idle worker sleeps without a wake-up (a safety net under the change feed).
const IDLE_POLL: Duration = Duration::from_secs(5);
/// How long a task parks when the model is rate limited without saying for how long.
const RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);
/// Shortest and longest a task parks on a rate limit, whatever `Retry-After` says.
const PARK_MIN: Duration = Duration::from_secs(1);
const PARK_MAX: Duration = Duration::from_secs(3600);
/// How long a task may be refused by every backend's rate limit before it fails.
const RATE_LIMITED_GIVE_UP: Duration = Duration::from_secs(6 * 3600);
/// How long a landing waits before trying again when the user's checkout is busy.
const LANDING_WAIT: Duration = Duration::from_secs(15);
/// Longest a landing under way may take to finish once the attempt is timed out or cancelled.
const LANDING_LIMIT: Duration = Duration::from_secs(150);
/// Pause after a storage error before trying again.
const ERROR_PAUSE: Duration = Duration::from_secs(1);

/// What one step of a worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing claimable (empty, delayed, or paused).
    Idle,
    /// Ran an attempt of this task, which is now in this status (`None`: the lease was lost
    /// and another holder decides).
    Executed(TaskId, Option<TaskStatus>),
}

/// How an attempt ended, before it is written.
enum Ending {
    Landed(Landed),
    Failed(AttemptError),
    TimedOut,
    /// Shutdown: give the task back.
    Shutdown,
    /// The lease was lost (cancelled by a user, or taken over): write nothing.
    LeaseLost,
}

/// One worker of a daemon.
pub struct Worker<S> {
    shared: Arc<Shared<S>>,
    owner: String,
}

impl<S: Store> Worker<S> {
    pub(crate) fn new(shared: Arc<Shared<S>>, index: usize) -> Self {
        let owner = shared.identity.owner(index);
        Self { shared, owner }
    }

    /// Runs until cancelled.
    pub(crate) async fn run(&self, mut feed: watch::Receiver<u64>, cancel: CancellationToken) {
        while !cancel.is_cancelled() {
            feed.borrow_and_update();
            let outcome = self.try_execute_one(&cancel).await;
            let wait = match outcome {
                Ok(Outcome::Executed(..)) => continue,
                Ok(Outcome::Idle) => self.idle_wait().await,
                Err(err) => {
                    tracing::warn!(owner = %self.owner, %err, "worker step failed");
                    ERROR_PAUSE
                }
            };
            tokio::select! {
                () = cancel.cancelled() => break,
                changed = feed.changed() => if changed.is_err() { break },
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Until the earliest delayed task becomes claimable, capped by [`IDLE_POLL`].
    async fn idle_wait(&self) -> Duration {
        match self.shared.store.next_run_after().await {
            Ok(Some(at)) => {
                let ms = u64::try_from(at.saturating_sub(now_ms())).unwrap_or(0);
                Duration::from_millis(ms.max(10)).min(IDLE_POLL)
            }
            Ok(None) | Err(_) => IDLE_POLL,
        }
    }

    /// Claims and runs at most one task.
    pub async fn try_execute_one(&self, cancel: &CancellationToken) -> Result<Outcome, StoreError> {
        let settings = &self.shared.settings;
        let Some(claim) = self
            .shared
            .store
            .claim(&self.owner, settings.lease_duration)
            .await?
        else {
            return Ok(Outcome::Idle);
        };
        let id = claim.task.id;
        tracing::info!(task_id = id, attempt = claim.lease.attempt, owner = %self.owner, "claimed");
        fail::fail_point!("after_claim", |_| std::process::abort());
        let lease = claim.lease.clone();
        let max_retries = claim.task.max_retries;
        // A panic in an attempt ends that attempt as a counted failure; the worker goes on.
        let status = match AssertUnwindSafe(self.execute(claim, cancel))
            .catch_unwind()
            .await
        {
            Ok(status) => status?,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                tracing::error!(task_id = id, owner = %self.owner, "attempt panicked: {what}");
                let end =
                    self.failure(&lease, max_retries, format!("internal error: {what}"), true);
                match self.shared.store.finish(&lease, end).await {
                    Ok(status) => Some(status),
                    Err(StoreError::StaleLease { .. }) => None,
                    Err(err) => return Err(err),
                }
            }
        };
        Ok(Outcome::Executed(id, status))
    }

    async fn execute(
        &self,
        claim: Claim,
        cancel: &CancellationToken,
    ) -> Result<Option<TaskStatus>, StoreError> {
        let Claim { task, lease } = claim;
        let shared = &self.shared;
        let attempt_cancel = cancel.child_token();
        let lease_lost = CancellationToken::new();
        // Aborted when dropped: a panicking attempt stops renewing its lease too.
        let heartbeat = AbortOnDropHandle::new(tokio::spawn(keep_lease(
            shared.store.clone(),
            lease.clone(),
            shared.settings.lease_duration,
            lease_lost.clone(),
            attempt_cancel.clone(),
        )));

        // A crash between landing and recording leaves the commit on the branch: adopt it.
        if let Ok(Some(sha)) = shared.repo.find_task_commit(task.id).await {
            heartbeat.abort();
            let files = shared.repo.files_of(&sha).await.unwrap_or_default();
            let subject = shared.repo.subject_of(&sha).await.unwrap_or_default();
            let landed = Landed {
                sha,
                subject,
                files,
                checks: Vec::new(),
            };
            return self
                .record_success(
                    &lease,
                    &landed,
                    "its commit had already landed before a crash",
                )
                .await;
        }

        // A bug in an attempt, as the fault suite provokes it (`attempt=…panic`).
        fail::fail_point!("attempt");
        let worktree = self.worktree_path(&lease);
        let landing = AtomicBool::new(false);
        // Time waiting for the model or the merge queue is not the attempt's: the limit
        // leaves it out.
        let queued = Arc::new(QueueTime::default());
        let attempt = Attempt {
            store: &shared.store,
            model: shared.model.as_ref(),
            repo: &shared.repo,
            land_lock: &shared.land_lock,
            landing: &landing,
            lease: &lease,
            lease_length: shared.settings.lease_duration,
            settings: &shared.settings.attempt,
            task: &task,
            attempt: lease.attempt,
            worktree: worktree.clone(),
        };
        let run = queue::counting(Arc::clone(&queued), attempt.run());
        tokio::pin!(run);
        let ended = |result: Result<Landed, AttemptError>| match result {
            Ok(landed) => Ending::Landed(landed),
            Err(AttemptError::LeaseLost) => Ending::LeaseLost,
            Err(err) => Ending::Failed(err),
        };
        let interrupted = tokio::select! {
            result = within(shared.settings.task_timeout, &queued, &mut run) => match result {
                Some(result) => Err(ended(result)),
                None => Ok(Ending::TimedOut),
            },
            () = attempt_cancel.cancelled() => Ok(
                if lease_lost.is_cancelled() { Ending::LeaseLost } else { Ending::Shutdown }
            ),
        };
        let ending = match interrupted {
            Err(ending) => ending,
            // Moving the branch in the user's checkout is never cut half-way: it finishes,
            // within a limit of its own, and its outcome stands.
            Ok(interruption) if landing.load(Ordering::SeqCst) => {
                match tokio::time::timeout(LANDING_LIMIT, &mut run).await {
                    Ok(result) => ended(result),
                    Err(_) => interruption,
                }
            }
            Ok(interruption) => interruption,
        };
        heartbeat.abort();
        match shared.repo.remove_worktree(&worktree, task.id).await {
            Ok(None) => {}
            Ok(Some(commit)) => {
                self.log(
                    &lease,
                    LogLevel::Info,
                    &format!(
                        "{} keeps the unlanded commit {commit}; the next attempt lands it",
                        shared.repo.task_branch(task.id)
                    ),
                )
                .await;
            }
            Err(err) => tracing::warn!(task_id = task.id, %err, "could not remove worktree"),
        }

        let end = match ending {
            Ending::Landed(landed) => {
                return self
                    .record_success(&lease, &landed, "checks passed and the commit landed")
                    .await;
            }
            Ending::LeaseLost => {
                self.log(
                    &lease,
                    LogLevel::Warn,
                    "lease lost (cancelled or taken over); result discarded",
                )
                .await;
                return Ok(None);
            }
            Ending::Shutdown => AttemptEnd::Released {
                reason: "daemon shutting down".to_owned(),
            },
            Ending::TimedOut => self.failure(
                &lease,
                task.max_retries,
                format!("{TIMED_OUT} {} s", shared.settings.task_timeout.as_secs()),
                true,
            ),
            Ending::Failed(AttemptError::Model(err))
                if matches!(err.class(), ErrorClass::RateLimited(_)) =>
            {
                let wait = match err.class() {
                    ErrorClass::RateLimited(Some(wait)) => wait,
                    ErrorClass::RateLimited(None)
                    | ErrorClass::Transient
                    | ErrorClass::Unavailable
                    | ErrorClass::Rejected
                    | ErrorClass::Unusable => RATE_LIMIT_WAIT,
                };
                // A server's word is clamped: `Retry-After: 0` would make a hot loop against
                // it, a huge value would overflow or park the task for a year.
                let wait = wait.clamp(PARK_MIN, PARK_MAX);
                // A backend that refuses forever must not park the task forever.
                let limited_for = task
                    .rate_limited_since_ms
                    .map(|since| now_ms().saturating_sub(since));
                if limited_for.is_some_and(|ms| ms > duration_ms(RATE_LIMITED_GIVE_UP)) {
                    AttemptEnd::Failed {
                        error: format!(
                            "rate limited on every backend for over {} h: {err}",
                            RATE_LIMITED_GIVE_UP.as_secs() / 3600
                        ),
                    }
                } else {
                    AttemptEnd::Parked {
                        reason: err.to_string(),
                        run_after_ms: now_ms().saturating_add(duration_ms(wait)),
                        rate_limited: true,
                    }
                }
            }
            // Nothing is wrong with the commit: it waits on the task's branch, and the next
            // attempt lands it as it is.
            Ending::Failed(AttemptError::Busy(reason)) => AttemptEnd::Parked {
                reason: format!("landing waits: {reason}"),
                run_after_ms: now_ms().saturating_add(duration_ms(LANDING_WAIT)),
                rate_limited: false,
            },
            Ending::Failed(err) => {
                let retryable = err.is_retryable();
                self.failure(&lease, task.max_retries, err.to_string(), retryable)
            }
        };
        match shared.store.finish(&lease, end).await {
            Ok(status) => Ok(Some(status)),
            Err(StoreError::StaleLease { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn failure(
        &self,
        lease: &Lease,
        max_retries: u32,
        error: String,
        retryable: bool,
    ) -> AttemptEnd {
        let policy = nightshift_store::RetryPolicy {
            max_retries,
            ..self.shared.settings.retry
        };
        match retryable
            .then(|| policy.next_delay(lease.attempt, &mut rand::rng()))
            .flatten()
        {
            Some(delay) => AttemptEnd::Retry {
                error,
                run_after_ms: now_ms().saturating_add(duration_ms(delay)),
            },
            None => AttemptEnd::Failed { error },
        }
    }

    async fn record_success(
        &self,
        lease: &Lease,
        landed: &Landed,
        why: &str,
    ) -> Result<Option<TaskStatus>, StoreError> {
        let shared = &self.shared;
        let record = CommitRecord {
            task_id: lease.task_id,
            sha: landed.sha.clone(),
            branch: shared.repo.branch().to_owned(),
            subject: landed.subject.clone(),
            files: landed.files.clone(),
            created_at_ms: now_ms(),
            pushed: false,
        };
        let summary = format!(
            "succeeded: {why} ({})",
            &landed.sha[..landed.sha.len().min(12)]
        );
        match shared
            .store
            .record_commit_and_succeed(lease, &record, summary)
            .await
        {
            Ok(()) => {}
            Err(StoreError::StaleLease { .. }) => return Ok(None),
            Err(err) => return Err(err),
        }
        fail::fail_point!("after_record", |_| std::process::abort());
        if shared.settings.auto_push
            && let Err(err) = shared.push_pending().await
        {
            self.log(
                lease,
                LogLevel::Warn,
                &format!("push failed; the commit is kept and the push retried: {err}"),
            )
            .await;
        }
        Ok(Some(TaskStatus::Succeeded))
    }

    async fn log(&self, lease: &Lease, level: LogLevel, message: &str) {
        let entry = NewLogEntry {
            task_id: Some(lease.task_id),
            attempt: Some(lease.attempt),
            level,
            event: "worker".to_owned(),
            message: message.to_owned(),
        };
        if let Err(err) = self.shared.store.log(entry).await {
            tracing::warn!(%err, "could not write execution log");
        }
    }

    /// One directory per claim (named by the lease's random token: attempt numbers restart
    /// when a user retries): a holder whose lease ran out never works in, nor removes, the
    /// worktree of the attempt that took the task over.
    fn worktree_path(&self, lease: &Lease) -> PathBuf {
        let token = lease.token.get(..8).unwrap_or(&lease.token);
        self.shared
            .settings
            .worktree_dir
            .join(format!("task-{}-{token}", lease.task_id))
    }
}

/// Renews the lease at a third of its length. If it is lost — taken, or not renewed for so long
/// that it may have run out (the database busy or failing) — cancels the attempt, which then
/// lands nothing.
async fn keep_lease<S: Store>(
    store: S,
    lease: Lease,
    length: Duration,
    lost: CancellationToken,
    attempt: CancellationToken,
) {
    let mut interval = tokio::time::interval(length / 3);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    interval.tick().await;
    let mut renewed = tokio::time::Instant::now();
    loop {
        interval.tick().await;
        match store.heartbeat(&lease, length).await {
            Ok(()) => renewed = tokio::time::Instant::now(),
            Err(StoreError::StaleLease { .. }) => {
                lost.cancel();
                attempt.cancel();
                return;
            }
            Err(err) if renewed.elapsed() >= length * 2 / 3 => {
                tracing::error!(
                    task_id = lease.task_id,
                    %err,
                    "lease not renewed for {} s; the attempt stops",
                    renewed.elapsed().as_secs()
                );
                lost.cancel();
                attempt.cancel();
                return;
            }
            Err(err) => tracing::warn!(task_id = lease.task_id, %err, "lease heartbeat failed"),
        }
    }
}

/// `run` to its end, or `None` once it has used `limit` — not counting its time queued to land.
async fn within<F: std::future::Future + Unpin>(
    limit: Duration,
    queued: &QueueTime,
    run: &mut F,
) -> Option<F::Output> {
    let started = tokio::time::Instant::now();
    loop {
        let deadline = started + limit + queued.excluded();
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        if let Ok(output) = tokio::time::timeout_at(deadline, &mut *run).await {
            return Some(output);
        }
    }
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
