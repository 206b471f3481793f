use std::time::Duration;

use nightshift_model::{ChatModel, ErrorClass, ModelError};
use nightshift_model_http::{Anthropic, HttpSettings};
use pretty_assertions::assert_eq;

use super::fake::{self, Step, ok_headers, serve, status, write};

fn event(kind: &str, json: &str) -> Step {
    write(format!("event: {kind}\ndata: {json}\n\n"))
}

fn backend(base_url: &str) -> Anthropic {
    let mut settings = HttpSettings::new(base_url, "claude-test");
    settings.api_key = Some("ak-test".into());
    settings.first_token_timeout = Duration::from_millis(500);
    settings.idle_timeout = Duration::from_millis(500);
    Anthropic::new(settings).unwrap()
}

#[tokio::test]
async fn streams_text_and_usage_from_message_events() {
    let server = serve(vec![vec![
        ok_headers("text/event-stream"),
        event("message_start", r#"{"type":"message_start","message":{"id":"m","usage":{"input_tokens":31,"output_tokens":1}}}"#),
        event("ping", r#"{"type":"ping"}"#),
        event("content_block_start", r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        event("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi "}}"#),
        event("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"there"}}"#),
        event("content_block_stop", r#"{"type":"content_block_stop","index":0}"#),
        event("message_delta", r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}"#),
        event("message_stop", r#"{"type":"message_stop"}"#),
    ]])
    .await;
    let completion = backend(&server.base_url)
        .complete(fake::request())
        .await
        .unwrap();
    assert_eq!(completion.text, "Hi there");
    assert_eq!(
        (
            completion.usage.prompt_tokens,
            completion.usage.completion_tokens
        ),
        (31, 3)
    );
    let request = server.requests.lock().unwrap()[0].clone();
    assert!(request.starts_with("POST /v1/messages"), "{request}");
    assert!(
        request.contains("x-api-key: ak-test") && request.contains("anthropic-version: 2023-06-01"),
        "{request}"
    );
    assert!(
        request.contains(r#""system":"be brief""#),
        "the system prompt goes in `system`: {request}"
    );
}

#[tokio::test]
async fn errors_in_and_out_of_the_stream() {
    let server = serve(vec![
        vec![
            ok_headers("text/event-stream"),
            event("error", r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
        ],
        vec![status(429, "retry-after: 5\r\n", r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}"#)],
        vec![status(400, "", r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens too large"}}"#)],
        vec![
            ok_headers("text/event-stream"),
            event("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut"}}"#),
        ],
    ])
    .await;
    let model = backend(&server.base_url);
    let err = model.complete(fake::request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient, "{err}");
    let err = model.complete(fake::request()).await.unwrap_err();
    assert_eq!(
        err.class(),
        ErrorClass::RateLimited(Some(Duration::from_secs(5))),
        "{err}"
    );
    let err = model.complete(fake::request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Rejected);
    assert!(err.to_string().contains("max_tokens too large"), "{err}");
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(matches!(err, ModelError::Stream(_)), "{err}");
}

#[test]
fn a_missing_key_makes_the_backend_unavailable() {
    let err = Anthropic::new(HttpSettings::new("https://api.anthropic.com", "claude")).unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
}
