//! The language-model interface of nightshift.
//!
//! A backend implements one required method, [`ChatModel::stream`]: text deltas, then one
//! [`StreamEvent::Done`] carrying the [`Usage`]. [`ChatModel::complete`] collects a stream, so
//! every backend gets the non-streaming call for free. Backends live in their own crates
//! (`nightshift-model-llama` for in-process GGUF); callers hold an `Arc<dyn ChatModel>` because
//! the set of backends is open (configuration picks them at run time).
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::pin::Pin;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::{Stream, StreamExt};

/// Who speaks in a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Instructions.
    System,
    /// The request.
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The role's name in chat templates and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who says it.
    pub role: Role,
    /// What is said.
    pub content: String,
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }

    /// An assistant message (a worked example, or an earlier turn).
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// A chat request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// 0 means greedy (deterministic) decoding.
    pub temperature: f32,
    /// Seed of the sampler when `temperature > 0`.
    pub seed: u32,
}

/// What a call consumed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Tokens of the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Time from the call to the first generated token.
    pub first_token: Option<Duration>,
    /// Time of the whole call.
    pub total: Duration,
}

/// One event of a streamed reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// More text.
    Delta(String),
    /// The end, with usage.
    Done(Usage),
}

/// A streamed reply.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent>> + Send>>;

/// A whole reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text.
    pub text: String,
    /// What it cost.
    pub usage: Usage,
}

/// Whether a backend can serve now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Ready.
    Available,
    /// Not usable, and why.
    Unavailable(String),
}

/// What can go wrong with a model call.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The backend cannot be used at all (missing or corrupt model file, no chat template).
    #[error("model backend unavailable: {0}")]
    Unavailable(String),
    /// The request cannot be served as asked (prompt longer than the context window).
    #[error("request rejected: {0}")]
    Request(String),
    /// The backend failed while generating.
    #[error("generation failed: {0}")]
    Generation(String),
    /// The stream ended without its final usage event.
    #[error("the reply stream ended early")]
    Truncated,
}

/// Result alias of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// A chat model backend.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Backend kind, for stats (`gguf`, `ollama`, ...).
    fn backend(&self) -> &'static str;

    /// Model name, for stats and commit trailers.
    fn model(&self) -> String;

    /// Streams a reply. Dropping the stream cancels the generation.
    async fn stream(&self, request: ChatRequest) -> Result<EventStream>;

    /// Whether the backend can serve now (cheap; does not load a model).
    async fn probe(&self) -> Availability;

    /// The whole reply.
    async fn complete(&self, request: ChatRequest) -> Result<Completion> {
        let started = Instant::now();
        let mut stream = self.stream(request).await?;
        let mut text = String::new();
        while let Some(event) = stream.next().await {
            match event? {
                StreamEvent::Delta(delta) => text.push_str(&delta),
                StreamEvent::Done(mut usage) => {
                    if usage.total.is_zero() {
                        usage.total = started.elapsed();
                    }
                    return Ok(Completion { text, usage });
                }
            }
        }
        Err(ModelError::Truncated)
    }
}
