//! SQLite backend of the nightshift store: the embedded default, zero set-up.
//!
//! The database lives in one file (by default `.nightshift/nightshift.db` in the target
//! repository), opened in WAL mode with `synchronous=FULL`, so a write that returned survives a
//! crash or power loss, and with a busy timeout, so several processes (the daemon and CLI
//! commands) share it. Every write transaction starts with `BEGIN IMMEDIATE`: it takes the write
//! lock up front, so two claimers never both read a task as free — the second waits, then sees it
//! taken.
//!
//! Cross-process wake-ups: [`Store::subscribe`] watches the database directory with `notify`
//! (inotify on Linux); any write by any process touches the WAL file and ticks the feed.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod rows;
mod store;
mod watch;

pub use store::SqliteStore;
