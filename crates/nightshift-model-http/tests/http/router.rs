//! The router over real HTTP backends talking to scripted servers.

use std::sync::Arc;
use std::time::Duration;

use nightshift_model::router::{Route, Router, RouterPolicy};
use nightshift_model::{ChatModel, ErrorClass, reply_seed};
use nightshift_model_http::{HttpSettings, OpenAiCompatible};
use pretty_assertions::assert_eq;

use super::fake::{self, ok_headers, serve, status, write};

fn openai(base_url: &str, model: &str) -> Arc<dyn ChatModel> {
    let mut settings = HttpSettings::new(base_url, model);
    settings.first_token_timeout = Duration::from_millis(500);
    Arc::new(OpenAiCompatible::new(settings).unwrap())
}

fn policy() -> RouterPolicy {
    RouterPolicy {
        transient_retries: 1,
        retry_base: Duration::from_millis(10),
        breaker_threshold: 2,
        breaker_cooldown: Duration::from_secs(60),
        rate_limit_default: Duration::from_secs(30),
    }
}

/// (model, outcome) of each backend call.
fn outcomes(calls: &[nightshift_model::BackendCall]) -> Vec<(&str, &'static str)> {
    calls
        .iter()
        .map(|c| (c.model.as_str(), c.outcome))
        .collect()
}

fn ok_reply(text: &str) -> Vec<fake::Step> {
    vec![
        ok_headers("text/event-stream"),
        write(format!(
            "data: {{\"choices\":[{{\"delta\":{{\"content\":\"{text}\"}}}}]}}\n\n"
        )),
        write("data: [DONE]\n\n"),
    ]
}

#[tokio::test]
async fn falls_back_after_retrying_a_dead_backend_then_skips_its_open_circuit() {
    let dead = fake::closed_port().await;
    let alive = serve(vec![ok_reply("one"), ok_reply("two")]).await;
    let router = Router::new(
        vec![
            Route::new(openai(&dead, "a"), 2),
            Route::new(openai(&alive.base_url, "b"), 2),
        ],
        policy(),
    );
    assert!(router.open_circuits().is_empty());
    let first = router.complete_traced(fake::request()).await;
    assert_eq!(first.result.unwrap().text, "one");
    // What the daemon announces, and the dashboard shows as needing attention.
    assert_eq!(router.open_circuits(), ["openai/a"]);
    assert_eq!(
        outcomes(&first.calls),
        vec![("a", "transient"), ("a", "transient"), ("b", "ok")]
    );
    assert_eq!(first.calls[2].fallback_from.as_deref(), Some("openai"));

    // Two failures opened a's circuit: the next request goes straight to b.
    let second = router.complete_traced(fake::request()).await;
    assert_eq!(second.result.unwrap().text, "two");
    assert_eq!(second.calls.len(), 1);
    assert_eq!(
        second.calls[0].fallback_from.as_deref(),
        Some("openai (circuit open)")
    );
}

#[tokio::test]
async fn rate_limits_move_on_or_report_the_soonest_wait() {
    let limited = serve(vec![
        vec![status(429, "retry-after: 9\r\n", "{}")],
        vec![status(429, "retry-after: 9\r\n", "{}")],
    ])
    .await;
    let free = serve(vec![
        ok_reply("served"),
        vec![status(429, "retry-after: 4\r\n", "{}")],
    ])
    .await;
    let router = Router::new(
        vec![
            Route::new(openai(&limited.base_url, "a"), 1),
            Route::new(openai(&free.base_url, "b"), 1),
        ],
        policy(),
    );
    assert_eq!(
        router.complete(fake::request()).await.unwrap().text,
        "served"
    );
    let err = router.complete(fake::request()).await.unwrap_err();
    assert_eq!(
        err.class(),
        ErrorClass::RateLimited(Some(Duration::from_secs(4))),
        "{err}"
    );
}

#[tokio::test]
async fn a_rejected_request_does_not_switch() {
    let strict = serve(vec![vec![status(
        400,
        "",
        r#"{"error":{"message":"bad request"}}"#,
    )]])
    .await;
    let spare = serve(vec![ok_reply("never")]).await;
    let router = Router::new(
        vec![
            Route::new(openai(&strict.base_url, "a"), 1),
            Route::new(openai(&spare.base_url, "b"), 1),
        ],
        policy(),
    );
    let traced = router.complete_traced(fake::request()).await;
    assert_eq!(traced.result.unwrap_err().class(), ErrorClass::Rejected);
    assert_eq!(traced.calls.len(), 1);
    assert!(spare.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn several_replies_fall_back_together_one_greedy_the_rest_sampled() {
    let dead = fake::closed_port().await;
    let alive = serve(vec![ok_reply("same"), ok_reply("same"), ok_reply("same")]).await;
    let router = Router::new(
        vec![
            Route::new(openai(&dead, "a"), 1),
            Route::new(openai(&alive.base_url, "b"), 1),
        ],
        policy(),
    );
    let mut asked = fake::request();
    asked.n = 3;
    let traced = router.complete_all_traced(asked).await;
    let replies = traced.result.unwrap();
    assert_eq!(replies.len(), 3);
    assert!(replies.iter().all(|r| r.text == "same"));
    assert_eq!(
        outcomes(&traced.calls),
        vec![("a", "transient"), ("a", "transient"), ("b", "ok")]
    );
    // One request per reply (this API's `n` samples every reply alike): reply 0 greedy, the
    // others sampled with seeds of their own.
    let bodies = alive.requests.lock().unwrap().clone();
    assert_eq!(bodies.len(), 3);
    let mut settings: Vec<(String, String)> = bodies
        .iter()
        .map(|b| {
            let body: serde_json::Value =
                serde_json::from_str(&b[b.find("\r\n\r\n").unwrap() + 4..]).unwrap();
            (body["temperature"].to_string(), body["seed"].to_string())
        })
        .collect();
    settings.sort();
    let sampled = "0.800000011920929".to_owned();
    let mut expected = vec![
        ("0.0".to_owned(), reply_seed(1, 0).to_string()),
        (sampled.clone(), reply_seed(1, 1).to_string()),
        (sampled, reply_seed(1, 2).to_string()),
    ];
    expected.sort();
    assert_eq!(settings, expected);
}

#[tokio::test]
async fn replies_over_the_limit_fail_their_request_but_never_shut_the_backend_out() {
    let huge = ok_reply(&"x".repeat(200));
    let server = serve(vec![huge.clone(), huge.clone(), huge, ok_reply("served")]).await;
    let mut settings = HttpSettings::new(&server.base_url, "a");
    settings.max_reply_bytes = 100;
    let spare = serve(vec![ok_reply("never")]).await;
    let router = Router::new(
        vec![
            Route::new(Arc::new(OpenAiCompatible::new(settings).unwrap()), 1),
            Route::new(openai(&spare.base_url, "b"), 1),
        ],
        policy(),
    );
    // More oversized replies in a row than the breaker's threshold: each fails its own request
    // at once, without a retry or a switch, and the backend stays in use.
    for _ in 0..3 {
        let traced = router.complete_traced(fake::request()).await;
        let err = traced.result.unwrap_err();
        assert_eq!(err.class(), ErrorClass::Unusable, "{err}");
        assert_eq!(outcomes(&traced.calls), vec![("a", "unusable")]);
    }
    let next = router.complete_traced(fake::request()).await;
    assert_eq!(next.result.unwrap().text, "served");
    assert_eq!(outcomes(&next.calls), vec![("a", "ok")]);
    assert!(spare.requests.lock().unwrap().is_empty());
}
