//! `nightshift serve`: the daemon.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use nightshift_agent::{AttemptSettings, EditFormat, RepairStrategy};
use nightshift_config::{Config, EditFormatChoice, ModelType, RepairStrategyChoice, SandboxMode};
use nightshift_daemon::{CheckpointSettings, Daemon, DaemonSettings, Stopped};
use nightshift_git::Repo;
use nightshift_sandbox::{Limits, Mode, Sandbox, Unavailable};
use nightshift_store::{RetryPolicy, SystemState as _};
use nightshift_web::{Access, Web};
use tokio_util::sync::CancellationToken;

use crate::context::Context;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// Parallel workers (overrides WORKER_COUNT).
    #[arg(long)]
    workers: Option<u32>,
}

impl Cmd {
    pub(crate) fn typed_flags(&self) -> Vec<(String, String, String)> {
        self.workers
            .map(|n| {
                (
                    "worker_count".to_owned(),
                    n.to_string(),
                    "--workers".to_owned(),
                )
            })
            .into_iter()
            .collect()
    }

    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let config = &ctx.config;
        for note in &config.ignored {
            tracing::warn!("{note}");
        }
        let store = ctx.store().await?;
        let queue = store.queue_id().await?;
        let repo = Repo::open(&ctx.repo, &config.branch, &queue)
            .await
            .with_context(|| format!("opening the git repository at {}", ctx.repo.display()))?;
        // Held until the daemon stops: a second daemon here would remove this one's worktrees.
        let _one_daemon = repo.lock_daemon().await?;
        repo.exclude("/.nightshift/").await?;
        // A GGUF is validated now and loaded on the first task: a missing or corrupt file named by
        // MODEL_TYPE stops the start.
        let model = crate::models::chain(config)?;
        // Generated code never runs unconfined unless the user said so: no sandbox, no start
        // (the queue keeps every task meanwhile).
        let sandbox = sandbox(config).await?;
        if sandbox.is_confined() {
            tracing::info!("sandbox: {}", sandbox.describe());
        } else {
            tracing::warn!("sandbox: {}", sandbox.describe());
        }
        // The dashboard and the API: a port that cannot be had, or a bind that would expose the
        // agent without a token, stops the start.
        let listener = nightshift_web::bind(
            SocketAddr::new(config.bind, config.port),
            config.access_token.as_deref(),
        )
        .await?;
        let addr = listener.local_addr()?;
        tracing::info!("dashboard and API on http://{addr}");
        let shutdown = CancellationToken::new();
        let mut access = Access::new(addr, config.access_token.clone());
        if let Some(host) = &config.public_host {
            access = access.with_host(host);
        }
        let web = Web::new(store.clone(), access, config.max_retries)
            .stopping_on(shutdown.clone())
            .with_repo(Repo::open(&ctx.repo, &config.branch, &queue).await?)
            .with_layers(ctx.layers().clone());
        // Follows the settings in force: the API, the pages and the tasks file queue with it.
        let max_retries = web.max_retries();
        let web = nightshift_web::app(web);
        tokio::spawn(stop_on_signal(shutdown.clone()));
        let server = tokio::spawn(nightshift_web::serve(listener, web, shutdown.clone()));
        let watcher = config.tasks_file.as_ref().map(|file| {
            tokio::spawn(crate::watch::tasks_file(
                ctx.repo.join(file),
                store.clone(),
                Arc::clone(&max_retries),
                shutdown.clone(),
            ))
        });
        // The daemon, built again whenever the settings made from the dashboard change; the
        // server, the watcher and the daemon lock stay.
        let mut config = config.clone();
        let mut model: Arc<dyn nightshift_model::ChatModel> = Arc::new(model);
        // As the store holds them, applied or not (ones that do not apply wait for a change).
        let mut stored = crate::context::stored_settings(&store)
            .await
            .unwrap_or_default();
        let ran = loop {
            let mut settings = daemon_settings(&config, &repo, sandbox.clone());
            settings.http = Some(format!("http://{addr}"));
            settings.dashboard_settings = stored.clone();
            let daemon = Daemon::new(store.clone(), Arc::clone(&model), repo.clone(), settings);
            match daemon.run(shutdown.clone()).await {
                Ok(Stopped::SettingsChanged) => {}
                other => break other.map(drop),
            }
            let next = match crate::context::stored_settings(&store).await {
                Ok(next) => next,
                Err(err) => {
                    tracing::error!("{err:#}; the settings stay as they were");
                    continue;
                }
            };
            match ctx
                .config_with(next.clone())
                .map_err(anyhow::Error::msg)
                .and_then(|next_config| Ok((crate::models::chain(&next_config)?, next_config)))
            {
                Ok((next_model, next_config)) => {
                    model = Arc::new(next_model);
                    config = next_config;
                    max_retries.store(config.max_retries, std::sync::atomic::Ordering::Relaxed);
                    tracing::info!("workers restarted under the settings made from the dashboard");
                }
                Err(err) => tracing::error!(
                    "the settings made from the dashboard cannot be applied, the previous ones stay: {err:#}"
                ),
            }
            // Not looked at again until they change again.
            stored = next;
        };
        shutdown.cancel();
        match server.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(%err, "the HTTP server failed"),
            Err(err) => tracing::error!(%err, "the HTTP server panicked"),
        }
        if let Some(watcher) = watcher
            && let Err(err) = watcher.await
        {
            tracing::error!(%err, "the tasks file's watcher panicked");
        }
        ran?;
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The daemon's settings from the configuration; attempt worktrees of `repo` go in a directory of
/// their own under `worktree_dir`.
pub(crate) fn daemon_settings(config: &Config, repo: &Repo, sandbox: Sandbox) -> DaemonSettings {
    let mut hasher = DefaultHasher::new();
    repo.root().hash(&mut hasher);
    let repo_name = repo
        .root()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let worktree_dir = config
        .worktree_dir
        .join(format!("{repo_name}-{:016x}", hasher.finish()));
    DaemonSettings {
        worker_count: config.worker_count,
        task_timeout: config.task_timeout,
        lease_duration: config.lease_duration,
        retry: RetryPolicy {
            max_retries: config.max_retries,
            base_delay: config.retry_base_delay,
            max_delay: config.retry_max_delay,
        },
        auto_push: config.git_auto_push,
        worktree_dir,
        attempt: AttemptSettings {
            python: config.python.clone(),
            test_timeout: config.test_timeout,
            max_output_tokens: config.max_output_tokens,
            repair_rounds: config.repair_rounds,
            candidates: config.candidates,
            seed: config.seed,
            constrained_output: config.constrained_output,
            edit_format: edit_format(config),
            repair_strategy: repair_strategy(config),
            context_tokens: config.context_tokens,
            prompt_tokens: prompt_tokens(config),
            sandbox,
            test_command: config.test_command.clone(),
        },
        http: None,
        dashboard_settings: std::collections::BTreeMap::new(),
        checkpoint: config.checkpoint_interval.map(|every| CheckpointSettings {
            every,
            reports_dir: reports_dir(config),
        }),
    }
}

/// The edit format the configuration asks for. `auto` picks whole files for the in-process model
/// and for models whose name gives at most 8B parameters (`qwen2.5-coder:1.5b`,
/// `Llama-3.1-8B-Instruct`) — small models quote existing lines unreliably — and search/replace
/// blocks for the rest, whose replies stay short however large the file.
pub(crate) fn edit_format(config: &Config) -> EditFormat {
    match config.edit_format {
        EditFormatChoice::Whole => EditFormat::Whole,
        EditFormatChoice::SearchReplace => EditFormat::SearchReplace,
        EditFormatChoice::Auto => {
            if is_small(config) {
                EditFormat::Whole
            } else {
                EditFormat::SearchReplace
            }
        }
    }
}

/// Tokens of repository content per prompt for small models under `prompt_tokens = "auto"`:
/// the files the task names and a few related ones, with room to spare; a 0.5B given thirty
/// files read them for minutes before its first token.
const SMALL_MODEL_PROMPT_TOKENS: u32 = 2_048;

/// The prompt budget the configuration asks for: `auto` gives the in-process model and models
/// whose name gives at most 8B parameters [`SMALL_MODEL_PROMPT_TOKENS`], the rest their window.
pub(crate) fn prompt_tokens(config: &Config) -> u32 {
    config.prompt_tokens.unwrap_or_else(|| {
        if is_small(config) {
            SMALL_MODEL_PROMPT_TOKENS
        } else {
            0
        }
    })
}

/// What the configuration asks a round after a failed check to do. `auto` asks models of at most
/// 1B parameters — by their name, or the GGUF file's name for the in-process model — for a fresh
/// answer: measured on the eval suite, the 0.5B's repairs repeat the fault (evals/README.md).
pub(crate) fn repair_strategy(config: &Config) -> RepairStrategy {
    match config.repair_strategy {
        RepairStrategyChoice::Repair => RepairStrategy::Repair,
        RepairStrategyChoice::Resample => RepairStrategy::Resample,
        RepairStrategyChoice::Auto => {
            let name = if config.model_type == ModelType::Gpt4all {
                config
                    .model_path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default()
            } else {
                config.model_name.clone()
            };
            if parameters_billions(&name).is_some_and(|b| b <= 1.0) {
                RepairStrategy::Resample
            } else {
                RepairStrategy::Repair
            }
        }
    }
}

/// The parameter count a model's name gives, in billions: `1.5b` in `qwen2.5-coder:1.5b`.
/// The in-process model, or one whose name gives at most 8B parameters.
fn is_small(config: &Config) -> bool {
    config.model_type == ModelType::Gpt4all
        || parameters_billions(&config.model_name).is_some_and(|b| b <= 8.0)
}

fn parameters_billions(name: &str) -> Option<f64> {
    name.to_ascii_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .filter_map(|token| token.strip_suffix('b'))
        .find_map(|number| number.parse::<f64>().ok())
}

/// The sandbox the configuration asks for, probed.
pub(crate) async fn sandbox(config: &Config) -> Result<Sandbox, Unavailable> {
    let mode = match config.sandbox {
        SandboxMode::Auto => Mode::Auto,
        SandboxMode::Bwrap => Mode::Bubblewrap,
        SandboxMode::Off => Mode::Off,
    };
    let limits = Limits {
        memory_bytes: u64::from(config.sandbox_memory_mb) << 20,
        processes: u64::from(config.sandbox_processes),
        file_bytes: u64::from(config.sandbox_file_mb) << 20,
    };
    Sandbox::detect(mode, limits).await
}

async fn stop_on_signal(shutdown: CancellationToken) {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(err) => {
            tracing::error!(%err, "cannot listen for SIGTERM");
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupt received"),
    }
    shutdown.cancel();
}

/// Where checkpoint reports go: `reports/` beside the database, out of the working tree.
pub(crate) fn reports_dir(config: &Config) -> std::path::PathBuf {
    config
        .database_path
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("reports")
}

#[cfg(test)]
mod tests {
    use nightshift_agent::RepairStrategy;
    use nightshift_config::{Config, Layers};

    use super::{parameters_billions, repair_strategy};

    fn config(flags: &[(&str, &str)]) -> Config {
        Config::load(&Layers {
            flags: flags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned(), format!("-c {k}")))
                .collect(),
            ..Layers::default()
        })
        .unwrap()
    }

    #[test]
    fn small_models_resample_and_larger_ones_repair() {
        let local = |path| config(&[("model_type", "gpt4all"), ("model_path", path)]);
        assert_eq!(
            repair_strategy(&local("/m/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")),
            RepairStrategy::Resample
        );
        assert_eq!(
            repair_strategy(&local("/m/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")),
            RepairStrategy::Repair
        );
        let ollama = |name| config(&[("model_type", "ollama"), ("model_name", name)]);
        assert_eq!(
            repair_strategy(&ollama("qwen2.5-coder:0.5b")),
            RepairStrategy::Resample
        );
        assert_eq!(repair_strategy(&ollama("gpt-4o")), RepairStrategy::Repair);
        let chosen = config(&[
            ("model_type", "ollama"),
            ("model_name", "qwen2.5-coder:0.5b"),
            ("repair_strategy", "repair"),
        ]);
        assert_eq!(repair_strategy(&chosen), RepairStrategy::Repair);
    }

    #[test]
    fn parameter_counts_from_model_names() {
        assert_eq!(parameters_billions("qwen2.5-coder:1.5b"), Some(1.5));
        assert_eq!(parameters_billions("Llama-3.1-8B-Instruct"), Some(8.0));
        assert_eq!(parameters_billions("qwen2.5-coder:32b"), Some(32.0));
        assert_eq!(parameters_billions("gpt-4o"), None);
        assert_eq!(parameters_billions("claude-sonnet-4-5"), None);
    }
}
