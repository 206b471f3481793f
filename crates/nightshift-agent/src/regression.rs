//! Telling a fault the answer brought in from a wrong guess of the model's.
//!
//! A failing assert of the test the model wrote for its task is one of two things: a value the
//! model guessed wrong, or a fault of the code. Taken out as a guess, an assert that caught a real
//! fault lets wrong code land. Run against the code as the attempt found it, the two part: an
//! assert that held there and fails now checks behaviour the answer broke — a regression, which
//! goes back to the model. One that failed there too, or could not run there (the function is
//! new), tells nothing either way.

use std::path::Path;
use std::time::Duration;

use nightshift_lang::{Language, failing_statement};
use nightshift_sandbox::Sandbox;
use nightshift_workspace::Workspace;

use crate::check::{self, TestCommand, is_test_file};
use crate::guard::CodeBaseline;

/// Where a test failed: the line of the test file and the test function it is in, from the
/// first frame pytest reports in that file (`test_x.py:11: in test_clamp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 1-based line in the test file.
    pub line: usize,
    /// The test function.
    pub function: String,
}

/// The first failure pytest's `--tb=short` output reports in `path`; `None` if it reports none
/// there, or only one at module level (a collection error: no test ran).
pub fn first_failure(output: &str, path: &str) -> Option<Failure> {
    failures(output, path).next()
}

/// The parametrized cases of `path` that pytest's summary reports failing, by test function:
/// `FAILED test_fizzbuzz.py::test_fizzbuzz[6-6] - …` gives `("test_fizzbuzz", ["6-6"])`.
pub fn failing_cases<'a>(output: &'a str, path: &str) -> Vec<(&'a str, Vec<&'a str>)> {
    let prefix = format!("FAILED {path}::");
    let mut found: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in output.lines() {
        let Some(test) = line.strip_prefix(prefix.as_str()) else {
            continue;
        };
        let test = test.split(" - ").next().unwrap_or(test).trim_end();
        let test = test.rsplit("::").next().unwrap_or(test);
        let Some((function, id)) = test.strip_suffix(']').and_then(|t| t.split_once('[')) else {
            continue;
        };
        match found.iter_mut().find(|(f, _)| *f == function) {
            Some((_, ids)) => ids.push(id),
            None => found.push((function, vec![id])),
        }
    }
    found
}

/// Every frame the output reports in `path` that is inside a test, in order: pytest's
/// (`test_x.py:11: in test_clamp`), and those of the stacks in Node's TAP output
/// (`TestContext.<anonymous> (file:///…/src/x.test.js:21:10)`, under `not ok 4 - caps`: the
/// test is the name `not ok` gives).
fn failures<'a>(output: &'a str, path: &'a str) -> impl Iterator<Item = Failure> + 'a {
    let node_frame = format!("/{path}:");
    let mut node_test: Option<&'a str> = None;
    output.lines().filter_map(move |line| {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("not ok ") {
            node_test = rest.split_once(" - ").map(|(_, name)| name.trim());
            return None;
        }
        if let Some(rest) = trimmed.strip_prefix(path).and_then(|r| r.strip_prefix(':')) {
            let (number, rest) = rest.split_once(':')?;
            let function = rest.trim_start().strip_prefix("in ")?.trim();
            return (function != "<module>").then_some(Failure {
                line: number.parse().ok()?,
                function: function.to_owned(),
            });
        }
        let at = line.find(&node_frame)?;
        if !line[..at].contains("file://") {
            return None;
        }
        let (number, _) = line[at + node_frame.len()..].split_once(':')?;
        Some(Failure {
            line: number.parse().ok()?,
            function: node_test?.to_owned(),
        })
    })
}

/// Most statements taken out ahead of the failing one, to run it on the original code alone.
const MAX_AHEAD_TAKEN_OUT: usize = 8;

/// Whether `failure` of the test file `test` would have held on the code as the attempt found
/// it. Its test function is run alone there (`pytest -k`): it held if the function passes, or
/// fails only past the line (the failing statement ran and held). A statement ahead of it that
/// fails there (the task's own example of the bug, say) is taken out of a copy of the test and
/// the function run again, so the statement is judged by itself. `false` when no source file was
/// written, or when the runs tell nothing. The test and the code are as the answer left them
/// afterwards.
pub async fn held_before(
    sandbox: &Sandbox,
    pytest: &TestCommand,
    root: &Path,
    code: &OriginalCode<'_>,
    test: &str,
    failure: &Failure,
    limit: Duration,
) -> std::io::Result<bool> {
    let Some(mut swapped) = code.swap_in(root)? else {
        return Ok(false);
    };
    let workspace = Workspace::open(root)?;
    let Some(mut source) = workspace.read(test)? else {
        return Ok(false);
    };
    swapped.answer.push((test.to_owned(), source.clone()));
    let mut argv = pytest.argv.clone();
    // No bytecode: the files are put back right after, possibly within the second and at the
    // same size, which a cached .pyc of the old code would not notice.
    argv.insert(1, "-B".to_owned());
    argv.extend([test.to_owned(), "-k".to_owned(), failure.function.clone()]);
    let command = TestCommand {
        name: pytest.name,
        argv,
    };
    let mut line = failure.line;
    for _ in 0..=MAX_AHEAD_TAKEN_OUT {
        let run = check::run_tests(sandbox, &command, root, limit).await?;
        let first = match run.code {
            _ if run.timed_out => return Ok(false),
            Some(0) => return Ok(true),
            // Tests failed, none of them collection errors.
            Some(1) => failures(&run.output, test).find(|f| f.function == failure.function),
            _ => return Ok(false),
        };
        let ahead = match first {
            None => return Ok(true), // this function passed; another matching `-k` failed
            Some(f) if f.line > line => return Ok(true),
            Some(f) if f.line == line => return Ok(false),
            Some(f) => f.line,
        };
        let Some(statement) = failing_statement(Language::Python, &source, ahead) else {
            return Ok(false);
        };
        line -= source.lines().count() - statement.without.lines().count();
        source = statement.without;
        workspace.write(test, source.as_bytes())?;
    }
    Ok(false)
}

/// The source files an answer wrote, as the attempt found them.
pub struct OriginalCode<'a> {
    /// The source files of the repository when the attempt began.
    pub baseline: &'a CodeBaseline,
    /// Every file of the repository when the attempt began.
    pub base_files: &'a [String],
    /// The files the answer wrote.
    pub written: &'a [String],
}

impl OriginalCode<'_> {
    /// Puts the original of every source file written back (a new one is moved away) until the
    /// returned guard is dropped, which puts the answer back. `None`: no source file was written.
    fn swap_in(&self, root: &Path) -> std::io::Result<Option<Swapped>> {
        let workspace = Workspace::open(root)?;
        let mut swapped = Swapped {
            workspace: Workspace::open(root)?,
            answer: Vec::new(),
        };
        for path in self.written.iter().filter(|f| !is_test_file(f)) {
            let original = self.baseline.original(path);
            let new = !self.base_files.contains(path);
            if original.is_none() && !(new && Language::of(path).is_some()) {
                continue; // not code nightshift reads
            }
            let Some(answer) = workspace.read(path)? else {
                continue;
            };
            swapped.answer.push((path.clone(), answer));
            match original {
                Some(original) => workspace.write(path, original.as_bytes())?,
                None => workspace.remove(path)?,
            }
        }
        Ok((!swapped.answer.is_empty()).then_some(swapped))
    }
}

/// The answer's files, put back on drop — also when the run is cancelled halfway.
struct Swapped {
    workspace: Workspace,
    /// Path, the answer's content.
    answer: Vec<(String, String)>,
}

impl Drop for Swapped {
    fn drop(&mut self) {
        for (file, content) in &self.answer {
            if let Err(err) = self.workspace.write(file, content.as_bytes()) {
                tracing::error!(
                    "could not put back {file} in {}: {err}",
                    self.workspace.root().display()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use nightshift_sandbox::{Limits, Mode};

    use super::*;

    #[test]
    fn failing_cases_are_read_from_the_summary() {
        let output = "FAILED test_fizzbuzz.py::test_fizzbuzz[6-6] - AssertionError: assert\n\
                      FAILED test_fizzbuzz.py::test_fizzbuzz[14-Buzz] - AssertionError\n\
                      FAILED test_fizzbuzz.py::TestSeq::test_seq[x y-1]\n\
                      FAILED test_fizzbuzz.py::test_plain - assert False\n\
                      FAILED other.py::test_fizzbuzz[1-1] - assert False\n";
        assert_eq!(
            failing_cases(output, "test_fizzbuzz.py"),
            [
                ("test_fizzbuzz", vec!["6-6", "14-Buzz"]),
                ("test_seq", vec!["x y-1"])
            ]
        );
    }

    #[test]
    fn failures_are_read_from_pytest_output_with_their_function() {
        let output = "pytest:\nF   [100%]\n____ test_clamp ____\ntest_mathutils.py:11: in test_clamp\n    assert clamp(0, 10, 0) == 0\nmathutils.py:21: in clamp\n    raise ValueError(\"low\")\n";
        let at = |line, function: &str| Failure {
            line,
            function: function.to_owned(),
        };
        assert_eq!(
            first_failure(output, "test_mathutils.py"),
            Some(at(11, "test_clamp"))
        );
        assert_eq!(first_failure(output, "mathutils.py"), Some(at(21, "clamp")));
        assert_eq!(first_failure(output, "test_other.py"), None);
        let collection = "test_stats.py:2: in <module>\n    from stats import spread\n";
        assert_eq!(first_failure(collection, "test_stats.py"), None);
    }

    #[test]
    fn failures_are_read_from_node_test_output_with_their_test() {
        let output = "npm test:\nTAP version 13\n# Subtest: caps(\"a b\")\nok 1 - caps(\"a b\")\n# Subtest: caps(\"1a\")\nnot ok 2 - caps(\"1a\")\n  ---\n  location: '/w/task-1/src/strings.test.js:20:1'\n  error: |-\n    Expected values to be strictly equal:\n  stack: |-\n    caps (file:///w/task-1/src/strings.js:4:9)\n    TestContext.<anonymous> (file:///w/task-1/src/strings.test.js:21:10)\n    Test.runInAsyncScope (node:async_hooks:206:9)\n  ...\n";
        assert_eq!(
            first_failure(output, "src/strings.test.js"),
            Some(Failure {
                line: 21,
                function: "caps(\"1a\")".to_owned()
            })
        );
        let failed_to_load =
            "not ok 1 - /w/task-1/src/strings.test.js\n# file:///w/task-1/src/strings.test.js:3\n";
        assert_eq!(first_failure(failed_to_load, "src/strings.test.js"), None);
    }

    /// The repository of a bug-fix task, an answer to it, and the model's test for it.
    fn answered(dir: &Path, answer: &str) -> (CodeBaseline, Vec<String>) {
        let original = "def search(items, x):\n    for i in range(len(items) - 1):\n        if items[i] == x:\n            return i\n    return -1\n";
        std::fs::write(dir.join("search.py"), original).unwrap();
        let base_files = vec!["search.py".to_owned()];
        let baseline = CodeBaseline::read(dir, &base_files);
        std::fs::write(dir.join("search.py"), answer).unwrap();
        std::fs::write(
            dir.join("test_search.py"),
            "from search import search\n\n\ndef test_search():\n    assert search([1, 2, 3], 1) == 0\n    assert search([1, 2, 3], 3) == 2\n    assert search([1, 2, 3], 9) == -1\n",
        )
        .unwrap();
        (baseline, base_files)
    }

    async fn verdict(answer: &str) -> (bool, String) {
        let dir = tempfile::tempdir().unwrap();
        let (baseline, base_files) = answered(dir.path(), answer);
        let written = vec!["search.py".to_owned(), "test_search.py".to_owned()];
        let sandbox = Sandbox::detect(Mode::Auto, Limits::default())
            .await
            .unwrap();
        let pytest = check::test_commands(dir.path(), &written, "python3", "")
            .into_iter()
            .find(|c| c.name == "pytest")
            .unwrap();
        let run = check::run_tests(&sandbox, &pytest, dir.path(), Duration::from_secs(60))
            .await
            .unwrap();
        assert!(!run.success(), "{}", run.output);
        let failure = first_failure(&run.output, "test_search.py").unwrap();
        let code = OriginalCode {
            baseline: &baseline,
            base_files: &base_files,
            written: &written,
        };
        let held = held_before(
            &sandbox,
            &pytest,
            dir.path(),
            &code,
            "test_search.py",
            &failure,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
        let now = std::fs::read_to_string(dir.path().join("search.py")).unwrap();
        assert_eq!(now, answer, "the answer is put back after the run");
        let test = std::fs::read_to_string(dir.path().join("test_search.py")).unwrap();
        assert!(test.contains("== -1"), "the test is put back too: {test}");
        (held, format!("{failure:?}"))
    }

    #[tokio::test]
    async fn an_assert_that_held_before_the_answer_and_fails_after_it_is_a_regression() {
        // The answer breaks the first item while it fixes the last: line 5 held on the original.
        let broke = "def search(items, x):\n    for i in range(1, len(items)):\n        if items[i] == x:\n            return i\n    return -1\n";
        let (held, failure) = verdict(broke).await;
        assert!(held, "{failure}");
    }

    #[tokio::test]
    async fn an_assert_behind_one_that_fails_on_the_original_is_judged_by_itself() {
        // The answer fixes the last item and breaks "absent gives -1" (line 7); line 6, the
        // task's example of the bug, fails on the original and is taken out of the copy run there.
        let broke = "def search(items, x):\n    for i in range(len(items)):\n        if items[i] == x:\n            return i\n    return len(items)\n";
        let (held, failure) = verdict(broke).await;
        assert!(held, "{failure}");
        assert!(failure.contains("line: 7"), "{failure}");
    }

    #[tokio::test]
    async fn an_assert_that_failed_before_the_answer_too_is_no_regression() {
        // The answer leaves the bug in and adds nothing: line 6 failed on the original as well.
        let same_bug = "def search(items, x):\n    for i in range(len(items) - 1):\n        if items[i] == x:\n            return i\n    return -1 \n";
        let (held, failure) = verdict(same_bug).await;
        assert!(!held, "{failure}");
    }
}
