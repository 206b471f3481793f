//! What each definition of a file is and uses: its text, and the names its body refers to.
//! Enough to follow a call from a function to the helpers it relies on, and to tell which of
//! them an answer changed, in any language nightshift parses, without resolving scopes — a
//! reader of the map filters the names by what the repository defines.

use std::collections::{BTreeMap, BTreeSet};

use crate::Language;

/// For each definition in `source` with a body (function, method, class, module, and a JS
/// function bound to a name), the identifiers its body holds. Definitions of one name are
/// merged; a nested definition's names count for the one around it too.
pub fn uses(language: Language, source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(tree) = language.parse(source) {
        each_definition(tree.root_node(), &mut |name, body, _| {
            let name = name.utf8_text(source.as_bytes()).unwrap_or_default();
            if !name.is_empty() {
                identifiers(
                    body,
                    source.as_bytes(),
                    found.entry(name.to_owned()).or_default(),
                );
            }
        });
    }
    found
}

/// For each definition in `source` with a body (as [`uses`] finds them), its text; the texts of
/// definitions of one name joined.
pub fn definitions(language: Language, source: &str) -> BTreeMap<String, String> {
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    if let Some(tree) = language.parse(source) {
        each_definition(tree.root_node(), &mut |name, _, whole| {
            let name = name.utf8_text(source.as_bytes()).unwrap_or_default();
            if !name.is_empty() {
                let text = whole.utf8_text(source.as_bytes()).unwrap_or_default();
                found.entry(name.to_owned()).or_default().push_str(text);
            }
        });
    }
    found
}

/// Calls `each` with the name, the body and the whole node of every definition under `node`,
/// outer ones first.
fn each_definition<'t>(
    node: tree_sitter::Node<'t>,
    each: &mut impl FnMut(tree_sitter::Node<'t>, tree_sitter::Node<'t>, tree_sitter::Node<'t>),
) {
    if let Some((name, body)) = definition(node) {
        each(name, body, node);
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        each_definition(child, each);
    }
}

/// The name and body of `node`, if it defines something with a body: a node with both a `name`
/// and a `body` field is one in every grammar nightshift parses (Python's `def` and `class`,
/// Rust's `fn`, `trait` and `mod`, JS's `function` and `class`, Go's `func`); JS binds a
/// function to a name as `const f = (…) => …` too.
fn definition(
    node: tree_sitter::Node<'_>,
) -> Option<(tree_sitter::Node<'_>, tree_sitter::Node<'_>)> {
    let name = node.child_by_field_name("name")?;
    if let Some(body) = node.child_by_field_name("body") {
        return Some((name, body));
    }
    let value = node.child_by_field_name("value")?;
    (node.kind() == "variable_declarator"
        && matches!(
            value.kind(),
            "arrow_function" | "function_expression" | "function"
        ))
    .then_some((name, value))
}

/// Every identifier under `node` (`identifier`, and each grammar's `property_identifier`,
/// `field_identifier`, `type_identifier`): what a call, an attribute or a type names.
fn identifiers(node: tree_sitter::Node<'_>, source: &[u8], names: &mut BTreeSet<String>) {
    if node.kind().ends_with("identifier") {
        if let Ok(text) = node.utf8_text(source) {
            names.insert(text.to_owned());
        }
        return;
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        identifiers(child, source, names);
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn used(language: Language, source: &str, name: &str) -> Vec<String> {
        uses(language, source)
            .remove(name)
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    #[test]
    fn a_python_function_uses_what_it_calls_and_a_method_what_it_calls_on_self() {
        let source = "LIMIT = 3\n\ndef ripe(fruit):\n    return weight(fruit) > LIMIT\n\ndef weight(fruit):\n    return len(fruit)\n\nclass Basket:\n    def take(self, fruit):\n        return self.keep(fruit) if ripe(fruit) else None\n";
        assert_eq!(
            used(Language::Python, source, "ripe"),
            ["LIMIT", "fruit", "weight"]
        );
        assert_eq!(used(Language::Python, source, "weight"), ["fruit", "len"]);
        assert_eq!(
            used(Language::Python, source, "take"),
            ["fruit", "keep", "ripe", "self"]
        );
        // The class holds what its methods use.
        assert!(used(Language::Python, source, "Basket").contains(&"ripe".to_owned()));
    }

    #[test]
    fn rust_javascript_and_go_functions_use_what_they_call() {
        let rust = "fn total(xs: &[u32]) -> u32 {\n    xs.iter().map(|x| scale(*x)).sum()\n}\n\nfn scale(x: u32) -> u32 { x * 2 }\n";
        assert!(used(Language::Rust, rust, "total").contains(&"scale".to_owned()));
        let js =
            "function shout(s) {\n  return louder(s);\n}\nconst louder = (s) => s.toUpperCase();\n";
        assert_eq!(used(Language::JavaScript, js, "shout"), ["louder", "s"]);
        assert_eq!(
            used(Language::JavaScript, js, "louder"),
            ["s", "toUpperCase"]
        );
        let go = "package p\n\nfunc Area(w, h int) int {\n\treturn mul(w, h)\n}\n";
        assert!(used(Language::Go, go, "Area").contains(&"mul".to_owned()));
    }

    #[test]
    fn a_file_that_does_not_parse_as_a_whole_still_yields_what_does() {
        let source = "def ok(a):\n    return helper(a)\n\ndef broken(:\n    pass\n";
        assert!(used(Language::Python, source, "ok").contains(&"helper".to_owned()));
    }

    #[test]
    fn each_definition_has_its_text() {
        let source = "def a():\n    return 1\n\n\nclass B:\n    def c(self):\n        return a()\n";
        let found = definitions(Language::Python, source);
        assert_eq!(found["a"], "def a():\n    return 1");
        assert_eq!(found["c"], "def c(self):\n        return a()");
        assert!(found["B"].starts_with("class B:"));
    }
}
