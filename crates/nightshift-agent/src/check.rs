//! Quality gates: Python syntax before tests, then pytest, each with a time limit.

use std::path::Path;
use std::time::Duration;

use crate::process::{self, Finished};

/// Parses each file with Python's own parser and reports every error with its line.
const SYNTAX_SCRIPT: &str = r#"
import ast, sys
bad = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            ast.parse(f.read(), path)
    except SyntaxError as e:
        bad += 1
        print(f"{path}:{e.lineno}:{e.offset}: {e.msg}")
        if e.text:
            print("    " + e.text.rstrip())
sys.exit(1 if bad else 0)
"#;

/// Whether a path is a Python file.
pub fn is_python(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|ext| ext == "py")
}

/// Whether a path is a test by pytest's conventions.
pub fn is_test_file(path: &str) -> bool {
    let path = Path::new(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name == "conftest.py"
}

/// Checks the syntax of `files` (relative to `root`); `Err` carries the messages.
pub async fn python_syntax(
    python: &str,
    root: &Path,
    files: &[String],
    limit: Duration,
) -> std::io::Result<Result<(), String>> {
    let files: Vec<&String> = files.iter().filter(|f| is_python(f)).collect();
    if files.is_empty() {
        return Ok(Ok(()));
    }
    let mut cmd = process::command(python);
    cmd.current_dir(root)
        .arg("-c")
        .arg(SYNTAX_SCRIPT)
        .args(files);
    let finished = process::run(cmd, limit).await?;
    Ok(if finished.success() {
        Ok(())
    } else {
        Err(finished.output)
    })
}

/// Runs pytest in `root`.
pub async fn pytest(python: &str, root: &Path, limit: Duration) -> std::io::Result<Finished> {
    let mut cmd = process::command(python);
    cmd.current_dir(root)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no"]);
    process::run(cmd, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn syntax_errors_carry_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ok.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("bad.py"), "x = 1\ndef f(:\n    pass\n").unwrap();
        let limit = Duration::from_secs(30);
        let ok = python_syntax("python3", dir.path(), &["ok.py".into()], limit)
            .await
            .unwrap();
        assert_eq!(ok, Ok(()));
        let bad = python_syntax(
            "python3",
            dir.path(),
            &["ok.py".into(), "bad.py".into()],
            limit,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(bad.contains("bad.py:2:"), "{bad}");
    }

    #[test]
    fn test_file_conventions() {
        assert!(is_test_file("tests/test_calc.py"));
        assert!(is_test_file("calc_test.py"));
        assert!(!is_test_file("calc.py"));
        assert!(!is_test_file("testing.py"));
    }
}
