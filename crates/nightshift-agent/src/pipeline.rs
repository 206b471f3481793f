//! The gates every candidate answer passes on its own: one ordered table of passes,
//! [`PIPELINE`], each of which holds, mends (a list of file changes, written by the runner
//! through the one writer, [`apply::write`]), or refuses the answer with a reason. The runner,
//! `Attempt::gate`, logs every verdict under the event `pass` and collects the checks that
//! held for the commit's `Nightshift-Checks` trailer. No pass takes anything out of a test:
//! a test that fails refuses the answer. [`crate::choice`] then chooses among the answers that
//! pass by how they behave.

use nightshift_lang::{
    Language, import_missing, listed_items, special_cased, stated_examples, symbols,
    unchecked_examples, without_broken_lines,
};
use nightshift_store::{EventLog, LogLevel, ModelStatsLog, TaskQueue};

use crate::apply::{self, FileChange};
use crate::attempt::{Attempt, AttemptError, FileState, SYNTAX_TIMEOUT, excerpt, last_line};
use crate::check::{self, asks_for_tests, is_test_file};
use crate::contract;
use crate::guard;
use crate::guard::test_cases;
use crate::reply;
use crate::work::Work;

/// One step of the gates, in the order of [`PIPELINE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The reply's edits, pointed at the files the task means (a test's twin, a named file in
    /// another directory, a file of the same name in the language written), less files the task
    /// does not ask for that are not code, new empty files, the prompt's worked example, code
    /// foreign to the repository and Rust files no build compiles, and written.
    Edits,
    /// Imports a test uses without them: `pytest`, Node's runner, names of the code it calls.
    TestImports,
    /// Files the task says not to change, put back as they were.
    ProtectedFiles,
    /// Refuses an answer that leaves every file as it was.
    SomeChange,
    /// Puts back top-level definitions an answer left out (a source file's own test module
    /// among them); refuses one that deletes a definition the task does not name.
    DefinitionsKept,
    /// Refuses an answer that deletes, skips or weakens the project's tests (their edit undone).
    TestsIntact,
    /// Refuses an answer that takes away a definition (renamed, moved, deleted as asked) that
    /// another file still uses.
    CallersUpdated,
    /// Refuses files that do not parse, or call names they never bind.
    Syntax,
    /// Refuses an answer that does not define what the task asks for by name, where it asks.
    AskedDefinitions,
    /// Refuses a new definition whose body is that of one the file already has, unchanged: the
    /// task asks for what the code does not do yet.
    NoCopiedDefinitions,
    /// Refuses code that compares with an argument of an example the task states: an answer
    /// bent to the example, not the rule.
    NoSpecialCases,
    /// Replaces a test's own copy of the code by an import of the code.
    CopiesImported,
    /// The project's test commands, the answer's own new tests among them, whole.
    ProjectTests,
    /// Refuses tests asked for that leave an example the task spells out unchecked, or that
    /// check what it lists in fewer test cases than it lists things.
    TestsCoverTask,
}

/// The gates, in order.
pub const PIPELINE: [Pass; 14] = [
    Pass::Edits,
    Pass::TestImports,
    Pass::ProtectedFiles,
    Pass::SomeChange,
    Pass::DefinitionsKept,
    Pass::TestsIntact,
    Pass::CallersUpdated,
    Pass::Syntax,
    Pass::AskedDefinitions,
    Pass::NoCopiedDefinitions,
    Pass::NoSpecialCases,
    Pass::CopiesImported,
    Pass::ProjectTests,
    Pass::TestsCoverTask,
];

impl Pass {
    /// Its name in logs and in the documentation's table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Edits => "edits",
            Self::TestImports => "test-imports",
            Self::ProtectedFiles => "protected-files",
            Self::SomeChange => "some-change",
            Self::TestsIntact => "tests-intact",
            Self::DefinitionsKept => "definitions-kept",
            Self::CallersUpdated => "callers-updated",
            Self::Syntax => "syntax",
            Self::AskedDefinitions => "asked-definitions",
            Self::NoCopiedDefinitions => "no-copied-definitions",
            Self::NoSpecialCases => "no-special-cases",
            Self::CopiesImported => "copies-imported",
            Self::ProjectTests => "project-tests",
            Self::TestsCoverTask => "tests-cover-task",
        }
    }
}

/// What a pass says of an answer.
#[derive(Debug)]
pub enum Verdict {
    /// The answer passes it; the checks to name in the commit's trailer (none for a pass that
    /// only looks).
    Held(Vec<&'static str>),
    /// Nothing for the pass to look at here.
    Idle,
    /// The pass changes files (each change with its note); the answer goes on.
    Mended(Vec<(FileChange, String)>),
    /// The answer is refused; `undo` puts back what it must not have changed.
    Refused {
        /// Why.
        reason: AttemptError,
        /// Files put back before the refusal stands.
        undo: Vec<FileChange>,
    },
}

impl Verdict {
    fn refused(reason: AttemptError) -> Self {
        Self::Refused {
            reason,
            undo: Vec::new(),
        }
    }

    /// `Held` with `check` named if `ran`, else `Idle`.
    fn held_if(ran: bool, check: &'static str) -> Self {
        if ran {
            Self::Held(vec![check])
        } else {
            Self::Idle
        }
    }
}

impl<S: EventLog + ModelStatsLog + TaskQueue> Attempt<'_, S> {
    /// Runs the answer `reply` through [`PIPELINE`], from the files as the round found them;
    /// the checks that held, for the commit's trailer.
    pub(crate) async fn gate(
        &self,
        reply: &str,
        work: &mut Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
        let mut checks = Vec::new();
        for pass in PIPELINE {
            match self.judge(pass, reply, work).await? {
                Verdict::Held(names) => checks.extend(names),
                Verdict::Idle => {}
                Verdict::Mended(changes) => self.mend(pass, changes, work).await?,
                Verdict::Refused { reason, undo } => {
                    apply::write(&self.worktree, &undo)?;
                    self.log(
                        LogLevel::Error,
                        "pass",
                        format!("{}: refused: {reason}", pass.name()),
                    )
                    .await;
                    return Err(reason);
                }
            }
        }
        Ok(checks)
    }

    /// Writes `changes` through the one writer and adds them to what the answer wrote; logs
    /// each note under `pass`.
    pub(crate) async fn mend(
        &self,
        pass: Pass,
        changes: Vec<(FileChange, String)>,
        work: &mut Work,
    ) -> Result<(), AttemptError> {
        work.add(self.write_mends(pass.name(), changes).await?);
        Ok(())
    }

    /// Writes `changes` through the one writer, all or none, and logs each note under the
    /// event `pass`, headed by `label`; the paths written.
    pub(crate) async fn write_mends(
        &self,
        label: &str,
        changes: Vec<(FileChange, String)>,
    ) -> Result<Vec<String>, AttemptError> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let files: Vec<FileChange> = changes.iter().map(|(change, _)| change.clone()).collect();
        let written = apply::write(&self.worktree, &files)?;
        for (_, note) in changes.into_iter().filter(|(_, note)| !note.is_empty()) {
            self.log(LogLevel::Info, "pass", format!("{label}: {note}"))
                .await;
        }
        Ok(written)
    }

    /// One pass's verdict on the answer as the worktree now holds it.
    async fn judge(&self, pass: Pass, reply: &str, work: &Work) -> Result<Verdict, AttemptError> {
        let task = self.task.description.as_str();
        Ok(match pass {
            Pass::Edits => match self.edits(reply, work) {
                Ok(changes) => Verdict::Mended(changes),
                Err(err) => Verdict::refused(err),
            },
            Pass::TestImports => {
                Verdict::Mended(self.import_mends(&work.written, &work.named_or_written()))
            }
            Pass::ProtectedFiles => {
                Verdict::Mended(work.protected.restore(&self.worktree, &work.written))
            }
            Pass::SomeChange => {
                if self.repo.changed(&self.worktree, &work.written).await? {
                    Verdict::Held(Vec::new())
                } else {
                    Verdict::refused(AttemptError::NoChange)
                }
            }
            Pass::TestsIntact => match work.tests.verify(&self.worktree) {
                Ok(()) => Verdict::Held(vec!["tests-intact"]),
                Err((reason, undo)) => Verdict::Refused {
                    reason: AttemptError::TestIntegrity(reason),
                    undo,
                },
            },
            Pass::DefinitionsKept => match work.code.verify(&self.worktree, &work.written, task) {
                Ok(changes) => Verdict::Mended(changes),
                Err(reason) => Verdict::refused(AttemptError::RemovedCode(reason)),
            },
            Pass::CallersUpdated => {
                let mut files = work.base_files.clone();
                files.extend(work.written.iter().cloned());
                files.sort();
                files.dedup();
                let left = work
                    .code
                    .callers_left(&self.worktree, &work.written, &files);
                if left.is_empty() {
                    Verdict::Idle
                } else {
                    Verdict::refused(AttemptError::Unmet(format!(
                        "{}\nUpdate each of these to what the code is now called, or where it \
                         now is.",
                        left.join("\n")
                    )))
                }
            }
            Pass::Syntax => match self.check_syntax(&work.written).await {
                Ok(()) => Verdict::Held(vec!["syntax"]),
                Err(err @ AttemptError::Syntax(_)) => Verdict::refused(err),
                Err(err) => return Err(err),
            },
            Pass::AskedDefinitions => match self.unmet(work) {
                None => Verdict::held_if(
                    !nightshift_lang::asked_definitions(task).is_empty(),
                    "asked-definitions",
                ),
                Some(reason) => Verdict::refused(AttemptError::Unmet(reason)),
            },
            Pass::NoCopiedDefinitions => match self.copied_definitions(work) {
                None => Verdict::Idle,
                Some(reason) => Verdict::refused(AttemptError::Unmet(reason)),
            },
            Pass::NoSpecialCases => match self.special_cases(work) {
                None => Verdict::Idle,
                Some(reason) => Verdict::refused(AttemptError::Unmet(reason)),
            },
            Pass::CopiesImported => Verdict::Mended(
                work.code
                    .import_instead_of_copies(&self.worktree, &work.written),
            ),
            Pass::ProjectTests => match self.run_tests(work).await {
                Ok(ran) => Verdict::Held(ran),
                Err(err) if err.is_failed_run() => Verdict::refused(err),
                Err(err) => return Err(err),
            },
            Pass::TestsCoverTask => match self.tests_short_of_task(work) {
                Ok(checked) => Verdict::held_if(checked, "tests-cover-task"),
                Err(reason) => Verdict::refused(AttemptError::Unmet(reason)),
            },
        })
    }

    /// The files the reply's edits write, with their new contents and a note: the edits found
    /// in it, pointed at the files the task means, search blocks placed.
    fn edits(&self, reply: &str, work: &Work) -> Result<Vec<(FileChange, String)>, AttemptError> {
        let mut edits = reply::parse(reply, &work.mentioned).inspect_err(|err| {
            tracing::info!(task_id = self.task.id, %err, "reply without edits");
        })?;
        let mut notes = guard::onto_test_twins(&self.worktree, &work.base_files, &mut edits);
        notes.extend(guard::onto_named_files(
            &work.base_files,
            &work.mentioned,
            &mut edits,
        ));
        notes.extend(guard::onto_language_twins(&work.base_files, &mut edits));
        let mut left_out = guard::unasked_files(
            &work.base_files,
            &self.task.description,
            &work.mentioned,
            &mut edits,
        );
        let mut files = apply::contents(&self.worktree, &edits)?;
        left_out.extend(guard::unbuilt_rust(&work.base_files, &mut files, |path| {
            nightshift_workspace::read_text(&self.worktree, path)
        }));
        if files.is_empty() {
            return Err(reply::ReplyError::NothingLands(left_out.join("; ")).into());
        }
        notes.extend(left_out);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        notes.insert(0, format!("wrote {}", paths.join(", ")));
        let note = notes.join("\n");
        Ok(files
            .into_iter()
            .enumerate()
            .map(|(i, change)| (change, if i == 0 { note.clone() } else { String::new() }))
            .collect())
    }

    /// The source files the answer wrote (tests aside) in a language nightshift parses: each
    /// path, its language, what it held before the answer ("" if new) and what it holds now.
    fn written_code<'w>(
        &self,
        work: &'w Work,
    ) -> impl Iterator<Item = (&'w String, Language, &'w str, String)> {
        work.written
            .iter()
            .filter(|path| !is_test_file(path))
            .filter_map(move |path| {
                let language = Language::of(path)?;
                let after = nightshift_workspace::read_text(&self.worktree, path)?;
                Some((
                    path,
                    language,
                    work.code.original(path).unwrap_or_default(),
                    after,
                ))
            })
    }

    /// Where a definition the answer adds has the body of one its file already had and still
    /// has ([`nightshift_lang::copied_definitions`]): what the model is told.
    fn copied_definitions(&self, work: &Work) -> Option<String> {
        let copies: Vec<String> = self
            .written_code(work)
            .flat_map(|(path, language, before, after)| {
                nightshift_lang::copied_definitions(language, before, &after)
                    .into_iter()
                    .map(move |(new, copied)| {
                        format!(
                            "{path}: `{new}` is a copy of `{copied}`, which the file already \
                             has: the same body does what `{copied}` does, not what the task \
                             asks of `{new}`. Write `{new}` for what the task asks (where it is \
                             to do what `{copied}` does, call `{copied}`)."
                        )
                    })
            })
            .collect();
        (!copies.is_empty()).then(|| copies.join("\n"))
    }

    /// Where the code the answer wrote compares something with an argument of an example the
    /// task states ([`nightshift_lang::special_cased`]): what the model is told.
    fn special_cases(&self, work: &Work) -> Option<String> {
        let examples = stated_examples(&self.task.description);
        if examples.is_empty() {
            return None;
        }
        self.written_code(work)
            .find_map(|(path, _, before, after)| {
                let (line, argument) =
                    special_cased(&self.task.description, &examples, before, &after)?;
                Some(format!(
                    "{path} compares with `{argument}`, an argument of an example the task \
                     states, on the line `{line}`: the code must do what the task asks for every \
                     input, not answer its examples one by one"
                ))
            })
    }

    /// Takes out of `tests`, written by the model for the task, the assert lines that break
    /// their syntax on their own ([`nightshift_lang::without_broken_lines`]): a value copied
    /// from the task as `1.666...`, a reply cut short mid-assert. Such a line never ran, so it
    /// checked nothing; what is left of the test still has to pass whole to land.
    pub(crate) fn broken_line_mends(&self, tests: &[String]) -> Vec<(FileChange, String)> {
        tests
            .iter()
            .filter_map(|test| {
                let language = Language::of(test)?;
                let mended = nightshift_workspace::read_text(&self.worktree, test)
                    .and_then(|source| without_broken_lines(language, &source))?;
                let note = format!(
                    "took out of {test}, lines of the test written for the task that do not parse on their own:\n{}",
                    mended.removed.join("\n")
                );
                Some((FileChange::new(test, mended.source), note))
            })
            .collect()
    }

    /// The imports the Python and JavaScript tests among `tests` use without them: `import
    /// pytest` ([`check::with_pytest_import`]), `from module import name` for what a test calls
    /// that a module among `files` defines at its top level ([`nightshift_lang::import_missing`]),
    /// Node's `test` and `assert` as they exist ([`check::with_node_test_imports`]). Each slip
    /// fails the test whatever the code does.
    pub(crate) fn import_mends(
        &self,
        tests: &[String],
        files: &[String],
    ) -> Vec<(FileChange, String)> {
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
        let mut changes = Vec::new();
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
            if content != original {
                let note = format!(
                    "{test}: mended its imports: {}, which it uses without importing them",
                    added.join(" and ")
                );
                changes.push((FileChange::new(test, content), note));
            }
        }
        changes
    }

    /// [`AttemptError::Syntax`] unless every one of `files` parses ([`check::syntax`]).
    pub(crate) async fn check_syntax(&self, files: &[String]) -> Result<(), AttemptError> {
        let verdict = check::syntax(
            &self.settings.sandbox,
            &self.settings.python,
            &self.worktree,
            files,
            SYNTAX_TIMEOUT,
        )
        .await?;
        if let Err(errors) = verdict {
            return Err(AttemptError::Syntax(excerpt(&errors)));
        }
        Ok(())
    }

    /// What the task asks for by name that the code does not define where it asks
    /// ([`contract::unmet`]); `None` when nothing is missing (or nothing is asked).
    fn unmet(&self, work: &Work) -> Option<String> {
        let asked = nightshift_lang::asked_definitions(&self.task.description);
        if asked.is_empty() {
            return None;
        }
        let sources: Vec<String> = work
            .files()
            .into_iter()
            .filter(|f| !is_test_file(f))
            .collect();
        let unmet = contract::unmet(&self.worktree, &sources, &asked);
        (!unmet.is_empty()).then(|| unmet.join("\n"))
    }

    /// When the answer writes only tests, as the task asks: `Ok(true)` if they check each
    /// example the task spells out ([`nightshift_lang::unchecked_examples`]) and add a test case
    /// for each thing it lists ([`nightshift_lang::listed_items`]); `Err` says what they miss.
    /// `Ok(false)`: nothing to check (the answer writes code, or the task spells out no example
    /// and lists nothing).
    fn tests_short_of_task(&self, work: &Work) -> Result<bool, String> {
        let task = self.task.description.as_str();
        let listed = listed_items(task);
        if !work.writes_only_tests()
            || !asks_for_tests(task)
            || (listed < 2 && unchecked_examples(task, &[]).is_empty())
        {
            return Ok(false);
        }
        let written: Vec<(&String, String)> = work
            .written
            .iter()
            .filter(|f| is_test_file(f))
            .filter_map(|f| Some((f, nightshift_workspace::read_text(&self.worktree, f)?)))
            .collect();
        let tests: Vec<&str> = written.iter().map(|(_, text)| text.as_str()).collect();
        let mut unmet = Vec::new();
        let missing = unchecked_examples(task, &tests);
        if !missing.is_empty() {
            unmet.push(format!(
                "The task asks the tests to check {}, but none of the tests does. Add a test for \
                 each (with the values the task gives).",
                missing
                    .iter()
                    .map(|example| format!("`{example}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // Cases a parametrized test generates are not counted by reading it: it is let be.
        let added: usize = written
            .iter()
            .map(|(path, text)| {
                let before = work
                    .tests
                    .original(path)
                    .map_or(0, |was| test_cases(path, was));
                test_cases(path, text).saturating_sub(before)
            })
            .sum();
        if listed >= 2 && added < listed && !tests.iter().any(|text| text.contains("parametrize")) {
            unmet.push(format!(
                "The task lists {listed} things for the tests to cover, and the tests add {added} \
                 test case{}. Write one test function for each thing listed, named for it, so \
                 that a failure says which one broke.",
                if added == 1 { "" } else { "s" }
            ));
        }
        if unmet.is_empty() {
            Ok(true)
        } else {
            Err(unmet.join("\n"))
        }
    }

    /// Runs the project's test commands on exactly the tree a commit would hold — the commit
    /// as it is plus the files written, everything else put back first — and puts back again
    /// what the runs changed besides. A run that changes a written file fails: what was checked
    /// must be what is committed. Returns the names of the commands that passed.
    pub(crate) async fn run_tests(&self, work: &Work) -> Result<Vec<&'static str>, AttemptError> {
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
    pub(crate) fn snapshot(&self, files: &[String]) -> Vec<FileState> {
        let workspace = nightshift_workspace::Workspace::open(&self.worktree);
        files
            .iter()
            .map(|path| match &workspace {
                Ok(workspace) => workspace.read_bytes(path).map_err(|err| err.to_string()),
                Err(err) => Err(err.to_string()),
            })
            .collect()
    }

    pub(crate) async fn run_test_commands(
        &self,
        work: &Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
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
                let failure = excerpt(&format!("{}:\n{}", command.name, run.output));
                return Err(if (command.build_failed)(&run.output) {
                    AttemptError::Build(failure)
                } else {
                    AttemptError::Tests(failure)
                });
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of passes in docs/ARCHITECTURE.md is the pipeline, in order.
    #[test]
    fn the_documented_pass_table_is_the_pipeline() {
        let doc = include_str!("../../../docs/ARCHITECTURE.md");
        let documented: Vec<&str> = doc
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("| `"))
            .filter_map(|rest| rest.split_once("` | pass |"))
            .map(|(name, _)| name)
            .collect();
        let code: Vec<&str> = PIPELINE.iter().map(|pass| pass.name()).collect();
        assert_eq!(documented, code);
    }
}
