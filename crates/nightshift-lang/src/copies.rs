//! Tests that check a copy of the code. Asked for tests of `fizzbuzz.py`, a small model often
//! pastes `fizzbuzz` itself into `test_fizzbuzz.py` and tests that copy: the tests pass whatever
//! the module does. [`import_instead_of_copies`] takes such copies out and imports the real
//! definitions in their place. Python only.

use crate::restore::items;
use crate::{Language, whole_lines};

/// A test file whose copies of the code under test were replaced by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The whole test file.
    pub source: String,
    /// The names taken out and imported instead, in file order.
    pub names: Vec<String>,
}

/// `test` with its top-level functions and classes that `module` (a dotted Python module
/// name) also defines — `defined` lists those — taken out, and `from module import …` added
/// after its imports. `None` if it has no such copy, or does not parse cleanly.
pub fn import_instead_of_copies(test: &str, module: &str, defined: &[&str]) -> Option<Imported> {
    let found = items(Language::Python, test)?;
    let copies: Vec<_> = found
        .iter()
        .filter(|item| {
            item.callable
                && !item.names.is_empty()
                && item
                    .names
                    .iter()
                    .all(|name| defined.contains(&name.as_str()) && !name.starts_with("test"))
        })
        .collect();
    if copies.is_empty() {
        return None;
    }
    let names: Vec<String> = copies.iter().flat_map(|item| item.names.clone()).collect();
    let import = format!("from {module} import {}\n", names.join(", "));
    // After the last import; with none, before the first statement that is not the docstring.
    let at = found
        .iter()
        .rev()
        .find(|item| item.import)
        .map(|item| item.lines.end)
        .or_else(|| {
            found
                .iter()
                .find(|item| item.import || !item.names.is_empty() || item.callable)
                .map(|item| item.lines.start)
        })
        .unwrap_or(0);
    let mut source = String::with_capacity(test.len());
    let mut done = 0;
    let mut cuts: Vec<std::ops::Range<usize>> = copies
        .iter()
        .map(|item| with_blank_lines_after(test, item.lines.clone()))
        .collect();
    cuts.push(at..at);
    cuts.sort_by_key(|range| (range.start, range.end));
    for cut in cuts {
        if cut.is_empty() {
            source.push_str(&test[done..cut.start]);
            source.push_str(&import);
            done = cut.start;
        } else {
            source.push_str(&test[done..cut.start.max(done)]);
            done = cut.end.max(done);
        }
    }
    source.push_str(&test[done..]);
    crate::syntax_errors(Language::Python, &source)
        .is_empty()
        .then_some(Imported { source, names })
}

/// `lines` and the blank lines after it.
fn with_blank_lines_after(text: &str, lines: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut end = lines.end;
    while end < text.len() {
        let next = whole_lines(text, end..end);
        if !text[next.clone()].trim().is_empty() {
            break;
        }
        end = next.end;
    }
    lines.start..end
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn a_pasted_copy_of_the_code_is_replaced_by_an_import() {
        let test = "import pytest\n\ndef fizzbuzz(n):\n    return str(n)\n\n\ndef fizzbuzz_sequence(n):\n    return []\n\n\ndef helper():\n    return 3\n\n\ndef test_fizz():\n    assert fizzbuzz(helper()) == \"Fizz\"\n";
        let imported =
            import_instead_of_copies(test, "games.fizzbuzz", &["fizzbuzz", "fizzbuzz_sequence"])
                .unwrap();
        assert_eq!(
            imported.source,
            "import pytest\nfrom games.fizzbuzz import fizzbuzz, fizzbuzz_sequence\n\ndef helper():\n    return 3\n\n\ndef test_fizz():\n    assert fizzbuzz(helper()) == \"Fizz\"\n"
        );
        assert_eq!(imported.names, ["fizzbuzz", "fizzbuzz_sequence"]);
    }

    #[test]
    fn without_imports_the_import_goes_first_and_a_test_importing_the_code_is_left_alone() {
        let test = "def clamp(v, lo, hi):\n    return v\n\ndef test_clamp():\n    assert clamp(5, 0, 3) == 3\n";
        let imported = import_instead_of_copies(test, "clamp", &["clamp"]).unwrap();
        assert_eq!(
            imported.source,
            "from clamp import clamp\ndef test_clamp():\n    assert clamp(5, 0, 3) == 3\n"
        );
        let good =
            "from clamp import clamp\n\n\ndef test_clamp():\n    assert clamp(5, 0, 3) == 3\n";
        assert_eq!(import_instead_of_copies(good, "clamp", &["clamp"]), None);
        assert_eq!(
            import_instead_of_copies("def broken(:\n", "clamp", &["clamp"]),
            None
        );
    }
}
