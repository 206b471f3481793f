//! The report of a period: what finished and how, throughput, model usage, git activity, and
//! the failures grouped by kind, each kind with what to do about it. Written at every
//! checkpoint (`checkpoint.rs`) and on request (`nightshift report`).

use std::fmt::Write as _;

use nightshift_store::{
    CommitRecord, ModelTotals, Period, QueueCounts, Store, StoreError, Task, TaskFilter, TaskId,
    TaskStatus, utc_day, utc_minute,
};

/// Most finished tasks one report reads.
const TASKS_MAX: u32 = 100_000;
/// Commits listed one by one.
const COMMITS_LISTED: usize = 20;
/// Example tasks named per kind of failure.
const EXAMPLES: usize = 5;

/// A kind of failure: how to know it by a task's last error, and what to do about it.
struct Pattern {
    name: &'static str,
    /// Any of these, in the error in lower case.
    needles: &'static [&'static str],
    suggestion: &'static str,
}

/// The kinds of failure, first match wins; what matches none is counted as `other`.
const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "time limit",
        needles: &[crate::TIMED_OUT],
        suggestion: "Attempts ran out of time (`TASK_TIMEOUT`). Raise it, split large tasks, or run fewer workers on a small machine so that they do not share one model too thinly.",
    },
    Pattern {
        name: "rate limits",
        needles: &["rate limited"],
        suggestion: "Backends refused for their rate limits. Add another backend to the fallback chain, or run fewer workers.",
    },
    Pattern {
        name: "model unreachable",
        needles: &[
            "model backend unavailable",
            "cannot connect",
            "server error",
            "broken reply stream",
            "model: timed out",
            "generation failed",
        ],
        suggestion: "A model backend was down or failing. Check it (for Ollama: `OLLAMA_BASE_URL` and `ollama list`), or add a fallback backend.",
    },
    Pattern {
        name: "request rejected",
        needles: &["request rejected"],
        suggestion: "A backend rejected the requests: a wrong model name or key, or a prompt over its context. `nightshift config` shows the settings in force.",
    },
    Pattern {
        name: "no usable edit",
        needles: &[
            "no fenced code block",
            "none names its file",
            "no test file",
            "unusable reply",
        ],
        suggestion: "The model's replies held no edit nightshift could apply. A larger model helps most; so does a task that names the file to change.",
    },
    Pattern {
        name: "syntax errors",
        needles: &["syntax errors in generated code"],
        suggestion: "The model wrote code that does not parse. Use a larger model, or smaller tasks.",
    },
    Pattern {
        name: "failing tests",
        needles: &["tests failed"],
        suggestion: "The code did not pass the tests. Tasks that name the file and function and give an example call with its result land far more often; look at the failing tests in the task's log too.",
    },
    Pattern {
        name: "not what was asked",
        needles: &[
            "does not do what the task asks",
            "no answer shows it does what the task asks",
        ],
        suggestion: "No answer showed the behaviour the task asks for. State the names to define and an example call with its result.",
    },
    Pattern {
        name: "unsafe edits refused",
        needles: &["takes tests away", "deletes code", "refused to write"],
        suggestion: "Answers deleted tests or code, or wrote where tasks may not; they were refused. Say in the task what must stay.",
    },
    Pattern {
        name: "no change",
        needles: &["left every file exactly as it was"],
        suggestion: "The model changed nothing: the task may be done already, or too vague. Name the file and the change.",
    },
    Pattern {
        name: "conflicts",
        needles: &["conflicts with newer commits"],
        suggestion: "Tasks changed the same lines as others that landed first. Give dependent tasks different priorities so that they run one after another.",
    },
    Pattern {
        name: "git",
        needles: &["git:"],
        suggestion: "git failed. Look at the repository (`git status`, free disk space) and the task's log.",
    },
];

/// What `other` failures call for.
const OTHER: &str = "Read the task's log: `nightshift logs --task ID --full`.";

/// The name of the kind of failure `error` is, and its suggestion.
fn classify(error: &str) -> (&'static str, &'static str) {
    let error = error.to_lowercase();
    PATTERNS
        .iter()
        .find(|p| p.needles.iter().any(|needle| error.contains(needle)))
        .map_or(("other", OTHER), |p| (p.name, p.suggestion))
}

/// Everything a report says, read from the store.
#[derive(Debug, Clone)]
pub struct Report {
    /// What it covers.
    pub period: Period,
    /// The branch commits land on.
    pub branch: String,
    /// Tasks that reached a final state in the period.
    pub finished: Vec<Task>,
    /// The queue when the report was read.
    pub counts: QueueCounts,
    /// Model calls made in the period, per model.
    pub models: Vec<ModelTotals>,
    /// Commits recorded in the period, oldest first.
    pub commits: Vec<CommitRecord>,
}

impl Report {
    /// Reads what `period` held.
    pub async fn read<S: Store>(
        store: &S,
        period: Period,
        branch: &str,
    ) -> Result<Self, StoreError> {
        let finished = store
            .tasks(&TaskFilter {
                finished: Some(period),
                ..TaskFilter::newest(TASKS_MAX)
            })
            .await?;
        Ok(Self {
            period,
            branch: branch.to_owned(),
            finished,
            counts: store.counts().await?,
            models: store.totals_by_model(Some(period)).await?,
            commits: store.commits_in(period).await?,
        })
    }

    /// The report as markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let Period { from_ms, to_ms } = self.period;
        let _ = writeln!(out, "# nightshift report\n");
        let _ = writeln!(
            out,
            "{} → {} ({})\n",
            utc_minute(from_ms),
            utc_minute(to_ms),
            span(to_ms - from_ms)
        );
        self.summary(&mut out);
        self.throughput(&mut out);
        self.model_usage(&mut out);
        self.git_activity(&mut out);
        self.errors(&mut out);
        out
    }

    fn count(&self, status: TaskStatus) -> usize {
        self.finished.iter().filter(|t| t.status == status).count()
    }

    fn summary(&self, out: &mut String) {
        let succeeded = self.count(TaskStatus::Succeeded);
        let failed = self.count(TaskStatus::Failed);
        let cancelled = self.count(TaskStatus::Cancelled);
        let first_try = self
            .finished
            .iter()
            .filter(|t| t.status == TaskStatus::Succeeded && t.attempts <= 1)
            .count();
        let pushed = self.commits.iter().filter(|c| c.pushed).count();
        let _ = writeln!(out, "## Summary\n");
        let _ = writeln!(
            out,
            "- Tasks finished: {} ({succeeded} succeeded, {failed} failed, {cancelled} cancelled)",
            self.finished.len()
        );
        let _ = writeln!(
            out,
            "- Success rate: {} of the tasks that succeeded or failed; {} succeeded at their first attempt",
            percent(succeeded, succeeded + failed),
            percent(first_try, succeeded)
        );
        let _ = writeln!(
            out,
            "- Commits landed on `{}`: {} ({pushed} pushed)",
            cell(&self.branch),
            self.commits.len()
        );
        let _ = writeln!(
            out,
            "- Now: {} queued ({} waiting for a retry delay), {} running\n",
            self.counts.queued, self.counts.delayed, self.counts.running
        );
    }

    fn throughput(&self, out: &mut String) {
        let _ = writeln!(out, "## Throughput\n");
        if self.finished.is_empty() {
            let _ = writeln!(out, "No task finished in this period.\n");
            return;
        }
        let mut days: Vec<(String, [usize; 3])> = Vec::new();
        let mut finished: Vec<&Task> = self.finished.iter().collect();
        finished.sort_by_key(|t| t.finished_at_ms);
        for task in finished {
            let day = utc_day(task.finished_at_ms.unwrap_or(self.period.from_ms));
            if days.last().is_none_or(|(last, _)| *last != day) {
                days.push((day, [0; 3]));
            }
            if let Some((_, row)) = days.last_mut() {
                match task.status {
                    TaskStatus::Succeeded => row[0] += 1,
                    TaskStatus::Failed => row[1] += 1,
                    _ => row[2] += 1,
                }
            }
        }
        let _ = writeln!(out, "| day (UTC) | succeeded | failed | cancelled |");
        let _ = writeln!(out, "|---|--:|--:|--:|");
        for (day, [s, f, c]) in &days {
            let _ = writeln!(out, "| {day} | {s} | {f} | {c} |");
        }
        let hours = (self.period.to_ms - self.period.from_ms).max(1) as f64 / 3_600_000.0;
        let mut waits: Vec<i64> = self
            .finished
            .iter()
            .filter(|t| t.status == TaskStatus::Succeeded)
            .filter_map(|t| Some(t.finished_at_ms? - t.created_at_ms))
            .collect();
        waits.sort_unstable();
        let attempts: u32 = self
            .finished
            .iter()
            .filter(|t| t.status == TaskStatus::Succeeded)
            .map(|t| t.attempts)
            .sum();
        let _ = writeln!(
            out,
            "\n{:.1} tasks finished per hour.",
            self.finished.len() as f64 / hours
        );
        if let Some(median) = waits.get(waits.len() / 2) {
            let _ = writeln!(
                out,
                "A task that succeeded took {} from queued to landed (median), in {:.1} attempts on average.",
                span(*median),
                f64::from(attempts) / waits.len() as f64
            );
        }
        out.push('\n');
    }

    fn model_usage(&self, out: &mut String) {
        let _ = writeln!(out, "## Models\n");
        if self.models.is_empty() {
            let _ = writeln!(out, "No model call in this period.\n");
            return;
        }
        let _ = writeln!(
            out,
            "| model | calls | failed | after a fallback | prompt tokens | completion tokens | mean time |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|");
        for m in &self.models {
            let _ = writeln!(
                out,
                "| {}/{} | {} | {} | {} | {} | {} | {:.1} s |",
                cell(&m.backend),
                cell(&m.model),
                m.calls,
                m.failed_calls,
                m.fallbacks,
                m.prompt_tokens,
                m.completion_tokens,
                m.duration_ms as f64 / 1000.0 / m.calls.max(1) as f64
            );
        }
        out.push('\n');
    }

    fn git_activity(&self, out: &mut String) {
        let _ = writeln!(out, "## Git\n");
        if self.commits.is_empty() {
            let _ = writeln!(out, "No commit landed in this period.\n");
            return;
        }
        let mut files: Vec<&str> = self
            .commits
            .iter()
            .flat_map(|c| c.files.iter().map(String::as_str))
            .collect();
        files.sort_unstable();
        files.dedup();
        let unpushed = self.commits.iter().filter(|c| !c.pushed).count();
        let _ = writeln!(
            out,
            "{} commit(s) touching {} file(s); {unpushed} not pushed. One per task; each carries its task in a `Nightshift-Task` trailer.\n",
            self.commits.len(),
            files.len()
        );
        let _ = writeln!(out, "| commit | task | subject |");
        let _ = writeln!(out, "|---|--:|---|");
        for c in self.commits.iter().rev().take(COMMITS_LISTED) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                &c.sha[..c.sha.len().min(10)],
                c.task_id,
                cell(&c.subject)
            );
        }
        if self.commits.len() > COMMITS_LISTED {
            let _ = writeln!(
                out,
                "\n… and {} earlier; `git log` shows them all.",
                self.commits.len() - COMMITS_LISTED
            );
        }
        out.push('\n');
    }

    fn errors(&self, out: &mut String) {
        let _ = writeln!(out, "## Failures and what to do\n");
        let mut kinds: Vec<(&str, &str, Vec<TaskId>)> = Vec::new();
        for task in self
            .finished
            .iter()
            .filter(|t| t.status == TaskStatus::Failed)
        {
            let (name, suggestion) = classify(task.last_error.as_deref().unwrap_or_default());
            match kinds.iter_mut().find(|(n, _, _)| *n == name) {
                Some((_, _, ids)) => ids.push(task.id),
                None => kinds.push((name, suggestion, vec![task.id])),
            }
        }
        if kinds.is_empty() {
            let _ = writeln!(out, "No task failed in this period.");
            return;
        }
        kinds.sort_by_key(|(name, _, ids)| (std::cmp::Reverse(ids.len()), *name));
        let _ = writeln!(out, "| kind | tasks | for example | what to do |");
        let _ = writeln!(out, "|---|--:|---|---|");
        for (name, suggestion, ids) in &kinds {
            let examples: Vec<String> = ids
                .iter()
                .take(EXAMPLES)
                .map(|id| format!("#{id}"))
                .collect();
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {suggestion} |",
                ids.len(),
                examples.join(", ")
            );
        }
    }
}

/// Text made safe for one markdown table cell: one line, no column breaks.
fn cell(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .replace('|', "\\|")
        .chars()
        .take(120)
        .collect()
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    format!("{:.0} %", part as f64 * 100.0 / whole as f64)
}

/// A length of time in milliseconds, briefly.
fn span(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: TaskId, status: TaskStatus, error: Option<&str>, finished_at_ms: i64) -> Task {
        Task {
            id,
            description: format!("task {id}"),
            priority: 5,
            status,
            metadata: serde_json::json!({}),
            source: "cli".to_owned(),
            attempts: if id % 2 == 0 { 2 } else { 1 },
            max_retries: 3,
            run_after_ms: 0,
            lease_owner: None,
            lease_expires_at_ms: None,
            last_error: error.map(str::to_owned),
            created_at_ms: finished_at_ms - 60_000,
            updated_at_ms: finished_at_ms,
            started_at_ms: None,
            finished_at_ms: Some(finished_at_ms),
            rate_limited_since_ms: None,
        }
    }

    const DAY: i64 = 86_400_000;
    /// 2026-01-01 00:00 UTC.
    const START: i64 = 1_767_225_600_000;

    #[test]
    fn a_report_counts_by_day_and_groups_failures_with_what_to_do() {
        let report = Report {
            period: Period {
                from_ms: START,
                to_ms: START + 7 * DAY,
            },
            branch: "main".to_owned(),
            finished: vec![
                task(1, TaskStatus::Succeeded, None, START + 1000),
                task(2, TaskStatus::Succeeded, None, START + DAY + 1000),
                task(
                    3,
                    TaskStatus::Failed,
                    Some("timed out after 600 s"),
                    START + DAY + 2000,
                ),
                task(
                    4,
                    TaskStatus::Failed,
                    Some("tests failed:\nassert 1 == 2"),
                    START + DAY + 3000,
                ),
                task(
                    5,
                    TaskStatus::Failed,
                    Some("timed out after 600 s"),
                    START + 2 * DAY,
                ),
                task(
                    6,
                    TaskStatus::Failed,
                    Some("something new | odd"),
                    START + 2 * DAY,
                ),
                task(7, TaskStatus::Cancelled, None, START + 2 * DAY),
            ],
            counts: QueueCounts {
                queued: 3,
                ..QueueCounts::default()
            },
            models: vec![ModelTotals {
                backend: "ollama".to_owned(),
                model: "qwen|x".to_owned(),
                calls: 4,
                failed_calls: 1,
                fallbacks: 2,
                prompt_tokens: 400,
                completion_tokens: 40,
                duration_ms: 8000,
            }],
            commits: vec![CommitRecord {
                task_id: 1,
                sha: "0123456789abcdef".to_owned(),
                branch: "main".to_owned(),
                subject: "Add | a pipe\nsecond line".to_owned(),
                files: vec!["a.py".to_owned(), "b.py".to_owned()],
                created_at_ms: START + 1000,
                pushed: false,
            }],
        };
        let text = report.markdown();
        assert!(
            text.contains("2026-01-01 00:00 UTC → 2026-01-08 00:00 UTC (7 d 0 h)"),
            "{text}"
        );
        assert!(
            text.contains("- Tasks finished: 7 (2 succeeded, 4 failed, 1 cancelled)"),
            "{text}"
        );
        assert!(text.contains("- Success rate: 33 % of the tasks"), "{text}");
        assert!(
            text.contains("50 % succeeded at their first attempt"),
            "{text}"
        );
        assert!(text.contains("| 2026-01-01 | 1 | 0 | 0 |"), "{text}");
        assert!(text.contains("| 2026-01-02 | 1 | 2 | 0 |"), "{text}");
        assert!(text.contains("| 2026-01-03 | 0 | 2 | 1 |"), "{text}");
        assert!(
            text.contains("| ollama/qwen\\|x | 4 | 1 | 2 | 400 | 40 | 2.0 s |"),
            "{text}"
        );
        assert!(
            text.contains("| `0123456789` | 1 | Add \\| a pipe |"),
            "{text}"
        );
        assert!(
            text.contains("1 commit(s) touching 2 file(s); 1 not pushed"),
            "{text}"
        );
        // Failures by kind, the most frequent first, each with what to do.
        let time_limit = text.find("| time limit | 2 | #3, #5 | Attempts ran out of time");
        let tests = text.find("| failing tests | 1 | #4 |");
        let other = text.find("| other | 1 | #6 | Read the task's log");
        assert!(
            time_limit.is_some() && tests.is_some() && other.is_some(),
            "{text}"
        );
        assert!(time_limit < other && other > tests, "{text}");
    }

    #[test]
    fn every_kind_of_failure_is_known_by_an_error_nightshift_writes() {
        for (error, kind) in [
            ("timed out after 600 s", "time limit"),
            (
                "rate limited on every backend for over 24 h: rate limited for 30 s: slow down",
                "rate limits",
            ),
            (
                "model: cannot connect: connection refused",
                "model unreachable",
            ),
            (
                "model: request rejected (400): bad model",
                "request rejected",
            ),
            (
                "the model's reply contains no fenced code block with a file path",
                "no usable edit",
            ),
            (
                "syntax errors in generated code:\na.py:1: invalid syntax",
                "syntax errors",
            ),
            ("tests failed:\nE assert 3 == 4", "failing tests"),
            (
                "no answer shows it does what the task asks:\nf(2) returned 3",
                "not what was asked",
            ),
            (
                "the change takes tests away:\ntest_a removed",
                "unsafe edits refused",
            ),
            (
                "your answer left every file exactly as it was, so nothing is done yet",
                "no change",
            ),
            (
                "your change conflicts with newer commits on the branch",
                "conflicts",
            ),
            ("git: could not lock", "git"),
            ("", "other"),
        ] {
            assert_eq!(classify(error).0, kind, "{error}");
        }
        assert!(
            PATTERNS
                .iter()
                .all(|p| !p.needles.is_empty() && !p.suggestion.is_empty())
        );
    }

    #[test]
    fn an_empty_period_says_so_instead_of_dividing_by_nothing() {
        let report = Report {
            period: Period {
                from_ms: START,
                to_ms: START + DAY,
            },
            branch: "main".to_owned(),
            finished: Vec::new(),
            counts: QueueCounts::default(),
            models: Vec::new(),
            commits: Vec::new(),
        };
        let text = report.markdown();
        for line in [
            "- Success rate: – of the tasks",
            "No task finished in this period.",
            "No model call in this period.",
            "No commit landed in this period.",
            "No task failed in this period.",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
}
