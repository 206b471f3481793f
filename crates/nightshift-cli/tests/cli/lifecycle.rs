//! The daemon's own limits: the task timeout, and graceful shutdown.

use std::time::Duration;

use super::helpers::TestRepo;

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
    let status: serde_json::Value = serde_json::from_str(&repo.ok(&["status", "--json"])).unwrap();
    assert!(
        status["daemon"].is_null(),
        "a stopped daemon no longer shows as running"
    );
}
