//! Every git command nightshift runs, run one way: hardened against what the repository, the
//! worktree or the user's configuration could make it do besides its job.
//!
//! - **No hook runs.** `core.hooksPath=/dev/null` for every command: a hook planted in a worktree
//!   by sandboxed code (a relative `core.hooksPath`, as husky sets, resolves inside the worktree),
//!   or a hook file a task landed, would otherwise run on the host, unsandboxed, as the user.
//! - **Nothing waits on a person or signs for them.** Signing, signature checks and fsmonitor are
//!   off; no terminal prompt (credentials, ssh passphrases and host keys fail instead of
//!   waiting); no editor.
//! - **A scrubbed environment.** Only an allow-list passes: the daemon's API keys never reach git
//!   or anything it starts, and `GIT_DIR`/`GIT_INDEX_FILE` inherited from a calling hook cannot
//!   redirect it.
//! - **A time limit on every command.** On expiry, and when the caller drops the future, git gets
//!   SIGTERM first (it removes its lock files then), SIGKILL only if it does not exit.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::{GitError, Result};

/// Settings that override the user's and the repository's configuration on every command.
const HARDENED: &[&str] = &[
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "commit.gpgSign=false",
    "-c",
    "tag.gpgSign=false",
    "-c",
    "merge.verifySignatures=false",
    "-c",
    "core.quotePath=false",
    "-c",
    "gc.auto=0",
    "-c",
    "maintenance.auto=false",
];

/// Environment variables git may see; everything else (API keys, `GIT_DIR`, …) is dropped.
const PASSED_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "XDG_CONFIG_HOME",
    "SSH_AUTH_SOCK",
    "GIT_SSH_COMMAND",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
];

/// Time limit of a git command that works on the local repository.
pub(crate) const LOCAL_TIMEOUT: Duration = Duration::from_secs(120);
/// Time limit of a push.
pub(crate) const PUSH_TIMEOUT: Duration = Duration::from_secs(300);
/// How long git gets after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(5);

/// Sends SIGTERM to the child unless disarmed: the caller's future was dropped mid-command.
struct TermOnDrop(Option<Pid>);

impl Drop for TermOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // The child is not reaped yet (its `Child` is dropped after this guard), so the
            // pid cannot name another process.
            let _ = kill(pid, Signal::SIGTERM);
        }
    }
}

/// The command line, hardened, with a scrubbed environment.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear();
    for var in PASSED_ENV {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    if std::env::var_os("GIT_SSH_COMMAND").is_none() {
        cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_EDITOR", "true")
        .env("GIT_PAGER", "cat")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .arg("-C")
        .arg(dir)
        .args(HARDENED)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs git in `dir` within `limit`; returns stdout, untrimmed.
pub(crate) async fn run(dir: &Path, args: &[&str], limit: Duration) -> Result<String> {
    let mut child = command(dir, args).spawn()?;
    let mut guard = TermOnDrop(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw),
    );
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let waited = tokio::time::timeout(limit, async {
        let (out, err, status) = tokio::join!(read_pipe(stdout), read_pipe(stderr), child.wait());
        Ok::<_, std::io::Error>((out?, err?, status?))
    })
    .await;
    guard.0 = None;
    let Ok(done) = waited else {
        terminate(&mut child).await;
        return Err(GitError::TimedOut {
            args: shown(args),
            seconds: limit.as_secs(),
        });
    };
    let (out, err, status) = done?;
    if status.success() {
        Ok(String::from_utf8_lossy(&out).into_owned())
    } else {
        Err(GitError::Command {
            args: shown(args),
            stderr: String::from_utf8_lossy(&err).trim().to_owned(),
        })
    }
}

async fn read_pipe(pipe: Option<impl AsyncRead + Unpin>) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}

/// SIGTERM, then SIGKILL if git has not exited within [`TERM_GRACE`].
async fn terminate(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    if tokio::time::timeout(TERM_GRACE, child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}

/// The arguments as an error message shows them.
fn shown(args: &[&str]) -> String {
    args.join(" ")
}
