//! Sending requests and turning reply bodies into event streams, with limits.

use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use nightshift_model::{EventStream, ModelError, Result, StreamEvent, Usage};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// Connection settings of an HTTP backend. Every timeout has a default and a hard cap.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Base URL, without a trailing slash (`http://localhost:11434`, `https://api.openai.com`).
    pub base_url: String,
    /// Bearer key, if the server wants one.
    pub api_key: Option<String>,
    /// Model name to ask for.
    pub model: String,
    /// Time to establish the connection.
    pub connect_timeout: Duration,
    /// Time from sending to the first token (covers prompt processing).
    pub first_token_timeout: Duration,
    /// Longest silence between two chunks once tokens flow.
    pub idle_timeout: Duration,
    /// Largest reply accepted, in bytes of body.
    pub max_reply_bytes: usize,
}

/// Caps on the settings: a misconfiguration must not hang a worker for hours.
const MAX_TIMEOUT: Duration = Duration::from_secs(1800);
/// Deltas buffered between the pump and the consumer.
const CHANNEL_CAPACITY: usize = 64;

impl HttpSettings {
    /// Settings with the defaults for `base_url` and `model`.
    pub fn new(base_url: &str, model: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: None,
            model: model.to_owned(),
            connect_timeout: Duration::from_secs(10),
            first_token_timeout: Duration::from_secs(300),
            idle_timeout: Duration::from_secs(60),
            max_reply_bytes: 4 << 20,
        }
    }

    pub(crate) fn client(&self) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout.min(MAX_TIMEOUT))
            .build()
            .map_err(|err| ModelError::Unavailable(format!("http client: {err}")))
    }
}

/// The messages of a request as the chat APIs spell them, `system` ones included or not.
pub(crate) fn chat_messages(
    messages: &[nightshift_model::Message],
    with_system: bool,
) -> Vec<serde_json::Value> {
    messages
        .iter()
        .filter(|m| with_system || m.role != nightshift_model::Role::System)
        .map(|m| serde_json::json!({ "role": m.role.as_str(), "content": m.content }))
        .collect()
}

/// Sends a model-list request answered as `{"data": [{"id": …}]}` (OpenAI, Anthropic).
pub(crate) async fn list_model_ids(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Models {
        data: Vec<Model>,
    }
    #[derive(serde::Deserialize)]
    struct Model {
        id: String,
    }
    let models: Models = send(request, timeout)
        .await?
        .json()
        .await
        .map_err(|err| ModelError::Stream(format!("model list: {err}")))?;
    Ok(models.data.into_iter().map(|m| m.id).collect())
}

/// Server-sent events of a reply body.
pub(crate) fn sse(
    response: reqwest::Response,
) -> impl Stream<Item = Result<eventsource_stream::Event>> + Send {
    use eventsource_stream::Eventsource;
    response
        .bytes_stream()
        .eventsource()
        .map(|event| event.map_err(|err| ModelError::Stream(err.to_string())))
}

/// Maps a transport error of reqwest.
pub(crate) fn transport_error(err: &reqwest::Error) -> ModelError {
    if err.is_timeout() {
        ModelError::Timeout(err.to_string())
    } else if err.is_connect() {
        ModelError::Connect(err.to_string())
    } else if err.is_decode() || err.is_body() {
        ModelError::Stream(err.to_string())
    } else {
        ModelError::Connect(err.to_string())
    }
}

/// Sends a request and checks its status; a non-2xx status becomes the matching error.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    first_token_timeout: Duration,
) -> Result<reqwest::Response> {
    let response = tokio::time::timeout(first_token_timeout.min(MAX_TIMEOUT), request.send())
        .await
        .map_err(|_| ModelError::Timeout("no response headers in time".to_owned()))?
        .map_err(|err| transport_error(&err))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    let message = error_message(&body);
    Err(match status.as_u16() {
        429 => ModelError::RateLimited {
            retry_after,
            message,
        },
        code @ 500..=599 => ModelError::Server {
            status: code,
            message,
        },
        code => ModelError::Request {
            status: Some(code),
            message,
        },
    })
}

/// The `error.message` of a JSON error body, else the body's start.
fn error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        v["error"]["message"]
            .as_str()
            .or_else(|| v["error"].as_str())
            .map(str::to_owned)
    });
    from_json.unwrap_or_else(|| body.chars().take(300).collect())
}

/// What a backend's parser makes of one unit of the body (an SSE event, an NDJSON line).
pub(crate) enum Parsed {
    /// Text.
    Delta(String),
    /// Token counts, when the server reports them; a unit may carry one of the two.
    Usage {
        prompt: Option<u64>,
        completion: Option<u64>,
    },
    /// The end of the reply, with token counts if this unit carries them.
    Done { usage: Option<(u64, u64)> },
    /// Nothing of interest (keep-alives, role headers).
    Skip,
}

/// Runs `units` (already split by the wire format) through `parse` on a task, enforcing the
/// limits, and returns the caller's stream. Counts completion tokens as deltas when the server
/// gives no usage.
pub(crate) fn pump<U, S>(
    units: S,
    settings: &HttpSettings,
    started: Instant,
    parse: fn(U) -> Result<Parsed>,
) -> EventStream
where
    S: Stream<Item = Result<U>> + Send + 'static,
    U: Send + 'static,
{
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    let first_token_timeout = settings.first_token_timeout.min(MAX_TIMEOUT);
    let idle_timeout = settings.idle_timeout.min(MAX_TIMEOUT);
    let max_bytes = settings.max_reply_bytes;
    tokio::spawn(async move {
        let result = run_pump(
            units,
            &tx,
            started,
            first_token_timeout,
            idle_timeout,
            max_bytes,
            parse,
        )
        .await;
        if let Err(err) = result {
            // The receiver may be gone (cancelled); then nobody needs the error.
            let _ = tx.send(Err(err)).await;
        }
    });
    Box::pin(ReceiverStream::new(rx))
}

async fn run_pump<U, S>(
    units: S,
    tx: &mpsc::Sender<Result<StreamEvent>>,
    started: Instant,
    first_token_timeout: Duration,
    idle_timeout: Duration,
    max_bytes: usize,
    parse: fn(U) -> Result<Parsed>,
) -> Result<()>
where
    S: Stream<Item = Result<U>> + Send,
{
    let mut units = std::pin::pin!(units);
    let mut first_token = None;
    let mut deltas = 0u64;
    let mut prompt_tokens = None;
    let mut completion_tokens = None;
    let mut bytes = 0usize;
    loop {
        let limit = if first_token.is_none() {
            first_token_timeout
        } else {
            idle_timeout
        };
        let next = tokio::time::timeout(limit, units.next())
            .await
            .map_err(|_| {
                ModelError::Timeout(if first_token.is_none() {
                    format!("no token within {} s", limit.as_secs())
                } else {
                    format!("no data for {} s mid-reply", limit.as_secs())
                })
            })?;
        let Some(unit) = next else {
            return Err(ModelError::Stream(
                "the connection closed before the reply ended".to_owned(),
            ));
        };
        match parse(unit?)? {
            Parsed::Delta(text) => {
                if text.is_empty() {
                    continue;
                }
                bytes += text.len();
                if bytes > max_bytes {
                    return Err(ModelError::Unusable(format!(
                        "reply exceeds {max_bytes} bytes"
                    )));
                }
                first_token.get_or_insert_with(|| started.elapsed());
                deltas += 1;
                if tx.send(Ok(StreamEvent::Delta(text))).await.is_err() {
                    return Ok(()); // cancelled
                }
            }
            Parsed::Usage { prompt, completion } => {
                prompt_tokens = prompt.or(prompt_tokens);
                completion_tokens = completion.or(completion_tokens);
            }
            Parsed::Done { usage: last } => {
                if let Some((prompt, completion)) = last {
                    prompt_tokens = Some(prompt);
                    completion_tokens = Some(completion);
                }
                let usage = Usage {
                    prompt_tokens: prompt_tokens.unwrap_or(0),
                    completion_tokens: completion_tokens.unwrap_or(deltas),
                    first_token,
                    total: started.elapsed(),
                };
                let _ = tx.send(Ok(StreamEvent::Done(usage))).await;
                return Ok(());
            }
            Parsed::Skip => {}
        }
    }
}

/// Splits a body into lines (NDJSON).
pub(crate) fn lines(response: reqwest::Response) -> impl Stream<Item = Result<String>> + Send {
    let mut buffer = Vec::new();
    response
        .bytes_stream()
        .map(move |chunk| -> Result<Vec<String>> {
            let chunk = chunk.map_err(|err| ModelError::Stream(err.to_string()))?;
            buffer.extend_from_slice(&chunk);
            let mut out = Vec::new();
            while let Some(pos) = buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buffer.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&line).trim().to_owned();
                if !line.is_empty() {
                    out.push(line);
                }
            }
            Ok(out)
        })
        .flat_map(|batch| {
            futures::stream::iter(match batch {
                Ok(lines) => lines.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(err) => vec![Err(err)],
            })
        })
}
