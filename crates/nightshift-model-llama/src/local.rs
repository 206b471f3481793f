//! [`LocalModel`]: a GGUF model run in-process by llama.cpp.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use async_trait::async_trait;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use nightshift_model::{
    Availability, ChatModel, ChatRequest, EventStream, ModelError, Result, StreamEvent, Usage,
};
use tokio::sync::{OnceCell, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::gguf;

/// Tokens decoded per `llama_decode` call while reading the prompt.
const PROMPT_BATCH_TOKENS: usize = 512;
/// A request's context is sized to its prompt plus reply, rounded up to this.
const CONTEXT_ROUNDING_TOKENS: u32 = 256;
/// Deltas buffered between the generation thread and the consumer.
const CHANNEL_CAPACITY: usize = 64;

/// llama.cpp's backend is process-global: it may be initialised once per process.
static BACKEND: OnceLock<std::result::Result<LlamaBackend, String>> = OnceLock::new();

fn backend() -> Result<&'static LlamaBackend> {
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|err| err.to_string())
        })
        .as_ref()
        .map_err(|err| ModelError::Unavailable(format!("llama.cpp backend: {err}")))
}

/// How to run the model.
#[derive(Debug, Clone)]
pub struct LocalModelOptions {
    /// The GGUF file.
    pub path: PathBuf,
    /// Context window per request, in tokens.
    pub context_tokens: u32,
    /// CPU threads; 0 picks the number of cores.
    pub threads: u32,
}

/// A GGUF model run in-process. The weights load on first use and are shared by every request;
/// each request gets its own context, so several workers generate at once.
pub struct LocalModel {
    options: LocalModelOptions,
    name: String,
    weights: OnceCell<Arc<LlamaModel>>,
}

impl std::fmt::Debug for LocalModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModel")
            .field("options", &self.options)
            .field("loaded", &self.weights.initialized())
            .finish()
    }
}

impl LocalModel {
    /// Validates the model file (without loading it) and prepares the backend. A missing or
    /// corrupt file, or one without a chat template, is an error here.
    pub fn new(options: LocalModelOptions) -> std::result::Result<Self, gguf::GgufError> {
        let info = gguf::validate(&options.path)?;
        let name = info.name.unwrap_or_else(|| {
            options
                .path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Self {
            options,
            name,
            weights: OnceCell::new(),
        })
    }

    fn threads(&self) -> i32 {
        let threads = match self.options.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => usize::try_from(n).unwrap_or(1),
        };
        i32::try_from(threads).unwrap_or(1)
    }

    async fn weights(&self) -> Result<Arc<LlamaModel>> {
        self.weights
            .get_or_try_init(|| async {
                let path = self.options.path.clone();
                tokio::task::spawn_blocking(move || {
                    let started = Instant::now();
                    let model =
                        LlamaModel::load_from_file(backend()?, &path, &LlamaModelParams::default())
                            .map_err(|err| {
                                ModelError::Unavailable(format!(
                                    "loading {}: {err}",
                                    path.display()
                                ))
                            })?;
                    // Fail here, once, rather than on every request.
                    model.chat_template(None).map_err(|err| {
                        ModelError::Unavailable(format!("{}: {err}", path.display()))
                    })?;
                    tracing::info!(path = %path.display(), elapsed_ms = started.elapsed().as_millis(), "model loaded");
                    Ok(Arc::new(model))
                })
                .await
                .map_err(|err| ModelError::Generation(format!("model loader panicked: {err}")))?
            })
            .await
            .cloned()
    }
}

#[async_trait]
impl ChatModel for LocalModel {
    fn backend(&self) -> &'static str {
        "gguf"
    }

    fn model(&self) -> String {
        self.name.clone()
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream> {
        let model = self.weights().await?;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let context_tokens = self.options.context_tokens;
        let threads = self.threads();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let result = generate(&model, &request, context_tokens, threads, &tx, started);
            if let Err(err) = result {
                // The receiver may be gone (cancelled); then nobody needs the error.
                drop(tx.blocking_send(Err(err)));
            }
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }

    async fn probe(&self) -> Availability {
        match gguf::validate(&self.options.path) {
            Ok(_) => Availability::Available,
            Err(err) => Availability::Unavailable(err.to_string()),
        }
    }
}

/// Runs one request to the end on the calling (blocking) thread. Returns early, without error,
/// when the receiver is dropped: that is how cancellation reaches the loop.
fn generate(
    model: &LlamaModel,
    request: &ChatRequest,
    context_tokens: u32,
    threads: i32,
    tx: &mpsc::Sender<Result<StreamEvent>>,
    started: Instant,
) -> Result<()> {
    let failed =
        |what: &str, err: &dyn std::fmt::Display| ModelError::Generation(format!("{what}: {err}"));
    let template = model
        .chat_template(None)
        .map_err(|err| ModelError::Unavailable(format!("no chat template: {err}")))?;
    let messages = request
        .messages
        .iter()
        .map(|m| LlamaChatMessage::new(m.role.as_str().to_owned(), m.content.clone()))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|err| ModelError::rejected(format!("message: {err}")))?;
    let prompt = model
        .apply_chat_template(&template, &messages, true)
        .map_err(|err| failed("chat template", &err))?;
    let vocab = model.vocab();
    let tokens = vocab.tokenize(prompt.as_bytes(), false, true);
    let prompt_tokens = tokens.len();
    let max_total = usize::try_from(context_tokens).unwrap_or(usize::MAX);
    if prompt_tokens + 16 >= max_total {
        return Err(ModelError::rejected(format!(
            "prompt of {prompt_tokens} tokens does not fit the context window of {context_tokens}"
        )));
    }
    let budget = usize::try_from(request.max_tokens)
        .unwrap_or(usize::MAX)
        .min(max_total - prompt_tokens);

    // The context holds just this request: the KV cache, and attention over it, cost in
    // proportion to its size (an 8k context generates ~20% slower than a 1k one here).
    let needed = u32::try_from(prompt_tokens + budget).unwrap_or(context_tokens);
    let n_ctx = needed.div_ceil(CONTEXT_ROUNDING_TOKENS) * CONTEXT_ROUNDING_TOKENS;
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(n_ctx.min(context_tokens)))
        .with_n_batch(u32::try_from(PROMPT_BATCH_TOKENS).unwrap_or(512))
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let mut ctx = model
        .new_context(backend()?, params)
        .map_err(|err| failed("context", &err))?;

    let mut batch = LlamaBatch::new(PROMPT_BATCH_TOKENS, 1);
    let mut position: i32 = 0;
    for chunk in tokens.chunks(PROMPT_BATCH_TOKENS) {
        if tx.is_closed() {
            return Ok(());
        }
        batch.clear();
        for token in chunk {
            let last = usize::try_from(position).is_ok_and(|p| p + 1 == prompt_tokens);
            batch
                .add(*token, position, &[0], last)
                .map_err(|err| failed("batch", &err))?;
            position += 1;
        }
        ctx.decode(&mut batch)
            .map_err(|err| failed("decode", &err))?;
    }

    let mut samplers = Vec::new();
    if let Some(grammar) = &request.grammar {
        // First in the chain: every later sampler only sees tokens the grammar allows.
        samplers.push(
            LlamaSampler::grammar(model, grammar, "root")
                .map_err(|err| ModelError::rejected(format!("grammar: {err}")))?,
        );
    }
    if request.temperature <= 0.0 {
        samplers.push(LlamaSampler::greedy());
    } else {
        samplers.extend([
            LlamaSampler::top_k(40),
            LlamaSampler::top_p(0.95, 1),
            LlamaSampler::temp(request.temperature),
            LlamaSampler::dist(request.seed),
        ]);
    }
    let mut sampler = LlamaSampler::chain_simple(samplers);

    let mut first_token = None;
    let mut completion_tokens = 0u64;
    let mut pending = Vec::new();
    for _ in 0..budget {
        // `sample` also accepts the token into every sampler of the chain (the grammar's state
        // advances there); accepting again would corrupt it.
        let token = sampler.sample(&ctx, batch.n_tokens() - 1);
        if vocab.is_eog(token) {
            break;
        }
        completion_tokens += 1;
        first_token.get_or_insert_with(|| started.elapsed());
        pending.extend(vocab.token_to_piece(token, false, None));
        // Emit the longest valid UTF-8 prefix; a multi-byte character may span tokens.
        let valid = match std::str::from_utf8(&pending) {
            Ok(text) => text.len(),
            Err(err) => err.valid_up_to(),
        };
        if valid > 0 {
            let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
            pending.drain(..valid);
            if tx.blocking_send(Ok(StreamEvent::Delta(text))).is_err() {
                return Ok(());
            }
        }
        batch.clear();
        batch
            .add(token, position, &[0], true)
            .map_err(|err| failed("batch", &err))?;
        position += 1;
        ctx.decode(&mut batch)
            .map_err(|err| failed("decode", &err))?;
    }
    if !pending.is_empty() {
        let text = String::from_utf8_lossy(&pending).into_owned();
        if tx.blocking_send(Ok(StreamEvent::Delta(text))).is_err() {
            return Ok(());
        }
    }
    let usage = Usage {
        prompt_tokens: prompt_tokens as u64,
        completion_tokens,
        first_token,
        total: started.elapsed(),
    };
    drop(tx.blocking_send(Ok(StreamEvent::Done(usage))));
    Ok(())
}
