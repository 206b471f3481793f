//! The OpenAI-compatible backend against a real `llama-server` serving the real Qwen GGUF.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use nightshift_model::{ChatModel, ChatRequest, Message, StreamEvent};
use nightshift_model_http::{HttpSettings, OpenAiCompatible};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn llama_server() -> PathBuf {
    let path = std::env::var_os("NIGHTSHIFT_LLAMA_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/llama-tools/bin/llama-server"));
    assert!(
        path.exists(),
        "{} missing: run scripts/build-llama-tools (scripts/test does)",
        path.display()
    );
    path
}

fn model_path() -> PathBuf {
    std::env::var_os("NIGHTSHIFT_TEST_MODEL")
        .map(PathBuf::from)
        .or_else(nightshift_model_llama::fetch::default_model_path)
        .expect("HOME is set")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start() -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(std::env::temp_dir().join(format!("llama-server-{port}.log")))
        .unwrap();
    let child = Command::new(llama_server())
        .args([
            "-m",
            &model_path().display().to_string(),
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args(["-c", "4096", "-np", "1", "--threads", "2"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Server(child);
    let base_url = format!("http://127.0.0.1:{port}");
    // Ready when /health answers 200 (it says 503 while loading).
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(format!("{base_url}/health")).send().await
            && response.status().is_success()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "llama-server did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (server, base_url)
}

#[tokio::test]
async fn completes_and_streams_against_a_real_llama_server() {
    let (_server, base_url) = start().await;
    let model = OpenAiCompatible::new(HttpSettings::new(&base_url, "qwen2.5-coder-0.5b")).unwrap();
    assert_eq!(
        model.probe().await,
        nightshift_model::Availability::Available
    );
    assert!(!model.models().await.unwrap().is_empty());

    let request = ChatRequest {
        messages: vec![
            Message::system("You are a helpful coding assistant."),
            Message::user("Write a Python function that returns the square of a number."),
        ],
        max_tokens: 64,
        temperature: 0.0,
        seed: 1,
        grammar: None,
        n: 1,
    };
    let completion = model.complete(request.clone()).await.unwrap();
    assert!(completion.text.contains("def "), "{}", completion.text);
    assert!(
        completion.usage.prompt_tokens > 10,
        "{:?}",
        completion.usage
    );
    assert!(completion.usage.completion_tokens > 0 && completion.usage.completion_tokens <= 64);

    let mut stream = model.stream(request).await.unwrap();
    let mut deltas = 0;
    let mut done = false;
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            StreamEvent::Delta(_) => deltas += 1,
            StreamEvent::Done(_) => done = true,
        }
    }
    assert!(deltas > 5 && done, "{deltas} deltas, done {done}");
}
