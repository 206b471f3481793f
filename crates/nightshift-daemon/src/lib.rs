//! The nightshift daemon.
//!
//! [`Daemon::run`] starts `worker_count` workers on the tokio runtime, a lease reaper, and a
//! presence heartbeat, and stops them all when its cancellation token fires:
//!
//! - [`worker`]: claim → run the attempt under a lease (renewed by a heartbeat, cut by the task
//!   timeout) → finish: succeed with the commit, retry with backoff, fail, or release on
//!   shutdown. Idle workers sleep until the store's change feed ticks (another process added a
//!   task, a pause was lifted) or the earliest backoff ends — no busy polling.
//! - [`checkpoint`]: every checkpoint interval, pause the queue and write a [`report`] of the
//!   period; resuming approves it and starts the next.
//! - [`identity`]: who holds a lease (`host:pid:instance:worker`) and whether that holder is
//!   gone, so a restarted daemon recovers its dead predecessor's tasks at once instead of
//!   waiting for their leases to expire.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod checkpoint;
mod daemon;
mod identity;
mod report;
mod worker;

pub use checkpoint::CheckpointSettings;
pub use daemon::{Daemon, DaemonSettings, Stopped};
pub use identity::Identity;
pub use report::Report;
pub use worker::{Outcome, Worker};

/// How the error of an attempt ended by `TASK_TIMEOUT` begins ("timed out after 300 s").
pub const TIMED_OUT: &str = "timed out after";
