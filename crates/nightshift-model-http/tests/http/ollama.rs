use std::time::Duration;

use nightshift_model::{Availability, ChatModel, ErrorClass, ModelError};
use nightshift_model_http::{HttpSettings, Ollama};
use pretty_assertions::assert_eq;

use super::fake::{self, Step, ok_headers, serve, status, write};

fn line(text: &str) -> Step {
    write(
        format!(
            r#"{{"model":"qwen","message":{{"role":"assistant","content":"{text}"}},"done":false}}"#
        ) + "\n",
    )
}

fn backend(base_url: &str) -> Ollama {
    let mut settings = HttpSettings::new(base_url, "qwen:0.5b");
    settings.first_token_timeout = Duration::from_millis(500);
    settings.idle_timeout = Duration::from_millis(500);
    settings.max_reply_bytes = 1000;
    Ollama::new(settings, 4096).unwrap()
}

#[tokio::test]
async fn streams_lines_and_final_counts() {
    let server = serve(vec![vec![
        ok_headers("application/x-ndjson"),
        line("def "),
        // A line split across two TCP writes.
        write(r#"{"model":"qwen","message":{"role":"assistant","con"#),
        Step::Sleep(Duration::from_millis(30)),
        write("tent\":\"f(): pass\"},\"done\":false}\n"),
        write(
            r#"{"model":"qwen","done":true,"prompt_eval_count":21,"eval_count":4}"#.to_owned()
                + "\n",
        ),
    ]])
    .await;
    let completion = backend(&server.base_url)
        .complete(fake::request())
        .await
        .unwrap();
    assert_eq!(completion.text, "def f(): pass");
    assert_eq!(
        (
            completion.usage.prompt_tokens,
            completion.usage.completion_tokens
        ),
        (21, 4)
    );
    let request = server.requests.lock().unwrap()[0].clone();
    assert!(request.starts_with("POST /api/chat"), "{request}");
    assert!(request.contains(r#""num_ctx":4096"#), "{request}");
}

#[tokio::test]
async fn failures_at_the_wire() {
    let server = serve(vec![
        vec![ok_headers("application/x-ndjson"), line("cut")],
        vec![status(503, "", r#"{"error":"loading model"}"#)],
        vec![status(429, "retry-after: 2\r\n", "{}")],
        vec![
            ok_headers("application/x-ndjson"),
            write("<html>oops</html>\n"),
        ],
        vec![
            ok_headers("application/x-ndjson"),
            Step::Sleep(Duration::from_secs(3)),
        ],
        vec![status(
            404,
            "",
            r#"{"error":"model 'qwen:0.5b' not found"}"#,
        )],
    ])
    .await;
    let model = backend(&server.base_url);
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(matches!(err, ModelError::Stream(_)), "cut: {err}");
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::Server { status: 503, message } if message == "loading model"),
        "{err}"
    );
    let err = model.complete(fake::request()).await.unwrap_err();
    assert_eq!(
        err.class(),
        ErrorClass::RateLimited(Some(Duration::from_secs(2)))
    );
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::Stream(m) if m.contains("malformed")),
        "{err}"
    );
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(matches!(err, ModelError::Timeout(_)), "{err}");
    let err = model.complete(fake::request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Rejected, "{err}");
}

#[tokio::test]
async fn huge_reply_and_probe() {
    let mut steps = vec![ok_headers("application/x-ndjson")];
    steps.extend((0..200).map(|_| line("0123456789")));
    let server = serve(vec![
        steps,
        vec![status(
            200,
            "",
            r#"{"models":[{"name":"qwen:0.5b"},{"name":"llama3"}]}"#,
        )],
        vec![status(200, "", r#"{"models":[{"name":"llama3"}]}"#)],
    ])
    .await;
    let model = backend(&server.base_url);
    let err = model.complete(fake::request()).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::Unusable(m) if m.contains("exceeds")),
        "{err}"
    );
    assert_eq!(model.probe().await, Availability::Available);
    let Availability::Unavailable(why) = model.probe().await else {
        panic!("model not pulled")
    };
    assert!(why.contains("not pulled"), "{why}");
}
