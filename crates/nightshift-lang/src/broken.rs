//! Lines of a test that do not parse. The test a small model writes for itself often breaks on
//! one line — it copies `6.667...` from the task as a value, or its reply ends in the middle of
//! an assert — while the rest of it is a test. [`without_broken_lines`] takes such lines out,
//! one assert at a time, as long as that is all that is wrong. Python only.

use crate::{Language, syntax_errors};

/// Most lines taken out of one file.
const MAX_LINES: usize = 3;

/// A test with the lines that did not parse taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mended {
    /// The whole test file.
    pub source: String,
    /// The lines taken out, trimmed, in the order found.
    pub removed: Vec<String>,
}

/// `source` without the assert lines that make it fail to parse: each must be a whole, indented
/// line starting with `assert` that does not parse on its own either (a line cut short, a value
/// like `6.667...`), where the parser places the error or last in the file. `None` if the file
/// parses as it is, if a line in the way is anything else, or if the rest holds no assert.
pub fn without_broken_lines(language: Language, source: &str) -> Option<Mended> {
    if language != Language::Python {
        return None;
    }
    let mut text = source.to_owned();
    let mut removed = Vec::new();
    for _ in 0..=MAX_LINES {
        let Some(error) = syntax_errors(language, &text).into_iter().next() else {
            let asserts = text.lines().any(|l| l.trim_start().starts_with("assert"));
            return (!removed.is_empty() && asserts).then_some(Mended {
                source: text,
                removed,
            });
        };
        if removed.len() == MAX_LINES {
            return None;
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let broken = |index: usize| {
            let line = lines[index];
            let statement = line.trim();
            line.starts_with([' ', '\t'])
                && (statement.starts_with("assert ") || statement.starts_with("assert("))
                && !syntax_errors(language, statement).is_empty()
        };
        // Where the parser places the error; else the last line, as a reply cut short inside
        // brackets leaves it (the parser then places the error where the file begins).
        let last = lines.iter().rposition(|line| !line.trim().is_empty());
        let index = error
            .line
            .checked_sub(1)
            .filter(|&i| i < lines.len())
            .into_iter()
            .chain(last)
            .find(|&i| broken(i))?;
        removed.push(lines[index].trim().to_owned());
        text = lines
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != index)
            .map(|(_, l)| *l)
            .collect();
    }
    None
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn an_assert_that_does_not_parse_is_taken_out() {
        let test = "import physics\n\n\ndef test_speed():\n    assert physics.speed(100, 8) == 12.5\n    assert physics.speed(20, 3) == 6.667..., \"case 3\"\n    assert physics.speed(0, 5) == 0.0\n";
        let mended = without_broken_lines(Language::Python, test).unwrap();
        assert_eq!(
            mended.source,
            "import physics\n\n\ndef test_speed():\n    assert physics.speed(100, 8) == 12.5\n    assert physics.speed(0, 5) == 0.0\n"
        );
        assert_eq!(
            mended.removed,
            ["assert physics.speed(20, 3) == 6.667..., \"case 3\""]
        );
    }

    #[test]
    fn a_reply_cut_short_in_an_assert_loses_that_line() {
        let test = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(1, ";
        let mended = without_broken_lines(Language::Python, test).unwrap();
        assert_eq!(
            mended.source,
            "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
        );
    }

    #[test]
    fn a_reply_cut_short_inside_brackets_loses_its_last_line() {
        // Cut inside a list, the parser places the error at the file's first line.
        let head = "import shelf\n\n\ndef test_batched():\n    assert shelf.batched([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]\n";
        for cut in [
            "    assert shelf.batched([1, 2, 3,",
            "    assert shelf.batched([1, 2, 3], 2) == [[1, 2], [",
        ] {
            let test = format!("{head}{cut}");
            assert_eq!(syntax_errors(Language::Python, &test)[0].line, 1);
            let mended = without_broken_lines(Language::Python, &test).unwrap();
            assert_eq!(mended.source, head);
            assert_eq!(mended.removed, [cut.trim()]);
        }
    }

    #[test]
    fn anything_but_a_broken_assert_line_is_left_to_the_model() {
        for test in [
            // Parses: nothing to do.
            "def test_add():\n    assert add(2, 3) == 5\n",
            // The broken line is no assert.
            "def test_add():\n    x = (1,\n    assert add(2, 3) == 5\n",
            // An assert over two lines: its first line alone does not parse, the rest neither.
            "def test_add():\n    assert add(2,\n        3) == 5 ==\n",
            // Nothing would be left to check.
            "def test_add():\n    pass\n\n\ndef test_more():\n    assert add(2, 3) == 3.3...\n",
            "def test_add():\n    assert add(2, 3) == 3.3...\n",
        ] {
            assert_eq!(without_broken_lines(Language::Python, test), None, "{test}");
        }
        let js = "test('add', () => {\n  assert add(2, 3) == 5\n});\n";
        assert_eq!(without_broken_lines(Language::JavaScript, js), None);
    }
}
