//! Narrowing a test file to what a task is about: the test functions and asserts that check only
//! code the task does not name are taken out.
//!
//! A small model asked for a test of a module tests every function in it, and gets the expected
//! values of the ones the task never touched wrong often enough that correct work fails on them.
//! Telling it to leave them out does not work at that size; taking them out does.

use std::collections::HashSet;

use crate::Language;

/// A test file with the parts that check only other code taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrowed {
    /// The narrowed source.
    pub source: String,
    /// The first line of each part taken out, trimmed: `def test_reverse():`,
    /// `assert count_words("a b") == 2`.
    pub removed: Vec<String>,
}

/// Narrows the test file `source` to `named`, the symbols a task is about: a test function, a
/// test method or an assert (at the top level or directly in a test's body) that refers to one of
/// `others` — the rest of the code under test — and to none of `named` is taken out.
///
/// `None` when there is nothing to take out, when taking it out would leave no test at all (the
/// file is then better left as the model wrote it than emptied), or for a language other than
/// Python.
pub fn narrow_test(
    language: Language,
    source: &str,
    named: &[&str],
    others: &[&str],
) -> Option<Narrowed> {
    if language != Language::Python || named.is_empty() {
        return None;
    }
    let tree = language.parse(source)?;
    if tree.root_node().has_error() {
        return None;
    }
    let mut narrowing = Narrowing {
        source,
        named: named.iter().copied().collect(),
        others: others.iter().copied().collect(),
        cut: Vec::new(),
        kept_tests: 0,
    };
    narrowing.module(tree.root_node());
    if narrowing.cut.is_empty() || narrowing.kept_tests == 0 {
        return None;
    }
    let mut cut = narrowing.cut;
    cut.sort_by_key(|(range, _)| range.start);
    let mut narrowed = String::with_capacity(source.len());
    let mut at = 0;
    let mut removed = Vec::new();
    for (range, first_line) in cut {
        narrowed.push_str(&source[at..range.start]);
        at = range.end;
        removed.push(first_line);
    }
    narrowed.push_str(&source[at..]);
    // What was cut at the end leaves the blank lines before it.
    narrowed.truncate(narrowed.trim_end().len());
    narrowed.push('\n');
    Some(Narrowed {
        source: narrowed,
        removed,
    })
}

struct Narrowing<'a> {
    source: &'a str,
    named: HashSet<&'a str>,
    others: HashSet<&'a str>,
    /// Byte ranges to take out (whole lines), with the first line of each.
    cut: Vec<(std::ops::Range<usize>, String)>,
    /// Tests (functions, methods, top-level asserts) left in.
    kept_tests: usize,
}

/// What a part of a test refers to.
#[derive(PartialEq)]
enum Refers {
    /// A symbol the task names.
    Named,
    /// Only other code under test.
    OnlyOthers,
    /// Neither.
    Nothing,
}

impl Narrowing<'_> {
    fn module(&mut self, module: tree_sitter::Node<'_>) {
        let mut cursor = module.walk();
        for node in module.named_children(&mut cursor) {
            match node.kind() {
                "assert_statement" => self.test(node, node),
                "class_definition" if self.name(node).is_some_and(|n| n.starts_with("Test")) => {
                    self.class(node);
                }
                _ => {
                    if let Some(function) = test_function(self.source, node) {
                        self.test(node, function);
                    }
                }
            }
        }
    }

    /// A test class: its test methods one by one.
    fn class(&mut self, class: tree_sitter::Node<'_>) {
        let Some(body) = class.child_by_field_name("body") else {
            return;
        };
        let mut cursor = body.walk();
        for node in body.named_children(&mut cursor) {
            if let Some(function) = test_function(self.source, node) {
                self.test(node, function);
            }
        }
    }

    /// One test (`node`, which is `inner` or wraps it in decorators): taken out whole if it
    /// checks only other code; else its asserts on other code alone are.
    fn test(&mut self, node: tree_sitter::Node<'_>, inner: tree_sitter::Node<'_>) {
        if self.refers(node) == Refers::OnlyOthers && self.cut_lines(node, inner) {
            return;
        }
        self.kept_tests += 1;
        let Some(body) = inner.child_by_field_name("body") else {
            return;
        };
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            if statement.kind() == "assert_statement"
                && self.refers(statement) == Refers::OnlyOthers
            {
                self.cut_lines(statement, statement);
            }
        }
    }

    fn refers(&self, node: tree_sitter::Node<'_>) -> Refers {
        let mut refers = Refers::Nothing;
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            if node.kind() == "identifier" {
                let name = &self.source[node.byte_range()];
                if self.named.contains(name) {
                    return Refers::Named;
                }
                if self.others.contains(name) {
                    refers = Refers::OnlyOthers;
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        refers
    }

    /// Marks the lines `node` spans for taking out, if it has them to itself; `shown` (`node` or
    /// the definition inside its decorators) gives the line reported.
    fn cut_lines(&mut self, node: tree_sitter::Node<'_>, shown: tree_sitter::Node<'_>) -> bool {
        let range = node.byte_range();
        let lines = crate::whole_lines(self.source, range.clone());
        let (line_start, line_end) = (lines.start, lines.end);
        let before = &self.source[line_start..range.start];
        let after = self.source[range.end..line_end].trim();
        if !before.trim().is_empty() || !(after.is_empty() || after.starts_with('#')) {
            return false;
        }
        let first_line = self.source[shown.byte_range()]
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        self.cut.push((line_start..line_end, first_line));
        true
    }

    fn name(&self, node: tree_sitter::Node<'_>) -> Option<&str> {
        node.child_by_field_name("name")
            .map(|name| &self.source[name.byte_range()])
    }
}

/// The function definition of a test (`def test…`, decorated or not), if `node` is one.
fn test_function<'t>(source: &str, node: tree_sitter::Node<'t>) -> Option<tree_sitter::Node<'t>> {
    let function = match node.kind() {
        "function_definition" => node,
        "decorated_definition" => node.child_by_field_name("definition")?,
        _ => return None,
    };
    let name = function.child_by_field_name("name")?;
    (function.kind() == "function_definition" && source[name.byte_range()].starts_with("test"))
        .then_some(function)
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const OTHERS: &[&str] = &["reverse", "count_words"];

    fn narrow(source: &str) -> Option<Narrowed> {
        narrow_test(Language::Python, source, &["is_palindrome"], OTHERS)
    }

    #[test]
    fn tests_of_functions_the_task_does_not_name_are_taken_out() {
        let source = "from textutils import is_palindrome, reverse, count_words\nimport pytest\n\n\
                      def test_is_palindrome():\n    assert is_palindrome(\"Abba\")\n\n\
                      @pytest.mark.parametrize(\"s\", [\"ab\"])\ndef test_reverse(s):\n    assert reverse(s) == \"ba\"\n\n\
                      def test_count():\n    assert count_words(\"1234567890\") == 10\n\n\
                      assert count_words(\"a b\") == 2\nassert not is_palindrome(\"ab\")\n";
        let narrowed = narrow(source).unwrap();
        assert_eq!(
            narrowed.source,
            "from textutils import is_palindrome, reverse, count_words\nimport pytest\n\n\
             def test_is_palindrome():\n    assert is_palindrome(\"Abba\")\n\n\n\n\
             assert not is_palindrome(\"ab\")\n"
        );
        assert_eq!(
            narrowed.removed,
            [
                "def test_reverse(s):",
                "def test_count():",
                "assert count_words(\"a b\") == 2",
            ]
        );
    }

    #[test]
    fn in_a_test_of_the_task_only_the_asserts_on_other_code_go() {
        let source = "import textutils as t\n\n\
                      def test_all():\n    word = t.reverse(\"abba\")\n    assert t.is_palindrome(word)\n    assert t.count_words(\"a b\") == 3  # wrong\n    if word:\n        assert t.reverse(\"x\") == \"x\"\n";
        let narrowed = narrow(source).unwrap();
        assert_eq!(
            narrowed.source,
            "import textutils as t\n\n\
             def test_all():\n    word = t.reverse(\"abba\")\n    assert t.is_palindrome(word)\n    if word:\n        assert t.reverse(\"x\") == \"x\"\n"
        );
    }

    #[test]
    fn test_methods_of_a_class_are_judged_one_by_one() {
        let source = "class TestText:\n    def test_palindrome(self):\n        assert is_palindrome(\"a\")\n\n    def test_reverse(self):\n        assert reverse(\"ab\") == \"ba\"\n";
        assert_eq!(
            narrow(source).unwrap().source,
            "class TestText:\n    def test_palindrome(self):\n        assert is_palindrome(\"a\")\n"
        );
    }

    #[test]
    fn a_file_is_left_alone_when_nothing_or_everything_would_go() {
        // Every test is of the task.
        assert_eq!(
            narrow("def test_p():\n    assert is_palindrome(\"a\")\n"),
            None
        );
        // No test is: emptying the file would leave nothing to run.
        assert_eq!(
            narrow("def test_r():\n    assert reverse(\"a\") == \"a\"\n"),
            None
        );
        // Helpers and tests that name nothing of the code stay.
        assert_eq!(
            narrow(
                "def helper():\n    return reverse(\"a\")\n\ndef test_x():\n    assert 1 + 1 == 2\n"
            ),
            None
        );
        // Not parsed: left for the syntax check to report.
        assert_eq!(narrow("def test_r(:\n    assert reverse(\"a\")\n"), None);
        // The task names no symbol: nothing to narrow to.
        assert_eq!(
            narrow_test(
                Language::Python,
                "def test_r():\n    assert reverse(\"a\")\n",
                &[],
                OTHERS
            ),
            None
        );
    }

    #[test]
    fn an_assert_sharing_its_line_stays() {
        let source = "def test_p():\n    assert is_palindrome(\"a\")\n    x = 1; assert reverse(\"a\") == \"b\"\n";
        assert_eq!(narrow(source), None);
    }
}
