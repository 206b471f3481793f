//! `nightshift eval`: a suite's tasks run through the daemon and are scored by hidden checks
//! the model never sees — both what landed and the model's first answer alone. The model is a
//! scripted OpenAI-compatible server, so each answer, and so each score, is known.

use std::path::Path;

use super::helpers::{TestRepo, fake_openai_recording, sse_reply};

/// Writes a suite task: `task.toml`, the starting `repo/` and the `hidden/` check.
fn suite_task(suite: &Path, name: &str, text: &str, repo: &[(&str, &str)], hidden: &str) {
    let dir = suite.join(name);
    std::fs::create_dir_all(dir.join("repo")).unwrap();
    std::fs::create_dir_all(dir.join("hidden")).unwrap();
    let spec = format!(
        "language = \"python\"\nkind = \"new-function\"\ncheck = \"python3 -m pytest -q -p no:cacheprovider hidden_test.py\"\ntext = '''\n{text}\n'''\n"
    );
    std::fs::write(dir.join("task.toml"), spec).unwrap();
    for (path, content) in repo {
        std::fs::write(dir.join("repo").join(path), content).unwrap();
    }
    std::fs::write(dir.join("hidden/hidden_test.py"), hidden).unwrap();
}

#[test]
fn a_suite_is_scored_by_hidden_checks_for_the_first_answer_and_for_what_landed() {
    let suite = tempfile::tempdir().unwrap();
    let calc = [("calc.py", "def sub(a, b):\n    return a - b\n")];
    suite_task(
        suite.path(),
        "01-add",
        "Add a function add(a, b) to calc.py that returns a + b.",
        &calc,
        "from calc import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert sub(2, 3) == -1\n",
    );
    suite_task(
        suite.path(),
        "02-mul",
        "Add a function mul(a, b) to calc.py that returns a * b.",
        &calc,
        "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
    );
    // 01: a wrong first answer, a test that catches it, a fresh answer. 02: right the first time.
    let replies = [
        "```python calc.py\ndef sub(a, b):\n    return a - b\n\n\ndef add(a, b):\n    return a - b\n```",
        "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```",
        "add subtracts instead of adding.\n\n```python calc.py\ndef sub(a, b):\n    return a - b\n\n\ndef add(a, b):\n    return a + b\n```",
        "```python calc.py\ndef sub(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n```",
        "```python test_calc.py\nfrom calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n```",
    ];
    let (url, requests) =
        fake_openai_recording(replies.iter().map(|reply| sse_reply(reply)).collect());
    let mut repo = TestRepo::new();
    repo.use_fake_model(&url, "scripted");
    repo.set("MAX_RETRIES", "0");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    let report = repo.path().join("report.json");
    let table = repo.ok(&[
        "eval",
        &suite.path().display().to_string(),
        "--jobs",
        "1",
        "--json",
        &report.display().to_string(),
    ]);
    assert_eq!(requests.lock().unwrap().len(), replies.len(), "{table}");
    // The answer may take the configured limit; the test written for it, a short file, less.
    let limits: Vec<u64> = requests
        .lock()
        .unwrap()
        .iter()
        .map(|body| {
            serde_json::from_str::<serde_json::Value>(body).unwrap()["max_tokens"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(limits[..2], [1536, 512], "{table}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let scores: Vec<(&str, bool, bool, &str, u64)> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["task"].as_str().unwrap(),
                t["first_passed"].as_bool().unwrap(),
                t["passed"].as_bool().unwrap(),
                t["status"].as_str().unwrap(),
                t["rounds"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        scores,
        [
            ("01-add", false, true, "succeeded", 2),
            ("02-mul", true, true, "succeeded", 1)
        ],
        "{table}"
    );
    // Each landing carries what vouched for it, as the attempt logged its choice.
    for t in report["tasks"].as_array().unwrap() {
        let chosen = t["chosen"].as_str().unwrap_or_default();
        assert!(chosen.contains("behave alike"), "{t}\n{table}");
    }
    assert_eq!(
        (&report["first_passed"], &report["passed"], &report["total"]),
        (&1.into(), &2.into(), &2.into())
    );
    assert!(
        table.contains(
            "passed 2/2 (100.0%), landed 2 of which 2 pass (precision 100.0%); the first answer alone 1/2 (50.0%)"
        ),
        "{table}"
    );
}

#[test]
fn an_interrupted_eval_resumes_from_its_json_without_running_finished_tasks_again() {
    let suite = tempfile::tempdir().unwrap();
    let calc = [("calc.py", "def sub(a, b):\n    return a - b\n")];
    let right = |name: &str, op: &str| {
        [
            format!(
                "```python calc.py\ndef sub(a, b):\n    return a - b\n\n\ndef {name}(a, b):\n    return a {op} b\n```"
            ),
            format!(
                "```python test_calc.py\nfrom calc import {name}\n\n\ndef test_{name}():\n    assert {name}(4, 2) == 4 {op} 2\n```"
            ),
        ]
    };
    for (name, op) in [("add", "+"), ("mul", "*")] {
        suite_task(
            suite.path(),
            &format!("0{}-{name}", if name == "add" { 1 } else { 2 }),
            &format!("Add a function {name}(a, b) to calc.py that returns a {op} b."),
            &calc,
            &format!(
                "from calc import {name}\n\n\ndef test_{name}():\n    assert {name}(4, 2) == 4 {op} 2\n"
            ),
        );
    }
    let mut repo = TestRepo::new();
    repo.set("MAX_RETRIES", "0");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    let report = repo.path().join("report.json");
    let eval = |repo: &TestRepo, extra: &[&str]| {
        let suite = suite.path().display().to_string();
        let report = report.display().to_string();
        let mut args = vec!["eval", &suite, "--jobs", "1", "--json", &report];
        args.extend_from_slice(extra);
        repo.ok(&args)
    };

    // The first run is cut short to one task (a list of name parts, one matching nothing).
    let (url, first) =
        fake_openai_recording(right("add", "+").iter().map(|r| sse_reply(r)).collect());
    repo.use_fake_model(&url, "scripted");
    let table = eval(&repo, &["--only", "01-, 09-"]);
    assert_eq!(first.lock().unwrap().len(), 2, "{table}");
    assert!(table.contains("passed 1/1"), "{table}");

    // Resumed: only the task without a result asks the model; the report holds both.
    let (url, second) =
        fake_openai_recording(right("mul", "*").iter().map(|r| sse_reply(r)).collect());
    repo.use_fake_model(&url, "scripted");
    let table = eval(&repo, &["--resume"]);
    assert_eq!(second.lock().unwrap().len(), 2, "{table}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let tasks: Vec<(&str, bool)> = saved["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["task"].as_str().unwrap(), t["passed"].as_bool().unwrap()))
        .collect();
    assert_eq!(tasks, [("01-add", true), ("02-mul", true)], "{table}");
    assert!(table.contains("passed 2/2 (100.0%), landed 2"), "{table}");

    // A file of another suite is not mixed in.
    let other = tempfile::tempdir().unwrap();
    suite_task(
        other.path(),
        "01-x",
        "Add x.",
        &calc,
        "def test_x():\n    pass\n",
    );
    let err = repo.fails(&[
        "eval",
        &other.path().display().to_string(),
        "--json",
        &report.display().to_string(),
        "--resume",
    ]);
    assert!(err.contains("holds results of the suite"), "{err}");
}

#[test]
fn an_eval_of_a_directory_without_tasks_is_refused() {
    let suite = tempfile::tempdir().unwrap();
    let repo = TestRepo::new();
    let err = repo.fails(&["eval", &suite.path().display().to_string()]);
    assert!(err.contains("holds no task directories"), "{err}");
}
