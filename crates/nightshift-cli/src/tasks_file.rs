//! The seed's tasks file, as `load` reads it and `serve` watches it: every entry becomes a task
//! with an intake key of its own — its `id:` if it has one, else a digest of its text, priority
//! and metadata (and which copy of an identical entry it is) — so loading the file again, or
//! restarting, never queues an entry twice, and an entry edited is a new task.
//!
//! ```yaml
//! tasks:
//!   - description: Add a function that reverses a string
//!     priority: 7
//!     metadata: { area: utils }
//!   - id: docs-1                # optional: the entry's own key
//!     description: Document the CLI
//! ```

use std::collections::HashMap;
use std::path::Path;

use nightshift_store::{NewTask, PRIORITY_DEFAULT, TaskId, TaskQueue};
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksFile {
    tasks: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    id: Option<String>,
    description: String,
    #[serde(default)]
    priority: Option<i32>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

/// The line where entry `index` of the `tasks:` list starts, for block-style YAML (the seed's
/// format). The YAML parser reports positions of syntax errors itself; this serves the checks
/// that run after parsing.
fn entry_line(text: &str, index: usize) -> Option<usize> {
    let mut lines = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| !l.trim_start().starts_with("tasks:"));
    lines.next()?;
    let mut indent = None;
    let mut seen = 0;
    for (number, line) in lines {
        let trimmed = line.trim_start();
        if !trimmed.starts_with("- ") && trimmed != "-" {
            continue;
        }
        let this = line.len() - trimmed.len();
        if *indent.get_or_insert(this) != this {
            continue;
        }
        if seen == index {
            return Some(number + 1);
        }
        seen += 1;
    }
    None
}

/// Parses a tasks file into keyed tasks; errors name the line.
pub(crate) fn parse(path: &Path, text: &str, max_retries: u32) -> anyhow::Result<Vec<NewTask>> {
    let file: TasksFile = yaml_serde::from_str(text).map_err(|err| {
        let line = err
            .location()
            .map(|loc| format!(" line {}", loc.line()))
            .unwrap_or_default();
        anyhow::anyhow!("{}{line}: {err}", path.display())
    })?;
    if file.tasks.is_empty() {
        anyhow::bail!("{}: `tasks:` is empty", path.display());
    }
    let source = format!("yaml:{}", path.display());
    let mut copies: HashMap<String, usize> = HashMap::new();
    file.tasks
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let metadata = entry.metadata.unwrap_or(serde_json::Value::Null);
            let priority = entry.priority.unwrap_or(PRIORITY_DEFAULT);
            let key = match &entry.id {
                Some(id) => format!("tasks-file:id:{id}"),
                None => {
                    let digest = hex::encode(Sha256::digest(
                        serde_json::json!([entry.description.trim(), priority, metadata])
                            .to_string(),
                    ));
                    let copy = copies.entry(digest.clone()).or_default();
                    *copy += 1;
                    format!("tasks-file:{}:{copy}", &digest[..32])
                }
            };
            NewTask::new(&entry.description, priority, metadata, &source, max_retries)
                .and_then(|task| task.with_key(&key))
                .map_err(|err| {
                    let at = entry_line(text, index)
                        .map(|line| format!(" line {line}"))
                        .unwrap_or_default();
                    anyhow::anyhow!("{}{at} (task {}): {err}", path.display(), index + 1)
                })
        })
        .collect()
}

/// Queues `tasks` (all or none) but those whose key is already in the queue: the ids queued
/// now, and those queued before.
pub(crate) async fn enqueue(
    store: &impl TaskQueue,
    tasks: Vec<NewTask>,
) -> anyhow::Result<(Vec<TaskId>, Vec<TaskId>)> {
    let mut fresh = Vec::new();
    let mut known = Vec::new();
    for task in tasks {
        match &task.key {
            Some(key) => match store.task_with_key(key).await? {
                Some(id) => known.push(id),
                None => fresh.push(task),
            },
            None => fresh.push(task),
        }
    }
    let queued = if fresh.is_empty() {
        Vec::new()
    } else {
        store.enqueue(fresh).await?
    };
    Ok((queued, known))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_line() {
        let path = Path::new("tasks.yaml");
        let cases = [
            (
                "tasks:\n  - description: ok\n  - description: [unclosed\n",
                "line 3",
            ),
            (
                "tasks:\n  - description: ok\n  - description: fine\n    priority: 99\n",
                "line 3",
            ),
            (
                "tasks:\n  - description: ok\n  - description: '   '\n",
                "empty",
            ),
            ("tasks:\n  - descripton: typo\n", "unknown field"),
            ("jobs: []\n", "unknown field"),
        ];
        for (text, expected) in cases {
            let err = parse(path, text, 3).unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn parses_the_seed_format() {
        let text = "tasks:\n  - description: one\n    priority: 7\n    metadata:\n      area: utils\n  - description: two\n";
        let tasks = parse(Path::new("t.yaml"), text, 2).unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].priority, 7);
        assert_eq!(tasks[0].metadata["area"], "utils");
        assert_eq!(tasks[1].priority, PRIORITY_DEFAULT);
        assert_eq!(tasks[1].max_retries, 2);
    }

    #[test]
    fn every_entry_has_a_key_that_survives_saving_again_and_changes_with_its_content() {
        let path = Path::new("t.yaml");
        let keys = |text: &str| -> Vec<String> {
            parse(path, text, 2)
                .unwrap()
                .into_iter()
                .map(|t| t.key.unwrap())
                .collect()
        };
        let before = keys(
            "tasks:\n  - description: one\n  - description: one\n  - id: x\n    description: two\n",
        );
        assert_eq!(before[2], "tasks-file:id:x");
        assert_ne!(before[0], before[1], "two identical entries are two tasks");
        // Reformatted, reordered around them, the same entries keep their keys.
        let after = keys(
            "tasks:\n  - {id: x, description: two, priority: 9}\n  - description: \"one\"\n  - description: one\n",
        );
        assert_eq!(
            after[0], before[2],
            "an id is the key, whatever else changes"
        );
        assert_eq!(&after[1..], &before[..2]);
        // An edited entry is a new task.
        assert_ne!(keys("tasks:\n  - description: one!\n")[0], before[0]);
        assert_ne!(
            keys("tasks:\n  - description: one\n    priority: 6\n")[0],
            before[0]
        );
    }
}
