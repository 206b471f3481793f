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

/// Statements a body must hold (a docstring and comments aside) for a copy of it to count in
/// [`copied_definitions`]: a one-line body (`return self.items`, `pass`, a call passed on) is
/// often rightly the same in two definitions.
const COPIED_STATEMENTS: usize = 2;

/// The definitions `after` adds whose body is, token for token (comments and a leading
/// docstring aside), the body of a definition
/// `before` had and `after` still has unchanged: `(new, copied)` pairs, in `after`'s order.
/// Asked for a definition the code lacks, a small model at times writes one it has under the new
/// name. A body counts from [`COPIED_STATEMENTS`] statements; a definition whose body `after`
/// changed is not copied from (keeping the old behaviour under a new name while changing it
/// under the old is not a copy).
pub fn copied_definitions(language: Language, before: &str, after: &str) -> Vec<(String, String)> {
    let old = bodies(language, before);
    let new = bodies(language, after);
    let had = |name: &str, body: &str| old.iter().any(|(n, b, _)| n == name && b == body);
    let mut found = Vec::new();
    for (name, body, statements) in &new {
        if statements < &COPIED_STATEMENTS || old.iter().any(|(n, _, _)| n == name) {
            continue;
        }
        if let Some((copied, _, _)) = new
            .iter()
            .find(|(other, same, _)| other != name && same == body && had(other, body))
        {
            found.push((name.clone(), copied.clone()));
        }
    }
    found
}

/// Every definition of `source` with its body's tokens (comments and a leading docstring left
/// out), and the number of statements in it.
fn bodies(language: Language, source: &str) -> Vec<(String, String, usize)> {
    let mut found = Vec::new();
    let Some(tree) = language.parse(source) else {
        return found;
    };
    let bytes = source.as_bytes();
    each_definition(tree.root_node(), &mut |name, body, _| {
        let name = name.utf8_text(bytes).unwrap_or_default();
        let statements = statements(body);
        let mut text = String::new();
        for statement in &statements {
            tokens(*statement, bytes, &mut text);
            text.push('\n');
        }
        if !name.is_empty() {
            found.push((name.to_owned(), text, statements.len()));
        }
    });
    found
}

/// The statements of a definition's body, comments and a Python docstring left out: the named
/// children of a block; an expression body (`(a) => a + 1`) is one.
fn statements(body: tree_sitter::Node<'_>) -> Vec<tree_sitter::Node<'_>> {
    if matches!(
        body.kind(),
        "arrow_function" | "function_expression" | "function"
    ) && let Some(inner) = body.child_by_field_name("body")
    {
        return statements(inner);
    }
    let kind = body.kind();
    if !(kind.ends_with("block") || kind.ends_with("body") || kind == "declaration_list") {
        return vec![body];
    }
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter(|child| !child.kind().contains("comment"))
        .enumerate()
        .filter(|(i, child)| !(*i == 0 && is_docstring(*child)))
        .map(|(_, child)| child)
        .collect()
}

/// The tokens under `node`, comments left out, each followed by one space.
fn tokens(node: tree_sitter::Node<'_>, source: &[u8], text: &mut String) {
    if node.kind().contains("comment") {
        return;
    }
    if node.child_count() == 0 {
        text.push_str(node.utf8_text(source).unwrap_or_default());
        text.push(' ');
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        tokens(child, source, text);
    }
}

/// A Python statement that is a string alone.
fn is_docstring(node: tree_sitter::Node<'_>) -> bool {
    node.kind() == "expression_statement"
        && node.named_child_count() == 1
        && node
            .named_child(0)
            .is_some_and(|child| child.kind() == "string")
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
    fn a_new_definition_with_the_body_of_one_kept_as_it_was_is_a_copy() {
        let before = "def key(w):\n    return w.lower()\n\n\ndef longest(words):\n    \"\"\"The longest.\"\"\"\n    best = None\n    for w in words:\n        if best is None or len(w) > len(best):\n            best = w\n    return best\n";
        let copy = "\n\ndef by_key(words):\n    \"\"\"Grouped.\"\"\"\n    best = None\n    for w in words:\n        # the same\n        if best is None or len(w)>len(best):\n            best = w\n    return best\n";
        let after = format!("{before}{copy}");
        assert_eq!(
            copied_definitions(Language::Python, before, &after),
            [("by_key".to_owned(), "longest".to_owned())]
        );
        // A body written anew is no copy; nor is a one-line body the same as another's.
        let written = format!(
            "{before}\n\ndef by_key(words):\n    groups = {{}}\n    for w in words:\n        groups.setdefault(key(w), []).append(w)\n    return list(groups.values())\n\n\ndef lower(w):\n    return w.lower()\n"
        );
        assert_eq!(copied_definitions(Language::Python, before, &written), []);
        // Keeping the old body under a new name while changing the old one is no copy either.
        let kept = after.replace("len(w) > len(best)", "len(w) >= len(best)");
        assert_eq!(copied_definitions(Language::Python, before, &kept), []);
        // Nor is a definition renamed: the old name is gone.
        let renamed = before.replace("def longest", "def longest_word");
        assert_eq!(copied_definitions(Language::Python, before, &renamed), []);
    }

    #[test]
    fn bodies_that_differ_only_in_a_string_are_no_copies() {
        for (language, before, added) in [
            (
                Language::Python,
                "def hi(n):\n    t = \"hello\"\n    return t * n\n",
                "\n\ndef bye(n):\n    t = \"goodbye\"\n    return t * n\n",
            ),
            (
                Language::Rust,
                "fn hi(n: usize) -> String {\n    let t = \"hello\";\n    t.repeat(n)\n}\n",
                "\nfn bye(n: usize) -> String {\n    let t = \"goodbye\";\n    t.repeat(n)\n}\n",
            ),
            (
                Language::JavaScript,
                "function hi(n) {\n  const t = 'hello';\n  return t.repeat(n);\n}\n",
                "function bye(n) {\n  const t = `good${'bye'}`;\n  return t.repeat(n);\n}\n",
            ),
        ] {
            let after = format!("{before}{added}");
            assert_eq!(
                copied_definitions(language, before, &after),
                [],
                "{}",
                language.name()
            );
            let copied = added
                .replace("goodbye", "hello")
                .replace("`good${'bye'}`", "'hello'");
            assert_eq!(
                copied_definitions(language, before, &format!("{before}{copied}")),
                [("bye".to_owned(), "hi".to_owned())],
                "{}",
                language.name()
            );
        }
    }

    #[test]
    fn a_copied_body_is_found_in_rust_and_javascript() {
        let rust = "fn total(xs: &[u32]) -> u32 {\n    let mut t = 0;\n    for x in xs { t += x; }\n    t\n}\n";
        let after = format!(
            "{rust}\nfn mean(xs: &[u32]) -> u32 {{\n    let mut t = 0;\n    for x in xs {{ t += x; }}\n    t\n}}\n"
        );
        assert_eq!(
            copied_definitions(Language::Rust, rust, &after),
            [("mean".to_owned(), "total".to_owned())]
        );
        let js = "function shout(s) {\n  const t = s.trim();\n  return t.toUpperCase();\n}\n";
        let after = format!(
            "{js}const whisper = (s) => {{\n  const t = s.trim();\n  return t.toUpperCase();\n}};\n"
        );
        assert_eq!(
            copied_definitions(Language::JavaScript, js, &after),
            [("whisper".to_owned(), "shout".to_owned())]
        );
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
