//! Top-level symbols — functions, classes and their methods, types, constants — each with the
//! signature a caller needs, as the repository map shows them.

use crate::Language;

/// Characters of a signature kept.
const SIGNATURE_CHARS: usize = 160;

/// One definition in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Its name.
    pub name: String,
    /// Its declaration without the body, on one line: `def blend(base, tint, ratio)`,
    /// `pub fn parse(text: &str) -> Result<Config>`, `class Herd(list)`.
    pub signature: String,
    /// 1-based line of the definition.
    pub line: usize,
    /// 0 at the top level, 1 for a method of a class or an `impl`.
    pub depth: usize,
}

/// The symbols `source` defines, in order.
pub fn symbols(language: Language, source: &str) -> Vec<Symbol> {
    let Some(tree) = language.parse(source) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut walker = Walker {
        language,
        source,
        found: &mut found,
    };
    walker.visit_children(tree.root_node(), 0);
    found
}

struct Walker<'a> {
    language: Language,
    source: &'a str,
    found: &'a mut Vec<Symbol>,
}

impl Walker<'_> {
    fn visit_children(&mut self, node: tree_sitter::Node<'_>, depth: usize) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.visit(child, depth);
        }
    }

    fn visit(&mut self, node: tree_sitter::Node<'_>, depth: usize) {
        match (self.language, node.kind()) {
            // Wrappers: the definition inside is the symbol.
            (Language::Python, "decorated_definition") => {
                if let Some(inner) = node.child_by_field_name("definition") {
                    self.visit(inner, depth);
                }
            }
            (Language::JavaScript | Language::TypeScript | Language::Tsx, "export_statement") => {
                if let Some(inner) = node.child_by_field_name("declaration") {
                    self.visit(inner, depth);
                }
            }
            // Containers: the symbol, then its members one level down.
            (Language::Python, "class_definition")
            | (
                Language::JavaScript | Language::TypeScript | Language::Tsx,
                "class_declaration" | "abstract_class_declaration",
            )
            | (Language::Rust, "trait_item" | "mod_item") => {
                self.add(node, self.name_of(node), depth);
                if let Some(body) = node.child_by_field_name("body")
                    && depth == 0
                {
                    self.visit_children(body, depth + 1);
                }
            }
            (Language::Rust, "impl_item") => {
                let name = node
                    .child_by_field_name("type")
                    .map(|t| self.text(t).to_owned());
                self.add(node, name, depth);
                if let Some(body) = node.child_by_field_name("body")
                    && depth == 0
                {
                    self.visit_children(body, depth + 1);
                }
            }
            // Definitions.
            (Language::Python, "function_definition")
            | (
                Language::Rust,
                "function_item"
                | "function_signature_item"
                | "struct_item"
                | "enum_item"
                | "union_item"
                | "type_item"
                | "const_item"
                | "static_item"
                | "macro_definition",
            )
            | (
                Language::JavaScript | Language::TypeScript | Language::Tsx,
                "function_declaration"
                | "generator_function_declaration"
                | "method_definition"
                | "interface_declaration"
                | "type_alias_declaration"
                | "enum_declaration"
                | "abstract_method_signature",
            )
            | (Language::Go, "function_declaration" | "method_declaration") => {
                self.add(node, self.name_of(node), depth);
            }
            // Declarations that hold several names.
            (
                Language::JavaScript | Language::TypeScript | Language::Tsx,
                "lexical_declaration" | "variable_declaration",
            ) if depth == 0 => {
                self.each_named(node, "variable_declarator");
            }
            (Language::Go, "type_declaration") => self.each_named(node, "type_spec"),
            (Language::Go, "const_declaration") => self.each_named(node, "const_spec"),
            (Language::Go, "var_declaration") => self.each_named(node, "var_spec"),
            // A module-level assignment in Python: `GRAVITY = 9.8`.
            (Language::Python, "expression_statement") if depth == 0 => {
                if let Some(assignment) = node.named_child(0)
                    && assignment.kind() == "assignment"
                    && let Some(left) = assignment.child_by_field_name("left")
                    && left.kind() == "identifier"
                {
                    let name = self.text(left).to_owned();
                    self.add(assignment, Some(name), depth);
                }
            }
            _ => {}
        }
    }

    /// One symbol per child of `kind` (Go's `type ( A …; B … )`, JS's `const a = 1, b = 2`).
    fn each_named(&mut self, node: tree_sitter::Node<'_>, kind: &str) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == kind {
                self.add(child, self.name_of(child), 0);
            }
        }
    }

    fn add(&mut self, node: tree_sitter::Node<'_>, name: Option<String>, depth: usize) {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return;
        };
        self.found.push(Symbol {
            signature: self.signature(node),
            name,
            line: node.start_position().row + 1,
            depth,
        });
    }

    /// The node's text up to its body, whitespace collapsed.
    fn signature(&self, node: tree_sitter::Node<'_>) -> String {
        let end = node
            .child_by_field_name("body")
            .map_or(node.end_byte(), |body| body.start_byte());
        let head = self.source.get(node.start_byte()..end).unwrap_or_default();
        // Without a body (a constant, a field), the first line says enough.
        let head = if node.child_by_field_name("body").is_some() {
            head
        } else {
            head.lines().next().unwrap_or_default()
        };
        let collapsed = head.split_whitespace().collect::<Vec<_>>().join(" ");
        let trimmed = collapsed.trim_end_matches(['{', ':', ' ']);
        if trimmed.chars().count() <= SIGNATURE_CHARS {
            trimmed.to_owned()
        } else {
            trimmed.chars().take(SIGNATURE_CHARS).chain(['…']).collect()
        }
    }

    /// The text of the node's `name` field.
    fn name_of(&self, node: tree_sitter::Node<'_>) -> Option<String> {
        node.child_by_field_name("name")
            .map(|name| self.text(name).to_owned())
    }

    fn text(&self, node: tree_sitter::Node<'_>) -> &str {
        node.utf8_text(self.source.as_bytes()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn shown(language: Language, source: &str) -> Vec<String> {
        symbols(language, source)
            .iter()
            .map(|s| format!("{}{} @{}", "  ".repeat(s.depth), s.signature, s.line))
            .collect()
    }

    #[test]
    fn python_functions_classes_methods_and_constants() {
        let source = "import os\n\nGRAVITY = 9.8\n\n@cache\ndef blend(base,\n          tint, ratio) -> int:\n    return base\n\nclass Herd(list):\n    def graze(self, cow):\n        self.append(cow)\n";
        assert_eq!(
            shown(Language::Python, source),
            vec![
                "GRAVITY = 9.8 @3",
                "def blend(base, tint, ratio) -> int @6",
                "class Herd(list) @10",
                "  def graze(self, cow) @11",
            ]
        );
    }

    #[test]
    fn rust_items_and_impl_methods() {
        let source = "use std::fmt;\n\npub struct Config {\n    name: String,\n}\n\nimpl Config {\n    pub fn parse(text: &str) -> Option<Self> {\n        None\n    }\n}\n\npub const LIMIT: usize = 3;\n";
        assert_eq!(
            shown(Language::Rust, source),
            vec![
                "pub struct Config @3",
                "impl Config @7",
                "  pub fn parse(text: &str) -> Option<Self> @8",
                "pub const LIMIT: usize = 3; @13",
            ]
        );
    }

    #[test]
    fn javascript_and_typescript_exports() {
        let js = "export function rhyme(word) {\n  return word;\n}\nconst helper = (x) => x, other = 2;\nclass Orchard {\n  harvest() { return 0; }\n}\n";
        assert_eq!(
            shown(Language::JavaScript, js),
            vec![
                "function rhyme(word) @1",
                "helper = (x) => x @4",
                "other = 2 @4",
                "class Orchard @5",
                "  harvest() @6",
            ]
        );
        let names: Vec<String> = symbols(Language::JavaScript, js)
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["rhyme", "helper", "other", "Orchard", "harvest"]);
        let ts = "export interface Planet { mass: number }\nexport type Id = string;\nexport function heaviest(planets: Planet[]): number {\n  return 0;\n}\n";
        assert_eq!(
            shown(Language::TypeScript, ts),
            vec![
                "interface Planet @1",
                "type Id = string; @2",
                "function heaviest(planets: Planet[]): number @3",
            ]
        );
    }

    #[test]
    fn go_functions_methods_and_types() {
        let source = "package geo\n\ntype Point struct {\n\tX, Y int\n}\n\nfunc (p Point) Norm() int {\n\treturn 0\n}\n\nfunc New(x, y int) Point {\n\treturn Point{x, y}\n}\n";
        assert_eq!(
            shown(Language::Go, source),
            vec![
                "Point struct @3",
                "func (p Point) Norm() int @7",
                "func New(x, y int) Point @11",
            ]
        );
    }

    #[test]
    fn broken_code_still_yields_what_parses() {
        let source = "def ok(a):\n    return a\n\ndef broken(:\n    pass\n";
        let names: Vec<String> = symbols(Language::Python, source)
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert!(names.contains(&"ok".to_owned()), "{names:?}");
    }
}
