//! One attempt at one task: prompt → model → edits → checks → commit → land.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nightshift_git::{Commit, GitError, Repo, Start};
use nightshift_lang::{
    Language, backed_by_task, failing_statement, import_missing, narrow_test,
    reroot_integration_test, symbols, unchecked_examples, without_broken_lines, without_cases,
};
use nightshift_model::{ChatModel, ChatRequest, Completion, ErrorClass, Message, ModelError};
use nightshift_sandbox::Sandbox;
use nightshift_store::{
    EventLog, Lease, LogEntry, LogLevel, ModelCall, ModelStatsLog, NewLogEntry, StoreError, Task,
    TaskQueue,
};
use tokio::sync::Mutex;

use crate::apply::{self, ApplyError};
use crate::check::{self, is_test_file};
use crate::contract;
use crate::edit::{Edit, EditFormat, FileEdit};
use crate::guard::{self, CodeBaseline, Protected, TestBaseline};
use crate::prompt::{self, Budget};
use crate::regression::{self, Failure, OriginalCode, first_failure};
use crate::reply::{self, ReplyError};
use crate::repo_map;

/// Longest excerpt of check output kept in an error.
const ERROR_EXCERPT_CHARS: usize = 4_000;
/// Time limit of a syntax check.
const SYNTAX_TIMEOUT: Duration = Duration::from_secs(30);
/// Most asserts taken out of the model's own test in one round, as guesses the code disagrees
/// with: each costs a test run.
const MAX_GUESSES_TAKEN_OUT: usize = 12;
/// Sampling temperature of repair rounds and retries; the first answer decodes greedily.
const RETRY_TEMPERATURE: f32 = 0.7;
/// The log event of a model's reply; its message is `<purpose> reply from <model>: …` and then,
/// from the second line on, the reply's text.
const REPLY_EVENT: &str = "model";

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
    /// Rounds after the first answer in which the model is shown a failure and fixes it.
    pub repair_rounds: u32,
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
    /// Shows the failure and the files as the answer left them, to fix.
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

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// The model call failed.
    #[error("model: {0}")]
    Model(#[from] ModelError),
    /// The reply held no usable edit.
    #[error("{0}")]
    Reply(#[from] ReplyError),
    /// An edit was refused or could not be written.
    #[error("{0}")]
    Apply(#[from] ApplyError),
    /// Generated code does not parse.
    #[error("syntax errors in generated code:\n{0}")]
    Syntax(String),
    /// Tests failed.
    #[error("tests failed:\n{0}")]
    Tests(String),
    /// The edits left every file as it was.
    #[error(
        "your answer left every file exactly as it was, so nothing is done yet: make the change the task asks for"
    )]
    NoChange,
    /// The edits deleted, skipped or weakened existing tests.
    #[error("the change takes tests away:\n{0}")]
    TestIntegrity(String),
    /// The code does not define what the task asks for by name, where it asks.
    #[error("the change does not do what the task asks:\n{0}")]
    Unmet(String),
    /// The edits deleted definitions the task does not name.
    #[error("the change deletes code:\n{0}")]
    RemovedCode(String),
    /// The change conflicts with commits that landed meanwhile; the worktree is at the new tip.
    #[error(
        "your change conflicts with newer commits on the branch, so it was not applied; the files are shown as they are now — make the change again on top of them:\n{0}"
    )]
    Conflict(String),
    /// git failed.
    #[error("git: {0}")]
    Git(GitError),
    /// Local I/O failed (running a check).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The user's checkout cannot take the landing now; the commit waits on the task's branch
    /// and lands later, as it is, without spending an attempt.
    #[error("landing waits: {0}")]
    Busy(String),
    /// The task is no longer this attempt's (cancelled, or taken over after its lease ran
    /// out): nothing lands.
    #[error("the lease was lost before landing; nothing landed")]
    LeaseLost,
    /// The lease could not be checked before landing (the database was busy, say): nothing
    /// landed, and the commit waits on the task's branch for the next attempt.
    #[error("could not check the lease before landing: {0}")]
    LeaseUnchecked(StoreError),
}

impl From<GitError> for AttemptError {
    fn from(err: GitError) -> Self {
        match err {
            GitError::Conflict { detail, .. } => Self::Conflict(detail),
            GitError::Busy(reason) => Self::Busy(reason),
            err => Self::Git(err),
        }
    }
}

impl AttemptError {
    /// Whether another attempt may succeed. Exhaustive on purpose: a new variant must decide.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Model(err) => match err.class() {
                ErrorClass::Rejected => false,
                ErrorClass::Transient | ErrorClass::Unavailable | ErrorClass::RateLimited(_) => {
                    true
                }
            },
            // Retries sample differently, so a bad reply may be followed by a good one.
            Self::Reply(_) | Self::Apply(_) | Self::Syntax(_) | Self::Tests(_) => true,
            Self::NoChange
            | Self::Unmet(_)
            | Self::TestIntegrity(_)
            | Self::RemovedCode(_)
            | Self::Conflict(_)
            | Self::Git(_)
            | Self::Io(_)
            | Self::Busy(_)
            | Self::LeaseUnchecked(_) => true,
            Self::LeaseLost => false,
        }
    }

    /// Whether showing the model this failure may let it fix its answer in the same attempt.
    pub fn is_repairable(&self) -> bool {
        match self {
            Self::Reply(_)
            | Self::NoChange
            | Self::Syntax(_)
            | Self::Tests(_)
            | Self::Unmet(_)
            | Self::TestIntegrity(_)
            | Self::RemovedCode(_)
            | Self::Conflict(_) => true,
            Self::Apply(err) => match err {
                ApplyError::Unsafe { .. } | ApplyError::NoMatch { .. } => true,
                ApplyError::Io { .. } => false,
            },
            Self::Model(_)
            | Self::Git(_)
            | Self::Io(_)
            | Self::LeaseLost
            | Self::Busy(_)
            | Self::LeaseUnchecked(_) => false,
        }
    }
}

/// What a request asks the model for; stored as `model_stats.purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// The first answer to the task.
    Code,
    /// A fix of a failed answer.
    Repair,
    /// A fresh answer to the task after one failed ([`RepairStrategy::Resample`]).
    Resample,
    /// A test for a task that brought none.
    Test,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Repair => "repair",
            Self::Resample => "resample",
            Self::Test => "test",
        }
    }

    /// The grammar of whole-file replies: a repair may say what was wrong before its files.
    fn grammar(self) -> &'static str {
        match self {
            Self::Repair => reply::REPAIR_GRAMMAR,
            Self::Code | Self::Resample | Self::Test => reply::EDIT_GRAMMAR,
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

/// What an attempt has done so far, across its rounds.
struct Work {
    /// The commit the worktree's changes sit on (`None`: the repository had no commit).
    base: Option<String>,
    /// Files of the repository at the start.
    base_files: Vec<String>,
    /// Files the task names.
    mentioned: Vec<String>,
    /// Files written, in the order first written.
    written: Vec<String>,
    /// `backend/model` of the last reply.
    author: String,
    /// Whether the model wrote the test because the task had none.
    generated_test: bool,
    /// The tests as the attempt found them.
    tests: TestBaseline,
    /// The definitions of the source files as the attempt found them.
    code: CodeBaseline,
    /// The files the task says not to change, as the attempt found them.
    protected: Protected,
}

impl Work {
    fn add(&mut self, files: Vec<String>) {
        for file in files {
            if !self.written.contains(&file) {
                self.written.push(file);
            }
        }
    }

    /// Forgets what the rounds so far wrote, once their files are put back
    /// ([`Repo::discard`]): the next answer starts from the files as the attempt found them.
    fn restart(&mut self) {
        self.written.clear();
        self.generated_test = false;
    }

    /// What the model is told of a failure. When the failing test is one it wrote itself, it is
    /// told so: small models often assert a wrong expected value, and then "fix" correct code to
    /// match their test.
    fn explain(&self, err: &AttemptError) -> String {
        let mut text = err.to_string();
        if matches!(err, AttemptError::Tests(_)) && self.generated_test {
            let own: Vec<&str> = self.own_tests().collect();
            text.push_str(&format!(
                "\n\n{} is the test you wrote for this task, and may itself be wrong. Check each \
                 failing assert against the task: if the task disagrees with the assert, correct \
                 the test; otherwise correct the code.",
                own.join(", ")
            ));
        }
        let protected: Vec<&str> = self.protected.paths().collect();
        if matches!(err, AttemptError::Tests(_)) && !protected.is_empty() {
            text.push_str(&format!(
                "\n\nThe task says not to change {}: where a test disagrees with it, the test is \
                 wrong. Correct the test.",
                protected.join(", ")
            ));
        }
        text
    }

    /// Whether the answer changes only tests, of code the task says not to change: that code is
    /// then right by the task's word, and a test that disagrees with it is wrong.
    fn tests_of_protected_code(&self) -> bool {
        self.protected.paths().next().is_some() && self.writes_only_tests()
    }

    /// Whether the answer changes only tests (and files in no language, or that the task says
    /// not to change, which are put back).
    fn writes_only_tests(&self) -> bool {
        let protected: Vec<&str> = self.protected.paths().collect();
        self.written.iter().all(|f| {
            is_test_file(f) || Language::of(f).is_none() || protected.contains(&f.as_str())
        })
    }

    /// The test files the model wrote because the task brought none.
    fn own_tests(&self) -> impl Iterator<Item = &str> {
        self.new_tests().filter(|_| self.generated_test)
    }

    /// The test files the model wrote that the repository did not have.
    fn new_tests(&self) -> impl Iterator<Item = &str> {
        self.written
            .iter()
            .filter(|f| is_test_file(f) && !self.base_files.contains(f))
            .map(String::as_str)
    }

    /// The files the task names and those written so far: where a test's missing import may
    /// come from, without reading the whole repository.
    fn named_or_written(&self) -> Vec<String> {
        with_written(&self.mentioned, &self.written)
    }

    /// Every file of the worktree: the repository's and the new ones.
    fn files(&self) -> Vec<String> {
        with_written(&self.base_files, &self.written)
    }
}

/// `files`, then those of `written` not among them.
fn with_written(files: &[String], written: &[String]) -> Vec<String> {
    let mut all = files.to_vec();
    all.extend(written.iter().filter(|f| !files.contains(f)).cloned());
    all
}

/// Runs `f`, which reads and parses files, where it cannot stall the async runtime: moved off
/// the worker thread on the daemon's multi-threaded runtime, in place on a single-threaded one
/// (tests).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A file's bytes (`None`: absent), or why it cannot be read.
type FileState = Result<Option<Vec<u8>>, String>;

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
    /// Time spent queued for the landing lock (not counted by the time limit).
    pub queued: &'a LandingQueueTime,
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

fn excerpt(text: &str) -> String {
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

/// Time an attempt spends queued for the landing lock behind other attempts' landings and
/// re-checks: the attempt's time limit does not count it, so a task never times out for waiting
/// its turn.
#[derive(Debug)]
pub struct LandingQueueTime {
    base: std::time::Instant,
    waited_ms: std::sync::atomic::AtomicU64,
    /// Milliseconds since `base` (plus one) when the wait began; 0 when not waiting.
    since_ms: std::sync::atomic::AtomicU64,
}

impl Default for LandingQueueTime {
    fn default() -> Self {
        Self {
            base: std::time::Instant::now(),
            waited_ms: std::sync::atomic::AtomicU64::new(0),
            since_ms: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl LandingQueueTime {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .saturating_add(1)
    }

    fn enter(&self) {
        self.since_ms.store(self.now_ms(), Ordering::SeqCst);
    }

    fn leave(&self) {
        let since = self.since_ms.swap(0, Ordering::SeqCst);
        if since > 0 {
            self.waited_ms
                .fetch_add(self.now_ms().saturating_sub(since), Ordering::SeqCst);
        }
    }

    /// The time spent queued so far, the current wait included.
    pub fn excluded(&self) -> Duration {
        let since = self.since_ms.load(Ordering::SeqCst);
        let current = if since > 0 {
            self.now_ms().saturating_sub(since)
        } else {
            0
        };
        Duration::from_millis(
            self.waited_ms
                .load(Ordering::SeqCst)
                .saturating_add(current),
        )
    }
}

/// Clears the landing flag when the landing ends, however it ends.
struct Landing<'a>(&'a AtomicBool);

impl Landing<'_> {
    fn begin(flag: &AtomicBool) -> Landing<'_> {
        flag.store(true, Ordering::SeqCst);
        Landing(flag)
    }
}

impl Drop for Landing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl<S: EventLog + ModelStatsLog + TaskQueue> Attempt<'_, S> {
    async fn log(&self, level: LogLevel, event: &str, message: String) {
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
    fn budget(&self) -> Budget {
        Budget::fitted(
            self.settings.context_tokens,
            self.settings.max_output_tokens,
        )
    }

    /// Asks the model for edits in `format`, in `round` of the attempt; returns the reply and
    /// `backend/model` that produced it.
    async fn ask(
        &self,
        purpose: Purpose,
        round: u32,
        messages: Vec<Message>,
        format: EditFormat,
    ) -> Result<(Completion, String), AttemptError> {
        let purpose_name = purpose.as_str();
        // The whole request, so `tasks show --full` can replay what the model saw.
        let shown: Vec<String> = messages
            .iter()
            .skip_while(|m| m.role != nightshift_model::Role::User)
            .skip(2) // the worked example's turn and reply
            .map(|m| m.content.clone())
            .collect();
        self.log(
            LogLevel::Debug,
            "prompt",
            format!("{purpose_name} request:\n{}", shown.join("\n\n")),
        )
        .await;
        let (temperature, seed) = sampling(self.attempt, round);
        let request = ChatRequest {
            messages,
            max_tokens: self.settings.max_output_tokens,
            temperature,
            seed,
            grammar: (self.settings.constrained_output && format == EditFormat::Whole)
                .then(|| purpose.grammar().to_owned()),
            n: 1,
        };
        let traced = self.model.complete_traced(request).await;
        for call in &traced.calls {
            let row = ModelCall {
                task_id: Some(self.task.id),
                attempt: Some(self.attempt),
                backend: call.backend.clone(),
                model: call.model.clone(),
                purpose: purpose_name.to_owned(),
                prompt_tokens: call.usage.prompt_tokens,
                completion_tokens: call.usage.completion_tokens,
                first_token_ms: call.usage.first_token.map(millis),
                duration_ms: millis(call.duration),
                outcome: call.outcome.to_owned(),
                error: call.error.clone(),
                fallback_from: call.fallback_from.clone(),
            };
            if let Err(err) = self.store.record_call(&row).await {
                tracing::warn!(task_id = self.task.id, %err, "could not record model call");
            }
        }
        let result = traced.result;
        let served_by = traced
            .calls
            .last()
            .map(|c| format!("{}/{}", c.backend, c.model))
            .unwrap_or_default();
        let completion = result?;
        self.log(
            LogLevel::Debug,
            REPLY_EVENT,
            format!(
                "{purpose_name} reply from {served_by}: {} prompt + {} completion tokens in {} ms\n{}",
                completion.usage.prompt_tokens,
                completion.usage.completion_tokens,
                millis(completion.usage.total),
                completion.text
            ),
        )
        .await;
        Ok((completion, served_by))
    }

    async fn write(&self, edits: &[Edit]) -> Result<Vec<String>, AttemptError> {
        match apply::apply(&self.worktree, edits) {
            Ok(written) => {
                self.log(
                    LogLevel::Info,
                    "edit",
                    format!("wrote {}", written.join(", ")),
                )
                .await;
                Ok(written)
            }
            Err(err) => {
                self.log(LogLevel::Error, "edit", err.to_string()).await;
                Err(err.into())
            }
        }
    }

    /// Adds `import pytest` to each Python test among `files` that uses pytest without
    /// importing it ([`check::with_pytest_import`]), and logs it.
    /// Takes out of the tests the model wrote for itself, `tests`, the assert lines that break
    /// their syntax on their own ([`nightshift_lang::without_broken_lines`]): a value copied
    /// from the task as `3.333...`, a reply cut short mid-assert. The rest of such a test still
    /// checks the code; the line was a guess that could not run. Logged.
    async fn take_out_broken_lines(&self, tests: &[String]) -> Result<(), AttemptError> {
        for test in tests {
            let Some(language) = Language::of(test) else {
                continue;
            };
            let Some(mended) = nightshift_workspace::read_text(&self.worktree, test)
                .and_then(|source| without_broken_lines(language, &source))
            else {
                continue;
            };
            self.rewrite(test, mended.source)?;
            self.log(
                LogLevel::Info,
                "edit",
                format!(
                    "took out of {test}, lines of the test the model wrote for itself that do not parse on their own:\n{}",
                    mended.removed.join("\n")
                ),
            )
            .await;
        }
        Ok(())
    }

    /// Mends the imports of the Python and JavaScript tests among `tests`: `import pytest` when
    /// one uses `pytest.` without it ([`check::with_pytest_import`]), and `from module import
    /// name` for what it calls that a module among `files` defines at its top level but it never
    /// imports ([`nightshift_lang::import_missing`]); Node's `test` and `assert` imported as they
    /// exist ([`check::with_node_test_imports`]). Each slip fails the test whatever the code does.
    /// Logged.
    async fn mend_imports(&self, tests: &[String], files: &[String]) -> Result<(), AttemptError> {
        let read = |path: &str| nightshift_workspace::read_text(&self.worktree, path);
        let modules: Vec<(&str, Vec<String>)> = files
            .iter()
            .filter(|f| check::is_python(f) && !is_test_file(f))
            .filter_map(|path| {
                let top = symbols(Language::Python, &read(path)?)
                    .into_iter()
                    .filter(|symbol| symbol.depth == 0)
                    .map(|symbol| symbol.name)
                    .collect();
                Some((path.as_str(), top))
            })
            .collect();
        for test in tests.iter().filter(|f| is_test_file(f)) {
            let language = Language::of(test);
            let Some(original) = read(test)
                .filter(|_| matches!(language, Some(Language::Python | Language::JavaScript)))
            else {
                continue;
            };
            let mut content = original.clone();
            let mut added = Vec::new();
            if language == Some(Language::JavaScript) {
                if let Some(mended) = check::with_node_test_imports(&content) {
                    content = mended;
                    added.push("the imports of `node:test` and `node:assert/strict`".to_owned());
                }
            } else if let Some(mended) = check::with_pytest_import(&content) {
                content = mended;
                added.push("`import pytest`".to_owned());
            }
            for (path, top) in modules
                .iter()
                .filter(|_| language == Some(Language::Python))
            {
                let Some(module) = guard::python_module(path, test) else {
                    continue;
                };
                let top: Vec<&str> = top.iter().map(String::as_str).collect();
                if let Some(imported) = import_missing(&content, &module, &top) {
                    content = imported.source;
                    added.push(format!(
                        "`from {module} import {}`",
                        imported.names.join(", ")
                    ));
                }
            }
            if content == original {
                continue;
            }
            self.rewrite(test, content)?;
            self.log(
                LogLevel::Info,
                "edit",
                format!(
                    "{test}: mended its imports: {}, which it uses without importing them",
                    added.join(" and ")
                ),
            )
            .await;
        }
        Ok(())
    }

    /// Writes `content` as the whole of the file `path` of the worktree (a mend of the attempt's
    /// own, logged by the caller).
    fn rewrite(&self, path: &str, content: String) -> Result<(), ApplyError> {
        apply::apply(
            &self.worktree,
            &[Edit::Whole(FileEdit {
                path: path.to_owned(),
                content,
            })],
        )
        .map(drop)
    }

    async fn check_syntax(&self, files: &[String]) -> Result<(), AttemptError> {
        let verdict = check::syntax(
            &self.settings.sandbox,
            &self.settings.python,
            &self.worktree,
            files,
            SYNTAX_TIMEOUT,
        )
        .await?;
        if let Err(errors) = verdict {
            self.log(
                LogLevel::Error,
                "check",
                format!("syntax errors:\n{errors}"),
            )
            .await;
            return Err(AttemptError::Syntax(excerpt(&errors)));
        }
        Ok(())
    }

    /// Whether the code defines what the task asks for by name, where it asks
    /// ([`contract::unmet`]); the tests are not looked at. `Ok(false)`: the task asks for
    /// nothing by name, so there was nothing to check.
    async fn check_contract(&self, work: &Work) -> Result<bool, AttemptError> {
        let asked = nightshift_lang::asked_definitions(&self.task.description);
        if asked.is_empty() {
            return Ok(false);
        }
        let sources: Vec<String> = work
            .files()
            .into_iter()
            .filter(|f| !is_test_file(f))
            .collect();
        let unmet = contract::unmet(&self.worktree, &sources, &asked);
        if unmet.is_empty() {
            return Ok(true);
        }
        let reason = unmet.join("\n");
        self.log(
            LogLevel::Error,
            "check",
            format!("not what the task asks:\n{reason}"),
        )
        .await;
        Err(AttemptError::Unmet(reason))
    }

    /// When the answer writes only tests, as the task asks: whether they check each example
    /// the task spells out ([`nightshift_lang::unchecked_examples`]) — after the rows the code
    /// failed were taken out, some may be gone. `Ok(false)`: nothing to check (the answer
    /// writes code, or the task spells out no example).
    async fn check_examples_tested(&self, work: &Work) -> Result<bool, AttemptError> {
        let task = self.task.description.as_str();
        if work.generated_test
            || !work.writes_only_tests()
            || unchecked_examples(task, &[]).is_empty()
        {
            return Ok(false);
        }
        let tests: Vec<String> = work
            .written
            .iter()
            .filter(|f| is_test_file(f))
            .filter_map(|f| nightshift_workspace::read_text(&self.worktree, f))
            .collect();
        let tests: Vec<&str> = tests.iter().map(String::as_str).collect();
        let missing = unchecked_examples(task, &tests);
        if missing.is_empty() {
            return Ok(true);
        }
        let reason = format!(
            "The task asks the tests to check {}, but none of the tests does. Add a test for each \
             (with the values the task gives).",
            missing
                .iter()
                .map(|example| format!("`{example}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.log(
            LogLevel::Error,
            "check",
            format!("not what the task asks:\n{reason}"),
        )
        .await;
        Err(AttemptError::Unmet(reason))
    }

    /// Runs the attempt to a landed commit: the first answer, then up to `repair_rounds`
    /// rounds in which the model sees what failed — a check, or the change failing to merge —
    /// and the files as they now are.
    pub async fn run(&self) -> Result<Landed, AttemptError> {
        let branch = self.repo.task_branch(self.task.id);
        let start = self.repo.add_worktree(&self.worktree, self.task.id).await?;
        let files = self.repo.files_at_tip().await?;
        let mentioned = reply::mentioned_files(&self.task.description);
        let mut work = Work {
            base: None,
            base_files: files,
            mentioned,
            written: Vec::new(),
            author: String::new(),
            generated_test: false,
            tests: TestBaseline::default(),
            code: CodeBaseline::default(),
            protected: Protected::default(),
        };
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
        let context = blocking(|| {
            prompt::gather(
                &self.worktree,
                &work.base_files,
                task,
                &work.mentioned,
                budget,
            )
        });
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
                // on top of the newer commits, which the model has not seen.
                Err(err)
                    if round < last_round
                        && err.is_repairable()
                        && self.settings.repair_strategy == RepairStrategy::Resample
                        && !matches!(err, AttemptError::Conflict(_)) =>
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
                    let fresh = blocking(|| {
                        prompt::gather(
                            &self.worktree,
                            &work.base_files,
                            task,
                            &work.mentioned,
                            budget,
                        )
                    });
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

    /// [`AttemptError::NoChange`] unless one of `files` differs from the worktree's last commit.
    async fn changes_some_file(&self, files: &[String]) -> Result<(), AttemptError> {
        if self.repo.changed(&self.worktree, files).await? {
            return Ok(());
        }
        self.log(
            LogLevel::Error,
            "edit",
            "the answer changed no file".to_owned(),
        )
        .await;
        Err(AttemptError::NoChange)
    }

    /// Commits the files written so far.
    async fn commit(
        &self,
        checks: &[&'static str],
        work: &Work,
        round: u32,
    ) -> Result<Commit, AttemptError> {
        let mut written = work.written.clone();
        written.sort();
        written.dedup();
        self.changes_some_file(&written).await?;
        let message = self.commit_message(checks, &work.author, round);
        Ok(self.repo.commit(&self.worktree, &written, &message).await?)
    }

    /// The merge queue, one commit at a time: if the branch moved since the attempt began, the
    /// commit is rebased onto the new tip and its checks run again there; only then is the
    /// branch fast-forwarded. A conflict leaves the worktree at the new tip; failing checks
    /// leave the rebased files uncommitted on it — either way the next round starts from there.
    async fn merge(
        &self,
        commit: Commit,
        checks: Vec<&'static str>,
        work: &mut Work,
    ) -> Result<Landed, AttemptError> {
        self.queued.enter();
        let _queue = self.land_lock.lock().await;
        self.queued.leave();
        // Another holder of this task (one whose lease ran out, say) may have landed it while
        // this attempt worked: adopt that commit rather than land a second.
        if let Some(sha) = self.repo.find_task_commit(self.task.id).await? {
            self.log(
                LogLevel::Warn,
                "git",
                format!(
                    "the task's commit {} is already on {}: adopted, nothing more lands",
                    short(&sha),
                    self.repo.branch()
                ),
            )
            .await;
            return Ok(Landed {
                files: self.repo.files_of(&sha).await?,
                subject: self.repo.subject_of(&sha).await?,
                sha,
                checks: Vec::new(),
            });
        }
        let (sha, base) = match self
            .repo
            .rebase(&self.worktree, &commit.sha, work.base.as_deref())
            .await
        {
            Ok(None) => (commit.sha.clone(), work.base.clone()),
            Ok(Some(rebased)) => {
                work.base = Some(rebased.base.clone());
                self.log(
                    LogLevel::Info,
                    "git",
                    format!(
                        "the branch moved: rebased onto {}, checking again",
                        short(&rebased.base)
                    ),
                )
                .await;
                if let Err(err) = self.recheck(work).await {
                    self.repo.uncommit(&self.worktree, &rebased.base).await?;
                    return Err(err);
                }
                (rebased.commit, Some(rebased.base))
            }
            Err(err) => {
                work.base = self.repo.tip().await?;
                self.log(LogLevel::Error, "git", format!("merge conflict: {err}"))
                    .await;
                return Err(err.into());
            }
        };
        let landing = Landing::begin(self.landing);
        // Renewing the lease checks it: a cancelled or taken-over task does not land.
        match self.store.heartbeat(self.lease, self.lease_length).await {
            Ok(()) => {}
            Err(StoreError::StaleLease { .. }) => return Err(AttemptError::LeaseLost),
            Err(err) => return Err(AttemptError::LeaseUnchecked(err)),
        }
        // A crash between the commit and the landing, and between the landing and recording it.
        fail::fail_point!("before_land", |_| std::process::abort());
        self.repo.fast_forward(&sha, base.as_deref()).await?;
        fail::fail_point!("after_land", |_| std::process::abort());
        drop(landing);
        self.log(
            LogLevel::Info,
            "git",
            format!(
                "landed {} on {}: {}",
                short(&sha),
                self.repo.branch(),
                commit.files.join(", ")
            ),
        )
        .await;
        Ok(Landed {
            sha,
            subject: commit.subject,
            files: commit.files,
            checks,
        })
    }

    /// The checks again, on a rebased commit.
    async fn recheck(&self, work: &Work) -> Result<(), AttemptError> {
        self.check_syntax(&work.written).await?;
        self.run_tests(work).await.map(drop)
    }

    /// One round: ask, write the edits, check syntax, write a test if the task has none, run
    /// the tests. Returns the checks that passed.
    async fn round(
        &self,
        purpose: Purpose,
        round: u32,
        request: Vec<Message>,
        work: &mut Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
        let (reply, author) = self
            .ask(purpose, round, request, self.settings.edit_format)
            .await?;
        work.author = author;
        let mut edits = reply::parse(&reply.text, &work.mentioned).inspect_err(|err| {
            tracing::info!(task_id = self.task.id, %err, "reply without edits");
        })?;
        let mut notes = guard::onto_test_twins(&self.worktree, &work.base_files, &mut edits);
        notes.extend(guard::onto_named_files(
            &work.base_files,
            &work.mentioned,
            &mut edits,
        ));
        notes.extend(guard::onto_language_twins(&work.base_files, &mut edits));
        for note in notes {
            self.log(LogLevel::Info, "edit", note).await;
        }
        let written = self.write(&edits).await?;
        work.add(written);
        self.mend_imports(&work.written, &work.named_or_written())
            .await?;
        for note in work.protected.restore(&self.worktree, &work.written) {
            self.log(LogLevel::Info, "edit", note).await;
        }
        // Before a test is written for it: an answer that gives the files back as they were
        // would otherwise land the model's test alone, and a bug-fix task with its bug.
        self.changes_some_file(&work.written).await?;
        if let Err(reason) = work.tests.verify(&self.worktree) {
            self.log(
                LogLevel::Error,
                "check",
                format!("tests taken away:\n{reason}"),
            )
            .await;
            return Err(AttemptError::TestIntegrity(reason));
        }
        match work
            .code
            .verify(&self.worktree, &work.written, &self.task.description)
        {
            Ok(notes) => {
                for note in notes {
                    self.log(LogLevel::Info, "edit", note).await;
                }
            }
            Err(reason) => {
                self.log(LogLevel::Error, "check", format!("code deleted:\n{reason}"))
                    .await;
                return Err(AttemptError::RemovedCode(reason));
            }
        }
        self.check_syntax(&work.written).await?;
        let mut checks = vec!["tests-intact", "syntax"];
        if self.check_contract(work).await? {
            checks.push("asked-definitions");
        }

        let has_tests = work.files().iter().any(|f| is_test_file(f));
        let plan = (!has_tests)
            .then(|| {
                work.written
                    .iter()
                    .filter(|f| !is_test_file(f))
                    .find_map(|f| check::test_plan(&self.worktree, f))
            })
            .flatten();
        if let Some(plan) = plan {
            let shown = blocking(|| {
                prompt::gather(
                    &self.worktree,
                    &work.written,
                    &self.task.description,
                    &work.written,
                    self.budget(),
                )
            })
            .files;
            let request = prompt::test_request(&self.task.description, &shown, &plan);
            let (test_reply, _) = self
                .ask(Purpose::Test, round, request, EditFormat::Whole)
                .await?;
            let tests: Vec<Edit> = reply::parse(&test_reply.text, &[])?
                .into_iter()
                .filter(|edit| is_test_file(edit.path()))
                .collect();
            if tests.is_empty() {
                return Err(ReplyError::NoTestFile.into());
            }
            let test_files = self.write(&tests).await?;
            self.take_out_broken_lines(&test_files).await?;
            self.mend_imports(&test_files, &work.named_or_written())
                .await?;
            work.add(test_files.clone());
            work.generated_test = true;
            self.check_syntax(&test_files).await?;
        }
        if work.generated_test {
            self.fit_own_tests(work).await?;
            checks.push("generated-test");
        }

        for note in work
            .code
            .import_instead_of_copies(&self.worktree, &work.written)
        {
            self.log(LogLevel::Info, "check", note).await;
        }
        checks.extend(self.run_tests_without_guesses(work).await?);
        if self.check_examples_tested(work).await? {
            checks.push("examples-tested");
        }
        Ok(checks)
    }

    /// Runs the tests; while what fails is a statement of the test the model wrote for the task
    /// that no example of the task backs (`nightshift_lang::backed_by_task`) — a guess of the
    /// model's that the code disagrees with — the statement is taken out, logged, and the tests
    /// run again. A failing statement the task's examples back is a real failure, as is any
    /// failure of a test the model did not write, and one that held on the code as the attempt
    /// found it (a regression, [`regression`]). When the answer writes only tests, of code the
    /// task says not to change, any failing statement the answer added to a test is taken out:
    /// the code is right by the task's word.
    async fn run_tests_without_guesses(
        &self,
        work: &Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
        let protected_code = work.tests_of_protected_code();
        for _ in 0..MAX_GUESSES_TAKEN_OUT {
            let output = match self.run_tests(work).await {
                Err(AttemptError::Tests(output)) if work.generated_test || protected_code => output,
                other => return other,
            };
            if protected_code && self.take_out_failing_cases(work, &output).await? {
                continue;
            }
            let candidates: Vec<&str> = if protected_code {
                work.written
                    .iter()
                    .filter(|f| is_test_file(f))
                    .map(String::as_str)
                    .collect()
            } else {
                work.own_tests().collect()
            };
            let guess = candidates.into_iter().find_map(|path| {
                let failure = first_failure(&output, path)?;
                let source = nightshift_workspace::read_text(&self.worktree, path)?;
                let statement = failing_statement(Language::of(path)?, &source, failure.line)?;
                // Only what this attempt wrote: the repository's own tests stand.
                let added = work
                    .tests
                    .original(path)
                    .is_none_or(|before| !before.contains(statement.text.trim()));
                let guessed =
                    protected_code || !backed_by_task(&statement.text, &self.task.description);
                (added && guessed).then(|| (path.to_owned(), failure, statement))
            });
            let Some((path, failure, statement)) = guess else {
                return Err(AttemptError::Tests(output));
            };
            if !protected_code && self.held_before(work, &path, &failure).await? {
                let broke = format!(
                    "`{}` (line {} of {path}) held on the code as it was before your change, and \
                     fails now: your change broke what it checks.",
                    statement.text.trim(),
                    failure.line
                );
                self.log(LogLevel::Error, "check", broke.clone()).await;
                return Err(AttemptError::Tests(format!("{output}\n{broke}")));
            }
            self.rewrite(&path, statement.without)?;
            let why = if protected_code {
                let protected: Vec<&str> = work.protected.paths().collect();
                format!(
                    "as the task says not to change {} and the code disagrees with it",
                    protected.join(", ")
                )
            } else {
                "as a guess of the model's that the code disagrees with and no example of the \
                 task backs"
                    .to_owned()
            };
            self.log(
                LogLevel::Info,
                "check",
                format!("took out of {path}, {why}:\n{}", statement.text),
            )
            .await;
        }
        self.run_tests(work).await
    }

    /// For tests of code the task says not to change: takes the failing rows of a parametrized
    /// test out of it (`nightshift_lang::without_cases`), so the rows that hold keep checking
    /// the code — taking out the one `assert` they share would take them all. Whether any went.
    async fn take_out_failing_cases(
        &self,
        work: &Work,
        output: &str,
    ) -> Result<bool, AttemptError> {
        let tests: Vec<&String> = work.written.iter().filter(|f| is_test_file(f)).collect();
        for path in tests {
            for (function, ids) in regression::failing_cases(output, path) {
                let Some(source) = nightshift_workspace::read_text(&self.worktree, path) else {
                    continue;
                };
                let Some(cases) = without_cases(&source, function, &ids) else {
                    continue;
                };
                self.rewrite(path, cases.without)?;
                let protected: Vec<&str> = work.protected.paths().collect();
                self.log(
                    LogLevel::Info,
                    "check",
                    format!(
                        "took out of {path} the cases of {function} that fail, as the task says                          not to change {} and the code disagrees with them:\n{}",
                        protected.join(", "),
                        cases.removed.join("\n")
                    ),
                )
                .await;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether the statement of the model's test that `failure` points at held on the code as
    /// the attempt found it ([`regression::held_before`]): then the answer broke it, and it is
    /// no guess to take out.
    async fn held_before(
        &self,
        work: &Work,
        test: &str,
        failure: &Failure,
    ) -> Result<bool, AttemptError> {
        let pytest = check::test_commands(
            &self.worktree,
            &work.files(),
            &self.settings.python,
            &self.settings.test_command,
        )
        .into_iter()
        .find(|command| command.name == "pytest");
        let Some(pytest) = pytest else {
            return Ok(false);
        };
        let code = OriginalCode {
            baseline: &work.code,
            base_files: &work.base_files,
            written: &work.written,
        };
        Ok(regression::held_before(
            &self.settings.sandbox,
            &pytest,
            &self.worktree,
            &code,
            test,
            failure,
            self.settings.test_timeout,
        )
        .await?)
    }

    /// Fits the tests the model wrote for the task to it, and logs what changed:
    /// - a Python test loses whatever checks only code the task does not name
    ///   (`nightshift_lang::narrow_test`): a small model tests every function of the module and
    ///   gets the untouched ones wrong often enough to fail correct work;
    /// - a Rust integration test written as a unit-test module (`use super::*;`) is pointed at
    ///   the crate (`nightshift_lang::reroot_integration_test`), or it could not see the code.
    async fn fit_own_tests(&self, work: &Work) -> Result<(), AttemptError> {
        let sources: Vec<String> = if work.own_tests().any(check::is_python) {
            work.written
                .iter()
                .filter(|f| check::is_python(f) && !is_test_file(f))
                .cloned()
                .collect()
        } else {
            Vec::new() // nothing to narrow: no need to map the sources
        };
        let mapped = repo_map::map(&self.worktree, &sources);
        let (named, others) = repo_map::named_symbols(&mapped, &self.task.description);
        let krate = check::crate_name(&self.worktree);
        for path in work.own_tests() {
            let Some(source) = nightshift_workspace::read_text(&self.worktree, path) else {
                continue;
            };
            let fitted = match Language::of(path) {
                Some(Language::Python) => narrow_test(Language::Python, &source, &named, &others)
                    .map(|narrowed| {
                        let note = format!(
                            "left out of {path}, as checking only code the task does not name:\n{}",
                            narrowed.removed.join("\n")
                        );
                        (narrowed.source, note)
                    }),
                Some(Language::Rust) => krate.as_deref().and_then(|krate| {
                    let rerooted = reroot_integration_test(&source, krate)?;
                    let note = format!(
                        "pointed {path} at the crate {krate}, as an integration test is a crate \
                         of its own:\n{}",
                        rerooted.changed.join("\n")
                    );
                    Some((rerooted.source, note))
                }),
                _ => None,
            };
            let Some((content, note)) = fitted else {
                continue;
            };
            self.rewrite(path, content)?;
            self.log(LogLevel::Info, "check", note).await;
        }
        Ok(())
    }

    /// Runs the project's test commands on exactly the tree a commit would hold — the commit
    /// as it is plus the files written, everything else put back first — and puts back again
    /// what the runs changed besides. A run that changes a written file fails: what was checked
    /// must be what is committed. Returns the names of the commands that passed.
    async fn run_tests(&self, work: &Work) -> Result<Vec<&'static str>, AttemptError> {
        self.repo.tidy(&self.worktree, &work.written).await?;
        let before = self.snapshot(&work.written);
        let result = self.run_test_commands(work).await;
        let after = self.snapshot(&work.written);
        let changed: Vec<&str> = work
            .written
            .iter()
            .zip(after.iter().zip(&before))
            .filter(|(_, (after, before))| after != before)
            .map(|(path, _)| path.as_str())
            .collect();
        self.repo.tidy(&self.worktree, &work.written).await?;
        if !changed.is_empty() {
            let reason = format!(
                "the test run changed {}: tests must not change the files they check",
                changed.join(", ")
            );
            self.log(LogLevel::Error, "check", reason.clone()).await;
            return Err(AttemptError::Tests(reason));
        }
        result
    }

    /// The state of each of `files`, to compare across a run.
    fn snapshot(&self, files: &[String]) -> Vec<FileState> {
        let workspace = nightshift_workspace::Workspace::open(&self.worktree);
        files
            .iter()
            .map(|path| match &workspace {
                Ok(workspace) => workspace.read_bytes(path).map_err(|err| err.to_string()),
                Err(err) => Err(err.to_string()),
            })
            .collect()
    }

    async fn run_test_commands(&self, work: &Work) -> Result<Vec<&'static str>, AttemptError> {
        let commands = check::test_commands(
            &self.worktree,
            &work.files(),
            &self.settings.python,
            &self.settings.test_command,
        );
        let mut passed = Vec::new();
        for command in commands {
            let run = check::run_tests(
                &self.settings.sandbox,
                &command,
                &self.worktree,
                self.settings.test_timeout,
            )
            .await?;
            if !run.success() {
                self.log(
                    LogLevel::Error,
                    "check",
                    format!("{} failed:\n{}", command.name, run.output),
                )
                .await;
                return Err(AttemptError::Tests(excerpt(&format!(
                    "{}:\n{}",
                    command.name, run.output
                ))));
            }
            self.log(
                LogLevel::Info,
                "check",
                format!("{} passed: {}", command.name, last_line(&run.output)),
            )
            .await;
            passed.push(command.name);
        }
        Ok(passed)
    }

    fn commit_message(&self, checks: &[&str], author: &str, rounds: u32) -> String {
        let first_line = self
            .task
            .description
            .lines()
            .next()
            .unwrap_or_default()
            .trim();
        let subject: String = if first_line.chars().count() > 72 {
            first_line.chars().take(71).chain(['…']).collect()
        } else {
            first_line.to_owned()
        };
        format!(
            "{subject}\n\n{}\n\n{}\nNightshift-Model: {author}\nNightshift-Attempt: {}\nNightshift-Rounds: {rounds}\nNightshift-Checks: {}\n",
            quoted_trailers(self.task.description.trim()),
            self.repo.trailers(self.task.id),
            self.attempt,
            checks.join(", ")
        )
    }
}

/// `text` with every line that looks like a git trailer (`Key: value`) quoted with `> `, so a
/// task's description in a commit body can never be read as the commit's own trailers.
fn quoted_trailers(text: &str) -> String {
    text.lines()
        .map(|line| {
            let looks_like_trailer = line.split_once(':').is_some_and(|(key, _)| {
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            if looks_like_trailer {
                format!("> {line}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The model's first answer to the task — the reply to the first request of the first attempt
/// — as the task's log (`EventLog::logs`) keeps it. The eval harness scores it on its own, to
/// measure what the checks and the repair rounds add to it.
pub fn first_answer(log: &[LogEntry]) -> Option<&str> {
    let prefix = format!("{} reply from ", Purpose::Code.as_str());
    log.iter()
        .filter(|entry| entry.event == REPLY_EVENT && entry.attempt == Some(1))
        .find(|entry| entry.message.starts_with(&prefix))
        .and_then(|entry| entry.message.split_once('\n'))
        .map(|(_, text)| text)
}

/// Temperature and seed of a request in `round` of `attempt`: the first answer is the model's
/// most likely one (greedy); every later request samples, with a seed of its own, because a
/// repair or a retry decoded greedily tends to give back the answer that just failed.
fn sampling(attempt: u32, round: u32) -> (f32, u32) {
    if attempt <= 1 && round <= 1 {
        (0.0, 0)
    } else {
        (
            RETRY_TEMPERATURE,
            attempt.saturating_mul(1_000).saturating_add(round),
        )
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_answer_is_greedy() {
        assert_eq!(sampling(1, 1), (0.0, 0));
        let later = [
            sampling(1, 2),
            sampling(1, 3),
            sampling(2, 1),
            sampling(2, 2),
        ];
        assert!(later.iter().all(|&(t, _)| t == RETRY_TEMPERATURE));
        let mut seeds: Vec<u32> = later.iter().map(|&(_, s)| s).collect();
        seeds.dedup();
        assert_eq!(seeds.len(), later.len(), "each request has its own seed");
    }

    #[test]
    fn a_failing_test_the_model_wrote_is_named_as_possibly_wrong() {
        let mut work = Work {
            base: None,
            base_files: vec!["calc.py".to_owned(), "test_old.py".to_owned()],
            mentioned: Vec::new(),
            written: vec!["calc.py".to_owned(), "test_calc.py".to_owned()],
            author: String::new(),
            generated_test: true,
            tests: TestBaseline::default(),
            code: CodeBaseline::default(),
            protected: Protected::default(),
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("calc.py"),
            "def add(a, b):\n    return a + b\n",
        )
        .unwrap();
        let failing = AttemptError::Tests("assert 0 == -100".to_owned());
        assert!(
            !work
                .explain(&failing)
                .contains("The task says not to change")
        );
        work.protected = Protected::read(dir.path(), "Test it. Do not change `calc.py`.");
        assert!(
            work.explain(&failing).ends_with(
                "The task says not to change calc.py: where a test disagrees with it, the test \
                 is wrong. Correct the test."
            ),
            "{}",
            work.explain(&failing)
        );
        work.protected = Protected::default();
        let told = work.explain(&failing);
        assert!(
            told.starts_with("tests failed:\nassert 0 == -100"),
            "{told}"
        );
        assert!(
            told.contains("test_calc.py is the test you wrote for this task"),
            "{told}"
        );
        assert!(!told.contains("test_old.py"), "{told}");
        let syntax = AttemptError::Syntax("calc.py:1:1: invalid syntax".to_owned());
        assert!(!work.explain(&syntax).contains("you wrote"));
        work.generated_test = false;
        assert!(!work.explain(&failing).contains("you wrote"));
    }
}
