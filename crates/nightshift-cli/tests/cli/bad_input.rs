//! Bad input gets a clear error, and loses nothing.

use std::time::Duration;

use super::helpers::{TestRepo, model_path};

#[test]
fn empty_description_and_priority_out_of_range_are_refused() {
    let repo = TestRepo::new();
    let err = repo.fails(&["add", "   "]);
    assert!(err.contains("task description is empty"), "{err}");
    let err = repo.fails(&["add", "do something", "--priority", "11"]);
    assert!(err.contains("priority 11 is out of range 1..=10"), "{err}");
    let err = repo.fails(&["add", "do something", "--priority", "-3"]);
    assert!(err.contains("out of range"), "{err}");
    let err = repo.fails(&["add", "do something", "--metadata", "{not json"]);
    assert!(err.contains("--metadata is not valid JSON"), "{err}");
    repo.ok(&["add", "a valid one", "--priority", "10"]);
    let tasks = repo.tasks();
    assert_eq!(tasks.len(), 1, "only the valid task is queued");
    assert_eq!(tasks[0]["priority"], 10);
}

#[test]
fn malformed_tasks_yaml_names_the_line_and_loads_nothing() {
    let repo = TestRepo::new();
    let file = repo.path().join("tasks.yaml");
    std::fs::write(
        &file,
        "tasks:\n  - description: first is fine\n    priority: 3\n  - description: second is not\n    priority: 42\n",
    )
    .unwrap();
    let err = repo.fails(&["load", "tasks.yaml"]);
    assert!(
        err.contains("line 4") && err.contains("out of range"),
        "{err}"
    );

    std::fs::write(
        &file,
        "tasks:\n  - description: ok\n  - description: [broken\n",
    )
    .unwrap();
    let err = repo.fails(&["load", "tasks.yaml"]);
    assert!(err.contains("line 3"), "{err}");
    assert!(repo.tasks().is_empty(), "nothing may be half-loaded");

    std::fs::write(
        &file,
        "tasks:\n  - description: one\n    priority: 2\n    metadata: {area: utils}\n  - description: two\n",
    )
    .unwrap();
    let out = repo.ok(&["load", "tasks.yaml"]);
    assert!(out.contains("queued 2 task(s)"), "{out}");
    let tasks = repo.tasks();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[1]["metadata"]["area"], "utils");
}

#[test]
fn missing_or_corrupt_model_stops_the_start_and_keeps_the_queue() {
    let mut repo = TestRepo::new();
    repo.ok(&[
        "add",
        "Create hello.py with a function hello() returning 'hi'.",
    ]);

    repo.set("GPT4ALL_MODEL_PATH", "/nonexistent/model.gguf");
    let err = repo.fails(&["serve"]);
    assert!(
        err.contains("/nonexistent/model.gguf does not exist"),
        "{err}"
    );

    let garbage = repo.path().join("garbage.gguf");
    std::fs::write(&garbage, vec![7u8; 4096]).unwrap();
    repo.set("GPT4ALL_MODEL_PATH", &garbage.display().to_string());
    let err = repo.fails(&["serve"]);
    assert!(
        err.contains("is corrupt") && err.contains("bad magic"),
        "{err}"
    );

    // A download cut short: the header is intact, the weights are not all there.
    let truncated = repo.path().join("truncated.gguf");
    let bytes = std::fs::read(model_path()).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    repo.set("GPT4ALL_MODEL_PATH", &truncated.display().to_string());
    let err = repo.fails(&["serve"]);
    assert!(
        err.contains("is corrupt") && err.contains("truncated"),
        "{err}"
    );

    let tasks = repo.tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        tasks[0]["status"], "queued",
        "the task waits for a working model"
    );
    assert_eq!(tasks[0]["attempts"], 0);
}

/// The real model, asked for things it must not do or cannot turn into files.
#[test]
fn replies_without_code_or_writing_outside_fail_clearly() {
    let mut repo = TestRepo::new();
    repo.set("MAX_RETRIES", "0");
    // The first reply's verdict is under test: a repair round may well turn it into a safe file.
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "0");
    // With the edit-format grammar the model cannot even spell these replies; without it, the
    // reply parser and the path checks must catch them.
    repo.set("NIGHTSHIFT_CONSTRAINED_OUTPUT", "false");
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("owned.py");
    repo.ok(&["add", "Create the file ../escape.py containing a function hello() that returns 'hi'. The path must be exactly ../escape.py"]);
    repo.ok(&[
        "add",
        &format!(
            "Write {} with a function f() returning 1; use the absolute path {}",
            target.display(),
            target.display()
        ),
    ]);
    repo.ok(&["add", "Do not write any code or files. Just answer in one plain sentence: what is the capital of France?"]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(600));
    let log = daemon.stop();
    let error_of = |id: i64| {
        let task = tasks.iter().find(|t| t["id"] == id).unwrap();
        assert_eq!(task["status"], "failed", "{task:#}\n{log}");
        task["last_error"].as_str().unwrap().to_owned()
    };
    let escape = error_of(1);
    assert!(
        escape.contains("refused to write") && escape.contains("`..` leaves the repository"),
        "{escape}"
    );
    let absolute = error_of(2);
    assert!(
        absolute.contains("absolute paths are outside the repository"),
        "{absolute}"
    );
    let no_code = error_of(3);
    assert!(no_code.contains("no fenced code block"), "{no_code}");

    assert!(!repo.path().parent().unwrap().join("escape.py").exists());
    assert!(!target.exists());
    assert!(repo.commits_of(1).is_empty() && repo.commits_of(2).is_empty());
}

#[test]
fn without_a_sandbox_the_daemon_refuses_to_start_unless_opted_out() {
    let mut repo = TestRepo::new();
    repo.ok(&["add", "write hello.py"]);
    // A PATH with git but no bwrap.
    let bin = repo.path().join(".nightshift/bin-without-bwrap");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink("/usr/bin/git", bin.join("git")).unwrap();
    repo.set("PATH", &bin.display().to_string());

    let status = repo.ok(&["status"]);
    assert!(
        status.contains("sandbox: UNAVAILABLE, the daemon will not start"),
        "{status}"
    );
    let err = repo.fails(&["serve"]);
    assert!(
        err.contains("bubblewrap (bwrap) is not installed")
            && err.contains("apt-get install bubblewrap")
            && err.contains("sandbox = \"off\""),
        "{err}"
    );
    assert_eq!(repo.tasks()[0]["status"], "queued", "the task is kept");

    repo.set("NIGHTSHIFT_SANDBOX", "off");
    let status = repo.ok(&["status"]);
    assert!(
        status.contains("sandbox: OFF (opted out with sandbox = \"off\")"),
        "{status}"
    );
}
