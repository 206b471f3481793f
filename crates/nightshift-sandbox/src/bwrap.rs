//! The file system and namespaces a run sees under bubblewrap.
//!
//! Every namespace is new (no network but a private loopback, own pids, IPC, UTS, user), the
//! whole file system is read-only, `/tmp` and `/run` are private empty tmpfs, the home directory
//! is an empty tmpfs with only the toolchains put back read-only (those `PATH` points into, plus
//! `~/.rustup`, `~/.cargo` without its credentials, `~/.local/{bin,lib}` and `~/go/pkg/mod`), and
//! the working directory is the one writable place — except its `.git`, bound read-only over
//! itself. The sandbox dies with its parent; a new session stops it reaching our terminal.

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

/// Toolchain directories under the home directory kept (read-only) even if no `PATH` entry
/// points into them.
const HOME_TOOLCHAINS: &[&str] = &[
    ".rustup",
    ".cargo",
    ".local/bin",
    ".local/lib",
    "go/pkg/mod",
];

/// Files inside kept toolchains that hold credentials; hidden behind `/dev/null`.
const HOME_SECRETS: &[&str] = &[".cargo/credentials", ".cargo/credentials.toml"];

/// bwrap's arguments before the command, for a run in `dir`.
pub(crate) fn args(dir: &Path, home: Option<&Path>, path_env: Option<&OsStr>) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&OsStr]| args.extend(items.iter().map(|s| s.to_os_string()));
    let os = |s: &'static str| OsStr::new(s);
    push(&[
        os("--unshare-all"),
        os("--die-with-parent"),
        os("--new-session"),
        os("--ro-bind"),
        os("/"),
        os("/"),
        os("--dev"),
        os("/dev"),
        os("--tmpfs"),
        os("/dev/shm"),
        os("--proc"),
        os("/proc"),
        os("--tmpfs"),
        os("/tmp"),
        os("--tmpfs"),
        os("/run"),
    ]);
    if let Some(home) = home.filter(|h| h.is_dir() && *h != Path::new("/")) {
        push(&[os("--tmpfs"), home.as_os_str()]);
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

/// The directories under `home` put back: the first component of every `PATH` entry inside
/// it, and the usual toolchain directories, those that exist.
fn kept_under_home(home: &Path, path_env: Option<&OsStr>) -> Vec<PathBuf> {
    let mut kept: Vec<PathBuf> = Vec::new();
    let from_path = path_env
        .into_iter()
        .flat_map(std::env::split_paths)
        .filter_map(|entry| {
            let rest = entry.strip_prefix(home).ok()?;
            match rest.components().next()? {
                Component::Normal(first) => Some(home.join(first)),
                _ => None,
            }
        });
    let usual = HOME_TOOLCHAINS.iter().map(|t| home.join(t));
    for dir in from_path.chain(usual) {
        let secret_holder = dir
            .file_name()
            .is_some_and(|n| n == ".ssh" || n == ".gnupg" || n == ".aws" || n == ".config");
        if dir.is_dir() && !secret_holder && !kept.contains(&dir) {
            kept.push(dir);
        }
    }
    kept
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
        assert_eq!(
            kept,
            vec![home.path().join(".pyenv"), home.path().join(".cargo")]
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
