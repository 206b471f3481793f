//! The storage interface of nightshift.
//!
//! Callers (the daemon, the CLI) are generic over [`Store`], a bundle of small traits, one per
//! table family: [`TaskQueue`] (the durable priority queue with leases), [`EventLog`]
//! (`execution_logs`), [`CommitLog`] (`git_commits`), [`ModelStatsLog`] (`model_stats`) and
//! [`SystemState`] (`system_state`). Each backend lives in its own crate
//! (`nightshift-store-sqlite` now, PostgreSQL later) and implements all of them.
//!
//! Design points shared by every backend:
//! - *Acknowledged means durable*: a write returns only after its transaction committed durably.
//! - *Leases*: a claim hands out a [`Lease`] carrying a fresh random token; every later write of
//!   that attempt presents it, and a write whose token no longer matches fails with
//!   [`StoreError::StaleLease`]. A stalled worker whose lease was taken over can therefore never
//!   overwrite the newer attempt.
//! - *Every state transition* is written to `execution_logs` in the same transaction.
//! - Times are `i64` Unix **milliseconds** (`*_at_ms`): leases and backoff need sub-second
//!   resolution.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod backoff;
mod error;
mod model;
mod traits;

pub use backoff::RetryPolicy;
pub use error::{Result, StoreError};
pub use model::*;
pub use traits::*;

/// Current wall-clock time in Unix milliseconds.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// A Unix-milliseconds time as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_minute(ms: i64) -> String {
    utc(
        ms,
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC"),
    )
}

/// The UTC day of a Unix-milliseconds time, `YYYY-MM-DD`.
pub fn utc_day(ms: i64) -> String {
    utc(
        ms,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}

fn utc(ms: i64, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(format).ok())
        .unwrap_or_else(|| format!("{ms} ms"))
}
