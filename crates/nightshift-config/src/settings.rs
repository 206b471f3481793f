//! The table of every setting: key, seed variable, default.

/// A backend kind for `MODEL_TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelType {
    /// Ollama's HTTP API.
    Ollama,
    /// Any OpenAI-compatible API.
    Openai,
    /// A GGUF file run in-process (the seed called it GPT4All).
    Gpt4all,
    /// Anthropic's Messages API.
    Anthropic,
}

impl ModelType {
    pub(crate) fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "ollama" => Ok(Self::Ollama),
            "openai" => Ok(Self::Openai),
            "gpt4all" | "gguf" | "local" => Ok(Self::Gpt4all),
            "anthropic" => Ok(Self::Anthropic),
            _ => Err(
                "expected ollama, openai, anthropic or gpt4all (also spelled gguf or local)"
                    .to_owned(),
            ),
        }
    }

    /// Every kind, in the order they follow `model_type` unless `model_fallbacks` says.
    pub const ALL: [Self; 4] = [Self::Gpt4all, Self::Ollama, Self::Openai, Self::Anthropic];

    /// `model_fallbacks`: kinds separated by commas, each once; `none` for none; empty for the
    /// default order (`None`).
    pub(crate) fn parse_list(value: &str) -> Result<Option<Vec<Self>>, String> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.eq_ignore_ascii_case("none") {
            return Ok(Some(Vec::new()));
        }
        let mut kinds = Vec::new();
        for item in value.split(',').map(str::trim) {
            let kind = Self::parse(item).map_err(|err| format!("{item:?}: {err}, or none"))?;
            if kinds.contains(&kind) {
                return Err(format!("{} is listed twice", kind.as_str()));
            }
            kinds.push(kind);
        }
        Ok(Some(kinds))
    }

    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ollama => "ollama",
            Self::Openai => "openai",
            Self::Gpt4all => "gpt4all",
            Self::Anthropic => "anthropic",
        }
    }
}

/// How generated code is confined (`sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxMode {
    /// The best sandbox available; none available stops the daemon.
    Auto,
    /// bubblewrap, or the daemon does not start.
    Bwrap,
    /// No sandbox: an explicit opt-out.
    Off,
}

impl SandboxMode {
    pub(crate) fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "bwrap" | "bubblewrap" => Ok(Self::Bwrap),
            "off" => Ok(Self::Off),
            _ => Err("expected auto, bwrap or off".to_owned()),
        }
    }
}

/// What a round after a failed check asks of the model (`repair_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairStrategyChoice {
    /// A fresh answer for models named with at most 1B parameters, a repair for larger ones.
    Auto,
    /// The failure and the files as they are, to fix.
    Repair,
    /// The task again, from the files as the attempt found them, sampled anew.
    Resample,
}

impl RepairStrategyChoice {
    /// Its spelling in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Repair => "repair",
            Self::Resample => "resample",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "repair" => Ok(Self::Repair),
            "resample" => Ok(Self::Resample),
            _ => Err("expected auto, repair or resample".to_owned()),
        }
    }
}

/// How the model is asked to write its edits (`edit_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditFormatChoice {
    /// Whole files for the in-process model and models named with up to 8B parameters,
    /// search/replace blocks for larger ones.
    Auto,
    /// Whole files.
    Whole,
    /// Search/replace blocks.
    SearchReplace,
}

impl EditFormatChoice {
    /// Its spelling in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Whole => "whole",
            Self::SearchReplace => "search-replace",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(Self::Auto),
            "whole" => Ok(Self::Whole),
            "search-replace" | "diff" => Ok(Self::SearchReplace),
            _ => Err("expected auto, whole or search-replace".to_owned()),
        }
    }
}

/// One setting.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Key in `nightshift.toml` and in `-c key=value`; `NIGHTSHIFT_<KEY>` in the environment.
    pub key: &'static str,
    /// The seed's environment variable, if it had one.
    pub seed_env: Option<&'static str>,
    /// Default, as text.
    pub default: &'static str,
    /// Never printed.
    pub secret: bool,
    /// Widens what nightshift may reach or run (the sandbox, the endpoints code is sent to, the
    /// commands run, where files go): read only from the user's own configuration, never from
    /// the repository's `nightshift.toml`, which tasks and cloned repositories control.
    pub user_only: bool,
    /// What it does.
    pub help: &'static str,
}

const fn setting(
    key: &'static str,
    seed_env: Option<&'static str>,
    default: &'static str,
    help: &'static str,
) -> Setting {
    Setting {
        key,
        seed_env,
        default,
        secret: false,
        user_only: false,
        help,
    }
}

/// A [`setting`] only the user's own configuration may set.
const fn user_only(setting: Setting) -> Setting {
    Setting {
        user_only: true,
        ..setting
    }
}

/// The settings the dashboard may change (stored in the queue's database, applied over every
/// other layer): how the work is done, never what nightshift may reach or run — no address,
/// endpoint, key, token, command, path or sandbox setting.
pub const DASHBOARD_KEYS: &[&str] = &[
    "model_type",
    "model_fallbacks",
    "model_name",
    "max_retries",
    "task_timeout",
    "retry_base_delay",
    "retry_max_delay",
    "git_auto_push",
    "checkpoint_days",
    "candidates",
    "repair_rounds",
    "edit_format",
    "repair_strategy",
];

/// Every setting, in the order `nightshift config` prints them.
pub const SETTINGS: &[Setting] = &[
    user_only(setting(
        "model_type",
        Some("MODEL_TYPE"),
        "ollama",
        "first model backend to try: ollama, openai or gpt4all (in-process GGUF)",
    )),
    user_only(setting(
        "model_fallbacks",
        None,
        "",
        "backends tried after model_type, in order, comma-separated (none: no fallback; empty: every other configured backend, in the order gpt4all, ollama, openai, anthropic); a backend joins only when configured",
    )),
    setting(
        "model_name",
        Some("MODEL_NAME"),
        "codellama:7b-instruct",
        "model name for the HTTP backends",
    ),
    setting(
        "worker_count",
        Some("WORKER_COUNT"),
        "3",
        "parallel workers",
    ),
    setting(
        "max_retries",
        Some("MAX_RETRIES"),
        "3",
        "retries after a task's first attempt",
    ),
    setting(
        "task_timeout",
        Some("TASK_TIMEOUT"),
        "300",
        "seconds one attempt may take, waiting its turn for the model or the merge queue left out",
    ),
    setting(
        "port",
        Some("FLASK_PORT"),
        "5000",
        "port of the dashboard and the HTTP API (0: any free port, logged at start)",
    ),
    user_only(setting(
        "bind",
        None,
        "127.0.0.1",
        "address the dashboard and the API listen on; one that is not loopback needs access_token",
    )),
    user_only(setting(
        "public_host",
        None,
        "",
        "a name the dashboard is reached by besides its address and loopback names (box.lan), accepted in the Host header; empty: none",
    )),
    user_only(setting(
        "tasks_file",
        None,
        "tasks.yaml",
        "tasks file serve watches, relative to the repository (the seed's format; each entry queued once); empty: none",
    )),
    Setting {
        key: "access_token",
        seed_env: None,
        default: "",
        secret: true,
        user_only: true,
        help: "token every dashboard and API request must carry (Authorization: Bearer, or the dashboard's cookie); at least 16 characters; empty: none, loopback only",
    },
    user_only(setting(
        "git_auto_push",
        Some("GIT_AUTO_PUSH"),
        "false",
        "push after each commit (never forced)",
    )),
    setting(
        "checkpoint_days",
        Some("CHECKPOINT_DAYS"),
        "7",
        "days between checkpoints, when the queue pauses and a report is written (fractions allowed; 0: never)",
    ),
    user_only(setting(
        "ollama_base_url",
        Some("OLLAMA_BASE_URL"),
        "http://localhost:11434",
        "Ollama's address",
    )),
    Setting {
        key: "openai_api_key",
        seed_env: Some("OPENAI_API_KEY"),
        default: "",
        secret: true,
        user_only: true,
        help: "API key of the OpenAI-compatible backend",
    },
    user_only(setting(
        "openai_base_url",
        None,
        "https://api.openai.com",
        "OpenAI-compatible server (OpenAI, vLLM, llama-server, LM Studio, GPT4All: their address)",
    )),
    Setting {
        key: "anthropic_api_key",
        seed_env: Some("ANTHROPIC_API_KEY"),
        default: "",
        secret: true,
        user_only: true,
        help: "API key of the Anthropic backend",
    },
    user_only(setting(
        "anthropic_base_url",
        None,
        "https://api.anthropic.com",
        "Anthropic API address",
    )),
    setting(
        "model_concurrency",
        None,
        "0",
        "requests at once per model backend (0: worker_count)",
    ),
    user_only(setting(
        "model_path",
        Some("GPT4ALL_MODEL_PATH"),
        "~/.cache/nightshift/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "GGUF model run in-process",
    )),
    user_only(setting(
        "database_path",
        None,
        "",
        "SQLite database, relative to the repository (empty: nightshift/nightshift.db in its git directory)",
    )),
    setting(
        "retry_base_delay",
        None,
        "5",
        "seconds before the first retry (doubles each retry, with jitter)",
    ),
    setting(
        "retry_max_delay",
        None,
        "300",
        "longest wait between retries, in seconds",
    ),
    setting(
        "lease_duration",
        None,
        "30",
        "seconds a claim is held without a heartbeat",
    ),
    setting("test_timeout", None, "120", "seconds one test run may take"),
    setting(
        "context_tokens",
        None,
        "8192",
        "the model's context window, tokens: the in-process model's size, and what prompts are fitted to",
    ),
    setting(
        "prompt_tokens",
        None,
        "auto",
        "most tokens of repository content one prompt carries: a number (0: whatever the window holds), or auto (2048 for the in-process model and models of at most 8B parameters, whatever the window holds for the rest)",
    ),
    setting(
        "max_output_tokens",
        None,
        "1536",
        "most tokens one model reply may generate",
    ),
    setting(
        "repair_rounds",
        None,
        "3",
        "rounds per attempt in which the model is shown a failed check and fixes its answer",
    ),
    setting(
        "candidates",
        None,
        "3",
        "answers asked for in each round from one prompt (the first greedy, the rest sampled); the one that lands is chosen by how they behave",
    ),
    setting(
        "seed",
        None,
        "0",
        "added to every sampling seed: runs with other seeds sample other answers (a greedy answer stays the same)",
    ),
    setting(
        "constrained_output",
        None,
        "true",
        "constrain the in-process model's replies to the edit format with a grammar",
    ),
    setting(
        "edit_format",
        None,
        "auto",
        "how the model writes edits: whole (files), search-replace (blocks), or auto (whole for in-process and small models)",
    ),
    setting(
        "repair_strategy",
        None,
        "auto",
        "what a round after a failed check asks: repair (the failure and the files shown, for failures a model fixes when shown — syntax, undefined names, a missing or misplaced definition, a merge conflict; a fresh answer for failing tests and the rest), resample (always a fresh answer to the task), or auto (resample for models of at most 1B parameters, repair for the rest)",
    ),
    user_only(setting(
        "test_command",
        None,
        "",
        "the project's test command, run with sh -c (empty: pytest, cargo test, go test, npm test as found)",
    )),
    user_only(setting(
        "sandbox",
        None,
        "auto",
        "confinement of generated code: auto, bwrap, or off (runs it unconfined)",
    )),
    user_only(setting(
        "sandbox_memory_mb",
        None,
        "2048",
        "data memory per process of a sandboxed run, MiB",
    )),
    user_only(setting(
        "sandbox_processes",
        None,
        "256",
        "processes and threads a sandboxed run may have at once",
    )),
    user_only(setting(
        "sandbox_file_mb",
        None,
        "1024",
        "largest file a sandboxed run may write, MiB",
    )),
    setting(
        "threads",
        None,
        "0",
        "CPU threads for in-process inference (0: all cores)",
    ),
    user_only(setting(
        "python",
        None,
        "python3",
        "Python interpreter for syntax checks and pytest",
    )),
    user_only(setting(
        "branch",
        None,
        "",
        "branch that receives commits (empty: the one checked out)",
    )),
    user_only(setting(
        "worktree_dir",
        None,
        "~/.cache/nightshift/worktrees",
        "where per-attempt worktrees live",
    )),
];
