//! The daemon's own limits: the task timeout, and graceful shutdown.

use std::time::Duration;

use super::helpers::{TestRepo, fake_openai_with, sse_reply};

#[test]
fn the_task_timeout_cuts_an_attempt_and_keeps_the_reason() {
    let mut repo = TestRepo::new();
    repo.set("TASK_TIMEOUT", "1");
    repo.set("MAX_RETRIES", "0");
    repo.ok(&[
        "add",
        "Create a file big.py with ten functions f1 to f10, each documented at length.",
    ]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(tasks[0]["status"], "failed", "{log}");
    assert_eq!(tasks[0]["last_error"], "timed out after 1 s");
    assert!(repo.commits_of(1).is_empty());
}

#[test]
fn waiting_for_a_shared_model_is_left_out_of_the_task_timeout() {
    let mut repo = TestRepo::new();
    // One model slot for two workers, and each answer with code takes 12 s: each task waits
    // 12 s or more for the other's call, and spends 12 s on its own.
    let url = fake_openai_with(|body| {
        let module = if body.contains("calc.py") {
            "calc"
        } else {
            "minus"
        };
        let (name, op) = if module == "calc" {
            ("add", "+")
        } else {
            ("sub", "-")
        };
        if body.contains("Write a short test file") {
            return Some(sse_reply(&format!(
                "```python test_{module}.py\nfrom {module} import {name}\n\n\ndef test_it():\n    assert {name}(5, 3) == 5 {op} 3\n```"
            )));
        }
        std::thread::sleep(Duration::from_secs(12));
        Some(sse_reply(&format!(
            "```python {module}.py\ndef {name}(a, b):\n    return a {op} b\n```"
        )))
    });
    repo.use_fake_model(&url, "scripted");
    repo.set("NIGHTSHIFT_MODEL_CONCURRENCY", "1");
    repo.set("TASK_TIMEOUT", "20");
    repo.set("MAX_RETRIES", "0");
    repo.ok(&[
        "add",
        "Create calc.py with a function add(a, b) returning a + b.",
    ]);
    repo.ok(&[
        "add",
        "Create minus.py with a function sub(a, b) returning a - b.",
    ]);
    let daemon = repo.serve(&["--workers", "2"]);
    let tasks = repo.wait_all_final(Duration::from_secs(240));
    let log = daemon.stop();
    for task in &tasks {
        assert_eq!(task["status"], "succeeded", "{task:#}\n{log}");
    }
    // Together the two took longer than one task's limit: the second call of one of them
    // waited for the other's.
    let span = |field: &str, pick: fn(i64, i64) -> i64| {
        tasks
            .iter()
            .map(|t| t[field].as_i64().unwrap())
            .reduce(pick)
            .unwrap()
    };
    let elapsed = span("finished_at_ms", i64::max) - span("started_at_ms", i64::min);
    assert!(elapsed > 20_000, "{elapsed} ms\n{log}");
}

#[test]
fn sigterm_releases_running_tasks_without_spending_an_attempt() {
    let repo = TestRepo::new();
    repo.ok(&[
        "add",
        "Create a file calc.py with a function add(a, b) that returns the sum of a and b.",
    ]);
    let daemon = repo.serve(&["--workers", "1"]);
    repo.wait_until(Duration::from_secs(60), "the task running", |tasks| {
        tasks[0]["status"] == "running"
    });
    let log = daemon.stop();
    let task = &repo.tasks()[0];
    assert_eq!(task["status"], "queued", "{log}");
    assert_eq!(
        task["attempts"], 0,
        "a shutdown must not burn the task's retries"
    );
    assert!(task["lease_owner"].is_null());
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("released unfinished: daemon shutting down"),
        "{logs}"
    );
    // The attempt's lines, its end too, name the worker that ran it, and filter by it.
    let of_worker = repo.ok(&["logs", "--worker", "w0"]);
    assert!(
        of_worker.contains("task 1#1 w0") && of_worker.contains("released unfinished"),
        "{of_worker}"
    );
    assert!(
        of_worker.lines().all(|line| line.contains(" w0 ")),
        "{of_worker}"
    );
    assert_eq!(repo.ok(&["logs", "--worker", "w1"]).trim(), "");
    let status: serde_json::Value = serde_json::from_str(&repo.ok(&["status", "--json"])).unwrap();
    assert!(
        status["daemon"].is_null(),
        "a stopped daemon no longer shows as running"
    );
}
