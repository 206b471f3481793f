//! Ollama: `POST /api/chat` streaming NDJSON, `GET /api/tags`.

use std::time::Instant;

use async_trait::async_trait;
use nightshift_model::{Availability, ChatModel, ChatRequest, EventStream, ModelError, Result};
use serde::Deserialize;

use crate::transport::{self, HttpSettings, Parsed};

/// An Ollama backend.
#[derive(Debug, Clone)]
pub struct Ollama {
    settings: HttpSettings,
    client: reqwest::Client,
    context_tokens: u32,
}

impl Ollama {
    /// A backend at `settings.base_url` (`OLLAMA_BASE_URL`), with a context window of
    /// `context_tokens`.
    pub fn new(settings: HttpSettings, context_tokens: u32) -> Result<Self> {
        let client = settings.client()?;
        Ok(Self {
            settings,
            client,
            context_tokens,
        })
    }
}

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    message: Option<LineMessage>,
    #[serde(default)]
    done: bool,
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct LineMessage {
    #[serde(default)]
    content: String,
}

#[allow(clippy::needless_pass_by_value)] // the pump hands each unit over by value
fn parse_line(line: String) -> Result<Parsed> {
    let parsed: Line = serde_json::from_str(&line)
        .map_err(|err| ModelError::Stream(format!("malformed line {line:.80?}: {err}")))?;
    if let Some(error) = parsed.error {
        return Err(ModelError::Stream(format!("ollama: {error}")));
    }
    if parsed.done {
        // Ollama puts the counts on the final line.
        let usage = parsed.prompt_eval_count.zip(parsed.eval_count);
        return Ok(Parsed::Done { usage });
    }
    Ok(parsed
        .message
        .map_or(Parsed::Skip, |m| Parsed::Delta(m.content)))
}

#[async_trait]
impl ChatModel for Ollama {
    fn backend(&self) -> &'static str {
        "ollama"
    }

    fn model(&self) -> String {
        self.settings.model.clone()
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream> {
        let started = Instant::now();
        let messages = transport::chat_messages(&request.messages, true);
        let body = serde_json::json!({
            "model": self.settings.model,
            "messages": messages,
            "stream": true,
            "options": {
                "temperature": request.temperature,
                "num_predict": request.max_tokens,
                "num_ctx": self.context_tokens,
                "seed": request.seed,
            },
        });
        let url = format!("{}/api/chat", self.settings.base_url);
        let response = transport::send(
            self.client.post(url).json(&body),
            self.settings.first_token_timeout,
        )
        .await?;
        Ok(transport::pump(
            transport::lines(response),
            &self.settings,
            started,
            parse_line,
        ))
    }

    async fn probe(&self) -> Availability {
        match self.models().await {
            Ok(models) if models.contains(&self.settings.model) => Availability::Available,
            Ok(models) => Availability::Unavailable(format!(
                "model {} not pulled (have: {})",
                self.settings.model,
                models.join(", ")
            )),
            Err(err) => Availability::Unavailable(err.to_string()),
        }
    }

    async fn models(&self) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Tags {
            models: Vec<Tag>,
        }
        #[derive(Deserialize)]
        struct Tag {
            name: String,
        }
        let url = format!("{}/api/tags", self.settings.base_url);
        let response = transport::send(self.client.get(url), self.settings.connect_timeout).await?;
        let tags: Tags = response
            .json()
            .await
            .map_err(|err| ModelError::Stream(format!("model list: {err}")))?;
        Ok(tags.models.into_iter().map(|t| t.name).collect())
    }
}
