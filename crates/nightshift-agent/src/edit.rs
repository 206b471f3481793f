//! The edits a reply asks for, and how each becomes a file's new content.
//!
//! Two formats: a whole file ([`FileEdit`]), or a search/replace block ([`Replacement`]) that
//! quotes lines of the file as it is and gives what replaces them. A search block is found
//! exactly, else line by line ignoring trailing whitespace, else ignoring indentation (the
//! replacement is then re-indented by the same amount). It must match one place only. When it
//! matches none, the error shows the model the closest lines of the file, so the next round can
//! quote them right.

/// A whole file the model wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Path relative to the repository, as the model wrote it (checked by `apply`).
    pub path: String,
    /// The new content.
    pub content: String,
}

/// Lines of a file to replace, quoted by the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// Path relative to the repository, as the model wrote it (checked by `apply`).
    pub path: String,
    /// The lines as they are; empty: append to the file, or create it.
    pub search: String,
    /// What replaces them.
    pub replace: String,
}

/// One edit of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Write the whole file.
    Whole(FileEdit),
    /// Replace lines of the file.
    Replace(Replacement),
}

impl Edit {
    /// The path the edit writes, as the model wrote it.
    pub fn path(&self) -> &str {
        match self {
            Self::Whole(edit) => &edit.path,
            Self::Replace(edit) => &edit.path,
        }
    }
}

/// Which format the model is asked to answer in. Replies in either are always accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EditFormat {
    /// Whole files: the most robust for small models, costly for large files.
    #[default]
    Whole,
    /// Search/replace blocks: short replies, for models that quote reliably.
    SearchReplace,
}

impl EditFormat {
    /// Its name, as the configuration spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whole => "whole",
            Self::SearchReplace => "search-replace",
        }
    }
}

/// Lines shown around the closest match of a search block that matched nothing.
const HINT_CONTEXT_LINES: usize = 2;
/// Search blocks are compared with windows of the file only up to this size (lines × lines).
const HINT_MAX_WORK: usize = 2_000_000;

/// Applies `replacement` to `content` (`None`: the file does not exist). `Err` says why the
/// search block could not be placed, with the closest lines as a hint.
pub fn splice(content: Option<&str>, replacement: &Replacement) -> Result<String, String> {
    let search = replacement.search.as_str();
    if search.trim().is_empty() {
        let mut text = content.unwrap_or_default().to_owned();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&replacement.replace);
        return Ok(text);
    }
    let Some(content) = content else {
        return Err(format!(
            "{} does not exist, so its SEARCH block cannot match; to create it, leave SEARCH empty",
            replacement.path
        ));
    };
    let file: Vec<&str> = content.split_inclusive('\n').collect();
    let wanted: Vec<&str> = search.split_inclusive('\n').collect();
    let strategies: [fn(&str, &str) -> Option<String>; 3] =
        [same, same_but_trailing_space, same_but_indent];
    for strategy in strategies {
        let found: Vec<(usize, String)> = (0..=file.len().saturating_sub(wanted.len()))
            .filter(|&at| at + wanted.len() <= file.len())
            .filter_map(|at| {
                indent_of(&file[at..at + wanted.len()], &wanted, strategy).map(|pad| (at, pad))
            })
            .collect();
        match found.as_slice() {
            [] => continue,
            [(at, pad)] => {
                let mut text: String = file[..*at].concat();
                text.push_str(&reindent(&replacement.replace, pad));
                if !text.is_empty() && !text.ends_with('\n') && at + wanted.len() < file.len() {
                    text.push('\n');
                }
                text.push_str(&file[at + wanted.len()..].concat());
                return Ok(text);
            }
            many => {
                let lines: Vec<String> = many.iter().map(|(at, _)| (at + 1).to_string()).collect();
                return Err(format!(
                    "the SEARCH block matches {} places in {} (lines {}); quote more lines so it \
                     matches one",
                    many.len(),
                    replacement.path,
                    lines.join(", ")
                ));
            }
        }
    }
    Err(no_match(&replacement.path, &file, &wanted))
}

/// Whether a window of the file matches the searched lines under `strategy`; `Some` carries the
/// indentation to add to the replacement (empty unless indentation was ignored).
fn indent_of(
    window: &[&str],
    wanted: &[&str],
    strategy: fn(&str, &str) -> Option<String>,
) -> Option<String> {
    let mut pad: Option<String> = None;
    for (have, want) in window.iter().zip(wanted) {
        if have.trim().is_empty() && want.trim().is_empty() {
            continue;
        }
        let this = strategy(have, want)?;
        match &pad {
            Some(seen) if *seen != this => return None,
            _ => pad = Some(this),
        }
    }
    Some(pad.unwrap_or_default())
}

fn same(have: &str, want: &str) -> Option<String> {
    (have.trim_end_matches('\n') == want.trim_end_matches('\n')).then(String::new)
}

fn same_but_trailing_space(have: &str, want: &str) -> Option<String> {
    (have.trim_end() == want.trim_end()).then(String::new)
}

/// Equal once indentation is stripped, and the file's line is indented more by a fixed prefix.
fn same_but_indent(have: &str, want: &str) -> Option<String> {
    if have.trim() != want.trim() {
        return None;
    }
    let have_indent = &have[..have.len() - have.trim_start().len()];
    let want_indent = &want[..want.len() - want.trim_start().len()];
    have_indent.strip_suffix(want_indent).map(str::to_owned)
}

fn reindent(text: &str, pad: &str) -> String {
    if pad.is_empty() {
        return text.to_owned();
    }
    text.split_inclusive('\n')
        .map(|line| {
            if line.trim().is_empty() {
                line.to_owned()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect()
}

/// The error for a search block found nowhere: the most similar lines of the file, numbered.
fn no_match(path: &str, file: &[&str], wanted: &[&str]) -> String {
    let mut message = format!(
        "the SEARCH block for {path} matches no lines of the file; SEARCH must quote the \
         current lines exactly."
    );
    let n = wanted.len();
    if file.is_empty() || n == 0 || file.len().saturating_mul(n) > HINT_MAX_WORK {
        return message;
    }
    let score = |at: usize| -> f64 {
        let window = &file[at..(at + n).min(file.len())];
        let total: f64 = wanted
            .iter()
            .zip(window)
            .map(|(want, have)| strsim::normalized_levenshtein(want.trim(), have.trim()))
            .sum();
        total / n as f64
    };
    let best = (0..file.len().saturating_sub(n.min(file.len())) + 1)
        .map(|at| (at, score(at)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((at, similarity)) = best
        && similarity >= 0.5
    {
        let from = at.saturating_sub(HINT_CONTEXT_LINES);
        let to = (at + n + HINT_CONTEXT_LINES).min(file.len());
        message.push_str(&format!(
            " The closest lines are {}-{}:\n",
            at + 1,
            (at + n).min(file.len())
        ));
        for (i, line) in file[from..to].iter().enumerate() {
            message.push_str(&format!("{:>5} | {}", from + i + 1, line));
            if !line.ends_with('\n') {
                message.push('\n');
            }
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn replace(search: &str, replace: &str) -> Replacement {
        Replacement {
            path: "calc.py".to_owned(),
            search: search.to_owned(),
            replace: replace.to_owned(),
        }
    }

    const FILE: &str = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a + b\n";

    #[test]
    fn exact_match_is_replaced() {
        let out = splice(
            Some(FILE),
            &replace(
                "def sub(a, b):\n    return a + b\n",
                "def sub(a, b):\n    return a - b\n",
            ),
        )
        .unwrap();
        assert_eq!(
            out,
            "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
        );
    }

    #[test]
    fn an_ambiguous_block_is_refused_with_the_places() {
        let err = splice(Some(FILE), &replace("    return a + b\n", "    return 0\n")).unwrap_err();
        assert!(err.contains("matches 2 places"), "{err}");
        assert!(err.contains("lines 2, 6"), "{err}");
    }

    #[test]
    fn trailing_space_and_indentation_are_forgiven() {
        let file = "class A:\n    def f(self):   \n        return 1\n";
        let out = splice(
            Some(file),
            &replace(
                "def f(self):\n    return 1\n",
                "def f(self):\n    return 2\n",
            ),
        )
        .unwrap();
        assert_eq!(out, "class A:\n    def f(self):\n        return 2\n");
    }

    #[test]
    fn an_empty_search_creates_or_appends() {
        assert_eq!(splice(None, &replace("", "x = 1\n")).unwrap(), "x = 1\n");
        assert_eq!(
            splice(Some("a = 0"), &replace("", "x = 1\n")).unwrap(),
            "a = 0\nx = 1\n"
        );
    }

    #[test]
    fn no_match_shows_the_closest_lines() {
        let err = splice(
            Some(FILE),
            &replace("def sub(x, y):\n    return x + y\n", "pass\n"),
        )
        .unwrap_err();
        assert!(err.contains("matches no lines"), "{err}");
        assert!(err.contains("closest lines are 5-6"), "{err}");
        assert!(err.contains("    5 | def sub(a, b):"), "{err}");
        let missing = splice(None, &replace("x = 1\n", "x = 2\n")).unwrap_err();
        assert!(missing.contains("does not exist"), "{missing}");
    }

    #[test]
    fn nothing_similar_gives_no_hint() {
        let err = splice(
            Some(FILE),
            &replace("completely unrelated text here\n", "x\n"),
        )
        .unwrap_err();
        assert!(!err.contains("closest"), "{err}");
    }
}
