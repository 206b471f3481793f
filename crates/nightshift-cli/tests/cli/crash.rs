//! kill -9 with tasks in flight: nothing lost, nothing left running, no task with two commits.

use std::time::Duration;

use super::helpers::{TestRepo, git_out};

const TASKS: [&str; 4] = [
    "Create a file calc.py with a function add(a, b) that returns the sum of a and b.",
    "Create a file strings_util.py with a function shout(text) that returns text in upper case.",
    "Create a file mathops.py with a function mul(a, b) that returns a times b.",
    "Create a file greeting.py with a function greet(name) that returns 'Hello, ' + name.",
];

fn commit_count(repo: &TestRepo) -> usize {
    let log = git_out(repo.path(), &["log", "--oneline", "main"]);
    log.lines().count()
}

#[test]
fn kill_9_loses_nothing_and_never_commits_twice() {
    let mut repo = TestRepo::new();
    repo.set("MAX_RETRIES", "3");
    // A root commit so `git log main` works from the start.
    std::fs::write(repo.path().join("README.md"), "# scratch\n").unwrap();
    super::helpers::git(repo.path(), &["add", "README.md"]);
    super::helpers::git(
        repo.path(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "init",
        ],
    );
    for task in TASKS {
        repo.ok(&["add", task]);
    }

    // First crash: as soon as work is in flight.
    let daemon = repo.serve(&["--workers", "2"]);
    repo.wait_until(Duration::from_secs(120), "a task running", |tasks| {
        tasks.iter().any(|t| t["status"] == "running")
    });
    std::thread::sleep(Duration::from_millis(1500));
    daemon.kill9();

    // Second crash: right after a commit lands, inside the window between landing and recording.
    let before = commit_count(&repo);
    let daemon = repo.serve(&["--workers", "2"]);
    let second_log = daemon.log.clone();
    let started = std::time::Instant::now();
    while commit_count(&repo) == before && started.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(20));
    }
    daemon.kill9();

    // Recovery: the new daemon must see its predecessors are gone and finish everything.
    let daemon = repo.serve(&["--workers", "2"]);
    let tasks = repo.wait_all_final(Duration::from_secs(900));
    let log = daemon.stop();

    assert_eq!(tasks.len(), TASKS.len(), "no task lost");
    for task in &tasks {
        let id = task["id"].as_i64().unwrap();
        let shown = repo.show(id);
        let finals: Vec<_> = shown["logs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "transition")
            .filter(|e| {
                matches!(
                    e["to_status"].as_str(),
                    Some("succeeded" | "failed" | "cancelled")
                )
            })
            .collect();
        assert_eq!(
            finals.len(),
            1,
            "task {id} must reach exactly one final state: {shown:#}"
        );
        let commits = repo.commits_of(id);
        match task["status"].as_str().unwrap() {
            "succeeded" => {
                assert_eq!(commits.len(), 1, "task {id}: {commits:?}");
                assert_eq!(shown["commit"]["sha"], commits[0].as_str());
            }
            "failed" => assert!(commits.is_empty(), "task {id} failed but has commits"),
            other => panic!("task {id} ended {other}"),
        }
    }
    assert!(
        tasks.iter().filter(|t| t["status"] == "succeeded").count() >= TASKS.len() - 1,
        "the model does these reliably: {tasks:#?}\n{log}"
    );
    // The restarted daemon took the killed one's tasks back at once, without waiting for leases
    // to expire.
    let second_log = std::fs::read_to_string(second_log).unwrap();
    assert!(
        second_log.contains("recovered tasks of lost workers"),
        "{second_log}"
    );
}
