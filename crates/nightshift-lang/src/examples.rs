//! Which asserts of a test a task's own examples back, and taking out one they do not.
//!
//! A small model asked for a test of a task copies the task's examples — `clamp(15, 0, 10) == 10`
//! — and then adds cases of its own, whose expected values it gets wrong often enough
//! (`clamp(0, 10, 0) == 0` for a task that says `low > high` raises) that correct code fails on
//! them. An assert built from an example of the task is the task speaking; one it made up is a
//! guess. [`backed_by_task`] tells them apart by their literals, and [`failing_statement`] finds
//! the statement of a test that a failure points at, so the caller can take a failing guess out.

use crate::{Language, whole_lines};

/// A statement of a test function, as [`failing_statement`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestStatement {
    /// The statement's source.
    pub text: String,
    /// The test's source with the statement taken out — with the whole test function when the
    /// statement was all it held.
    pub without: String,
}

/// The statement directly in the body of a test that spans the 1-based `line` of the test
/// `source`: the one a failure at that line points at. A test is a Python function `def test…`
/// (in a test class or not), or the function given to a JavaScript `test(…)` or `it(…)` call
/// (Node's runner, Jest, Mocha). `None` outside a test, for a file that does not parse, for
/// another language, or when taking it out would leave the file without a test.
pub fn failing_statement(language: Language, source: &str, line: usize) -> Option<TestStatement> {
    if line == 0 {
        return None;
    }
    match language {
        Language::Python => python_failing_statement(source, line),
        Language::JavaScript => javascript_failing_statement(source, line),
        _ => None,
    }
}

fn python_failing_statement(source: &str, line: usize) -> Option<TestStatement> {
    let language = Language::Python;
    let tree = language.parse(source)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let row = line - 1;
    let spans = |node: tree_sitter::Node<'_>| {
        node.start_position().row <= row && row <= node.end_position().row
    };
    // The innermost test function around the line.
    let function = around(root, spans)
        .into_iter()
        .rev()
        .find(|node| node.kind() == "function_definition" && is_test_name(source, *node))?;
    let body = function.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let statements: Vec<_> = body.named_children(&mut cursor).collect();
    let statement = *statements.iter().find(|&&s| spans(s))?;
    // Decorators and all.
    let whole = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(function);
    taken_out(source, statement, statements.len() == 1, whole, || {
        count_tests(source, root)
    })
}

fn javascript_failing_statement(source: &str, line: usize) -> Option<TestStatement> {
    let tree = Language::JavaScript.parse(source)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let row = line - 1;
    let spans = |node: tree_sitter::Node<'_>| {
        node.start_position().row <= row && row <= node.end_position().row
    };
    // The innermost `test(…)` / `it(…)` call around the line, and the body of its function.
    let (call, body) = around(root, spans)
        .into_iter()
        .rev()
        .find_map(|node| js_test_body(source, node).map(|body| (node, body)))?;
    let mut cursor = body.walk();
    let statements: Vec<_> = body
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .collect();
    let statement = *statements.iter().find(|&&s| spans(s))?;
    // The whole `test(…);` statement.
    let whole = call
        .parent()
        .filter(|p| p.kind() == "expression_statement")
        .unwrap_or(call);
    taken_out(source, statement, statements.len() == 1, whole, || {
        count_js_tests(source, root)
    })
}

/// The named nodes under `root` that `spans` holds for, outermost first: each the first such
/// child of the one before.
fn around<'t>(
    root: tree_sitter::Node<'t>,
    spans: impl Fn(tree_sitter::Node<'t>) -> bool,
) -> Vec<tree_sitter::Node<'t>> {
    let mut chain = Vec::new();
    let mut node = root;
    loop {
        let mut cursor = node.walk();
        let Some(child) = node.named_children(&mut cursor).find(|&c| spans(c)) else {
            return chain;
        };
        chain.push(child);
        node = child;
    }
}

/// `statement` taken out of `source` — or, when it is `alone` in its test, the `whole` test,
/// unless that is the last of the file (`tests` counts them).
fn taken_out(
    source: &str,
    statement: tree_sitter::Node<'_>,
    alone: bool,
    whole: tree_sitter::Node<'_>,
    tests: impl FnOnce() -> usize,
) -> Option<TestStatement> {
    let cut = if alone {
        if tests() <= 1 {
            return None;
        }
        whole_lines(source, whole.byte_range())
    } else {
        whole_lines(source, statement.byte_range())
    };
    let mut without = String::with_capacity(source.len());
    without.push_str(&source[..cut.start]);
    without.push_str(&source[cut.end..]);
    Some(TestStatement {
        text: source[statement.byte_range()].to_owned(),
        without,
    })
}

/// The statement block of the function a `test(…)` or `it(…)` call `node` runs.
fn js_test_body<'t>(source: &str, node: tree_sitter::Node<'t>) -> Option<tree_sitter::Node<'t>> {
    if node.kind() != "call_expression" {
        return None;
    }
    let function = node.child_by_field_name("function")?;
    if !matches!(&source[function.byte_range()], "test" | "it") {
        return None;
    }
    let arguments = node.child_by_field_name("arguments")?;
    let mut cursor = arguments.walk();
    let callback = arguments
        .named_children(&mut cursor)
        .filter(|a| {
            matches!(
                a.kind(),
                "arrow_function" | "function_expression" | "function"
            )
        })
        .last()?;
    callback
        .child_by_field_name("body")
        .filter(|body| body.kind() == "statement_block")
}

/// `test(…)` and `it(…)` calls in the tree.
fn count_js_tests(source: &str, node: tree_sitter::Node<'_>) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if js_test_body(source, node).is_some() {
            count += 1;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    count
}

fn is_test_name(source: &str, function: tree_sitter::Node<'_>) -> bool {
    function
        .child_by_field_name("name")
        .is_some_and(|name| source[name.byte_range()].starts_with("test"))
}

/// Test functions in the tree.
fn count_tests(source: &str, node: tree_sitter::Node<'_>) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if node.kind() == "function_definition" && is_test_name(source, node) {
            count += 1;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    count
}

/// A string or number written in code or prose.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Number(f64),
}

/// Whether the test statement `statement` is built from an example the task text gives: its
/// literals — strings and numbers, numbers by value (`10` is `10.0`) — appear in that order
/// within one line of the task; a statement with no literal at all must appear in the task as
/// written, spaces aside (`from_roman(to_roman(n)) == n`). So is one that makes a call the
/// task writes out, literal arguments and all: in "`days_in_month(1900, 2)` returns `29`, but
/// 1900 is no leap year", the task says what `days_in_month(1900, 2) == 28` checks, though
/// not in those words.
pub fn backed_by_task(statement: &str, task: &str) -> bool {
    let squeeze = |text: &str| -> String { text.split_whitespace().collect() };
    let wanted = literals(statement);
    if wanted.is_empty() {
        let body = statement.trim().strip_prefix("assert").unwrap_or(statement);
        let body = squeeze(body);
        return !body.is_empty() && squeeze(task).contains(&body);
    }
    let task_squeezed = squeeze(task);
    if calls_with_literals(statement)
        .iter()
        .any(|call| task_squeezed.contains(&squeeze(call)))
    {
        return true;
    }
    task.lines().any(|line| {
        let mut given = literals(line).into_iter();
        wanted.iter().all(|w| given.any(|g| g == *w))
    })
}

/// The examples of `task` — code spans in backticks that compare with `==`, not after "e.g." or
/// "for example" on their line (those illustrate) — that no test among `tests` (their sources)
/// checks: some literal of the example (its strings and numbers, numbers by value) appears in
/// none of them. A task that asks for tests and spells out cases
/// (`encode("abbb") == "1a3b"`) wants each checked; a test that lost the rows the code failed
/// may have lost them. Examples without a literal are not looked at.
pub fn unchecked_examples<'t>(task: &'t str, tests: &[&str]) -> Vec<&'t str> {
    let pool: Vec<Literal> = tests.iter().flat_map(|source| literals(source)).collect();
    task.lines()
        .flat_map(|line| {
            line.split('`')
                .enumerate()
                .skip(1)
                .step_by(2)
                .filter(move |&(i, _)| {
                    // "(e.g. `fizzbuzz(7) == "7"`)" illustrates; it does not ask.
                    let before = line.split('`').take(i).collect::<String>().to_lowercase();
                    !["e.g.", "for example", "for instance", "such as"]
                        .iter()
                        .any(|cue| before.contains(cue))
                })
                .map(|(_, span)| span)
        })
        .filter(|span| span.contains("=="))
        .filter(|span| {
            let wanted = literals(span);
            !wanted.is_empty() && !wanted.iter().all(|w| pool.contains(w))
        })
        .collect()
}

/// The calls in the Python statement `statement` with a string or number among their
/// arguments, as written: `days_in_month(1900, 2)`.
fn calls_with_literals(statement: &str) -> Vec<&str> {
    let Some(tree) = Language::Python.parse(statement) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "call"
            && let Some(arguments) = node.child_by_field_name("arguments")
        {
            let mut cursor = arguments.walk();
            let literal = arguments.named_children(&mut cursor).any(|arg| {
                matches!(
                    arg.kind(),
                    "integer" | "float" | "string" | "unary_operator"
                )
            });
            if literal {
                found.push(&statement[node.byte_range()]);
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// The string and number literals of `text`, in order. A quote opens a string only where a
/// word does not run into it, so the apostrophe of "don't" in prose opens nothing.
fn literals(text: &str) -> Vec<Literal> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if (c == '"' || c == '\'')
            && !after_word
            && let Some(len) = chars[i + 1..].iter().position(|&q| q == c)
        {
            found.push(Literal::Text(chars[i + 1..i + 1 + len].iter().collect()));
            i += len + 2;
            continue;
        }
        let signed = c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if (c.is_ascii_digit() || signed) && !after_word {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            if let Ok(value) = number.parse() {
                found.push(Literal::Number(value));
            }
            continue;
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const CLAMP: &str = "In `mathutils.py`, add a function `clamp(value, low, high)`.\n\nIf `low > high`, \
                         raise `ValueError`. It must work for both ints and floats, e.g. \
                         `clamp(15, 0, 10) == 10`, `clamp(-2.5, -1.0, 1.0) == -1.0`, `clamp(5, 0, 10) == 5`.\n";

    #[test]
    fn an_assert_copied_from_the_task_is_backed_and_a_made_up_one_is_not() {
        assert!(backed_by_task("assert clamp(15, 0, 10) == 10", CLAMP));
        assert!(backed_by_task(
            "assert clamp(-2.5, -1.0, 1.0) == -1.0",
            CLAMP
        ));
        assert!(backed_by_task("assert clamp(5, 0, 10) == 5.0", CLAMP));
        assert!(!backed_by_task("assert clamp(0, 10, 0) == 0", CLAMP));
        assert!(!backed_by_task("assert clamp(10, 0, 10) == 10", CLAMP));
        // Each literal of the example, even where the prose spells it with an arrow.
        let duration = "Examples: `\"1h30m\"` -> 5400, `\"45s\"` -> 45. Don't accept `\"1.5h\"`.";
        assert!(backed_by_task(
            "assert parse_duration(\"1h30m\") == 5400",
            duration
        ));
        assert!(backed_by_task(
            "with pytest.raises(ValueError):\n    parse_duration('1.5h')",
            duration
        ));
        assert!(!backed_by_task(
            "assert parse_duration(\"45s\") == 5400",
            duration
        ));
        // No literal: the statement itself must be in the task.
        let roman = "and `from_roman(to_roman(n)) == n` for every n";
        assert!(backed_by_task("assert from_roman(to_roman(n))==n", roman));
        assert!(!backed_by_task("assert to_roman(n) == n", roman));
        // A call the task writes out: what it should give is the task's to say.
        let leap = "`days_in_month(1900, 2)` returns `29`, but 1900 is not a leap year.";
        assert!(backed_by_task("assert days_in_month(1900, 2) == 28", leap));
        assert!(backed_by_task("assert days_in_month(1900,2) != 29", leap));
        assert!(!backed_by_task("assert days_in_month(2100, 2) == 28", leap));
        assert!(!backed_by_task("assert days_in_month(year, 2) == 28", leap));
    }

    #[test]
    fn the_statement_a_failure_points_at_is_found_and_can_be_taken_out() {
        let source = "import pytest\nfrom m import clamp\n\n\ndef test_clamp():\n    assert clamp(15, 0, 10) == 10\n    assert clamp(0, 10, 0) == 0\n\n\ndef test_raises():\n    with pytest.raises(ValueError):\n        clamp(1, 2, 0)\n";
        let found = failing_statement(Language::Python, source, 7).unwrap();
        assert_eq!(found.text, "assert clamp(0, 10, 0) == 0");
        assert_eq!(
            found.without,
            source.replace("    assert clamp(0, 10, 0) == 0\n", "")
        );
        // A failure inside a block points at the whole statement; the test goes with its last.
        let found = failing_statement(Language::Python, source, 12).unwrap();
        assert_eq!(
            found.text,
            "with pytest.raises(ValueError):\n        clamp(1, 2, 0)"
        );
        assert_eq!(
            found.without,
            "import pytest\nfrom m import clamp\n\n\ndef test_clamp():\n    assert clamp(15, 0, 10) == 10\n    assert clamp(0, 10, 0) == 0\n\n\n"
        );
    }

    #[test]
    fn the_examples_of_a_task_no_test_checks_are_found() {
        let task = "Create `tests/test_rle.py` with tests that cover at least:\n- `encode(\"aaabcc\") == \"3a1b2c\"` and `decode(\"3a1b2c\") == \"aaabcc\"`;\n- the last run: `encode(\"abbb\") == \"1a3b\"`;\n- `encode(\"a\" * 12) == \"12a\"`; the empty string `\"\"`, and `x == y`;\n- a single run (e.g. `encode(\"zz\") == \"2z\"`).";
        let test = "from textcodec.rle import encode, decode\n\n@pytest.mark.parametrize('text, code', [('aaabcc', '3a1b2c'), ('a' * 12, '12a')])\ndef test_encode(text, code):\n    assert encode(text) == code\n";
        // By literals: `decode` is not called, but its case's values are there.
        assert_eq!(
            unchecked_examples(task, &[test]),
            ["encode(\"abbb\") == \"1a3b\""]
        );
        let more = "def test_last_run():\n    assert encode(\"abbb\") == \"1a3b\"\n";
        assert!(unchecked_examples(task, &[test, more]).is_empty());
    }

    #[test]
    fn in_javascript_the_statement_of_a_test_callback_is_found() {
        let test = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('caps', () => {\n  assert.strictEqual(caps('a b'), 'A B');\n  assert.strictEqual(caps('1a'), '1 A');\n});\n\ntest('empty', function () {\n  assert.strictEqual(caps(''), '');\n});\n";
        let found = failing_statement(Language::JavaScript, test, 6).unwrap();
        assert_eq!(found.text, "assert.strictEqual(caps('1a'), '1 A');");
        assert_eq!(
            found.without,
            "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('caps', () => {\n  assert.strictEqual(caps('a b'), 'A B');\n});\n\ntest('empty', function () {\n  assert.strictEqual(caps(''), '');\n});\n"
        );
        // The only statement of a test: the whole test goes.
        let found = failing_statement(Language::JavaScript, test, 10).unwrap();
        assert_eq!(found.text, "assert.strictEqual(caps(''), '');");
        assert_eq!(
            found.without,
            "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('caps', () => {\n  assert.strictEqual(caps('a b'), 'A B');\n  assert.strictEqual(caps('1a'), '1 A');\n});\n\n"
        );
        // Outside a test, or the last test of the file.
        assert_eq!(failing_statement(Language::JavaScript, test, 1), None);
        let one = "test('a', () => {\n  assert.ok(f());\n});\n";
        assert_eq!(failing_statement(Language::JavaScript, one, 2), None);
    }

    #[test]
    fn nothing_is_found_outside_a_test_or_where_the_last_test_would_go() {
        let source = "from m import f\n\n\ndef helper():\n    return f(1)\n\n\ndef test_f():\n    assert f(1) == 2\n";
        assert_eq!(failing_statement(Language::Python, source, 1), None);
        assert_eq!(failing_statement(Language::Python, source, 5), None);
        assert_eq!(failing_statement(Language::Python, source, 9), None);
        assert_eq!(failing_statement(Language::Rust, source, 9), None);
        let in_class = "class TestF:\n    def test_a(self):\n        assert f(1) == 2\n        assert f(2) == 9\n";
        let found = failing_statement(Language::Python, in_class, 4).unwrap();
        assert_eq!(found.text, "assert f(2) == 9");
    }
}
