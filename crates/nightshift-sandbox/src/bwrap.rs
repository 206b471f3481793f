//! The file system and namespaces a run sees under bubblewrap.
//!
//! Every namespace is new (no network but a private loopback, own pids, IPC, UTS, user), no
//! capability is kept (not even when nightshift runs as root), the
//! whole file system is read-only, `/tmp` and `/run` are private empty tmpfs of a bounded size,
//! the home directory is an empty tmpfs with only toolchain directories put back read-only (the
//! `PATH` entries under it themselves — never their parents — and the known toolchain roots:
//! `~/.rustup`, `~/.cargo` without its credentials, `~/.pyenv`, …), and the working directory is
//! the one writable place — except its `.git`, bound read-only over itself.
//!
//! A read-only bind does not stop a `connect` to a Unix socket file (Docker's, LXD's, a
//! database's): every socket path the host has bound (`/proc/net/unix`) is covered with
//! `/dev/null`, so none is reachable. The sandbox dies with its parent; a new session stops it
//! reaching our terminal.

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

/// Toolchain directories under the home directory kept (read-only) even if no `PATH` entry
/// points into them.
const HOME_TOOLCHAINS: &[&str] = &[
    ".rustup",
    ".cargo",
    ".pyenv",
    ".nvm",
    ".volta",
    ".local/bin",
    ".local/lib",
    "go/pkg/mod",
];

/// Sizes of the private tmpfs mounts: files there count against memory, not against the
/// per-process data limit, so each is bounded.
const TMP_BYTES: u64 = 1 << 30;
const SMALL_TMPFS_BYTES: u64 = 64 << 20;

/// Files inside kept toolchains that hold credentials; hidden behind `/dev/null`.
const HOME_SECRETS: &[&str] = &[".cargo/credentials", ".cargo/credentials.toml"];

/// bwrap's arguments before the command, for a run in `dir`.
pub(crate) fn args(dir: &Path, home: Option<&Path>, path_env: Option<&OsStr>) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&OsStr]| args.extend(items.iter().map(|s| s.to_os_string()));
    let os = |s: &'static str| OsStr::new(s);
    let tmp_size = OsString::from(TMP_BYTES.to_string());
    let small_size = OsString::from(SMALL_TMPFS_BYTES.to_string());
    push(&[
        os("--unshare-all"),
        os("--die-with-parent"),
        os("--new-session"),
        // Run as root, bwrap keeps every capability inside the sandbox's user namespace, enough
        // to remount `/` read-write or lift a mask: none is kept.
        os("--cap-drop"),
        os("ALL"),
        os("--ro-bind"),
        os("/"),
        os("/"),
        os("--dev"),
        os("/dev"),
        os("--size"),
        &small_size,
        os("--tmpfs"),
        os("/dev/shm"),
        os("--proc"),
        os("/proc"),
        os("--size"),
        &tmp_size,
        os("--tmpfs"),
        os("/tmp"),
        os("--size"),
        &small_size,
        os("--tmpfs"),
        os("/run"),
    ]);
    for socket in host_sockets(dir, home) {
        push(&[os("--ro-bind"), os("/dev/null"), socket.as_os_str()]);
    }
    if let Some(home) = home.filter(|h| h.is_dir() && *h != Path::new("/")) {
        push(&[os("--size"), &small_size, os("--tmpfs"), home.as_os_str()]);
        for kept in kept_under_home(home, path_env) {
            push(&[os("--ro-bind"), kept.as_os_str(), kept.as_os_str()]);
        }
        for secret in HOME_SECRETS {
            let path = home.join(secret);
            if path.is_file() {
                push(&[os("--ro-bind"), os("/dev/null"), path.as_os_str()]);
            }
        }
    }
    push(&[os("--bind"), dir.as_os_str(), dir.as_os_str()]);
    let git = dir.join(".git");
    if git.exists() {
        push(&[os("--ro-bind"), git.as_os_str(), git.as_os_str()]);
    }
    push(&[
        os("--chdir"),
        dir.as_os_str(),
        os("--setenv"),
        os("TMPDIR"),
        os("/tmp"),
    ]);
    args
}

/// The directories under `home` put back: every `PATH` entry inside it (the entry itself, not
/// its parent: `~/.local/bin` keeps `~/.local/share` and the keyrings hidden), and the known
/// toolchain roots, those that exist. None inside a directory that holds secrets.
fn kept_under_home(home: &Path, path_env: Option<&OsStr>) -> Vec<PathBuf> {
    let mut kept: Vec<PathBuf> = Vec::new();
    let from_path = path_env
        .into_iter()
        .flat_map(std::env::split_paths)
        .filter(|entry| {
            entry.strip_prefix(home).is_ok_and(|rest| {
                rest.components().next().is_some()
                    && rest.components().all(|c| matches!(c, Component::Normal(_)))
            })
        });
    let usual = HOME_TOOLCHAINS.iter().map(|t| home.join(t));
    for dir in from_path.chain(usual) {
        let secret_holder = dir.strip_prefix(home).is_ok_and(|rest| {
            rest.components().next().is_some_and(|first| {
                [
                    ".ssh", ".gnupg", ".aws", ".config", ".docker", ".kube", ".azure",
                ]
                .iter()
                .any(|s| first.as_os_str() == *s)
            })
        });
        let covered = kept.iter().any(|k| dir.starts_with(k));
        if dir.is_dir() && !secret_holder && !covered {
            kept.retain(|k| !k.starts_with(&dir));
            kept.push(dir);
        }
    }
    kept
}

/// The Unix socket files the host has bound (from `/proc/net/unix`, which lists those of our
/// network namespace), except those already out of reach: under the private `/tmp`, `/run`,
/// `/dev/shm` and home mounts, or in the run's own directory.
fn host_sockets(dir: &Path, home: Option<&Path>) -> Vec<PathBuf> {
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return Vec::new();
    };
    let masked = |path: &Path| {
        ["/tmp", "/run", "/dev/shm"]
            .iter()
            .any(|m| path.starts_with(m))
            || home.is_some_and(|h| path.starts_with(h))
            || path.starts_with(dir)
    };
    let mut sockets: Vec<PathBuf> = Vec::new();
    for line in table.lines().skip(1) {
        let Some(name) = line
            .split_whitespace()
            .nth(7)
            .filter(|n| n.starts_with('/'))
        else {
            continue;
        };
        let path = PathBuf::from(name);
        // Through links such as /var/run → /run, to judge the real place.
        let real = path.canonicalize().unwrap_or_else(|_| path.clone());
        let is_socket = std::os::unix::fs::FileTypeExt::is_socket(&match real.symlink_metadata() {
            Ok(meta) => meta.file_type(),
            Err(_) => continue,
        });
        if is_socket && !masked(&real) && !sockets.contains(&real) {
            sockets.push(real);
        }
    }
    sockets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_keeps_path_toolchains_but_not_secrets() {
        let home = tempfile::tempdir().unwrap();
        for dir in [".pyenv/shims", ".ssh", ".cargo/bin", ".config"] {
            std::fs::create_dir_all(home.path().join(dir)).unwrap();
        }
        std::fs::write(home.path().join(".cargo/credentials.toml"), "token").unwrap();
        let path = std::env::join_paths([
            home.path().join(".pyenv/shims"),
            home.path().join(".ssh"),
            home.path().join(".config"),
            PathBuf::from("/usr/bin"),
        ])
        .unwrap();
        let kept = kept_under_home(home.path(), Some(&path));
        // ~/.pyenv is a toolchain root (its shims run what is beside them), so it covers the
        // PATH entry inside it.
        assert_eq!(
            kept,
            vec![home.path().join(".cargo"), home.path().join(".pyenv")]
        );
        // A PATH entry keeps itself, never its parent: ~/.local/bin, not ~/.local/share.
        for dir in [
            ".local/bin",
            ".local/share/keyrings",
            ".fly/bin",
            ".docker/bin",
        ] {
            std::fs::create_dir_all(home.path().join(dir)).unwrap();
        }
        let path = std::env::join_paths([
            home.path().join(".local/bin"),
            home.path().join(".fly/bin"),
            home.path().join(".docker/bin"),
        ])
        .unwrap();
        let kept = kept_under_home(home.path(), Some(&path));
        assert!(kept.contains(&home.path().join(".local/bin")), "{kept:?}");
        assert!(kept.contains(&home.path().join(".fly/bin")), "{kept:?}");
        assert!(
            !kept
                .iter()
                .any(|k| k.ends_with(".local") || k.ends_with(".fly"))
        );
        assert!(
            !kept
                .iter()
                .any(|k| k.starts_with(home.path().join(".docker")))
        );
        let args = args(Path::new("/work/x"), Some(home.path()), Some(&path));
        let text: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let secret = home.path().join(".cargo/credentials.toml");
        let at = text
            .iter()
            .position(|a| *a == secret.to_string_lossy())
            .unwrap();
        assert_eq!(text[at - 1], "/dev/null");
        assert!(!text.iter().any(|a| a.ends_with(".ssh")));
    }
}
