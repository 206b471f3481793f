//! The integrity guards: an attempt may add tests, never take them away; and it may change code,
//! but not delete what the task does not ask it to.
//!
//! The tests of the repository as the attempt found them are remembered ([`TestBaseline`]);
//! after every edit each of them must still be there with at least as many test cases and
//! assertions, and no more skip markers. Python, Rust, JavaScript/TypeScript and Go are
//! understood; a violation goes back to the model with the reason, like a failing test.
//!
//! So are the definitions of each source file ([`CodeBaseline`]): a small model rewriting a whole
//! file in a repair round drops functions it was not asked about (`spread` gone from `stats.py`
//! while fixing `average`), which breaks their callers and the checks no test of the task makes.

use std::collections::BTreeSet;
use std::path::Path;

use nightshift_lang::{Language, symbols};

/// Whether `path` holds tests: a test file by its ecosystem's conventions
/// ([`crate::check::is_test_file`]), or a Rust source with tests of its own.
pub fn holds_tests(path: &str, content: &str) -> bool {
    crate::check::is_test_file(path) || (path.ends_with(".rs") && content.contains("#[test]"))
}

/// What a test file holds, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    tests: usize,
    asserts: usize,
    skips: usize,
}

fn count(path: &str, content: &str) -> Counts {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let (tests, asserts, skips): (&[&str], &[&str], &[&str]) = match ext {
        "py" => (
            &["def test", "async def test"],
            &["assert", "pytest.raises", "self.assert"],
            &[
                "pytest.mark.skip",
                "pytest.skip(",
                "unittest.skip",
                "pytest.mark.xfail",
                "pytest.xfail(",
            ],
        ),
        "rs" => (
            &["#[test]", "#[tokio::test"],
            &["assert", "panic!", "should_panic"],
            &["#[ignore"],
        ),
        "go" => (
            &["func Test"],
            &["t.Error", "t.Fatal", "assert.", "require."],
            &["t.Skip"],
        ),
        _ => (
            &["test(", "it(", "test.each", "it.each"],
            &["assert", "expect("],
            &[
                ".skip(",
                "xit(",
                "xtest(",
                "xdescribe(",
                ".todo(",
                "{ skip",
                "skip:",
            ],
        ),
    };
    let hits =
        |needles: &[&str]| -> usize { needles.iter().map(|n| content.matches(n).count()).sum() };
    Counts {
        // "test(" also matches inside "xtest("; fine: both sides are counted alike.
        tests: hits(tests),
        asserts: hits(asserts),
        skips: hits(skips),
    }
}

/// The tests as the attempt found them.
#[derive(Debug, Clone, Default)]
pub struct TestBaseline {
    /// Path, counts, original content.
    files: Vec<(String, Counts, String)>,
}

impl TestBaseline {
    /// Reads the test files among `files` under `root`.
    pub fn read(root: &Path, files: &[String]) -> Self {
        let files = files
            .iter()
            .filter_map(|path| {
                let content = std::fs::read_to_string(root.join(path)).ok()?;
                holds_tests(path, &content).then(|| (path.clone(), count(path, &content), content))
            })
            .collect();
        Self { files }
    }

    /// Compares the tests under `root` now with the baseline; `Err` says what was taken away,
    /// and the offending test files are put back as they were: the edit is refused, not kept.
    pub fn verify(&self, root: &Path) -> Result<(), String> {
        let mut problems = Vec::new();
        for (path, before, original) in &self.files {
            let found = problems.len();
            compare(root, path, *before, &mut problems);
            if problems.len() > found
                && let Err(err) = std::fs::write(root.join(path), original)
            {
                problems.push(format!("{path}: could not be restored: {err}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}\nThose test files were put back as they were. Existing tests must keep passing \
                 as they are: change the code, not the tests.",
                problems.join("\n")
            ))
        }
    }
}

/// What the repository's source files defined when the attempt began.
#[derive(Debug, Clone, Default)]
pub struct CodeBaseline {
    /// Path, names defined (functions, classes, methods, types), original content.
    files: Vec<(String, BTreeSet<String>, String)>,
}

impl CodeBaseline {
    /// Reads the source files among `files` under `root`: those in a language nightshift parses
    /// that hold no tests.
    pub fn read(root: &Path, files: &[String]) -> Self {
        let files = files
            .iter()
            .filter_map(|path| {
                let language = Language::of(path)?;
                let content = std::fs::read_to_string(root.join(path)).ok()?;
                if holds_tests(path, &content) {
                    return None;
                }
                Some((path.clone(), defined(language, &content), content))
            })
            .collect();
        Self { files }
    }

    /// Checks the files of the baseline among `written` under `root`: `Err` names each
    /// definition gone that `task` does not mention, and shows the file as it was, so the model
    /// can put it back. Nothing is undone: the rest of the edit may be what the task needs.
    pub fn verify(&self, root: &Path, written: &[String], task: &str) -> Result<(), String> {
        let mut problems = Vec::new();
        for (path, before, original) in &self.files {
            if !written.contains(path) {
                continue;
            }
            let now = std::fs::read_to_string(root.join(path)).unwrap_or_default();
            let now = Language::of(path)
                .map(|l| defined(l, &now))
                .unwrap_or_default();
            let gone: Vec<&str> = before
                .difference(&now)
                .map(String::as_str)
                .filter(|name| !mentions(task, name))
                .collect();
            if !gone.is_empty() {
                problems.push(format!(
                    "{path}: your answer deletes {}, which the task does not ask to remove. Keep \
                     them as they were; {path} was:\n```{path}\n{}```",
                    gone.iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    original
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// The names `content` defines, at any depth.
fn defined(language: Language, content: &str) -> BTreeSet<String> {
    symbols(language, content)
        .into_iter()
        .map(|symbol| symbol.name)
        .collect()
}

/// Whether `text` mentions `name` as a whole word.
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Adds to `problems` what the test file at `path` lost since `before`.
fn compare(root: &Path, path: &str, before: Counts, problems: &mut Vec<String>) {
    let Ok(content) = std::fs::read_to_string(root.join(path)) else {
        problems.push(format!("{path}: the test file was deleted"));
        return;
    };
    let now = count(path, &content);
    if now.tests < before.tests {
        problems.push(format!(
            "{path}: {} test cases, {} before — existing tests were removed",
            now.tests, before.tests
        ));
    }
    if now.asserts < before.asserts {
        problems.push(format!(
            "{path}: {} assertions, {} before — existing tests were weakened",
            now.asserts, before.asserts
        ));
    }
    if now.skips > before.skips {
        problems.push(format!(
            "{path}: {} skip markers, {} before — tests may not be skipped",
            now.skips, before.skips
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_neg():\n    assert add(-1, -2) == -3\n";

    fn baseline(dir: &Path, files: &[(&str, &str)]) -> TestBaseline {
        for (path, content) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let names: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
        TestBaseline::read(dir, &names)
    }

    #[test]
    fn deleting_definitions_the_task_does_not_name_is_refused_with_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let stats = "def total(xs):\n    return sum(xs)\n\n\ndef average(xs):\n    return 0\n\n\ndef spread(xs):\n    return max(xs) - min(xs)\n";
        std::fs::write(dir.path().join("stats.py"), stats).unwrap();
        std::fs::write(dir.path().join("other.py"), "def keep():\n    pass\n").unwrap();
        let names = ["stats.py".to_owned(), "other.py".to_owned()];
        let base = CodeBaseline::read(dir.path(), &names);
        let task = "Fix `average()` in stats.py; total_sum is unrelated.";
        // Changing a function and adding one is fine.
        let fixed = stats.replace("return 0", "return sum(xs) / len(xs)")
            + "\n\ndef mean(xs):\n    return average(xs)\n";
        std::fs::write(dir.path().join("stats.py"), &fixed).unwrap();
        assert_eq!(base.verify(dir.path(), &names, task), Ok(()));
        // Dropping what the task does not name is not; the file is shown as it was.
        std::fs::write(
            dir.path().join("stats.py"),
            "def average(xs):\n    return sum(xs) / len(xs)\n",
        )
        .unwrap();
        let err = base.verify(dir.path(), &names, task).unwrap_err();
        assert!(
            err.starts_with("stats.py: your answer deletes `spread`, `total`, which"),
            "{err}"
        );
        assert!(err.contains(&format!("```stats.py\n{stats}```")), "{err}");
        // Unless the task names it; and files not written are not looked at.
        let rename = "Replace total and spread in stats.py by average.";
        assert_eq!(base.verify(dir.path(), &names, rename), Ok(()));
        std::fs::write(dir.path().join("other.py"), "").unwrap();
        assert!(base.verify(dir.path(), &names[..1], rename).is_ok());
    }

    #[test]
    fn adding_tests_and_changing_code_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let base = baseline(
            dir.path(),
            &[
                ("test_calc.py", ORIGINAL),
                ("calc.py", "def add(a, b): pass\n"),
            ],
        );
        std::fs::write(
            dir.path().join("calc.py"),
            "def add(a, b):\n    return a + b\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("test_calc.py"),
            format!("{ORIGINAL}\n\ndef test_zero():\n    assert add(0, 0) == 0\n"),
        )
        .unwrap();
        assert_eq!(base.verify(dir.path()), Ok(()));
    }

    #[test]
    fn deleting_skipping_or_weakening_tests_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let base = baseline(
            dir.path(),
            &[
                ("test_calc.py", ORIGINAL),
                ("tests/test_more.py", ORIGINAL),
                (
                    "src/lib.rs",
                    "#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { assert_eq!(1, 1); }\n}\n",
                ),
                (
                    "sum.test.js",
                    "test('adds', () => { expect(1 + 1).toBe(2); });\n",
                ),
                (
                    "calc_test.go",
                    "func TestAdd(t *testing.T) { if 1 != 1 { t.Fatal(\"x\") } }\n",
                ),
            ],
        );
        std::fs::remove_file(dir.path().join("tests/test_more.py")).unwrap();
        std::fs::write(
            dir.path().join("test_calc.py"),
            "import pytest\nfrom calc import add\n\n\n@pytest.mark.skip\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_neg():\n    pass\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("src/lib.rs"),
            "#[cfg(test)]\nmod tests {\n    #[test]\n    #[ignore]\n    fn t() { assert_eq!(1, 1); }\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("sum.test.js"),
            "test.skip('adds', () => { expect(1 + 1).toBe(2); });\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("calc_test.go"), "func helper() {}\n").unwrap();
        let err = base.verify(dir.path()).unwrap_err();
        for expected in [
            "tests/test_more.py: the test file was deleted",
            "test_calc.py: 1 assertions, 2 before",
            "test_calc.py: 1 skip markers, 0 before",
            "src/lib.rs: 1 skip markers, 0 before",
            "sum.test.js: 1 skip markers, 0 before",
            "calc_test.go: 0 test cases, 1 before",
            "change the code, not the tests",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
        // The refused edits are undone.
        assert_eq!(
            std::fs::read_to_string(dir.path().join("test_calc.py")).unwrap(),
            ORIGINAL
        );
        assert!(dir.path().join("tests/test_more.py").exists());
        assert_eq!(base.verify(dir.path()), Ok(()));
    }
}
