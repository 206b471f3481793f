//! Mapping between SQLite rows and the store's typed values.

use nightshift_store::{CommitRecord, LogEntry, ModelCall, Result, StoreError, Task};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(StoreError::backend)
}

fn count(value: i64, column: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} = {value}")))
}

fn count64(value: i64, column: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} = {value}")))
}

pub(crate) fn task(row: &SqliteRow) -> Result<Task> {
    let metadata: String = get(row, "metadata")?;
    let status: String = get(row, "status")?;
    Ok(Task {
        id: get(row, "id")?,
        description: get(row, "description")?,
        priority: get(row, "priority")?,
        status: status.parse()?,
        metadata: serde_json::from_str(&metadata)
            .map_err(|err| StoreError::Corrupt(format!("task metadata: {err}")))?,
        source: get(row, "source")?,
        attempts: count(get(row, "attempts")?, "attempts")?,
        max_retries: count(get(row, "max_retries")?, "max_retries")?,
        run_after_ms: get(row, "run_after_ms")?,
        lease_owner: get(row, "lease_owner")?,
        lease_expires_at_ms: get(row, "lease_expires_at_ms")?,
        last_error: get(row, "last_error")?,
        created_at_ms: get(row, "created_at_ms")?,
        updated_at_ms: get(row, "updated_at_ms")?,
        started_at_ms: get(row, "started_at_ms")?,
        finished_at_ms: get(row, "finished_at_ms")?,
        rate_limited_since_ms: get(row, "rate_limited_since_ms")?,
    })
}

pub(crate) fn log_entry(row: &SqliteRow) -> Result<LogEntry> {
    let level: String = get(row, "level")?;
    let attempt: Option<i64> = get(row, "attempt")?;
    Ok(LogEntry {
        id: get(row, "id")?,
        at_ms: get(row, "at_ms")?,
        task_id: get(row, "task_id")?,
        attempt: attempt.map(|a| count(a, "attempt")).transpose()?,
        level: level.parse()?,
        event: get(row, "event")?,
        worker: get(row, "worker")?,
        from_status: get(row, "from_status")?,
        to_status: get(row, "to_status")?,
        message: get(row, "message")?,
    })
}

pub(crate) fn commit(row: &SqliteRow) -> Result<CommitRecord> {
    let files: String = get(row, "files")?;
    Ok(CommitRecord {
        task_id: get(row, "task_id")?,
        sha: get(row, "sha")?,
        branch: get(row, "branch")?,
        subject: get(row, "subject")?,
        files: serde_json::from_str(&files)
            .map_err(|err| StoreError::Corrupt(format!("commit files: {err}")))?,
        created_at_ms: get(row, "created_at_ms")?,
        pushed: get(row, "pushed")?,
    })
}

pub(crate) fn model_call(row: &SqliteRow) -> Result<ModelCall> {
    let attempt: Option<i64> = get(row, "attempt")?;
    let first_token_ms: Option<i64> = get(row, "first_token_ms")?;
    Ok(ModelCall {
        task_id: get(row, "task_id")?,
        attempt: attempt.map(|a| count(a, "attempt")).transpose()?,
        backend: get(row, "backend")?,
        model: get(row, "model")?,
        purpose: get(row, "purpose")?,
        prompt_tokens: count64(get(row, "prompt_tokens")?, "prompt_tokens")?,
        completion_tokens: count64(get(row, "completion_tokens")?, "completion_tokens")?,
        first_token_ms: first_token_ms
            .map(|ms| count64(ms, "first_token_ms"))
            .transpose()?,
        duration_ms: count64(get(row, "duration_ms")?, "duration_ms")?,
        outcome: get(row, "outcome")?,
        error: get(row, "error")?,
        fallback_from: get(row, "fallback_from")?,
    })
}

pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
