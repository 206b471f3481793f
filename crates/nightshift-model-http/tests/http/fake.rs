//! A scripted HTTP server on a random local port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nightshift_model::{ChatRequest, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One step of a reply.
#[derive(Clone)]
pub enum Step {
    /// Write these bytes.
    Write(Vec<u8>),
    /// Wait.
    Sleep(Duration),
}

pub fn write(text: impl Into<String>) -> Step {
    Step::Write(text.into().into_bytes())
}

/// Headers of a 200 reply whose body ends when the connection closes.
pub fn ok_headers(content_type: &str) -> Step {
    write(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\nconnection: close\r\n\r\n"
    ))
}

/// A whole non-streaming reply.
pub fn status(code: u16, extra_headers: &str, body: &str) -> Step {
    write(format!(
        "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    ))
}

pub struct Fake {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

/// Serves `replies` in order, one per connection; the connection closes after each.
pub async fn serve(replies: Vec<Vec<Step>>) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        for steps in replies {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            // Each connection on its own task: a slow script must not hold up the next one.
            tokio::spawn(play(socket, steps, Arc::clone(&seen)));
        }
    });
    Fake { base_url, requests }
}

async fn play(mut socket: tokio::net::TcpStream, steps: Vec<Step>, seen: Arc<Mutex<Vec<String>>>) {
    let request = read_request(&mut socket).await;
    seen.lock().unwrap().push(request);
    for step in steps {
        match step {
            Step::Write(bytes) => {
                if socket.write_all(&bytes).await.is_err() {
                    break;
                }
                let _ = socket.flush().await;
            }
            Step::Sleep(duration) => tokio::time::sleep(duration).await,
        }
    }
    let _ = socket.shutdown().await;
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

pub fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![Message::system("be brief"), Message::user("say hi")],
        max_tokens: 64,
        temperature: 0.0,
        seed: 1,
        grammar: None,
        n: 1,
    }
}

/// An address where nothing listens.
pub async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}
