use std::time::Duration;

use nightshift_model::{ChatModel, ErrorClass, ModelError};
use nightshift_model_http::{HttpSettings, OpenAiCompatible};
use pretty_assertions::assert_eq;

use super::fake::{self, Step, ok_headers, serve, status, write};

fn sse(json: &str) -> Step {
    write(format!("data: {json}\n\n"))
}

fn delta(text: &str) -> Step {
    sse(&format!(
        r#"{{"choices":[{{"index":0,"delta":{{"content":"{text}"}},"finish_reason":null}}]}}"#
    ))
}

fn backend(base_url: &str) -> OpenAiCompatible {
    let mut settings = HttpSettings::new(base_url, "qwen");
    settings.api_key = Some("sk-test".into());
    settings.first_token_timeout = Duration::from_millis(500);
    settings.idle_timeout = Duration::from_millis(500);
    settings.max_reply_bytes = 1000;
    OpenAiCompatible::new(settings).unwrap()
}

#[tokio::test]
async fn streams_deltas_and_usage() {
    let server = serve(vec![vec![
        ok_headers("text/event-stream"),
        sse(r#"{"choices":[{"index":0,"delta":{"role":"assistant"}}]}"#),
        delta("Hel"),
        Step::Sleep(Duration::from_millis(50)),
        delta("lo"),
        sse(r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#),
        sse(r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}"#),
        write("data: [DONE]\n\n"),
    ]])
    .await;
    let completion = backend(&server.base_url)
        .complete(fake::request())
        .await
        .unwrap();
    assert_eq!(completion.text, "Hello");
    assert_eq!(completion.usage.prompt_tokens, 12);
    assert_eq!(completion.usage.completion_tokens, 2);
    assert!(completion.usage.first_token.is_some());
    let request = server.requests.lock().unwrap()[0].clone();
    assert!(
        request.starts_with("POST /v1/chat/completions"),
        "{request}"
    );
    assert!(
        request
            .to_ascii_lowercase()
            .contains("authorization: bearer sk-test")
    );
    assert!(
        request.contains(r#""stream":true"#) && request.contains(r#""model":"qwen""#),
        "{request}"
    );
}

#[tokio::test]
async fn a_stream_cut_midway_is_a_broken_stream() {
    let server = serve(vec![vec![ok_headers("text/event-stream"), delta("par")]]).await;
    let err = backend(&server.base_url)
        .complete(fake::request())
        .await
        .unwrap_err();
    assert!(matches!(err, ModelError::Stream(_)), "{err}");
    assert_eq!(err.class(), ErrorClass::Transient);
}

#[tokio::test]
async fn server_errors_rate_limits_and_rejections_are_told_apart() {
    let server = serve(vec![
        vec![status(500, "", r#"{"error":{"message":"boom"}}"#)],
        vec![status(
            429,
            "retry-after: 7\r\n",
            r#"{"error":{"message":"slow down"}}"#,
        )],
        vec![status(
            400,
            "",
            r#"{"error":{"message":"context length exceeded"}}"#,
        )],
    ])
    .await;
    let model = backend(&server.base_url);
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::Server { status: 500, message } if message == "boom"),
        "{err}"
    );
    let err = model.complete(fake::request()).await.unwrap_err();
    assert_eq!(
        err.class(),
        ErrorClass::RateLimited(Some(Duration::from_secs(7))),
        "{err}"
    );
    let err = model.complete(fake::request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Rejected, "{err}");
    assert!(err.to_string().contains("context length exceeded"));
}

#[tokio::test]
async fn malformed_json_is_a_broken_stream() {
    let server = serve(vec![vec![
        ok_headers("text/event-stream"),
        delta("ok"),
        write("data: {not json\n\n"),
    ]])
    .await;
    let err = backend(&server.base_url)
        .complete(fake::request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ModelError::Stream(m) if m.contains("malformed")),
        "{err}"
    );
}

#[tokio::test]
async fn a_slow_first_token_times_out() {
    let server = serve(vec![vec![
        ok_headers("text/event-stream"),
        Step::Sleep(Duration::from_secs(3)),
        delta("late"),
    ]])
    .await;
    let err = backend(&server.base_url)
        .complete(fake::request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ModelError::Timeout(m) if m.contains("no token")),
        "{err}"
    );
}

#[tokio::test]
async fn a_huge_reply_is_cut_at_the_limit() {
    let mut steps = vec![ok_headers("text/event-stream")];
    steps.extend((0..200).map(|_| delta("0123456789")));
    steps.push(write("data: [DONE]\n\n"));
    let server = serve(vec![steps]).await;
    let err = backend(&server.base_url)
        .complete(fake::request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ModelError::Unusable(m) if m.contains("exceeds 1000 bytes")),
        "{err}"
    );
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error_and_probe_says_so() {
    let model = backend(&fake::closed_port().await);
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(matches!(err, ModelError::Connect(_)), "{err}");
    assert!(matches!(
        model.probe().await,
        nightshift_model::Availability::Unavailable(_)
    ));
}

#[tokio::test]
async fn lists_models() {
    let server = serve(vec![vec![status(
        200,
        "",
        r#"{"object":"list","data":[{"id":"qwen","object":"model"}]}"#,
    )]])
    .await;
    assert_eq!(
        backend(&server.base_url).models().await.unwrap(),
        vec!["qwen"]
    );
}
