//! Putting back what a whole-file answer left out. Asked to change one function, a small model
//! often answers with that function alone; written as the whole file, the answer deletes every
//! other definition in it. [`restore_definitions`] puts the top-level definitions it left out
//! back as they were — each after the definition it followed before, with the comments just
//! above it and the imports it uses — and keeps everything the answer did write.

use std::ops::Range;

use crate::{Language, mentions, symbols, whole_lines};

/// A file with what the answer left out put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The whole file.
    pub source: String,
    /// Names of the definitions put back, in the order of the file as it was.
    pub definitions: Vec<String>,
    /// Imports put back because a definition put back uses them, as written.
    pub imports: Vec<String>,
}

/// `answer` (a whole-file answer for a file that was `before`) with the top-level definitions
/// named in `missing` put back from `before`, whole (a class with its methods). A name in
/// `missing` that is no top-level definition of `before` (a method of a class the answer kept)
/// is not put back: the caller checks what is still missing. `None` when there is nothing to
/// put back, or either text does not parse cleanly.
pub fn restore_definitions(
    language: Language,
    before: &str,
    answer: &str,
    missing: &[&str],
) -> Option<Restored> {
    let old = items(language, before)?;
    let new = items(language, answer)?;
    let is_missing = |item: &Item| item.names.iter().any(|n| missing.contains(&n.as_str()));
    if !old.iter().any(|item| !item.import && is_missing(item)) {
        return None;
    }
    // Where the answer has the definition that `item` holds.
    let in_answer = |item: &Item| {
        new.iter()
            .find(|kept| kept.names.iter().any(|n| item.names.contains(n)))
    };
    let separator = if language == Language::Python {
        "\n\n"
    } else {
        "\n"
    };

    // (offset in the answer, imports first, order in `before`, text)
    let mut inserts: Vec<(usize, u8, usize, String)> = Vec::new();
    let mut definitions = Vec::new();
    let mut restored_text = String::new();
    for (at, item) in old.iter().enumerate() {
        if item.import || !is_missing(item) {
            continue;
        }
        let text = with_newline(&before[item.lines.clone()]);
        let after = old[..at]
            .iter()
            .rev()
            .filter(|earlier| !is_missing(earlier))
            .find_map(in_answer);
        let insert = if let Some(anchor) = after {
            (anchor.lines.end, format!("{separator}{text}"))
        } else if let Some(anchor) = old[at + 1..]
            .iter()
            .filter(|later| !is_missing(later))
            .find_map(in_answer)
        {
            (anchor.lines.start, format!("{text}{separator}"))
        } else {
            let lead = match answer {
                "" => String::new(),
                _ if answer.ends_with('\n') => separator.to_owned(),
                _ => format!("\n{separator}"),
            };
            (answer.len(), format!("{lead}{text}"))
        };
        inserts.push((insert.0, 1, at, insert.1));
        definitions.extend(item.names.iter().cloned());
        restored_text.push_str(&text);
    }

    let mut imports = Vec::new();
    let imported_in_answer: Vec<&str> = new
        .iter()
        .filter(|item| item.import)
        .map(|item| item.squeezed.as_str())
        .collect();
    let import_at = new
        .iter()
        .find(|item| item.import)
        .or_else(|| new.iter().find(|item| !item.names.is_empty()))
        .map_or(answer.len(), |item| item.lines.start);
    for (at, item) in old.iter().enumerate() {
        if !item.import
            || imported_in_answer.contains(&item.squeezed.as_str())
            || !bound_names(&item.squeezed).any(|name| mentions(&restored_text, name))
        {
            continue;
        }
        let text = with_newline(&before[item.lines.clone()]);
        imports.push(text.trim().to_owned());
        inserts.push((import_at, 0, at, text));
    }
    if !imports.is_empty() && imported_in_answer.is_empty() && import_at < answer.len() {
        // Set off from the definitions that follow, as the answer had no imports to join.
        inserts.push((import_at, 0, usize::MAX, separator.to_owned()));
    }

    inserts.sort_by_key(|(offset, kind, at, _)| (*offset, *kind, *at));
    let mut source = String::with_capacity(answer.len() + restored_text.len());
    let mut done = 0;
    for (offset, _, _, text) in &inserts {
        source.push_str(&answer[done..*offset]);
        source.push_str(text);
        done = *offset;
    }
    source.push_str(&answer[done..]);
    Some(Restored {
        source,
        definitions,
        imports,
    })
}

/// A top-level statement of a file: a definition, an import, or anything else.
pub(crate) struct Item {
    /// The names it defines at the top level.
    pub(crate) names: Vec<String>,
    /// Its whole lines, with the comment and attribute lines right above it.
    pub(crate) lines: Range<usize>,
    pub(crate) import: bool,
    /// A function or a class (Python: decorated or not).
    pub(crate) callable: bool,
    /// Its text, whitespace collapsed.
    squeezed: String,
}

/// The top-level statements of `source`; `None` if it does not parse cleanly, or two statements
/// share a line.
pub(crate) fn items(language: Language, source: &str) -> Option<Vec<Item>> {
    let tree = language.parse(source)?;
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let top: Vec<_> = symbols(language, source)
        .into_iter()
        .filter(|symbol| symbol.depth == 0)
        .collect();
    let mut items: Vec<Item> = Vec::new();
    // Where the comment lines right above the next statement begin.
    let mut comments: Option<Range<usize>> = None;
    let mut cursor = root.walk();
    for node in root.named_children(&mut cursor) {
        // A Rust line comment's node takes its newline in.
        let mut range = node.byte_range();
        if range.end > range.start && source[..range.end].ends_with('\n') {
            range.end -= 1;
        }
        let lines = whole_lines(source, range);
        if items
            .last()
            .is_some_and(|item| item.lines.end > lines.start)
            || comments.as_ref().is_some_and(|c| c.end > lines.start)
        {
            // Two statements on one line: not worth taking apart.
            return None;
        }
        // Comments above an item, and a Rust item's outer attributes (`#[cfg(test)]`, a node of
        // their own before it), go with it.
        if matches!(
            node.kind(),
            "comment" | "line_comment" | "block_comment" | "attribute_item"
        ) {
            comments = Some(match comments {
                Some(run) if run.end == lines.start => run.start..lines.end,
                _ => lines,
            });
            continue;
        }
        let start = match comments.take() {
            Some(run) if run.end == lines.start => run.start,
            _ => lines.start,
        };
        let rows = node.start_position().row + 1..=node.end_position().row + 1;
        items.push(Item {
            names: top
                .iter()
                .filter(|symbol| rows.contains(&symbol.line))
                .map(|symbol| symbol.name.clone())
                .collect(),
            lines: start..lines.end,
            import: is_import(language, node.kind()),
            callable: matches!(
                node.kind(),
                "function_definition" | "class_definition" | "decorated_definition"
            ),
            squeezed: squeeze(&source[node.byte_range()]),
        });
    }
    Some(items)
}

fn is_import(language: Language, kind: &str) -> bool {
    match language {
        Language::Python => matches!(
            kind,
            "import_statement" | "import_from_statement" | "future_import_statement"
        ),
        Language::Rust => matches!(kind, "use_declaration" | "extern_crate_declaration"),
        Language::JavaScript | Language::TypeScript | Language::Tsx => kind == "import_statement",
        Language::Go => kind == "import_declaration",
    }
}

/// The words of an import that may name what it brings in (not its keywords).
fn bound_names(import: &str) -> impl Iterator<Item = &str> {
    const KEYWORDS: [&str; 10] = [
        "import", "from", "as", "use", "pub", "crate", "self", "super", "extern", "type",
    ];
    import
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty() && !KEYWORDS.contains(word))
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn with_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const PLOTS: &str = r#""""Garden bed helpers."""
import math


def acres(beds):
    """Return the planted acres of beds."""
    return sum(beds)


def sowing(beds):
    if not beds:
        return 0
    return acres(beds[1:]) * 4


# The side of a square plot that holds every seed.
def plot_side(beds):
    count = sowing(beds)
    return math.sqrt(count / 4)
"#;

    #[test]
    fn definitions_an_answer_left_out_go_back_where_they_were() {
        let answer =
            "def sowing(beds):\n    if not beds:\n        return 0\n    return acres(beds) * 4\n";
        let restored =
            restore_definitions(Language::Python, PLOTS, answer, &["acres", "plot_side"]).unwrap();
        assert_eq!(
            restored.source,
            r#"import math


def acres(beds):
    """Return the planted acres of beds."""
    return sum(beds)


def sowing(beds):
    if not beds:
        return 0
    return acres(beds) * 4


# The side of a square plot that holds every seed.
def plot_side(beds):
    count = sowing(beds)
    return math.sqrt(count / 4)
"#
        );
        assert_eq!(restored.definitions, ["acres", "plot_side"]);
        assert_eq!(restored.imports, ["import math"]);
    }

    #[test]
    fn what_the_answer_wrote_is_kept_and_an_import_it_has_is_not_doubled() {
        let answer =
            "\"\"\"Garden.\"\"\"\nimport math\n\n\ndef acres(beds):\n    return math.fsum(beds)\n";
        let restored =
            restore_definitions(Language::Python, PLOTS, answer, &["sowing", "plot_side"]).unwrap();
        assert!(restored.source.starts_with(answer), "{}", restored.source);
        assert!(restored.source.contains("return acres(beds[1:]) * 4\n"));
        assert!(restored.imports.is_empty());
        assert_eq!(restored.source.matches("import math").count(), 1);
        assert!(crate::syntax_errors(Language::Python, &restored.source).is_empty());
    }

    #[test]
    fn a_rust_test_module_goes_back_with_its_attribute() {
        let before = "pub fn half(n: u32) -> u32 {\n    n / 3\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn halves() {\n        assert_eq!(half(4), 2);\n    }\n}\n";
        let answer = "pub fn half(n: u32) -> u32 {\n    n / 2\n}\n";
        let restored = restore_definitions(Language::Rust, before, answer, &["tests"]).unwrap();
        assert_eq!(restored.source, before.replace("n / 3", "n / 2"));
        assert_eq!(restored.definitions, ["tests"]);
    }

    #[test]
    fn a_rust_item_goes_back_with_its_doc_comment() {
        let before = "/// Adds.\npub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n/// Subtracts.\npub fn sub(a: i32, b: i32) -> i32 {\n    a - b\n}\n";
        let answer = "/// Subtracts, fixed.\npub fn sub(a: i32, b: i32) -> i32 {\n    a.wrapping_sub(b)\n}\n";
        let restored = restore_definitions(Language::Rust, before, answer, &["add"]).unwrap();
        assert_eq!(
            restored.source,
            "/// Adds.\npub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n/// Subtracts, fixed.\npub fn sub(a: i32, b: i32) -> i32 {\n    a.wrapping_sub(b)\n}\n"
        );
    }

    #[test]
    fn a_method_of_a_kept_class_or_a_name_that_was_never_there_is_not_restored() {
        let before = "class Kettle:\n    def pour(self, x):\n        pass\n\n    def boil(self):\n        pass\n";
        let answer = "class Kettle:\n    def pour(self, x):\n        pass\n";
        assert_eq!(
            restore_definitions(Language::Python, before, answer, &["boil"]),
            None
        );
        assert_eq!(
            restore_definitions(Language::Python, PLOTS, "x = 1\n", &["nowhere"]),
            None
        );
        assert_eq!(
            restore_definitions(Language::Python, PLOTS, "def broken(:\n", &["acres"]),
            None
        );
    }

    #[test]
    fn a_class_goes_back_with_its_methods_and_a_constant_before_its_user() {
        let before = "\"\"\"Cookbook.\"\"\"\nLIMIT = 3\n\n\nclass Recipe:\n    def __init__(self, chef):\n        self.chef = chef\n\n    def byline(self):\n        return self.chef[:LIMIT]\n\n\ndef dish_count(menu):\n    return len(menu.split())\n";
        let answer = "def dish_count(menu):\n    return len(menu.split()) + LIMIT\n\n\ndef menu_code(chef):\n    return chef.upper()\n";
        let restored = restore_definitions(
            Language::Python,
            before,
            answer,
            &["LIMIT", "Recipe", "__init__", "byline"],
        )
        .unwrap();
        assert_eq!(
            restored.source,
            format!(
                "LIMIT = 3\n\n\nclass Recipe:\n    def __init__(self, chef):\n        self.chef = chef\n\n    def byline(self):\n        return self.chef[:LIMIT]\n\n\n{answer}"
            )
        );
        assert_eq!(restored.definitions, ["LIMIT", "Recipe"]);
    }

    #[test]
    fn with_nothing_of_the_file_left_the_definitions_follow_the_answer() {
        let before = "def a():\n    return 1\n";
        let answer = "def b():\n    return 2\n";
        let restored = restore_definitions(Language::Python, before, answer, &["a"]).unwrap();
        assert_eq!(
            restored.source,
            "def b():\n    return 2\n\n\ndef a():\n    return 1\n"
        );
    }
}
