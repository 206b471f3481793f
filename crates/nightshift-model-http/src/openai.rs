//! Any OpenAI-compatible chat API: OpenAI, vLLM, llama.cpp's `llama-server`, LM Studio,
//! GPT4All's local server. `POST /v1/chat/completions` with `stream: true` (server-sent
//! events), `GET /v1/models`.

use std::time::Instant;

use async_trait::async_trait;
use nightshift_model::{ChatModel, ChatRequest, EventStream, ModelError, Result};
use serde::Deserialize;

use crate::transport::{self, HttpSettings, Parsed};

/// An OpenAI-compatible backend.
#[derive(Debug, Clone)]
pub struct OpenAiCompatible {
    settings: HttpSettings,
    client: reqwest::Client,
}

impl OpenAiCompatible {
    /// A backend at `settings.base_url` (without `/v1`).
    pub fn new(settings: HttpSettings) -> Result<Self> {
        let client = settings.client()?;
        Ok(Self { settings, client })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.settings.base_url)
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.settings.api_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<ChunkUsage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct ChunkUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
}

fn parse_event(event: eventsource_stream::Event) -> Result<Parsed> {
    let data = event.data;
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(Parsed::Done { usage: None });
    }
    if data.is_empty() {
        return Ok(Parsed::Skip);
    }
    let chunk: Chunk = serde_json::from_str(data)
        .map_err(|err| ModelError::Stream(format!("malformed event {data:.80?}: {err}")))?;
    if let Some(usage) = chunk.usage {
        return Ok(Parsed::Usage {
            prompt: Some(usage.prompt_tokens),
            completion: Some(usage.completion_tokens),
        });
    }
    let text: String = chunk
        .choices
        .iter()
        .filter_map(|choice| choice.delta.content.as_deref())
        .collect();
    if !text.is_empty() {
        return Ok(Parsed::Delta(text));
    }
    // A `finish_reason` alone: the usage event (if asked for) and `[DONE]` follow.
    Ok(Parsed::Skip)
}

#[async_trait]
impl ChatModel for OpenAiCompatible {
    fn backend(&self) -> &'static str {
        "openai"
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
            "stream_options": { "include_usage": true },
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
        });
        let response = transport::send(
            self.authorized(self.client.post(self.url("chat/completions")).json(&body)),
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
        let request = self.authorized(self.client.get(self.url("models")));
        transport::list_model_ids(request, self.settings.connect_timeout).await
    }
}
