//! What the templates show, formatted: each view is built from store records here, so the
//! templates hold no logic beyond loops, and every value reaches them as text they escape.

use std::fmt::Write as _;
use std::time::Instant;

use nightshift_store::{CommitRecord, LogEntry, ModelCall, Task, TaskStatus, now_ms};

use crate::snapshot::{CHART_HOURS, Presence, Snapshot, State};

/// Characters of a task description shown in a list.
const SUMMARY_CHARS: usize = 160;
/// A log message longer than this (or of several lines) folds under its first line.
const FOLD_CHARS: usize = 200;

/// What every page shows around its content.
pub(crate) struct Chrome {
    pub(crate) title: &'static str,
    /// This page's path, where forms come back to.
    pub(crate) path: String,
    pub(crate) paused: bool,
}

impl Chrome {
    pub(crate) fn new(title: &'static str, path: &str, paused: bool) -> Self {
        Self {
            title,
            path: path.to_owned(),
            paused,
        }
    }
}

/// `text` for a URL's query.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// How long ago `at_ms` was, briefly.
pub(crate) fn ago(at_ms: i64) -> String {
    duration(u64::try_from(now_ms() - at_ms).unwrap_or(0) / 1000) + " ago"
}

/// A duration in seconds, briefly.
pub(crate) fn duration(s: u64) -> String {
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

fn first_line(text: &str, chars: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut cut: String = line.chars().take(chars).collect();
    if cut.len() < text.trim_end().len() {
        cut.push('…');
    }
    cut
}

/// One task in a list.
pub(crate) struct TaskRow {
    pub(crate) id: i64,
    pub(crate) status: &'static str,
    pub(crate) priority: i32,
    pub(crate) source: String,
    pub(crate) tries: String,
    pub(crate) summary: String,
    pub(crate) error: Option<String>,
    pub(crate) updated: String,
}

impl TaskRow {
    pub(crate) fn of(task: &Task) -> Self {
        Self {
            id: task.id,
            status: task.status.as_str(),
            priority: task.priority,
            source: task.source.clone(),
            tries: format!("{}/{}", task.attempts, task.max_retries + 1),
            summary: first_line(&task.description, SUMMARY_CHARS),
            error: (task.status == TaskStatus::Failed)
                .then(|| {
                    task.last_error
                        .as_deref()
                        .map(|e| first_line(e, SUMMARY_CHARS))
                })
                .flatten(),
            updated: ago(task.updated_at_ms),
        }
    }
}

/// One worker.
pub(crate) struct WorkerRow {
    pub(crate) name: String,
    /// `host:pid:wN` of a worker of the announced daemon, which can be restarted from here.
    pub(crate) restart: Option<String>,
    /// The query of its log lines (`worker=…`).
    pub(crate) log: Option<String>,
    pub(crate) state: &'static str,
    pub(crate) task: Option<i64>,
    pub(crate) what: String,
    /// What it is doing on its task now: attempt and step.
    pub(crate) phase: String,
    /// How its attempts ended, for a worker of the announced daemon.
    pub(crate) done: String,
    pub(crate) since: String,
}

/// What an attempt is doing, by the kind of its newest log line.
const PHASES: &[(&str, &str)] = &[
    ("transition", "starting"),
    ("context", "building the prompt"),
    ("round", "starting a round"),
    ("prompt", "waiting for the model"),
    ("model", "reading the reply"),
    ("edit", "applying the edits"),
    ("pass", "checking the edits"),
    ("check", "running the checks"),
    ("select", "choosing among the answers"),
    ("repair", "asking for a repair"),
    ("git", "landing the commit"),
];

/// `attempt 2 · running the checks` of a running task's newest line.
fn phase(task: &Task, line: Option<&LogEntry>) -> String {
    let step = line.map_or("starting", |line| {
        PHASES
            .iter()
            .find(|(event, _)| *event == line.event)
            .map_or("working", |(_, step)| step)
    });
    format!("attempt {} · {step}", task.attempts)
}

/// One model's totals.
pub(crate) struct ModelRow {
    pub(crate) name: String,
    /// Its place in the daemon's chain: `first`, `fallback 1`, …; `—` when not in it.
    pub(crate) place: String,
    /// `ready`, `circuit open` (skipped after failing in a row), or `—`.
    pub(crate) health: &'static str,
    /// Calls it served after another backend of the chain failed the same request.
    pub(crate) fallbacks: u64,
    pub(crate) calls: u64,
    pub(crate) failed: u64,
    pub(crate) tokens: String,
    pub(crate) mean: String,
}

/// One commit in the overview.
pub(crate) struct CommitRow {
    pub(crate) short: String,
    pub(crate) task: i64,
    pub(crate) subject: String,
    pub(crate) pushed: &'static str,
}

/// The overview's live part.
pub(crate) struct Overview {
    pub(crate) attention: Vec<crate::snapshot::Attention>,
    pub(crate) state: &'static str,
    pub(crate) state_class: &'static str,
    pub(crate) paused_by: Option<String>,
    pub(crate) daemon: String,
    pub(crate) uptime: String,
    /// When the next checkpoint is due, or that one awaits approval.
    pub(crate) checkpoint: String,
    pub(crate) counts: Vec<(&'static str, u64)>,
    pub(crate) workers: Vec<WorkerRow>,
    pub(crate) chart: String,
    pub(crate) chart_caption: String,
    pub(crate) models: Vec<ModelRow>,
    pub(crate) branch: String,
    pub(crate) auto_push: &'static str,
    pub(crate) commits: Vec<CommitRow>,
}

impl Overview {
    pub(crate) fn of(snapshot: &Snapshot, server_started: Instant) -> Self {
        let daemon = snapshot.daemon.as_ref();
        let state = snapshot.state();
        let state_class = match state {
            State::Running => "running",
            State::Stopped => "stopped",
            State::Paused | State::AwaitingCheckpoint => "paused",
        };
        let state = state.as_str();
        let c = &snapshot.counts;
        let succeeded: u64 = snapshot.hours.iter().map(|h| h.succeeded).sum();
        let failed: u64 = snapshot.hours.iter().map(|h| h.failed).sum();
        let rate = if succeeded + failed == 0 {
            "no task finished in the last 24 h".to_owned()
        } else {
            format!(
                "{succeeded} succeeded, {failed} failed in the last 24 h ({:.0} % success)",
                100.0 * succeeded as f64 / (succeeded + failed) as f64
            )
        };
        Self {
            attention: snapshot.attention.clone(),
            state,
            state_class,
            paused_by: snapshot
                .paused
                .then(|| snapshot.paused_by.clone())
                .flatten(),
            daemon: daemon.map_or_else(
                || "not running".to_owned(),
                |d| {
                    format!(
                        "pid {} on {} · model {}",
                        d.pid,
                        short_host(&d.host),
                        d.chain()
                    )
                },
            ),
            uptime: daemon.map_or_else(
                || format!("server {}", duration(server_started.elapsed().as_secs())),
                |d| duration(u64::try_from(now_ms() - d.started_at_ms).unwrap_or(0) / 1000),
            ),
            checkpoint: checkpoint_due(snapshot),
            counts: vec![
                ("queued", c.queued),
                ("running", c.running),
                ("succeeded", c.succeeded),
                ("failed", c.failed),
                ("cancelled", c.cancelled),
            ],
            workers: workers(snapshot),
            chart: chart(snapshot),
            chart_caption: rate,
            models: models(snapshot),
            branch: daemon.map_or_else(String::new, |d| d.branch.clone()),
            auto_push: match daemon {
                Some(d) if d.auto_push => "on",
                Some(_) => "off",
                None => "—",
            },
            commits: snapshot
                .commits
                .iter()
                .map(|c| CommitRow {
                    short: c.sha.chars().take(10).collect(),
                    task: c.task_id,
                    subject: c.subject.clone(),
                    pushed: if c.pushed { "yes" } else { "no" },
                })
                .collect(),
        }
    }
}

/// When the next checkpoint is due, as the overview says it.
fn checkpoint_due(snapshot: &Snapshot) -> String {
    let every = snapshot.daemon.as_ref().and_then(|d| d.checkpoint_every_s);
    match (&snapshot.checkpoint, every) {
        (Some(c), _) if c.awaiting.is_some() => "awaiting approval".to_owned(),
        (_, None) if snapshot.daemon.is_none() => "—".to_owned(),
        (_, None) => "off".to_owned(),
        (None, Some(_)) => "the first period begins".to_owned(),
        (Some(c), Some(every)) => {
            let due = c.since_ms + (every * 1000.0) as i64;
            let left = u64::try_from(due - now_ms()).unwrap_or(0) / 1000;
            format!(
                "{} (in {})",
                nightshift_store::utc_minute(due),
                duration(left)
            )
        }
    }
}

/// The host name without the boot and namespace ids the daemon appends.
fn short_host(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// The daemon's chain in order, with each backend's health, then every other model that
/// served calls; usage beside each.
fn models(snapshot: &Snapshot) -> Vec<ModelRow> {
    let chain: Vec<&str> = snapshot.daemon.as_ref().map_or_else(Vec::new, |d| {
        d.chain()
            .split(" → ")
            .filter(|name| !name.is_empty())
            .collect()
    });
    let open = |name: &str| {
        snapshot
            .daemon
            .as_ref()
            .is_some_and(|d| d.circuits_open.iter().any(|c| c == name))
    };
    let totals = |name: &str| {
        snapshot
            .models
            .iter()
            .find(|m| format!("{}/{}", m.backend, m.model) == name)
    };
    let row = |name: &str, place: String, health: &'static str| {
        let m = totals(name);
        let calls = m.map_or(0, |m| m.calls);
        ModelRow {
            name: name.to_owned(),
            place,
            health,
            fallbacks: m.map_or(0, |m| m.fallbacks),
            calls,
            failed: m.map_or(0, |m| m.failed_calls),
            tokens: m.map_or_else(
                || "0 / 0".to_owned(),
                |m| format!("{} / {}", m.prompt_tokens, m.completion_tokens),
            ),
            mean: match m {
                Some(m) if calls > 0 => {
                    format!("{:.1} s", m.duration_ms as f64 / calls as f64 / 1000.0)
                }
                _ => "—".to_owned(),
            },
        }
    };
    let mut rows: Vec<ModelRow> = chain
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let place = if i == 0 {
                "first".to_owned()
            } else {
                format!("fallback {i}")
            };
            row(
                name,
                place,
                if open(name) { "circuit open" } else { "ready" },
            )
        })
        .collect();
    for m in &snapshot.models {
        let name = format!("{}/{}", m.backend, m.model);
        if !chain.contains(&name.as_str()) {
            rows.push(row(&name, "—".to_owned(), "—"));
        }
    }
    rows
}

/// `w2` of the worker `host:pid:w2`.
pub(crate) fn worker_number(owner: &str) -> &str {
    owner.rsplit(':').next().unwrap_or(owner)
}

/// The query of a worker's log lines.
fn log_query(owner: &str) -> String {
    format!("worker={}", encode(owner))
}

/// The workers: this daemon's, idle or on a task, and any other process's running tasks.
fn workers(snapshot: &Snapshot) -> Vec<WorkerRow> {
    let mut rows = Vec::new();
    let held = |task: &Task| WorkerRow {
        name: task
            .lease_owner
            .as_deref()
            .map(|o| worker_number(o).to_owned())
            .unwrap_or_default(),
        restart: None,
        log: task.lease_owner.as_deref().map(log_query),
        phase: phase(task, snapshot.doing.get(&task.id)),
        done: String::new(),
        state: "working",
        task: Some(task.id),
        what: first_line(&task.description, 60),
        since: task.started_at_ms.map(ago).unwrap_or_default(),
    };
    if let Some(daemon) = &snapshot.daemon {
        let ours = format!("{}:{}:", daemon.host, daemon.pid);
        for index in 0..daemon.workers {
            let suffix = format!(":w{index}");
            let task = snapshot.running.iter().find(|t| {
                t.lease_owner
                    .as_deref()
                    .is_some_and(|o| o.starts_with(&ours) && o.ends_with(&suffix))
            });
            let id = format!("{}:{}:w{index}", daemon.host, daemon.pid);
            // The name its lines and leases carry (`host:pid:instance:wN`).
            let owner = (!daemon.instance.is_empty()).then(|| {
                format!(
                    "{}:{}:{}:w{index}",
                    daemon.host, daemon.pid, daemon.instance
                )
            });
            let done = snapshot
                .tallies
                .iter()
                .find(|t| t.worker.starts_with(&ours) && t.worker.ends_with(&suffix))
                .map_or_else(
                    || "none yet".to_owned(),
                    |t| format!("{} landed, {} not", t.succeeded, t.ended_otherwise),
                );
            let restart = Some(id);
            rows.push(match task {
                Some(task) => WorkerRow {
                    restart,
                    done,
                    ..held(task)
                },
                None => WorkerRow {
                    name: format!("w{index}"),
                    log: owner.as_deref().map(log_query),
                    phase: String::new(),
                    done,
                    restart,
                    state: if snapshot.paused { "paused" } else { "idle" },
                    task: None,
                    what: String::new(),
                    since: String::new(),
                },
            });
        }
        rows.extend(
            snapshot
                .running
                .iter()
                .filter(|t| {
                    !t.lease_owner
                        .as_deref()
                        .is_some_and(|o| o.starts_with(&ours))
                })
                .map(held),
        );
    } else {
        rows.extend(snapshot.running.iter().map(held));
    }
    rows
}

/// Tasks finished per hour as bars (succeeded above failed), drawn on the server.
fn chart(snapshot: &Snapshot) -> String {
    const W: usize = 12;
    const H: u64 = 60;
    let top = snapshot
        .hours
        .iter()
        .map(|h| h.succeeded + h.failed)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = format!(
        "<svg class=\"chart\" id=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"tasks finished per hour\">",
        CHART_HOURS * W,
        H + 12,
        CHART_HOURS * W * 2,
        (H + 12) * 2
    );
    for (i, hour) in snapshot.hours.iter().enumerate() {
        let ok = hour.succeeded * H / top;
        let bad = hour.failed * H / top;
        let x = i * W;
        let _ = write!(
            svg,
            "<rect class=\"ok\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{ok}\"/><rect class=\"bad\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{bad}\"/>",
            H - ok,
            W - 2,
            H - ok - bad,
            W - 2
        );
    }
    // The success rate of each hour that finished tasks, 0–100 % over the chart's height.
    let rates: Vec<(usize, u64)> = snapshot
        .hours
        .iter()
        .enumerate()
        .filter(|(_, h)| h.succeeded + h.failed > 0)
        .map(|(i, h)| {
            let rate = h.succeeded * H / (h.succeeded + h.failed);
            (i * W + (W - 2) / 2, H - rate)
        })
        .collect();
    if !rates.is_empty() {
        let points: Vec<String> = rates.iter().map(|(x, y)| format!("{x},{y}")).collect();
        let _ = write!(
            svg,
            "<polyline class=\"rate\" id=\"success-rate\" points=\"{}\"><title>success rate per hour</title></polyline>",
            points.join(" ")
        );
        for (x, y) in &rates {
            let _ = write!(
                svg,
                "<circle class=\"rate\" cx=\"{x}\" cy=\"{y}\" r=\"1.5\"/>"
            );
        }
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{}\">−24 h</text><text x=\"{}\" y=\"{}\">now</text></svg>",
        H + 11,
        CHART_HOURS * W - 18,
        H + 11
    );
    svg
}

/// One task, in full.
pub(crate) struct TaskView {
    pub(crate) id: i64,
    pub(crate) status: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) description: String,
    pub(crate) priority: i32,
    pub(crate) source: String,
    pub(crate) tries: String,
    pub(crate) created: String,
    pub(crate) owner: Option<String>,
}

impl TaskView {
    pub(crate) fn of(task: &Task) -> Self {
        Self {
            id: task.id,
            status: task.status.as_str(),
            error: task.last_error.clone(),
            description: task.description.clone(),
            priority: task.priority,
            source: task.source.clone(),
            tries: format!("attempt {} of {}", task.attempts, task.max_retries + 1),
            created: ago(task.created_at_ms),
            owner: task.lease_owner.clone(),
        }
    }
}

/// A task's commit and its diff, line by line with a class each.
pub(crate) struct CommitView {
    pub(crate) short: String,
    pub(crate) branch: String,
    pub(crate) diff: Vec<(&'static str, String)>,
}

impl CommitView {
    pub(crate) fn of(record: &CommitRecord, shown: &str) -> Self {
        let diff = shown
            .lines()
            .map(|line| {
                let class = if line.starts_with("+++")
                    || line.starts_with("---")
                    || line.starts_with("diff ")
                {
                    "meta"
                } else if line.starts_with('+') {
                    "add"
                } else if line.starts_with('-') {
                    "del"
                } else if line.starts_with("@@") {
                    "hunk"
                } else {
                    "ctx"
                };
                (class, line.to_owned())
            })
            .collect();
        Self {
            short: record.sha.chars().take(12).collect(),
            branch: record.branch.clone(),
            diff,
        }
    }
}

/// One model call.
pub(crate) struct CallRow {
    pub(crate) attempt: String,
    pub(crate) model: String,
    pub(crate) purpose: String,
    pub(crate) tokens: String,
    pub(crate) first_token: String,
    pub(crate) time: String,
    pub(crate) outcome: String,
}

impl CallRow {
    pub(crate) fn of(call: &ModelCall) -> Self {
        Self {
            attempt: call.attempt.map(|a| a.to_string()).unwrap_or_default(),
            model: format!("{}/{}", call.backend, call.model),
            purpose: call.purpose.clone(),
            tokens: format!("{} / {}", call.prompt_tokens, call.completion_tokens),
            first_token: call
                .first_token_ms
                .map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
                .unwrap_or_default(),
            time: format!("{:.1} s", call.duration_ms as f64 / 1000.0),
            outcome: match (&call.error, &call.fallback_from) {
                (Some(err), _) => format!("{}: {err}", call.outcome),
                (None, Some(from)) => format!("{} (fell back from {from})", call.outcome),
                (None, None) => call.outcome.clone(),
            },
        }
    }
}

/// One log line.
pub(crate) struct LogRow {
    pub(crate) id: i64,
    pub(crate) at: String,
    pub(crate) level: &'static str,
    pub(crate) task: Option<i64>,
    /// The worker's number (`w2`) and the query of its lines (`worker=host%3A12%3Aw2`).
    pub(crate) worker: Option<(String, String)>,
    pub(crate) event: String,
    pub(crate) first: String,
    pub(crate) message: String,
    pub(crate) long: bool,
}

impl LogRow {
    pub(crate) fn of(line: &LogEntry) -> Self {
        Self {
            id: line.id,
            at: ago(line.at_ms),
            level: line.level.as_str(),
            task: line.task_id,
            worker: line
                .worker
                .as_deref()
                .map(|w| (worker_number(w).to_owned(), log_query(w))),
            event: line.event.clone(),
            first: first_line(&line.message, FOLD_CHARS),
            message: line.message.clone(),
            long: line.message.len() > FOLD_CHARS || line.message.trim_end().contains('\n'),
        }
    }
}

/// A task's log lines of one round of an attempt (or before any attempt).
pub(crate) struct Round {
    pub(crate) title: String,
    pub(crate) lines: Vec<LogRow>,
}

impl Round {
    /// One group per attempt, split at each of its rounds; an attempt's first group is titled
    /// with how the attempt ended and why (its transition out of `running`).
    pub(crate) fn of(lines: &[LogEntry]) -> Vec<Self> {
        let mut rounds: Vec<(Option<u32>, Self)> = Vec::new();
        for line in lines {
            let same_attempt = rounds
                .last()
                .is_some_and(|(attempt, _)| *attempt == line.attempt);
            let title = match line.attempt {
                None if !same_attempt => Some("Queue".to_owned()),
                Some(a) if !same_attempt => Some(format!("Attempt {a}{}", ending(lines, a))),
                Some(a) if line.event == "round" => Some(format!("Attempt {a} · {}", line.message)),
                _ => None,
            };
            if let Some(title) = title {
                rounds.push((
                    line.attempt,
                    Self {
                        title,
                        lines: Vec::new(),
                    },
                ));
            }
            if let Some((_, round)) = rounds.last_mut() {
                round.lines.push(LogRow::of(line));
            }
        }
        rounds.into_iter().map(|(_, round)| round).collect()
    }
}

/// How attempt `attempt` ended and why, from its last transition out of `running`.
fn ending(lines: &[LogEntry], attempt: u32) -> String {
    lines
        .iter()
        .rev()
        .find(|l| {
            l.attempt == Some(attempt)
                && l.event == "transition"
                && l.from_status.as_deref() == Some("running")
        })
        .map_or_else(
            || " — under way".to_owned(),
            |l| {
                let to = match l.to_status.as_deref() {
                    Some("succeeded") => "landed",
                    Some("queued") => "queued again",
                    Some(other) => other,
                    None => "ended",
                };
                format!(" — {to}: {}", first_line(&l.message, FOLD_CHARS))
            },
        )
}

/// The daemon's settings worth showing (no secrets: the presence carries none).
pub(crate) fn settings_rows(daemon: &Presence) -> Vec<(&'static str, String)> {
    vec![
        ("model chain", daemon.chain().to_owned()),
        ("branch", daemon.branch.clone()),
        ("workers running", daemon.workers.to_string()),
        ("workers configured", daemon.configured_workers.to_string()),
        ("task timeout", duration(daemon.task_timeout_s)),
        ("edit format", daemon.edit_format.clone()),
        ("repair strategy", daemon.repair_strategy.clone()),
        ("candidates per prompt", daemon.candidates.to_string()),
        (
            "auto-push",
            if daemon.auto_push { "on" } else { "off" }.to_owned(),
        ),
    ]
}
