//! Checkpoints: every checkpoint interval the queue pauses and a report of the period is
//! written ([`crate::report`]); a person reads it and resumes the queue, which approves it and
//! starts the next period. The schedule lives in the store ([`Checkpoint`] under
//! [`CHECKPOINT_KEY`]), so a restart, or several daemons on one queue, keep one schedule: each
//! change is a compare-and-swap, made by one of them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nightshift_store::{
    CHECKPOINT_KEY, CHECKPOINT_PAUSER, CHECKPOINT_REPORT_KEY, Checkpoint, CheckpointReport,
    LogLevel, NewLogEntry, Period, Store, StoreError, now_ms, utc_minute,
};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::daemon::Shared;
use crate::report::Report;

/// Longest wait between two looks at the schedule.
const LOOK_MAX: Duration = Duration::from_secs(30);
/// Shortest.
const LOOK_MIN: Duration = Duration::from_millis(200);

/// When checkpoints come and where their reports go.
#[derive(Debug, Clone)]
pub struct CheckpointSettings {
    /// Time between checkpoints.
    pub every: Duration,
    /// Directory the reports are written to, as `checkpoint-<end>.md`.
    pub reports_dir: PathBuf,
}

/// What one look at the schedule did.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// The first period began.
    Began,
    /// Nothing is due.
    Waiting,
    /// A period ended: the queue is paused and its report written.
    Reported(PathBuf),
    /// The report was approved (the queue resumed): the next period began.
    Approved,
}

/// Looks at the schedule until `cancel` fires.
pub(crate) async fn keep<S: Store>(
    shared: Arc<Shared<S>>,
    settings: CheckpointSettings,
    cancel: CancellationToken,
) {
    let mut interval = tokio::time::interval((settings.every / 10).clamp(LOOK_MIN, LOOK_MAX));
    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = interval.tick() => match step(&shared, &settings).await {
                Ok(Step::Reported(path)) => tracing::warn!(
                    report = %path.display(),
                    "checkpoint: the queue is paused until the report is read and the queue resumed"
                ),
                Ok(Step::Approved) => tracing::info!("checkpoint approved; the next period began"),
                Ok(Step::Began | Step::Waiting) => {}
                Err(err) => tracing::warn!(%err, "could not keep the checkpoint schedule"),
            },
        }
    }
}

async fn step<S: Store>(
    shared: &Shared<S>,
    settings: &CheckpointSettings,
) -> Result<Step, StoreError> {
    let store = &shared.store;
    let now = now_ms();
    let every_ms = i64::try_from(settings.every.as_millis()).unwrap_or(i64::MAX);
    let raw = store.state(CHECKPOINT_KEY).await?.filter(|r| !r.is_empty());
    let Some(current) = raw
        .as_deref()
        .and_then(|r| serde_json::from_str::<Checkpoint>(r).ok())
    else {
        // The first daemon with checkpoints on (or a value nobody can read): a period begins.
        let first = Checkpoint {
            since_ms: now,
            awaiting: None,
        };
        swap(store, raw.as_deref(), &first).await?;
        return Ok(Step::Began);
    };
    if let Some(report) = &current.awaiting {
        if store.paused().await? {
            return Ok(Step::Waiting);
        }
        // Someone resumed the queue: the report is approved and the next period begins.
        let next = Checkpoint {
            since_ms: now,
            awaiting: None,
        };
        if !swap(store, raw.as_deref(), &next).await? {
            return Ok(Step::Waiting);
        }
        log(
            store,
            LogLevel::Info,
            format!(
                "checkpoint approved (report {}); the next is due {}",
                report.path,
                utc_minute(now.saturating_add(every_ms))
            ),
        )
        .await?;
        return Ok(Step::Approved);
    }
    if now - current.since_ms < every_ms {
        return Ok(Step::Waiting);
    }
    let period = Period {
        from_ms: current.since_ms,
        to_ms: now,
    };
    let text = Report::read(store, period, shared.repo.branch())
        .await?
        .markdown();
    let path = settings
        .reports_dir
        .join(format!("checkpoint-{}.md", nightshift_store::utc_day(now)));
    let path = unique(path).await;
    // The report is kept in the store too, so the dashboard shows it from any host; a file
    // that cannot be written does not skip the checkpoint.
    if let Err(err) = write_report(&path, &text).await {
        tracing::warn!(%err, path = %path.display(), "could not write the checkpoint report");
    }
    store.put_state(CHECKPOINT_REPORT_KEY, &text).await?;
    // Paused before the schedule says so: a crash in between finds the period still due and
    // does this again, never a schedule awaiting approval on a queue that runs.
    store.set_paused(true, CHECKPOINT_PAUSER).await?;
    let awaiting = Checkpoint {
        since_ms: current.since_ms,
        awaiting: Some(CheckpointReport {
            period,
            path: path.display().to_string(),
        }),
    };
    if !swap(store, raw.as_deref(), &awaiting).await? {
        // Another daemon of this queue took this checkpoint.
        return Ok(Step::Waiting);
    }
    log(
        store,
        LogLevel::Warn,
        format!(
            "checkpoint: the queue is paused after {} day(s); read the report ({}) and resume to approve it",
            (now - current.since_ms) / 86_400_000,
            path.display()
        ),
    )
    .await?;
    Ok(Step::Reported(path))
}

async fn swap<S: Store>(
    store: &S,
    expected: Option<&str>,
    next: &Checkpoint,
) -> Result<bool, StoreError> {
    let value = serde_json::to_string(next).map_err(|err| StoreError::Invalid(err.to_string()))?;
    store.swap_state(CHECKPOINT_KEY, expected, &value).await
}

async fn log<S: Store>(store: &S, level: LogLevel, message: String) -> Result<(), StoreError> {
    store
        .log(NewLogEntry {
            task_id: None,
            attempt: None,
            level,
            event: "checkpoint".to_owned(),
            message,
        })
        .await
}

/// `path`, or `path` with `-2`, `-3`, … before its extension if taken (two checkpoints a day).
async fn unique(path: PathBuf) -> PathBuf {
    let mut candidate = path.clone();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut n = 1;
    while tokio::fs::try_exists(&candidate).await.unwrap_or(false) {
        n += 1;
        candidate = path.with_file_name(format!("{stem}-{n}.md"));
    }
    candidate
}

/// Writes the report to a new file (never over another: `create_new`).
async fn write_report(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    file.write_all(text.as_bytes()).await?;
    file.sync_all().await
}
