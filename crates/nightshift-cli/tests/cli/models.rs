//! The model chain in the daemon: fallback when a backend is down, parking when rate limited.

use std::time::Duration;

use super::helpers::{TestRepo, fake_openai, sse_reply};

#[test]
fn a_down_backend_falls_back_to_the_next_and_the_switch_is_recorded() {
    let mut repo = TestRepo::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    repo.set("MODEL_TYPE", "ollama");
    repo.set("OLLAMA_BASE_URL", &down);
    repo.ok(&[
        "add",
        "Create a file calc.py with a function add(a, b) that returns the sum of a and b.",
    ]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(600));
    let log = daemon.stop();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");

    let calls = repo.show(1)["model_calls"].as_array().unwrap().clone();
    let ollama: Vec<_> = calls.iter().filter(|c| c["backend"] == "ollama").collect();
    assert!(
        !ollama.is_empty() && ollama.iter().all(|c| c["outcome"] == "transient"),
        "{calls:#?}"
    );
    let served = calls
        .iter()
        .find(|c| c["backend"] == "gguf" && c["purpose"] == "code")
        .unwrap();
    assert_eq!(served["outcome"], "ok");
    assert_eq!(served["fallback_from"], "ollama");
    let message = super::helpers::git_out(repo.path(), &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.contains("Nightshift-Model: gguf/"),
        "the trailer names the model that wrote it: {message}"
    );
}

#[test]
fn a_rate_limited_backend_parks_the_task_without_spending_an_attempt() {
    let mut repo = TestRepo::new();
    let code = "```python calc.py\ndef add(a, b):\n    return a + b\n```";
    let test = "```python test_calc.py\nfrom calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n```";
    let url = fake_openai(vec![
        "HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}".to_owned(),
        sse_reply(code),
        sse_reply(test),
    ]);
    repo.use_fake_model(&url, "fake-coder");
    repo.set("MAX_RETRIES", "0"); // a counted failure would fail the task outright
    repo.ok(&[
        "add",
        "Create a file calc.py with a function add(a, b) that returns the sum of a and b.",
    ]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{:#}", repo.show(1));
    assert_eq!(tasks[0]["attempts"], 1, "the parked attempt is not counted");
    let shown = repo.show(1);
    let calls = shown["model_calls"].as_array().unwrap();
    assert_eq!(calls[0]["outcome"], "rate_limited");
    assert_eq!(calls[1]["outcome"], "ok");
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(logs.contains("parked, not counted"), "{logs}");
}
