//! The coding step of nightshift: one attempt at one task, from prompt to landed commit.
//!
//! The modules follow the attempt's path:
//! - [`attempt`] runs it: rounds of candidates until one lands or the rounds run out.
//! - [`repo_map`] maps the repository: its files and their symbols, ranked for the task.
//! - [`prompt`] builds the request: the edit format, the map, the files that matter, the task —
//!   fitted to the model's context window and the model's prompt budget.
//! - `ask` asks the model for several answers to one prompt and records every call.
//! - [`pipeline`] puts each answer through the gates, one ordered table of passes: [`reply`]
//!   finds its edits ([`edit`]: whole files or search/replace blocks), [`guard`] points them at
//!   the files the task means and refuses what takes tests or code away, [`apply`] is the one
//!   writer (all or none, only inside the worktree, never through `..`, `.git/` or a symlink),
//!   [`contract`] checks what the task asks for by name, [`check`] validates syntax and runs
//!   the project's tests in the sandbox (`nightshift-sandbox`).
//! - [`choice`] chooses among the answers that passed: [`observe`] runs the calls of a test of
//!   the task (the answer's own, or one `task_test` asks for) and the task's stated examples on
//!   each answer and on the code as it was, in the sandbox; [`select`] decides by that behaviour. Answers that are tests are chosen by how
//!   many of [`mutants`]' simple mutants of the code they kill.
//! - `land` commits, rebases onto the branch as it is now, checks again, and lands.
#![deny(clippy::print_stdout, clippy::print_stderr)]
// Test fixtures build their trees with std::fs; the code under test goes through the workspace.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod apply;
mod ask;
pub mod attempt;
pub mod check;
pub mod choice;
pub mod contract;
pub mod edit;
mod error;
pub mod guard;
mod land;
pub mod mutants;
pub mod observe;
pub mod pipeline;
pub mod prompt;
pub mod reply;
pub mod repo_map;
pub mod select;
mod task_test;
#[cfg(test)]
mod testing;
mod work;

pub use ask::answer_seed;
pub use attempt::{Attempt, AttemptError, AttemptSettings, Landed, RepairStrategy};
pub use edit::EditFormat;
