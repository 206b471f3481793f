//! Anthropic's Messages API: `POST /v1/messages` with `stream: true` (server-sent events),
//! `GET /v1/models`.

use std::time::Instant;

use async_trait::async_trait;
use nightshift_model::{ChatModel, ChatRequest, EventStream, ModelError, Result, Role};
use serde::Deserialize;

use crate::transport::{self, HttpSettings, Parsed};

/// API version sent in `anthropic-version`.
const API_VERSION: &str = "2023-06-01";

/// An Anthropic backend.
#[derive(Debug, Clone)]
pub struct Anthropic {
    settings: HttpSettings,
    client: reqwest::Client,
}

impl Anthropic {
    /// A backend at `settings.base_url` (`https://api.anthropic.com`); the key is required.
    pub fn new(settings: HttpSettings) -> Result<Self> {
        if settings.api_key.is_none() {
            return Err(ModelError::Unavailable("no Anthropic API key".to_owned()));
        }
        let client = settings.client()?;
        Ok(Self { settings, client })
    }

    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        builder
            .header(
                "x-api-key",
                self.settings.api_key.as_deref().unwrap_or_default(),
            )
            .header("anthropic-version", API_VERSION)
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    MessageStart {
        message: StartMessage,
    },
    ContentBlockDelta {
        delta: BlockDelta,
    },
    MessageDelta {
        usage: Option<OutputUsage>,
    },
    MessageStop,
    Error {
        error: ApiError,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct StartMessage {
    usage: Option<InputUsage>,
}

#[derive(Deserialize)]
struct InputUsage {
    input_tokens: u64,
}

#[derive(Deserialize)]
struct OutputUsage {
    output_tokens: u64,
}

#[derive(Deserialize)]
struct BlockDelta {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

fn parse_event(event: eventsource_stream::Event) -> Result<Parsed> {
    let data = event.data;
    let parsed: Event = serde_json::from_str(&data)
        .map_err(|err| ModelError::Stream(format!("malformed event {data:.80?}: {err}")))?;
    Ok(match parsed {
        Event::MessageStart { message } => Parsed::Usage {
            prompt: message.usage.map(|u| u.input_tokens),
            completion: None,
        },
        Event::ContentBlockDelta { delta } => delta.text.map_or(Parsed::Skip, Parsed::Delta),
        Event::MessageDelta { usage } => Parsed::Usage {
            prompt: None,
            completion: usage.map(|u| u.output_tokens),
        },
        Event::MessageStop => Parsed::Done { usage: None },
        // Errors inside a 200 stream: overload is transient, anything else breaks the reply.
        Event::Error { error } => {
            return Err(match error.kind.as_str() {
                "overloaded_error" | "api_error" => ModelError::Server {
                    status: 529,
                    message: error.message,
                },
                "rate_limit_error" => ModelError::RateLimited {
                    retry_after: None,
                    message: error.message,
                },
                _ => ModelError::Stream(format!("{}: {}", error.kind, error.message)),
            });
        }
        Event::Other => Parsed::Skip,
    })
}

#[async_trait]
impl ChatModel for Anthropic {
    fn backend(&self) -> &'static str {
        "anthropic"
    }

    fn model(&self) -> String {
        self.settings.model.clone()
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream> {
        let started = Instant::now();
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        let messages = transport::chat_messages(&request.messages, false);
        let body = serde_json::json!({
            "model": self.settings.model,
            "system": system.join("\n\n"),
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": true,
        });
        let url = format!("{}/v1/messages", self.settings.base_url);
        let response = transport::send(
            self.request(self.client.post(url).json(&body)),
            self.settings.first_token_timeout,
        )
        .await?;
        let events = transport::sse(response);
        Ok(transport::pump(
            events,
            &self.settings,
            started,
            parse_event,
        ))
    }

    async fn models(&self) -> Result<Vec<String>> {
        let url = format!("{}/v1/models", self.settings.base_url);
        transport::list_model_ids(
            self.request(self.client.get(url)),
            self.settings.connect_timeout,
        )
        .await
    }
}
