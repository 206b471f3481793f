//! Quality gates: syntax before tests, then the project's test commands (detected or
//! configured), each with a time limit, in the sandbox.
//!
//! Python's syntax is judged by Python's own parser (in the sandbox: it is the authority on
//! which Python it runs); Rust, JavaScript, TypeScript and Go by tree-sitter, in-process
//! (`nightshift-lang`: parsing never runs the code). Either way every error comes with its file,
//! line and column, for the model to fix.

use std::path::Path;
use std::time::Duration;

use nightshift_lang::Language;
use nightshift_sandbox::{Finished, Sandbox};

/// Parses each file with Python's own parser and reports every error with its line; then, in
/// each file that parses, every call of a plain name that the file binds nowhere — no `def`,
/// `class`, assignment, parameter, `import`, `for`, `with … as`, `except … as` — and that is no
/// builtin: it raises `NameError` when it runs (`ticket_fare(…)` in a module that only did
/// `import ferry`). A file with `from … import *` is not checked for names.
const SYNTAX_SCRIPT: &str = r#"
import ast, builtins, sys
bad = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except SyntaxError as e:
        bad += 1
        print(f"{path}:{e.lineno}:{e.offset}: {e.msg}")
        if e.text:
            print("    " + e.text.rstrip())
        continue
    bound = set(dir(builtins))
    calls = []
    star = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                star = star or alias.name == "*"
                bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.append(node.func)
    if star:
        continue
    for name in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        if name.id not in bound:
            bad += 1
            print(f"{path}:{name.lineno}:{name.col_offset + 1}: `{name.id}` is called, but "
                  f"{path} neither defines nor imports it")
            bound.add(name.id)
sys.exit(1 if bad else 0)
"#;

/// Whether a path is a Python file.
pub fn is_python(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|ext| ext == "py")
}

/// Whether `task` asks for tests: it says "test", "tests", "testing" or "pytest" as a word.
pub fn asks_for_tests(task: &str) -> bool {
    let lower = task.to_lowercase();
    ["test", "tests", "testing", "pytest"]
        .iter()
        .any(|word| nightshift_lang::mentions(&lower, word))
}

/// Whether a path is a test file by its ecosystem's conventions: pytest's `test_*.py`,
/// `*_test.py` and `conftest.py`; Go's `*_test.go`; JavaScript and TypeScript files named
/// `*.test.*` or `*.spec.*` or under `test/`, `tests/` or `__tests__/`; Rust files under `tests/`.
/// (Rust's tests inside a source file are not a test file: they test what was there.)
pub fn is_test_file(path: &str) -> bool {
    let file = Path::new(path);
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let in_dir = |dirs: &[&str]| {
        file.parent()
            .is_some_and(|parent| parent.iter().any(|part| dirs.iter().any(|d| part == *d)))
    };
    match Language::of(path) {
        Some(Language::Python) => {
            (name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py")
                && name.ends_with(".py")
        }
        Some(Language::Go) => name.ends_with("_test.go"),
        Some(Language::JavaScript | Language::TypeScript | Language::Tsx) => {
            name.contains(".test.")
                || name.contains(".spec.")
                || in_dir(&["test", "tests", "__tests__"])
        }
        Some(Language::Rust) => in_dir(&["tests"]),
        None => false,
    }
}

/// The basic test the model is asked for when a task brings none: where it goes and how it is
/// written, by the language of `source`, the first file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPlan {
    /// The test file, relative to the repository.
    pub path: String,
    /// How to write it: the framework, and how it reaches the code under test.
    pub how: String,
}

/// The plan for a test of `source` (relative to `root`); `None` for a language nightshift does
/// not write tests in (TypeScript needs a runner of the project's choosing).
pub fn test_plan(root: &Path, source: &str) -> Option<TestPlan> {
    let file = Path::new(source);
    let name = file.file_name()?.to_string_lossy().into_owned();
    let stem = file.file_stem()?.to_string_lossy().into_owned();
    let ext = file.extension()?.to_string_lossy().into_owned();
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| format!("{}/", d.display()))
        .unwrap_or_default();
    let text = nightshift_workspace::read_text(root, source).unwrap_or_default();
    Some(match Language::of(source)? {
        Language::Python => TestPlan {
            path: format!("test_{name}"),
            how: format!(
                "a pytest test file that imports from {}",
                source.trim_end_matches(".py").replace('/', ".")
            ),
        },
        Language::JavaScript => {
            let module = ext == "mjs"
                || text.contains("export ")
                || (ext == "js" && package_type(root).as_deref() == Some("module"));
            let reach = if module {
                format!("imports from './{name}' with `import {{ … }} from './{name}'`")
            } else {
                format!("loads './{name}' with `require('./{name}')`")
            };
            TestPlan {
                path: format!("{dir}{stem}.test.{ext}"),
                how: format!(
                    "a test file for Node's built-in runner: it uses `test` from 'node:test' and \
                     `assert` from 'node:assert/strict', and {reach}"
                ),
            }
        }
        Language::Rust => {
            let krate = crate_name(root)?;
            TestPlan {
                path: format!("tests/{stem}_task.rs"),
                how: format!(
                    "a Rust integration test file: `#[test]` functions with `assert_eq!`, \
                     reaching the code as `{krate}::…` (only what is `pub`)"
                ),
            }
        }
        Language::Go => {
            let package = text
                .lines()
                .find_map(|line| line.strip_prefix("package "))?
                .trim()
                .to_owned();
            TestPlan {
                path: format!("{dir}{stem}_task_test.go"),
                how: format!(
                    "a Go test file in package {package}: `import \"testing\"` and \
                     `func TestXxx(t *testing.T)` functions calling `t.Errorf` on a wrong value"
                ),
            }
        }
        Language::TypeScript | Language::Tsx => return None,
    })
}

/// `type` of the root's `package.json` (`module` or `commonjs`), if set.
fn package_type(root: &Path) -> Option<String> {
    let text = nightshift_workspace::read_text(root, "package.json")?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["type"].as_str().map(str::to_owned)
}

/// The name of the root's crate as code spells it (`-` as `_`).
pub fn crate_name(root: &Path) -> Option<String> {
    let text = nightshift_workspace::read_text(root, "Cargo.toml")?;
    let manifest: toml::Table = text.parse().ok()?;
    let name = manifest.get("package")?.get("name")?.as_str()?;
    Some(name.replace('-', "_"))
}

/// Checks the syntax of `files` (relative to `root`); `Err` carries the messages, one
/// `path:line:column: message` per error.
pub async fn syntax(
    sandbox: &Sandbox,
    python: &str,
    root: &Path,
    files: &[String],
    limit: Duration,
) -> std::io::Result<Result<(), String>> {
    let mut errors = String::new();
    for path in files.iter().filter(|f| !is_python(f)) {
        let Some(language) = Language::of(path) else {
            continue;
        };
        let Some(source) = nightshift_workspace::read_text(root, path) else {
            continue; // deleted or not text: nothing to parse
        };
        for error in nightshift_lang::syntax_errors(language, &source) {
            errors.push_str(&format!("{path}:{error}\n"));
        }
    }
    if let Err(python_errors) = python_syntax(sandbox, python, root, files, limit).await? {
        errors.push_str(&python_errors);
    }
    Ok(if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    })
}

/// Python's parser on the Python files among `files`.
async fn python_syntax(
    sandbox: &Sandbox,
    python: &str,
    root: &Path,
    files: &[String],
    limit: Duration,
) -> std::io::Result<Result<(), String>> {
    // Isolated (`-I`): the worktree is not on `sys.path`, so a file the model wrote named like a
    // standard module (`ast.py`) can neither shadow the check nor run at check time.
    let mut argv = vec![python, "-I", "-c", SYNTAX_SCRIPT];
    let fixed = argv.len();
    argv.extend(files.iter().filter(|f| is_python(f)).map(String::as_str));
    if argv.len() == fixed {
        return Ok(Ok(()));
    }
    let finished = sandbox.run(root, &argv, limit).await?;
    Ok(if finished.success() {
        Ok(())
    } else {
        Err(finished.output)
    })
}

/// A test command of the project.
#[derive(Debug, Clone)]
pub struct TestCommand {
    /// Its name in logs and in the `Nightshift-Checks` trailer.
    pub name: &'static str,
    /// The command line.
    pub argv: Vec<String>,
    /// Whether a failed run's output says the code or a test did not build, so no test ran:
    /// a compiler's error, which a model fixes when shown, unlike a failing assert.
    pub build_failed: fn(&str) -> bool,
}

/// A run of a command that does not tell a build failure from failing tests.
fn never(_: &str) -> bool {
    false
}

/// `cargo test`: rustc refused the crate or its tests.
fn rustc_failed(output: &str) -> bool {
    output.contains("error: could not compile")
}

/// `go test`: a package's build or its test binary's failed.
fn go_build_failed(output: &str) -> bool {
    output.contains("[build failed]") || output.contains("[setup failed]")
}

/// The project's test commands: the configured one if any, else one per ecosystem found among
/// `files` — pytest for Python test files, `cargo test` for a `Cargo.toml`, `go test` for a `go.mod`,
/// `npm test` for a `package.json` with a test script.
pub fn test_commands(
    root: &Path,
    files: &[String],
    python: &str,
    configured: &str,
) -> Vec<TestCommand> {
    if !configured.trim().is_empty() {
        return vec![TestCommand {
            name: "tests",
            argv: vec!["sh".into(), "-c".into(), configured.to_owned()],
            build_failed: never,
        }];
    }
    let has = |name: &str| files.iter().any(|f| f == name);
    let mut commands = Vec::new();
    // pytest fails a run that finds no test: it runs where there is one.
    if files.iter().any(|f| is_python(f) && is_test_file(f)) {
        commands.push(TestCommand {
            name: "pytest",
            argv: [
                python,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--color=no",
                "--tb=short",
            ]
            .map(str::to_owned)
            .to_vec(),
            build_failed: never,
        });
    }
    if has("Cargo.toml") {
        commands.push(TestCommand {
            name: "cargo test",
            argv: ["cargo", "test", "--offline", "--quiet"]
                .map(str::to_owned)
                .to_vec(),
            build_failed: rustc_failed,
        });
    }
    if has("go.mod") {
        commands.push(TestCommand {
            name: "go test",
            argv: ["go", "test", "./..."].map(str::to_owned).to_vec(),
            build_failed: go_build_failed,
        });
    }
    let npm_test = has("package.json")
        && nightshift_workspace::read_text(root, "package.json").is_some_and(|text| {
            serde_json::from_str::<serde_json::Value>(&text)
                .is_ok_and(|json| json["scripts"]["test"].is_string())
        });
    if npm_test {
        commands.push(TestCommand {
            name: "npm test",
            argv: ["npm", "test", "--silent"].map(str::to_owned).to_vec(),
            build_failed: never,
        });
    }
    commands
}

/// `content` of a Python test with `import pytest` added, if it uses `pytest.` (`pytest.raises`,
/// `pytest.mark`) without importing it: a slip small models make often, and one that fails the
/// test with a `NameError` whatever the code does. The import goes first, after a module
/// docstring, comments and `from __future__` imports. `None`: nothing to add.
pub fn with_pytest_import(content: &str) -> Option<String> {
    let imports = content.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("import pytest") || line.starts_with("from pytest ")
    });
    if imports || !content.contains("pytest.") {
        return None;
    }
    let lines: Vec<&str> = content.split_inclusive('\n').collect();
    let mut at = 0;
    let mut in_docstring = None;
    while let Some(line) = lines.get(at) {
        let trimmed = line.trim();
        if let Some(quote) = in_docstring {
            at += 1;
            if trimmed.ends_with(quote) {
                in_docstring = None;
            }
            continue;
        }
        let opening = ["\"\"\"", "'''"]
            .into_iter()
            .find(|q| trimmed.starts_with(q));
        if let Some(quote) = opening.filter(|_| {
            at == 0
                || lines[..at].iter().all(|l| {
                    let l = l.trim();
                    l.is_empty() || l.starts_with('#')
                })
        }) {
            at += 1;
            if !(trimmed.len() >= 6 && trimmed.ends_with(quote)) {
                in_docstring = Some(quote);
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("from __future__")
        {
            at += 1;
            continue;
        }
        break;
    }
    let mut out: String = lines[..at].concat();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("import pytest\n");
    out.push_str(&lines[at..].concat());
    Some(out)
}

/// `content` of a JavaScript test for Node's runner with its imports of `node:test` and
/// `node:assert` made right, if they are wrong: `test(…)`, `describe(…)` or `it(…)` called with
/// no import of them, `assert` used with none, or imported as a named export of `node:assert`
/// or of the runner (`import { assert } from 'node:assert/strict'`, `import { test, assert }
/// from 'node:test'`: neither exists in the Node it runs on). The imports take the
/// file's module form: `import` unless it uses `require(`. `None`: nothing to mend.
pub fn with_node_test_imports(content: &str) -> Option<String> {
    let commonjs = content.contains("require(");
    let mut lines: Vec<String> = Vec::new();
    let mut changed = false;
    for line in content.lines() {
        let trimmed = line.trim();
        // `import { assert } from 'node:assert…'`, `import { assert } from "assert"`: no such
        // export; nor does the runner export it (`import { test, assert } from 'node:test'`),
        // whose other names stay.
        if let Some((head, names, tail)) = named_bindings(trimmed)
            && names.contains(&"assert")
        {
            let from = |module: &str| {
                tail.contains(&format!("'{module}")) || tail.contains(&format!("\"{module}"))
            };
            if from("node:assert") || from("assert") {
                changed = true;
                continue;
            }
            if from("node:test") {
                changed = true;
                let rest: Vec<&str> = names.into_iter().filter(|n| *n != "assert").collect();
                if !rest.is_empty() {
                    lines.push(format!("{head}{{ {} }}{tail}", rest.join(", ")));
                }
                continue;
            }
        }
        lines.push(line.to_owned());
    }
    let body = lines.join("\n");
    let binds = |name: &str| {
        body.lines().any(|line| {
            let line = line.trim();
            (line.starts_with("import ") || line.contains("require("))
                && nightshift_lang::mentions(line, name)
        })
    };
    let calls = |name: &str| {
        body.match_indices(&format!("{name}(")).any(|(at, _)| {
            !body[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$')
        })
    };
    let runner: Vec<&str> = ["test", "describe", "it"]
        .into_iter()
        .filter(|name| calls(name) && !binds(name))
        .collect();
    let uses_assert = body.contains("assert.") || calls("assert");
    let mut header = Vec::new();
    if !runner.is_empty() {
        header.push(if commonjs {
            format!("const {{ {} }} = require('node:test');", runner.join(", "))
        } else {
            format!("import {{ {} }} from 'node:test';", runner.join(", "))
        });
    }
    if uses_assert && !binds("assert") {
        header.push(if commonjs {
            "const assert = require('node:assert/strict');".to_owned()
        } else {
            "import assert from 'node:assert/strict';".to_owned()
        });
    }
    if header.is_empty() && !changed {
        return None;
    }
    let mut out = header.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&body);
    if content.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

/// A line that binds names out of a module, `import { a, b } from 'm';` or
/// `const { a, b } = require('m');`: what comes before the braces, the names, what comes after.
fn named_bindings(line: &str) -> Option<(&str, Vec<&str>, &str)> {
    if !(line.starts_with("import {") || line.starts_with("const {") || line.starts_with("let {")) {
        return None;
    }
    let open = line.find('{')?;
    let close = open + line[open..].find('}')?;
    let names = line[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    Some((&line[..open], names, &line[close + 1..]))
}

/// Runs one test command in `root`, in the sandbox.
pub async fn run_tests(
    sandbox: &Sandbox,
    command: &TestCommand,
    root: &Path,
    limit: Duration,
) -> std::io::Result<Finished> {
    let argv: Vec<&str> = command.argv.iter().map(String::as_str).collect();
    sandbox.run(root, &argv, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{put, sandbox, tree};

    #[test]
    fn a_test_using_pytest_without_importing_it_gets_the_import() {
        let bare = "from deck import Deck\n\n\ndef test_deal():\n    with pytest.raises(IndexError):\n        Deck().deal()\n";
        assert_eq!(
            with_pytest_import(bare).unwrap(),
            format!("import pytest\n{bare}")
        );
        let headed = "\"\"\"Tests of the deck.\n\nMore.\n\"\"\"\n# a comment\nfrom __future__ import annotations\nimport deck\n\npytest.raises\n";
        assert_eq!(
            with_pytest_import(headed).unwrap(),
            "\"\"\"Tests of the deck.\n\nMore.\n\"\"\"\n# a comment\nfrom __future__ import annotations\nimport pytest\nimport deck\n\npytest.raises\n"
        );
        assert_eq!(with_pytest_import("import pytest\npytest.raises\n"), None);
        assert_eq!(with_pytest_import("def test_a():\n    assert 1\n"), None);
    }

    #[test]
    fn a_node_test_gets_the_imports_of_the_runner_and_assert_it_lacks() {
        let wrong = "import { assert } from 'node:assert/strict';\nimport { parseMove } from './chess.js';\n\ntest('parses', () => {\n  assert.strictEqual(parseMove('e2 e4'), 'E2-E4');\n});\n";
        assert_eq!(
            with_node_test_imports(wrong).unwrap(),
            "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { parseMove } from './chess.js';\n\ntest('parses', () => {\n  assert.strictEqual(parseMove('e2 e4'), 'E2-E4');\n});\n"
        );
        let runner =
            "import { test, assert } from 'node:test';\n\ntest('a', () => assert.ok(true));\n";
        assert_eq!(
            with_node_test_imports(runner).unwrap(),
            "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\n\ntest('a', () => assert.ok(true));\n"
        );
        let commonjs = "const { brightest } = require('./stars.js');\n\ndescribe('brightest', () => {\n  it('picks', () => {\n    assert.equal(brightest([3, 1, 2]), 3);\n  });\n});\n";
        assert_eq!(
            with_node_test_imports(commonjs).unwrap(),
            format!(
                "const {{ describe, it }} = require('node:test');\nconst assert = require('node:assert/strict');\n{commonjs}"
            )
        );
        for right in [
            "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('a', () => {\n  assert.ok(true);\n});\n",
            "import test from 'node:test';\nimport { strict as assert } from 'node:assert';\n\ntest('a', () => assert.ok(true));\n",
            "const test = require('node:test');\nconst assert = require('assert');\ntest('a', () => { assert(latest()); });\n",
        ] {
            assert_eq!(with_node_test_imports(right), None, "{right}");
        }
    }

    #[tokio::test]
    async fn a_file_named_like_a_standard_module_cannot_pass_the_syntax_check() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let planted = format!(
            "open({:?}, 'w').write('x')\nimport sys\nsys.exit(0)\n",
            marker.display().to_string()
        );
        put(
            dir.path(),
            &[("ast.py", &planted), ("bad.py", "def f(:\n    pass\n")],
        );
        let result = syntax(
            &sandbox().await,
            "python3",
            dir.path(),
            &["ast.py".into(), "bad.py".into()],
            Duration::from_secs(30),
        )
        .await
        .unwrap();
        let errors = result.unwrap_err();
        assert!(errors.contains("bad.py"), "{errors}");
        assert!(!marker.exists(), "the model's ast.py ran at check time");
    }

    #[tokio::test]
    async fn syntax_errors_carry_file_and_line() {
        let dir = tree(&[
            ("ok.py", "x = 1\n"),
            ("bad.py", "x = 1\ndef f(:\n    pass\n"),
            ("ok.rs", "fn main() {}\n"),
            ("bad.go", "package m\n\nfunc f() {\n\treturn 1 +\n}\n"),
        ]);
        let limit = Duration::from_secs(30);
        let sandbox = sandbox().await;
        let ok = syntax(
            &sandbox,
            "python3",
            dir.path(),
            &["ok.py".into(), "ok.rs".into(), "README.md".into()],
            limit,
        )
        .await
        .unwrap();
        assert_eq!(ok, Ok(()));
        let bad = syntax(
            &sandbox,
            "python3",
            dir.path(),
            &[
                "ok.py".into(),
                "bad.py".into(),
                "ok.rs".into(),
                "bad.go".into(),
            ],
            limit,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(bad.contains("bad.py:2:"), "{bad}");
        assert!(bad.contains("bad.go:4:"), "{bad}");

        // A call of a name the file never binds, once per name; what it binds, in any of the
        // ways Python binds names, and the builtins, are fine.
        put(
            dir.path(),
            &[
                (
                    "voyage.py",
                    "import ferry\nfrom os import path as p\n\n\ndef manifest(crossings, toll, *rest, key=len):\n    fares = sum(ticket_fare(a, toll) for a in crossings)\n    for i, o in enumerate(crossings):\n        key(o)\n    with open(p.join('x')) as f:\n        f.read()\n    try:\n        helper()\n    except ValueError as err:\n        print(err)\n    return ticket_fare(fares, toll), ferry.toll(), Later()\n\n\nclass Later:\n    pass\n",
                ),
                ("star.py", "from m import *\nf()\n"),
            ],
        );
        let names = syntax(
            &sandbox,
            "python3",
            dir.path(),
            &["voyage.py".into(), "star.py".into()],
            limit,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert_eq!(
            names.trim(),
            "voyage.py:6:17: `ticket_fare` is called, but voyage.py neither defines nor imports it\nvoyage.py:12:9: `helper` is called, but voyage.py neither defines nor imports it"
        );
        assert!(!bad.contains("ok."), "{bad}");
    }

    #[test]
    fn test_commands_follow_the_project() {
        let dir = tree(&[("package.json", r#"{"scripts": {"test": "node --test"}}"#)]);
        let files: Vec<String> = ["app.py", "Cargo.toml", "go.mod", "package.json"]
            .map(str::to_owned)
            .to_vec();
        let names = |files: &[String]| -> Vec<&str> {
            test_commands(dir.path(), files, "python3", "")
                .iter()
                .map(|c| c.name)
                .collect()
        };
        // pytest fails a run that collects nothing: Python without a test file has no command.
        assert_eq!(names(&files), ["cargo test", "go test", "npm test"]);
        let mut with_test = files.clone();
        with_test.push("test_app.py".to_owned());
        assert_eq!(
            names(&with_test),
            ["pytest", "cargo test", "go test", "npm test"]
        );
        let configured = test_commands(dir.path(), &files, "python3", "make check");
        assert_eq!(configured.len(), 1);
        assert_eq!(configured[0].argv, ["sh", "-c", "make check"]);
        assert!(test_commands(dir.path(), &["README.md".to_owned()], "python3", "").is_empty());
    }

    #[test]
    fn a_build_that_failed_is_told_from_tests_that_failed() {
        let files = ["Cargo.toml", "go.mod", "test_app.py"].map(str::to_owned);
        let commands = test_commands(Path::new("/nonexistent"), &files, "python3", "");
        let failed = |name: &str, output: &str| {
            let command = commands.iter().find(|c| c.name == name).unwrap();
            (command.build_failed)(output)
        };
        let rustc = "error[E0308]: mismatched types\n  --> src/lib.rs:10:37\nerror: could not compile `numkit` (lib) due to 2 previous errors\n";
        let cargo_tests = "test tests::odd ... FAILED\ntest result: FAILED. 1 passed; 1 failed\nerror: test failed, to rerun pass `--lib`\n";
        assert!(failed("cargo test", rustc));
        assert!(!failed("cargo test", cargo_tests));
        let go = "# calc\n./calc.go:4:9: cannot use x (variable of type string) as int value\nFAIL\tcalc [build failed]\n";
        assert!(failed("go test", go));
        assert!(!failed(
            "go test",
            "--- FAIL: TestAdd (0.00s)\nFAIL\tcalc\t0.002s\n"
        ));
        assert!(!failed(
            "pytest",
            "E   NameError: name 'x' is not defined\n"
        ));
    }

    #[test]
    fn a_test_plan_follows_the_language_of_the_code() {
        let dir = tree(&[
            ("src/chess.js", "export function f() {}\n"),
            ("src/stars.js", "module.exports = { f };\n"),
            ("src/lib.rs", "pub fn f() {}\n"),
            ("Cargo.toml", "[package]\nname = \"star-chart\"\n"),
            ("src/calc.go", "// Package calc.\npackage calc\n"),
            ("src/app.ts", "export const a = 1;\n"),
        ]);
        let root = dir.path();

        let plan = |source| test_plan(root, source).unwrap();
        assert_eq!(plan("pkg/calc.py").path, "test_calc.py");
        assert!(plan("pkg/calc.py").how.contains("imports from pkg.calc"));
        assert_eq!(plan("src/chess.js").path, "src/chess.test.js");
        assert!(plan("src/chess.js").how.contains("from './chess.js'"));
        assert!(plan("src/stars.js").how.contains("require('./stars.js')"));
        assert_eq!(plan("src/lib.rs").path, "tests/lib_task.rs");
        assert!(plan("src/lib.rs").how.contains("`star_chart::…`"));
        assert_eq!(plan("src/calc.go").path, "src/calc_task_test.go");
        assert!(plan("src/calc.go").how.contains("package calc"));
        assert_eq!(test_plan(root, "src/app.ts"), None);
    }

    #[test]
    fn test_file_conventions() {
        assert!(is_test_file("tests/test_calc.py"));
        assert!(is_test_file("calc_test.py"));
        assert!(!is_test_file("calc.py"));
        assert!(!is_test_file("testing.py"));
        assert!(!is_test_file("tests/helpers.py"));
        assert!(is_test_file("src/chess.test.mjs"));
        assert!(is_test_file("__tests__/logbook.js"));
        assert!(!is_test_file("src/latest.js"));
        assert!(is_test_file("tests/orbit_task.rs"));
        assert!(!is_test_file("src/tests.rs"));
        assert!(is_test_file("calc/calc_test.go"));
        assert!(!is_test_file("README.md"));
    }
}
