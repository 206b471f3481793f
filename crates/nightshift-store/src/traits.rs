//! The storage traits. A backend implements all of them; callers name only what they use.

use std::time::Duration;

use async_trait::async_trait;

use crate::{
    AttemptEnd, Claim, CommitRecord, Lease, LogEntry, LogQuery, ModelCall, ModelTotals,
    NewLogEntry, NewTask, Period, QueueCounts, Result, StoreError, Task, TaskFilter, TaskId,
    TaskStatus, WorkerTally,
};

/// The durable priority queue.
#[async_trait]
pub trait TaskQueue: Send + Sync {
    /// Adds tasks atomically: all of them or none. Returns their ids in order. Durable on return.
    /// A task whose intake key ([`NewTask::key`]) is already in the queue is not added again:
    /// its id is the one queued before.
    async fn enqueue(&self, tasks: Vec<NewTask>) -> Result<Vec<TaskId>>;

    /// The task queued with intake key `key`, if any.
    async fn task_with_key(&self, key: &str) -> Result<Option<TaskId>>;

    /// Claims the highest-priority claimable task (FIFO within a priority) for `owner`, with a
    /// lease of `lease` from now. `None` when nothing is claimable or the queue is paused.
    async fn claim(&self, owner: &str, lease: Duration) -> Result<Option<Claim>>;

    /// Extends the lease to `lease` from now. Fails with `StaleLease` if it was lost.
    async fn heartbeat(&self, lease: &Lease, extend: Duration) -> Result<()>;

    /// Ends the attempt. Fails with `StaleLease` if the lease was lost; nothing is written then.
    async fn finish(&self, lease: &Lease, end: AttemptEnd) -> Result<TaskStatus>;

    /// Puts running tasks whose lease expired, or whose owner `owner_is_dead` says is gone, back
    /// in the queue — or fails them if they have no attempts left. Returns the ids recovered.
    async fn recover_leases(
        &self,
        owner_is_dead: &(dyn for<'o> Fn(&'o str) -> bool + Sync),
    ) -> Result<Vec<TaskId>>;

    /// Cancels a queued or running task (a running attempt loses its lease).
    async fn cancel(&self, id: TaskId) -> Result<()>;

    /// Queues a failed or cancelled task again with a fresh attempt budget; a `note` is added
    /// to its description (under [`NOTE_HEADING`]), so the next prompt carries it.
    async fn retry(&self, id: TaskId, note: Option<&str>) -> Result<()>;

    /// One task.
    async fn task(&self, id: TaskId) -> Result<Task>;

    /// Tasks that pass `filter`, newest first.
    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>>;

    /// Tasks per status.
    async fn counts(&self) -> Result<QueueCounts>;

    /// Earliest `run_after_ms` among queued tasks, to sleep until a backoff ends.
    async fn next_run_after(&self) -> Result<Option<i64>>;
}

/// `execution_logs`: what happened, in order.
#[async_trait]
pub trait EventLog: Send + Sync {
    /// Appends a line.
    async fn log(&self, entry: NewLogEntry) -> Result<()>;

    /// Reads lines.
    async fn logs(&self, query: &LogQuery) -> Result<Vec<LogEntry>>;

    /// The newest line of each of these tasks (what each is doing now), in no given order.
    async fn latest_lines(&self, tasks: &[TaskId]) -> Result<Vec<LogEntry>>;

    /// How the attempts of each worker whose name starts with `prefix` ended (a daemon's
    /// workers: `host:pid:`), by worker.
    async fn attempts_by_worker(&self, prefix: &str) -> Result<Vec<WorkerTally>>;
}

/// `git_commits`: one commit per succeeded task.
#[async_trait]
pub trait CommitLog: Send + Sync {
    /// Records the commit of a task, and ends its attempt as succeeded, in one transaction.
    async fn record_commit_and_succeed(
        &self,
        lease: &Lease,
        commit: &CommitRecord,
        summary: String,
    ) -> Result<()>;

    /// Records the commit of a task that ended `failed` although its commit is on the branch (the
    /// process died between landing and recording on the last attempt), and makes it
    /// `succeeded`, in one transaction. `false` if the task is not `failed`.
    async fn adopt_failed(&self, commit: &CommitRecord, summary: String) -> Result<bool>;

    /// Marks a recorded commit as pushed.
    async fn mark_pushed(&self, task_id: TaskId) -> Result<()>;

    /// Tasks whose commits on `branch` are not pushed yet, oldest first.
    async fn unpushed(&self, branch: &str) -> Result<Vec<TaskId>>;

    /// The commit of a task, if any.
    async fn commit_of(&self, task_id: TaskId) -> Result<Option<CommitRecord>>;

    /// Recent commits, newest first.
    async fn commits(&self, limit: u32) -> Result<Vec<CommitRecord>>;

    /// Commits recorded in `period`, oldest first.
    async fn commits_in(&self, period: Period) -> Result<Vec<CommitRecord>>;
}

/// `model_stats`: one row per model call.
#[async_trait]
pub trait ModelStatsLog: Send + Sync {
    /// Records a call.
    async fn record_call(&self, call: &ModelCall) -> Result<()>;

    /// Calls of one task.
    async fn calls_of(&self, task_id: TaskId) -> Result<Vec<ModelCall>>;

    /// Totals per backend and model, of every call or of the calls made in `period`.
    async fn totals_by_model(&self, period: Option<Period>) -> Result<Vec<ModelTotals>>;
}

/// `system_state`: small shared settings such as pause, visible to every process.
#[async_trait]
pub trait SystemState: Send + Sync {
    /// Pauses or resumes claiming, for every process on this store; logged.
    async fn set_paused(&self, paused: bool, by: &str) -> Result<()>;

    /// Whether claiming is paused.
    async fn paused(&self) -> Result<bool>;

    /// Writes a value.
    async fn put_state(&self, key: &str, value: &str) -> Result<()>;

    /// Reads a value.
    async fn state(&self, key: &str) -> Result<Option<String>>;

    /// Writes `value` only if the key holds `expected` now (`None`: the key is absent), in one
    /// step, so that of several processes making the same change one does. Whether it wrote.
    async fn swap_state(&self, key: &str, expected: Option<&str>, value: &str) -> Result<bool>;

    /// The checkpoint schedule ([`CHECKPOINT_KEY`]), once a daemon with checkpoints on started;
    /// `None` too for a value that does not read (the daemon starts a new period then).
    async fn checkpoint(&self) -> Result<Option<crate::Checkpoint>> {
        Ok(self
            .state(CHECKPOINT_KEY)
            .await?
            .and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    /// Whether the queue runs, who paused it and the checkpoint schedule, as one view: the
    /// schedule is read before the pause because a checkpoint pauses the queue before it marks
    /// the schedule awaiting, so a reader never sees a report awaiting approval on a queue that
    /// runs because its two reads straddled the checkpoint.
    async fn run_state(&self) -> Result<crate::RunState> {
        let checkpoint = self.checkpoint().await?;
        let paused = self.paused().await?;
        let paused_by = self.state(PAUSED_BY_KEY).await?.filter(|by| !by.is_empty());
        Ok(crate::RunState {
            paused,
            paused_by,
            checkpoint,
        })
    }

    /// The settings made from the dashboard ([`SETTINGS_KEY`]), key → value; empty when none.
    async fn dashboard_settings(&self) -> Result<std::collections::BTreeMap<String, String>> {
        match self.state(SETTINGS_KEY).await? {
            Some(raw) if !raw.trim().is_empty() => serde_json::from_str(&raw).map_err(|err| {
                StoreError::Corrupt(format!("the settings made from the dashboard: {err}"))
            }),
            _ => Ok(std::collections::BTreeMap::new()),
        }
    }

    /// This queue's id: made at random with the database, it ties commits to this database's
    /// tasks (task ids restart in a new one).
    async fn queue_id(&self) -> Result<String> {
        self.state(QUEUE_ID_KEY)
            .await?
            .filter(|id| !id.is_empty())
            .ok_or_else(|| StoreError::Invalid("the database has no queue id".to_owned()))
    }
}

/// What introduces a note added on retry, in the task's description.
pub const NOTE_HEADING: &str = "Note for the next attempt:";

/// `system_state` key of [`SystemState::queue_id`].
pub const QUEUE_ID_KEY: &str = "queue_id";
/// `system_state` key of the running daemon's presence: what it announces about itself (JSON),
/// refreshed every few seconds, empty once it stopped.
pub const PRESENCE_KEY: &str = "daemon";
/// `system_state` key of who paused or resumed the queue last.
pub const PAUSED_BY_KEY: &str = "paused_by";
/// `system_state` key of why the tasks file did not load (empty when it did).
pub const TASKS_FILE_ERROR_KEY: &str = "tasks_file_error";
/// `system_state` key of the worker count set from the dashboard, which the daemon applies live.
pub const WORKER_COUNT_KEY: &str = "worker_count";
/// `system_state` key of the checkpoint schedule ([`crate::Checkpoint`], JSON).
pub const CHECKPOINT_KEY: &str = "checkpoint";
/// `system_state` key of the latest checkpoint report's markdown.
pub const CHECKPOINT_REPORT_KEY: &str = "checkpoint_report";
/// Who pauses the queue at a checkpoint (see [`SystemState::set_paused`]).
pub const CHECKPOINT_PAUSER: &str = "checkpoint";
/// `system_state` key of the settings made from the dashboard (a JSON object of key → value),
/// a configuration layer over every other; a change restarts the daemon's workers under them.
pub const SETTINGS_KEY: &str = "settings";
/// `system_state` key of a worker the dashboard asked to restart, as `host:pid:wN` (the
/// daemon's host and pid as it announces them); empty once done.
pub const WORKER_RESTART_KEY: &str = "worker_restart";
/// Most workers one daemon runs (the configuration's bound too).
pub const WORKERS_MAX: u32 = 256;

/// Everything a backend provides.
pub trait Store:
    TaskQueue + EventLog + CommitLog + ModelStatsLog + SystemState + Clone + 'static
{
    /// A feed that ticks whenever the store may have changed (a task added, a state flipped),
    /// possibly by another process. Spurious ticks are allowed; callers re-check. A watch
    /// channel, so a change between a check and the wait is never missed.
    fn subscribe(&self) -> Result<tokio::sync::watch::Receiver<u64>>;
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records which values are read, in order.
    #[derive(Default)]
    struct Reads(Mutex<Vec<String>>);

    #[async_trait]
    impl SystemState for Reads {
        async fn set_paused(&self, _: bool, _: &str) -> Result<()> {
            Ok(())
        }
        async fn paused(&self) -> Result<bool> {
            self.0.lock().unwrap().push("paused()".to_owned());
            Ok(true)
        }
        async fn put_state(&self, _: &str, _: &str) -> Result<()> {
            Ok(())
        }
        async fn state(&self, key: &str) -> Result<Option<String>> {
            self.0.lock().unwrap().push(key.to_owned());
            Ok(None)
        }
        async fn swap_state(&self, _: &str, _: Option<&str>, _: &str) -> Result<bool> {
            Ok(false)
        }
    }

    /// A checkpoint pauses the queue and then marks the schedule, so the schedule must be read
    /// first: the other order can see the mark without the pause.
    #[tokio::test]
    async fn the_run_state_reads_the_schedule_before_the_pause() {
        let reads = Reads::default();
        reads.run_state().await.unwrap();
        let order = reads.0.lock().unwrap().clone();
        let at = |key: &str| order.iter().position(|k| k == key).unwrap();
        assert!(at(CHECKPOINT_KEY) < at("paused()"), "{order:?}");
    }
}
