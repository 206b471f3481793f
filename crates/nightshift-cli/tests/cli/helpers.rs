//! A temporary git repository with the `nightshift` binary pointed at it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_nightshift");

/// The model the tests run: `NIGHTSHIFT_TEST_MODEL`, else the default fetched by
/// `nightshift model fetch` (the test script fetches it before running the tests).
pub fn model_path() -> PathBuf {
    let path = std::env::var_os("NIGHTSHIFT_TEST_MODEL")
        .map(PathBuf::from)
        .or_else(nightshift_model_llama::fetch::default_model_path)
        .expect("HOME is set");
    assert!(
        path.exists(),
        "the real model is needed: run `nightshift model fetch` (scripts/test does) or set NIGHTSHIFT_TEST_MODEL"
    );
    path
}

pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

impl TestRepo {
    /// A fresh git repository with no commits.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        let worktrees = dir.path().join(".nightshift/worktrees");
        let env = vec![
            (
                "GPT4ALL_MODEL_PATH".to_owned(),
                model_path().display().to_string(),
            ),
            ("MODEL_TYPE".to_owned(), "gpt4all".to_owned()),
            (
                "NIGHTSHIFT_WORKTREE_DIR".to_owned(),
                worktrees.display().to_string(),
            ),
            ("NIGHTSHIFT_RETRY_BASE_DELAY".to_owned(), "1".to_owned()),
            // One answer per round: a scripted model's replies are then one per request, in
            // order. Tests of choosing among several set their own.
            ("NIGHTSHIFT_CANDIDATES".to_owned(), "1".to_owned()),
            // Daemons of tests running at once each take a free port for the HTTP server.
            ("FLASK_PORT".to_owned(), "0".to_owned()),
            (
                "NIGHTSHIFT_LOG".to_owned(),
                "info,llama_cpp_2=warn".to_owned(),
            ),
        ];
        Self { dir, env }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn set(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// The OpenAI-compatible server at `url` as the only model, named `name`.
    pub fn use_fake_model(&mut self, url: &str, name: &str) {
        self.set("MODEL_TYPE", "openai");
        self.set("NIGHTSHIFT_OPENAI_BASE_URL", url);
        self.set("MODEL_NAME", name);
        self.set("GPT4ALL_MODEL_PATH", "/nonexistent.gguf"); // no other backend to move to
    }

    /// A scripted model that answers every task with `greet.py` (`greet(name)` returns
    /// `'hi ' + name`) and every request for a test with a test of it.
    pub fn use_greeting_model(&mut self) {
        let url = fake_openai_with(|body| {
            Some(sse_reply(if body.contains("Write a short test file") {
                "```python test_greet.py\nfrom greet import greet\n\n\ndef test_greet():\n    assert greet('ann') == 'hi ann'\n```"
            } else {
                "```python greet.py\ndef greet(name):\n    return 'hi ' + name\n```"
            }))
        });
        self.use_fake_model(&url, "scripted");
    }

    /// Queues the task [`Self::use_greeting_model`] answers, and waits until it has landed.
    pub fn greeting_lands(&self, daemon: &Daemon) {
        self.ok(&[
            "add",
            "Create greet.py with greet(name) returning 'hi ' + name",
        ]);
        let tasks = self.wait_all_final(Duration::from_secs(60));
        assert_eq!(
            tasks[0]["status"],
            "succeeded",
            "{tasks:#?}\n{}",
            daemon.log()
        );
    }

    /// Writes `files` and commits them on the checked-out branch, as the user would.
    pub fn user_commit(&self, files: &[(&str, &str)], message: &str) {
        for (path, content) in files {
            let file = self.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
            git(self.path(), &["add", path]);
        }
        git(
            self.path(),
            &[
                "-c",
                "user.name=u",
                "-c",
                "user.email=u@u",
                "commit",
                "-qm",
                message,
            ],
        );
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.path()).args(args);
        // Only what the test chooses: the host's own settings must not leak in.
        cmd.env_clear();
        for var in ["PATH", "HOME", "PYENV_ROOT", "PYENV_VERSION", "LANG"] {
            if let Some(value) = std::env::var_os(var) {
                cmd.env(var, value);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs a command to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs a command that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "nightshift {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must fail; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "nightshift {args:?} should have failed"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Starts the daemon; its log goes to `serve-N.log` in the repository's `.nightshift/`.
    pub fn serve(&self, args: &[&str]) -> Daemon {
        let log_dir = self.path().join(".nightshift");
        std::fs::create_dir_all(&log_dir).unwrap();
        let n = std::fs::read_dir(&log_dir).unwrap().count();
        let log = log_dir.join(format!("serve-{n}.log"));
        let mut full = vec!["serve"];
        full.extend_from_slice(args);
        let child = self
            .command(&full)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    /// `tasks list --json`.
    pub fn tasks(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["tasks", "list", "--json", "--limit", "1000"])).unwrap()
    }

    /// `tasks show ID --json`.
    pub fn show(&self, id: i64) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["tasks", "show", &id.to_string(), "--json"])).unwrap()
    }

    /// The logs of every `serve` this repository ran, for a failure's message.
    pub fn serve_logs(&self) -> String {
        let mut logs: Vec<_> = std::fs::read_dir(self.path().join(".nightshift"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "log"))
            .collect();
        logs.sort();
        logs.iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                format!("--- {} ---\n{text}", path.display())
            })
            .collect()
    }

    /// Waits until every task is in a final state.
    pub fn wait_all_final(&self, limit: Duration) -> Vec<serde_json::Value> {
        let started = Instant::now();
        loop {
            let tasks = self.tasks();
            if tasks.iter().all(|t| {
                matches!(
                    t["status"].as_str(),
                    Some("succeeded" | "failed" | "cancelled")
                )
            }) {
                return tasks;
            }
            assert!(
                started.elapsed() < limit,
                "tasks not final after {limit:?}: {tasks:#?}\n{}",
                self.serve_logs()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Waits until `pred` holds for the task list.
    pub fn wait_until(
        &self,
        limit: Duration,
        what: &str,
        pred: impl Fn(&[serde_json::Value]) -> bool,
    ) {
        let started = Instant::now();
        loop {
            let tasks = self.tasks();
            if pred(&tasks) {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "{what}: not after {limit:?}: {tasks:#?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Commit ids on `main` carrying each task's trailer.
    pub fn commits_of(&self, task_id: i64) -> Vec<String> {
        let branch = Command::new("git")
            .arg("-C")
            .arg(self.path())
            .args(["rev-parse", "--verify", "--quiet", "refs/heads/main"])
            .output()
            .unwrap();
        if !branch.status.success() {
            return Vec::new(); // no commit yet
        }
        let grep = format!("--grep=^Nightshift-Task: {task_id}$");
        let out = git_out(
            self.path(),
            &["log", "--format=%H", "--extended-regexp", &grep, "main"],
        );
        out.lines().map(str::to_owned).collect()
    }
}

pub struct Daemon {
    pub child: Child,
    pub log: PathBuf,
}

impl Daemon {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The address its HTTP server listens on, from its log (waiting for it).
    pub fn http_addr(&self) -> String {
        let started = Instant::now();
        loop {
            let log = self.log();
            if let Some(at) = log.find("dashboard and API on http://") {
                let rest = &log[at + "dashboard and API on http://".len()..];
                return rest.split_whitespace().next().unwrap().to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no HTTP server in the log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) -> String {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = self.child.wait().unwrap();
        let log = self.log();
        assert!(status.success(), "daemon exited with {status}:\n{log}");
        log
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

pub fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A sequential OpenAI-compatible fake: each connection gets the next scripted raw reply.
pub fn fake_openai(replies: Vec<String>) -> String {
    fake_openai_recording(replies).0
}

/// [`fake_openai`], also keeping each request's body.
pub fn fake_openai_recording(
    replies: Vec<String>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&bodies);
    let mut replies = replies.into_iter();
    let url = fake_openai_with(move |body| {
        seen.lock().unwrap().push(body.to_owned());
        replies.next()
    });
    (url, bodies)
}

/// An OpenAI-compatible fake answering each request (one connection at a time) with what
/// `respond` makes of its body; `None` stops the server.
pub fn fake_openai_with(
    mut respond: impl FnMut(&str) -> Option<String> + Send + 'static,
) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        loop {
            let Ok((mut socket, _)) = listener.accept() else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 8192];
            // Read headers and the body announced by content-length.
            loop {
                let n = std::io::Read::read(&mut socket, &mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length: usize = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let text = String::from_utf8_lossy(&request).into_owned();
            let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
            let Some(reply) = respond(&body.unwrap_or_default()) else {
                return;
            };
            let _ = std::io::Write::write_all(&mut socket, reply.as_bytes());
        }
    });
    url
}

pub fn sse_reply(content: &str) -> String {
    let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": content}}]});
    let usage =
        serde_json::json!({"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 20}});
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\ndata: {chunk}\n\ndata: {usage}\n\ndata: [DONE]\n\n"
    )
}

/// What each model call of a task (`TestRepo::show`) asked for, in order.
pub fn purposes(shown: &serde_json::Value) -> Vec<&str> {
    shown["model_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purpose"].as_str().unwrap())
        .collect()
}

/// One HTTP/1.1 request to `addr` from this machine, as curl would send it (no `Origin`): the
/// status code and the body.
pub fn http(addr: &str, method: &str, path: &str, content_type: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP reply: {reply}"));
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}
