//! The dashboard's pages, in-process: every page renders under a strict policy with a hostile
//! corpus in every field it shows, and the forms change what they say they change.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use nightshift_store::{
    CHECKPOINT_KEY, CHECKPOINT_REPORT_KEY, CommitLog, CommitRecord, EventLog, LogLevel, ModelCall,
    ModelStatsLog, NewLogEntry, NewTask, PRESENCE_KEY, SETTINGS_KEY, SystemState, TaskFilter,
    TaskQueue, TaskStatus, WORKER_COUNT_KEY, now_ms,
};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{HOST, Server, server};

/// Text that would run, or open a way to run, if a page let it through unescaped.
const CORPUS: &[&str] = &[
    "<script>window.__xss=1</script>",
    "\"><img src=x onerror=\"window.__xss=1\">",
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "{{ 7*7 }}<style>body{display:none}</style>",
];

/// Status, headers and text of a page.
async fn page(server: &Server, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = Request::builder()
        .uri(path)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    let response = server.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// A form posted from the dashboard's own page.
async fn form(server: &Server, path: &str, body: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = server.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location)
}

/// Fills the store with the corpus: task texts, an error, log lines, a model's name, a commit's
/// subject and files, the daemon's announced settings.
async fn hostile(server: &Server) {
    let store = &server.store;
    let tasks = CORPUS
        .iter()
        .map(|text| NewTask::new(&format!("Fix {text} now"), 5, Value::Null, text, 0).unwrap())
        .collect();
    store.enqueue(tasks).await.unwrap();
    // Task 1 fails with a hostile error; task 2 lands with a hostile commit.
    let claim = store
        .claim("w:1:x:w0", std::time::Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    store
        .finish(
            &claim.lease,
            nightshift_store::AttemptEnd::Failed {
                error: CORPUS.join(" | "),
            },
        )
        .await
        .unwrap();
    let claim = store
        .claim("w:1:x:w0", std::time::Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let commit = CommitRecord {
        task_id: claim.task.id,
        sha: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        branch: CORPUS[1].to_owned(),
        subject: CORPUS[0].to_owned(),
        files: CORPUS.iter().map(|s| (*s).to_owned()).collect(),
        created_at_ms: now_ms(),
        pushed: false,
    };
    store
        .record_commit_and_succeed(&claim.lease, &commit, CORPUS[2].to_owned())
        .await
        .unwrap();
    for (i, text) in CORPUS.iter().enumerate() {
        store
            .log(NewLogEntry {
                task_id: Some(1),
                attempt: Some(1),
                level: LogLevel::Warn,
                event: (*text).to_owned(),
                message: format!("{text}\n{}", text.repeat(40)),
            })
            .await
            .unwrap();
        store
            .record_call(&ModelCall {
                task_id: Some(1),
                attempt: Some(1),
                backend: (*text).to_owned(),
                model: CORPUS[(i + 1) % CORPUS.len()].to_owned(),
                purpose: (*text).to_owned(),
                prompt_tokens: 10,
                completion_tokens: 5,
                first_token_ms: Some(100),
                duration_ms: 900,
                outcome: (*text).to_owned(),
                error: Some((*text).to_owned()),
                fallback_from: None,
            })
            .await
            .unwrap();
    }
    store
        .log(NewLogEntry {
            task_id: Some(1),
            attempt: Some(1),
            level: LogLevel::Info,
            event: "round".to_owned(),
            message: "round 2 of 3: repair".to_owned(),
        })
        .await
        .unwrap();
    let presence = json!({
        "host": CORPUS[0], "pid": 7, "workers": 2, "configured_workers": 2,
        "started_at_ms": now_ms(), "seen_at_ms": now_ms(), "model": CORPUS[1],
        "branch": CORPUS[3], "edit_format": CORPUS[4], "repair_strategy": CORPUS[5],
        "candidates": 3, "task_timeout_s": 600, "auto_push": false,
        "circuits_open": [CORPUS[0]], "sandbox_confined": false, "sandbox": CORPUS[1],
    });
    store
        .put_state(PRESENCE_KEY, &presence.to_string())
        .await
        .unwrap();
    store
        .put_state("tasks_file_error", CORPUS[0])
        .await
        .unwrap();
    // A checkpoint awaiting approval, its report and path made of the corpus.
    let checkpoint = json!({
        "since_ms": now_ms() - 1000,
        "awaiting": {"period": {"from_ms": now_ms() - 1000, "to_ms": now_ms()}, "path": CORPUS[2]},
    });
    store
        .put_state(CHECKPOINT_KEY, &checkpoint.to_string())
        .await
        .unwrap();
    store
        .put_state(CHECKPOINT_REPORT_KEY, &CORPUS.join("\n"))
        .await
        .unwrap();
}

#[tokio::test]
async fn every_page_renders_under_a_strict_policy_and_escapes_a_hostile_corpus() {
    let server = server(None, "127.0.0.1:40000").await;
    hostile(&server).await;
    let q = "%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E";
    let pages = [
        "/".to_owned(),
        "/parts/overview".to_owned(),
        "/tasks".to_owned(),
        format!("/tasks?q={q}&source={q}&model={q}"),
        format!("/parts/tasks?q={q}"),
        "/tasks/1".to_owned(),
        "/tasks/2".to_owned(),
        format!("/tasks/bulk?action=retry&q={q}"),
        "/logs".to_owned(),
        format!("/logs?level=debug&text={q}"),
        "/logs?worker=w0".to_owned(),
        "/settings".to_owned(),
        "/checkpoint".to_owned(),
        "/metrics".to_owned(),
    ];
    for path in &pages {
        let (status, headers, body) = page(&server, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            policy.contains("script-src 'self'") && !policy.contains("unsafe"),
            "{path}: {policy}"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        if path == "/metrics" {
            continue;
        }
        for bad in [
            "<script>window",
            "<img src=x",
            "<svg onload",
            "<style>",
            "href=\"javascript:",
            "</textarea><",
        ] {
            assert!(!body.contains(bad), "{path} lets {bad:?} through:\n{body}");
        }
        // Scripts only from this server, none inline.
        for (at, _) in body.match_indices("<script") {
            assert!(
                body[at..].starts_with("<script src=\"/static/app.js\""),
                "{path}: an inline or foreign script at {at}"
            );
        }
    }
    // The text is there, escaped: shown, not run.
    let (_, _, task) = page(&server, "/tasks/1").await;
    assert!(
        task.contains("&#60;script&#62;window.__xss=1&#60;/script&#62;"),
        "{task}"
    );
    // The drill-down: one group per attempt and round, the attempt titled with how it ended.
    assert!(task.contains("<h3>Attempt 1 — failed: "), "{task}");
    assert!(
        task.contains("<h3>Attempt 1 · round 2 of 3: repair</h3>"),
        "{task}"
    );
    // Each line of an attempt names the worker that ran it, linking to that worker's lines;
    // a worker filter that is not a worker's name is refused.
    let (_, _, log) = page(&server, "/logs?worker=w0").await;
    assert!(
        log.contains(r#"<a href="/logs?worker=w%3A1%3Ax%3Aw0">w0</a>"#),
        "{log}"
    );
    let (status, _, _) = page(&server, &format!("/logs?worker={q}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, _, overview) = page(&server, "/").await;
    assert!(
        overview.contains("The tasks file did not load"),
        "{overview}"
    );
    // What the daemon announces as wrong needs attention.
    assert!(
        overview.contains("A model backend failed repeatedly and is skipped for now"),
        "{overview}"
    );
    assert!(
        overview.contains("Generated code runs without a sandbox"),
        "{overview}"
    );
    let (_, _, search) = page(&server, &format!("/tasks?q={q}")).await;
    assert_eq!(search.matches("class=\"task\"").count(), 1, "{search}");
}

#[tokio::test]
async fn forms_queue_pause_resume_bulk_and_set_workers_and_send_back_only_to_this_server() {
    let server = server(None, "127.0.0.1:40000").await;
    let store = &server.store;
    let (status, location) = form(
        &server,
        "/task",
        "description=Add+a+slugify+function&priority=7&back=%2Ftasks",
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/tasks")
    );
    let tasks = store.tasks(&TaskFilter::newest(10)).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0].priority, tasks[0].source.as_str()),
        (7, "dashboard")
    );
    // Back only to a path of this server.
    for back in [
        "%2F%2Fevil.example",
        "http%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let (status, location) =
            form(&server, "/task", &format!("description=again&back={back}")).await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/"),
            "{back}"
        );
    }
    // Bad input: an error page, nothing queued.
    for body in [
        "description=&priority=5",
        "description=x&priority=11",
        "description=x&priority=high",
        "priority=5",
    ] {
        let (status, _) = form(&server, "/task", body).await;
        assert!(status.is_client_error(), "{body}: {status}");
    }
    assert_eq!(store.tasks(&TaskFilter::newest(10)).await.unwrap().len(), 4);

    assert_eq!(
        form(&server, "/pause", "back=%2F").await.0,
        StatusCode::SEE_OTHER
    );
    assert!(store.paused().await.unwrap());
    let (_, _, overview) = page(&server, "/").await;
    assert!(
        overview.contains("by dashboard") && overview.contains(">Resume<"),
        "{overview}"
    );
    assert_eq!(form(&server, "/resume", "").await.0, StatusCode::SEE_OTHER);
    assert!(!store.paused().await.unwrap());

    // Bulk: the count first, then the change, to what the filter matches only.
    let (status, _, confirm) = page(&server, "/tasks/bulk?action=cancel&q=again").await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("cancel 3 task(s)?"), "{confirm}");
    let (status, location) = form(&server, "/tasks/bulk", "action=cancel&q=again").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/tasks?q=again")
    );
    let cancelled = store
        .tasks(&TaskFilter::newest(10).of_status(Some(TaskStatus::Cancelled)))
        .await
        .unwrap();
    assert_eq!(cancelled.len(), 3);
    assert!(cancelled.iter().all(|t| t.description == "again"));
    assert_eq!(
        form(&server, "/tasks/bulk", "action=delete").await.0,
        StatusCode::BAD_REQUEST
    );

    // Retry with a note: it goes to the task's text, and so into its next prompt.
    let (status, location) = form(
        &server,
        "/tasks/3/retry",
        "back=%2Ftasks%2F3&note=keep+the+old+signature",
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/tasks/3")
    );
    let task = store.task(3).await.unwrap();
    assert_eq!(task.status, TaskStatus::Queued);
    assert!(
        task.description
            .ends_with("\n\nNote for the next attempt: keep the old signature"),
        "{}",
        task.description
    );

    // The worker count, within the configuration's bounds, kept in the store for the daemon.
    for bad in ["0", "257", "many", ""] {
        let (status, _) = form(&server, "/settings/workers", &format!("workers={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        form(&server, "/settings/workers", "workers=4").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        store.state(WORKER_COUNT_KEY).await.unwrap().as_deref(),
        Some("4")
    );
    let (_, _, log) = page(&server, "/logs").await;
    assert!(
        log.contains("worker count set to 4 from the dashboard"),
        "{log}"
    );
    assert_eq!(
        form(&server, "/settings/workers", "clear=1").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        store.state(WORKER_COUNT_KEY).await.unwrap().as_deref(),
        Some("")
    );
}

#[tokio::test]
async fn ten_open_dashboards_read_the_store_no_more_often_than_one() {
    let server = server(None, "127.0.0.1:40000").await;
    let started = std::time::Instant::now();
    let tabs = (0..10).map(|_| page(&server, "/parts/overview"));
    for (status, _, _) in futures::future::join_all(tabs).await {
        assert_eq!(status, StatusCode::OK);
    }
    let (_, _, metrics) = page(&server, "/metrics").await;
    let reads: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("nightshift_dashboard_reads_total "))
        .unwrap()
        .parse()
        .unwrap();
    // One read per second at most, however many tabs ask.
    let seconds = started.elapsed().as_secs() + 1;
    assert!(
        reads <= seconds + 1,
        "{reads} reads in {seconds} s for 10 tabs"
    );
}

#[tokio::test]
async fn a_checkpoint_awaiting_approval_is_shown_with_its_report_and_approved_by_resuming() {
    let server = server(None, "127.0.0.1:40000").await;
    let store = &server.store;
    let (_, _, page_before) = page(&server, "/checkpoint").await;
    assert!(
        page_before.contains("No checkpoint has written a report yet"),
        "{page_before}"
    );
    super::awaiting_checkpoint(store, "# nightshift report\n\n- Tasks finished: 4").await;
    store.set_paused(true, "checkpoint").await.unwrap();
    // Written by another process (the daemon): the shared view shows it once it is renewed, in
    // the next two-second tick.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (_, _, overview) = page(&server, "/").await;
    assert!(
        overview.contains("awaiting checkpoint approval"),
        "{overview}"
    );
    assert!(
        overview.contains(
            "A checkpoint report awaits your review (2026-01-01 00:00 UTC → 2026-01-08 00:00 UTC)"
        ),
        "{overview}"
    );
    assert!(
        overview.contains("<a href=\"/checkpoint\">Open</a>"),
        "{overview}"
    );
    let (_, _, shown) = page(&server, "/checkpoint").await;
    assert!(shown.contains("- Tasks finished: 4"), "{shown}");
    assert!(
        shown.contains("/data/reports/checkpoint-2026-01-08.md"),
        "{shown}"
    );
    assert!(shown.contains("id=\"approve-checkpoint\""), "{shown}");
    let (status, location) = form(&server, "/resume", "back=%2Fcheckpoint").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/checkpoint")
    );
    assert!(
        !store.paused().await.unwrap(),
        "approving resumes the queue"
    );
}

/// A form posted from the dashboard's own page: status and the page answered (or where it
/// sends the browser).
async fn post_page(server: &Server, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.join("&")))
        .unwrap();
    let response = server.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    if let Some(location) = response.headers().get(header::LOCATION) {
        return (status, location.to_str().unwrap().to_owned());
    }
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The value of the hidden field `name` on a page, unescaped.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap() + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end]
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
}

#[tokio::test]
async fn settings_are_checked_by_the_files_rules_reviewed_then_applied_and_recorded() {
    let server = server(None, "127.0.0.1:40000").await;
    let store = &server.store;
    let (_, _, shown) = page(&server, "/settings").await;
    assert!(
        shown.contains("id=\"set-task_timeout\" name=\"task_timeout\" value=\"300\""),
        "{shown}"
    );
    for widening in [
        "set-sandbox",
        "set-bind",
        "set-access_token",
        "set-openai_api_key",
        "set-test_command",
    ] {
        assert!(!shown.contains(widening), "{widening} offered");
    }
    // What the file would refuse is refused, naming the key; nothing is stored.
    let (status, page_text) =
        post_page(&server, "/settings/review", &[("task_timeout", "0")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page_text}");
    assert!(page_text.contains("task_timeout"), "{page_text}");
    let (status, page_text) = post_page(&server, "/settings/review", &[("sandbox", "off")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page_text}");
    assert!(
        page_text.contains("not a setting the dashboard may change"),
        "{page_text}"
    );
    // The review shows each change before and after, and stores nothing.
    let (status, review) = post_page(
        &server,
        "/settings/review",
        &[
            ("task_timeout", "600"),
            ("max_retries", "3"),
            ("checkpoint_days", "7"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert!(
        review.contains("<th>task_timeout</th><td>300</td><td><strong>600</strong></td>"),
        "{review}"
    );
    assert!(
        !review.contains("<th>max_retries</th>"),
        "unchanged values are not changes: {review}"
    );
    assert_eq!(store.state(SETTINGS_KEY).await.unwrap(), None);
    let (proposed, base) = (hidden(&review, "proposed"), hidden(&review, "base"));
    let (status, location) = post_page(
        &server,
        "/settings/apply",
        &[("proposed", &proposed), ("base", &base)],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/settings")
    );
    assert_eq!(
        store.state(SETTINGS_KEY).await.unwrap().as_deref(),
        Some(r#"{"task_timeout":"600"}"#)
    );
    let logs = store
        .logs(&nightshift_store::LogQuery {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        logs.iter()
            .any(|l| l.message == "settings changed from the dashboard: task_timeout 300 → 600"),
        "{logs:#?}"
    );
    let (_, _, shown) = page(&server, "/settings").await;
    assert!(shown.contains("value=\"600\""), "{shown}");
    // The same review applied again is stale: the settings moved since.
    let (status, _) = post_page(
        &server,
        "/settings/apply",
        &[("proposed", &proposed), ("base", &base)],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A change of retries reaches the intake at once.
    let (_, review) = post_page(&server, "/settings/review", &[("max_retries", "7")]).await;
    let fields = [
        ("proposed", hidden(&review, "proposed")),
        ("base", hidden(&review, "base")),
    ];
    let (status, _) = post_page(
        &server,
        "/settings/apply",
        &[("proposed", &fields[0].1), ("base", &fields[1].1)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = post_page(
        &server,
        "/task",
        &[("description", "Add a helper"), ("priority", "5")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let queued = store.tasks(&TaskFilter::newest(1)).await.unwrap();
    assert_eq!(queued[0].max_retries, 7);
    // Back to the configuration: every value from its own layer again.
    let (_, review) = post_page(&server, "/settings/review", &[("clear", "1")]).await;
    assert!(
        review.contains("<th>task_timeout</th><td>600</td><td><strong>300</strong></td>"),
        "{review}"
    );
}

#[tokio::test]
async fn each_worker_shows_what_its_attempt_is_doing_and_how_its_attempts_ended() {
    let server = server(None, "127.0.0.1:40000").await;
    let store = &server.store;
    // Worker 0 of this daemon landed one; worker 1 is running the checks of the other.
    super::one_landed(store, &["first", "second"], "h:7:abc:w0", now_ms()).await;
    let lease = std::time::Duration::from_secs(60);
    let claim = store.claim("h:7:abc:w1", lease).await.unwrap().unwrap();
    store
        .log(NewLogEntry {
            task_id: Some(claim.task.id),
            attempt: Some(1),
            level: LogLevel::Info,
            event: "check".to_owned(),
            message: "tests: 3 passed".to_owned(),
        })
        .await
        .unwrap();
    let presence = json!({
        "host": "h", "pid": 7, "instance": "abc", "workers": 2, "configured_workers": 2,
        "started_at_ms": now_ms(), "seen_at_ms": now_ms(),
    });
    store
        .put_state(PRESENCE_KEY, &presence.to_string())
        .await
        .unwrap();

    let (_, _, overview) = page(&server, "/parts/overview").await;
    let row = |worker: &str| {
        let at = overview
            .find(&format!("<tr><td>{worker}</td>"))
            .unwrap_or_else(|| panic!("{worker}: {overview}"));
        overview[at..].split("</tr>").next().unwrap().to_owned()
    };
    // The chart: this hour's one landing, and its success rate of 100 % at the top.
    assert!(
        overview.contains(r#"id="success-rate" points="281,0""#),
        "{overview}"
    );
    let w0 = row("w0");
    assert!(
        w0.contains("idle") && w0.contains("1 landed, 0 not"),
        "{w0}"
    );
    // An idle worker links to its own lines too.
    assert!(w0.contains("/logs?worker=h%3A7%3Aabc%3Aw0"), "{w0}");
    let w1 = row("w1");
    assert!(
        w1.contains("#2") && w1.contains("attempt 1 · running the checks"),
        "{w1}"
    );
    assert!(w1.contains("none yet"), "{w1}");
}

#[tokio::test]
async fn the_models_table_is_the_daemons_chain_in_order_with_health_and_usage() {
    let server = server(None, "127.0.0.1:40000").await;
    let store = &server.store;
    let call = |backend: &str, model: &str, fallback_from: Option<&str>| ModelCall {
        task_id: None,
        attempt: None,
        backend: backend.to_owned(),
        model: model.to_owned(),
        purpose: "code".to_owned(),
        prompt_tokens: 100,
        completion_tokens: 20,
        first_token_ms: Some(50),
        duration_ms: 2000,
        outcome: "ok".to_owned(),
        error: None,
        fallback_from: fallback_from.map(str::to_owned),
    };
    for c in [
        call("ollama", "big", None),
        call("gguf", "small", Some("ollama/big")),
        call("openai", "gone", None),
    ] {
        store.record_call(&c).await.unwrap();
    }
    let presence = json!({
        "host": "h", "pid": 7, "workers": 1, "configured_workers": 1,
        "started_at_ms": now_ms(), "seen_at_ms": now_ms(),
        "model": "router/ollama/big → gguf/small", "circuits_open": ["ollama/big"],
    });
    store
        .put_state(PRESENCE_KEY, &presence.to_string())
        .await
        .unwrap();
    let (_, _, overview) = page(&server, "/parts/overview").await;
    let table = overview
        .split("<table id=\"models\">")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let rows: Vec<Vec<&str>> = table
        .split("<tr><td>")
        .skip(1)
        .map(|row| {
            row.split("</tr>")
                .next()
                .unwrap()
                .split("</td><td>")
                .map(|c| c.trim_end_matches("</td>"))
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec![
                "ollama/big",
                "first",
                "circuit open",
                "1",
                "0",
                "0",
                "100 / 20",
                "2.0 s"
            ],
            vec![
                "gguf/small",
                "fallback 1",
                "ready",
                "1",
                "0",
                "1",
                "100 / 20",
                "2.0 s"
            ],
            vec!["openai/gone", "—", "—", "1", "0", "0", "100 / 20", "2.0 s"],
        ]
    );
}

#[tokio::test]
async fn the_log_pages_back_through_older_lines_under_its_filters() {
    let server = server(None, "127.0.0.1:40000").await;
    for n in 0..450 {
        server
            .store
            .log(NewLogEntry {
                task_id: None,
                attempt: None,
                level: if n % 2 == 0 {
                    LogLevel::Warn
                } else {
                    LogLevel::Info
                },
                event: "test".to_owned(),
                message: format!("line {n}."),
            })
            .await
            .unwrap();
    }
    // A full page of warnings, the newest, and a link to the older ones under the same filter.
    let (_, _, newest) = page(&server, "/logs?level=warn").await;
    assert!(newest.contains("line 448.") && !newest.contains("line 449."));
    assert_eq!(
        newest.matches("<tr class=\"warn\"").count(),
        200,
        "{newest}"
    );
    let older = newest
        .split("<a id=\"older\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(older.contains("level=warn"), "{older}");
    let (status, _, page2) = page(&server, &older).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page2.contains("line 48.") && !page2.contains("line 448."),
        "{page2}"
    );
    assert!(!page2.contains("class=\"info\""));
}
