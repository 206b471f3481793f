//! The HTTP server inside `nightshift serve`: a task posted to the API lands like one added by
//! the CLI, and both see the same queue; a bind that would expose the agent stops the start.

use std::time::Duration;

use super::helpers::{TestRepo, git_out, http};

#[test]
fn a_task_posted_to_the_running_daemon_lands_and_the_cli_sees_the_same_queue() {
    let mut repo = TestRepo::new();
    repo.use_greeting_model();
    repo.ok(&["pause"]);
    let daemon = repo.serve(&["--workers", "1"]);
    let addr = daemon.http_addr();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    // `status` from a shell configured otherwise tells the running daemon's settings.
    repo.set("NIGHTSHIFT_EDIT_FORMAT", "whole");
    repo.set("MODEL_TYPE", "anthropic");
    let started = std::time::Instant::now();
    let status = loop {
        let status = repo.ok(&["status"]);
        if status.contains("running on") || started.elapsed() > Duration::from_secs(30) {
            break status;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        status.contains(&format!("http://{addr}"))
            && status.contains("edits:   search-replace (the daemon's)"),
        "{status}"
    );
    // Its chain too, not the one this shell's MODEL_TYPE would build.
    assert!(
        status.contains("model 1: openai/scripted (available)") && !status.contains("anthropic"),
        "{status}"
    );
    repo.set("MODEL_TYPE", "openai");

    // The seed's two forms: JSON and plain text.
    let (status, body) = http(
        &addr,
        "POST",
        "/api/task",
        "application/json",
        r#"{"description": "Create greet.py with greet(name) returning 'hi ' + name", "priority": 8}"#,
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(
        &addr,
        "POST",
        "/api/task",
        "text/plain",
        "Add a docstring to greet",
    );
    assert_eq!(status, 201, "{body}");
    // Paused from the CLI: the API says so, and resumes it.
    let (_, state) = http(&addr, "GET", "/api/status", "text/plain", "");
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["paused"], true, "{state}");
    assert_eq!(state["queue"]["queued"], 2, "{state}");
    let listed = repo.tasks();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["source"], "api");
    let (status, _) = http(&addr, "POST", "/api/tasks/2/cancel", "text/plain", "");
    assert_eq!(status, 200);
    let (status, _) = http(&addr, "POST", "/api/resume", "text/plain", "");
    assert_eq!(status, 200);

    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(tasks[1]["status"], "succeeded", "{:#}\n{log}", tasks[1]);
    assert_eq!(tasks[0]["status"], "cancelled", "{log}");
    assert!(git_out(repo.path(), &["show", "main:greet.py"]).contains("'hi ' + name"));
}

#[test]
fn a_bind_beyond_this_machine_without_a_token_stops_the_start() {
    let mut repo = TestRepo::new();
    repo.set("NIGHTSHIFT_BIND", "0.0.0.0");
    let err = repo.fails(&["serve"]);
    assert!(
        err.contains("refusing to listen on 0.0.0.0") && err.contains("access_token"),
        "{err}"
    );
    // A repository's own nightshift.toml cannot open it up either.
    let mut repo = TestRepo::new();
    std::fs::write(
        repo.path().join("nightshift.toml"),
        "bind = \"0.0.0.0\"\naccess_token = \"a-token-long-enough-to-count\"\n",
    )
    .unwrap();
    repo.set("MODEL_TYPE", "openai");
    let daemon = repo.serve(&[]);
    let addr = daemon.http_addr();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let (status, _) = http(&addr, "GET", "/api/status", "text/plain", "");
    assert_eq!(
        status, 200,
        "no token is asked: the repository's file was not obeyed"
    );
    daemon.stop();
}

/// Opens the event stream of the daemon at `addr` (from `Last-Event-ID: last`, if given) and
/// reads it until `until` holds for its text; the ids and messages of the events read.
fn read_events(addr: &str, last: Option<i64>, until: impl Fn(&str) -> bool) -> Vec<(i64, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let resume = last
        .map(|id| format!("Last-Event-ID: {id}\r\n"))
        .unwrap_or_default();
    let path = if last.is_some() {
        "/api/events"
    } else {
        "/api/events?after=0"
    };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{resume}\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let mut buffer = [0u8; 4096];
    while !until(&text) {
        let n = stream
            .read(&mut buffer)
            .unwrap_or_else(|err| panic!("{err}: {text}"));
        assert!(n > 0, "the stream closed: {text}");
        text.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    let mut events = Vec::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("id: ") {
            id = value.trim().parse().ok();
        } else if let Some(data) = line.strip_prefix("data: ") {
            let entry: serde_json::Value = serde_json::from_str(data).unwrap();
            events.push((id.unwrap(), entry["message"].as_str().unwrap().to_owned()));
        }
    }
    events
}

#[test]
fn a_client_that_reconnects_after_a_kill_9_gets_every_event_it_missed_once_in_order() {
    let repo = TestRepo::new();
    repo.ok(&["pause"]);
    repo.ok(&["add", "first task"]);
    let daemon = repo.serve(&[]);
    let seen = read_events(&daemon.http_addr(), None, |text| {
        text.contains("queued from cli")
    });
    let last = seen.last().unwrap().0;
    daemon.kill9();

    // Written while no daemon runs, then after it is back.
    repo.ok(&["add", "second task"]);
    let daemon = repo.serve(&[]);
    let addr = daemon.http_addr();
    repo.ok(&["add", "third task"]);
    let missed = read_events(&addr, Some(last), |text| {
        text.matches("queued from cli").count() == 2
    });
    daemon.stop();
    let ids: Vec<i64> = missed.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        ((last + 1)..=*ids.last().unwrap()).collect::<Vec<_>>(),
        "every id after {last}, once, in order: {missed:?}"
    );
    let queued: Vec<&str> = missed
        .iter()
        .filter(|(_, message)| message.starts_with("queued from cli"))
        .map(|(_, message)| message.as_str())
        .collect();
    assert_eq!(queued.len(), 2, "{missed:?}");
}

/// URL-encodes a form value.
fn form_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the hidden field `name` on a page, unescaped.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap() + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].replace("&#34;", "\"")
}

#[test]
fn settings_applied_from_the_dashboard_restart_the_workers_under_them_without_a_restart() {
    let mut repo = TestRepo::new();
    repo.use_greeting_model();
    let daemon = repo.serve(&["--workers", "1"]);
    let addr = daemon.http_addr();
    let form = "application/x-www-form-urlencoded";
    let (status, review) = http(&addr, "POST", "/settings/review", form, "task_timeout=77");
    assert_eq!(status, 200, "{review}");
    let body = format!(
        "proposed={}&base={}",
        form_value(&hidden(&review, "proposed")),
        form_value(&hidden(&review, "base"))
    );
    let (status, applied) = http(&addr, "POST", "/settings/apply", form, &body);
    assert_eq!(status, 303, "{applied}");
    // The daemon, still the same process, runs its workers under the new settings.
    let started = std::time::Instant::now();
    loop {
        let status: serde_json::Value =
            serde_json::from_str(&repo.ok(&["status", "--json"])).unwrap();
        if status["daemon"]["task_timeout_s"] == 77 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{status:#}\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        daemon
            .log()
            .contains("workers restarted under the settings made from the dashboard"),
        "{}",
        daemon.log()
    );
    // The CLI reads the same layer, and says where the value comes from.
    let config = repo.ok(&["config"]);
    assert!(
        config.lines().any(|l| l.starts_with("task_timeout")
            && l.contains("77")
            && l.ends_with("# dashboard")),
        "{config}"
    );
    // And the workers work.
    repo.greeting_lands(&daemon);
    daemon.stop();
}

#[test]
fn a_worker_restarted_from_the_dashboard_starts_again_and_works() {
    let mut repo = TestRepo::new();
    repo.use_greeting_model();
    let daemon = repo.serve(&["--workers", "2"]);
    let addr = daemon.http_addr();
    let started = std::time::Instant::now();
    let presence = loop {
        let status: serde_json::Value =
            serde_json::from_str(&repo.ok(&["status", "--json"])).unwrap();
        if status["daemon"]["workers"] == 2 {
            break status["daemon"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{status:#}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let (_, overview) = http(&addr, "GET", "/", "text/plain", "");
    let worker = format!(
        "{}:{}:w1",
        presence["host"].as_str().unwrap(),
        presence["pid"]
    );
    assert!(
        overview.contains(&format!("value=\"{worker}\"")),
        "{overview}"
    );
    let (status, body) = http(
        &addr,
        "POST",
        "/workers/restart",
        "application/x-www-form-urlencoded",
        &format!("worker={}", form_value(&worker)),
    );
    assert_eq!(status, 303, "{body}");
    let started = std::time::Instant::now();
    while !daemon
        .log()
        .contains("worker restarted as the dashboard asked")
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let logs = repo.ok(&["logs", "100"]);
    assert!(
        logs.contains(&format!(
            "restart of worker {worker} asked from the dashboard"
        )),
        "{logs}"
    );
    // Asked once, done once: the request is taken.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        daemon
            .log()
            .matches("worker restarted as the dashboard asked")
            .count(),
        1
    );
    repo.greeting_lands(&daemon);
    daemon.stop();
}
