//! One attempt at one task: prompt → model → edits → checks → commit → land.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use nightshift_git::{Commit, Repo, Start};
use nightshift_model::{ChatModel, Message};
use nightshift_sandbox::Sandbox;
use nightshift_store::{EventLog, Lease, LogLevel, ModelStatsLog, NewLogEntry, Task, TaskQueue};
use tokio::sync::Mutex;

use crate::apply::{self, ApplyError, FileChange};
pub(crate) use crate::ask::Purpose;
pub use crate::ask::first_answer;
use crate::choice::{Candidate, SELECT_EVENT};
use crate::edit::EditFormat;
pub use crate::error::AttemptError;
use crate::guard::{CodeBaseline, Protected, TestBaseline};
use crate::prompt::{self, Budget};
use crate::reply;
use crate::work::Work;

/// Longest excerpt of check output kept in an error.
const ERROR_EXCERPT_CHARS: usize = 4_000;
/// Time limit of a syntax check.
pub(crate) const SYNTAX_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of the coding step.
#[derive(Debug, Clone)]
pub struct AttemptSettings {
    /// Python interpreter.
    pub python: String,
    /// Time limit of a test run.
    pub test_timeout: Duration,
    /// Most tokens per reply.
    pub max_output_tokens: u32,
    /// Constrain replies to the edit format with a grammar, where the backend can (whole files).
    pub constrained_output: bool,
    /// The format the model is asked to answer in.
    pub edit_format: EditFormat,
    /// The model's context window, tokens: the prompt is fitted to it.
    pub context_tokens: u32,
    /// Most tokens of repository content a prompt carries (0: as many as the window holds).
    pub prompt_tokens: u32,
    /// Rounds after the first in which the model is shown a failure and fixes it, or asked anew.
    pub repair_rounds: u32,
    /// Answers asked for in each round, from one prompt: the first greedy, the rest sampled;
    /// the one to land is chosen by how they behave ([`crate::choice`]).
    pub candidates: u32,
    /// Added to every sampling seed, so that runs can sample differently.
    pub seed: u32,
    /// What those rounds ask of the model.
    pub repair_strategy: RepairStrategy,
    /// Where generated code runs.
    pub sandbox: Sandbox,
    /// The project's test command; empty: detected from its files.
    pub test_command: String,
}

/// What a round after a failed check asks of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairStrategy {
    /// Shows the failure and the files as the answer left them, to fix, where it is of a kind
    /// a model fixes when shown ([`AttemptError::is_shown_in_repair`]); other failures are
    /// resampled.
    Repair,
    /// Puts the files back as the attempt found them and asks the task again, sampled anew: the
    /// failure is not shown. Small models repair badly — their fix repeats the fault — while a
    /// fresh sample, filtered by the same checks, often passes (Olausson et al., "Is
    /// Self-Repair a Silver Bullet for Code Generation?", ICLR 2024).
    Resample,
}

impl RepairStrategy {
    /// Its name, as the configuration spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Repair => "repair",
            Self::Resample => "resample",
        }
    }
}

/// The commit an attempt landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    /// Commit id on the target branch.
    pub sha: String,
    /// First line of its message.
    pub subject: String,
    /// Files it changed.
    pub files: Vec<String>,
    /// Checks that passed.
    pub checks: Vec<&'static str>,
}

/// Runs `f`, which reads and parses files, where it cannot stall the async runtime: moved off
/// the worker thread on the daemon's multi-threaded runtime, in place on a single-threaded one
/// (tests).
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A file's bytes (`None`: absent), or why it cannot be read.
pub(crate) type FileState = Result<Option<Vec<u8>>, String>;

/// One attempt; build it and call [`Attempt::run`].
pub struct Attempt<'a, S> {
    /// Where logs and model stats go.
    pub store: &'a S,
    /// The model.
    pub model: &'a dyn ChatModel,
    /// The repository.
    pub repo: &'a Repo,
    /// Held while landing, so commits land one at a time.
    pub land_lock: &'a Mutex<()>,
    /// Set while the branch is being moved: the caller lets that finish (bounded by its own
    /// limit) rather than cancel it half-way in the user's checkout.
    pub landing: &'a AtomicBool,
    /// The attempt's lease, renewed and so checked right before landing.
    pub lease: &'a Lease,
    /// How long a renewal holds.
    pub lease_length: Duration,
    /// Settings.
    pub settings: &'a AttemptSettings,
    /// The task.
    pub task: &'a Task,
    /// 1-based attempt number.
    pub attempt: u32,
    /// The attempt's worktree (created by `run`, removed by the caller).
    pub worktree: PathBuf,
}

pub(crate) fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.len() <= ERROR_EXCERPT_CHARS {
        return text.to_owned();
    }
    let mut start = text.len() - ERROR_EXCERPT_CHARS;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

impl<S: EventLog + ModelStatsLog + TaskQueue> Attempt<'_, S> {
    pub(crate) async fn log(&self, level: LogLevel, event: &str, message: String) {
        let entry = NewLogEntry {
            task_id: Some(self.task.id),
            attempt: Some(self.attempt),
            level,
            event: event.to_owned(),
            message,
        };
        if let Err(err) = self.store.log(entry).await {
            tracing::warn!(task_id = self.task.id, %err, "could not write execution log");
        }
    }

    /// What of the repository a prompt may carry.
    pub(crate) fn budget(&self) -> Budget {
        Budget::fitted(
            self.settings.context_tokens,
            self.settings.max_output_tokens,
        )
        .capped(self.settings.prompt_tokens)
    }

    /// What the prompt shows of the repository as the attempt found it: the files the task
    /// names or the ranking finds relevant in full, within [`Attempt::budget`], the rest as the
    /// map.
    fn context(&self, work: &Work) -> prompt::Context {
        blocking(|| {
            prompt::gather(
                &self.worktree,
                &work.base_files,
                &self.task.description,
                &work.mentioned,
                self.budget(),
            )
        })
    }

    /// Writes `content` as the whole of the file `path` of the worktree (a mend of the attempt's
    /// own, logged by the caller).
    pub(crate) fn rewrite(&self, path: &str, content: String) -> Result<(), ApplyError> {
        apply::write(&self.worktree, &[FileChange::new(path, content)]).map(drop)
    }

    /// Runs the attempt to a landed commit: the first answer, then up to `repair_rounds`
    /// rounds, each either a fresh batch of answers to the task or (for the failures a model
    /// fixes when shown: a format or syntax error, a missing definition, the change failing to
    /// merge) one in which the model sees what failed and the files as they now are.
    pub async fn run(&self) -> Result<Landed, AttemptError> {
        let branch = self.repo.task_branch(self.task.id);
        let start = self.repo.add_worktree(&self.worktree, self.task.id).await?;
        let files = self.repo.files_at_tip().await?;
        let mentioned = reply::mentioned_files(&self.task.description);
        let mut work = Work::new(files, mentioned);
        // Reading and parsing every file of the repository: off the runtime's threads, so
        // heartbeats of other attempts keep their time.
        (work.tests, work.code, work.protected) = blocking(|| {
            (
                TestBaseline::read(&self.worktree, &work.base_files),
                CodeBaseline::read(&self.worktree, &work.base_files),
                Protected::read(&self.worktree, &self.task.description),
            )
        });
        // A commit of this task that passed its checks but did not land goes to the queue as is.
        let mut unlanded = None;
        match start {
            Start::Fresh { base } => work.base = base,
            Start::Unlanded { base, commit } => {
                self.log(
                    LogLevel::Info,
                    "git",
                    format!(
                        "{branch} holds this task's commit {commit}, not landed yet: landing it"
                    ),
                )
                .await;
                work.base = base;
                work.add(self.repo.files_of(&commit).await?);
                work.author = "an earlier attempt".to_owned();
                unlanded = Some(Commit {
                    subject: self.repo.subject_of(&commit).await?,
                    files: work.written.clone(),
                    sha: commit,
                });
            }
        }
        let budget = self.budget();
        let format = self.settings.edit_format;
        let task = self.task.description.as_str();
        let context = self.context(&work);
        self.log(
            LogLevel::Info,
            "context",
            format!(
                "{} files in the repository, {} shown in full ({}), the rest on the map; budget {} characters",
                work.base_files.len(),
                context.files.len(),
                context
                    .files
                    .iter()
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                budget.chars
            ),
        )
        .await;

        let mut request = prompt::code_request(format, task, &context);
        let last_round = 1 + self.settings.repair_rounds;
        let mut round = 1;
        let mut purpose = Purpose::Code;
        loop {
            let outcome = match unlanded.take() {
                Some(commit) => self.merge(commit, vec!["earlier attempt"], &mut work).await,
                None => {
                    self.log(
                        LogLevel::Info,
                        "round",
                        format!("round {round} of {last_round}: {}", purpose.as_str()),
                    )
                    .await;
                    match self
                        .round(purpose, round, std::mem::take(&mut request), &mut work)
                        .await
                    {
                        Ok(checks) => match self.commit(&checks, &work, round).await {
                            Ok(commit) => self.merge(commit, checks, &mut work).await,
                            Err(err) => Err(err),
                        },
                        Err(err) => Err(err),
                    }
                }
            };
            match outcome {
                Ok(landed) => return Ok(landed),
                // A conflict is repaired whatever the strategy: the answer has to be made anew
                // on top of the newer commits, which the model has not seen. A failure no model
                // fixes well by being shown it is resampled whatever the strategy.
                Err(err)
                    if round < last_round
                        && err.is_repairable()
                        && ((self.settings.repair_strategy == RepairStrategy::Resample
                            && !matches!(err, AttemptError::Conflict(_)))
                            || !work.shows(&err)) =>
                {
                    self.log(
                        LogLevel::Warn,
                        "repair",
                        format!(
                            "round {round} of {last_round} failed; the files go back to how the \
                             attempt found them, and the task is asked again:\n{err}"
                        ),
                    )
                    .await;
                    self.repo.discard(&self.worktree, &work.written).await?;
                    work.restart();
                    let fresh = self.context(&work);
                    request = prompt::code_request(format, task, &fresh);
                    purpose = Purpose::Resample;
                    round += 1;
                }
                Err(err) if round < last_round && err.is_repairable() => {
                    self.log(
                        LogLevel::Warn,
                        "repair",
                        format!(
                            "round {round} of {last_round} failed; the model is shown why:\n{err}"
                        ),
                    )
                    .await;
                    let current = blocking(|| {
                        prompt::gather(&self.worktree, &work.files(), task, &work.written, budget)
                    });
                    request = prompt::repair_request(format, task, &current, &work.explain(&err));
                    purpose = Purpose::Repair;
                    round += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// One round: [`AttemptSettings::candidates`] answers to `request` from one prompt, each put
    /// through the gates ([`crate::pipeline`]) from the files as the round found them, then one
    /// chosen among those that pass by how they behave ([`crate::choice`]). Returns the checks
    /// that passed.
    async fn round(
        &self,
        purpose: Purpose,
        round: u32,
        request: Vec<Message>,
        work: &mut Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
        let n = self.settings.candidates.max(1);
        let replies = self
            .ask(purpose, round, request, self.settings.edit_format, n)
            .await?;
        let start = self.contents(&work.written);
        let mut passed = Vec::new();
        let mut failure = None;
        // The first (greedy) answer goes last: if none passes, the worktree holds it, and its
        // failure is the one a repair round shows.
        for (index, (reply, author)) in replies.into_iter().enumerate().rev() {
            self.put_back(&start, work).await?;
            work.author.clone_from(&author);
            match self.gate(&reply.text, work).await {
                Ok(checks) => passed.push(Candidate {
                    round,
                    index,
                    author,
                    files: self.contents(&work.written),
                    checks,
                }),
                Err(err) if err.is_repairable() => {
                    if n > 1 {
                        self.log(
                            LogLevel::Warn,
                            SELECT_EVENT,
                            format!("candidate {index} refused: {err}"),
                        )
                        .await;
                    }
                    failure = Some(err);
                }
                Err(err) => return Err(err),
            }
        }
        passed.reverse();
        if passed.is_empty() {
            return Err(failure.unwrap_or(AttemptError::NoChange));
        }
        self.choose(passed, round, work).await
    }

    /// The content of each of `files` that can be read as text.
    pub(crate) fn contents(&self, files: &[String]) -> Vec<(String, String)> {
        files
            .iter()
            .filter_map(|path| {
                nightshift_workspace::read_text(&self.worktree, path)
                    .map(|content| (path.clone(), content))
            })
            .collect()
    }

    /// Puts the worktree back to its commit with `files` written over it, and `work` to having
    /// written just those.
    pub(crate) async fn put_back(
        &self,
        files: &[(String, String)],
        work: &mut Work,
    ) -> Result<(), AttemptError> {
        self.repo.tidy(&self.worktree, &[]).await?;
        work.restart();
        let changes: Vec<FileChange> = files
            .iter()
            .map(|(path, content)| FileChange::new(path, content))
            .collect();
        work.add(apply::write(&self.worktree, &changes)?);
        Ok(())
    }
}

pub(crate) fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
}
