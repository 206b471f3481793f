//! Tests that do not reach the code. Asked for tests of `beaufort.py`, a small model often
//! pastes `beaufort` itself into `test_beaufort.py` and tests that copy: the tests pass whatever
//! the module does. [`import_instead_of_copies`] takes such copies out and imports the real
//! definitions in their place. As often it calls `orbit_days` with no import at all, and the
//! test fails with a `NameError` whatever the code does: [`import_missing`] adds the import.
//! Python only.

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
    let at = import_at(&found);
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

/// `test` with `from module import …` added for the names of `defined` that it calls but does
/// not define, assign or import anywhere. `None` if none is missing, if it imports `*` from
/// anywhere, or if it does not parse cleanly.
pub fn import_missing(test: &str, module: &str, defined: &[&str]) -> Option<Imported> {
    let found = items(Language::Python, test)?;
    let tree = Language::Python.parse(test)?;
    let mut called = Vec::new();
    let mut bound = Vec::new();
    names_in(tree.root_node(), test, &mut called, &mut bound);
    let imports: Vec<&str> = found
        .iter()
        .filter(|item| item.import)
        .map(|item| &test[item.lines.clone()])
        .collect();
    if imports.iter().any(|text| text.contains('*')) {
        return None;
    }
    let names: Vec<String> = defined
        .iter()
        .filter(|name| {
            called.contains(name)
                && !bound.contains(name)
                && !name.starts_with("test")
                && !imports.iter().any(|text| crate::mentions(text, name))
                && !found
                    .iter()
                    .any(|item| item.names.iter().any(|n| n == *name))
        })
        .map(|name| (*name).to_owned())
        .collect();
    if names.is_empty() {
        return None;
    }
    let at = import_at(&found);
    let mut source = String::with_capacity(test.len() + 64);
    source.push_str(&test[..at]);
    source.push_str(&format!("from {module} import {}\n", names.join(", ")));
    source.push_str(&test[at..]);
    crate::syntax_errors(Language::Python, &source)
        .is_empty()
        .then_some(Imported { source, names })
}

/// Where an import goes: after the last import; with none, before the first statement that is
/// not the docstring.
fn import_at(found: &[crate::restore::Item]) -> usize {
    found
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
        .unwrap_or(0)
}

/// The names `node` calls (`f` of `f(…)`), and those it binds anywhere: defines, assigns, takes
/// as a parameter, or names in a `for`, `with … as` or `except … as`.
fn names_in<'s>(
    node: tree_sitter::Node<'_>,
    source: &'s str,
    called: &mut Vec<&'s str>,
    bound: &mut Vec<&'s str>,
) {
    let text = |n: tree_sitter::Node<'_>| &source[n.byte_range()];
    let field = |name: &str| node.child_by_field_name(name);
    match node.kind() {
        "call" => {
            if let Some(function) = field("function").filter(|f| f.kind() == "identifier") {
                called.push(text(function));
            }
        }
        "function_definition" | "class_definition" => {
            if let Some(name) = field("name") {
                bound.push(text(name));
            }
        }
        "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
            if let Some(left) = field("left") {
                identifiers(left, source, bound);
            }
        }
        "parameters" | "lambda_parameters" | "as_pattern_target" | "named_expression" => {
            identifiers(node, source, bound);
        }
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        names_in(child, source, called, bound);
    }
}

/// Every identifier under `node`, `node` included.
fn identifiers<'s>(node: tree_sitter::Node<'_>, source: &'s str, out: &mut Vec<&'s str>) {
    if node.kind() == "identifier" {
        out.push(&source[node.byte_range()]);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        identifiers(child, source, out);
    }
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
        let test = "import pytest\n\ndef beaufort(n):\n    return str(n)\n\n\ndef beaufort_table(n):\n    return []\n\n\ndef helper():\n    return 8\n\n\ndef test_gale():\n    assert beaufort(helper()) == \"Gale\"\n";
        let imported =
            import_instead_of_copies(test, "sailing.beaufort", &["beaufort", "beaufort_table"])
                .unwrap();
        assert_eq!(
            imported.source,
            "import pytest\nfrom sailing.beaufort import beaufort, beaufort_table\n\ndef helper():\n    return 8\n\n\ndef test_gale():\n    assert beaufort(helper()) == \"Gale\"\n"
        );
        assert_eq!(imported.names, ["beaufort", "beaufort_table"]);
    }

    #[test]
    fn a_called_name_the_test_never_imports_is_imported() {
        let test = "import pytest\n\n\ndef test_orbit_days():\n    assert orbit_days(\"Mars\") == 687\n    assert moon_count(\"Mars\") == 2\n";
        let imported = import_missing(
            test,
            "astronomy",
            &["PLANET_NAMES", "orbit_days", "moon_count"],
        )
        .unwrap();
        assert_eq!(
            imported.source,
            "import pytest\nfrom astronomy import orbit_days, moon_count\n\n\ndef test_orbit_days():\n    assert orbit_days(\"Mars\") == 687\n    assert moon_count(\"Mars\") == 2\n"
        );
        assert_eq!(imported.names, ["orbit_days", "moon_count"]);
        // With no import at all, before the first definition, after the docstring.
        let bare = "\"\"\"Tests.\"\"\"\n\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n";
        assert_eq!(
            import_missing(bare, "calc", &["posts"]).unwrap().source,
            "\"\"\"Tests.\"\"\"\n\nfrom calc import posts\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n"
        );
    }

    #[test]
    fn a_name_the_test_imports_defines_or_binds_is_left_alone() {
        let defined = ["posts"];
        for test in [
            "from calc import posts\n\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n",
            "from calc import (\n    posts,\n)\n\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n",
            "from calc import *\n\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n",
            "import calc\n\ndef test_posts():\n    assert calc.posts(5, 0, 3) == 3\n",
            "def posts(run, gap, ends):\n    return run\n\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n",
            "def test_posts():\n    posts = lambda run, gap, ends: run\n    assert posts(5, 0, 3) == 5\n",
            "def test_posts(posts):\n    assert posts(5, 0, 3) == 3\n",
            "def test_posts():\n    assert max(5, 0) == 5\n",
            "def test_posts(:\n    assert posts(5, 0, 3) == 3\n",
        ] {
            assert_eq!(import_missing(test, "calc", &defined), None, "{test}");
        }
    }

    #[test]
    fn without_imports_the_import_goes_first_and_a_test_importing_the_code_is_left_alone() {
        let test = "def posts(run, gap, ends):\n    return run\n\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n";
        let imported = import_instead_of_copies(test, "fence", &["posts"]).unwrap();
        assert_eq!(
            imported.source,
            "from fence import posts\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n"
        );
        let good =
            "from fence import posts\n\n\ndef test_posts():\n    assert posts(5, 0, 3) == 3\n";
        assert_eq!(import_instead_of_copies(good, "fence", &["posts"]), None);
        assert_eq!(
            import_instead_of_copies("def broken(:\n", "fence", &["posts"]),
            None
        );
    }
}
