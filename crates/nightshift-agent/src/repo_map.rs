//! The repository map: every file of the repository with the top-level symbols it defines
//! (functions, classes and methods, types — by tree-sitter, `nightshift-lang`), ranked by how
//! much each file has to do with the task, so the prompt can show the most relevant files in
//! full and the rest as a map, within its budget.

use std::collections::HashSet;
use std::path::Path;

use nightshift_lang::{Language, Symbol};
use nightshift_workspace::Workspace;

/// Files larger than this are listed by name only: never parsed, never shown.
const MAX_PARSED_BYTES: u64 = 512 * 1024;

/// One file of the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedFile {
    /// Path relative to the repository.
    pub path: String,
    /// Its symbols (empty for files in no known language).
    pub symbols: Vec<Symbol>,
    /// Its text, if it is text and not too large.
    pub content: Option<String>,
}

/// Reads and parses `files` of the worktree at `root`.
pub fn map(root: &Path, files: &[String]) -> Vec<MappedFile> {
    let workspace = Workspace::open(root).ok();
    files
        .iter()
        .map(|path| {
            let content = workspace
                .as_ref()
                .and_then(|w| w.read_text(path))
                .filter(|text| text.len() as u64 <= MAX_PARSED_BYTES);
            let symbols = match (&content, Language::of(path)) {
                (Some(text), Some(language)) => nightshift_lang::symbols(language, text),
                _ => Vec::new(),
            };
            MappedFile {
                path: path.clone(),
                symbols,
                content,
            }
        })
        .collect()
}

/// The words of a text that may name code: identifiers and their parts (`orbit_period` gives
/// `orbit_period`, `orbit`, `period`; `toMorse` gives `tomorse`, `to`, `morse`), lower case,
/// three letters or more.
fn words(text: &str) -> HashSet<String> {
    let mut found = HashSet::new();
    for token in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if token.len() >= 3 {
            found.insert(token.to_lowercase());
        }
        let mut part = String::new();
        let mut previous_lower = false;
        for c in token.chars() {
            let boundary = c == '_' || (c.is_uppercase() && previous_lower);
            if boundary && part.len() >= 3 {
                found.insert(std::mem::take(&mut part));
            } else if boundary {
                part.clear();
            }
            if c != '_' {
                part.extend(c.to_lowercase());
            }
            previous_lower = c.is_lowercase();
        }
        if part.len() >= 3 {
            found.insert(part);
        }
    }
    found
}

/// The symbols of `files` split in two: those `task` names (a word of the task spelled exactly
/// as the symbol), and the others.
pub fn named_symbols<'f>(files: &'f [MappedFile], task: &str) -> (Vec<&'f str>, Vec<&'f str>) {
    let task_words: HashSet<&str> = task
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    files
        .iter()
        .flat_map(|file| &file.symbols)
        .map(|symbol| symbol.name.as_str())
        .partition(|name| task_words.contains(name))
}

/// A file's place among those of the repository, for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    /// Its index among the mapped files.
    pub index: usize,
    /// Whether the task (or the round) names it.
    pub named: bool,
    /// How many of the task's words its path and symbols share.
    pub score: usize,
}

/// The order in which files matter for `task`: files it names first (in its order), then by
/// how many of the task's words their path and symbols share; sources before tests, smaller
/// before larger.
pub fn rank(files: &[MappedFile], task: &str, named: &[String]) -> Vec<usize> {
    ranked(files, task, named)
        .into_iter()
        .map(|r| r.index)
        .collect()
}

/// [`rank`], with why each file is where it is.
pub fn ranked(files: &[MappedFile], task: &str, named: &[String]) -> Vec<Ranked> {
    let task_words = words(task);
    let score = |file: &MappedFile| -> usize {
        let mut own = words(&file.path);
        for symbol in &file.symbols {
            own.extend(words(&symbol.name));
        }
        own.intersection(&task_words).count()
    };
    let mut order: Vec<(usize, Option<usize>, usize, bool, usize)> = files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            (
                i,
                named.iter().position(|n| *n == file.path),
                score(file),
                crate::check::is_test_file(&file.path),
                file.content.as_ref().map_or(usize::MAX, String::len),
            )
        })
        .collect();
    order.sort_by(|a, b| {
        let named = |x: &Option<usize>| x.unwrap_or(usize::MAX);
        named(&a.1)
            .cmp(&named(&b.1))
            .then(b.2.cmp(&a.2))
            .then(a.3.cmp(&b.3))
            .then(a.4.cmp(&b.4))
    });
    order
        .into_iter()
        .map(|(index, named, score, ..)| Ranked {
            index,
            named: named.is_some(),
            score,
        })
        .collect()
}

/// The map as shown to the model, in `order`, at most `budget` characters: each file, and under
/// it its symbols' signatures (methods indented). Files in `shown` are marked as shown in full
/// below. Files past the budget are counted.
pub fn render(files: &[MappedFile], order: &[usize], shown: &[String], budget: usize) -> String {
    let mut text = String::new();
    let mut left_out = 0;
    for &i in order {
        let file = &files[i];
        let mut entry = file.path.clone();
        if shown.contains(&file.path) {
            entry.push_str(" (shown below)\n");
        } else {
            entry.push('\n');
            for symbol in &file.symbols {
                entry.push_str(&format!(
                    "{}{}\n",
                    "  ".repeat(symbol.depth + 1),
                    symbol.signature
                ));
            }
        }
        if text.len() + entry.len() > budget {
            // A file's name alone still fits more often than its symbols.
            let name_only = format!("{}\n", file.path);
            if text.len() + name_only.len() > budget {
                left_out += 1;
                continue;
            }
            entry = name_only;
        }
        text.push_str(&entry);
    }
    if left_out > 0 {
        text.push_str(&format!("… and {left_out} more files\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;
    use crate::testing::tree;

    #[test]
    fn the_symbols_a_task_names_are_told_from_the_rest() {
        let dir = tree(&[(
            "almanac.py",
            "def sunrise(d):\n    return d\n\ndef is_eclipse(d):\n    return False\n\nclass Orrery:\n    def count_moons(self, d):\n        return 0\n",
        )]);
        let files = map(dir.path(), &["almanac.py".to_owned()]);
        let (named, others) = named_symbols(
            &files,
            "Fix `is_eclipse(d)` in almanac.py: it should ignore clouds (is_eclipse_old is not wanted).",
        );
        assert_eq!(named, ["is_eclipse"]);
        assert_eq!(others, ["sunrise", "Orrery", "count_moons"]);
    }

    fn repo() -> tempfile::TempDir {
        tree(&[
            (
                "farm/barn.py",
                "class Barn:\n    def total(self):\n        return 0\n",
            ),
            (
                "farm/hay.py",
                "RATE = 0.2\n\ndef apply_hay(amount):\n    return amount\n",
            ),
            ("tests/test_barn.py", "def test_total():\n    assert True\n"),
            ("README.md", "# farm\n"),
        ])
    }

    fn paths() -> Vec<String> {
        [
            "README.md",
            "farm/barn.py",
            "farm/hay.py",
            "tests/test_barn.py",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    #[test]
    fn symbols_of_each_file_are_mapped() {
        let dir = repo();
        let files = map(dir.path(), &paths());
        let text = render(&files, &[1, 2, 0, 3], &[], usize::MAX);
        assert_eq!(
            text,
            "farm/barn.py\n  class Barn\n    def total(self)\nfarm/hay.py\n  RATE = 0.2\n  def apply_hay(amount)\nREADME.md\ntests/test_barn.py\n  def test_total()\n"
        );
    }

    #[test]
    fn files_the_task_is_about_come_first() {
        let dir = repo();
        let files = map(dir.path(), &paths());
        let order = rank(&files, "Make applyHay round the amount to bales", &[]);
        assert_eq!(files[order[0]].path, "farm/hay.py");
        let named = rank(&files, "Fix the total", &["README.md".to_owned()]);
        assert_eq!(files[named[0]].path, "README.md");
        assert_eq!(files[named[1]].path, "farm/barn.py");
        // Tests come after sources that match as well.
        assert_eq!(files[named[2]].path, "tests/test_barn.py");
    }

    #[test]
    fn the_budget_is_kept() {
        let dir = repo();
        let files = map(dir.path(), &paths());
        let text = render(&files, &[0, 1, 2, 3], &["farm/barn.py".to_owned()], 60);
        assert!(text.len() <= 60 + 30, "{text}");
        assert!(text.contains("farm/barn.py (shown below)"), "{text}");
        assert!(text.contains("more files"), "{text}");
    }

    #[test]
    fn identifier_words() {
        let found = words("Add orbit_period and toMorse to utils.py");
        for word in [
            "orbit_period",
            "orbit",
            "period",
            "tomorse",
            "morse",
            "utils",
        ] {
            assert!(found.contains(word), "{word} in {found:?}");
        }
        assert!(!found.contains("to"));
    }
}
