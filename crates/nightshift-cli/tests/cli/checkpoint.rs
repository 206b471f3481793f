//! Checkpoints with the real daemon: at the end of each period the queue pauses and a report
//! is written; a kill -9 while it waits approves nothing; resuming approves it and the next
//! period begins.

use std::time::{Duration, Instant};

use super::helpers::TestRepo;

/// `status --json` once `pred` holds for it.
fn wait_status(
    repo: &TestRepo,
    what: &str,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let status: serde_json::Value =
            serde_json::from_str(&repo.ok(&["status", "--json"])).unwrap();
        if pred(&status) {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{what}: {status:#}\n{}",
            repo.serve_logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The `N` of "Tasks finished: N" in a report.
fn finished(report: &str) -> u64 {
    let rest = report.split("- Tasks finished: ").nth(1).unwrap();
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn a_checkpoint_pauses_the_queue_with_a_report_and_resuming_approves_it() {
    let mut repo = TestRepo::new();
    repo.use_greeting_model();
    // Periods of four seconds: CHECKPOINT_DAYS takes fractions of a day.
    repo.set("CHECKPOINT_DAYS", &format!("{}", 4.0 / 86_400.0));
    repo.ok(&[
        "add",
        "Create greet.py with greet(name) returning 'hi ' + name",
    ]);
    let daemon = repo.serve(&["--workers", "1"]);
    let awaiting = |s: &serde_json::Value| {
        s["checkpoint"]["schedule"]["awaiting"]["path"]
            .as_str()
            .map(str::to_owned)
    };
    let first = wait_status(&repo, "no checkpoint", |s| awaiting(s).is_some());
    assert_eq!(first["paused"], true, "{first:#}");
    let first_path = awaiting(&first).unwrap();
    assert!(first_path.contains("/reports/checkpoint-"), "{first_path}");
    let human = repo.ok(&["status"]);
    assert!(human.contains("checkpoint: AWAITING APPROVAL"), "{human}");

    // A daemon killed and started again while the report waits approves nothing.
    daemon.kill9();
    let daemon = repo.serve(&["--workers", "1"]);
    std::thread::sleep(Duration::from_secs(2));
    let still = wait_status(&repo, "daemon back", |s| !s["daemon"].is_null());
    assert_eq!(still["paused"], true, "{still:#}");
    assert_eq!(awaiting(&still).as_deref(), Some(first_path.as_str()));

    let resumed = repo.ok(&["resume"]);
    assert!(
        resumed.contains(&format!("{first_path} is approved")),
        "{resumed}"
    );
    let approved = wait_status(&repo, "not approved", |s| {
        s["checkpoint"]["schedule"]["awaiting"].is_null()
    });
    assert!(
        approved["checkpoint"]["schedule"]["since_ms"].as_i64()
            > first["checkpoint"]["schedule"]["since_ms"].as_i64()
    );
    let logs = repo.ok(&["logs", "1000"]);
    assert!(logs.contains("checkpoint approved"), "{logs}");

    // The task lands in one period or the other, and the next checkpoint writes a report of
    // its own.
    let tasks = repo.wait_all_final(Duration::from_secs(60));
    assert_eq!(tasks[0]["status"], "succeeded", "{tasks:#?}");
    let second = wait_status(&repo, "no second checkpoint", |s| {
        awaiting(s).is_some_and(|path| path != first_path)
    });
    let second_path = awaiting(&second).unwrap();
    let reports: Vec<String> = [&first_path, &second_path]
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    for report in &reports {
        for section in [
            "# nightshift report",
            "## Summary",
            "## Throughput",
            "## Models",
            "## Git",
            "## Failures and what to do",
        ] {
            assert!(report.contains(section), "{section}:\n{report}");
        }
    }
    assert_eq!(
        finished(&reports[0]) + finished(&reports[1]),
        1,
        "{reports:#?}"
    );
    let with_task = reports.iter().find(|r| finished(r) == 1).unwrap();
    assert!(with_task.contains("1 succeeded, 0 failed"), "{with_task}");
    assert!(
        with_task.contains("Commits landed on `main`: 1"),
        "{with_task}"
    );
    // The latest report is in the store too, as the dashboard shows it.
    assert_eq!(repo.ok(&["report", "--latest"]), reports[1]);
    // And a report of any span, on request.
    let on_request = repo.ok(&["report", "--days", "1"]);
    assert!(on_request.contains("1 succeeded, 0 failed"), "{on_request}");
    daemon.stop();
}
