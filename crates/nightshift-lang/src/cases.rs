//! The cases of a parametrized pytest test, by the ids pytest gives them, and taking out those
//! that fail.
//!
//! A test of `@pytest.mark.parametrize("n, expected", [(3, "Fizz"), (6, "6"), …])` is one
//! statement, `assert fizzbuzz(n) == expected`, run once per row: when a few rows are wrong
//! (`(6, "6")`), taking out the statement takes out every case with it, and leaves a test that
//! checks nothing. Taking out the failing rows keeps the rest. pytest names each case by its
//! values — `test_fizzbuzz[6-6]`, `test_a[5-expected3]` for a value it does not spell out,
//! `test_b[1_0]` and `test_b[1_1]` for a repeated id — and [`without_cases`] follows that.

use std::collections::HashMap;

use crate::{Language, whole_lines};

/// A test with some of its cases taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cases {
    /// The rows taken out, as written.
    pub removed: Vec<String>,
    /// The test's source without them.
    pub without: String,
}

/// The Python test `source` without the rows of the `@pytest.mark.parametrize` list of its test
/// function `function` whose pytest ids are `failing`. `None` when the function has no such list
/// (or several, or explicit `ids`), when an id matches no row, or when every row would go: then
/// the rows are not what is wrong.
pub fn without_cases(source: &str, function: &str, failing: &[&str]) -> Option<Cases> {
    if failing.is_empty() {
        return None;
    }
    let tree = Language::Python.parse(source)?;
    let decorated = find_decorated(tree.root_node(), source, function)?;
    let mut cursor = decorated.walk();
    let mut lists = decorated
        .named_children(&mut cursor)
        .filter(|d| d.kind() == "decorator")
        .filter_map(|d| parametrize_call(d, source));
    let (call, None) = (lists.next(), lists.next()) else {
        return None;
    };
    let call = call?;
    let arguments = call.child_by_field_name("arguments")?;
    let mut cursor = arguments.walk();
    let args: Vec<_> = arguments
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    if args.iter().any(|a| a.kind() == "keyword_argument") {
        return None; // ids=…, indirect=…: not the ids this module computes
    }
    let [names, values] = args.as_slice() else {
        return None;
    };
    let names: Vec<String> = string_content(*names, source)?
        .split(',')
        .map(|n| n.trim().to_owned())
        .collect();
    if !matches!(values.kind(), "list" | "tuple") {
        return None;
    }
    let mut cursor = values.walk();
    let rows: Vec<_> = values
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let ids = unique(
        rows.iter()
            .enumerate()
            .map(|(index, row)| row_id(*row, source, &names, index))
            .collect(),
    );
    let mut gone: Vec<usize> = Vec::new();
    for id in failing {
        let at = ids.iter().position(|i| i.as_deref() == Some(*id))?;
        if !gone.contains(&at) {
            gone.push(at);
        }
    }
    if gone.len() == rows.len() {
        return None;
    }
    gone.sort_unstable();
    let mut without = source.to_owned();
    for &at in gone.iter().rev() {
        let range = row_range(source, rows[at].byte_range());
        without.replace_range(range, "");
    }
    Some(Cases {
        removed: gone
            .iter()
            .map(|&at| source[rows[at].byte_range()].to_owned())
            .collect(),
        without,
    })
}

/// The decorated definition of the test function `name`, at the top level or in a class.
fn find_decorated<'t>(
    node: tree_sitter::Node<'t>,
    source: &str,
    name: &str,
) -> Option<tree_sitter::Node<'t>> {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "decorated_definition" => {
                let definition = child.child_by_field_name("definition")?;
                let named = definition
                    .child_by_field_name("name")
                    .is_some_and(|n| &source[n.byte_range()] == name);
                if definition.kind() == "function_definition" && named {
                    return Some(child);
                }
                if definition.kind() == "class_definition"
                    && let Some(found) = definition
                        .child_by_field_name("body")
                        .and_then(|body| find_decorated(body, source, name))
                {
                    return Some(found);
                }
            }
            "class_definition" => {
                if let Some(found) = child
                    .child_by_field_name("body")
                    .and_then(|body| find_decorated(body, source, name))
                {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// The `parametrize(…)` call of a decorator, if it is one.
fn parametrize_call<'t>(
    decorator: tree_sitter::Node<'t>,
    source: &str,
) -> Option<tree_sitter::Node<'t>> {
    let call = decorator.named_child(0).filter(|c| c.kind() == "call")?;
    let function = call.child_by_field_name("function")?;
    source[function.byte_range()]
        .ends_with("parametrize")
        .then_some(call)
}

/// The content of a plain string literal: no prefix, no escape, no interpolation.
fn string_content(node: tree_sitter::Node<'_>, source: &str) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let mut content = String::new();
    for part in node.named_children(&mut cursor) {
        match part.kind() {
            "string_start" => {
                let start = &source[part.byte_range()];
                if start.trim_start_matches(['"', '\'']).is_empty() {
                    continue;
                }
                return None; // b"", f"", r"": pytest's id differs
            }
            "string_content" => content.push_str(&source[part.byte_range()]),
            "string_end" => {}
            _ => return None,
        }
    }
    Some(content)
}

/// pytest's id of a row: its values' ids joined by `-`. `None` when this module cannot tell
/// how pytest spells a value.
fn row_id(
    row: tree_sitter::Node<'_>,
    source: &str,
    names: &[String],
    index: usize,
) -> Option<String> {
    let values: Vec<tree_sitter::Node<'_>> = if row.kind() == "tuple" {
        let mut cursor = row.walk();
        row.named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect()
    } else if names.len() == 1 {
        vec![row]
    } else {
        return None;
    };
    if values.len() != names.len() {
        return None;
    }
    let parts: Option<Vec<String>> = values
        .iter()
        .zip(names)
        .map(|(value, name)| value_id(*value, source, name, index))
        .collect();
    Some(parts?.join("-"))
}

fn value_id(
    value: tree_sitter::Node<'_>,
    source: &str,
    name: &str,
    index: usize,
) -> Option<String> {
    let text = &source[value.byte_range()];
    match value.kind() {
        "integer" | "float" => plain_number(text).then(|| text.to_owned()),
        "unary_operator" => {
            let operand = value.child_by_field_name("argument")?;
            let number = &source[operand.byte_range()];
            (text.starts_with('-')
                && matches!(operand.kind(), "integer" | "float")
                && plain_number(number))
            .then(|| format!("-{number}"))
        }
        "string" => {
            let content = string_content(value, source)?;
            // pytest escapes what is not printable ASCII; such ids are not matched.
            content
                .chars()
                .all(|c| c.is_ascii_graphic() || c == ' ')
                .then_some(content)
        }
        "true" => Some("True".to_owned()),
        "false" => Some("False".to_owned()),
        "none" => Some("None".to_owned()),
        // Lists, dicts, calls, names: pytest names them by argument and row.
        _ => Some(format!("{name}{index}")),
    }
}

/// A number written as Python prints it: `6`, `2.5` — not `0x10`, `1_000`, `1e3` or `2.50`.
fn plain_number(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match text.split_once('.') {
        None => digits(text) && (text == "0" || !text.starts_with('0')),
        Some((whole, fraction)) => digits(whole) && digits(fraction) && !fraction.ends_with('0'),
    }
}

/// Repeated ids made unique as pytest makes them: a counter per id, after `_` when the id ends
/// in a digit (`1_0`, `1_1`; `FizzBuzz0`, `FizzBuzz1`).
fn unique(ids: Vec<Option<String>>) -> Vec<Option<String>> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for id in ids.iter().flatten() {
        *counts.entry(id.clone()).or_default() += 1;
    }
    let mut next: HashMap<String, usize> = HashMap::new();
    ids.into_iter()
        .map(|id| {
            let id = id?;
            if counts[&id] < 2 {
                return Some(id);
            }
            let n = next.entry(id.clone()).or_default();
            let separator = if id.ends_with(|c: char| c.is_ascii_digit()) {
                "_"
            } else {
                ""
            };
            let unique = format!("{id}{separator}{n}");
            *n += 1;
            Some(unique)
        })
        .collect()
}

/// What to cut for a row: its whole lines when it stands on lines of its own, else the row and
/// the comma and spaces after it.
fn row_range(source: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut end = range.end;
    let rest = &source[end..];
    let after = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if source[end + after..].starts_with(',') {
        end += after + 1;
    }
    let lines = whole_lines(source, range.start..end);
    let alone = source[lines.start..range.start].trim().is_empty()
        && source[end..lines.end].trim().is_empty();
    if alone {
        return lines;
    }
    let rest = &source[end..];
    end += rest.len() - rest.trim_start_matches(' ').len();
    range.start..end
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const FIZZ: &str = "import pytest\nfrom fizzbuzz import fizzbuzz\n\n\n@pytest.mark.parametrize(\"n, expected\", [\n    (3, \"Fizz\"),\n    (6, \"6\"),\n    (15, \"FizzBuzz\"),\n    (14, \"Buzz\"),\n    (15, \"FizzBuzz\"),\n])\ndef test_fizzbuzz(n, expected):\n    assert fizzbuzz(n) == expected\n";

    #[test]
    fn failing_rows_go_and_the_rest_stay() {
        let cases = without_cases(FIZZ, "test_fizzbuzz", &["6-6", "14-Buzz"]).unwrap();
        assert_eq!(cases.removed, ["(6, \"6\")", "(14, \"Buzz\")"]);
        assert_eq!(
            cases.without,
            "import pytest\nfrom fizzbuzz import fizzbuzz\n\n\n@pytest.mark.parametrize(\"n, expected\", [\n    (3, \"Fizz\"),\n    (15, \"FizzBuzz\"),\n    (15, \"FizzBuzz\"),\n])\ndef test_fizzbuzz(n, expected):\n    assert fizzbuzz(n) == expected\n"
        );
        // A repeated row is named by its place among its twins, as pytest names it.
        let cases = without_cases(FIZZ, "test_fizzbuzz", &["15-FizzBuzz1"]).unwrap();
        assert_eq!(cases.removed, ["(15, \"FizzBuzz\")"]);
        assert!(cases.without.ends_with("(14, \"Buzz\"),\n])\ndef test_fizzbuzz(n, expected):\n    assert fizzbuzz(n) == expected\n"), "{}", cases.without);
    }

    #[test]
    fn ids_as_pytest_spells_them() {
        // The ids pytest 9 gave these rows: `[5-expected1]`, `[True-None]`, `[-1-]`, `[1_0]`.
        let source = "import pytest\n\n@pytest.mark.parametrize('n, expected', [(1.5, 'x y'), (5, ['a']), (True, None), (-1, '')])\ndef test_a(n, expected):\n    assert n\n\n\nclass TestB:\n    @pytest.mark.parametrize(\"n\", [1, 2, 1])\n    def test_b(self, n):\n        assert n\n";
        let cases = without_cases(source, "test_a", &["5-expected1", "True-None", "-1-"]).unwrap();
        assert_eq!(cases.removed, ["(5, ['a'])", "(True, None)", "(-1, '')"]);
        assert!(
            cases.without.contains("[(1.5, 'x y'), ])"),
            "{}",
            cases.without
        );
        let cases = without_cases(source, "test_b", &["1_0"]).unwrap();
        assert_eq!(cases.removed, ["1"]);
        assert!(cases.without.contains("[2, 1])"), "{}", cases.without);
    }

    #[test]
    fn nothing_goes_when_the_ids_do_not_all_match_or_every_row_would() {
        assert_eq!(without_cases(FIZZ, "test_fizzbuzz", &["7-7"]), None);
        assert_eq!(
            without_cases(
                FIZZ,
                "test_fizzbuzz",
                &["3-Fizz", "6-6", "15-FizzBuzz0", "14-Buzz", "15-FizzBuzz1"]
            ),
            None
        );
        assert_eq!(without_cases(FIZZ, "test_other", &["6-6"]), None);
        let explicit = FIZZ.replace("])\ndef", "], ids=str)\ndef");
        assert_eq!(without_cases(&explicit, "test_fizzbuzz", &["6-6"]), None);
    }
}
