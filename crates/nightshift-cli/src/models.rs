//! The model chain from configuration: `MODEL_TYPE` first, then every other backend that is
//! configured — the in-process GGUF when its file is valid, Ollama when its address was set,
//! an OpenAI-compatible server when a key or address was set, Anthropic when a key was set.

use std::sync::Arc;

use nightshift_config::{Config, ModelType, Source};
use nightshift_model::ChatModel;
use nightshift_model::router::{Route, Router, RouterPolicy};
use nightshift_model_http::{Anthropic, HttpSettings, Ollama, OpenAiCompatible};
use nightshift_model_llama::{LocalModel, LocalModelOptions};

fn explicitly_set(config: &Config, key: &str) -> bool {
    config
        .source_of(key)
        .is_some_and(|source| *source != Source::Default)
}

/// Builds the router. The backend named by `MODEL_TYPE` must be constructible (a missing or
/// corrupt GGUF is an error); the others join only when configured and valid.
pub(crate) fn chain(config: &Config) -> anyhow::Result<Router> {
    let mut order = vec![config.model_type];
    order.extend(
        [
            ModelType::Gpt4all,
            ModelType::Ollama,
            ModelType::Openai,
            ModelType::Anthropic,
        ]
        .into_iter()
        .filter(|t| *t != config.model_type),
    );
    let concurrency = match config.model_concurrency {
        0 => config.worker_count,
        n => n,
    };
    let concurrency = usize::try_from(concurrency).unwrap_or(1);
    let mut routes = Vec::new();
    for (position, kind) in order.into_iter().enumerate() {
        let first = position == 0;
        let model: Option<Arc<dyn ChatModel>> = match kind {
            ModelType::Gpt4all => {
                let local = LocalModel::new(LocalModelOptions {
                    path: config.model_path.clone(),
                    context_tokens: config.context_tokens,
                    threads: config.threads,
                    sequences: u32::try_from(concurrency).unwrap_or(1),
                });
                match local {
                    Ok(model) => Some(Arc::new(model)),
                    Err(err) if first => return Err(err.into()),
                    Err(err) => {
                        tracing::info!(%err, "in-process model not in the chain");
                        None
                    }
                }
            }
            ModelType::Ollama if first || explicitly_set(config, "ollama_base_url") => {
                let settings = HttpSettings::new(&config.ollama_base_url, &config.model_name);
                Some(Arc::new(Ollama::new(settings, config.context_tokens)?))
            }
            ModelType::Openai
                if first
                    || config.openai_api_key.is_some()
                    || explicitly_set(config, "openai_base_url") =>
            {
                let mut settings = HttpSettings::new(&config.openai_base_url, &config.model_name);
                settings.api_key.clone_from(&config.openai_api_key);
                Some(Arc::new(OpenAiCompatible::new(settings)?))
            }
            ModelType::Anthropic if first || config.anthropic_api_key.is_some() => {
                let mut settings =
                    HttpSettings::new(&config.anthropic_base_url, &config.model_name);
                settings.api_key.clone_from(&config.anthropic_api_key);
                match Anthropic::new(settings) {
                    Ok(model) => Some(Arc::new(model)),
                    Err(err) if first => return Err(err.into()),
                    Err(_) => None,
                }
            }
            ModelType::Ollama | ModelType::Openai | ModelType::Anthropic => None,
        };
        if let Some(model) = model {
            routes.push(Route::new(model, concurrency));
        }
    }
    Ok(Router::new(routes, RouterPolicy::default()))
}
