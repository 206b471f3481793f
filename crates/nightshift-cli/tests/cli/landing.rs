//! Landing exactly once: a holder that lost its task (cancelled and retried while it waited on
//! the model) lands nothing; the attempt that took the task over lands the one commit.

use std::time::Duration;

use super::helpers::{TestRepo, fake_openai_with, sse_reply};

const CODE: &str = "```python calc.py\ndef add(a, b):\n    return a + b\n```\n\n```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```";

#[test]
fn a_task_cancelled_and_retried_mid_attempt_lands_once() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("README.md", "calc\n")], "start");
    let gate = repo.path().join(".nightshift/gate");
    let gate_seen = gate.clone();
    let mut calls = 0;
    let url = fake_openai_with(move |_| {
        calls += 1;
        // The first request waits until the test opens the gate.
        while calls == 1 && !gate_seen.exists() {
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(sse_reply(CODE))
    });
    repo.use_fake_model(&url, "scripted");
    repo.ok(&["add", "Create calc.py with add(a, b) returning a + b."]);
    let daemon = repo.serve(&["--workers", "2"]);
    repo.wait_until(Duration::from_secs(60), "claimed", |tasks| {
        tasks[0]["status"] == "running"
    });
    std::thread::sleep(Duration::from_secs(1));
    repo.ok(&["tasks", "cancel", "1"]);
    repo.ok(&["tasks", "retry", "1"]);
    std::fs::write(&gate, "open").unwrap();
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    // Give the first holder time to reach its landing and be turned away.
    std::thread::sleep(Duration::from_secs(12));
    let log = daemon.stop();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    assert_eq!(repo.commits_of(1).len(), 1, "{log}");
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("lease lost"),
        "the first holder was not turned away:\n{logs}"
    );
}
