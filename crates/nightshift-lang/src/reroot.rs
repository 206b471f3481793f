//! Pointing a Rust integration test at the crate it tests.
//!
//! A file under `tests/` is a crate of its own: in it `crate::` and a `super::` that climbs to
//! the file's top name the test itself, not the library. A small model asked for an integration
//! test writes the shape it has seen most — `mod tests { use super::*; … }` — which then cannot
//! see a single function of the code under test, and the task fails on a test that never ran.

use std::collections::HashSet;
use std::ops::Range;

use crate::Language;

/// Item kinds that define a name at a file's top level.
const ITEMS: &[&str] = &[
    "function_item",
    "struct_item",
    "enum_item",
    "union_item",
    "type_item",
    "const_item",
    "static_item",
    "trait_item",
    "macro_definition",
];

/// A test file with its paths pointed at the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerooted {
    /// The rewritten source.
    pub source: String,
    /// Each line changed, trimmed, as it was: `use super::*;`.
    pub changed: Vec<String>,
}

/// Points the paths of the Rust integration test `source` that name the test file itself
/// (`crate::…`, and `super::…` from a module at the file's top) at `krate`, the crate under test
/// as code spells it. A path to something the test file defines at its top is left alone; a
/// glob (`use super::*;`) in a file that defines things of its own keeps them and gains
/// `use krate::*;` beside it.
///
/// `None` when there is nothing to change, or the file does not parse.
pub fn reroot_integration_test(source: &str, krate: &str) -> Option<Rerooted> {
    let tree = Language::Rust.parse(source)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    let local: HashSet<&str> = root
        .named_children(&mut cursor)
        .filter(|item| ITEMS.contains(&item.kind()))
        .filter_map(|item| item.child_by_field_name("name"))
        .map(|name| &source[name.byte_range()])
        .collect();

    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut changed = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
        let Some(parent) = node.parent() else {
            continue;
        };
        // Inside a macro's arguments (`assert_eq!(crate::f(1), 2)`) a path is only tokens.
        let in_tokens = parent.kind() == "token_tree";
        let starts_path = match parent.kind() {
            "use_wildcard" => parent.named_child(0) == Some(node),
            "token_tree" => node.next_sibling().is_some_and(|next| next.kind() == "::"),
            _ => parent.child_by_field_name("path") == Some(node),
        };
        let depth = enclosing_modules(node);
        let names_file = match node.kind() {
            "crate" => true,
            "super" => depth == 1,
            _ => false,
        };
        if !starts_path || !names_file {
            continue;
        }
        let wildcard = parent.kind() == "use_wildcard";
        let names_local = !wildcard && {
            let named = match parent.kind() {
                "scoped_use_list" => parent.child_by_field_name("list"),
                _ if in_tokens => node.next_named_sibling(),
                _ => parent.child_by_field_name("name"),
            };
            named.is_some_and(|named| {
                identifiers(named).any(|id| local.contains(&source[id.byte_range()]))
            })
        };
        if names_local {
            continue;
        }
        changed.push(line_of(source, node.start_byte()).trim().to_owned());
        if wildcard && !local.is_empty() {
            // The glob also brings in the file's own items: keep it, and add the crate's.
            let Some(declaration) = ancestor(node, "use_declaration") else {
                continue;
            };
            let line = line_of(source, declaration.start_byte());
            let indent = &line[..line.len() - line.trim_start().len()];
            let end = declaration.end_byte();
            edits.push((end..end, format!("\n{indent}use {krate}::*;")));
        } else {
            edits.push((node.byte_range(), krate.to_owned()));
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut rerooted = source.to_owned();
    for (range, text) in edits {
        rerooted.replace_range(range, &text);
    }
    changed.sort();
    changed.dedup();
    Some(Rerooted {
        source: rerooted,
        changed,
    })
}

/// How many `mod` blocks enclose `node`.
fn enclosing_modules(node: tree_sitter::Node<'_>) -> usize {
    std::iter::successors(node.parent(), |n| n.parent())
        .filter(|n| n.kind() == "mod_item")
        .count()
}

fn ancestor<'t>(node: tree_sitter::Node<'t>, kind: &str) -> Option<tree_sitter::Node<'t>> {
    std::iter::successors(node.parent(), |n| n.parent()).find(|n| n.kind() == kind)
}

/// The identifiers in `node`, itself included.
fn identifiers(node: tree_sitter::Node<'_>) -> impl Iterator<Item = tree_sitter::Node<'_>> {
    let mut stack = vec![node];
    std::iter::from_fn(move || {
        while let Some(node) = stack.pop() {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
            if node.kind() == "identifier" {
                return Some(node);
            }
        }
        None
    })
}

/// The whole line holding byte `at`, without its newline.
fn line_of(source: &str, at: usize) -> &str {
    source[crate::whole_lines(source, at..at)].trim_end_matches('\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reroot(source: &str) -> Option<Rerooted> {
        reroot_integration_test(source, "comet_log")
    }

    #[test]
    fn a_unit_test_module_is_pointed_at_the_crate() {
        let source = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts() {\n        assert_eq!(count_comets(\"a b\"), 2);\n    }\n}\n";
        let rerooted = reroot(source).unwrap();
        assert_eq!(
            rerooted.source,
            source.replace("use super::*;", "use comet_log::*;")
        );
        assert_eq!(rerooted.changed, ["use super::*;"]);
    }

    #[test]
    fn crate_paths_and_named_imports_are_pointed_at_the_crate() {
        let source = "use crate::count_comets;\nuse crate::{brightest, Comet};\n\n#[test]\nfn counts() {\n    assert_eq!(crate::count_comets(\"a\"), 1);\n}\n";
        let rerooted = reroot(source).unwrap();
        assert_eq!(rerooted.source, source.replace("crate::", "comet_log::"));
        assert_eq!(
            rerooted.changed,
            [
                "assert_eq!(crate::count_comets(\"a\"), 1);",
                "use crate::count_comets;",
                "use crate::{brightest, Comet};"
            ]
        );
    }

    #[test]
    fn what_the_test_file_defines_stays_its_own() {
        let source = "fn comets() -> Vec<&'static str> {\n    vec![\"a\"]\n}\n\nmod tests {\n    use super::comets;\n    use super::*;\n\n    #[test]\n    fn counts() {\n        assert_eq!(count_comets(&comets()), 1);\n    }\n}\n";
        let rerooted = reroot(source).unwrap();
        assert_eq!(
            rerooted.source,
            source.replace(
                "    use super::*;",
                "    use super::*;\n    use comet_log::*;"
            )
        );
    }

    #[test]
    fn paths_that_already_reach_the_crate_are_left_alone() {
        let nested = "use comet_log::count_comets;\n\nmod outer {\n    mod inner {\n        use super::helper;\n    }\n    fn helper() {}\n}\n\n#[test]\nfn counts() {\n    assert_eq!(count_comets(\"a\"), 1);\n}\n";
        assert_eq!(reroot(nested), None);
        assert_eq!(reroot("fn broken( {"), None);
    }
}
