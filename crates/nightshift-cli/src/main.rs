//! `nightshift`: the command-line entry point. Parses flags, loads configuration, sets up
//! tracing and the runtime, and hands over to the subcommand.

mod command;
mod context;
mod models;
mod tasks_file;
mod watch;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = command::Cli::parse();
    // Reads FAILPOINTS; only in builds made for the chaos soak.
    #[cfg(feature = "failpoints")]
    let _failpoints = fail::FailScenario::setup();
    // The environment is read once, before the runtime exists (mutating or reading it later
    // from several threads is not safe).
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let filter = tracing_subscriber::EnvFilter::try_from_env("NIGHTSHIFT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(cli.default_log_filter()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A log line that cannot be written (the disk full) is dropped: reporting it with
        // eprintln! would panic in whichever worker was logging.
        .log_internal_errors(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.run(env)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
