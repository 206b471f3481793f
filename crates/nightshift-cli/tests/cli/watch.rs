//! `serve` watching `tasks.yaml`: saved again or reloaded after a restart, each entry is queued
//! once; a broken save loads nothing and says where it broke; a fixed one loads.

use std::time::{Duration, Instant};

use super::helpers::TestRepo;

/// Waits until `pred` holds for the descriptions of the queued tasks, oldest first.
fn wait_for(repo: &TestRepo, what: &str, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
    let started = Instant::now();
    loop {
        let mut tasks: Vec<String> = repo
            .tasks()
            .iter()
            .map(|t| t["description"].as_str().unwrap().to_owned())
            .collect();
        tasks.reverse();
        if pred(&tasks) {
            return tasks;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: {tasks:?}\n{}",
            repo.serve_logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn each_entry_of_the_watched_file_is_queued_once_and_a_broken_save_loads_nothing() {
    let repo = TestRepo::new();
    repo.ok(&["pause"]); // nothing runs: this is about intake
    let file = repo.path().join("tasks.yaml");
    std::fs::write(
        &file,
        "tasks:\n  - description: one\n  - description: two\n    priority: 7\n",
    )
    .unwrap();
    let daemon = repo.serve(&[]);
    wait_for(&repo, "loaded at start", |t| t == ["one", "two"]);

    // Saved again as it was, then with one more entry: only the new one is queued.
    std::fs::write(
        &file,
        "tasks:\n  - description: one\n  - description: two\n    priority: 7\n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    std::fs::write(&file, "tasks:\n  - description: one\n  - description: two\n    priority: 7\n  - description: three\n").unwrap();
    wait_for(&repo, "the new entry", |t| t == ["one", "two", "three"]);

    // A broken save: nothing from it, and the error names the line.
    std::fs::write(
        &file,
        "tasks:\n  - description: four\n  - description: [unclosed\n",
    )
    .unwrap();
    let started = Instant::now();
    while !repo.ok(&["logs", "200"]).contains("tasks.yaml line 3") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            repo.serve_logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        repo.tasks().len(),
        3,
        "a broken file loads nothing, not even its good entries"
    );

    // Fixed by an editor's rename over it: loaded.
    let fixed = repo.path().join(".tasks.yaml.swp");
    std::fs::write(
        &fixed,
        "tasks:\n  - description: four\n  - description: three\n",
    )
    .unwrap();
    std::fs::rename(&fixed, &file).unwrap();
    wait_for(&repo, "the fixed file", |t| {
        t == ["one", "two", "three", "four"]
    });
    daemon.stop();

    // Restarted: nothing queued again; entries removed from the file are not cancelled.
    let daemon = repo.serve(&[]);
    std::thread::sleep(Duration::from_secs(2));
    daemon.stop();
    let tasks = wait_for(&repo, "after a restart", |t| t.len() == 4);
    assert_eq!(tasks, ["one", "two", "three", "four"]);
    assert!(repo.tasks().iter().all(|t| t["status"] == "queued"));
    // `load` of the same file queues nothing either.
    let out = repo.ok(&["load", "tasks.yaml"]);
    assert!(
        out.contains("queued 0 task(s)") && out.contains("2 queued before"),
        "{out}"
    );
}

#[test]
fn a_tasks_file_that_is_a_link_is_not_followed() {
    let repo = TestRepo::new();
    repo.ok(&["pause"]);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("planted.yaml");
    std::fs::write(&target, "tasks:\n  - description: planted\n").unwrap();
    std::os::unix::fs::symlink(&target, repo.path().join("tasks.yaml")).unwrap();
    let daemon = repo.serve(&[]);
    let started = Instant::now();
    loop {
        let logs = repo.ok(&["logs", "200"]);
        if logs.contains("cannot read") {
            assert!(
                logs.contains("links are not followed") || logs.contains("symlink"),
                "{logs}"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            repo.serve_logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    daemon.stop();
    assert!(repo.tasks().is_empty());
}
