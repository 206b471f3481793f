//! Building the model's requests: the task, the repository's file list, and the content of the
//! files that matter, within a character budget.
//!
//! "Files that matter" are, in order: files the task names, then small source files of the
//! repository (tests last), until the budget is spent. The repository map with symbols and a
//! token budget fitted to the model come with the context work of a later milestone.

use std::path::Path;

use nightshift_model::Message;

use crate::check::is_test_file;

/// Characters of file content included in a prompt (about 4 characters a token).
pub const CONTEXT_BUDGET_CHARS: usize = 12_000;
/// Files larger than this are listed but never included.
const MAX_FILE_CHARS: usize = 6_000;
/// Files listed at most.
const MAX_LISTED_FILES: usize = 200;

const SYSTEM: &str = "You are an expert programmer working in a git repository. \
Answer with the complete content of every file you create or change, each in its own fenced \
code block whose opening fence is followed by the file's path. Write whole files, never \
fragments. Keep explanations short.";

/// A worked example shown before the task: small models copy the format of an example turn
/// far more reliably than they follow a description of it.
const EXAMPLE_TASK: &str = "The repository is empty.\n\nTask: Create greet.py with a function \
greet(name) that returns a greeting for name.\n\nReply with the complete files.";
const EXAMPLE_REPLY: &str =
    "```python greet.py\ndef greet(name):\n    return f\"Hello, {name}!\"\n```";

fn with_example(user: String) -> Vec<Message> {
    vec![
        Message::system(SYSTEM),
        Message::user(EXAMPLE_TASK),
        Message::assistant(EXAMPLE_REPLY),
        Message::user(user),
    ]
}

/// A file shown to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFile {
    /// Path relative to the repository.
    pub path: String,
    /// Its content.
    pub content: String,
}

/// Picks the files to show for a task.
pub fn gather(root: &Path, files: &[String], mentioned: &[String]) -> Vec<ContextFile> {
    let mut ordered: Vec<&String> = files.iter().filter(|f| mentioned.contains(f)).collect();
    let mut rest: Vec<&String> = files.iter().filter(|f| !mentioned.contains(f)).collect();
    rest.sort_by_key(|f| (is_test_file(f), f.len()));
    ordered.extend(rest);
    let mut budget = CONTEXT_BUDGET_CHARS;
    let mut picked = Vec::new();
    for path in ordered {
        let Ok(content) = std::fs::read_to_string(root.join(path)) else {
            continue; // binary or unreadable: listed only
        };
        if content.len() > MAX_FILE_CHARS || content.len() > budget {
            continue;
        }
        budget -= content.len();
        picked.push(ContextFile {
            path: path.clone(),
            content,
        });
    }
    picked
}

fn file_section(files: &[String], context: &[ContextFile]) -> String {
    let mut text = String::new();
    if files.is_empty() {
        text.push_str("The repository is empty.\n");
    } else {
        text.push_str("Files in the repository:\n");
        for path in files.iter().take(MAX_LISTED_FILES) {
            text.push_str(&format!("- {path}\n"));
        }
        if files.len() > MAX_LISTED_FILES {
            text.push_str(&format!(
                "- … and {} more\n",
                files.len() - MAX_LISTED_FILES
            ));
        }
    }
    for file in context {
        text.push_str(&format!("\n```{}\n{}", file.path, file.content));
        if !file.content.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("```\n");
    }
    text
}

/// The request to do the task.
pub fn code_request(task: &str, files: &[String], context: &[ContextFile]) -> Vec<Message> {
    with_example(format!(
        "{}\nTask: {task}\n\nReply with the complete files.",
        file_section(files, context)
    ))
}

/// The request to fix a failed answer: the files as they are now (those written first) and
/// what went wrong.
pub fn repair_request(
    task: &str,
    files: &[String],
    current: &[ContextFile],
    failure: &str,
) -> Vec<Message> {
    with_example(format!(
        "{}\nTask: {task}\n\nThe files above are as your previous answer left them, and it \
         failed:\n{failure}\n\nFix the problem. Reply with the complete corrected files.",
        file_section(files, current)
    ))
}

/// The request for a basic pytest test of the files just written.
pub fn test_request(task: &str, written: &[ContextFile]) -> Vec<Message> {
    let modules: Vec<String> = written
        .iter()
        .filter_map(|f| f.path.strip_suffix(".py"))
        .map(|m| m.replace('/', "."))
        .collect();
    let test_path = written
        .iter()
        .find_map(|f| {
            Path::new(&f.path)
                .file_name()
                .map(|name| format!("test_{}", name.to_string_lossy()))
        })
        .unwrap_or_else(|| "test_task.py".to_owned());
    with_example(format!(
        "{}\nThese files were written for the task: {task}\n\n\
             Write a short pytest test file named {test_path} that imports from {} and checks \
             the behaviour the task asks for with a few plain asserts. Reply with that one file.",
        file_section(&[], written),
        modules.join(", ")
    ))
}
