//! The model chain from configuration: `MODEL_TYPE` first, then the backends of
//! `model_fallbacks` in its order (by default every other one) that are configured — the
//! in-process GGUF when its file is valid, Ollama when its address was set, an
//! OpenAI-compatible server when a key or address was set, Anthropic when a key was set. The
//! order can be changed from the dashboard; what a backend may reach only from the files.

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
        config
            .model_fallbacks
            .as_deref()
            .unwrap_or(&ModelType::ALL)
            .iter()
            .copied()
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
            ModelType::Ollama | ModelType::Openai | ModelType::Anthropic => {
                if config
                    .model_fallbacks
                    .as_ref()
                    .is_some_and(|listed| listed.contains(&kind))
                {
                    tracing::warn!(
                        backend = kind.as_str(),
                        "in model_fallbacks but not configured (no address or key of its own): not in the chain"
                    );
                }
                None
            }
        };
        if let Some(model) = model {
            routes.push(Route::new(model, concurrency));
        }
    }
    Ok(Router::new(routes, RouterPolicy::default()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use nightshift_config::{Config, Layers};

    use super::chain;

    /// The backends of the chain built from these settings, in order.
    async fn backends(settings: &[(&str, &str)]) -> Vec<String> {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let down = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let mut env: BTreeMap<String, String> = [
            ("OLLAMA_BASE_URL", down.as_str()),
            ("NIGHTSHIFT_OPENAI_BASE_URL", down.as_str()),
            ("NIGHTSHIFT_MODEL_PATH", "/nonexistent/model.gguf"),
            ("MODEL_TYPE", "ollama"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.extend(
            settings
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&Layers {
            repo: dir.path().to_owned(),
            env,
            ..Layers::default()
        })
        .unwrap();
        chain(&config)
            .unwrap()
            .status()
            .await
            .into_iter()
            .map(|route| route.name.split('/').next().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn the_fallbacks_follow_their_order_and_join_only_when_configured() {
        // By default every other configured backend: no GGUF file, no Anthropic key here.
        assert_eq!(backends(&[]).await, ["ollama", "openai"]);
        assert_eq!(
            backends(&[("NIGHTSHIFT_MODEL_FALLBACKS", "none")]).await,
            ["ollama"]
        );
        assert_eq!(
            backends(&[
                ("MODEL_TYPE", "openai"),
                ("NIGHTSHIFT_MODEL_FALLBACKS", "ollama")
            ])
            .await,
            ["openai", "ollama"]
        );
        // Listed but without a key of its own, Anthropic stays out; model_type listed again
        // is not tried twice.
        assert_eq!(
            backends(&[("NIGHTSHIFT_MODEL_FALLBACKS", "anthropic, ollama, openai")]).await,
            ["ollama", "openai"]
        );
    }
}
