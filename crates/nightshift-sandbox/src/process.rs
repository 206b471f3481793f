//! Child processes with a time limit that kills the whole process tree.
//!
//! Each child leads its own process group; on timeout, and when the future is dropped (the
//! attempt was cancelled or timed out higher up), the group is sent SIGKILL, so grandchildren
//! such as test subprocesses die with it.

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// Most output kept from a child (the tail is kept: errors come last).
pub const OUTPUT_LIMIT_BYTES: usize = 64 * 1024;

/// Environment variables passed to checks; everything else (API keys, tokens) is scrubbed.
pub const PASSED_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "VIRTUAL_ENV",
];

/// How a child ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Exit code; `None` if killed by a signal.
    pub code: Option<i32>,
    /// Stdout then stderr, the tail of each if long.
    pub output: String,
    /// Whether the time limit killed it.
    pub timed_out: bool,
}

impl Finished {
    /// Exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }
}

/// Kills the process group on drop, unless disarmed.
struct GroupGuard(Option<Pid>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // The group may already be gone; nothing to do then.
            let _ = killpg(pid, Signal::SIGKILL);
        }
    }
}

/// A command with a scrubbed environment.
pub(crate) fn command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for var in PASSED_ENV {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    cmd.env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

/// Runs `cmd` to completion or until `limit`, killing its process group on timeout or drop.
pub(crate) async fn run(mut cmd: Command, limit: Duration) -> std::io::Result<Finished> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let mut guard = GroupGuard(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw),
    );
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let collect = async {
        let (out, err) = tokio::join!(read_tail(stdout), read_tail(stderr));
        let status = child.wait().await;
        (out, err, status)
    };
    match tokio::time::timeout(limit, collect).await {
        Ok((out, err, status)) => {
            let status = status?;
            // The leader exited; children it left behind still die with the group.
            let code = status.code();
            let output = join_output(&out, &err);
            drop(guard);
            Ok(Finished {
                code,
                output,
                timed_out: false,
            })
        }
        Err(_) => {
            if let Some(pid) = guard.0.take() {
                let _ = killpg(pid, Signal::SIGKILL);
            }
            Ok(Finished {
                code: None,
                output: format!("killed after {} s time limit", limit.as_secs()),
                timed_out: true,
            })
        }
    }
}

fn join_output(out: &str, err: &str) -> String {
    match (out.trim().is_empty(), err.trim().is_empty()) {
        (true, _) => err.to_owned(),
        (false, true) => out.to_owned(),
        (false, false) => format!("{out}\n{err}"),
    }
}

async fn read_tail(reader: Option<impl AsyncRead + Unpin>) -> String {
    let Some(mut reader) = reader else {
        return String::new();
    };
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * OUTPUT_LIMIT_BYTES {
                    kept.drain(..kept.len() - OUTPUT_LIMIT_BYTES);
                }
            }
        }
    }
    if kept.len() > OUTPUT_LIMIT_BYTES {
        kept.drain(..kept.len() - OUTPUT_LIMIT_BYTES);
    }
    String::from_utf8_lossy(&kept).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("grandchild-alive");
        let mut cmd = command("sh");
        // The grandchild would write the marker after 3 s unless killed with its group.
        cmd.arg("-c")
            .arg(format!("(sleep 3; touch {}) & sleep 30", marker.display()));
        let finished = run(cmd, Duration::from_millis(300)).await.unwrap();
        assert!(finished.timed_out);
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(!marker.exists(), "a grandchild outlived the time limit");
    }

    #[tokio::test]
    async fn secrets_are_scrubbed_and_output_kept() {
        // Checks the child's environment, not ours: OPENAI_API_KEY must not be passed even if set.
        let mut cmd = command("sh");
        cmd.arg("-c").arg("echo out; echo err >&2; env; exit 3");
        let finished = run(cmd, Duration::from_secs(10)).await.unwrap();
        assert_eq!(finished.code, Some(3));
        assert!(finished.output.contains("out") && finished.output.contains("err"));
        assert!(!finished.output.contains("OPENAI_API_KEY"));
        assert!(finished.output.contains("PYTHONDONTWRITEBYTECODE=1"));
    }
}
