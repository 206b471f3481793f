//! A JavaScript test's checks as *sites* a harness can observe one by one, as nightshift's Python
//! observer does with its `assert`s: every statement that calls `assert` (`assert(x)`,
//! `assert.strictEqual(a, b)`, `await assert.rejects(…)`) becomes a call of the harness's
//! `__ns_site` with the line it stood on, what it checks (its first argument, as a function) and
//! the assert itself (as a function of that value), so that what the code gave is recorded and the
//! run goes on past an assert that fails. Imports of the project's modules become dynamic imports
//! that leave a missing name `undefined` instead of failing the whole file (the code as it was
//! lacks what a task adds); the names imported from the test runner are bound to the harness's.

use std::collections::{BTreeMap, BTreeSet};

use crate::Language;

/// A JavaScript test rewritten for the harness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrumented {
    /// The import declarations that stay static (Node's own modules, packages), one per line.
    pub imports: String,
    /// The rest of the test, its asserts rewritten.
    pub body: String,
    /// For each site (`L<line>`), the names its check relies on: the identifiers and properties
    /// it uses, and those of the values of the variables it reads, followed back.
    pub names: BTreeMap<String, Vec<String>>,
    /// For each site that checks one expression, that expression as [`javascript_expression`]
    /// writes it: the first argument of an assert of equality (`strictEqual`, `deepEqual`, …),
    /// awaited or not, and what the function given to `throws` or `rejects` runs, where it runs
    /// one expression. A site of another kind (`assert(x < 3)`) checks no one call.
    pub calls: BTreeMap<String, String>,
}

/// The asserts whose first argument is the value checked against their second.
const EQUALITIES: &[&str] = &["equal", "strictEqual", "deepEqual", "deepStrictEqual"];
/// The asserts whose first argument is a function run for what it throws.
const THROWS: &[&str] = &["throws", "rejects"];

/// Modules whose imports the harness provides itself: the test runner's names.
const RUNNERS: &[&str] = &["node:test", "test", "vitest", "@jest/globals"];

/// `source`, a JavaScript test, rewritten for the harness; `None` if it does not parse.
pub fn instrument_javascript_test(source: &str) -> Option<Instrumented> {
    let tree = Language::JavaScript.parse(source)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let bytes = source.as_bytes();
    let text = |node: tree_sitter::Node<'_>| node.utf8_text(bytes).unwrap_or_default();
    let values = declared_values(root, bytes);
    let mut imports = String::new();
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut names = BTreeMap::new();
    let mut calls = BTreeMap::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        if statement.kind() == "import_statement" {
            let Some(from) = statement.child_by_field_name("source") else {
                continue;
            };
            let module = unquoted(text(from));
            let replacement = if RUNNERS.contains(&module.as_str()) {
                bindings(statement, "__ns_runner", bytes)
            } else if module.starts_with('.') || module.starts_with('/') {
                bindings(statement, &format!("await __ns_import({module:?})"), bytes)
            } else {
                imports.push_str(text(statement));
                imports.push('\n');
                String::new()
            };
            edits.push((statement.byte_range(), replacement));
        }
    }
    each_assert(root, bytes, &mut |statement, call, awaited| {
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return;
        };
        let mut args = arguments.walk();
        let Some(first) = arguments.named_children(&mut args).next() else {
            return;
        };
        let function = call.child_by_field_name("function").map(text);
        let method = function
            .and_then(|f| f.strip_prefix("assert."))
            .unwrap_or("ok");
        let site = format!("L{}", statement.start_position().row + 1);
        let before = &source[call.start_byte()..first.start_byte()];
        let after = &source[first.end_byte()..call.end_byte()];
        let asynchronous = awaited || text(first).contains("await");
        let (mark, helper) = if asynchronous {
            ("async ", "await __ns_site_async")
        } else {
            ("", "__ns_site")
        };
        let rewritten = format!(
            "{helper}({site:?}, {method:?}, {mark}() => ({}), {mark}(__ns_value) => {before}__ns_value{after});",
            text(first)
        );
        let mut found = BTreeSet::new();
        identifiers(first, bytes, &mut found);
        let mut rest = arguments.walk();
        for arg in arguments.named_children(&mut rest).skip(1) {
            identifiers(arg, bytes, &mut found);
        }
        let mut queue: Vec<String> = found.iter().cloned().collect();
        while let Some(name) = queue.pop() {
            for used in values.get(&name).into_iter().flatten() {
                if found.insert(used.clone()) {
                    queue.push(used.clone());
                }
            }
        }
        found.remove("assert");
        found.remove(method);
        if let Some(checked) = checked(first, method) {
            calls.insert(site.clone(), written(checked, bytes));
        }
        names.insert(site, found.into_iter().collect());
        edits.push((statement.byte_range(), rewritten));
    });
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut body = source.to_owned();
    for (range, replacement) in edits {
        body.replace_range(range, &replacement);
    }
    Some(Instrumented {
        imports,
        body,
        names,
        calls,
    })
}

/// The one expression an assert's first argument `first` checks, by its `method`: the argument
/// itself for an equality, the body of the function given to `throws` or `rejects` where it is
/// one expression (or a block of one expression statement); `await` set aside either way.
fn checked<'t>(first: tree_sitter::Node<'t>, method: &str) -> Option<tree_sitter::Node<'t>> {
    let unawaited = |node: tree_sitter::Node<'t>| match node.kind() {
        "await_expression" => node.named_child(0),
        _ => Some(node),
    };
    if EQUALITIES.contains(&method) {
        return unawaited(first);
    }
    if !THROWS.contains(&method)
        || !matches!(first.kind(), "arrow_function" | "function_expression")
    {
        return None;
    }
    let body = first.child_by_field_name("body")?;
    if body.kind() != "statement_block" {
        return unawaited(body);
    }
    let mut cursor = body.walk();
    let statements: Vec<_> = body.named_children(&mut cursor).collect();
    match statements.as_slice() {
        [one] if one.kind() == "expression_statement" => unawaited(one.named_child(0)?),
        _ => None,
    }
}

/// `expression`, a JavaScript expression, written one way whatever its spacing, comments and
/// quotes: its tokens joined with a space only between two words, each string literal in double
/// quotes. Two texts of the same call read the same. `None` if it does not parse as one
/// expression.
pub fn javascript_expression(expression: &str) -> Option<String> {
    let source = format!("({expression});");
    let tree = Language::JavaScript.parse(&source)?;
    let root = tree.root_node();
    if root.has_error() || root.named_child_count() != 1 {
        return None;
    }
    let statement = root.named_child(0)?;
    let parenthesized = statement.named_child(0)?;
    if statement.kind() != "expression_statement"
        || parenthesized.kind() != "parenthesized_expression"
        || parenthesized.named_child_count() != 1
    {
        return None;
    }
    Some(written(parenthesized.named_child(0)?, source.as_bytes()))
}

/// `node`'s tokens, written as [`javascript_expression`] says.
fn written(node: tree_sitter::Node<'_>, bytes: &[u8]) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if node.kind() == "comment" {
            continue;
        }
        let token = if node.kind() == "string" {
            let text = node.utf8_text(bytes).unwrap_or_default();
            Some(double_quoted(text))
        } else if node.child_count() == 0 {
            Some(node.utf8_text(bytes).unwrap_or_default().to_owned())
        } else {
            None
        };
        match token {
            Some(token) => {
                if out.ends_with(word) && token.starts_with(word) {
                    out.push(' ');
                }
                out.push_str(&token);
            }
            None => {
                let mut cursor = node.walk();
                let children: Vec<_> = node.children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
        }
    }
    out
}

/// A string literal (`'it\'s'`, `"a"`) in double quotes, its escapes otherwise as written.
fn double_quoted(literal: &str) -> String {
    let quote = literal.chars().next().unwrap_or('"');
    let inner = literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or_default();
    if quote != '\'' {
        return format!("\"{inner}\"");
    }
    let mut out = String::from('"');
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\'') => out.push('\''),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The names `statement` imports, bound from `load` instead: `import a, { b, c as d } from
/// './m.js'` as `const { default: a, b, c: d } = load;` (`import * as m` as `const m = load;`; a
/// bare `import './m.js'` as `load;`). The project's modules load through the harness's
/// `__ns_import`, the test runner's names are the harness's `__ns_runner`.
fn bindings(statement: tree_sitter::Node<'_>, load: &str, bytes: &[u8]) -> String {
    let text = |node: tree_sitter::Node<'_>| node.utf8_text(bytes).unwrap_or_default();
    let mut fields = Vec::new();
    let mut whole = None;
    let mut cursor = statement.walk();
    for clause in statement.named_children(&mut cursor) {
        if clause.kind() != "import_clause" {
            continue;
        }
        let mut parts = clause.walk();
        for part in clause.named_children(&mut parts) {
            match part.kind() {
                "identifier" => fields.push(format!("default: {}", text(part))),
                "namespace_import" => {
                    let mut inner = part.walk();
                    whole = part
                        .named_children(&mut inner)
                        .find(|n| n.kind() == "identifier")
                        .map(|n| text(n).to_owned());
                }
                "named_imports" => {
                    let mut specs = part.walk();
                    for spec in part.named_children(&mut specs) {
                        let Some(name) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        match spec.child_by_field_name("alias") {
                            Some(alias) => {
                                fields.push(format!("{}: {}", text(name), text(alias)));
                            }
                            None => fields.push(text(name).to_owned()),
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = String::new();
    if let Some(name) = whole {
        out.push_str(&format!("const {name} = {load};"));
    }
    if !fields.is_empty() {
        out.push_str(&format!("const {{ {} }} = {load};", fields.join(", ")));
    }
    if out.is_empty() {
        out = format!("{load};");
    }
    out
}

/// Calls `each` with every statement under `node` that calls `assert` (`assert(…)`,
/// `assert.x(…)`, or such a call awaited), the call, and whether it is awaited. Asserts inside
/// another's arguments are the outer one's.
fn each_assert<'t>(
    node: tree_sitter::Node<'t>,
    bytes: &[u8],
    each: &mut impl FnMut(tree_sitter::Node<'t>, tree_sitter::Node<'t>, bool),
) {
    if node.kind() == "expression_statement"
        && let Some(expression) = node.named_child(0)
    {
        let (call, awaited) = if expression.kind() == "await_expression" {
            (expression.named_child(0), true)
        } else {
            (Some(expression), false)
        };
        if let Some(call) = call
            && call.kind() == "call_expression"
            && call
                .child_by_field_name("function")
                .is_some_and(|function| is_assert(function, bytes))
        {
            each(node, call, awaited);
            return;
        }
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        each_assert(child, bytes, each);
    }
}

/// `assert` or `assert.<method>`.
fn is_assert(function: tree_sitter::Node<'_>, bytes: &[u8]) -> bool {
    let named_assert = |node: tree_sitter::Node<'_>| {
        node.kind() == "identifier" && node.utf8_text(bytes) == Ok("assert")
    };
    match function.kind() {
        "identifier" => named_assert(function),
        "member_expression" => function
            .child_by_field_name("object")
            .is_some_and(named_assert),
        _ => false,
    }
}

/// For each variable declared in `root` (`const x = …`, `let x = …`), the identifiers of the
/// value it is given.
fn declared_values(
    root: tree_sitter::Node<'_>,
    bytes: &[u8],
) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "variable_declarator"
            && let (Some(name), Some(value)) = (
                node.child_by_field_name("name"),
                node.child_by_field_name("value"),
            )
        {
            let mut declared = BTreeSet::new();
            identifiers(name, bytes, &mut declared);
            let mut used = BTreeSet::new();
            identifiers(value, bytes, &mut used);
            for name in declared {
                found.entry(name).or_default().extend(used.iter().cloned());
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

/// The identifiers and property names under `node`.
fn identifiers(node: tree_sitter::Node<'_>, bytes: &[u8], into: &mut BTreeSet<String>) {
    if matches!(
        node.kind(),
        "identifier" | "property_identifier" | "shorthand_property_identifier"
    ) && let Ok(text) = node.utf8_text(bytes)
    {
        into.insert(text.to_owned());
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        identifiers(child, bytes, into);
    }
}

/// A string literal's text without its quotes.
fn unquoted(literal: &str) -> String {
    literal
        .trim_matches(|c| c == '\'' || c == '"' || c == '`')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn a_tests_asserts_become_sites_and_its_project_imports_dynamic() {
        let test = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { lamp, dim as low } from '../src/lamp.js';\n\ntest('lamp', async () => {\n  const on = lamp(3);\n  assert.strictEqual(on.level, 3, 'level');\n  assert(low(on) < 3);\n  await assert.rejects(async () => lamp(-1));\n  if (on) {\n    assert.deepStrictEqual(Object.keys(on), ['level']);\n  }\n});\n";
        let got = instrument_javascript_test(test).expect("parses");
        assert_eq!(got.imports, "import assert from 'node:assert/strict';\n");
        assert_eq!(
            got.body,
            "const { test } = __ns_runner;\n\nconst { lamp, dim: low } = await __ns_import(\"../src/lamp.js\");\n\ntest('lamp', async () => {\n  const on = lamp(3);\n  __ns_site(\"L7\", \"strictEqual\", () => (on.level), (__ns_value) => assert.strictEqual(__ns_value, 3, 'level'));\n  __ns_site(\"L8\", \"ok\", () => (low(on) < 3), (__ns_value) => assert(__ns_value));\n  await __ns_site_async(\"L9\", \"rejects\", async () => (async () => lamp(-1)), async (__ns_value) => assert.rejects(__ns_value));\n  if (on) {\n    __ns_site(\"L11\", \"deepStrictEqual\", () => (Object.keys(on)), (__ns_value) => assert.deepStrictEqual(__ns_value, ['level']));\n  }\n});\n"
        );
        // What a check reads is followed back through the variables it uses.
        assert_eq!(got.names["L7"], ["lamp", "level", "on"]);
        assert_eq!(got.names["L8"], ["lamp", "low", "on"]);
        assert_eq!(got.names["L11"], ["Object", "keys", "lamp", "on"]);
        // The expression a site checks: an equality's first argument, what `rejects` runs.
        let calls: Vec<(&str, &str)> = got
            .calls
            .iter()
            .map(|(site, call)| (site.as_str(), call.as_str()))
            .collect();
        assert_eq!(
            calls,
            [
                ("L11", "Object.keys(on)"),
                ("L7", "on.level"),
                ("L9", "lamp(-1)")
            ]
        );
    }

    #[test]
    fn an_expression_is_written_one_way_whatever_its_spacing_comments_and_quotes() {
        let one = |text: &str| javascript_expression(text).expect("an expression");
        assert_eq!(one("pad( 'a', [1,2] )"), "pad(\"a\",[1,2])");
        assert_eq!(
            one("pad(\"a\", /* two */ [1, 2])"),
            one("pad( 'a', [1,2] )")
        );
        assert_eq!(one("say('it\\'s \"so\"')"), "say(\"it's \\\"so\\\"\")");
        assert_eq!(one("new Date(0)"), "new Date(0)");
        assert_eq!(one("typeof x"), "typeof x");
        assert_eq!(one("{ a: 1 }"), "{a:1}");
        for not_one in ["", "f(", "a; b", "let x = 1"] {
            assert_eq!(javascript_expression(not_one), None, "{not_one:?}");
        }
    }

    #[test]
    fn imports_of_every_form_keep_their_names() {
        let test = "import lamp, * as all from './lamp.js';\nimport './setup.js';\nimport fs from 'node:fs';\nimport { describe, it } from 'node:test';\n";
        let got = instrument_javascript_test(test).expect("parses");
        assert_eq!(got.imports, "import fs from 'node:fs';\n");
        assert_eq!(
            got.body,
            "const all = await __ns_import(\"./lamp.js\");const { default: lamp } = await __ns_import(\"./lamp.js\");\nawait __ns_import(\"./setup.js\");\n\nconst { describe, it } = __ns_runner;\n"
        );
        assert!(instrument_javascript_test("test('x', () => {").is_none());
    }
}
