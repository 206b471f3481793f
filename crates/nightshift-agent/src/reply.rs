//! Finding the edits in a model's reply.
//!
//! Two formats are understood, in any mix, whichever the prompt asked for:
//! - **search/replace blocks**: the file's path on a line of its own (or in the opening fence),
//!   then `<<<<<<< SEARCH`, the lines as they are, `=======`, the lines that replace them,
//!   `>>>>>>> REPLACE`;
//! - **whole files** in fenced code blocks, each headed by its path. Small models put the path in
//!   different places, so all of these are accepted, in this order of preference: the fence's
//!   info string (```` ```python app/calc.py ````), a first line inside the block that is a
//!   comment naming the file (`# file: app/calc.py`), or the last non-empty line before the fence
//!   (`app/calc.py`, `**app/calc.py**`, `File: app/calc.py`). A block with no path takes the next
//!   file named in the task that no other block claimed. Blocks with no path at all are ignored.
//!
//! A reply with no usable edit is an error, and so is a search block left unclosed: applying
//! part of what the model meant would be worse than asking again.

use crate::edit::{Edit, FileEdit, Replacement};

/// The rules both grammars share, as a literal for `concat!`.
macro_rules! edit_rules {
    () => {
        r#"block ::= "```" lang " " path "
" line* "```"
lang  ::= [a-z]{1,12}
path  ::= (seg "/"){0,8} seg "." ext
seg   ::= [A-Za-z0-9_] [A-Za-z0-9_.-]{0,63}
ext   ::= [A-Za-z0-9]{1,10}
line  ::= ([^`
] [^
]* | "`" [^`
] [^
]* | "``" [^`
] [^
]*)? "
"
tail  ::= "
" ([^`] [^
]*)*
"#
    };
}

/// The edit format as a GBNF grammar: one or more fenced blocks, each opened by a language tag
/// and a relative path with an extension (no component starts with `/` or `.`; lengths bounded,
/// so a model cannot loop inside a path), closed by a fence line; then, optionally, free lines
/// that do not open another block — so the model can say it is done and stop, rather than being
/// held to block after block until its token limit. A model decoding under it always produces a
/// reply [`parse`] accepts.
pub const EDIT_GRAMMAR: &str = concat!(
    r#"root  ::= block ("
"+ block)* tail?
"#,
    edit_rules!()
);

/// [`EDIT_GRAMMAR`] with up to three lines of prose before the first block: a repair reply
/// says what was wrong before it gives the corrected files.
pub const REPAIR_GRAMMAR: &str = concat!(
    r#"root  ::= lead? block ("
"+ block)* tail?
lead  ::= ([^`
] [^
]{0,300} "
"){1,3} "
"?
"#,
    edit_rules!()
);

/// Why a reply gave no edits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// No fenced block at all.
    #[error("the model's reply contains no fenced code block with a file path")]
    NoCodeBlock,
    /// Asked for a test, the model wrote none (no block whose path is a test file).
    #[error("the model's reply contains no test file")]
    NoTestFile,
    /// Blocks, but none with a path.
    #[error("the model's reply has {0} code block(s) but none names its file")]
    NoPath(usize),
    /// A search/replace block with no file named before it.
    #[error(
        "a SEARCH block names no file: put the file's path on the line before `<<<<<<< SEARCH`"
    )]
    SearchWithoutPath,
    /// A search/replace block missing its `=======` or `>>>>>>> REPLACE` line.
    #[error(
        "the SEARCH block for {0} is not closed: it needs a `=======` line and a `>>>>>>> REPLACE` line"
    )]
    Unclosed(String),
    /// Edits, but none that can land: files the task does not ask for
    /// (`guard::unasked_files`), or code no build compiles (`guard::unbuilt_rust`).
    #[error(
        "nothing the reply writes can land ({0}): write the code the task asks for, in the files it names, where the project's build and tests reach it"
    )]
    NothingLands(String),
}

/// Extracts the edits of a reply, in the order written. `hints` are file names from the task,
/// used for whole-file blocks that name no path.
pub fn parse(reply: &str, hints: &[String]) -> Result<Vec<Edit>, ReplyError> {
    let replacements = search_replace_blocks(reply)?;
    let blocks: Vec<Block> = fenced_blocks(reply)
        .into_iter()
        .filter(|block| !block.body.lines().any(is_search_marker))
        .collect();
    if blocks.is_empty() && replacements.is_empty() {
        return Err(ReplyError::NoCodeBlock);
    }
    let mut files: Vec<(usize, FileEdit)> = Vec::new();
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
            // A block cut off by the end of the reply (its token limit, or a loop ended) that
            // restates a file written whole earlier in the reply is a copy cut short: the
            // complete one stands.
            Some(path) if !block.closed && files.iter().any(|(_, edit)| edit.path == path) => {}
            Some(path) => upsert(&mut files, block.line, path, content),
            None => unnamed.push((block.line, content)),
        }
    }
    let free: Vec<String> = hints
        .iter()
        .filter(|hint| !files.iter().any(|(_, edit)| &edit.path == *hint))
        .cloned()
        .collect();
    for ((line, content), hint) in unnamed.into_iter().zip(free) {
        upsert(&mut files, line, hint, content);
    }
    if files.is_empty() && replacements.is_empty() {
        return Err(ReplyError::NoPath(blocks.len()));
    }
    let mut edits: Vec<(usize, Edit)> = files
        .into_iter()
        .map(|(line, edit)| (line, Edit::Whole(edit)))
        .chain(
            replacements
                .into_iter()
                .map(|(line, edit)| (line, Edit::Replace(edit))),
        )
        .collect();
    edits.sort_by_key(|(line, _)| *line);
    Ok(edits.into_iter().map(|(_, edit)| edit).collect())
}

fn is_search_marker(line: &str) -> bool {
    marker(line, '<').is_some_and(|rest| rest == "SEARCH")
}

fn is_divider(line: &str) -> bool {
    marker(line, '=').is_some_and(str::is_empty)
}

fn is_replace_marker(line: &str) -> bool {
    marker(line, '>').is_some_and(|rest| rest.is_empty() || rest == "REPLACE")
}

/// A conflict-marker-like line: 5 to 9 of `c`, then what follows, trimmed.
fn marker(line: &str, c: char) -> Option<&str> {
    let line = line.trim();
    let rest = line.trim_start_matches(c);
    let count = line.len() - rest.len();
    (5..=9).contains(&count).then(|| rest.trim())
}

/// The search/replace blocks of a reply with the line each starts on. A block's file is named
/// just before it: on the line before `<<<<<<< SEARCH`, or in the fence opened there, or on the
/// line before that fence. Else it is the previous block's file (several blocks in one fence).
fn search_replace_blocks(reply: &str) -> Result<Vec<(usize, Replacement)>, ReplyError> {
    let lines: Vec<&str> = reply.lines().collect();
    let mut found = Vec::new();
    let mut path: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        if !is_search_marker(lines[i]) {
            i += 1;
            continue;
        }
        let start = i;
        if let Some(named) = path_before(&lines[..start]) {
            path = Some(named);
        }
        let Some(file) = path.clone() else {
            return Err(ReplyError::SearchWithoutPath);
        };
        let unclosed = || ReplyError::Unclosed(file.clone());
        let divider = (start + 1..lines.len())
            .find(|&j| is_divider(lines[j]))
            .ok_or_else(unclosed)?;
        let end = (divider + 1..lines.len())
            .find(|&j| is_replace_marker(lines[j]))
            .ok_or_else(unclosed)?;
        let joined = |range: std::ops::Range<usize>| -> String {
            lines[range].iter().map(|l| format!("{l}\n")).collect()
        };
        found.push((
            start,
            Replacement {
                path: file,
                search: joined(start + 1..divider),
                replace: joined(divider + 1..end),
            },
        ));
        i = end + 1;
    }
    Ok(found)
}

/// The path named right before a search block (`before` ends at the block).
fn path_before(before: &[&str]) -> Option<String> {
    let mut previous = before.iter().rev().filter(|l| !l.trim().is_empty());
    let line = previous.next()?;
    if let Some(info) = line.trim_start().strip_prefix("```") {
        return path_in_info(info).or_else(|| previous.next().and_then(|l| path_in_line(l)));
    }
    if is_replace_marker(line) {
        return None; // the end of the previous block: same file
    }
    path_in_line(line)
}

fn upsert(edits: &mut Vec<(usize, FileEdit)>, line: usize, path: String, content: String) {
    // A later block for the same file replaces the earlier one: models restate corrected files.
    edits.retain(|(_, edit)| edit.path != path);
    edits.push((line, FileEdit { path, content }));
}

struct Block {
    /// Line of the opening fence.
    line: usize,
    info: String,
    body: String,
    before: String,
    /// Whether its closing fence was written (only the reply's last block can lack one).
    closed: bool,
}

fn fenced_blocks(reply: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut last_text_line = String::new();
    let mut lines = reply.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            if !line.trim().is_empty() {
                last_text_line = line.trim().to_owned();
            }
            continue;
        };
        let mut body = String::new();
        let mut closed = false;
        for (_, inner) in lines.by_ref() {
            if inner.trim_start().starts_with("```") && inner.trim() == "```" {
                closed = true;
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        // An unclosed final block is kept: replies cut at the token limit end that way, and the
        // syntax check will judge the content.
        blocks.push(Block {
            line: number,
            info: info.trim().to_owned(),
            body,
            before: std::mem::take(&mut last_text_line),
            closed,
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
        .find_map(|token| {
            as_path(token)
                .filter(|path| path.contains('.'))
                .or_else(|| bare_path(token))
        })
        .filter(|path| !is_language_tag(path))
}

/// A path without an extension, named where only a path can be (a fence's info string): a
/// dotfile (`.gitattributes`) or a name in a directory (`.husky/pre-commit`, `bin/run`). Taken
/// as written, so a file the task may not write is refused by name rather than its content
/// landing in whichever file the task names.
fn bare_path(token: &str) -> Option<String> {
    let ok_chars = token
        .chars()
        .all(|c| c.is_alphanumeric() || "_-./".contains(c));
    let dotfile = token.len() > 1 && token.starts_with('.') && !token.starts_with("..");
    let nested = token.contains('/') && !token.ends_with('/');
    (ok_chars && (dotfile || nested)).then(|| token.to_owned())
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
        if is_abbreviation(token) {
            continue;
        }
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

/// An abbreviation of prose, as a task's text writes it (`e.g.`, `i.e.`, `(a.k.a.`, once its
/// last dot is trimmed): single letters between dots, not quoted as a name would be. Read as a
/// file, it gave a block with no path of its own a new file named `e.g`.
fn is_abbreviation(token: &str) -> bool {
    let bare = token.trim_start_matches(['(', '[']);
    bare.contains('.') && bare.split('.').all(|part| part.chars().count() == 1)
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn edit(path: &str, content: &str) -> Edit {
        Edit::Whole(FileEdit {
            path: path.to_owned(),
            content: content.to_owned(),
        })
    }

    fn replacement(path: &str, search: &str, replace: &str) -> Edit {
        Edit::Replace(Replacement {
            path: path.to_owned(),
            search: search.to_owned(),
            replace: replace.to_owned(),
        })
    }

    #[test]
    fn abbreviations_of_prose_are_not_files() {
        assert_eq!(
            mentioned_files("Fix `a.c` (e.g. its loop), i.e. the C file; see calc.py."),
            vec!["a.c".to_owned(), "calc.py".to_owned()],
            "a name in backticks is a file, whatever its length"
        );
        let task = "Any other value (e.g. `x = yes`) raises, i.e. fails; see `calc.py`.";
        let reply = "```python calc.py\nx = 1\n```\n\n```md\nNotes.\n```\n";
        assert_eq!(
            parse(reply, &mentioned_files(task)).unwrap(),
            vec![edit("calc.py", "x = 1\n")],
            "a block with no path takes no abbreviation for one"
        );
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
    fn a_restatement_cut_short_leaves_the_complete_copy_and_a_whole_one_replaces_it() {
        let first = "def area(w, h):\n    return w * h\n";
        let cut = format!("```python shapes.py\n{first}```\n\n```python shapes.py\ndef area(w");
        assert_eq!(
            parse(&cut, &[]).unwrap(),
            vec![edit("shapes.py", first)],
            "the reply ended inside its second copy: the first stands"
        );
        let restated = "def area(w, h):\n    return abs(w * h)\n";
        let whole =
            format!("```python shapes.py\n{first}```\n```python shapes.py\n{restated}```\n");
        assert_eq!(
            parse(&whole, &[]).unwrap(),
            vec![edit("shapes.py", restated)],
            "a complete later copy is the model's correction"
        );
        let only = "```python shapes.py\ndef area(w, h):\n    return w";
        assert_eq!(
            parse(only, &[]).unwrap(),
            vec![edit("shapes.py", "def area(w, h):\n    return w\n")],
            "a file written once, cut short, is kept for the checks to judge"
        );
    }

    #[test]
    fn unnamed_block_takes_the_file_named_by_the_task() {
        let hints = mentioned_files("Create beacon.py with a function beacon(name).");
        assert_eq!(hints, vec!["beacon.py".to_owned()]);
        let reply = "```python\ndef beacon(name):\n    return f'Beacon {name} lit'\n```";
        assert_eq!(parse(reply, &hints).unwrap()[0].path(), "beacon.py");
    }

    #[test]
    fn dotfiles_and_nested_names_in_a_fence_header_are_paths() {
        for (reply, path) in [
            (
                "```python .husky/pre-commit\ntouch x\n```",
                ".husky/pre-commit",
            ),
            ("```.gitattributes\n* filter=x\n```", ".gitattributes"),
            ("```sh bin/run\necho\n```", "bin/run"),
        ] {
            let edits = parse(reply, &["pkg/t5.py".to_owned()]).unwrap();
            assert_eq!(edits.len(), 1);
            assert_eq!(edits[0].path(), path, "{reply}");
        }
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
            .iter()
            .map(|e| e.path().to_owned())
            .collect();
        assert_eq!(paths, vec!["../evil.py", "/etc/passwd"]);
        let reply = "../evil.py\n<<<<<<< SEARCH\n=======\nx = 1\n>>>>>>> REPLACE\n";
        assert_eq!(parse(reply, &[]).unwrap()[0].path(), "../evil.py");
    }

    #[test]
    fn search_replace_blocks_bare_and_fenced() {
        let reply = "I will fix it.\n\ncalc.py\n```python\n<<<<<<< SEARCH\n    return a + b\n=======\n    return a - b\n>>>>>>> REPLACE\n```\n\n```python tests/test_calc.py\n<<<<<<< SEARCH\n=======\ndef test_sub():\n    assert sub(2, 1) == 1\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nimport x\n=======\nimport y\n>>>>>>> REPLACE\n```\nutil.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n";
        assert_eq!(
            parse(reply, &[]).unwrap(),
            vec![
                replacement("calc.py", "    return a + b\n", "    return a - b\n"),
                replacement(
                    "tests/test_calc.py",
                    "",
                    "def test_sub():\n    assert sub(2, 1) == 1\n"
                ),
                replacement("tests/test_calc.py", "import x\n", "import y\n"),
                replacement("util.py", "a\n", "b\n"),
            ]
        );
    }

    #[test]
    fn formats_mix_in_reply_order() {
        let reply = "```python new.py\nX = 1\n```\nold.py\n<<<<<<< SEARCH\nY = 1\n=======\nY = 2\n>>>>>>> REPLACE\n";
        assert_eq!(
            parse(reply, &[]).unwrap(),
            vec![
                edit("new.py", "X = 1\n"),
                replacement("old.py", "Y = 1\n", "Y = 2\n")
            ]
        );
    }

    #[test]
    fn broken_search_blocks_are_errors() {
        let unclosed = "calc.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n";
        assert_eq!(
            parse(unclosed, &[]),
            Err(ReplyError::Unclosed("calc.py".to_owned()))
        );
        let nameless = "<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n";
        assert_eq!(parse(nameless, &[]), Err(ReplyError::SearchWithoutPath));
    }
}
