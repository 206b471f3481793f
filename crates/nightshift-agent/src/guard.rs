//! The test integrity guard: an attempt may add tests, never take them away.
//!
//! The tests of the repository as the attempt found them are remembered ([`TestBaseline`]);
//! after every edit each of them must still be there with at least as many test cases and
//! assertions, and no more skip markers. Python, Rust, JavaScript/TypeScript and Go are
//! understood; a violation goes back to the model with the reason, like a failing test.

use std::path::Path;

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
