//! The rows nightshift stores, as typed values.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::StoreError;

/// Identifier of a task (positive, assigned by storage in insertion order).
pub type TaskId = i64;

/// Lowest accepted priority.
pub const PRIORITY_MIN: i32 = 1;
/// Highest accepted priority; higher runs first.
pub const PRIORITY_MAX: i32 = 10;
/// Priority when none is given.
pub const PRIORITY_DEFAULT: i32 = 5;
/// Longest accepted task description, in bytes.
pub const DESCRIPTION_MAX_BYTES: usize = 64 * 1024;

/// Where a task's life stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting to be claimed (possibly not before `run_after_ms`).
    Queued,
    /// Claimed by a worker holding a lease.
    Running,
    /// Done, with its commit.
    Succeeded,
    /// Retries exhausted or not retryable; `last_error` says why.
    Failed,
    /// Cancelled by a user.
    Cancelled,
}

impl TaskStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [TaskStatus; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether no further transition happens without a user's request.
    pub fn is_final(self) -> bool {
        match self {
            Self::Succeeded | Self::Failed | Self::Cancelled => true,
            Self::Queued | Self::Running => false,
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown task status {s:?}")))
    }
}

/// A task to enqueue, validated by [`NewTask::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    /// What to do, in plain language.
    pub description: String,
    /// Higher first; FIFO within a priority.
    pub priority: i32,
    /// Free-form JSON object carried with the task.
    pub metadata: serde_json::Value,
    /// Where it came from (`cli`, `yaml:<path>`, `api`, ...).
    pub source: String,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The intake's key for it (an API client's `Idempotency-Key`, an entry of a watched tasks
    /// file): a task whose key is already in the queue is not queued again. `None`: no key.
    pub key: Option<String>,
}

/// Longest intake key, in bytes.
pub const KEY_MAX_BYTES: usize = 200;

impl NewTask {
    /// Validates and builds a task. The description is trimmed; it must not be empty.
    pub fn new(
        description: &str,
        priority: i32,
        metadata: serde_json::Value,
        source: &str,
        max_retries: u32,
    ) -> Result<Self, StoreError> {
        let description = description.trim();
        if description.is_empty() {
            return Err(StoreError::Invalid("task description is empty".to_owned()));
        }
        if description.len() > DESCRIPTION_MAX_BYTES {
            return Err(StoreError::Invalid(format!(
                "task description is {} bytes; the limit is {DESCRIPTION_MAX_BYTES}",
                description.len()
            )));
        }
        if !(PRIORITY_MIN..=PRIORITY_MAX).contains(&priority) {
            return Err(StoreError::Invalid(format!(
                "priority {priority} is out of range {PRIORITY_MIN}..={PRIORITY_MAX} (higher runs first)"
            )));
        }
        if !(metadata.is_object() || metadata.is_null()) {
            return Err(StoreError::Invalid(
                "task metadata must be a mapping".to_owned(),
            ));
        }
        Ok(Self {
            description: description.to_owned(),
            priority,
            metadata: if metadata.is_null() {
                serde_json::Value::Object(Default::default())
            } else {
                metadata
            },
            source: source.to_owned(),
            max_retries,
            key: None,
        })
    }

    /// The task with an intake key: queued once, however often it is submitted. The key must
    /// be 1 to [`KEY_MAX_BYTES`] bytes of printable ASCII.
    pub fn with_key(mut self, key: &str) -> Result<Self, StoreError> {
        if key.is_empty()
            || key.len() > KEY_MAX_BYTES
            || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        {
            return Err(StoreError::Invalid(format!(
                "an intake key is 1 to {KEY_MAX_BYTES} printable ASCII characters"
            )));
        }
        self.key = Some(key.to_owned());
        Ok(self)
    }
}

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Its id.
    pub id: TaskId,
    /// What to do.
    pub description: String,
    /// Higher first.
    pub priority: i32,
    /// Where it stands.
    pub status: TaskStatus,
    /// Free-form JSON object.
    pub metadata: serde_json::Value,
    /// Where it came from.
    pub source: String,
    /// Attempts started so far (a claim counts one).
    pub attempts: u32,
    /// Retries allowed after the first attempt.
    pub max_retries: u32,
    /// Not claimable before this time (backoff).
    pub run_after_ms: i64,
    /// Who holds the lease while running (`host:pid:worker`).
    pub lease_owner: Option<String>,
    /// When the lease runs out while running.
    pub lease_expires_at_ms: Option<i64>,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at_ms: i64,
    /// When it last changed.
    pub updated_at_ms: i64,
    /// When its latest attempt started.
    pub started_at_ms: Option<i64>,
    /// When it reached a final state.
    pub finished_at_ms: Option<i64>,
    /// Since when every attempt has been parked on rate limits; `None` when the last did not.
    pub rate_limited_since_ms: Option<i64>,
}

/// Proof of a claim: every write of the attempt presents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The task claimed.
    pub task_id: TaskId,
    /// Random per claim; a newer claim replaces it.
    pub token: String,
    /// Which attempt this is (1-based).
    pub attempt: u32,
}

/// A claimed task with its lease.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The task, as it was right after the claim.
    pub task: Task,
    /// The lease to present on every later write.
    pub lease: Lease,
}

/// How an attempt ends; the store applies the matching transition atomically with the lease
/// check.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptEnd {
    /// The task is done.
    Succeeded {
        /// A line for the log.
        summary: String,
    },
    /// Failed, to be retried at `run_after_ms`.
    Retry {
        /// Why it failed.
        error: String,
        /// Earliest time for the next attempt.
        run_after_ms: i64,
    },
    /// Failed for good.
    Failed {
        /// Why it failed.
        error: String,
    },
    /// Given back unfinished (shutdown): queued again, and the attempt is not counted.
    Released {
        /// Why it was given back.
        reason: String,
    },
    /// Parked: every model backend is rate limited, or the landing waits for the user's
    /// checkout. Queued again for `run_after_ms`, and the attempt is not counted.
    Parked {
        /// Why.
        reason: String,
        /// When to try again.
        run_after_ms: i64,
        /// Parked on rate limits: [`Task::rate_limited_since_ms`] keeps when that began.
        rate_limited: bool,
    },
}

/// How many tasks are in each status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounts {
    /// Queued and claimable now or later.
    pub queued: u64,
    /// Of the queued, how many wait for a backoff delay.
    pub delayed: u64,
    /// Running.
    pub running: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
    /// Cancelled.
    pub cancelled: u64,
}

/// Severity of a log line, ordered from `Debug` up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Details.
    Debug,
    /// Normal progress.
    Info,
    /// Something to look at.
    Warn,
    /// A failure.
    Error,
}

impl LogLevel {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

impl FromStr for LogLevel {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Debug, Self::Info, Self::Warn, Self::Error]
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown log level {s:?}")))
    }
}

/// A line to append to `execution_logs`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLogEntry {
    /// The task it is about, if any.
    pub task_id: Option<TaskId>,
    /// The attempt it is about, if any.
    pub attempt: Option<u32>,
    /// Severity.
    pub level: LogLevel,
    /// A short machine-readable kind (`transition`, `model`, `edit`, `check`, `git`, ...).
    pub event: String,
    /// The human-readable line.
    pub message: String,
}

/// A line of `execution_logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Monotonic id, usable as a cursor for following.
    pub id: i64,
    /// When it was written.
    pub at_ms: i64,
    /// The task it is about, if any.
    pub task_id: Option<TaskId>,
    /// The attempt it is about, if any.
    pub attempt: Option<u32>,
    /// Severity.
    pub level: LogLevel,
    /// Kind of event.
    pub event: String,
    /// The worker that held the task when the line was written (`host:pid:wN`), for the
    /// lines of an attempt.
    pub worker: Option<String>,
    /// For transitions: the status before.
    pub from_status: Option<String>,
    /// For transitions: the status after.
    pub to_status: Option<String>,
    /// The line.
    pub message: String,
}

/// How one worker's attempts ended ([`crate::EventLog::attempts_by_worker`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WorkerTally {
    /// `host:pid:wN`.
    pub worker: String,
    /// Attempts that landed.
    pub succeeded: u64,
    /// Attempts that ended otherwise (failed, queued again, parked, released).
    pub ended_otherwise: u64,
}

/// Which log lines to read.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Only lines of this task.
    pub task_id: Option<TaskId>,
    /// Only lines with an id above this (for following).
    pub after_id: Option<i64>,
    /// Only lines with an id below this (paging back through older lines).
    pub before_id: Option<i64>,
    /// Only lines of this worker: its whole name (`host:pid:w2`), or `w2` for the worker of
    /// that number in any daemon.
    pub worker: Option<String>,
    /// Only lines of this level and above.
    pub min_level: Option<LogLevel>,
    /// Only lines whose message contains this, ignoring ASCII case.
    pub text: Option<String>,
    /// Only lines of these kinds (`transition`, `model`, `check`, `git`, `paused`, …).
    pub events: Option<Vec<String>>,
    /// At most this many, oldest first: after `after_id` the oldest past it (a follower pages
    /// forward through every line), without it the newest (a tail).
    pub limit: u32,
}

/// Which tasks to list: every filter set must hold. Newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only tasks in this status.
    pub status: Option<TaskStatus>,
    /// Only tasks that came from this source (`cli`, `api`, `tasks-file`, …).
    pub source: Option<String>,
    /// Only tasks of this priority.
    pub priority: Option<i32>,
    /// Only tasks a model call of this model served (`model`, or `backend/model`).
    pub model: Option<String>,
    /// Only tasks whose description or last error contains this, in any case.
    pub text: Option<String>,
    /// Only tasks with an id below this (the next page).
    pub before_id: Option<TaskId>,
    /// Only tasks that reached a final state in this period.
    pub finished: Option<Period>,
    /// At most this many.
    pub limit: u32,
}

/// A span of time, `[from_ms, to_ms)` in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The first millisecond in it.
    pub from_ms: i64,
    /// The first millisecond after it.
    pub to_ms: i64,
}

impl Period {
    /// Whether `at_ms` falls in it.
    pub fn contains(&self, at_ms: i64) -> bool {
        (self.from_ms..self.to_ms).contains(&at_ms)
    }
}

impl TaskFilter {
    /// Every task, the newest `limit`.
    pub fn newest(limit: u32) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// Of `status` only.
    #[must_use]
    pub fn of_status(mut self, status: Option<TaskStatus>) -> Self {
        self.status = status;
        self
    }
}

/// A commit nightshift made for a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitRecord {
    /// The task.
    pub task_id: TaskId,
    /// The commit id.
    pub sha: String,
    /// The branch it landed on.
    pub branch: String,
    /// First line of the message.
    pub subject: String,
    /// Files it changed.
    pub files: Vec<String>,
    /// When it was recorded.
    pub created_at_ms: i64,
    /// Whether it was pushed.
    pub pushed: bool,
}

/// One call to a model, for `model_stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCall {
    /// The task it served, if any.
    pub task_id: Option<TaskId>,
    /// The attempt it served, if any.
    pub attempt: Option<u32>,
    /// Backend kind (`gguf`, `ollama`, ...).
    pub backend: String,
    /// Model name.
    pub model: String,
    /// What the call was for (`code`, `test`).
    pub purpose: String,
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Time to first token.
    pub first_token_ms: Option<u64>,
    /// Total time of the call.
    pub duration_ms: u64,
    /// `ok` or an error kind.
    pub outcome: String,
    /// The error, when it failed.
    pub error: Option<String>,
    /// Backends the router gave up on before this one, for this request.
    pub fallback_from: Option<String>,
}

/// Token and time totals of model calls, for a task or a model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelTotals {
    /// Backend kind.
    pub backend: String,
    /// Model name.
    pub model: String,
    /// Number of calls.
    pub calls: u64,
    /// Calls that failed.
    pub failed_calls: u64,
    /// Calls the router made to this model after giving up on another for the same request.
    pub fallbacks: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Generated tokens.
    pub completion_tokens: u64,
    /// Time spent in calls.
    pub duration_ms: u64,
}

/// Where the checkpoint schedule stands, kept under [`crate::CHECKPOINT_KEY`]: every
/// checkpoint interval the queue pauses and a report of the period is written; resuming the
/// queue approves it and starts the next period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// When the current period began.
    pub since_ms: i64,
    /// The report of the period that ended, while it awaits approval.
    pub awaiting: Option<CheckpointReport>,
}

/// Whether the queue runs, and why not ([`crate::SystemState::run_state`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunState {
    /// Whether claiming is paused.
    pub paused: bool,
    /// Who paused it last (`cli`, `dashboard`, `checkpoint`, …).
    pub paused_by: Option<String>,
    /// The checkpoint schedule, once a daemon with checkpoints on started.
    pub checkpoint: Option<Checkpoint>,
}

/// A checkpoint's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointReport {
    /// What it covers.
    pub period: Period,
    /// The markdown file written, on the host that wrote it.
    pub path: String,
}
