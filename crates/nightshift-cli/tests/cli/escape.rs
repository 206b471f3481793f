//! The escape suite, run through the daemon: hostile tests, a hostile repository and hostile
//! replies, against the real sandbox, real git and the daemon's own file and git operations
//! around them. After it: nothing outside the worktree changed, no hook ran, no secret in any
//! prompt, log or commit, the next start still sandboxed, the daemon alive.

use std::path::Path;
use std::time::Duration;

use super::helpers::{TestRepo, fake_openai_recording, git, git_out, sse_reply};

const SECRET: &str = "CANARY-7f3a9c-SECRET";

/// Hook names git runs around what the daemon does (commit, checkout, merge, refs, push).
const HOOKS: &[&str] = &[
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "post-checkout",
    "post-merge",
    "post-rewrite",
    "reference-transaction",
    "pre-push",
];

fn hook_script(marker: &Path, name: &str) -> String {
    format!("#!/bin/sh\necho {name} >> '{}'\n", marker.display())
}

/// A test file that, run by pytest in the sandbox, plants every trap it can in the worktree:
/// hooks where a relative hooksPath looks, links to a file outside at the names the daemon
/// writes and reads, a `nightshift.toml` turning the sandbox off, and a change to the code
/// after it was written (so what was checked would not be what is committed).
fn hostile_test(outside: &Path) -> String {
    let canary = outside.join("canary.txt");
    format!(
        r##"```python test_calc.py
import os
from calc import add

os.makedirs(".husky", exist_ok=True)
for name in {hooks:?}:
    with open(os.path.join(".husky", name), "w") as f:
        f.write("#!/bin/sh\necho planted-" + name + " >> {canary}\n")
    os.chmod(os.path.join(".husky", name), 0o755)
for name in [".nightshift-edit-0.tmp", "leak.py", "notes2.md"]:
    try:
        os.symlink("{canary}", name)
    except OSError:
        pass
with open("nightshift.toml", "w") as f:
    f.write('sandbox = "off"\n')
with open("calc.py", "a") as f:
    f.write("\n# tampered after the checks\n")


def test_add():
    assert add(2, 3) == 5
```"##,
        hooks = HOOKS,
        canary = canary.display(),
    )
}

const CODE: &str = "```python calc.py\ndef add(a, b):\n    return a + b\n```";
const CLEAN_TEST: &str = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```";
const CONFIG_REPLY: &str =
    "```toml nightshift.toml\nsandbox = \"off\"\ntest_command = \"touch /tmp/pwned\"\n```";

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn hostile_tests_replies_and_repository_reach_nothing_outside_the_worktree() {
    let mut repo = TestRepo::new();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    std::fs::write(outside.path().join("canary.txt"), "untouched\n").unwrap();
    let marker = outside.path().join("hooks-ran");

    // The repository: tracked hooks under a relative hooksPath (as husky sets it), a link to a
    // secret file outside, and a link to an endless device.
    let husky = repo.path().join(".husky");
    std::fs::create_dir_all(&husky).unwrap();
    for name in HOOKS {
        let hook = husky.join(name);
        std::fs::write(&hook, hook_script(&marker, name)).unwrap();
        let mut perms = std::fs::metadata(&hook).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&hook, perms).unwrap();
    }
    std::os::unix::fs::symlink(&secret, repo.path().join("notes.md")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", repo.path().join("zero.py")).unwrap();
    std::fs::write(repo.path().join("README.md"), "A calculator.\n").unwrap();
    git(repo.path(), &["add", "-A"]);
    git(
        repo.path(),
        &[
            "-c",
            "user.name=u",
            "-c",
            "user.email=u@u",
            "commit",
            "-qm",
            "start",
        ],
    );
    git(repo.path(), &["config", "core.hooksPath", ".husky"]);
    let outside_before = snapshot(outside.path());

    let hostile = hostile_test(outside.path());
    let first = format!("{CODE}\n\n{hostile}");
    // The last answer also writes `leak.py`, a name the hostile test linked to a file outside:
    // the write goes through the pipeline into the worktree, never through a link.
    let last = format!("{CODE}\n\n{CLEAN_TEST}\n\n```python leak.py\nLEAKED = 1\n```");
    let (url, requests) = fake_openai_recording(
        [first.as_str(), CONFIG_REPLY, last.as_str()]
            .iter()
            .map(|reply| sse_reply(reply))
            .collect(),
    );
    repo.use_fake_model(&url, "scripted");
    repo.set("MAX_RETRIES", "0");
    repo.ok(&[
        "add",
        // Naming nightshift.toml lets the reply's write of it past the edits pass (which leaves
        // out files a task does not ask for) to the workspace's own refusal.
        "Create calc.py with a function add(a, b) that returns the sum of a and b; nightshift.toml stays as it is.",
    ]);

    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(180));
    let log = daemon.stop();
    let shown = repo.show(1);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown:#}");

    // The round whose tests changed the code after it was written failed for it; the reply
    // writing nightshift.toml was refused.
    let logs = repo.ok(&["tasks", "show", "1", "--full"]);
    assert!(
        logs.contains("the test run changed calc.py"),
        "the tampering went unseen:\n{logs}"
    );
    assert!(logs.contains("nightshift.toml"), "{logs}");
    assert!(logs.contains("never written by a task"), "{logs}");

    // Nothing outside the worktree changed; no hook ran anywhere.
    assert_eq!(snapshot(outside.path()), outside_before);
    assert!(
        !marker.exists(),
        "hooks ran: {:?}",
        std::fs::read_to_string(&marker)
    );
    assert!(!Path::new("/tmp/pwned").exists());

    // What landed is what was checked: the clean answer, no planted file, no config.
    let sha = &repo.commits_of(1)[0];
    let files = git_out(repo.path(), &["show", "--name-only", "--format=", sha]);
    let mut files: Vec<&str> = files.lines().filter(|l| !l.is_empty()).collect();
    files.sort_unstable();
    assert_eq!(files, ["calc.py", "leak.py", "test_calc.py"]);
    let calc = git_out(repo.path(), &["show", &format!("{sha}:calc.py")]);
    assert!(!calc.contains("tampered"), "{calc}");

    // No secret in any prompt, log or commit.
    for (i, body) in requests.lock().unwrap().iter().enumerate() {
        assert!(!body.contains(SECRET), "request {i} carries the secret");
    }
    assert!(!logs.contains(SECRET));
    assert!(!log.contains(SECRET));
    let history = git_out(repo.path(), &["log", "-p", "--all"]);
    assert!(!history.contains(SECRET));

    // A nightshift.toml in the user's checkout that turns the sandbox off (as a cloned
    // repository might carry) is ignored: the next start is still sandboxed, and says why.
    std::fs::write(
        repo.path().join("nightshift.toml"),
        "sandbox = \"off\"\nworker_count = 1\n",
    )
    .unwrap();
    let daemon = repo.serve(&[]);
    std::thread::sleep(Duration::from_secs(3));
    let log = daemon.stop();
    assert!(log.contains("sandbox: bubblewrap"), "{log}");
    assert!(!log.contains("OFF"), "{log}");
    assert!(
        log.contains("`sandbox`") && log.contains("ignored"),
        "{log}"
    );
    let config = repo.ok(&["config"]);
    assert!(
        config.contains("sandbox") && config.contains("ignored"),
        "{config}"
    );
}
