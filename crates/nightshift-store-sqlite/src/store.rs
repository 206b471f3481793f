//! [`SqliteStore`]: every storage trait, on one SQLite file.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use nightshift_store::{
    AttemptEnd, Claim, CommitLog, CommitRecord, DESCRIPTION_MAX_BYTES, EventLog, Lease, LogEntry,
    LogLevel, LogQuery, ModelCall, ModelStatsLog, ModelTotals, NOTE_HEADING, NewLogEntry, NewTask,
    PAUSED_BY_KEY, Period, QueueCounts, Result, Store, StoreError, SystemState, Task, TaskFilter,
    TaskId, TaskQueue, TaskStatus, WorkerTally, now_ms,
};
use rand::RngCore;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection};
use tokio::sync::watch;
use tracing::instrument;

use crate::rows::{self, to_i64};

/// How long a writer waits for another process's write lock before failing: well below a lease
/// (30 s by default, renewed every 10 s), so a database held by another program makes a
/// renewal fail and be tried again, rather than outlast the lease inside one call.
const BUSY_TIMEOUT_MS: u64 = 5_000;
/// Connections in the pool: SQLite serialises writers anyway; a few let reads overlap.
const MAX_CONNECTIONS: u32 = 4;
/// `system_state` key of the pause flag.
const PAUSED_KEY: &str = "paused";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The SQLite store. Cheap to clone: clones share the pool and the change feed.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    feed: watch::Sender<u64>,
    /// The file watcher behind the feed, started by the first `subscribe`.
    watcher: Arc<Mutex<Option<notify::RecommendedWatcher>>>,
    /// The database file's device and inode at open: if the path comes to name another file (the
    /// database deleted by `git clean -fdx`, replaced by a copy), writes stop rather than go on
    /// into a fresh, empty queue.
    identity: (u64, u64),
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(StoreError::backend)?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))
            .foreign_keys(true);
        // The first connection turns a new file to WAL, and SQLite answers two such switches at
        // once with "database is locked" without waiting out the busy timeout: so the first
        // connection, like the migration, is made under a lock other processes wait for.
        let setup = SetupLock::take(path).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            // A connection whose COMMIT or ROLLBACK failed (the disk full) is still inside its
            // transaction; handed out again, every BEGIN on it would fail. Closed instead.
            .before_acquire(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::backend)?;
        MIGRATOR.run(&pool).await.map_err(StoreError::backend)?;
        drop(setup);
        // What was asked must be what SQLite does: WAL (refused on some network file systems)
        // and full syncs.
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .map_err(backend)?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&pool)
            .await
            .map_err(backend)?;
        if !journal.eq_ignore_ascii_case("wal") || synchronous != 2 {
            return Err(StoreError::Invalid(format!(
                "{}: SQLite runs with journal_mode={journal}, synchronous={synchronous} (wanted wal, 2 = full); is it on a network file system?",
                path.display()
            )));
        }
        let identity = file_identity(path).map_err(StoreError::backend)?;
        let (feed, _) = watch::channel(0);
        Ok(Self {
            pool,
            path: path.to_owned(),
            feed,
            watcher: Arc::default(),
            identity,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        if file_identity(&self.path).ok() != Some(self.identity) {
            return Err(StoreError::Invalid(format!(
                "the database {} was deleted or replaced while open; nothing more is written (restart nightshift)",
                self.path.display()
            )));
        }
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::backend)
    }

    async fn claim_one(&self, owner: &str, lease: Duration) -> Result<Claimed> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let token = new_token();
        let row = sqlx::query(
            "UPDATE tasks SET status = 'running', attempts = attempts + 1, lease_token = ?1,
             lease_owner = ?2, lease_expires_at_ms = ?3 + ?4, started_at_ms = ?3, updated_at_ms = ?3
             WHERE id = (SELECT id FROM tasks WHERE status = 'queued' AND run_after_ms <= ?3
                         ORDER BY priority DESC, id ASC LIMIT 1)
               AND NOT EXISTS (SELECT 1 FROM system_state WHERE key = ?5 AND value = 'true')
             RETURNING *",
        )
        .bind(&token)
        .bind(owner)
        .bind(now)
        .bind(duration_ms(lease))
        .bind(PAUSED_KEY)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(row) = row else {
            // Nothing written: rolling back is just releasing the lock.
            tx.rollback().await.map_err(backend)?;
            return Ok(Claimed::Nothing);
        };
        let task = match rows::task(&row) {
            Ok(task) => task,
            Err(err) => {
                let id: TaskId = row.try_get("id").map_err(backend)?;
                let reason = format!("quarantined: the stored task does not decode ({err})");
                tracing::error!(task_id = id, "{reason}");
                sqlx::query(
                    "UPDATE tasks SET status = 'failed', lease_token = NULL, lease_owner = NULL,
                     lease_expires_at_ms = NULL, last_error = ?2, finished_at_ms = ?3,
                     updated_at_ms = ?3 WHERE id = ?1",
                )
                .bind(id)
                .bind(&reason)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                log_transition(
                    &mut tx,
                    Transition {
                        task_id: id,
                        attempt: None,
                        from: Some(TaskStatus::Queued),
                        to: TaskStatus::Failed,
                        level: LogLevel::Error,
                        message: &reason,
                    },
                )
                .await?;
                tx.commit().await.map_err(backend)?;
                self.bump();
                return Ok(Claimed::Quarantined);
            }
        };
        let message = format!("claimed by {owner}");
        log_transition(
            &mut tx,
            Transition {
                task_id: task.id,
                attempt: Some(task.attempts),
                from: Some(TaskStatus::Queued),
                to: TaskStatus::Running,
                level: LogLevel::Info,
                message: &message,
            },
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        let lease = Lease {
            task_id: task.id,
            token,
            attempt: task.attempts,
        };
        Ok(Claimed::Task(Box::new(Claim { task, lease })))
    }

    fn bump(&self) {
        self.feed
            .send_modify(|version| *version = version.wrapping_add(1));
    }
}

/// An exclusive `flock` on `<database>.migrate-lock`, held while a process makes its first
/// connection (which turns a new file to WAL) and brings the schema up to date: two processes
/// opening a new database at once (the daemon and `add`, say) take turns, where otherwise both
/// would switch the journal, or run the first migration, and one would fail.
struct SetupLock {
    /// Released when dropped.
    _flock: nix::fcntl::Flock<std::fs::File>,
}

impl SetupLock {
    async fn take(path: &Path) -> Result<Self> {
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".migrate-lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(StoreError::backend)?;
        tokio::task::spawn_blocking(move || {
            nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
                .map(|flock| Self { _flock: flock })
                .map_err(|(_, errno)| StoreError::backend(std::io::Error::from(errno)))
        })
        .await
        .map_err(StoreError::backend)?
    }
}

/// Device and inode of the file at `path`.
fn file_identity(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}

/// A `git_commits` row, inside the caller's transaction.
async fn insert_commit(conn: &mut SqliteConnection, commit: &CommitRecord) -> Result<()> {
    let files =
        serde_json::to_string(&commit.files).map_err(|err| StoreError::Invalid(err.to_string()))?;
    sqlx::query(
        "INSERT INTO git_commits (task_id, sha, branch, subject, files, created_at_ms, pushed)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(commit.task_id)
    .bind(&commit.sha)
    .bind(&commit.branch)
    .bind(&commit.subject)
    .bind(files)
    .bind(commit.created_at_ms)
    .bind(commit.pushed)
    .execute(conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// What one claim transaction did.
enum Claimed {
    Task(Box<Claim>),
    Nothing,
    /// A row that does not decode was failed; another may be claimable.
    Quarantined,
}

/// Bad rows quarantined in one claim before giving up until the next.
const MAX_QUARANTINED_PER_CLAIM: usize = 16;

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn backend(err: sqlx::Error) -> StoreError {
    StoreError::backend(err)
}

/// A transition row for `execution_logs`.
struct Transition<'a> {
    task_id: TaskId,
    attempt: Option<u32>,
    from: Option<TaskStatus>,
    to: TaskStatus,
    level: LogLevel,
    message: &'a str,
}

/// The worker a line of task `?2`, attempt `?3` is written for: the task's holder while that
/// attempt runs, else the worker of the attempt's latest line that has one (an attempt's end is
/// written after its lease is cleared). One attempt is one claim, so its lines share a worker.
const WORKER_OF_LINE: &str = "COALESCE(
        (SELECT lease_owner FROM tasks WHERE id = ?2 AND status = 'running' AND attempts = ?3),
        (SELECT worker FROM execution_logs
           WHERE task_id = ?2 AND attempt = ?3 AND worker IS NOT NULL ORDER BY id DESC LIMIT 1))";

async fn log_transition(conn: &mut SqliteConnection, t: Transition<'_>) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO execution_logs (at_ms, task_id, attempt, level, event, from_status, to_status, message, worker)
         VALUES (?1, ?2, ?3, ?4, 'transition', ?5, ?6, ?7, {WORKER_OF_LINE})"
    ))
    .bind(now_ms())
    .bind(t.task_id)
    .bind(t.attempt.map(i64::from))
    .bind(t.level.as_str())
    .bind(t.from.map(TaskStatus::as_str))
    .bind(t.to.as_str())
    .bind(t.message)
    .execute(conn)
    .await
    .map_err(backend)?;
    Ok(())
}

async fn status_of(conn: &mut SqliteConnection, id: TaskId) -> Result<TaskStatus> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM tasks WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend)?;
    status.ok_or(StoreError::NotFound(id))?.parse()
}

/// Ends a running attempt under its lease; `StaleLease` if the token no longer owns the task.
async fn end_attempt(
    conn: &mut SqliteConnection,
    lease: &Lease,
    end: &AttemptEnd,
) -> Result<TaskStatus> {
    // Every variant clears the lease under the same guard: the token must still own a running
    // task. `?1`..`?3` are shared; `?4`, `?5` are the variant's own values.
    const GUARD: &str = "lease_token = NULL, lease_owner = NULL, lease_expires_at_ms = NULL,
        last_error = COALESCE(?4, last_error), run_after_ms = COALESCE(?5, run_after_ms),
        updated_at_ms = ?1 WHERE id = ?2 AND lease_token = ?3 AND status = 'running'";
    let now = now_ms();
    let (to, level, message, set, error, run_after_ms) = match end {
        AttemptEnd::Succeeded { summary } => (
            TaskStatus::Succeeded,
            LogLevel::Info,
            summary.clone(),
            "status = 'succeeded', finished_at_ms = ?1, rate_limited_since_ms = NULL",
            None,
            None,
        ),
        AttemptEnd::Retry {
            error,
            run_after_ms,
        } => (
            TaskStatus::Queued,
            LogLevel::Warn,
            format!(
                "attempt {} failed, retry after backoff: {error}",
                lease.attempt
            ),
            "status = 'queued', rate_limited_since_ms = NULL",
            Some(error),
            Some(*run_after_ms),
        ),
        AttemptEnd::Failed { error } => (
            TaskStatus::Failed,
            LogLevel::Error,
            format!("attempt {} failed, no retries left: {error}", lease.attempt),
            "status = 'failed', finished_at_ms = ?1, rate_limited_since_ms = NULL",
            Some(error),
            None,
        ),
        AttemptEnd::Parked {
            reason,
            run_after_ms,
            rate_limited,
        } => (
            TaskStatus::Queued,
            LogLevel::Warn,
            format!("attempt {} parked, not counted: {reason}", lease.attempt),
            if *rate_limited {
                "status = 'queued', attempts = MAX(attempts - 1, 0),
                 rate_limited_since_ms = COALESCE(rate_limited_since_ms, ?1)"
            } else {
                "status = 'queued', attempts = MAX(attempts - 1, 0)"
            },
            None,
            Some(*run_after_ms),
        ),
        AttemptEnd::Released { reason } => (
            TaskStatus::Queued,
            LogLevel::Info,
            format!("attempt {} released unfinished: {reason}", lease.attempt),
            // The attempt is given back: shutting down must not burn the task's retries.
            "status = 'queued', attempts = MAX(attempts - 1, 0)",
            None,
            Some(now),
        ),
    };
    let sql = format!("UPDATE tasks SET {set}, {GUARD}");
    let done = sqlx::query(&sql)
        .bind(now)
        .bind(lease.task_id)
        .bind(&lease.token)
        .bind(error)
        .bind(run_after_ms)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleLease {
            task_id: lease.task_id,
        });
    }
    log_transition(
        conn,
        Transition {
            task_id: lease.task_id,
            attempt: Some(lease.attempt),
            from: Some(TaskStatus::Running),
            to,
            level,
            message: &message,
        },
    )
    .await?;
    Ok(to)
}

/// A transition a user asks for (cancel, retry): allowed only from some statuses.
struct UserTransition<'a> {
    id: TaskId,
    allowed_from: &'a [TaskStatus],
    refusal: &'static str,
    to: TaskStatus,
    /// Extra `SET` assignments; `?1` is now, `?4` the text `append`ed.
    set: &'a str,
    /// Text appended to the description by `set` (a note for the next attempt).
    append: Option<String>,
    message: String,
}

impl SqliteStore {
    async fn user_transition(&self, t: UserTransition<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let from = status_of(&mut tx, t.id).await?;
        if !t.allowed_from.contains(&from) {
            return Err(StoreError::InvalidState {
                id: t.id,
                status: from.to_string(),
                reason: t.refusal,
            });
        }
        let sql = format!(
            "UPDATE tasks SET status = ?3, updated_at_ms = ?1, {} WHERE id = ?2",
            t.set
        );
        sqlx::query(&sql)
            .bind(now_ms())
            .bind(t.id)
            .bind(t.to.as_str())
            .bind(t.append.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        log_transition(
            &mut tx,
            Transition {
                task_id: t.id,
                attempt: None,
                from: Some(from),
                to: t.to,
                level: LogLevel::Info,
                message: &t.message,
            },
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        self.bump();
        Ok(())
    }
}

#[async_trait]
impl TaskQueue for SqliteStore {
    #[instrument(skip_all, fields(count = tasks.len()))]
    async fn enqueue(&self, tasks: Vec<NewTask>) -> Result<Vec<TaskId>> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let mut ids = Vec::with_capacity(tasks.len());
        for task in &tasks {
            if let Some(key) = &task.key {
                let known: Option<TaskId> =
                    sqlx::query_scalar("SELECT id FROM tasks WHERE intake_key = ?1")
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(backend)?;
                if let Some(id) = known {
                    ids.push(id);
                    continue;
                }
            }
            let id: TaskId = sqlx::query_scalar(
                // Claimable at once, whatever the clock says later: a task queued while the
                // clock ran ahead must not wait for it to catch up after a step back.
                "INSERT INTO tasks (description, priority, status, metadata, source, max_retries,
                 run_after_ms, created_at_ms, updated_at_ms, intake_key)
                 VALUES (?1, ?2, 'queued', ?3, ?4, ?5, 0, ?6, ?6, ?7) RETURNING id",
            )
            .bind(&task.description)
            .bind(task.priority)
            .bind(task.metadata.to_string())
            .bind(&task.source)
            .bind(i64::from(task.max_retries))
            .bind(now)
            .bind(&task.key)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            let message = format!(
                "queued from {} with priority {}",
                task.source, task.priority
            );
            log_transition(
                &mut tx,
                Transition {
                    task_id: id,
                    attempt: None,
                    from: None,
                    to: TaskStatus::Queued,
                    level: LogLevel::Info,
                    message: &message,
                },
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await.map_err(backend)?;
        self.bump();
        Ok(ids)
    }

    #[instrument(skip_all)]
    async fn claim(&self, owner: &str, lease: Duration) -> Result<Option<Claim>> {
        // A row that does not decode (edited by hand, say) is quarantined — failed, with the
        // reason — and the next one claimed: one bad row must not halt the queue.
        for _ in 0..MAX_QUARANTINED_PER_CLAIM {
            match self.claim_one(owner, lease).await? {
                Claimed::Task(claim) => return Ok(Some(*claim)),
                Claimed::Nothing => return Ok(None),
                Claimed::Quarantined => {}
            }
        }
        Ok(None)
    }

    #[instrument(skip_all, fields(task_id = lease.task_id))]
    async fn heartbeat(&self, lease: &Lease, extend: Duration) -> Result<()> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE tasks SET lease_expires_at_ms = ?1 + ?2
             WHERE id = ?3 AND lease_token = ?4 AND status = 'running'",
        )
        .bind(now)
        .bind(duration_ms(extend))
        .bind(lease.task_id)
        .bind(&lease.token)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::StaleLease {
                task_id: lease.task_id,
            })
        }
    }

    #[instrument(skip_all, fields(task_id = lease.task_id))]
    async fn finish(&self, lease: &Lease, end: AttemptEnd) -> Result<TaskStatus> {
        let mut tx = self.begin_write().await?;
        let status = end_attempt(&mut tx, lease, &end).await?;
        tx.commit().await.map_err(backend)?;
        self.bump();
        Ok(status)
    }

    #[instrument(skip_all)]
    async fn recover_leases(
        &self,
        owner_is_dead: &(dyn for<'o> Fn(&'o str) -> bool + Sync),
    ) -> Result<Vec<TaskId>> {
        let now = now_ms();
        let running = sqlx::query(
            "SELECT id, attempts, max_retries, lease_token, lease_owner, lease_expires_at_ms
             FROM tasks WHERE status = 'running'",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut recovered = Vec::new();
        for row in running {
            let id: TaskId = row.try_get("id").map_err(backend)?;
            let owner: Option<String> = row.try_get("lease_owner").map_err(backend)?;
            let expires: Option<i64> = row.try_get("lease_expires_at_ms").map_err(backend)?;
            let token: Option<String> = row.try_get("lease_token").map_err(backend)?;
            let attempts: i64 = row.try_get("attempts").map_err(backend)?;
            let max_retries: i64 = row.try_get("max_retries").map_err(backend)?;
            let owner = owner.unwrap_or_default();
            let (why, expired) = if expires.is_none_or(|at| at < now) {
                (format!("lease of {owner} expired"), true)
            } else if owner_is_dead(&owner) {
                (format!("worker {owner} is gone"), false)
            } else {
                continue;
            };
            let exhausted = attempts > max_retries;
            let to = if exhausted {
                TaskStatus::Failed
            } else {
                TaskStatus::Queued
            };
            let error = format!("attempt {attempts} lost: {why}");
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE tasks SET status = ?1, lease_token = NULL, lease_owner = NULL,
                 lease_expires_at_ms = NULL, last_error = ?2, updated_at_ms = ?3, run_after_ms = 0,
                 finished_at_ms = CASE WHEN ?1 = 'failed' THEN ?3 END
                 WHERE id = ?4 AND status = 'running' AND lease_token IS ?5
                   AND (?6 = 0 OR lease_expires_at_ms IS NULL OR lease_expires_at_ms < ?3)",
            )
            .bind(to.as_str())
            .bind(&error)
            .bind(now)
            .bind(id)
            .bind(&token)
            // An expiry seen before the write lock is checked again under it: a renewal that
            // came in between keeps the task.
            .bind(i64::from(expired))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 1 {
                let message = if exhausted {
                    format!("{error}; no retries left")
                } else {
                    format!("{error}; queued again")
                };
                log_transition(
                    &mut tx,
                    Transition {
                        task_id: id,
                        attempt: u32::try_from(attempts).ok(),
                        from: Some(TaskStatus::Running),
                        to,
                        level: LogLevel::Warn,
                        message: &message,
                    },
                )
                .await?;
                recovered.push(id);
            }
            tx.commit().await.map_err(backend)?;
        }
        if !recovered.is_empty() {
            self.bump();
        }
        Ok(recovered)
    }

    #[instrument(skip_all, fields(task_id = id))]
    async fn cancel(&self, id: TaskId) -> Result<()> {
        self.user_transition(UserTransition {
            id,
            allowed_from: &[TaskStatus::Queued, TaskStatus::Running],
            refusal: "only queued or running tasks can be cancelled",
            to: TaskStatus::Cancelled,
            set: "lease_token = NULL, lease_owner = NULL, lease_expires_at_ms = NULL,
                  finished_at_ms = ?1",
            append: None,
            message: "cancelled by user".to_owned(),
        })
        .await
    }

    #[instrument(skip_all, fields(task_id = id))]
    async fn retry(&self, id: TaskId, note: Option<&str>) -> Result<()> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let append = note.map(|n| format!("\n\n{NOTE_HEADING} {n}"));
        if let Some(append) = &append {
            let task = self.task(id).await?;
            if task.description.len() + append.len() > DESCRIPTION_MAX_BYTES {
                return Err(StoreError::Invalid(format!(
                    "with the note the task would be over {DESCRIPTION_MAX_BYTES} bytes"
                )));
            }
        }
        self.user_transition(UserTransition {
            id,
            allowed_from: &[TaskStatus::Failed, TaskStatus::Cancelled],
            refusal: "only failed or cancelled tasks can be retried",
            to: TaskStatus::Queued,
            set: "attempts = 0, run_after_ms = 0, finished_at_ms = NULL, \
                  description = description || coalesce(?4, '')",
            append,
            message: match note {
                None => "queued again by user with a fresh attempt budget".to_owned(),
                Some(note) => {
                    format!("queued again by user with a fresh attempt budget and a note: {note}")
                }
            },
        })
        .await
    }

    #[instrument(skip_all, fields(task_id = id))]
    async fn task(&self, id: TaskId) -> Result<Task> {
        let row = sqlx::query("SELECT * FROM tasks WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound(id))?;
        rows::task(&row)
    }

    #[instrument(skip_all)]
    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        let rows = sqlx::query(
            "SELECT * FROM tasks
               WHERE (?1 IS NULL OR status = ?1)
                 AND (?2 IS NULL OR source = ?2)
                 AND (?3 IS NULL OR priority = ?3)
                 AND (?4 IS NULL OR id IN (SELECT task_id FROM model_stats
                        WHERE model = ?4 OR backend || '/' || model = ?4))
                 AND (?5 IS NULL OR instr(lower(description), lower(?5)) > 0
                        OR instr(lower(coalesce(last_error, '')), lower(?5)) > 0)
                 AND (?6 IS NULL OR id < ?6)
                 AND (?7 IS NULL OR (finished_at_ms >= ?7 AND finished_at_ms < ?8))
               ORDER BY id DESC LIMIT ?9",
        )
        .bind(filter.status.map(TaskStatus::as_str))
        .bind(filter.source.as_deref())
        .bind(filter.priority)
        .bind(filter.model.as_deref())
        .bind(filter.text.as_deref().filter(|t| !t.is_empty()))
        .bind(filter.before_id)
        .bind(filter.finished.map(|p| p.from_ms))
        .bind(filter.finished.map(|p| p.to_ms))
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(rows::task).collect()
    }

    #[instrument(skip_all)]
    async fn task_with_key(&self, key: &str) -> Result<Option<TaskId>> {
        sqlx::query_scalar("SELECT id FROM tasks WHERE intake_key = ?1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    #[instrument(skip_all)]
    async fn counts(&self) -> Result<QueueCounts> {
        let now = now_ms();
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n, SUM(run_after_ms > ?) AS delayed FROM tasks GROUP BY status",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut counts = QueueCounts::default();
        for row in rows {
            let status: String = row.try_get("status").map_err(backend)?;
            let n: i64 = row.try_get("n").map_err(backend)?;
            let n = u64::try_from(n).unwrap_or_default();
            match TaskStatus::from_str(&status)? {
                TaskStatus::Queued => {
                    counts.queued = n;
                    let delayed: i64 = row.try_get("delayed").map_err(backend)?;
                    counts.delayed = u64::try_from(delayed).unwrap_or_default();
                }
                TaskStatus::Running => counts.running = n,
                TaskStatus::Succeeded => counts.succeeded = n,
                TaskStatus::Failed => counts.failed = n,
                TaskStatus::Cancelled => counts.cancelled = n,
            }
        }
        Ok(counts)
    }

    #[instrument(skip_all)]
    async fn next_run_after(&self) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT MIN(run_after_ms) FROM tasks WHERE status = 'queued'")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl EventLog for SqliteStore {
    #[instrument(skip_all)]
    async fn log(&self, entry: NewLogEntry) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO execution_logs (at_ms, task_id, attempt, level, event, message, worker)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, {WORKER_OF_LINE})"
        ))
        .bind(now_ms())
        .bind(entry.task_id)
        .bind(entry.attempt.map(i64::from))
        .bind(entry.level.as_str())
        .bind(&entry.event)
        .bind(&entry.message)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn logs(&self, query: &LogQuery) -> Result<Vec<LogEntry>> {
        // After a cursor, the oldest lines past it (a follower pages forward through every
        // line); without one, the newest (a tail).
        // A worker is named whole (`host:pid:w2`) or by its number in any daemon (`w2`).
        const WHERE: &str = "(?1 IS NULL OR task_id = ?1) AND id > ?2 AND (?4 IS NULL OR id < ?4)
               AND (?5 IS NULL OR worker = ?5 OR substr(worker, -length(?5) - 1) = ':' || ?5)
               AND (?6 IS NULL OR level IN (SELECT value FROM json_each(?6)))
               AND (?7 IS NULL OR instr(lower(message), lower(?7)) > 0)
               AND (?8 IS NULL OR event IN (SELECT value FROM json_each(?8)))";
        let sql = if query.after_id.is_some() {
            format!("SELECT * FROM execution_logs WHERE {WHERE} ORDER BY id ASC LIMIT ?3")
        } else {
            format!(
                "SELECT * FROM (SELECT * FROM execution_logs WHERE {WHERE} ORDER BY id DESC LIMIT ?3)
                 ORDER BY id ASC"
            )
        };
        let rows = sqlx::query(&sql)
            .bind(query.task_id)
            .bind(query.after_id.unwrap_or(0))
            .bind(i64::from(query.limit))
            .bind(query.before_id)
            .bind(query.worker.as_deref())
            .bind(query.min_level.map(|min| {
                let levels: Vec<&str> = [
                    LogLevel::Debug,
                    LogLevel::Info,
                    LogLevel::Warn,
                    LogLevel::Error,
                ]
                .into_iter()
                .filter(|level| *level >= min)
                .map(LogLevel::as_str)
                .collect();
                serde_json::to_string(&levels).unwrap_or_default()
            }))
            .bind(query.text.as_deref().filter(|t| !t.is_empty()))
            .bind(
                query
                    .events
                    .as_ref()
                    .map(|events| serde_json::to_string(events).unwrap_or_default()),
            )
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(rows::log_entry).collect()
    }

    async fn latest_lines(&self, tasks: &[TaskId]) -> Result<Vec<LogEntry>> {
        if tasks.is_empty() {
            return Ok(Vec::new());
        }
        let ids =
            serde_json::to_string(tasks).map_err(|err| StoreError::Invalid(err.to_string()))?;
        let rows = sqlx::query(
            "SELECT * FROM execution_logs WHERE id IN
               (SELECT MAX(id) FROM execution_logs
                  WHERE task_id IN (SELECT value FROM json_each(?1)) GROUP BY task_id)",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(rows::log_entry).collect()
    }

    async fn attempts_by_worker(&self, prefix: &str) -> Result<Vec<WorkerTally>> {
        // The names that start with `prefix` are the range [prefix, prefix + U+10FFFF).
        let rows = sqlx::query(
            "SELECT worker,
                    SUM(to_status = 'succeeded') AS succeeded,
                    SUM(to_status <> 'succeeded') AS ended_otherwise
               FROM execution_logs
              WHERE worker >= ?1 AND worker < ?1 || char(1114111)
                AND event = 'transition' AND from_status = 'running'
              GROUP BY worker ORDER BY worker",
        )
        .bind(prefix)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                let count = |name: &str| -> Result<u64> {
                    let n: i64 = row.try_get(name).map_err(backend)?;
                    Ok(u64::try_from(n).unwrap_or(0))
                };
                Ok(WorkerTally {
                    worker: row.try_get("worker").map_err(backend)?,
                    succeeded: count("succeeded")?,
                    ended_otherwise: count("ended_otherwise")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl CommitLog for SqliteStore {
    #[instrument(skip_all, fields(task_id = lease.task_id))]
    async fn record_commit_and_succeed(
        &self,
        lease: &Lease,
        commit: &CommitRecord,
        summary: String,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        end_attempt(&mut tx, lease, &AttemptEnd::Succeeded { summary }).await?;
        insert_commit(&mut tx, commit).await?;
        tx.commit().await.map_err(backend)?;
        self.bump();
        Ok(())
    }

    async fn adopt_failed(&self, commit: &CommitRecord, summary: String) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE tasks SET status = 'succeeded', last_error = NULL, finished_at_ms = ?2,
             updated_at_ms = ?2 WHERE id = ?1 AND status = 'failed'",
        )
        .bind(commit.task_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            tx.rollback().await.map_err(backend)?;
            return Ok(false);
        }
        insert_commit(&mut tx, commit).await?;
        log_transition(
            &mut tx,
            Transition {
                task_id: commit.task_id,
                attempt: None,
                from: Some(TaskStatus::Failed),
                to: TaskStatus::Succeeded,
                level: LogLevel::Info,
                message: &summary,
            },
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        self.bump();
        Ok(true)
    }

    async fn mark_pushed(&self, task_id: TaskId) -> Result<()> {
        sqlx::query("UPDATE git_commits SET pushed = 1 WHERE task_id = ?")
            .bind(task_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn unpushed(&self, branch: &str) -> Result<Vec<TaskId>> {
        sqlx::query_scalar(
            "SELECT task_id FROM git_commits WHERE pushed = 0 AND branch = ? ORDER BY id",
        )
        .bind(branch)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn commit_of(&self, task_id: TaskId) -> Result<Option<CommitRecord>> {
        let row = sqlx::query("SELECT * FROM git_commits WHERE task_id = ?")
            .bind(task_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(rows::commit).transpose()
    }

    async fn commits(&self, limit: u32) -> Result<Vec<CommitRecord>> {
        let rows = sqlx::query("SELECT * FROM git_commits ORDER BY id DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(rows::commit).collect()
    }

    async fn commits_in(&self, period: Period) -> Result<Vec<CommitRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM git_commits WHERE created_at_ms >= ? AND created_at_ms < ? ORDER BY id",
        )
        .bind(period.from_ms)
        .bind(period.to_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(rows::commit).collect()
    }
}

#[async_trait]
impl ModelStatsLog for SqliteStore {
    #[instrument(skip_all)]
    async fn record_call(&self, call: &ModelCall) -> Result<()> {
        #[allow(clippy::cast_precision_loss)] // token counts and milliseconds stay far below 2^52
        let tokens_per_s = (call.duration_ms > 0)
            .then(|| call.completion_tokens as f64 * 1000.0 / call.duration_ms as f64);
        sqlx::query(
            "INSERT INTO model_stats (at_ms, task_id, attempt, backend, model, purpose, prompt_tokens,
             completion_tokens, first_token_ms, duration_ms, tokens_per_s, outcome, error, fallback_from)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(now_ms())
        .bind(call.task_id)
        .bind(call.attempt.map(i64::from))
        .bind(&call.backend)
        .bind(&call.model)
        .bind(&call.purpose)
        .bind(to_i64(call.prompt_tokens))
        .bind(to_i64(call.completion_tokens))
        .bind(call.first_token_ms.map(to_i64))
        .bind(to_i64(call.duration_ms))
        .bind(tokens_per_s)
        .bind(&call.outcome)
        .bind(&call.error)
        .bind(&call.fallback_from)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn calls_of(&self, task_id: TaskId) -> Result<Vec<ModelCall>> {
        let rows = sqlx::query("SELECT * FROM model_stats WHERE task_id = ? ORDER BY id")
            .bind(task_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(rows::model_call).collect()
    }

    async fn totals_by_model(&self, period: Option<Period>) -> Result<Vec<ModelTotals>> {
        let rows = sqlx::query(
            "SELECT backend, model, COUNT(*) AS calls, SUM(outcome != 'ok') AS failed_calls,
                    SUM(fallback_from IS NOT NULL) AS fallbacks,
                    SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens,
                    SUM(duration_ms) AS duration_ms
             FROM model_stats WHERE ?1 IS NULL OR (at_ms >= ?1 AND at_ms < ?2)
             GROUP BY backend, model ORDER BY calls DESC",
        )
        .bind(period.map(|p| p.from_ms))
        .bind(period.map(|p| p.to_ms))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                let n = |column: &str| -> Result<u64> {
                    let value: i64 = row.try_get(column).map_err(backend)?;
                    Ok(u64::try_from(value).unwrap_or_default())
                };
                Ok(ModelTotals {
                    backend: row.try_get("backend").map_err(backend)?,
                    model: row.try_get("model").map_err(backend)?,
                    calls: n("calls")?,
                    failed_calls: n("failed_calls")?,
                    fallbacks: n("fallbacks")?,
                    prompt_tokens: n("prompt_tokens")?,
                    completion_tokens: n("completion_tokens")?,
                    duration_ms: n("duration_ms")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl SystemState for SqliteStore {
    #[instrument(skip_all)]
    async fn set_paused(&self, paused: bool, by: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO system_state (key, value, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at_ms = ?3",
        )
        .bind(PAUSED_KEY)
        .bind(if paused { "true" } else { "false" })
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(
            "INSERT INTO system_state (key, value, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at_ms = ?3",
        )
        .bind(PAUSED_BY_KEY)
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(
            "INSERT INTO execution_logs (at_ms, level, event, message) VALUES (?, 'info', ?, ?)",
        )
        .bind(now)
        .bind(if paused { "paused" } else { "resumed" })
        .bind(format!(
            "{} by {by}",
            if paused { "paused" } else { "resumed" }
        ))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        self.bump();
        Ok(())
    }

    async fn paused(&self) -> Result<bool> {
        Ok(self.state(PAUSED_KEY).await?.as_deref() == Some("true"))
    }

    async fn put_state(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO system_state (key, value, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at_ms = ?3",
        )
        .bind(key)
        .bind(value)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn state(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM system_state WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    #[instrument(skip_all)]
    async fn swap_state(&self, key: &str, expected: Option<&str>, value: &str) -> Result<bool> {
        // One statement: SQLite runs it whole, with the database's write lock.
        let query = match expected {
            None => sqlx::query(
                "INSERT INTO system_state (key, value, updated_at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value)
            .bind(now_ms()),
            Some(expected) => sqlx::query(
                "UPDATE system_state SET value = ?2, updated_at_ms = ?3 WHERE key = ?1 AND value = ?4",
            )
            .bind(key)
            .bind(value)
            .bind(now_ms())
            .bind(expected),
        };
        let done = query.execute(&self.pool).await.map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store for SqliteStore {
    fn subscribe(&self) -> Result<watch::Receiver<u64>> {
        let mut watcher = self
            .watcher
            .lock()
            .map_err(|_| StoreError::Invalid("watcher lock poisoned".to_owned()))?;
        if watcher.is_none() {
            let dir = self
                .path
                .parent()
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = self
                .path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default()
                .to_owned();
            *watcher = Some(
                crate::watch::watch_directory(dir, name, self.feed.clone())
                    .map_err(StoreError::backend)?,
            );
        }
        Ok(self.feed.subscribe())
    }
}
