//! What an attempt has done so far, across its rounds: its starting point, the files the task
//! names and those written, the test written for the task, and the baselines the gates compare
//! against.

use nightshift_lang::Language;

use crate::AttemptError;
use crate::check::is_test_file;
use crate::choice::Held;
use crate::guard::{CodeBaseline, Protected, TestBaseline};

/// What an attempt has done so far, across its rounds.
pub(crate) struct Work {
    /// The commit the worktree's changes sit on (`None`: the repository had no commit).
    pub(crate) base: Option<String>,
    /// Files of the repository at the start.
    pub(crate) base_files: Vec<String>,
    /// Files the task names.
    pub(crate) mentioned: Vec<String>,
    /// Files written, in the order first written.
    pub(crate) written: Vec<String>,
    /// `backend/model` of the last reply.
    pub(crate) author: String,
    /// The test written for the task (its path and content), once it is: kept across rounds,
    /// as it is about the task, not about one answer.
    pub(crate) task_test: Option<(String, String)>,
    /// The tests as the attempt found them.
    pub(crate) tests: TestBaseline,
    /// The definitions of the source files as the attempt found them.
    pub(crate) code: CodeBaseline,
    /// The files the task says not to change, as the attempt found them.
    pub(crate) protected: Protected,
    /// Answers of earlier rounds that nothing refused but none agreed with
    /// ([`crate::choice`]): chosen among beside a later round's.
    pub(crate) held: Vec<Held>,
}

impl Work {
    /// An attempt that has done nothing yet, in a repository of `base_files`, at a task that
    /// names `mentioned`; its baselines are read once the worktree is there.
    pub(crate) fn new(base_files: Vec<String>, mentioned: Vec<String>) -> Self {
        Self {
            base: None,
            base_files,
            mentioned,
            written: Vec::new(),
            author: String::new(),
            task_test: None,
            tests: TestBaseline::default(),
            code: CodeBaseline::default(),
            protected: Protected::default(),
            held: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, files: Vec<String>) {
        for file in files {
            if !self.written.contains(&file) {
                self.written.push(file);
            }
        }
    }

    /// Forgets what the rounds so far wrote, once their files are put back
    /// ([`Repo::discard`]): the next answer starts from the files as the attempt found them.
    pub(crate) fn restart(&mut self) {
        self.written.clear();
    }

    /// Whether a repair round shows `err` to the model ([`AttemptError::is_shown_in_repair`]),
    /// or, where the answer writes only tests, a failing test or tests that vouch for nothing
    /// (the mutants of the code they let through, or no code the task is about changed): the
    /// code is then the truth, and the tests are what must change, so there is no code for the
    /// model to bend to a check — and the bar they failed stays where it was.
    pub(crate) fn shows(&self, err: &AttemptError) -> bool {
        err.is_shown_in_repair()
            || (matches!(err, AttemptError::Tests(_) | AttemptError::Unvouched(_))
                && self.writes_only_tests())
    }

    /// What the model is told of a failure.
    pub(crate) fn explain(&self, err: &AttemptError) -> String {
        let mut text = err.to_string();
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

    /// Whether the answer changes only tests (and files in no language, or that the task says
    /// not to change, which are put back).
    pub(crate) fn writes_only_tests(&self) -> bool {
        let protected: Vec<&str> = self.protected.paths().collect();
        self.written.iter().all(|f| {
            is_test_file(f) || Language::of(f).is_none() || protected.contains(&f.as_str())
        })
    }

    /// The files the task names and those written so far: where a test's missing import may
    /// come from, without reading the whole repository.
    pub(crate) fn named_or_written(&self) -> Vec<String> {
        with_written(&self.mentioned, &self.written)
    }

    /// Every file of the worktree: the repository's and the new ones.
    pub(crate) fn files(&self) -> Vec<String> {
        with_written(&self.base_files, &self.written)
    }
}

/// `files`, then those of `written` not among them.
fn with_written(files: &[String], written: &[String]) -> Vec<String> {
    let mut all = files.to_vec();
    all.extend(written.iter().filter(|f| !files.contains(f)).cloned());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_failing_on_code_the_task_protects_is_named_as_the_one_to_correct() {
        let mut work = Work::new(
            vec!["calc.py".to_owned(), "test_old.py".to_owned()],
            Vec::new(),
        );
        work.written = vec!["test_calc.py".to_owned()];
        let dir = crate::testing::tree(&[("calc.py", "def add(a, b):\n    return a + b\n")]);
        let failing = AttemptError::Tests("assert 0 == -100".to_owned());
        assert_eq!(work.explain(&failing), failing.to_string());
        work.protected = Protected::read(dir.path(), "Test it. Do not change `calc.py`.");
        assert!(
            work.explain(&failing).ends_with(
                "The task says not to change calc.py: where a test disagrees with it, the test \
                 is wrong. Correct the test."
            ),
            "{}",
            work.explain(&failing)
        );
        let syntax = AttemptError::Syntax("calc.py:1:1: invalid syntax".to_owned());
        assert_eq!(work.explain(&syntax), syntax.to_string());
    }
}
