//! Layered configuration: built-in defaults → the user's file → the repository's
//! `nightshift.toml` → an explicit `--config` file → environment → flags.
//!
//! **Trust.** The repository's `nightshift.toml` is written by whoever controls the repository:
//! the authors of a cloned project, or a task that landed it. It may set only settings that
//! cannot widen what nightshift reaches or runs; the others ([`Setting::user_only`]: the sandbox,
//! endpoints and keys, commands, paths) are ignored there, each with a note in
//! [`Config::ignored`], and read only from the user's own file
//! (`$XDG_CONFIG_HOME/nightshift/config.toml`), an explicit `--config`, the environment or flags.
//!
//! Every setting is declared once in [`SETTINGS`]: its TOML key, the seed's environment variable
//! (if it had one), its default and a parser. Each layer contributes raw values tagged with a
//! [`Source`]; the last layer to set a key wins, and a bad value is reported with the key *and*
//! the source it came from. [`Config::explain`] lists the effective values with their sources,
//! secrets redacted.
//!
//! The environment is passed in as a map rather than read here, so tests never mutate the
//! process environment.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod settings;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use settings::{
    DASHBOARD_KEYS, EditFormatChoice, ModelType, RepairStrategyChoice, SETTINGS, SandboxMode,
    Setting,
};

/// Name of the configuration file looked up in the target repository.
pub const CONFIG_FILE_NAME: &str = "nightshift.toml";
/// Prefix of environment variables that name any setting: `NIGHTSHIFT_WORKER_COUNT`.
pub const ENV_PREFIX: &str = "NIGHTSHIFT_";
/// Variables with the prefix that are not settings: the log filter, and the test suite's model.
pub const RESERVED_ENV: &[&str] = &["NIGHTSHIFT_LOG", "NIGHTSHIFT_TEST_MODEL"];

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in default.
    Default,
    /// A configuration file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
    /// Set from the dashboard, kept in the queue's database.
    Dashboard,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(path) => write!(f, "file {}", path.display()),
            Self::Env(var) => write!(f, "env {var}"),
            Self::Flag(flag) => write!(f, "flag {flag}"),
            Self::Dashboard => f.write_str("dashboard"),
        }
    }
}

/// A configuration error, naming the key and where its value came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A key nobody knows.
    #[error("unknown setting `{key}` ({origin}); known settings: {known}")]
    UnknownKey {
        /// The key.
        key: String,
        /// Where it was found.
        origin: Source,
        /// The known keys.
        known: String,
    },
    /// A value that does not parse or is out of range.
    #[error("invalid value {value:?} for `{key}` ({origin}): {reason}")]
    Invalid {
        /// The key.
        key: String,
        /// The raw value.
        value: String,
        /// Where it was set.
        origin: Source,
        /// What is expected.
        reason: String,
    },
    /// A `-c` override without `=`.
    #[error("override {0:?} must be KEY=VALUE")]
    Override(String),
}

/// Result alias of this crate.
pub type Result<T, E = ConfigError> = std::result::Result<T, E>;

/// The effective configuration.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// First model backend to try (`MODEL_TYPE`).
    pub model_type: ModelType,
    /// The backends tried after it, in order (`model_fallbacks`); `None`: every other
    /// configured one, in [`ModelType::ALL`]'s order.
    pub model_fallbacks: Option<Vec<ModelType>>,
    /// Model name for the HTTP backends (`MODEL_NAME`).
    pub model_name: String,
    /// Parallel workers (`WORKER_COUNT`), at least 1.
    pub worker_count: u32,
    /// Retries after a task's first attempt (`MAX_RETRIES`).
    pub max_retries: u32,
    /// Time limit of one attempt (`TASK_TIMEOUT`, seconds).
    pub task_timeout: Duration,
    /// Dashboard and API port (`FLASK_PORT`); 0: any free port.
    pub port: u16,
    /// A name the dashboard is reached by, accepted in the `Host` header (`public_host`).
    pub public_host: Option<String>,
    /// Address the dashboard and API listen on.
    pub bind: std::net::IpAddr,
    /// Token every dashboard and API request must carry; never printed.
    pub access_token: Option<String>,
    /// Tasks file `serve` watches, relative to the repository; `None`: none.
    pub tasks_file: Option<PathBuf>,
    /// Push the target branch after each commit (`GIT_AUTO_PUSH`), never forced.
    pub git_auto_push: bool,
    /// Time between checkpoints (`CHECKPOINT_DAYS`, in days, fractions allowed); `None`: never.
    pub checkpoint_interval: Option<Duration>,
    /// Ollama's address (`OLLAMA_BASE_URL`).
    pub ollama_base_url: String,
    /// OpenAI API key (`OPENAI_API_KEY`); never printed.
    pub openai_api_key: Option<String>,
    /// Base URL of the OpenAI-compatible backend.
    pub openai_base_url: String,
    /// Anthropic API key (`ANTHROPIC_API_KEY`); never printed.
    pub anthropic_api_key: Option<String>,
    /// Base URL of the Anthropic API.
    pub anthropic_base_url: String,
    /// Requests at once per backend; 0 means `worker_count`.
    pub model_concurrency: u32,
    /// The GGUF model run in-process (`GPT4ALL_MODEL_PATH`).
    pub model_path: PathBuf,
    /// The SQLite database; relative paths are inside the target repository.
    pub database_path: PathBuf,
    /// Base delay of retry backoff.
    pub retry_base_delay: Duration,
    /// Cap of retry backoff.
    pub retry_max_delay: Duration,
    /// Lease length; heartbeats renew it at a third of this.
    pub lease_duration: Duration,
    /// Time limit of one test run.
    pub test_timeout: Duration,
    /// The model's context window, in tokens (the in-process model's size; prompts fit in it).
    pub context_tokens: u32,
    /// Most tokens one reply may generate.
    pub max_output_tokens: u32,
    /// Most tokens of repository content a prompt carries: `None` is auto (by model size),
    /// `Some(0)` whatever the window holds.
    pub prompt_tokens: Option<u32>,
    /// Repair rounds per attempt after the first answer.
    pub repair_rounds: u32,
    /// Answers asked for in each round, from one prompt.
    pub candidates: u32,
    /// Added to every sampling seed.
    pub seed: u32,
    /// Constrain in-process replies to the edit format with a grammar.
    pub constrained_output: bool,
    /// How the model writes edits.
    pub edit_format: EditFormatChoice,
    /// What a round after a failed check asks of the model.
    pub repair_strategy: RepairStrategyChoice,
    /// The project's test command; empty means detected.
    pub test_command: String,
    /// How generated code is confined.
    pub sandbox: SandboxMode,
    /// Data memory per sandboxed process, MiB.
    pub sandbox_memory_mb: u32,
    /// Processes at once in a sandboxed run.
    pub sandbox_processes: u32,
    /// Largest file a sandboxed run may write, MiB.
    pub sandbox_file_mb: u32,
    /// CPU threads for in-process inference; 0 picks the number of cores.
    pub threads: u32,
    /// Python interpreter for syntax checks and pytest.
    pub python: String,
    /// Branch that receives commits; empty means the branch checked out at start.
    pub branch: String,
    /// Where per-attempt worktrees live; empty means the user cache directory.
    pub worktree_dir: PathBuf,
    /// Settings of the repository's `nightshift.toml` that were ignored, and why.
    pub ignored: Vec<String>,
    sources: BTreeMap<&'static str, (String, Source)>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value, source) in self.explain() {
            map.entry(&key, &format_args!("{value} ({source})"));
        }
        map.finish()
    }
}

/// Inputs of [`Config::load`].
#[derive(Debug, Default, Clone)]
pub struct Layers {
    /// The user's own file, read if present (see [`user_config_file`]).
    pub user_file: Option<PathBuf>,
    /// An explicit `--config` file (must exist, trusted), else `nightshift.toml` in `repo` if
    /// present (untrusted: [`Setting::user_only`] keys are ignored there).
    pub config_file: Option<PathBuf>,
    /// The target repository.
    pub repo: PathBuf,
    /// The process environment.
    pub env: BTreeMap<String, String>,
    /// `-c key=value` overrides and typed flags, as `(key, value, flag spelling)`.
    pub flags: Vec<(String, String, String)>,
    /// Settings made from the dashboard (kept in the database), over every other layer; only
    /// [`DASHBOARD_KEYS`] are taken.
    pub stored: BTreeMap<String, String>,
}

impl Config {
    /// Builds the configuration from its layers.
    pub fn load(layers: &Layers) -> Result<Self> {
        let mut raw: BTreeMap<&'static str, (String, Source)> = SETTINGS
            .iter()
            .map(|s| (s.key, (s.default.to_owned(), Source::Default)))
            .collect();

        let mut ignored = Vec::new();
        let mut files: Vec<(PathBuf, bool)> = Vec::new();
        if let Some(user) = layers.user_file.as_ref().filter(|path| path.is_file()) {
            files.push((user.clone(), true));
        }
        match &layers.config_file {
            Some(path) => files.push((path.clone(), true)),
            None => {
                let in_repo = layers.repo.join(CONFIG_FILE_NAME);
                // A link could point the lookup at any file; the repository's own is a file.
                if in_repo.symlink_metadata().is_ok_and(|meta| meta.is_file()) {
                    files.push((in_repo, false));
                }
            }
        }
        for (path, trusted) in files {
            for (key, value) in read_file(&path)? {
                let setting = find(&key, Source::File(path.clone()))?;
                if setting.user_only && !trusted {
                    ignored.push(format!(
                        "{} sets `{}`, which only your own configuration may set (it widens what nightshift reaches or runs): ignored",
                        path.display(),
                        setting.key
                    ));
                    continue;
                }
                raw.insert(setting.key, (value, Source::File(path.clone())));
            }
        }

        for setting in SETTINGS {
            if let Some(var) = setting.seed_env
                && let Some(value) = layers.env.get(var)
            {
                raw.insert(setting.key, (value.clone(), Source::Env(var.to_owned())));
            }
        }
        for (var, value) in &layers.env {
            if RESERVED_ENV.contains(&var.as_str()) {
                continue;
            }
            if let Some(key) = var.strip_prefix(ENV_PREFIX) {
                let setting = find(&key.to_ascii_lowercase(), Source::Env(var.clone()))?;
                raw.insert(setting.key, (value.clone(), Source::Env(var.clone())));
            }
        }

        for (key, value, flag) in &layers.flags {
            let setting = find(key, Source::Flag(flag.clone()))?;
            raw.insert(setting.key, (value.clone(), Source::Flag(flag.clone())));
        }

        for (key, value) in &layers.stored {
            match SETTINGS.iter().find(|s| s.key == key.as_str()) {
                Some(setting) if DASHBOARD_KEYS.contains(&setting.key) => {
                    raw.insert(setting.key, (value.clone(), Source::Dashboard));
                }
                _ => ignored.push(format!(
                    "the dashboard's stored setting `{key}` is not one the dashboard may set: ignored"
                )),
            }
        }

        let mut config = Self::from_raw(raw, &layers.repo)?;
        config.ignored = ignored;
        Ok(config)
    }

    fn from_raw(raw: BTreeMap<&'static str, (String, Source)>, repo: &Path) -> Result<Self> {
        fn value<'a>(raw: &'a BTreeMap<&'static str, (String, Source)>, key: &'a str) -> Value<'a> {
            let (value, source) = &raw[key];
            Value { key, value, source }
        }
        let get = |key: &'static str| value(&raw, key);
        let in_repo = |path: PathBuf| {
            if path.as_os_str().is_empty() || path.is_absolute() {
                path
            } else {
                repo.join(path)
            }
        };
        let database_path = match raw["database_path"].0.trim() {
            "" => Some(default_database(repo)),
            _ => None,
        };
        let mut config = Self {
            model_type: get("model_type").parse_with(ModelType::parse)?,
            model_fallbacks: get("model_fallbacks").parse_with(ModelType::parse_list)?,
            model_name: get("model_name").non_empty()?,
            worker_count: get("worker_count").number(1, 256)?,
            max_retries: get("max_retries").number(0, 100)?,
            task_timeout: get("task_timeout").seconds()?,
            port: u16::try_from(get("port").number(0, 65_535)?).unwrap_or(5000),
            bind: get("bind").parse_with(|value| {
                value
                    .parse()
                    .map_err(|_| "expected an IP address, such as 127.0.0.1".to_owned())
            })?,
            access_token: Some(raw["access_token"].0.trim().to_owned()).filter(|k| !k.is_empty()),
            public_host: get("public_host").parse_with(parse_host_name)?,
            tasks_file: Some(raw["tasks_file"].0.trim())
                .filter(|f| !f.is_empty())
                .map(PathBuf::from),
            git_auto_push: get("git_auto_push").boolean()?,
            checkpoint_interval: get("checkpoint_days").days(3650.0)?,
            ollama_base_url: get("ollama_base_url").url()?,
            openai_api_key: Some(raw["openai_api_key"].0.clone()).filter(|k| !k.is_empty()),
            openai_base_url: get("openai_base_url").url()?,
            anthropic_api_key: Some(raw["anthropic_api_key"].0.clone()).filter(|k| !k.is_empty()),
            anthropic_base_url: get("anthropic_base_url").url()?,
            model_concurrency: get("model_concurrency").number(0, 1024)?,
            model_path: expand_home(&get("model_path").non_empty()?),
            database_path: database_path
                .clone()
                .unwrap_or_else(|| in_repo(PathBuf::from(raw["database_path"].0.trim()))),
            retry_base_delay: get("retry_base_delay").seconds()?,
            retry_max_delay: get("retry_max_delay").seconds()?,
            // At least twice the store's 5 s busy wait, so one blocked renewal cannot outlast it.
            lease_duration: Duration::from_secs(u64::from(
                get("lease_duration").number(10, 7 * 24 * 3600)?,
            )),
            test_timeout: get("test_timeout").seconds()?,
            context_tokens: get("context_tokens").number(512, 1 << 20)?,
            max_output_tokens: get("max_output_tokens").number(16, 1 << 16)?,
            prompt_tokens: get("prompt_tokens").parse_with(parse_prompt_tokens)?,
            repair_rounds: get("repair_rounds").number(0, 20)?,
            candidates: get("candidates").number(1, 8)?,
            seed: get("seed").number(0, u32::MAX)?,
            constrained_output: get("constrained_output").boolean()?,
            edit_format: get("edit_format").parse_with(EditFormatChoice::parse)?,
            repair_strategy: get("repair_strategy").parse_with(RepairStrategyChoice::parse)?,
            test_command: raw["test_command"].0.trim().to_owned(),
            sandbox: get("sandbox").parse_with(SandboxMode::parse)?,
            sandbox_memory_mb: get("sandbox_memory_mb").number(64, 1 << 20)?,
            sandbox_processes: get("sandbox_processes").number(8, 1 << 16)?,
            sandbox_file_mb: get("sandbox_file_mb").number(1, 1 << 20)?,
            threads: get("threads").number(0, 1024)?,
            python: get("python").non_empty()?,
            branch: raw["branch"].0.trim().to_owned(),
            worktree_dir: expand_home(raw["worktree_dir"].0.trim()),
            ignored: Vec::new(),
            sources: raw,
        };
        if let Some(path) = database_path
            && let Some((value, _)) = config.sources.get_mut("database_path")
        {
            *value = path.display().to_string();
        }
        Ok(config)
    }

    /// Every setting as `(key, value, source)`, secrets redacted.
    pub fn explain(&self) -> Vec<(&'static str, String, Source)> {
        SETTINGS
            .iter()
            .map(|setting| {
                let (value, source) = &self.sources[setting.key];
                let shown = if setting.secret && !value.is_empty() {
                    "<redacted>".to_owned()
                } else {
                    value.clone()
                };
                (setting.key, shown, source.clone())
            })
            .collect()
    }

    /// Where the value of `key` came from.
    pub fn source_of(&self, key: &str) -> Option<&Source> {
        self.sources.get(key).map(|(_, source)| source)
    }
}

/// `public_host`: a DNS name (letters, digits, `-`, `.`), or empty for none.
fn parse_host_name(value: &str) -> Result<Option<String>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    let fits = value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if fits {
        Ok(Some(value.to_ascii_lowercase()))
    } else {
        Err("expected a host name such as box.lan (no port, no scheme)".to_owned())
    }
}

/// Where the queue lives unless configured: `nightshift/nightshift.db` in the repository's git
/// directory (shared by its worktrees), out of reach of `git clean -fdx` and `git stash --all`,
/// which delete ignored files of the working tree. A database from before, in `.nightshift/` of
/// the working tree, is used where there is one and none in the git directory yet (moving a live
/// SQLite file and its journal is not safe while another process may have it open). Outside a
/// git repository, `.nightshift/` of `repo`.
pub fn default_database(repo: &Path) -> PathBuf {
    let in_tree = repo.join(".nightshift/nightshift.db");
    let Some(git_dir) = git_common_dir(repo) else {
        return in_tree;
    };
    let in_git = git_dir.join("nightshift/nightshift.db");
    if in_tree.is_file() && !in_git.exists() {
        in_tree
    } else {
        in_git
    }
}

/// The common git directory of the work tree at `repo`: `.git` itself, or for a linked worktree
/// (`.git` a file reading `gitdir: …`) the directory its `commondir` names.
fn git_common_dir(repo: &Path) -> Option<PathBuf> {
    let dot_git = repo.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let link = std::fs::read_to_string(&dot_git).ok()?;
    let git_dir = repo.join(link.strip_prefix("gitdir:")?.trim());
    match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(common) => Some(git_dir.join(common.trim())),
        Err(_) => Some(git_dir),
    }
    .map(|dir| dir.canonicalize().unwrap_or(dir))
}

/// The user's own configuration file: `$XDG_CONFIG_HOME/nightshift/config.toml`, else
/// `$HOME/.config/nightshift/config.toml`; `env` is the process environment.
pub fn user_config_file(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let base = match (env.get("XDG_CONFIG_HOME"), env.get("HOME")) {
        (Some(xdg), _) if Path::new(xdg).is_absolute() => PathBuf::from(xdg),
        (_, Some(home)) if !home.is_empty() => Path::new(home).join(".config"),
        _ => return None,
    };
    Some(base.join("nightshift").join("config.toml"))
}

/// Expands a leading `~/` with `$HOME`.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

fn find(key: &str, source: Source) -> Result<&'static Setting> {
    SETTINGS
        .iter()
        .find(|setting| setting.key == key)
        .ok_or_else(|| ConfigError::UnknownKey {
            key: key.to_owned(),
            origin: source,
            known: SETTINGS
                .iter()
                .map(|s| s.key)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn read_file(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|err: toml::de::Error| ConfigError::Syntax {
            path: path.to_owned(),
            message: err.to_string(),
        })?;
    table
        .into_iter()
        .map(|(key, value)| {
            let raw = match &value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Datetime(_) | toml::Value::Array(_) | toml::Value::Table(_) => {
                    return Err(ConfigError::Invalid {
                        key: key.clone(),
                        value: value.to_string(),
                        origin: Source::File(path.to_owned()),
                        reason: format!(
                            "expected a string, number or boolean, not a {}",
                            value.type_str()
                        ),
                    });
                }
            };
            Ok((key, raw))
        })
        .collect()
}

/// A raw value being parsed, carrying what an error must name.
struct Value<'a> {
    key: &'a str,
    value: &'a str,
    source: &'a Source,
}

impl Value<'_> {
    fn invalid(&self, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            key: self.key.to_owned(),
            value: self.value.to_owned(),
            origin: self.source.clone(),
            reason: reason.into(),
        }
    }

    fn parse_with<T>(&self, parse: fn(&str) -> Result<T, String>) -> Result<T> {
        parse(self.value.trim()).map_err(|reason| self.invalid(reason))
    }

    fn non_empty(&self) -> Result<String> {
        let value = self.value.trim();
        if value.is_empty() {
            return Err(self.invalid("must not be empty"));
        }
        Ok(value.to_owned())
    }

    fn number(&self, min: u32, max: u32) -> Result<u32> {
        let n: u64 = self
            .value
            .trim()
            .parse()
            .map_err(|_| self.invalid("expected a whole number"))?;
        u32::try_from(n)
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| self.invalid(format!("must be between {min} and {max}")))
    }

    fn seconds(&self) -> Result<Duration> {
        Ok(Duration::from_secs(u64::from(
            self.number(1, 7 * 24 * 3600)?,
        )))
    }

    /// A number of days, fractions allowed, up to `max`; `0`: `None`.
    fn days(&self, max: f64) -> Result<Option<Duration>> {
        let days: f64 = self
            .value
            .trim()
            .parse()
            .ok()
            .filter(|d: &f64| d.is_finite() && (0.0..=max).contains(d))
            .ok_or_else(|| self.invalid(format!("expected a number of days from 0 to {max}")))?;
        Ok((days > 0.0).then(|| Duration::from_secs_f64(days * 86_400.0)))
    }

    fn boolean(&self) -> Result<bool> {
        match self.value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            _ => Err(self.invalid("expected true or false")),
        }
    }

    fn url(&self) -> Result<String> {
        let value = self.non_empty()?;
        if value.starts_with("http://") || value.starts_with("https://") {
            Ok(value.trim_end_matches('/').to_owned())
        } else {
            Err(self.invalid("expected an http:// or https:// URL"))
        }
    }
}

/// `prompt_tokens`: `auto`, or a number of tokens (0: no cap).
fn parse_prompt_tokens(value: &str) -> std::result::Result<Option<u32>, String> {
    if value == "auto" {
        return Ok(None);
    }
    value
        .parse::<u32>()
        .map(Some)
        .map_err(|_| "expected auto or a whole number of tokens".to_owned())
}

#[cfg(test)]
mod tests;
