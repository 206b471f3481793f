//! The merge queue: three workers on one repository, ten tasks all rewriting the same file.
//! Whatever lands first, the others are rebased onto it — a conflict goes back to the model with
//! the file as it now is — and checked again before the branch moves. The model is a fake that
//! answers like a careful one: the current `shared.py` plus the task's function, and a test.

use std::time::Duration;

use super::helpers::{TestRepo, fake_openai_with, git, git_out, sse_reply};

/// The reply to a request for task `f<i>`: `shared.py` as the prompt shows it, plus `f<i>`.
fn answer(body: &str) -> String {
    let request: serde_json::Value = serde_json::from_str(body).unwrap();
    let prompt = request["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let task = prompt.split("Add a function f").nth(1).unwrap();
    let i: u32 = task[..task.find('(').unwrap()].parse().unwrap();
    let shown = prompt
        .split("```shared.py\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_default();
    let mut shared = shown.to_owned();
    if !shared.contains(&format!("def f{i}(")) {
        shared.push_str(&format!("\n\ndef f{i}():\n    return {i}\n"));
    }
    sse_reply(&format!(
        "```python shared.py\n{shared}```\n\n```python test_f{i}.py\nfrom shared import f{i}\n\n\ndef test_f{i}():\n    assert f{i}() == {i}\n```"
    ))
}

#[test]
fn three_workers_ten_overlapping_tasks_land_linearly_each_commit_passing() {
    let mut repo = TestRepo::new();
    repo.user_commit(
        &[
            ("shared.py", "def f0():\n    return 0\n"),
            (
                "test_f0.py",
                "from shared import f0\n\n\ndef test_f0():\n    assert f0() == 0\n",
            ),
        ],
        "start",
    );
    let url = fake_openai_with(|body| Some(answer(body)));
    repo.use_fake_model(&url, "careful");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "6");
    for i in 1..=10 {
        repo.ok(&[
            "add",
            &format!("Add a function f{i}() to shared.py that returns {i}, with a test."),
        ]);
    }
    let daemon = repo.serve(&["--workers", "3"]);
    let tasks = repo.wait_all_final(Duration::from_secs(300));
    let log = daemon.stop();
    for task in &tasks {
        assert_eq!(task["status"], "succeeded", "{task:#}\n{log}");
    }

    // Linear: no merge commits, one commit per task on top of the start.
    assert_eq!(git_out(repo.path(), &["rev-list", "--merges", "main"]), "");
    let commits = git_out(repo.path(), &["rev-list", "--reverse", "main"]);
    let commits: Vec<&str> = commits.lines().collect();
    assert_eq!(commits.len(), 11);
    let mut landed_tasks: Vec<i64> = Vec::new();
    let check = tempfile::tempdir().unwrap();
    for (n, sha) in commits.iter().enumerate().skip(1) {
        let message = git_out(repo.path(), &["log", "-1", "--format=%B", sha]);
        let task: i64 = message
            .lines()
            .find_map(|l| l.strip_prefix("Nightshift-Task: "))
            .unwrap()
            .parse()
            .unwrap();
        landed_tasks.push(task);
        // Every commit passes the checks on its own: all tests so far, at that commit.
        let dir = check.path().join(format!("at-{n}"));
        git(
            repo.path(),
            &[
                "worktree",
                "add",
                "-q",
                "--detach",
                &dir.to_string_lossy(),
                sha,
            ],
        );
        let pytest = std::process::Command::new("python3")
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            pytest.status.success(),
            "commit {n} ({sha}, task {task}) fails its checks:\n{}",
            String::from_utf8_lossy(&pytest.stdout)
        );
        let tests = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("test_f")
            })
            .count();
        assert_eq!(
            tests,
            n + 1,
            "commit {n} holds the tests of every task before it"
        );
        git(
            repo.path(),
            &["worktree", "remove", "--force", &dir.to_string_lossy()],
        );
    }
    landed_tasks.sort_unstable();
    assert_eq!(
        landed_tasks,
        (1..=10).collect::<Vec<_>>(),
        "nothing lost, nothing twice"
    );
    let shared = std::fs::read_to_string(repo.path().join("shared.py")).unwrap();
    for i in 0..=10 {
        assert!(
            shared.contains(&format!("def f{i}():")),
            "f{i} lost:\n{shared}"
        );
    }

    // The queue had work to do: some task found the branch moved under it.
    let shown: String = (1..=10).map(|id| repo.show(id).to_string()).collect();
    assert!(
        shown.contains("the branch moved") || shown.contains("merge conflict"),
        "no task was rebased: {shown}"
    );
    // Nothing left behind.
    assert_eq!(
        git_out(repo.path(), &["branch", "--list", "nightshift/*"]),
        ""
    );
    assert_eq!(
        git_out(repo.path(), &["worktree", "list"]).lines().count(),
        1
    );
}

#[test]
fn a_failed_push_keeps_the_commit_and_is_retried() {
    let mut repo = TestRepo::new();
    let remote = repo.path().join(".nightshift/remote.git");
    git(
        repo.path(),
        &["remote", "add", "origin", &remote.to_string_lossy()],
    );
    let reply = "```python calc.py\ndef add(a, b):\n    return a + b\n```\n\n```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```";
    let url = fake_openai_with(move |_| Some(sse_reply(reply)));
    repo.use_fake_model(&url, "scripted");
    repo.set("GIT_AUTO_PUSH", "true");
    repo.ok(&["add", "Create calc.py with add(a, b)."]);

    // The remote does not exist yet: the task succeeds, the push fails, the commit stays.
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let shown = repo.show(1);
    assert_eq!(shown["commit"]["pushed"], false, "{shown:#}");
    assert!(
        shown
            .to_string()
            .contains("push failed; the commit is kept"),
        "{shown:#}"
    );
    let landed = git_out(repo.path(), &["rev-parse", "main"]);

    // Once the remote is there, the daemon pushes what is pending: at start, then every minute.
    git(
        repo.path(),
        &["init", "-q", "--bare", &remote.to_string_lossy()],
    );
    let daemon = repo.serve(&["--workers", "1"]);
    let started = std::time::Instant::now();
    while repo.show(1)["commit"]["pushed"] != true {
        assert!(started.elapsed() < Duration::from_secs(60), "not pushed");
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = daemon.stop();
    assert_eq!(git_out(&remote, &["rev-parse", "main"]), landed, "{log}");
}
