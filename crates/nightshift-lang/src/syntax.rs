//! Syntax errors, located: tree-sitter recovers from errors by wrapping what it cannot parse in
//! `ERROR` nodes and inventing `MISSING` tokens; each becomes one [`SyntaxError`].

use std::fmt;

use crate::Language;

/// Errors reported per file at most: past the first few, the rest are usually consequences.
const MAX_ERRORS: usize = 8;
/// Characters of source quoted in a message.
const QUOTE_CHARS: usize = 40;

/// One place where a file does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in bytes.
    pub column: usize,
    /// What is wrong there.
    pub message: String,
    /// The source line, for the reader.
    pub text: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if !self.text.trim().is_empty() {
            write!(f, "\n    {}", self.text.trim_end())?;
        }
        Ok(())
    }
}

/// The syntax errors of `source`, in order; empty when it parses.
pub fn syntax_errors(language: Language, source: &str) -> Vec<SyntaxError> {
    let Some(tree) = language.parse(source) else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    collect(tree.root_node(), source, &mut errors);
    errors
}

fn collect(node: tree_sitter::Node<'_>, source: &str, errors: &mut Vec<SyntaxError>) {
    if errors.len() >= MAX_ERRORS {
        return;
    }
    if node.is_missing() {
        errors.push(located(node, source, format!("missing `{}`", node.kind())));
        return;
    }
    if node.is_error() {
        let text = node.utf8_text(source.as_bytes()).unwrap_or_default();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let message = if first.trim().is_empty() {
            "cannot parse here".to_owned()
        } else {
            format!("cannot parse `{}`", quote(first.trim()))
        };
        errors.push(located(node, source, message));
        return;
    }
    if !node.has_error() {
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect(child, source, errors);
    }
}

fn located(node: tree_sitter::Node<'_>, source: &str, message: String) -> SyntaxError {
    let at = node.start_position();
    SyntaxError {
        line: at.row + 1,
        column: at.column + 1,
        message,
        text: source.lines().nth(at.row).unwrap_or_default().to_owned(),
    }
}

fn quote(text: &str) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return text.to_owned();
    }
    text.chars().take(QUOTE_CHARS).chain(['…']).collect()
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn lines(language: Language, source: &str) -> Vec<usize> {
        syntax_errors(language, source)
            .iter()
            .map(|e| e.line)
            .collect()
    }

    #[test]
    fn valid_code_has_no_errors() {
        let cases = [
            (Language::Python, "def f(x):\n    return x + 1\n"),
            (Language::Rust, "fn main() {\n    let x = 1;\n}\n"),
            (
                Language::JavaScript,
                "export function f(x) { return x + 1; }\n",
            ),
            (
                Language::TypeScript,
                "export function f(x: number): number { return x + 1; }\n",
            ),
            (
                Language::Tsx,
                "export const App = () => <div className=\"a\">hi</div>;\n",
            ),
            (
                Language::Go,
                "package main\n\nfunc f(x int) int {\n\treturn x + 1\n}\n",
            ),
        ];
        for (language, source) in cases {
            assert_eq!(
                syntax_errors(language, source),
                vec![],
                "{}",
                language.name()
            );
        }
    }

    #[test]
    fn errors_carry_their_line() {
        assert_eq!(
            lines(Language::Python, "x = 1\ndef f(:\n    pass\n"),
            vec![2]
        );
        assert_eq!(
            lines(Language::Rust, "fn main() {\n    let x = ;\n}\n"),
            vec![2]
        );
        assert_eq!(
            lines(Language::JavaScript, "function f() {\n  return 1 +;\n}\n"),
            vec![2]
        );
        assert_eq!(
            lines(
                Language::TypeScript,
                "let a: number = 1;\nfunction f(x: number {\n  return x;\n}\n"
            ),
            vec![2]
        );
        assert_eq!(
            lines(
                Language::Go,
                "package main\n\nfunc f() int {\n\treturn 1 +\n}\n"
            ),
            vec![4]
        );
    }

    #[test]
    fn an_unclosed_block_is_reported() {
        let errors = syntax_errors(Language::Rust, "fn main() {\n    let x = 1;\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 1, "{errors:?}");
        assert!(errors[0].message.contains("fn main() {"), "{errors:?}");
    }

    #[test]
    fn a_missing_token_is_named() {
        let errors = syntax_errors(Language::JavaScript, "const a = [1, 2;\n");
        assert!(
            errors.iter().any(|e| e.message.starts_with("missing")),
            "{errors:?}"
        );
    }

    #[test]
    fn a_message_quotes_the_source() {
        let errors = syntax_errors(Language::Python, "def f(:\n    pass\n");
        let shown = errors[0].to_string();
        assert!(shown.starts_with("1:"), "{shown}");
        assert!(shown.contains("def f(:"), "{shown}");
    }
}
