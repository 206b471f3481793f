//! Finding the files in a model's reply.
//!
//! The edit format is whole files in fenced code blocks, each headed by its path. Small models
//! put the path in different places, so all of these are accepted, in this order of preference:
//! the fence's info string (```` ```python app/calc.py ````), a first line inside the block that
//! is a comment naming the file (`# file: app/calc.py`), or the last non-empty line before the
//! fence (`app/calc.py`, `**app/calc.py**`, `File: app/calc.py`). A block with no path takes the
//! next file named in the task that no other block claimed. Blocks with no path at all are
//! ignored; a reply with no usable block is an error.

/// The edit format as a GBNF grammar: one or more fenced blocks, each opened by a language tag
/// and a relative path with an extension (no component starts with `/` or `.`), closed by a fence
/// line. A model decoding
/// under it always produces a reply [`parse`] accepts.
pub const EDIT_GRAMMAR: &str = r#"
root  ::= block ("
"+ block)* "
"?
block ::= "```" lang " " path "
" line* "```"
lang  ::= [a-z]+
path  ::= seg ("/" seg)* "." ext
seg   ::= [A-Za-z0-9_] [A-Za-z0-9_.-]*
ext   ::= [A-Za-z0-9]+
line  ::= ([^`
] [^
]* | "`" [^`
] [^
]* | "``" [^`
] [^
]*)? "
"
"#;

/// A whole file the model wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Path relative to the repository, as the model wrote it (checked by `apply`).
    pub path: String,
    /// The new content.
    pub content: String,
}

/// Why a reply gave no edits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// No fenced block at all.
    #[error("the model's reply contains no fenced code block with a file path")]
    NoCodeBlock,
    /// Asked for a test, the model wrote none (no block named `test_*.py` or `*_test.py`).
    #[error("the model's reply contains no test file (test_*.py)")]
    NoTestFile,
    /// Blocks, but none with a path.
    #[error("the model's reply has {0} code block(s) but none names its file")]
    NoPath(usize),
}

/// Extracts the file edits of a reply. `hints` are file names from the task, used for blocks
/// that name no path.
pub fn parse(reply: &str, hints: &[String]) -> Result<Vec<FileEdit>, ReplyError> {
    let blocks = fenced_blocks(reply);
    if blocks.is_empty() {
        return Err(ReplyError::NoCodeBlock);
    }
    let mut edits: Vec<FileEdit> = Vec::new();
    let mut unnamed = Vec::new();
    for block in &blocks {
        let mut content = block.body.clone();
        let path = path_in_info(&block.info)
            .or_else(|| {
                let first = content.lines().next().and_then(path_in_comment);
                if first.is_some() {
                    content = content.lines().skip(1).collect::<Vec<_>>().join("\n");
                    content.push('\n');
                }
                first
            })
            .or_else(|| path_in_line(&block.before));
        match path {
            Some(path) => upsert(&mut edits, path, content),
            None => unnamed.push(content),
        }
    }
    let free: Vec<String> = hints
        .iter()
        .filter(|hint| !edits.iter().any(|edit| &edit.path == *hint))
        .cloned()
        .collect();
    let mut free_hints = free.into_iter();
    for content in unnamed {
        if let Some(hint) = free_hints.next() {
            upsert(&mut edits, hint, content);
        }
    }
    if edits.is_empty() {
        return Err(ReplyError::NoPath(blocks.len()));
    }
    Ok(edits)
}

fn upsert(edits: &mut Vec<FileEdit>, path: String, content: String) {
    // A later block for the same file replaces the earlier one: models restate corrected files.
    edits.retain(|edit| edit.path != path);
    edits.push(FileEdit { path, content });
}

struct Block {
    info: String,
    body: String,
    before: String,
}

fn fenced_blocks(reply: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut last_text_line = String::new();
    let mut lines = reply.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            if !line.trim().is_empty() {
                last_text_line = line.trim().to_owned();
            }
            continue;
        };
        let mut body = String::new();
        let mut closed = false;
        for inner in lines.by_ref() {
            if inner.trim_start().starts_with("```") && inner.trim() == "```" {
                closed = true;
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        // An unclosed final block is kept: replies cut at the token limit end that way, and the
        // syntax check will judge the content.
        let _ = closed;
        blocks.push(Block {
            info: info.trim().to_owned(),
            body,
            before: std::mem::take(&mut last_text_line),
        });
    }
    blocks
}

/// Whether a token looks like a relative file path (`name.ext`, with optional directories).
fn as_path(token: &str) -> Option<String> {
    let token = token.trim_matches(|c: char| "`*'\"():,".contains(c));
    // Dangerous-looking paths are returned as written so `apply` refuses them loudly rather
    // than the edit being silently dropped.
    let escaping = (token.len() > 1 && token.starts_with('/'))
        || token.starts_with("../")
        || token.contains("/../");
    if escaping && !token.contains("://") {
        return Some(token.to_owned());
    }
    let (stem, ext) = token.rsplit_once('.')?;
    let ok_chars = |s: &str| s.chars().all(|c| c.is_alphanumeric() || "_-./".contains(c));
    (!stem.is_empty()
        && !stem.ends_with('.')
        && !ext.is_empty()
        && ext.len() <= 10
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && ok_chars(stem))
    .then(|| token.to_owned())
}

fn path_in_info(info: &str) -> Option<String> {
    info.split_whitespace()
        .filter_map(|token| token.strip_prefix("path=").or(Some(token)))
        .find_map(|token| as_path(token).filter(|path| path.contains('.')))
        .filter(|path| !is_language_tag(path))
}

fn is_language_tag(token: &str) -> bool {
    !token.contains('.') && !token.contains('/')
}

fn path_in_comment(line: &str) -> Option<String> {
    let rest = ["#", "//", "--", "<!--"]
        .iter()
        .find_map(|marker| line.trim().strip_prefix(marker))?
        .trim();
    let rest = ["file:", "File:", "filename:", "path:"]
        .iter()
        .find_map(|label| rest.strip_prefix(label))
        .unwrap_or(rest)
        .trim();
    let mut tokens = rest.split_whitespace();
    let token = tokens.next()?;
    // Only a comment that is nothing but a path: "# compute the sum" is code, not a header.
    tokens.next().is_none().then(|| as_path(token)).flatten()
}

fn path_in_line(line: &str) -> Option<String> {
    let line = line.trim().trim_end_matches(':');
    let line = ["File:", "file:", "Filename:", "Path:", "###", "##", "#"]
        .iter()
        .find_map(|label| line.strip_prefix(label))
        .unwrap_or(line)
        .trim();
    line.split_whitespace().rev().find_map(as_path)
}

/// File names mentioned in a task description, in order of appearance.
pub fn mentioned_files(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for token in text.split_whitespace() {
        let token = token.trim_end_matches(['.', ',', ';', ':', ')']);
        if let Some(path) = as_path(token)
            && path
                .rsplit_once('.')
                .is_some_and(|(_, ext)| ext.chars().any(|c| c.is_ascii_lowercase()))
            && !found.contains(&path)
        {
            found.push(path);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn edit(path: &str, content: &str) -> FileEdit {
        FileEdit {
            path: path.to_owned(),
            content: content.to_owned(),
        }
    }

    #[test]
    fn path_in_info_string() {
        let reply = "Here:\n```python calc.py\ndef add(a, b):\n    return a + b\n```\n";
        assert_eq!(
            parse(reply, &[]).unwrap(),
            vec![edit("calc.py", "def add(a, b):\n    return a + b\n")]
        );
    }

    #[test]
    fn path_on_the_line_before_or_in_a_comment() {
        let reply = "**src/util.py**\n```python\nX = 1\n```\nand\n```python\n# file: tests/test_util.py\nfrom src.util import X\n```";
        assert_eq!(
            parse(reply, &[]).unwrap(),
            vec![
                edit("src/util.py", "X = 1\n"),
                edit("tests/test_util.py", "from src.util import X\n")
            ]
        );
    }

    #[test]
    fn unnamed_block_takes_the_file_named_by_the_task() {
        let hints = mentioned_files("Create greet.py with a function greet(name).");
        assert_eq!(hints, vec!["greet.py".to_owned()]);
        let reply = "```python\ndef greet(name):\n    return f'Hello, {name}!'\n```";
        assert_eq!(parse(reply, &hints).unwrap()[0].path, "greet.py");
    }

    #[test]
    fn a_code_comment_is_not_a_path() {
        let reply = "```python\n# compute the sum of two numbers\nx = 1\n```";
        assert_eq!(parse(reply, &[]), Err(ReplyError::NoPath(1)));
    }

    #[test]
    fn no_block_is_an_error() {
        assert_eq!(
            parse("I cannot help with that.", &[]),
            Err(ReplyError::NoCodeBlock)
        );
    }

    #[test]
    fn escaping_paths_are_kept_for_apply_to_refuse() {
        let reply = "```python ../evil.py\nx = 1\n```\n/etc/passwd\n```\nroot\n```";
        let paths: Vec<_> = parse(reply, &[])
            .unwrap()
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(paths, vec!["../evil.py", "/etc/passwd"]);
    }
}
