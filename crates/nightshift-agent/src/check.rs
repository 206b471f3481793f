//! Quality gates: Python syntax before tests, then pytest, each with a time limit, in the
//! sandbox.

use std::path::Path;
use std::time::Duration;

use nightshift_sandbox::{Finished, Sandbox};

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
    sandbox: &Sandbox,
    python: &str,
    root: &Path,
    files: &[String],
    limit: Duration,
) -> std::io::Result<Result<(), String>> {
    let mut argv = vec![python, "-c", SYNTAX_SCRIPT];
    argv.extend(files.iter().filter(|f| is_python(f)).map(String::as_str));
    if argv.len() == 3 {
        return Ok(Ok(()));
    }
    let finished = sandbox.run(root, &argv, limit).await?;
    Ok(if finished.success() {
        Ok(())
    } else {
        Err(finished.output)
    })
}

/// Runs pytest in `root`.
pub async fn pytest(
    sandbox: &Sandbox,
    python: &str,
    root: &Path,
    limit: Duration,
) -> std::io::Result<Finished> {
    let argv = [
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--color=no",
    ];
    sandbox.run(root, &argv, limit).await
}

#[cfg(test)]
mod tests {
    use nightshift_sandbox::{Limits, Mode};

    use super::*;

    #[tokio::test]
    async fn syntax_errors_carry_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ok.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("bad.py"), "x = 1\ndef f(:\n    pass\n").unwrap();
        let limit = Duration::from_secs(30);
        let sandbox = Sandbox::detect(Mode::Auto, Limits::default())
            .await
            .unwrap();
        let ok = python_syntax(&sandbox, "python3", dir.path(), &["ok.py".into()], limit)
            .await
            .unwrap();
        assert_eq!(ok, Ok(()));
        let bad = python_syntax(
            &sandbox,
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
