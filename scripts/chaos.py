"""What the chaos soak (scripts/soak) and the fault suite (scripts/faults) share: a scripted
OpenAI-compatible model, a fixture repository, the daemon built with failpoints, and the
invariants checked after a run.

Real SQLite, real git, real bubblewrap and the real merge queue; only the model is scripted, so
model speed is not the limit.
"""

import http.server
import json
import os
import re
import signal
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sh(*args, cwd=None, check=True, env=None):
    out = subprocess.run(list(map(str, args)), cwd=cwd, check=False, capture_output=True, text=True, env=env)
    if check and out.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed: {out.stderr}")
    return out.stdout


def build(debug: bool = False) -> Path:
    """The daemon with failpoints; a debug build (quick to make where tests were just built)
    for the short run in CI, release otherwise."""
    print("building nightshift with failpoints", file=sys.stderr)
    profile = [] if debug else ["--release"]
    subprocess.run(
        ["cargo", "build", *profile, "--quiet", "--bin", "nightshift", "--features", "nightshift-cli/failpoints"],
        cwd=ROOT,
        check=True,
    )
    return ROOT / "target" / ("debug" if debug else "release") / "nightshift"


# ---------------------------------------------------------------- the scripted model


def module_and_test(n: int):
    return [
        (f"pkg/t{n}.py", f"def f{n}():\n    return {n}\n"),
        (
            f"tests/test_t{n}.py",
            f"from pkg.t{n} import f{n}\n\n\ndef test_f{n}():\n    assert f{n}() == {n}\n",
        ),
    ]


def fenced(files) -> str:
    return "\n\n".join(f"```python {path}\n{content}```" for path, content in files)


def reply_for(prompt: str, hostile) -> str:
    """The answer to a request: task N's module and its test; for a task that shares, an append
    to the shared.py the prompt shows; for a task given a hostile reply, that reply."""
    match = re.search(r"Soak task (\d+)( shares)?", prompt)
    if not match:
        return "I cannot tell which task this is."
    n = int(match.group(1))
    if n in hostile:
        return hostile[n](n)
    files = module_and_test(n)
    if match.group(2):
        shown = re.search(r"```shared\.py\n(.*?)```", prompt, re.S)
        current = shown.group(1) if shown else "SHARED = []\n"
        files.append(("shared.py", current + f"SHARED.append({n})\n"))
    return fenced(files)


class Model(http.server.BaseHTTPRequestHandler):
    hostile = {}
    requests = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        raw = self.rfile.read(length) or b"{}"
        Model.requests.append(raw)
        body = json.loads(raw)
        prompt = "\n".join(m.get("content", "") for m in body.get("messages", []))
        text = reply_for(prompt, Model.hostile)
        chunk = {"choices": [{"index": 0, "delta": {"content": text}}]}
        usage = {"choices": [], "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(text) // 4}}
        payload = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode()
        try:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon was killed mid-request: that is the point


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


# ---------------------------------------------------------------- the fixture and a run


CHECK = '''"""Runs every test module under tests/ (a fast stand-in for pytest at this scale)."""
import importlib, pathlib, sys
sys.path.insert(0, ".")
failed = 0
for path in sorted(pathlib.Path("tests").glob("test_*.py")):
    module = importlib.import_module("tests." + path.stem)
    for name in dir(module):
        if name.startswith("test_"):
            try:
                getattr(module, name)()
            except Exception as err:
                failed += 1
                print(f"{path}::{name} failed: {err!r}")
import shared
print(f"{len(list(pathlib.Path('tests').glob('test_*.py')))} modules, {failed} failed")
sys.exit(1 if failed else 0)
'''

USER_FILES = {
    "NOTES.md": "the user's notes, edited and not committed\n",
    "scratch.txt": "untracked, the user's\n",
    "local.env": "SECRET=ignored-by-git\n",
}

FAILPOINTS = "after_claim=1%return;before_land=3%return;after_land=3%return;after_record=2%return"


class Run:
    """A scratch repository with its queue, the scripted model, and the daemon's environment."""

    def __init__(self, binary: Path, workers: int, max_retries: int, failpoints: str = "", base=None):
        self.binary = binary
        self.scratch = Path(tempfile.mkdtemp(prefix="nightshift-chaos-", dir=base))
        self.repo = self.scratch / "repo"
        self.db = self.repo / ".git/nightshift/nightshift.db"
        self.outside = self.scratch / "outside"
        self.outside.mkdir()
        (self.outside / "canary.txt").write_text("untouched\n")
        self.make_repo()
        Model.hostile = {}
        Model.requests = []
        self.server = Server(("127.0.0.1", 0), Model)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "MODEL_TYPE": "openai",
            "MODEL_NAME": "scripted",
            "NIGHTSHIFT_OPENAI_BASE_URL": f"http://127.0.0.1:{self.server.server_address[1]}",
            "GPT4ALL_MODEL_PATH": "/nonexistent.gguf",
            "WORKER_COUNT": str(workers),
            "FLASK_PORT": "0",  # any free port: a stopped daemon may still hold one
            "MAX_RETRIES": str(max_retries),
            "NIGHTSHIFT_RETRY_BASE_DELAY": "1",
            "NIGHTSHIFT_RETRY_MAX_DELAY": "2",
            "NIGHTSHIFT_LEASE_DURATION": "10",
            "NIGHTSHIFT_REPAIR_ROUNDS": "1",
            "NIGHTSHIFT_TEST_COMMAND": "python3 -B check.py",
            "NIGHTSHIFT_WORKTREE_DIR": str(self.scratch / "worktrees"),
            "NIGHTSHIFT_LOG": "warn",
            "FAILPOINTS": failpoints,
        }
        for key in ("PYENV_ROOT", "PYENV_VERSION"):
            if key in os.environ:
                self.env[key] = os.environ[key]
        self.log = open(self.scratch / "daemon.log", "ab")

    def make_repo(self):
        repo = self.repo
        (repo / "pkg").mkdir(parents=True)
        (repo / "tests").mkdir()
        (repo / "pkg/__init__.py").write_text("")
        (repo / "tests/__init__.py").write_text("")
        (repo / "shared.py").write_text("SHARED = []\n")
        (repo / "check.py").write_text(CHECK)
        (repo / "NOTES.md").write_text("notes\n")
        (repo / ".gitignore").write_text("local.env\n.nightshift/\n")
        sh("git", "init", "-q", "-b", "main", cwd=repo)
        sh("git", "add", "-A", cwd=repo)
        sh("git", "-c", "user.name=u", "-c", "user.email=u@u", "commit", "-qm", "start", cwd=repo)
        for name, content in USER_FILES.items():
            (repo / name).write_text(content)
        self.user_before = {name: (repo / name).read_bytes() for name in USER_FILES}
        self.outside_before = {p.name: p.read_bytes() for p in self.outside.iterdir()}

    def load(self, n: int, shares, asks=None) -> None:
        """Queue tasks 1..n; a task in `asks` also asks for the file named there."""
        lines = ["tasks:"]
        for i in range(1, n + 1):
            text = f"Soak task {i}{' shares' if i in shares else ''}: create pkg/t{i}.py with f{i}() returning {i}"
            if i in shares:
                text += f", and append SHARED.append({i}) to shared.py"
            if asks and i in asks:
                text += f", and write {asks[i]}"
            lines.append(f'  - description: "{text}"')
        (self.scratch / "tasks.yaml").write_text("\n".join(lines) + "\n")
        sh(self.binary, "--repo", self.repo, "load", self.scratch / "tasks.yaml", env=self.env)
        self.tasks = n

    def start(self, env=None) -> subprocess.Popen:
        return subprocess.Popen(
            [str(self.binary), "--repo", str(self.repo), "serve"],
            env={**self.env, **(env or {})},
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )

    def counts(self) -> dict:
        if not self.db.exists():
            return {}
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return dict(con.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall())
        except sqlite3.OperationalError:
            return {}
        finally:
            con.close()

    def all_final(self) -> bool:
        state = self.counts()
        return state.get("queued", 0) == 0 and state.get("running", 0) == 0 and sum(state.values()) == self.tasks

    def wait_final(self, limit: float) -> bool:
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if self.all_final():
                return True
            time.sleep(0.5)
        return False

    def errors(self) -> dict:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return dict(con.execute("SELECT id, coalesce(last_error, '') FROM tasks WHERE status = 'failed'").fetchall())
        finally:
            con.close()

    def messages(self) -> str:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return "\n".join(m for (m,) in con.execute("SELECT message FROM execution_logs"))
        finally:
            con.close()

    def check(self):
        """The invariants after a run: (figures, failures)."""
        failures = []
        con = sqlite3.connect(str(self.db), timeout=30)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = con.execute("SELECT id, status FROM tasks").fetchall()
        recorded = dict(con.execute("SELECT task_id, sha FROM git_commits").fetchall())
        queue_id = con.execute("SELECT value FROM system_state WHERE key = 'queue_id'").fetchone()[0]
        con.close()
        status = dict(rows)
        log_out = sh(
            "git", "log", "-z",
            "--format=%H%x01%(trailers:key=Nightshift-Task,valueonly,separator=%x2C)%x01%(trailers:key=Nightshift-Queue,valueonly,separator=%x2C)",
            "main", cwd=self.repo,
        )
        commits = {}
        for record in filter(None, log_out.split("\0")):
            sha, task, queue = record.strip("\n").split("\x01")
            if queue == queue_id and task:
                commits.setdefault(int(task), []).append(sha)
        succeeded = [t for t, s in status.items() if s == "succeeded"]
        lost = self.tasks - len(rows)
        stuck = sum(1 for s in status.values() if s in ("queued", "running"))
        duplicates = sum(1 for shas in commits.values() if len(shas) > 1)
        without_commit = [t for t in succeeded if len(commits.get(t, [])) != 1]
        unrecorded = [t for t in succeeded if recorded.get(t) not in commits.get(t, [None])]
        landed_not_succeeded = [t for t in commits if status.get(t) != "succeeded"]
        merges = sh("git", "rev-list", "--merges", "main", cwd=self.repo).split()
        locks = [str(p) for p in (self.repo / ".git").rglob("*.lock") if p.name != "nightshift-daemon.lock"]
        fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=self.repo, capture_output=True, text=True)
        user_after = {name: (self.repo / name).read_bytes() for name in USER_FILES}
        outside_after = {p.name: p.read_bytes() for p in self.outside.iterdir()}
        protected = [
            f for f in sh("git", "ls-tree", "-r", "-z", "--name-only", "main", cwd=self.repo).split("\0")
            if f in ("nightshift.toml", ".gitattributes", ".gitmodules") or f.startswith(".husky/")
        ]
        for bad, what in [
            (integrity != "ok", f"integrity_check: {integrity}"),
            (lost, f"{lost} tasks lost"),
            (stuck, f"{stuck} tasks stuck queued or running"),
            (duplicates, f"{duplicates} tasks with more than one commit"),
            (without_commit, f"succeeded without exactly one commit: {without_commit[:10]}"),
            (unrecorded, f"git_commits disagrees with the branch: {unrecorded[:10]}"),
            (landed_not_succeeded, f"commits of tasks not succeeded: {landed_not_succeeded[:10]}"),
            (merges, f"{len(merges)} merge commits: history is not linear"),
            (locks, f"lock files left: {locks}"),
            (fsck.returncode != 0, f"git fsck: {fsck.stderr[:300]}"),
            (user_after != self.user_before, "the user's own files changed"),
            (outside_after != self.outside_before, "files outside the repository changed"),
            (protected, f"protected files on the branch: {protected}"),
        ]:
            if bad:
                failures.append(what)
        figures = {
            "succeeded": len(succeeded),
            "failed": sum(1 for s in status.values() if s == "failed"),
            "lost": lost,
            "stuck (queued/running)": stuck,
            "tasks with duplicate commits": duplicates,
            "commits on main by the queue": sum(len(v) for v in commits.values()),
            "integrity_check": integrity,
        }
        return figures, failures

    def close(self, keep: bool):
        self.server.shutdown()
        self.log.close()
        if keep:
            print(f"scratch directory kept: {self.scratch}", file=sys.stderr)
        else:
            subprocess.run(["rm", "-rf", str(self.scratch)], check=False)


def stop(daemon: subprocess.Popen) -> None:
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
