//! The API and its access rules, called in-process on a real SQLite store, and once over a real
//! socket.
#![allow(clippy::unwrap_used)] // tests: a failure should panic

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use nightshift_store::{SystemState, TaskFilter, TaskQueue, TaskStatus};
use nightshift_store_sqlite::SqliteStore;
use nightshift_web::{Access, BODY_LIMIT, BindError, Web, app, bind, route_table};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use tower::ServiceExt;

#[path = "api/pages.rs"]
mod pages;

const HOST: &str = "127.0.0.1:5000";
const TOKEN: &str = "a-token-long-enough-to-count";

struct Server {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    router: Router,
}

/// A server on a fresh store, as if bound to 127.0.0.1:5000, seeing requests come from `peer`.
async fn server(token: Option<&str>, peer: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("q.db")).await.unwrap();
    let access = Access::new(HOST.parse().unwrap(), token.map(str::to_owned));
    let peer: SocketAddr = peer.parse().unwrap();
    let layers = nightshift_config::Layers {
        repo: dir.path().to_owned(),
        ..nightshift_config::Layers::default()
    };
    let web = Web::new(store.clone(), access, 3).with_layers(layers);
    let router = app(web).layer(MockConnectInfo(peer));
    Server {
        _dir: dir,
        store,
        router,
    }
}

/// A request to this server, from no page (like curl).
fn request(method: Method, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST)
}

fn json_post(uri: &str, body: &str) -> Request<Body> {
    request(Method::POST, uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    request(Method::GET, uri).body(Body::empty()).unwrap()
}

fn post(uri: &str) -> Request<Body> {
    request(Method::POST, uri).body(Body::empty()).unwrap()
}

impl Server {
    /// Status and JSON body of `request`.
    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
            panic!(
                "{status}: not JSON ({err}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, body)
    }

    async fn queued(&self) -> usize {
        self.store
            .tasks(&TaskFilter::newest(1000))
            .await
            .unwrap()
            .len()
    }
}

/// Queues `texts` (no retries), then lets worker `owner` claim the first and land it with a
/// commit made at `landed_at_ms`.
async fn one_landed(store: &SqliteStore, texts: &[&str], owner: &str, landed_at_ms: i64) {
    use nightshift_store::{CommitLog, CommitRecord, NewTask, TaskQueue};
    let tasks = texts
        .iter()
        .map(|t| NewTask::new(t, 5, Value::Null, "test", 0).unwrap())
        .collect();
    store.enqueue(tasks).await.unwrap();
    let claim = store
        .claim(owner, std::time::Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let commit = CommitRecord {
        task_id: claim.task.id,
        sha: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        branch: "main".to_owned(),
        subject: texts[0].to_owned(),
        files: vec!["a.py".to_owned()],
        created_at_ms: landed_at_ms,
        pushed: false,
    };
    store
        .record_commit_and_succeed(&claim.lease, &commit, "landed".to_owned())
        .await
        .unwrap();
}

/// Stores a checkpoint awaiting approval (the week from 2026-01-01) and its report, as the
/// daemon keeps them; the schedule stored.
async fn awaiting_checkpoint(store: &SqliteStore, report: &str) -> Value {
    use nightshift_store::{CHECKPOINT_KEY, CHECKPOINT_REPORT_KEY, SystemState};
    let schedule = json!({
        "since_ms": 1_767_225_600_000_i64,
        "awaiting": {"period": {"from_ms": 1_767_225_600_000_i64, "to_ms": 1_767_830_400_000_i64},
                     "path": "/data/reports/checkpoint-2026-01-08.md"},
    });
    store
        .put_state(CHECKPOINT_KEY, &schedule.to_string())
        .await
        .unwrap();
    store
        .put_state(CHECKPOINT_REPORT_KEY, report)
        .await
        .unwrap();
    schedule
}

#[tokio::test]
async fn tasks_are_queued_read_cancelled_and_retried_and_the_agent_paused() {
    let server = server(None, "127.0.0.1:40000").await;
    let response = server
        .router
        .clone()
        .oneshot(json_post(
            "/api/task",
            r#"{"description": "Add a function that reverses a string", "priority": 7, "metadata": {"area": "utils"}}"#,
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[header::LOCATION], "/api/tasks/1");
    // The seed's plain-text form: the body is the description.
    let (status, body) = server
        .send(
            request(Method::POST, "/api/task")
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(Body::from("Write tests for the parser"))
                .unwrap(),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::CREATED, json!({"id": 2, "status": "queued"}))
    );

    let (status, list) = server.send(get("/api/tasks")).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["description"], "Write tests for the parser");
    assert_eq!(list[1]["priority"], 7);
    assert_eq!(list[1]["metadata"], json!({"area": "utils"}));
    assert_eq!(list[1]["source"], "api");
    let (_, one) = server.send(get("/api/tasks/1")).await;
    assert_eq!(one["description"], "Add a function that reverses a string");

    let (status, cancelled) = server.send(post("/api/tasks/1/cancel")).await;
    assert_eq!(
        (status, cancelled["status"].clone()),
        (StatusCode::OK, json!("cancelled"))
    );
    let (_, queued) = server.send(get("/api/tasks?status=queued&limit=10")).await;
    assert_eq!(queued.as_array().unwrap().len(), 1);
    let (status, retried) = server.send(post("/api/tasks/1/retry")).await;
    assert_eq!(
        (status, retried["status"].clone()),
        (StatusCode::OK, json!("queued"))
    );

    let (status, _) = server.send(post("/api/pause")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(server.store.paused().await.unwrap());
    // The status is the shared view, read again after any change made through the server.
    let (_, state) = server.send(get("/api/status")).await;
    assert_eq!(state["paused"], true);
    assert_eq!(state["state"], "paused");
    assert_eq!(state["paused_by"], "api");
    assert_eq!(state["queue"]["queued"], 2);
    server.send(post("/api/resume")).await;
    assert!(!server.store.paused().await.unwrap());
    let (_, state) = server.send(get("/api/status")).await;
    assert_eq!(state["paused"], false);
    // No daemon announced itself to this store.
    assert_eq!(state["state"], "stopped");
    assert_eq!(state["workers"], Value::Null);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_stores_nothing() {
    let server = server(None, "127.0.0.1:40000").await;
    server
        .store
        .enqueue(vec![
            nightshift_store::NewTask::new("queued one", 5, Value::Null, "test", 1).unwrap(),
        ])
        .await
        .unwrap();
    let text = |body: Vec<u8>| {
        request(Method::POST, "/api/task")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(body))
            .unwrap()
    };
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            json_post("/api/task", "{\"description\": "),
            StatusCode::BAD_REQUEST,
            "the body is not a task",
        ),
        (
            "an unknown field",
            json_post("/api/task", r#"{"description": "x", "owner": "me"}"#),
            StatusCode::BAD_REQUEST,
            "unknown field `owner`",
        ),
        (
            "no description",
            json_post("/api/task", r#"{"priority": 3}"#),
            StatusCode::BAD_REQUEST,
            "missing field `description`",
        ),
        (
            "an empty description",
            json_post("/api/task", r#"{"description": "  "}"#),
            StatusCode::BAD_REQUEST,
            "description is empty",
        ),
        (
            "an empty text",
            text(b"\n".to_vec()),
            StatusCode::BAD_REQUEST,
            "description is empty",
        ),
        (
            "text that is not UTF-8",
            text(vec![0xff, 0xfe]),
            StatusCode::BAD_REQUEST,
            "not UTF-8",
        ),
        (
            "a priority out of range",
            json_post("/api/task", r#"{"description": "x", "priority": 11}"#),
            StatusCode::BAD_REQUEST,
            "priority 11 is out of range 1..=10",
        ),
        (
            "a huge priority",
            json_post(
                "/api/task",
                r#"{"description": "x", "priority": 99999999999}"#,
            ),
            StatusCode::BAD_REQUEST,
            "out of range",
        ),
        (
            "a priority as text",
            json_post("/api/task", r#"{"description": "x", "priority": "high"}"#),
            StatusCode::BAD_REQUEST,
            "invalid type",
        ),
        (
            "metadata that is a list",
            json_post("/api/task", r#"{"description": "x", "metadata": [1]}"#),
            StatusCode::BAD_REQUEST,
            "metadata must be a mapping",
        ),
        (
            "a form post",
            request(Method::POST, "/api/task")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("description=x"))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/x-www-form-urlencoded is not accepted",
        ),
        (
            "no content type",
            request(Method::POST, "/api/task")
                .body(Body::from("x"))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "(none) is not accepted",
        ),
        (
            "an oversized body",
            text(vec![b'x'; BODY_LIMIT + 1]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "length limit",
        ),
        (
            "a bad idempotency key",
            request(Method::POST, "/api/task")
                .header(header::CONTENT_TYPE, "text/plain")
                .header("idempotency-key", "a\tb")
                .body(Body::from("x"))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "intake key",
        ),
        (
            "an unknown task",
            get("/api/tasks/99"),
            StatusCode::NOT_FOUND,
            "no task with id 99",
        ),
        (
            "a task id that is not a number",
            get("/api/tasks/abc"),
            StatusCode::BAD_REQUEST,
            "not a task id",
        ),
        (
            "cancelling an unknown task",
            post("/api/tasks/99/cancel"),
            StatusCode::NOT_FOUND,
            "no task with id 99",
        ),
        (
            "retrying a queued task",
            post("/api/tasks/1/retry"),
            StatusCode::CONFLICT,
            "task 1 is queued",
        ),
        (
            "an unknown status filter",
            get("/api/tasks?status=done"),
            StatusCode::BAD_REQUEST,
            "status \"done\" is none of queued",
        ),
        (
            "a limit of 0",
            get("/api/tasks?limit=0"),
            StatusCode::BAD_REQUEST,
            "limit 0 is out of range",
        ),
        (
            "a limit that is not a number",
            get("/api/tasks?limit=all"),
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            "an unknown filter",
            get("/api/tasks?owner=me"),
            StatusCode::BAD_REQUEST,
            "unknown field `owner`",
        ),
        (
            "an unknown route",
            get("/api/nothing"),
            StatusCode::NOT_FOUND,
            "nothing here: /api/nothing",
        ),
        (
            "a known route with the wrong method",
            get("/api/pause"),
            StatusCode::METHOD_NOT_ALLOWED,
            "",
        ),
    ];
    for (what, request, status, message) in cases {
        let response = server.router.clone().oneshot(request).await.unwrap();
        let got = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes);
        assert_eq!(got, status, "{what}: {body}");
        if got != StatusCode::METHOD_NOT_ALLOWED {
            let error: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("{what}: not JSON: {body}"));
            let error = error["error"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: {body}"));
            assert!(error.contains(message), "{what}: {error}");
        }
    }
    assert_eq!(
        server.queued().await,
        1,
        "nothing was queued by a refused request"
    );
}

#[tokio::test]
async fn a_repeated_idempotency_key_queues_the_task_once() {
    let server = server(None, "127.0.0.1:40000").await;
    let keyed = |key: &str| {
        request(Method::POST, "/api/task")
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(r#"{"description": "Add a CHANGELOG entry"}"#))
            .unwrap()
    };
    let (status, first) = server.send(keyed("deploy-42")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = server.send(keyed("deploy-42")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["task"], first["id"]);
    assert!(
        again["error"]
            .as_str()
            .unwrap()
            .contains("nothing was queued"),
        "{again}"
    );
    let (status, _) = server.send(keyed("deploy-43")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(server.queued().await, 2);
}

/// Every route of the table, with `{id}` naming task 1.
fn every_route() -> Vec<(Method, String)> {
    let routes = route_table::<SqliteStore>();
    assert!(routes.len() >= 8, "{routes:?}");
    routes
        .into_iter()
        .map(|(method, path)| {
            (
                method,
                path.replace("{id}", "1").replace("{file}", "app.js"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_request_naming_another_host_is_refused_on_every_route() {
    let server = server(None, "127.0.0.1:40000").await;
    for (method, path) in every_route() {
        for host in [
            Some("evil.example"),
            Some("evil.example:5000"),
            Some("127.0.0.1.nip.io:5000"),
            None,
        ] {
            let mut builder = Request::builder().method(method.clone()).uri(&path);
            if let Some(host) = host {
                builder = builder.header(header::HOST, host);
            }
            let (status, body) = server.send(builder.body(Body::empty()).unwrap()).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path} as {host:?}: {body}"
            );
        }
    }
    assert_eq!(server.queued().await, 0);
}

#[tokio::test]
async fn state_changes_from_another_origin_are_refused() {
    let task = |origin: Option<&str>, site: Option<&str>, kind: &str| {
        let mut builder = request(Method::POST, "/api/task").header(header::CONTENT_TYPE, kind);
        if let Some(origin) = origin {
            builder = builder.header(header::ORIGIN, origin);
        }
        if let Some(site) = site {
            builder = builder.header("sec-fetch-site", site);
        }
        builder
            .body(Body::from(if kind == "text/plain" {
                "x".to_owned()
            } else {
                r#"{"description": "x"}"#.to_owned()
            }))
            .unwrap()
    };
    let local = server(None, "127.0.0.1:40000").await;
    for kind in ["text/plain", "application/json"] {
        for (origin, site) in [
            (Some("http://evil.example"), None),
            (Some("http://evil.example"), Some("cross-site")),
            (Some("null"), None),
            (Some("http://127.0.0.1:5001"), None),
            (None, Some("cross-site")),
            (None, Some("same-site")),
        ] {
            let (status, body) = local.send(task(origin, site, kind)).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{kind} from {origin:?} {site:?}: {body}"
            );
        }
        for (origin, site) in [
            (Some("http://127.0.0.1:5000"), Some("same-origin")),
            (None, Some("same-origin")),
            (None, None),
        ] {
            let (status, body) = local.send(task(origin, site, kind)).await;
            assert_eq!(
                status,
                StatusCode::CREATED,
                "{kind} from {origin:?} {site:?}: {body}"
            );
        }
    }
    assert_eq!(local.queued().await, 6);
    let (status, _) = local
        .send(
            request(Method::POST, "/api/pause")
                .header(header::ORIGIN, "http://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!local.store.paused().await.unwrap());

    // A client elsewhere that sends no Origin is not a local script.
    let remote = server(None, "10.0.0.9:40000").await;
    let (status, _) = remote.send(task(None, None, "text/plain")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(remote.queued().await, 0);
}

#[tokio::test]
async fn with_a_token_every_route_answers_401_without_it() {
    let server = server(Some(TOKEN), "10.0.0.9:40000").await;
    server
        .store
        .enqueue(vec![
            nightshift_store::NewTask::new("t", 5, Value::Null, "test", 1).unwrap(),
        ])
        .await
        .unwrap();
    let paths = every_route();
    // Every route but the login page, where a browser gives the token (tested below).
    for (method, path) in paths.iter().filter(|(_, path)| path != "/login") {
        for auth in [
            None,
            Some("Bearer wrong-token-of-some-length"),
            Some("Basic YTpi"),
        ] {
            let mut builder = request(method.clone(), path);
            if let Some(auth) = auth {
                builder = builder.header(header::AUTHORIZATION, auth);
            }
            let (status, body) = server.send(builder.body(Body::empty()).unwrap()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {auth:?}: {body}"
            );
        }
    }
    // Unknown routes too.
    let (status, _) = server.send(get("/api/nothing")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        server.store.task(1).await.unwrap().status,
        TaskStatus::Queued
    );
    assert!(!server.store.paused().await.unwrap());

    // The bearer header opens every route, from anywhere, without an Origin (the status only:
    // the event stream's body never ends); the login form wants the token in its body.
    for (method, path) in paths.iter().filter(|(_, path)| path != "/login") {
        let response = server
            .router
            .clone()
            .oneshot(
                request(method.clone(), path)
                    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_ne!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert_ne!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    // The cookie (a browser's) reads; a change by cookie must come from the server's own page.
    let cookie = format!("theme=dark; nightshift_token={TOKEN}");
    let (status, _) = server
        .send(
            request(Method::GET, "/api/status")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .send(
            request(Method::POST, "/api/resume")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server
        .send(
            request(Method::POST, "/api/resume")
                .header(header::COOKIE, &cookie)
                .header(header::ORIGIN, "http://127.0.0.1:5000")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // A browser logs in: the login page is open, a wrong token gets no cookie, the right one
    // an HttpOnly, SameSite=Strict cookie that then opens the pages; a login posted from
    // another site is refused like any other change.
    let response = server.router.clone().oneshot(get("/login")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let login = |token: &str, origin: &str| {
        request(Method::POST, "/login")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .unwrap()
    };
    let own = "http://127.0.0.1:5000";
    let wrong = server
        .router
        .clone()
        .oneshot(login("not-the-token-at-all", own))
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(header::SET_COOKIE).is_none());
    let foreign = server
        .router
        .clone()
        .oneshot(login(TOKEN, "http://evil.example"))
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(foreign.headers().get(header::SET_COOKIE).is_none());
    let right = server
        .router
        .clone()
        .oneshot(login(TOKEN, own))
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let set = right.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        set,
        format!("nightshift_token={TOKEN}; Path=/; HttpOnly; SameSite=Strict")
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let page = server
        .router
        .clone()
        .oneshot(
            request(Method::GET, "/tasks")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_non_loopback_address_is_refused_without_a_long_enough_token() {
    let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(bind(any, None).await, Err(BindError::NoToken(_))));
    assert!(matches!(
        bind(any, Some("short")).await,
        Err(BindError::ShortToken(5))
    ));
    assert!(bind(any, Some(TOKEN)).await.is_ok());
    assert!(bind("127.0.0.1:0".parse().unwrap(), None).await.is_ok());
    assert!(
        bind("[::1]:0".parse().unwrap(), None).await.is_ok()
            || std::net::TcpListener::bind("[::1]:0").is_err()
    );
    // A port already taken says what to change.
    let taken = bind("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let err = bind(taken.local_addr().unwrap(), None).await.unwrap_err();
    assert!(err.to_string().contains("FLASK_PORT"), "{err}");
}

#[tokio::test]
async fn over_a_real_socket_curl_on_this_machine_queues_a_task() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("q.db")).await.unwrap();
    let listener = bind("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let served = tokio::spawn(nightshift_web::serve(
        listener,
        app(Web::new(store.clone(), Access::new(addr, None), 3)),
        shutdown.clone(),
    ));
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = "Add a --verbose flag";
    stream
        .write_all(format!("POST /api/task HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes())
        .await
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 201"), "{reply}");
    assert_eq!(store.task(1).await.unwrap().description, body);
    shutdown.cancel();
    served.await.unwrap().unwrap();
}

/// The ids of the `log` events of an event stream, read until `count` arrived.
async fn event_ids(body: &mut Body, count: usize) -> Vec<i64> {
    let mut text = String::new();
    let mut ids = Vec::new();
    while ids.len() < count {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
            .await
            .unwrap_or_else(|_| panic!("waited for {count} events, got {ids:?}: {text}"))
            .unwrap()
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        ids = text
            .lines()
            .filter_map(|line| line.strip_prefix("id: "))
            .map(|id| id.parse().unwrap())
            .collect();
    }
    assert!(text.contains("event: log"), "{text}");
    ids
}

fn log_line(level: nightshift_store::LogLevel, message: &str) -> nightshift_store::NewLogEntry {
    nightshift_store::NewLogEntry {
        task_id: None,
        attempt: None,
        level,
        event: "test".to_owned(),
        message: message.to_owned(),
    }
}

#[tokio::test]
async fn the_log_streams_as_events_and_last_event_id_resumes_exactly_after_it() {
    use nightshift_store::{EventLog, LogLevel};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("q.db")).await.unwrap();
    for n in 1..=3 {
        store
            .log(log_line(LogLevel::Info, &format!("line {n}")))
            .await
            .unwrap();
    }
    let shutdown = tokio_util::sync::CancellationToken::new();
    let access = Access::new(HOST.parse().unwrap(), None);
    let router = app(Web::new(store.clone(), access, 3).stopping_on(shutdown.clone()));
    let open = |uri: &str, last: Option<&str>| {
        let mut builder = request(Method::GET, uri);
        if let Some(last) = last {
            builder = builder.header("last-event-id", last);
        }
        router.clone().oneshot(builder.body(Body::empty()).unwrap())
    };

    // A reconnect after id 1: lines 2 and 3, then what is written next, each once, in order.
    let response = open("/api/events", Some("1")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    assert_eq!(event_ids(&mut body, 2).await, [2, 3]);
    store
        .log(log_line(LogLevel::Warn, "line 4 needs a look"))
        .await
        .unwrap();
    store.log(log_line(LogLevel::Info, "line 5")).await.unwrap();
    assert_eq!(event_ids(&mut body, 2).await, [4, 5]);

    // Without a cursor, from now on; filters by level and text.
    let mut fresh = open("/api/events", None).await.unwrap().into_body();
    let mut warnings = open("/api/events?level=warn&after=0", None)
        .await
        .unwrap()
        .into_body();
    let mut looks = open("/api/events?text=A%20LOOK&after=0", None)
        .await
        .unwrap()
        .into_body();
    store
        .log(log_line(LogLevel::Error, "line 6 broke"))
        .await
        .unwrap();
    assert_eq!(event_ids(&mut fresh, 1).await, [6]);
    assert_eq!(event_ids(&mut warnings, 2).await, [4, 6]);
    assert_eq!(event_ids(&mut looks, 1).await, [4]);

    // By worker: the lines of the attempts it ran, by its whole name or its number.
    use nightshift_store::TaskQueue;
    let id = store
        .enqueue(vec![nightshift_store::NewTask {
            description: "t".into(),
            priority: 5,
            metadata: serde_json::json!({}),
            source: "test".into(),
            max_retries: 0,
            key: None,
        }])
        .await
        .unwrap()[0];
    store
        .claim("h:9:w3", std::time::Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    store
        .log(nightshift_store::NewLogEntry {
            task_id: Some(id),
            attempt: Some(1),
            ..log_line(LogLevel::Info, "line 9 of worker 3")
        })
        .await
        .unwrap();
    for uri in [
        "/api/events?worker=w3&after=0",
        "/api/events?worker=h:9:w3&after=0",
    ] {
        let mut of_worker = open(uri, None).await.unwrap().into_body();
        assert_eq!(event_ids(&mut of_worker, 2).await, [8, 9], "{uri}");
    }
    // By topic: the task's transitions (queued, claimed), not the other lines.
    let mut transitions = open("/api/events?topics=transition&after=0", None)
        .await
        .unwrap()
        .into_body();
    assert_eq!(event_ids(&mut transitions, 2).await, [7, 8]);
    store
        .log(log_line(LogLevel::Info, "line 10 is no transition"))
        .await
        .unwrap();
    store.set_paused(true, "test").await.unwrap();
    let mut two = open("/api/events?topics=test,paused&after=8", None)
        .await
        .unwrap()
        .into_body();
    assert_eq!(event_ids(&mut two, 3).await, [9, 10, 11]);

    // Bad filters are refused; a stopping server ends every stream.
    for (uri, last) in [
        ("/api/events?level=loud", None),
        ("/api/events", Some("abc")),
        ("/api/events?host=1", None),
        ("/api/events?worker=%3Cscript%3E", None),
        ("/api/events?topics=log,%3Cb%3E", None),
    ] {
        let response = open(uri, last).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri} {last:?}");
    }
    shutdown.cancel();
    let rest = tokio::time::timeout(std::time::Duration::from_secs(10), body.collect())
        .await
        .expect("the stream ends when the server stops");
    assert!(rest.is_ok());
}

#[tokio::test]
async fn the_openapi_document_names_every_api_route_and_nothing_else() {
    let server = server(None, "127.0.0.1:40000").await;
    let (status, doc) = server.send(get("/api/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let api: Vec<(Method, String)> = route_table::<SqliteStore>()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/"))
        .collect();
    let mut documented = 0;
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            documented += 1;
            let method: Method = method.to_ascii_uppercase().parse().unwrap();
            assert!(
                api.contains(&(method.clone(), path.clone())),
                "{method} {path} is documented but not served"
            );
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()));
            if path.contains("{id}") {
                assert_eq!(operation["parameters"][0]["name"], "id", "{path}");
            }
        }
    }
    assert_eq!(documented, api.len(), "every served route is documented");
}

#[tokio::test]
async fn settings_are_read_checked_shown_before_they_apply_and_changed_once_through_the_api() {
    use nightshift_store::{EventLog, SETTINGS_KEY, WORKER_COUNT_KEY};
    let server = server(None, "127.0.0.1:40000").await;
    let (status, shown) = server.send(get("/api/settings")).await;
    assert_eq!(status, StatusCode::OK);
    let value_of = |shown: &Value, key: &str| {
        shown["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .map(|s| (s["value"].clone(), s["source"].clone()))
            .unwrap()
    };
    assert_eq!(
        value_of(&shown, "task_timeout"),
        (json!("300"), json!("default"))
    );
    let keys: Vec<&str> = shown["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"model_fallbacks") && !keys.contains(&"sandbox"),
        "{keys:?}"
    );
    let base = shown["base"].as_str().unwrap().to_owned();

    // Refused, naming why, with nothing stored: what the rules refuse, keys the dashboard may
    // not set, bodies that are not the shape or not JSON.
    for (body, says) in [
        (r#"{"set": {"task_timeout": "0"}}"#, "task_timeout"),
        (
            r#"{"set": {"sandbox": "off"}}"#,
            "not a setting the dashboard may change",
        ),
        (
            r#"{"set": {"model_fallbacks": "openai, openai"}}"#,
            "listed twice",
        ),
        (r#"{"sett": {}}"#, "unknown field"),
        ("{", "the body is not"),
    ] {
        let (status, answer) = server.send(json_post("/api/settings", body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(says),
            "{body}: {answer}"
        );
    }
    let (status, _) = server
        .send(
            request(Method::POST, "/api/settings")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(r#"{"set": {}}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(server.store.state(SETTINGS_KEY).await.unwrap(), None);

    // A dry run shows the change and stores nothing; applying it stores and records it.
    let change = r#"{"set": {"task_timeout": "600", "model_fallbacks": "none"}, "dry_run": true}"#;
    let (status, review) = server.send(json_post("/api/settings", change)).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert_eq!(review["applied"], false);
    assert_eq!(
        review["changes"][1],
        json!({"key": "task_timeout", "before": "300", "after": "600", "source": "dashboard"})
    );
    assert_eq!(server.store.state(SETTINGS_KEY).await.unwrap(), None);
    let apply = format!(
        r#"{{"set": {{"task_timeout": "600"}}, "base": {}}}"#,
        json!(base)
    );
    let (status, applied) = server.send(json_post("/api/settings", &apply)).await;
    assert_eq!(
        (status, applied["applied"].clone()),
        (StatusCode::OK, json!(true)),
        "{applied}"
    );
    let (_, shown) = server.send(get("/api/settings")).await;
    assert_eq!(
        value_of(&shown, "task_timeout"),
        (json!("600"), json!("dashboard"))
    );
    let logs = server
        .store
        .logs(&nightshift_store::LogQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        logs.iter()
            .any(|l| l.message.contains("task_timeout 300 → 600")),
        "{logs:?}"
    );
    // The same base again: the settings changed since, so nothing is overwritten.
    let (status, answer) = server.send(json_post("/api/settings", &apply)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");

    // The worker count, live, within the rules; null goes back to the configured count.
    for bad in [
        r#"{"workers": 0}"#,
        r#"{"workers": 257}"#,
        r#"{"workers": "many"}"#,
        "{}",
    ] {
        let (status, answer) = server.send(json_post("/api/settings/workers", bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
    }
    let (status, set) = server
        .send(json_post("/api/settings/workers", r#"{"workers": 4}"#))
        .await;
    assert_eq!((status, set["workers"].clone()), (StatusCode::OK, json!(4)));
    assert_eq!(
        server
            .store
            .state(WORKER_COUNT_KEY)
            .await
            .unwrap()
            .as_deref(),
        Some("4")
    );
    let (_, shown) = server.send(get("/api/settings")).await;
    assert_eq!(shown["workers"]["set_here"], 4);
    server
        .send(json_post("/api/settings/workers", r#"{"workers": null}"#))
        .await;
    assert_eq!(
        server
            .store
            .state(WORKER_COUNT_KEY)
            .await
            .unwrap()
            .as_deref(),
        Some("")
    );
}

#[tokio::test]
async fn status_names_what_needs_attention_and_the_checkpoint_reads_back() {
    use nightshift_store::{AttemptEnd, PRESENCE_KEY, SystemState, TaskQueue, now_ms};
    let server = server(None, "127.0.0.1:40000").await;
    let store = &server.store;
    // A commit that landed eleven minutes ago and was never pushed, with auto-push on.
    one_landed(
        store,
        &["lands", "waits"],
        "h:7:abc:w0",
        now_ms() - 11 * 60_000,
    )
    .await;
    let lease = std::time::Duration::from_secs(60);
    // A task parked on a model's rate limit.
    let claim = store.claim("h:7:abc:w0", lease).await.unwrap().unwrap();
    store
        .finish(
            &claim.lease,
            AttemptEnd::Parked {
                reason: "429".to_owned(),
                run_after_ms: now_ms() + 60_000,
                rate_limited: true,
            },
        )
        .await
        .unwrap();
    let presence = json!({
        "host": "h", "pid": 7, "instance": "abc", "workers": 1, "configured_workers": 1,
        "started_at_ms": now_ms(), "seen_at_ms": now_ms(), "auto_push": true,
        "sandbox_confined": true,
    });
    store
        .put_state(PRESENCE_KEY, &presence.to_string())
        .await
        .unwrap();
    let (status, state) = server.send(get("/api/status")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["state"], "running");
    assert_eq!(state["workers"], 1);
    let attention: Vec<&str> = state["needs_attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        attention,
        [
            "1 task(s) wait on a model's rate limit.",
            "1 commit(s) have not been pushed for over 10 minutes.",
        ]
    );

    // The checkpoint schedule and report, as the daemon keeps them.
    let (_, empty) = server.send(get("/api/checkpoint")).await;
    assert_eq!(empty, json!({"schedule": null, "report": null}));
    let schedule = awaiting_checkpoint(store, "# nightshift report").await;
    let (_, shown) = server.send(get("/api/checkpoint")).await;
    assert_eq!(
        shown,
        json!({"schedule": schedule, "report": "# nightshift report"})
    );
}
