//! `nightshift load tasks.yaml`: the seed's format, all tasks or none.
//!
//! ```yaml
//! tasks:
//!   - description: Add a function that reverses a string
//!     priority: 7
//!     metadata: { area: utils }
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use nightshift_store::{NewTask, PRIORITY_DEFAULT, TaskQueue};
use serde::Deserialize;

use crate::context::Context;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// The tasks file.
    file: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksFile {
    tasks: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
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

/// Parses a tasks file; errors name the line.
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
    file.tasks
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let metadata = entry.metadata.unwrap_or(serde_json::Value::Null);
            let priority = entry.priority.unwrap_or(PRIORITY_DEFAULT);
            NewTask::new(&entry.description, priority, metadata, &source, max_retries).map_err(
                |err| {
                    let at = entry_line(text, index)
                        .map(|line| format!(" line {line}"))
                        .unwrap_or_default();
                    anyhow::anyhow!("{}{at} (task {}): {err}", path.display(), index + 1)
                },
            )
        })
        .collect()
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(&self.file)
            .with_context(|| format!("reading {}", self.file.display()))?;
        let tasks = parse(&self.file, &text, ctx.config.max_retries)?;
        let store = ctx.store().await?;
        let ids = store.enqueue(tasks).await?;
        println!(
            "queued {} task(s) from {}: {}",
            ids.len(),
            self.file.display(),
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(())
    }
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
}
