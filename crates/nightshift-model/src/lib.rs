//! The language-model interface of nightshift.
//!
//! A backend implements one required method, [`ChatModel::stream`]: text deltas, then one
//! [`StreamEvent::Done`] carrying the [`Usage`]. [`ChatModel::complete`] collects a stream, so
//! every backend gets the non-streaming call for free. Backends live in their own crates
//! (`nightshift-model-llama` for in-process GGUF); callers hold an `Arc<dyn ChatModel>` because
//! the set of backends is open (configuration picks them at run time).
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod queue;
pub mod router;

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
    /// A GBNF grammar the reply must follow, for backends that can constrain decoding (the
    /// in-process one); others ignore it.
    pub grammar: Option<String>,
    /// Replies wanted by [`ChatModel::complete_all`] (0 counts as 1): reply 0 decoded as the
    /// request says, each other one as [`ChatRequest::candidate`] says. The single-reply calls
    /// ([`ChatModel::stream`], [`ChatModel::complete`]) ignore it.
    pub n: u32,
}

/// The temperature at least at which the replies after the first of a [`ChatRequest`] with
/// `n > 1` are sampled: low enough for a small model to stay on task, high enough that the
/// replies differ.
pub const SAMPLE_TEMPERATURE: f32 = 0.8;

impl ChatRequest {
    /// The single-reply request for reply `i` of `n`: reply 0 is the request itself (greedy at
    /// temperature 0), reply `i > 0` is sampled at [`SAMPLE_TEMPERATURE`] or the request's
    /// temperature if higher, with the seed [`derive_seed`]`(seed, i)`, so the replies are
    /// distinct, each can be reproduced alone, and no reply of one request is a reply of
    /// another with a different seed (with `seed + i`, reply 1 of seed 2 was reply 2 of seed 1:
    /// the same sample twice, counted as two).
    #[must_use]
    pub fn candidate(&self, i: u32) -> Self {
        let mut one = self.clone();
        one.n = 1;
        if i > 0 {
            one.temperature = self.temperature.max(SAMPLE_TEMPERATURE);
        }
        one.seed = reply_seed(self.seed, i);
        one
    }

    /// How many replies [`ChatModel::complete_all`] returns.
    pub fn replies(&self) -> u32 {
        self.n.max(1)
    }
}

/// A sampling seed for the stream of samples `part` of those under `seed`: a mix of both
/// (SplitMix64's finaliser), so that seeds derived from different pairs are unrelated, where
/// sums of small numbers (`seed + i`, `attempt * 1000 + round`) meet and draw the same sample
/// twice.
#[must_use]
pub fn derive_seed(seed: u32, part: u32) -> u32 {
    let mut x = (u64::from(seed) << 32 | u64::from(part)).wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x >> 32) as u32
}

/// The seed reply `i` of a request with `seed` samples at ([`ChatRequest::candidate`]).
#[must_use]
pub fn reply_seed(seed: u32, i: u32) -> u32 {
    if i == 0 { seed } else { derive_seed(seed, i) }
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

/// One call to one backend, as the router made it: what usage tracking records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendCall {
    /// Backend kind.
    pub backend: String,
    /// Model name.
    pub model: String,
    /// Tokens and times (zero when the call failed before any).
    pub usage: Usage,
    /// Wall time of the call.
    pub duration: Duration,
    /// `None` when it succeeded.
    pub error: Option<String>,
    /// `ok`, or the error class: `transient`, `unavailable`, `rate_limited`, `rejected`.
    pub outcome: &'static str,
    /// The backends given up on before this one, for this request (`ollama, openai`).
    pub fallback_from: Option<String>,
}

impl BackendCall {
    /// The record of one call of `model` that took `duration` and ended in `result`.
    pub fn of<T: Replies>(
        model: &dyn ChatModel,
        result: &Result<T>,
        duration: Duration,
        fallback_from: Option<String>,
    ) -> Self {
        Self::record(
            model.backend(),
            model.model(),
            result,
            duration,
            fallback_from,
        )
    }

    /// The record of one call of `model` of kind `backend`.
    pub fn record<T: Replies>(
        backend: &str,
        model: String,
        result: &Result<T>,
        duration: Duration,
        fallback_from: Option<String>,
    ) -> Self {
        Self {
            backend: backend.to_owned(),
            model,
            usage: result.as_ref().map(Replies::usage).unwrap_or_default(),
            duration,
            error: result.as_ref().err().map(ToString::to_string),
            outcome: result
                .as_ref()
                .err()
                .map_or("ok", |err| err.class().outcome()),
            fallback_from,
        }
    }
}

/// A completion (or, for [`ChatModel::complete_all_traced`], every completion) with every
/// backend call it took.
#[derive(Debug)]
pub struct Traced<T = Completion> {
    /// The reply, or the error that ended the request.
    pub result: Result<T>,
    /// Every backend call, in order.
    pub calls: Vec<BackendCall>,
}

impl<T: Replies> Traced<T> {
    /// `result` of one call to `backend`/`model` begun at `started`.
    pub fn one_call(backend: &str, model: String, result: Result<T>, started: Instant) -> Self {
        let call = BackendCall::record(backend, model, &result, started.elapsed(), None);
        Self {
            result,
            calls: vec![call],
        }
    }
}

/// What a backend call returned, as usage tracking sees it.
pub trait Replies: Send {
    /// Tokens and times of the whole call (for several replies: tokens summed, times of the
    /// slowest).
    fn usage(&self) -> Usage;
}

impl Replies for Completion {
    fn usage(&self) -> Usage {
        self.usage
    }
}

impl Replies for Vec<Completion> {
    fn usage(&self) -> Usage {
        self.iter().fold(Usage::default(), |sum, c| Usage {
            prompt_tokens: sum.prompt_tokens + c.usage.prompt_tokens,
            completion_tokens: sum.completion_tokens + c.usage.completion_tokens,
            first_token: match (sum.first_token, c.usage.first_token) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            total: sum.total.max(c.usage.total),
        })
    }
}

impl ErrorClass {
    /// The `model_stats` outcome of this class.
    pub fn outcome(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::Unavailable => "unavailable",
            Self::RateLimited(_) => "rate_limited",
            Self::Rejected => "rejected",
            Self::Unusable => "unusable",
        }
    }
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
    /// The backend cannot be used at all (missing or corrupt model file, no chat template, no
    /// API key).
    #[error("model backend unavailable: {0}")]
    Unavailable(String),
    /// No connection (refused, reset, DNS) before a response.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// No response, or no token, within the time limit.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server failed (5xx).
    #[error("server error {status}: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// What it said.
        message: String,
    },
    /// The reply stream broke off, was malformed, or ended without its final event.
    #[error("broken reply stream: {0}")]
    Stream(String),
    /// Too many requests (429): try again after `retry_after`.
    #[error("rate limited{}: {message}", retry_after.map(|d| format!(" for {} s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The server's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
        /// What it said.
        message: String,
    },
    /// The request cannot be served as asked (4xx other than 429, a prompt longer than the
    /// context window): another try or another backend would fare no better.
    #[error("request rejected{}: {message}", status.map(|s| format!(" ({s})")).unwrap_or_default())]
    Request {
        /// HTTP status, for HTTP backends.
        status: Option<u16>,
        /// Why.
        message: String,
    },
    /// In-process inference failed.
    #[error("generation failed: {0}")]
    Generation(String),
    /// The backend answered, but with a reply that cannot be used (longer than the reply
    /// limit): a fault of this reply, not of the backend's health.
    #[error("unusable reply: {0}")]
    Unusable(String),
}

/// What to do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Retry with backoff, then move to the next backend.
    Transient,
    /// This backend cannot serve: move to the next one at once.
    Unavailable,
    /// Wait until the time given (or a default), or move to a backend that is free.
    RateLimited(Option<Duration>),
    /// The request itself is wrong: fail the attempt with the reason, no switch.
    Rejected,
    /// The backend works, but this reply cannot be used: its circuit counts a success (one
    /// reply must not shut a backend out for every other task), the request fails without a
    /// switch, and a later attempt may sample a usable one.
    Unusable,
}

impl ModelError {
    /// Classifies the error. Exhaustive on purpose: a new variant must decide.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Connect(_)
            | Self::Timeout(_)
            | Self::Server { .. }
            | Self::Stream(_)
            | Self::Generation(_) => ErrorClass::Transient,
            Self::Unavailable(_) => ErrorClass::Unavailable,
            Self::RateLimited { retry_after, .. } => ErrorClass::RateLimited(*retry_after),
            Self::Request { .. } => ErrorClass::Rejected,
            Self::Unusable(_) => ErrorClass::Unusable,
        }
    }

    /// A rejected request, without an HTTP status.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::Request {
            status: None,
            message: message.into(),
        }
    }
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

    /// Backends whose circuit is open now (skipped after failing in a row), by
    /// `backend/model`; a single backend has none.
    fn open_circuits(&self) -> Vec<String> {
        Vec::new()
    }

    /// Whether the backend can serve now (cheap; does not load a model). By default: whether it
    /// can list its models.
    async fn probe(&self) -> Availability {
        match self.models().await {
            Ok(_) => Availability::Available,
            Err(err) => Availability::Unavailable(err.to_string()),
        }
    }

    /// Models the backend offers.
    async fn models(&self) -> Result<Vec<String>> {
        Ok(vec![self.model()])
    }

    /// The whole reply, with the backend calls it took (one, for a plain backend).
    async fn complete_traced(&self, request: ChatRequest) -> Traced {
        let started = Instant::now();
        let result = self.complete(request).await;
        Traced::one_call(self.backend(), self.model(), result, started)
    }

    /// `request.n` whole replies to one prompt (see [`ChatRequest::candidate`]), in order. By
    /// default the single-reply requests run at once, so a backend serving several requests
    /// together (a server with parallel slots) decodes them in one batch; backends that can
    /// share the prompt's work do better (the in-process engine reads the prompt once). Fails
    /// if any reply fails: candidates are compared with each other, a missing one would bias
    /// the choice.
    async fn complete_all(&self, request: ChatRequest) -> Result<Vec<Completion>> {
        let requests = (0..request.replies()).map(|i| self.complete(request.candidate(i)));
        futures::future::try_join_all(requests).await
    }

    /// [`ChatModel::complete_all`] with the backend calls it took.
    async fn complete_all_traced(&self, request: ChatRequest) -> Traced<Vec<Completion>> {
        let started = Instant::now();
        let result = self.complete_all(request).await;
        Traced::one_call(self.backend(), self.model(), result, started)
    }

    /// The whole reply.
    async fn complete(&self, request: ChatRequest) -> Result<Completion> {
        let started = Instant::now();
        collect(self.stream(request).await?, started).await
    }
}

/// The whole reply of a stream opened at `started`.
pub async fn collect(mut stream: EventStream, started: Instant) -> Result<Completion> {
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
    Err(ModelError::Stream(
        "the stream ended without its final usage event".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_requests_of_different_seeds_share_a_sampled_reply() {
        let request = |seed| ChatRequest {
            messages: vec![Message::user("task")],
            max_tokens: 16,
            temperature: 0.7,
            seed,
            grammar: None,
            n: 8,
        };
        let mut seen = std::collections::HashSet::new();
        for seed in 0..200 {
            let asked = request(seed);
            for i in 0..asked.replies() {
                let one = asked.candidate(i);
                assert!(one.temperature > 0.0);
                assert!(
                    seen.insert(one.seed),
                    "reply {i} of seed {seed} samples at a seed another reply has"
                );
            }
        }
        assert_eq!(
            request(5).candidate(3),
            request(5).candidate(3),
            "reproducible"
        );
    }
}
