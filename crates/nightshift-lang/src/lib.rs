//! What nightshift knows about source code, by tree-sitter: which language a file is written in
//! ([`Language::of`]), where its syntax is broken ([`syntax_errors`], with lines and columns the
//! model is shown), which top-level symbols it defines ([`symbols`], for the repository map
//! in the prompt), which examples a task states ([`stated_examples`]: calls and the values they
//! should give) and which of them a test leaves unchecked ([`unchecked_examples`]), how a
//! Rust integration test reaches its crate ([`reroot_integration_test`]), which definitions a
//! whole-file answer left out, to put back ([`restore_definitions`]), and which parts of a test
//! are copies of the code it should import ([`import_instead_of_copies`]) or call it without an
//! import ([`import_missing`]); which lines of a test break its syntax alone, to take out
//! ([`without_broken_lines`]); and which definitions a task asks for by name, in which file
//! ([`asked_definitions`]); and what each definition's body refers to ([`uses`]), to follow a
//! function to the helpers it relies on, and which new definitions copy the body of one the code
//! already has ([`copied_definitions`]); and which rules a task states in prose that a run can
//! check ([`keeps_arguments`]); and a JavaScript test's asserts as sites to observe
//! ([`instrument_javascript_test`]).
//!
//! Parsing is in-process and never runs the code, so it is safe on anything a model wrote.

mod asked;
mod broken;
mod copies;
mod examples;
mod reroot;
mod restore;
mod rules;
mod sites;
mod stated;
mod symbols;
mod syntax;
mod uses;

pub use asked::{Asked, asked_definitions};
pub use broken::{Mended, without_broken_lines};
pub use copies::{Imported, import_instead_of_copies, import_missing};
pub use examples::{listed_items, unchecked_examples};
pub use reroot::{Rerooted, reroot_integration_test};
pub use restore::{Restored, restore_definitions};
pub use rules::{keeps_arguments, speaks_of_errors, special_cased, stated_rules};
pub use sites::{Instrumented, instrument_javascript_test, javascript_expression};
pub use stated::{Stated, reports_a_fault, stated_examples};
pub use symbols::{Symbol, symbols};
pub use syntax::{SyntaxError, syntax_errors};
pub use uses::{copied_definitions, definitions, uses};

/// A language nightshift parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// `.py`
    Python,
    /// `.rs`
    Rust,
    /// `.js`, `.mjs`, `.cjs`, `.jsx`
    JavaScript,
    /// `.ts`, `.mts`, `.cts`
    TypeScript,
    /// `.tsx`
    Tsx,
    /// `.go`
    Go,
}

impl Language {
    /// The language of a file, by its extension.
    pub fn of(path: &str) -> Option<Self> {
        let ext = std::path::Path::new(path).extension()?.to_str()?;
        Some(match ext {
            "py" | "pyi" => Self::Python,
            "rs" => Self::Rust,
            "js" | "mjs" | "cjs" | "jsx" => Self::JavaScript,
            "ts" | "mts" | "cts" => Self::TypeScript,
            "tsx" => Self::Tsx,
            "go" => Self::Go,
            _ => return None,
        })
    }

    /// Its name, as shown to people and models.
    pub fn name(self) -> &'static str {
        match self {
            Self::Python => "Python",
            Self::Rust => "Rust",
            Self::JavaScript => "JavaScript",
            Self::TypeScript => "TypeScript",
            Self::Tsx => "TSX",
            Self::Go => "Go",
        }
    }

    /// Whether code in `self` and in `other` can define a name for each other: JavaScript,
    /// TypeScript and TSX are one family.
    pub fn same_family(self, other: Self) -> bool {
        let script = |l: Self| matches!(l, Self::JavaScript | Self::TypeScript | Self::Tsx);
        self == other || (script(self) && script(other))
    }

    fn grammar(self) -> tree_sitter::Language {
        match self {
            Self::Python => tree_sitter_python::LANGUAGE.into(),
            Self::Rust => tree_sitter_rust::LANGUAGE.into(),
            Self::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Self::Go => tree_sitter_go::LANGUAGE.into(),
        }
    }

    /// Parses `source`. `None` only if the grammar cannot be loaded, which the tests rule out
    /// for every language.
    fn parse(self, source: &str) -> Option<tree_sitter::Tree> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&self.grammar()).ok()?;
        parser.parse(source, None)
    }
}

/// Whether `text` has `name` in it as a whole word (`total` in "keep total()", not in
/// "subtotal").
pub fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// `range` widened to the whole lines it spans, their newline included.
fn whole_lines(source: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = source[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let end = source[range.end..]
        .find('\n')
        .map_or(source.len(), |i| range.end + i + 1);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_extension() {
        assert_eq!(Language::of("src/app.py"), Some(Language::Python));
        assert_eq!(Language::of("src/main.rs"), Some(Language::Rust));
        assert_eq!(Language::of("web/index.mjs"), Some(Language::JavaScript));
        assert_eq!(Language::of("web/app.ts"), Some(Language::TypeScript));
        assert_eq!(Language::of("web/App.tsx"), Some(Language::Tsx));
        assert_eq!(Language::of("cmd/main.go"), Some(Language::Go));
        assert_eq!(Language::of("README.md"), None);
        assert_eq!(Language::of("Makefile"), None);
    }

    #[test]
    fn every_grammar_loads() {
        for language in [
            Language::Python,
            Language::Rust,
            Language::JavaScript,
            Language::TypeScript,
            Language::Tsx,
            Language::Go,
        ] {
            assert!(language.parse("").is_some(), "{}", language.name());
        }
    }
}
