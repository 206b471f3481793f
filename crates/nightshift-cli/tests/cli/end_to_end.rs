//! The real thing: the Qwen2.5-Coder GGUF in-process, `nightshift serve` on a fresh repository,
//! `nightshift add` → a tested commit.

use std::process::Command;
use std::time::Duration;

use super::helpers::{TestRepo, git, git_out};

#[test]
fn a_task_becomes_a_tested_commit() {
    let mut repo = TestRepo::new();
    // As shipped: several answers to one prompt, one chosen by how they behave.
    repo.set("NIGHTSHIFT_CANDIDATES", "3");
    let daemon = repo.serve(&["--workers", "1"]);
    let out = repo.ok(&[
        "add",
        "Create a file calc.py with a function add(a, b) that returns the sum of a and b.",
    ]);
    assert_eq!(out.trim(), "queued task 1");

    let tasks = repo.wait_all_final(Duration::from_secs(600));
    let log = daemon.stop();
    assert_eq!(
        tasks[0]["status"],
        "succeeded",
        "daemon log:\n{log}\n{:#?}",
        repo.show(1)
    );

    // Exactly one commit, holding the new file, with the trailer.
    let commits = repo.commits_of(1);
    assert_eq!(commits.len(), 1);
    let sha = &commits[0];
    let files = git_out(repo.path(), &["show", "--name-only", "--format=", sha]);
    assert!(files.lines().any(|f| f == "calc.py"), "{files}");
    let message = git_out(repo.path(), &["log", "-1", "--format=%B", sha]);
    assert!(message.contains("Nightshift-Task: 1"), "{message}");
    assert!(message.contains("Nightshift-Model: gguf/"), "{message}");

    // The code works on that commit, checked out fresh, and so do the tests that landed with it
    // (a test written for the task lands only if it passes as written).
    let checkout = tempfile::tempdir().unwrap();
    git(
        repo.path(),
        &[
            "worktree",
            "add",
            "--detach",
            &checkout.path().join("c").display().to_string(),
            sha,
        ],
    );
    let works = Command::new("python3")
        .args([
            "-c",
            "from calc import add; assert add(2, 3) == 5 and add(-1, 1) == 0",
        ])
        .current_dir(checkout.path().join("c"))
        .output()
        .unwrap();
    assert!(
        works.status.success(),
        "{}",
        String::from_utf8_lossy(&works.stderr)
    );
    if files.lines().any(|f| f.starts_with("test_")) {
        let pytest = Command::new("python3")
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .current_dir(checkout.path().join("c"))
            .output()
            .unwrap();
        assert!(
            pytest.status.success(),
            "{}",
            String::from_utf8_lossy(&pytest.stdout)
        );
    }
    let calc = std::fs::read_to_string(checkout.path().join("c/calc.py")).unwrap();
    assert!(calc.contains("def add"), "{calc}");

    // The database has the success, the commit, tokens and timings.
    let shown = repo.show(1);
    assert_eq!(shown["task"]["status"], "succeeded");
    assert_eq!(shown["commit"]["sha"], sha.as_str());
    let calls = shown["model_calls"].as_array().unwrap();
    assert!(!calls.is_empty());
    for call in calls {
        assert_eq!(call["backend"], "gguf");
        assert_eq!(call["outcome"], "ok");
        assert!(call["prompt_tokens"].as_u64().unwrap() > 20, "{call}");
        assert!(call["completion_tokens"].as_u64().unwrap() > 5, "{call}");
        assert!(call["duration_ms"].as_u64().unwrap() > 0, "{call}");
        assert!(call["first_token_ms"].as_u64().is_some(), "{call}");
    }
    let transitions: Vec<_> = shown["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "transition")
        .map(|e| e["to_status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(transitions, vec!["queued", "running", "succeeded"]);

    // The user's working tree got the file too, and nothing is left dirty or dangling.
    assert!(repo.path().join("calc.py").exists());
    assert_eq!(git_out(repo.path(), &["status", "--porcelain"]), "");
    assert_eq!(
        git_out(repo.path(), &["worktree", "list"]).lines().count(),
        2
    ); // main + our check
}
