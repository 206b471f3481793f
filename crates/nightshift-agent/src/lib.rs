//! The coding step of nightshift: one attempt at one task, from prompt to landed commit.
//!
//! The modules follow the attempt's path:
//! - [`prompt`] builds the request: the task, the repository's file list, the files that matter.
//! - [`reply`] finds the files in the model's answer (fenced blocks headed by their paths).
//! - [`apply`] writes them — only inside the worktree, never through `..`, `.git/` or a symlink
//!   that leaves it.
//! - [`guard`] refuses edits that delete, skip or weaken the tests the attempt found.
//! - [`check`] validates Python syntax and runs pytest with a time limit, in the sandbox
//!   (`nightshift-sandbox`: no network, writes only to the worktree, limits, whole-tree kills).
//! - [`attempt`] strings them together and commits.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod apply;
pub mod attempt;
pub mod check;
pub mod guard;
pub mod prompt;
pub mod reply;

pub use attempt::{Attempt, AttemptError, AttemptSettings, Landed};
