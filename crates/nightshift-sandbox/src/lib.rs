//! Where nightshift runs generated code: syntax checks, tests, an eval's hidden checks.
//!
//! A [`Sandbox`] is detected once at start ([`Sandbox::detect`]) and then runs commands in a
//! directory ([`Sandbox::run`]) with:
//! - **isolation** by bubblewrap (`bwrap.rs`): no network, no capabilities (even when nightshift
//!   runs as root), the file system read-only except the directory (its `.git` read-only too)
//!   and a private `/tmp`, the home directory hidden;
//! - **a seccomp filter** (`seccomp.rs`): no ptrace, io_uring, eBPF, mount or namespace calls;
//! - **limits** (`limits.rs`): memory, processes, file size and CPU time, set in the child;
//! - **a scrubbed environment and whole-tree kills** (`process.rs`): only a short allow-list of
//!   variables passes; on timeout or cancellation the process group, the pid namespace and the
//!   run's cgroup are killed, so nothing outlives the run.
//!
//! If no isolation can be set up, [`Sandbox::detect`] fails: generated code is not run unless the
//! user opted out with [`Mode::Off`] (limits and kills still apply then).
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod bwrap;
mod limits;
mod process;
mod seccomp;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use limits::Limits;
pub use process::{Finished, OUTPUT_LIMIT_BYTES, PASSED_ENV};

use limits::{ProcessCap, RunCgroup};

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The best isolation available; none is an error.
    Auto,
    /// bubblewrap, or an error.
    Bubblewrap,
    /// No isolation: the user opted out explicitly.
    Off,
}

/// No sandbox could be set up, and the user did not opt out.
#[derive(Debug, thiserror::Error)]
#[error(
    "no sandbox for generated code: {reason}. Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`), or opt out explicitly with sandbox = \"off\" to run generated code unconfined"
)]
pub struct Unavailable {
    /// Why.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Isolation {
    Bubblewrap { program: PathBuf, version: String },
    Off,
}

/// How generated code is run; cheap to clone.
#[derive(Debug, Clone)]
pub struct Sandbox {
    isolation: Isolation,
    limits: Limits,
    cap: ProcessCap,
    home: Option<PathBuf>,
}

impl Sandbox {
    /// Sets up the sandbox `mode` asks for, probing that it works by running `true` in it.
    pub async fn detect(mode: Mode, limits: Limits) -> Result<Self, Unavailable> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let cap = ProcessCap::detect();
        if mode == Mode::Off {
            return Ok(Self {
                isolation: Isolation::Off,
                limits,
                cap,
                home,
            });
        }
        let isolation = probe_bubblewrap(home.as_deref())
            .await
            .map_err(|reason| Unavailable { reason })?;
        Ok(Self {
            isolation,
            limits,
            cap,
            home,
        })
    }

    /// The same sandbox with another home directory hidden (tests use a fake one).
    #[must_use]
    pub fn with_home(mut self, home: &Path) -> Self {
        self.home = Some(home.to_owned());
        self
    }

    /// Whether generated code is confined (false only when the user opted out).
    pub fn is_confined(&self) -> bool {
        self.isolation != Isolation::Off
    }

    /// One line for `nightshift status` and the daemon's start-up log.
    pub fn describe(&self) -> String {
        let limits = format!(
            "{} MiB memory, {} processes ({}), {} MiB files, CPU time = time limit",
            self.limits.memory_bytes >> 20,
            self.limits.processes,
            self.cap.describe(),
            self.limits.file_bytes >> 20,
        );
        match &self.isolation {
            Isolation::Bubblewrap { version, .. } => format!(
                "{version}: no network, no capabilities, {}, writes only to the worktree and a private /tmp, .git read-only, home hidden; {limits}",
                seccomp::describe()
            ),
            Isolation::Off => format!(
                "OFF (opted out with sandbox = \"off\"): generated code runs unconfined; {limits}"
            ),
        }
    }

    /// Runs `argv` in `dir` (which must exist) under the sandbox, killing everything it started
    /// when it ends, after `limit`, or when the future is dropped.
    pub async fn run(
        &self,
        dir: &Path,
        argv: &[&str],
        limit: Duration,
    ) -> std::io::Result<Finished> {
        let Some((program, args)) = argv.split_first() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "empty command",
            ));
        };
        // Open until the run has started: bwrap reads the filter from it.
        let mut filter = None;
        let mut cmd = match &self.isolation {
            Isolation::Bubblewrap { program: bwrap, .. } => {
                let (mut cmd, fd) = bwrap_command(bwrap, dir, self.home.as_deref())?;
                filter = fd;
                cmd.arg(program);
                cmd
            }
            Isolation::Off => {
                let mut cmd = process::command(program);
                cmd.current_dir(dir);
                cmd
            }
        };
        cmd.args(args);
        let cgroup = match &self.cap {
            ProcessCap::Cgroup(base) => Some(RunCgroup::create(base, self.limits.processes)?),
            ProcessCap::Rlimit | ProcessCap::None => None,
        };
        limits::apply(&mut cmd, self.limits, limit, &self.cap, cgroup.as_ref())?;
        let finished = process::run(cmd, limit).await;
        drop(filter);
        if let Some(cgroup) = cgroup {
            cgroup.release().await;
        }
        finished
    }
}

/// Finds bwrap and checks it can build the sandbox here (user namespaces may be disabled).
async fn probe_bubblewrap(home: Option<&Path>) -> Result<Isolation, String> {
    let program = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("bwrap"))
        .find(|p| p.is_file())
        .ok_or_else(|| "bubblewrap (bwrap) is not installed".to_owned())?;
    let bwrap = program.to_string_lossy().into_owned();
    let version = process::run(
        {
            let mut cmd = process::command(&bwrap);
            cmd.arg("--version");
            cmd
        },
        Duration::from_secs(10),
    )
    .await
    .map_err(|err| format!("cannot run {bwrap}: {err}"))?;
    let scratch = tempfile_dir().map_err(|err| format!("cannot make a probe directory: {err}"))?;
    let probe = match bwrap_command(&program, &scratch, home) {
        Ok((mut cmd, filter)) => {
            cmd.arg("true");
            let probe = process::run(cmd, Duration::from_secs(10)).await;
            drop(filter);
            probe
        }
        Err(err) => Err(err),
    };
    drop(std::fs::remove_dir(&scratch));
    match probe {
        Ok(finished) if finished.success() => Ok(Isolation::Bubblewrap {
            program,
            version: version.output.trim().to_owned(),
        }),
        Ok(finished) => Err(format!(
            "{bwrap} cannot set up a sandbox here: {}",
            finished.output.trim()
        )),
        Err(err) => Err(format!("cannot run {bwrap}: {err}")),
    }
}

/// bwrap with the sandbox's arguments for a run in `dir`, up to the `--` before the command, and
/// the descriptor of its seccomp filter, to keep open until the run has started.
fn bwrap_command(
    bwrap: &Path,
    dir: &Path,
    home: Option<&Path>,
) -> std::io::Result<(tokio::process::Command, Option<std::os::fd::OwnedFd>)> {
    let mut cmd = process::command(&bwrap.to_string_lossy());
    let path = std::env::var_os("PATH");
    cmd.args(bwrap::args(dir, home, path.as_deref()));
    let filter = seccomp::program_fd()?;
    if let Some(fd) = &filter {
        cmd.args(seccomp::args(fd));
        limits::keep_open(&mut cmd, std::os::fd::AsRawFd::as_raw_fd(fd));
    }
    cmd.arg("--");
    Ok((cmd, filter))
}

/// A new empty directory for one probe.
fn tempfile_dir() -> std::io::Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("nightshift-probe-{}-{n}", std::process::id()));
    drop(std::fs::remove_dir(&dir));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}
