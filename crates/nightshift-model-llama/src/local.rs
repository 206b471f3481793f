//! [`LocalModel`]: a GGUF model run in-process by llama.cpp.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use async_trait::async_trait;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use nightshift_model::{
    Availability, ChatModel, ChatRequest, Completion, EventStream, ModelError, Result, queue,
};
use tokio::sync::{OnceCell, mpsc};
use tokio_stream::wrappers::UnboundedReceiverStream;

use crate::engine::{self, Job};
use crate::gguf;

/// llama.cpp's backend is process-global: it may be initialised once per process.
static BACKEND: OnceLock<std::result::Result<LlamaBackend, String>> = OnceLock::new();

pub(crate) fn backend() -> Result<&'static LlamaBackend> {
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
    /// Requests decoded together (one KV stream each); more wait their turn.
    pub sequences: u32,
}

/// A GGUF model run in-process. The weights load on first use; one decode thread then serves
/// up to `sequences` requests at once, batched (see [`engine`](crate::engine)).
pub struct LocalModel {
    options: LocalModelOptions,
    name: String,
    jobs: OnceCell<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for LocalModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModel")
            .field("options", &self.options)
            .field("loaded", &self.jobs.initialized())
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
            jobs: OnceCell::new(),
        })
    }

    fn threads(&self) -> i32 {
        let threads = match self.options.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => usize::try_from(n).unwrap_or(1),
        };
        i32::try_from(threads).unwrap_or(1)
    }

    /// The decode thread, started (and the weights loaded) on first use.
    async fn engine(&self) -> Result<mpsc::Sender<Job>> {
        self.jobs
            .get_or_try_init(|| async {
                let path = self.options.path.clone();
                let model = tokio::task::spawn_blocking(move || load(&path))
                    .await
                    .map_err(|err| {
                        ModelError::Generation(format!("model loader panicked: {err}"))
                    })??;
                engine::spawn(
                    model,
                    engine::Shape {
                        context_tokens: self.options.context_tokens,
                        sequences: self.options.sequences,
                        threads: self.threads(),
                    },
                )
            })
            .await
            .cloned()
    }
}

fn load(path: &std::path::Path) -> Result<Arc<LlamaModel>> {
    let started = Instant::now();
    let model = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default())
        .map_err(|err| ModelError::Unavailable(format!("loading {}: {err}", path.display())))?;
    // Fail here, once, rather than on every request.
    model
        .chat_template(None)
        .map_err(|err| ModelError::Unavailable(format!("{}: {err}", path.display())))?;
    tracing::info!(path = %path.display(), elapsed_ms = started.elapsed().as_millis(), "model loaded");
    Ok(Arc::new(model))
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
        let started = Instant::now();
        let jobs = self.engine().await?;
        let (events, rx) = mpsc::unbounded_channel();
        let (begun, turn) = tokio::sync::oneshot::channel();
        jobs.send(engine::Job {
            request,
            events,
            started,
            forks: Vec::new(),
            begun: Some(begun),
            clock: queue::current(),
        })
        .await
        .map_err(|_| ModelError::Unavailable("the decode thread has stopped".into()))?;
        // A closed channel: the job ended before it began (an error is on `rx`).
        drop(queue::waiting(turn).await);
        Ok(Box::pin(UnboundedReceiverStream::new(rx)))
    }

    /// The prompt is read once per `sequences` replies: the first reply's sequence reads it,
    /// the others copy its KV cells and decode in the same batch (see [`engine::Fork`]).
    async fn complete_all(&self, request: ChatRequest) -> Result<Vec<Completion>> {
        let started = Instant::now();
        let jobs = self.engine().await?;
        let n = request.replies();
        let together = self.options.sequences.max(1);
        let mut replies = Vec::new();
        let mut turns = Vec::new();
        for first in (0..n).step_by(together as usize) {
            let (begun, turn) = tokio::sync::oneshot::channel();
            turns.push(turn);
            let (events, rx) = mpsc::unbounded_channel();
            replies.push(rx);
            let mut forks = Vec::new();
            for i in first + 1..n.min(first + together) {
                let (events, rx) = mpsc::unbounded_channel();
                replies.push(rx);
                forks.push(engine::Fork {
                    request: request.candidate(i),
                    events,
                });
            }
            jobs.send(engine::Job {
                request: request.candidate(first),
                events,
                started,
                forks,
                begun: Some(begun),
                clock: queue::current(),
            })
            .await
            .map_err(|_| ModelError::Unavailable("the decode thread has stopped".into()))?;
        }
        drop(queue::waiting(futures::future::join_all(turns)).await);
        let replies = replies.into_iter().map(|rx| {
            nightshift_model::collect(Box::pin(UnboundedReceiverStream::new(rx)), started)
        });
        futures::future::try_join_all(replies).await
    }

    async fn probe(&self) -> Availability {
        match gguf::validate(&self.options.path) {
            Ok(_) => Availability::Available,
            Err(err) => Availability::Unavailable(err.to_string()),
        }
    }
}
