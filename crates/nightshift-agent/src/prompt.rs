//! Building the model's requests: the edit format's instructions and a worked example, the
//! repository map, the files that matter in full, and the task — all within a budget fitted to
//! the model's context window.
//!
//! "Files that matter" are, in order: files the task (or the previous round) names, then files
//! whose path and symbols share the task's words ([`repo_map::rank`]), sources before tests.
//! Whole files take up to two thirds of the budget; the map of the repository gets the rest.

use std::path::Path;

use nightshift_model::Message;

use crate::check::TestPlan;
use crate::edit::EditFormat;
use crate::repo_map;

/// Characters per token assumed when fitting text to a token budget; code tokenises at about
/// 3.3 characters a token with Qwen's and Llama's tokenizers, so 3 errs on the safe side.
const CHARS_PER_TOKEN: usize = 3;
/// Tokens kept for the instructions, the example, the task text and the framing.
const FRAMING_TOKENS: usize = 700;
/// The smallest budget used, whatever the window: below it no useful prompt fits anyway.
const MIN_BUDGET_CHARS: usize = 2_000;
/// Most files shown in full besides those the task names: the ones sharing the most words with
/// the task. The rest are on the map, with their signatures: a small model given thirty files
/// in full reads slowly and answers worse.
const MAX_RELATED_FILES: usize = 3;

/// Characters of repository content a prompt may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Characters of file content and map.
    pub chars: usize,
}

impl Budget {
    /// The budget of a model with `context_tokens` of context that may reply with
    /// `max_output_tokens`: what the window holds once the reply and the framing are set aside.
    pub fn fitted(context_tokens: u32, max_output_tokens: u32) -> Self {
        let tokens = (context_tokens as usize)
            .saturating_sub(max_output_tokens as usize)
            .saturating_sub(FRAMING_TOKENS);
        Self {
            chars: (tokens * CHARS_PER_TOKEN).max(MIN_BUDGET_CHARS),
        }
    }

    /// This budget, at most `prompt_tokens` of repository content (0: no cap): small models
    /// get small prompts.
    #[must_use]
    pub fn capped(self, prompt_tokens: u32) -> Self {
        if prompt_tokens == 0 {
            return self;
        }
        let cap = (prompt_tokens as usize * CHARS_PER_TOKEN).max(MIN_BUDGET_CHARS);
        Self {
            chars: self.chars.min(cap),
        }
    }
}

/// What a prompt shows of the repository.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    /// The repository map, rendered (empty for an empty repository).
    pub map: String,
    /// Files shown in full.
    pub files: Vec<ContextFile>,
}

/// A file shown to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFile {
    /// Path relative to the repository.
    pub path: String,
    /// Its content.
    pub content: String,
}

/// Picks what to show for a task: `files` are the repository's, `named` those that must come
/// first (the task's, or the ones the previous round wrote). Shown in full: the named files,
/// then at most `MAX_RELATED_FILES` (3) others that share words with the task — never a file
/// merely because it fits; the rest go on the map.
pub fn gather(
    root: &Path,
    files: &[String],
    task: &str,
    named: &[String],
    budget: Budget,
) -> Context {
    let mapped = repo_map::map(root, files);
    let ranked = repo_map::ranked(&mapped, task, named);
    let order: Vec<usize> = ranked.iter().map(|r| r.index).collect();
    let mut left = budget.chars * 2 / 3;
    let mut shown = Vec::new();
    let mut related = 0;
    for r in &ranked {
        let i = r.index;
        let Some(content) = &mapped[i].content else {
            continue; // binary, unreadable or huge: on the map only
        };
        let wanted = r.named || (r.score > 0 && related < MAX_RELATED_FILES);
        if !wanted || content.len() > left {
            continue;
        }
        related += usize::from(!r.named);
        left -= content.len();
        shown.push(ContextFile {
            path: mapped[i].path.clone(),
            content: content.clone(),
        });
    }
    let names: Vec<String> = shown.iter().map(|f| f.path.clone()).collect();
    let used: usize = shown.iter().map(|f| f.content.len()).sum();
    let map = repo_map::render(&mapped, &order, &names, budget.chars.saturating_sub(used));
    Context { map, files: shown }
}

/// How the model is told to answer, with worked examples: small models copy the format of an
/// example turn far more reliably than they follow a description of it.
struct Instructions {
    system: &'static str,
    /// A task done: the example before a request to do a task.
    example: Example,
    /// The reply to [`REPAIR_EXAMPLE_TASK`]: the example before a request to repair. It opens
    /// with one sentence on what is wrong — a small model that names the fault first fixes it
    /// more often — and shows a repair, not a new file, so the model does not copy the task
    /// example instead of fixing its own files (seen with Qwen2.5-Coder-1.5B).
    repair_reply: &'static str,
    /// The closing line of a request to do the task.
    answer: &'static str,
    /// The closing line of a request to repair.
    repair: &'static str,
}

const WHOLE: Instructions = Instructions {
    system: "You are an expert programmer working in a git repository. Answer with the complete \
             content of every file you create or change, each in its own fenced code block whose \
             opening fence is followed by the file's path. Write whole files, never fragments. \
             Keep explanations short.",
    example: Example {
        task: "The repository is empty.\n\nTask: Create greet.py with a function greet(name) \
               that returns a greeting for name.\n\nReply with the complete files.",
        reply: "```python greet.py\ndef greet(name):\n    return f\"Hello, {name}!\"\n```",
    },
    repair_reply: "greet joins the words without the comma and the exclamation mark the test \
                expects.\n\n```python greet.py\ndef greet(name):\n    return \"Hello, \" + name + \
                \"!\"\n```",
    answer: "Reply with the complete files.",
    repair: "Fix the problem: first say in one sentence what is wrong, then reply with the \
             complete corrected files.",
};

const SEARCH_REPLACE: Instructions = Instructions {
    system: "You are an expert programmer working in a git repository. Change files with \
             search/replace blocks: the file's path on a line of its own, then a line \
             `<<<<<<< SEARCH`, the current lines to change copied exactly (enough of them to be \
             unique in the file), a line `=======`, the lines that replace them, and a line \
             `>>>>>>> REPLACE`. To create a file, leave the part between SEARCH and ======= \
             empty. Use one block per change. Keep explanations short.",
    example: Example {
        task: "Repository map:\ngreet.py (shown below)\n\n```greet.py\ndef greet(name):\n    \
               return \"Hello \" + name\n\n\ndef farewell(name):\n    return \"Bye \" + \
               name\n```\n\nTask: Make greet end with an exclamation mark, and add \
               test_greet.py testing it.\n\nReply with search/replace blocks.",
        reply: "greet.py\n<<<<<<< SEARCH\n    return \"Hello \" + name\n=======\n    return \
                \"Hello \" + name + \"!\"\n>>>>>>> REPLACE\n\ntest_greet.py\n<<<<<<< SEARCH\n\
                =======\nfrom greet import greet\n\n\ndef test_greet():\n    assert \
                greet(\"Ann\") == \"Hello Ann!\"\n>>>>>>> REPLACE",
    },
    repair_reply: "greet joins the words without the comma and the exclamation mark the test \
                expects.\n\ngreet.py\n<<<<<<< SEARCH\n    return \"Hello \" + name\n=======\n    \
                return \"Hello, \" + name + \"!\"\n>>>>>>> REPLACE",
    answer: "Reply with search/replace blocks.",
    repair: "Fix the problem: first say in one sentence what is wrong, then reply with \
             search/replace blocks against the files as shown above.",
};

/// Every file the worked examples write ([`WHOLE`], [`SEARCH_REPLACE`], their repairs): a new
/// file of one of these names that the task does not ask for is the example copied
/// (`guard::unasked_files`).
pub(crate) const EXAMPLE_FILES: &[&str] = &["greet.py", "test_greet.py"];

/// A worked example: a request and the reply to it.
struct Example {
    task: &'static str,
    reply: &'static str,
}

/// The request of both formats' repair example, but for its closing line: each format's
/// `repair`.
const REPAIR_EXAMPLE_TASK: &str = "Repository map (files and what they define):\ngreet.py (shown \
     below)\ntest_greet.py (shown below)\n\n```greet.py\ndef greet(name):\n    return \"Hello \" + \
     name\n```\n\n```test_greet.py\nfrom greet import greet\n\n\ndef test_greet():\n    assert \
     greet(\"Ann\") == \"Hello, Ann!\"\n```\n\nTask: Make greet(name) return a greeting like \
     \"Hello, Ann!\".\n\nThe files above are as your previous answer left them, and it failed:\n\
     tests failed:\npytest:\ntest_greet.py:5: in test_greet\n    assert greet(\"Ann\") == \"Hello, \
     Ann!\"\nE   AssertionError: assert 'Hello Ann' == 'Hello, Ann!'\n\n";

fn instructions(format: EditFormat) -> &'static Instructions {
    match format {
        EditFormat::Whole => &WHOLE,
        EditFormat::SearchReplace => &SEARCH_REPLACE,
    }
}

fn with_example(format: EditFormat, user: String) -> Vec<Message> {
    let how = instructions(format);
    with(how, how.example.task.to_owned(), how.example.reply, user)
}

fn with(
    how: &Instructions,
    example_task: String,
    example_reply: &str,
    user: String,
) -> Vec<Message> {
    vec![
        Message::system(how.system),
        Message::user(example_task),
        Message::assistant(example_reply),
        Message::user(user),
    ]
}

fn context_section(context: &Context) -> String {
    let mut text = String::new();
    if context.map.is_empty() {
        text.push_str("The repository is empty.\n");
    } else {
        text.push_str("Repository map (files and what they define):\n");
        text.push_str(&context.map);
    }
    text.push_str(&files_section(&context.files));
    text
}

/// Files in full, each in a block headed by its path.
fn files_section(files: &[ContextFile]) -> String {
    let mut text = String::new();
    for file in files {
        text.push_str(&format!("\n```{}\n{}", file.path, file.content));
        if !file.content.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("```\n");
    }
    text
}

/// The request to do the task.
pub fn code_request(format: EditFormat, task: &str, context: &Context) -> Vec<Message> {
    with_example(
        format,
        format!(
            "{}\nTask: {task}\n\n{}",
            context_section(context),
            instructions(format).answer
        ),
    )
}

/// The request to do the task with no framing beyond the format's instructions: the files the
/// task names, in full, and the task — no worked example, no repository map. What a small model
/// loses to the framing it does not need is measured against [`code_request`] with it
/// (`nightshift eval --samples K --prompt minimal`).
pub fn minimal_code_request(format: EditFormat, task: &str, named: &[ContextFile]) -> Vec<Message> {
    let how = instructions(format);
    vec![
        Message::system(how.system),
        Message::user(format!(
            "{}\nTask: {task}\n\n{}",
            files_section(named),
            how.answer
        )),
    ]
}

/// The request to fix a failed answer: the files as they are now (those written first) and
/// what went wrong.
pub fn repair_request(
    format: EditFormat,
    task: &str,
    context: &Context,
    failure: &str,
) -> Vec<Message> {
    let how = instructions(format);
    with(
        how,
        format!("{REPAIR_EXAMPLE_TASK}{}", how.repair),
        how.repair_reply,
        format!(
            "{}\nTask: {task}\n\nThe files above are as your previous answer left them, and it \
             failed:\n{failure}\n\n{}",
            context_section(context),
            how.repair
        ),
    )
}

/// The request for a basic test of the files just written, as `plan` says. Always whole-file:
/// the test is a new file.
pub fn test_request(task: &str, written: &[ContextFile], plan: &TestPlan) -> Vec<Message> {
    let files = files_section(written);
    with_example(
        EditFormat::Whole,
        format!(
            "{files}\nThese files were written for the task: {task}\n\n\
             Write a short test file named {}: {}. It checks the behaviour the task asks for \
             with a few plain asserts. Use the examples the task gives, exactly as written; add \
             an assert of your own only where you are sure of the expected value. Reply with \
             that one file.",
            plan.path, plan.how
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_a_worked_example_writes_is_known_as_one() {
        let mut written = std::collections::BTreeSet::new();
        for how in [&WHOLE, &SEARCH_REPLACE] {
            for reply in [how.example.reply, how.repair_reply] {
                let edits = crate::reply::parse(reply, &[]).expect("the example parses");
                written.extend(edits.iter().map(|e| e.path().to_owned()));
            }
        }
        let known: std::collections::BTreeSet<String> =
            EXAMPLE_FILES.iter().map(|f| (*f).to_owned()).collect();
        assert_eq!(written, known);
    }

    #[test]
    fn a_repair_request_shows_a_worked_repair_and_ends_with_its_format() {
        let context = Context {
            map: "calc.py (shown below)\n".to_owned(),
            files: vec![ContextFile {
                path: "calc.py".to_owned(),
                content: "def add(a, b):\n    return a - b\n".to_owned(),
            }],
        };
        for format in [EditFormat::Whole, EditFormat::SearchReplace] {
            let how = instructions(format);
            let request = repair_request(format, "Fix add", &context, "assert -1 == 3");
            // The example is a failure and its fix, closing as the real request closes.
            assert!(request[1].content.contains("it failed:"));
            assert!(request[1].content.ends_with(how.repair));
            assert!(request[2].content.starts_with("greet joins the words"));
            assert!(crate::reply::parse(&request[2].content, &[]).is_ok());
            let user = &request[3].content;
            assert!(user.contains("```calc.py\ndef add(a, b):"), "{user}");
            assert!(user.contains("it failed:\nassert -1 == 3"), "{user}");
            assert!(user.ends_with(how.repair), "{user}");
        }
    }

    #[test]
    fn a_minimal_request_carries_the_named_files_and_the_task_only() {
        let named = [ContextFile {
            path: "calc.py".to_owned(),
            content: "def add(a, b):\n    return a - b\n".to_owned(),
        }];
        let messages = minimal_code_request(EditFormat::Whole, "Fix add in calc.py.", &named);
        assert_eq!(messages.len(), 2, "no worked example");
        let user = &messages[1].content;
        assert!(user.contains("```calc.py\ndef add(a, b):"), "{user}");
        assert!(user.contains("Task: Fix add in calc.py."), "{user}");
        assert!(!user.contains("Repository map"), "{user}");
        assert!(user.ends_with(WHOLE.answer), "{user}");
    }

    #[test]
    fn the_budget_follows_the_window() {
        assert_eq!(Budget::fitted(8192, 1536).chars, (8192 - 1536 - 700) * 3);
        assert_eq!(Budget::fitted(1024, 1536).chars, MIN_BUDGET_CHARS);
    }

    #[test]
    fn a_prompt_stays_within_its_budget_and_keeps_the_named_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for i in 0..40 {
            let path = format!("pkg/module_{i}.py");
            let body: String = (0..30)
                .map(|j| format!("def function_{i}_{j}(x):\n    return x + {j}\n\n"))
                .collect();
            crate::testing::put(dir.path(), &[(&path, &body)]);
            files.push(path);
        }
        let budget = Budget { chars: 6_000 };
        let named = vec!["pkg/module_17.py".to_owned()];
        let context = gather(
            dir.path(),
            &files,
            "Fix function_17_3 in pkg/module_17.py",
            &named,
            budget,
        );
        assert_eq!(context.files[0].path, "pkg/module_17.py");
        let size = context.map.len() + context.files.iter().map(|f| f.content.len()).sum::<usize>();
        assert!(size <= budget.chars + 40, "{size}");
        assert!(context.map.contains("more files"), "{}", context.map);
        let request = code_request(EditFormat::SearchReplace, "Fix it", &context);
        assert!(request[0].content.contains("<<<<<<< SEARCH"));
        assert!(
            request[3]
                .content
                .contains("Reply with search/replace blocks.")
        );
    }

    #[test]
    fn only_the_named_and_a_few_related_files_are_shown_in_full_however_much_fits() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        let mut write = |path: &str, body: &str| {
            crate::testing::put(dir.path(), &[(path, body)]);
            files.push(path.to_owned());
        };
        write("freight.py", "def freight_cost(legs):\n    return 0\n");
        write("fuel.py", "def fuel_price(port):\n    return 0.2\n");
        write("README.md", "An app.\n");
        for i in 0..30 {
            write(
                &format!("unrelated_{i}.py"),
                "def helper():\n    return 1\n",
            );
        }
        let context = gather(
            dir.path(),
            &files,
            "Make freight_cost in freight.py add the fuel_price of the port",
            &["freight.py".to_owned()],
            Budget { chars: 100_000 },
        );
        let shown: Vec<&str> = context.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(shown, ["freight.py", "fuel.py"]);
        assert!(context.map.contains("unrelated_7.py"), "{}", context.map);
        assert!(context.map.contains("def helper()"), "{}", context.map);
    }

    #[test]
    fn a_small_models_budget_is_capped() {
        let window = Budget::fitted(8192, 1536);
        assert_eq!(window.capped(0), window);
        assert_eq!(window.capped(2048).chars, 2048 * CHARS_PER_TOKEN);
        assert_eq!(Budget { chars: 3_000 }.capped(2048).chars, 3_000);
    }
}
