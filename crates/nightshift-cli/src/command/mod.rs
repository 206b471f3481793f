//! The subcommands. Each module has its `Cmd` (arguments) and `run`.

mod add;
mod bench;
mod config;
mod eval;
mod load;
mod logs;
mod model;
mod pause;
mod report;
mod serve;
mod status;
mod tasks;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::context::Context;

/// nightshift: an autonomous coding agent that works through a queue of coding tasks.
#[derive(Debug, Parser)]
#[command(version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The target git repository (default: the current directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) repo: Option<PathBuf>,
    /// Configuration file, trusted like your own (default: ~/.config/nightshift/config.toml, then
    /// nightshift.toml in the repository, which may not set the sandbox, endpoints, keys,
    /// commands or paths).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Override a setting: -c worker_count=2 (repeatable; beats file and environment).
    #[arg(short = 'c', global = true, value_name = "KEY=VALUE")]
    pub(crate) overrides: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: workers take tasks from the queue until stopped (SIGTERM or Ctrl-C).
    Serve(serve::Cmd),
    /// Add a task to the queue.
    Add(add::Cmd),
    /// Load tasks from a tasks.yaml file (all or none).
    Load(load::Cmd),
    /// Show the queue, the daemon and the model.
    Status(status::Cmd),
    /// Show execution logs.
    Logs(logs::Cmd),
    /// Stop claiming new tasks (running ones finish); kept across restarts.
    Pause,
    /// Resume claiming tasks (and approve a checkpoint's report).
    Resume,
    /// Print the report a checkpoint writes (success rates, throughput, models, git, failures
    /// with what to do), for the current checkpoint period or the last days.
    Report(report::Cmd),
    /// List, show, cancel or retry tasks.
    #[command(subcommand)]
    Tasks(tasks::Cmd),
    /// Print the effective configuration and where each value came from.
    Config,
    /// Fetch or check the local GGUF model.
    #[command(subcommand)]
    Model(model::Cmd),
    /// Run a suite of tasks through the daemon and score each with a check the agent never sees.
    Eval(eval::Cmd),
    /// Measure the queue with real processes.
    #[command(subcommand)]
    Bench(bench::Cmd),
}

impl Cli {
    pub(crate) fn default_log_filter(&self) -> &'static str {
        match self.command {
            Command::Serve(_) => "info,llama_cpp_2=warn,sqlx=warn",
            _ => "warn",
        }
    }

    pub(crate) async fn run(self, env: BTreeMap<String, String>) -> anyhow::Result<()> {
        let flags = match &self.command {
            Command::Serve(cmd) => cmd.typed_flags(),
            _ => Vec::new(),
        };
        let mut ctx = Context::load(&self.global, env, flags)?;
        // What the daemon and the intake run by includes what was set from the dashboard.
        if matches!(
            self.command,
            Command::Serve(_)
                | Command::Add(_)
                | Command::Load(_)
                | Command::Status(_)
                | Command::Config
                | Command::Report(_)
        ) {
            ctx = ctx.with_stored_settings().await?;
        }
        match self.command {
            Command::Serve(cmd) => cmd.run(&ctx).await,
            Command::Add(cmd) => cmd.run(&ctx).await,
            Command::Load(cmd) => cmd.run(&ctx).await,
            Command::Status(cmd) => cmd.run(&ctx).await,
            Command::Logs(cmd) => cmd.run(&ctx).await,
            Command::Pause => pause::run(&ctx, true).await,
            Command::Resume => pause::run(&ctx, false).await,
            Command::Report(cmd) => cmd.run(&ctx).await,
            Command::Tasks(cmd) => cmd.run(&ctx).await,
            Command::Config => config::run(&ctx),
            Command::Model(cmd) => cmd.run(&ctx).await,
            Command::Eval(cmd) => cmd.run(&ctx).await,
            Command::Bench(cmd) => cmd.run(&ctx).await,
        }
    }
}
