//! The queue across processes: priority order, no double claims, pause kept across processes.

use std::collections::BTreeMap;
use std::process::Stdio;

use super::helpers::TestRepo;

fn claimed_ids(out: &str) -> Vec<i64> {
    out.lines()
        .map(|line| line.trim().parse().unwrap())
        .collect()
}

#[test]
fn priority_order_then_fifo() {
    let repo = TestRepo::new();
    for (description, priority) in [("a", "5"), ("b", "9"), ("c", "1"), ("d", "9"), ("e", "5")] {
        repo.ok(&["add", description, "--priority", priority]);
    }
    let out = repo.ok(&["bench", "claim", "--owner", "test"]);
    // ids: a=1 b=2 c=3 d=4 e=5 → priority 9 (b, d), 5 (a, e), 1 (c).
    assert_eq!(claimed_ids(&out), vec![2, 4, 1, 5, 3]);
}

#[test]
fn concurrent_claimers_in_separate_processes_never_share_a_task() {
    let repo = TestRepo::new();
    let yaml: String = std::iter::once("tasks:\n".to_owned())
        .chain(
            (0..400).map(|i| format!("  - description: task {i}\n    priority: {}\n", i % 10 + 1)),
        )
        .collect();
    std::fs::write(repo.path().join("many.yaml"), yaml).unwrap();
    repo.ok(&["load", "many.yaml"]);

    let children: Vec<_> = (0..4)
        .map(|n| {
            repo.command(&["bench", "claim", "--owner", &format!("claimer-{n}")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut claims: BTreeMap<i64, usize> = BTreeMap::new();
    let mut per_process = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ids = claimed_ids(&String::from_utf8_lossy(&out.stdout));
        per_process.push(ids.len());
        for id in ids {
            *claims.entry(id).or_default() += 1;
        }
    }
    let doubles: Vec<_> = claims.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubles.is_empty(), "claimed twice: {doubles:?}");
    assert_eq!(claims.len(), 400, "every task claimed once");
    assert!(
        per_process.iter().filter(|n| **n > 0).count() >= 2,
        "claimers really competed: {per_process:?}"
    );
    let tasks = repo.tasks();
    assert!(
        tasks
            .iter()
            .all(|t| t["status"] == "succeeded" && t["attempts"] == 1)
    );
}

#[test]
fn pause_is_kept_in_the_database_for_every_process() {
    let repo = TestRepo::new();
    repo.ok(&["add", "something"]);
    repo.ok(&["pause"]);
    let status: serde_json::Value = serde_json::from_str(&repo.ok(&["status", "--json"])).unwrap();
    assert_eq!(status["paused"], true);
    assert_eq!(
        repo.ok(&["bench", "claim", "--owner", "t"]).trim(),
        "",
        "nothing is claimed while paused"
    );
    repo.ok(&["resume"]);
    let status: serde_json::Value = serde_json::from_str(&repo.ok(&["status", "--json"])).unwrap();
    assert_eq!(status["paused"], false);
    assert_eq!(
        claimed_ids(&repo.ok(&["bench", "claim", "--owner", "t"])),
        vec![1]
    );
    let logs = repo.ok(&["logs", "20"]);
    assert!(
        logs.contains("paused by cli") && logs.contains("resumed by cli"),
        "{logs}"
    );
}

#[test]
fn tasks_cancel_and_retry() {
    let repo = TestRepo::new();
    repo.ok(&["add", "one"]);
    repo.ok(&["tasks", "cancel", "1"]);
    assert_eq!(repo.tasks()[0]["status"], "cancelled");
    let err = repo.fails(&["tasks", "cancel", "1"]);
    assert!(
        err.contains("task 1 is cancelled: only queued or running tasks can be cancelled"),
        "{err}"
    );
    repo.ok(&["tasks", "retry", "1"]);
    assert_eq!(repo.tasks()[0]["status"], "queued");
    let err = repo.fails(&["tasks", "show", "99"]);
    assert!(err.contains("no task with id 99"), "{err}");
}
