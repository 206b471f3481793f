//! The coding step of nightshift: one attempt at one task, from prompt to landed commit.
//!
//! The modules follow the attempt's path:
//! - [`repo_map`] maps the repository: its files and their symbols, ranked for the task.
//! - [`prompt`] builds the request: the edit format, the map, the files that matter, the task —
//!   fitted to the model's context window.
//! - [`reply`] finds the edits in the model's answer ([`edit`]: whole files or search/replace
//!   blocks).
//! - [`apply`] writes them — all or none, only inside the worktree, never through `..`, `.git/`
//!   or a symlink that leaves it.
//! - [`guard`] refuses edits that delete, skip or weaken the tests the attempt found.
//! - [`contract`] checks that the code defines what the task asks for by name, where it asks
//!   (a function `slugify(title)` in `blog.py`, not a method of a class there).
//! - [`check`] validates syntax (Python's parser; tree-sitter for Rust, JS/TS and Go) and runs the
//!   project's tests with a time limit, in the sandbox
//!   (`nightshift-sandbox`: no network, writes only to the worktree, limits, whole-tree kills).
//! - [`regression`] tells a fault the answer brought in from a wrong guess in the model's own
//!   test: an assert that held on the code as the attempt found it and fails now.
//! - [`attempt`] strings them together and commits.
#![deny(clippy::print_stdout, clippy::print_stderr)]
// Test fixtures build their trees with std::fs; the code under test goes through the workspace.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod apply;
pub mod attempt;
pub mod check;
pub mod contract;
pub mod edit;
pub mod guard;
pub mod prompt;
pub mod regression;
pub mod reply;
pub mod repo_map;

pub use attempt::{
    Attempt, AttemptError, AttemptSettings, Landed, LandingQueueTime, RepairStrategy,
};
pub use edit::EditFormat;
