//! HTTP model backends: any OpenAI-compatible server (`/v1/chat/completions` with SSE),
//! Ollama (`/api/chat` with NDJSON) and Anthropic's Messages API (`/v1/messages` with SSE).
//!
//! Both share [`transport`]: sending with a connect timeout, mapping HTTP failures onto
//! [`nightshift_model::ModelError`] (429 with `Retry-After` → `RateLimited`, 5xx → `Server`,
//! other 4xx → `Request`), and pumping the body through a parser on a task that enforces a
//! first-token timeout, an idle timeout and a reply size limit. Dropping the stream the caller
//! holds ends the pump and closes the connection.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod anthropic;
mod ollama;
mod openai;
mod transport;

pub use anthropic::Anthropic;
pub use ollama::Ollama;
pub use openai::OpenAiCompatible;
pub use transport::HttpSettings;
