//! The one place nightshift reads and writes files in a worktree or a repository.
//!
//! Everything in a worktree is hostile input: sandboxed tests and model replies can plant
//! symlinks, FIFOs and huge files there, and the daemon works on those files *outside* the
//! sandbox. So every operation here opens its path one component at a time beneath the root
//! (`cap-std`, which uses `openat2(RESOLVE_BENEATH)` where the kernel has it) and **follows no
//! symlink at all**, on the way or at the end:
//!
//! - a read of a symlink, a FIFO, a device or a directory is refused for that file (never a
//!   hang, never `/dev/zero` read until memory runs out), and so is a file over
//!   [`READ_LIMIT_BYTES`] or one that is not UTF-8;
//! - a write goes to a new file with a random name (`O_EXCL`: nothing planted at a predictable
//!   name receives it) and is renamed over its target, so a symlink or hard link at the target
//!   never carries it elsewhere; a set of writes lands all or none ([`Workspace::write_all`]);
//! - paths are checked before anything is touched: relative, no `..`, nothing under `.git`, and
//!   none of the files that configure nightshift or git's hooks ([`PROTECTED`]).
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use nix::fcntl::OFlag;
use rand::Rng;

/// Largest file read; larger ones are refused.
pub const READ_LIMIT_BYTES: u64 = 4 << 20;

/// Paths nothing nightshift writes may touch, compared without regard to case (case-insensitive
/// file systems alias them). A directory entry ends in `/`. They configure nightshift itself
/// (its sandbox, its endpoints) or make git or a tool run code on the host: hooks, filters and
/// drivers named in attributes, submodules, CI workflows.
pub const PROTECTED: &[&str] = &[
    "nightshift.toml",
    ".nightshift/",
    ".husky/",
    ".githooks/",
    ".pre-commit-config.yaml",
    ".gitattributes",
    ".gitmodules",
    ".github/workflows/",
];

/// Why a file operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// The path or the file there is one nightshift does not touch.
    #[error("refused {path:?}: {reason}")]
    Refused {
        /// The path as given.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// The operating system said no.
    #[error("{path}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl From<FsError> for std::io::Error {
    fn from(err: FsError) -> Self {
        match err {
            FsError::Io { source, .. } => source,
            refused @ FsError::Refused { .. } => {
                Self::new(std::io::ErrorKind::PermissionDenied, refused.to_string())
            }
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = FsError> = std::result::Result<T, E>;

fn refused(path: &str, reason: &'static str) -> FsError {
    FsError::Refused {
        path: path.to_owned(),
        reason,
    }
}

fn io(path: &str) -> impl FnOnce(std::io::Error) -> FsError + '_ {
    move |source| FsError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Checks `path` for any use and returns its components: relative, no `..`, not empty, not under
/// `.git` (in any letter case: case-insensitive file systems alias it).
pub fn components(path: &str) -> Result<Vec<String>> {
    let mut parts = Vec::new();
    for component in Path::new(path.trim()).components() {
        match component {
            Component::Normal(part) => {
                let Some(part) = part.to_str() else {
                    return Err(refused(path, "the name is not UTF-8"));
                };
                if part.eq_ignore_ascii_case(".git") {
                    return Err(refused(path, "paths inside .git are never touched"));
                }
                parts.push(part.to_owned());
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(refused(path, "`..` leaves the repository")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refused(path, "absolute paths are outside the repository"));
            }
        }
    }
    if parts.is_empty() {
        return Err(refused(path, "empty path"));
    }
    if parts.iter().any(|p| p.contains('\0')) {
        return Err(refused(path, "a NUL byte in the name"));
    }
    Ok(parts)
}

/// Whether `path` is one of [`PROTECTED`] or inside one.
pub fn is_protected(path: &str) -> bool {
    let Ok(parts) = components(path) else {
        return false;
    };
    let joined = parts.join("/").to_ascii_lowercase();
    PROTECTED
        .iter()
        .any(|protected| match protected.strip_suffix('/') {
            Some(dir) => joined == dir || joined.starts_with(protected),
            None => joined == *protected,
        })
}

/// `path` normalised (`./a//b` → `a/b`) if it may be written: [`components`], and not
/// [`is_protected`].
pub fn writable_path(path: &str) -> Result<String> {
    writable(path).map(|parts| parts.join("/"))
}

/// [`components`] of a path to write: protected files are refused too.
fn writable(path: &str) -> Result<Vec<String>> {
    let parts = components(path)?;
    if is_protected(path) {
        return Err(refused(
            path,
            "a file that configures nightshift, git hooks or CI is never written by a task",
        ));
    }
    Ok(parts)
}

/// A directory tree nightshift reads and writes without leaving it.
#[derive(Debug)]
pub struct Workspace {
    dir: Dir,
    root: PathBuf,
}

impl Workspace {
    /// Opens the tree at `root` (which the daemon made, or the user named: it may be reached
    /// through a link; nothing beneath it is).
    pub fn open(root: &Path) -> Result<Self> {
        let shown = root.display().to_string();
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority()).map_err(io(&shown))?;
        Ok(Self {
            dir,
            root: root.to_owned(),
        })
    }

    /// The root as opened.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory holding the last component of `parts`, opened without following links;
    /// created (as real directories) if `create`. `Ok(None)`: it does not exist.
    fn parent(&self, path: &str, parts: &[String], create: bool) -> Result<Option<Dir>> {
        let mut dir = self.dir.try_clone().map_err(io(path))?;
        for part in &parts[..parts.len() - 1] {
            match dir.symlink_metadata(part) {
                Ok(meta) if meta.is_symlink() => {
                    return Err(refused(
                        path,
                        "a symlink on the way; links are not followed",
                    ));
                }
                Ok(meta) if !meta.is_dir() => {
                    return Err(refused(path, "a file where a directory is needed"));
                }
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && create => {
                    dir.create_dir(part).map_err(io(path))?;
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(io(path)(err)),
            }
            dir = dir.open_dir_nofollow(part).map_err(io(path))?;
        }
        Ok(Some(dir))
    }

    /// The content of the regular file at `path`; `Ok(None)` if there is none. A symlink, a
    /// special file, a directory, a file over [`READ_LIMIT_BYTES`] or not UTF-8 is refused.
    pub fn read(&self, path: &str) -> Result<Option<String>> {
        let bytes = self.read_bytes(path)?;
        bytes
            .map(|bytes| String::from_utf8(bytes).map_err(|_| refused(path, "not UTF-8 text")))
            .transpose()
    }

    /// [`Workspace::read`] as bytes.
    pub fn read_bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let parts = components(path)?;
        let Some(dir) = self.parent(path, &parts, false)? else {
            return Ok(None);
        };
        let name = &parts[parts.len() - 1];
        let mut options = OpenOptions::new();
        options.read(true);
        options.follow(FollowSymlinks::No);
        // A FIFO opened without O_NONBLOCK waits for a writer that never comes.
        options.custom_flags(OFlag::O_NONBLOCK.bits());
        let file = match dir.open_with(name, &options) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(_) if dir.symlink_metadata(name).is_ok_and(|m| m.is_symlink()) => {
                return Err(refused(path, "a symlink; links are not followed"));
            }
            Err(err) => return Err(io(path)(err)),
        };
        let meta = file.metadata().map_err(io(path))?;
        if !meta.is_file() {
            return Err(refused(path, "not a regular file"));
        }
        if meta.len() > READ_LIMIT_BYTES {
            return Err(refused(path, "larger than the read limit"));
        }
        let mut bytes = Vec::new();
        file.into_std()
            .take(READ_LIMIT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io(path))?;
        if bytes.len() as u64 > READ_LIMIT_BYTES {
            return Err(refused(path, "larger than the read limit"));
        }
        Ok(Some(bytes))
    }

    /// [`Workspace::read`], with every refusal or failure as `None` (a file the caller can do
    /// without: a map entry, a baseline).
    pub fn read_text(&self, path: &str) -> Option<String> {
        self.read(path).ok().flatten()
    }

    /// Whether a regular file (not a link) is at `path`.
    pub fn is_file(&self, path: &str) -> bool {
        self.kind(path) == Some(Kind::File)
    }

    /// What is at `path`, without following a link.
    pub fn kind(&self, path: &str) -> Option<Kind> {
        let parts = components(path).ok()?;
        let dir = self.parent(path, &parts, false).ok()??;
        let meta = dir.symlink_metadata(&parts[parts.len() - 1]).ok()?;
        Some(if meta.is_symlink() {
            Kind::Symlink
        } else if meta.is_file() {
            Kind::File
        } else if meta.is_dir() {
            Kind::Dir
        } else {
            Kind::Special
        })
    }

    /// Writes one file (see [`Workspace::write_all`]).
    pub fn write(&self, path: &str, content: &[u8]) -> Result<()> {
        self.write_all(&[(path.to_owned(), content.to_vec())])
            .map(drop)
    }

    /// Writes every file, or none: each is written to a new file with a random name beside its
    /// target, then all are renamed over their targets; if a rename fails, those done are
    /// undone. A symlink at a target is refused (the name is the link's, not the file's). Returns
    /// the paths, normalised (`a/./b` → `a/b`).
    pub fn write_all(&self, files: &[(String, Vec<u8>)]) -> Result<Vec<String>> {
        let mut staged: Vec<Staged> = Vec::with_capacity(files.len());
        let result = self.stage_and_swap(files, &mut staged);
        for stage in &staged {
            drop(stage.dir.remove_file(&stage.temp));
            if let Some(backup) = &stage.backup {
                drop(stage.dir.remove_file(backup));
            }
        }
        result
    }

    fn stage_and_swap(
        &self,
        files: &[(String, Vec<u8>)],
        staged: &mut Vec<Staged>,
    ) -> Result<Vec<String>> {
        let mut written = Vec::with_capacity(files.len());
        for (path, content) in files {
            let parts = writable(path)?;
            let name = parts[parts.len() - 1].clone();
            let dir = self
                .parent(path, &parts, true)?
                .ok_or_else(|| refused(path, "no directory"))?;
            match dir.symlink_metadata(&name) {
                Ok(meta) if meta.is_symlink() => {
                    return Err(refused(
                        path,
                        "the target is a symlink; links are not followed",
                    ));
                }
                Ok(meta) if !meta.is_file() => {
                    return Err(refused(path, "the target is not a regular file"));
                }
                _ => {}
            }
            let (temp, mut file) = create_new(&dir, path)?;
            staged.push(Staged {
                dir,
                temp,
                name,
                backup: None,
                swapped: false,
            });
            file.write_all(content).map_err(io(path))?;
            written.push(parts.join("/"));
        }
        for i in 0..staged.len() {
            if let Err(err) = swap(&mut staged[i]) {
                for done in staged[..i].iter_mut().rev() {
                    unswap(done);
                }
                return Err(io(&files[i].0)(err));
            }
        }
        Ok(written)
    }

    /// Removes the file at `path` (a link there is removed itself, never followed); nothing
    /// there is not an error. Protected files may be removed: taking away what a run planted is
    /// what the daemon does with them.
    pub fn remove(&self, path: &str) -> Result<()> {
        let parts = components(path)?;
        let Some(dir) = self.parent(path, &parts, false)? else {
            return Ok(());
        };
        match dir.remove_file(&parts[parts.len() - 1]) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(io(path)(err)),
            _ => Ok(()),
        }
    }
}

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (not followed).
    Symlink,
    /// A FIFO, socket or device.
    Special,
}

/// One file of a [`Workspace::write_all`]: its new content under a temporary name, and the
/// original's while the swap is under way.
struct Staged {
    dir: Dir,
    temp: String,
    name: String,
    backup: Option<String>,
    swapped: bool,
}

/// A new file with a random name in `dir`, created exclusively.
fn create_new(dir: &Dir, path: &str) -> Result<(String, cap_std::fs::File)> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    options.follow(FollowSymlinks::No);
    for _ in 0..8 {
        let temp = random_name();
        match dir.open_with(&temp, &options) {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(io(path)(err)),
        }
    }
    Err(refused(path, "no free temporary name"))
}

fn random_name() -> String {
    format!(".nightshift-{:016x}.tmp", rand::rng().random::<u64>())
}

/// The original (if any) moves to a backup name, the new content to the target.
fn swap(stage: &mut Staged) -> std::io::Result<()> {
    if stage.dir.symlink_metadata(&stage.name).is_ok() {
        let backup = random_name();
        stage.dir.rename(&stage.name, &stage.dir, &backup)?;
        stage.backup = Some(backup);
    }
    if let Err(err) = stage.dir.rename(&stage.temp, &stage.dir, &stage.name) {
        if let Some(backup) = stage.backup.take() {
            drop(stage.dir.rename(&backup, &stage.dir, &stage.name));
        }
        return Err(err);
    }
    stage.swapped = true;
    Ok(())
}

/// Puts the original back (or removes a new file).
fn unswap(stage: &mut Staged) {
    if !stage.swapped {
        return;
    }
    match stage.backup.take() {
        Some(backup) => drop(stage.dir.rename(&backup, &stage.dir, &stage.name)),
        None => drop(stage.dir.remove_file(&stage.name)),
    }
}

/// [`Workspace::read_text`] of `root` (opened for the one read).
pub fn read_text(root: &Path, path: &str) -> Option<String> {
    Workspace::open(root).ok()?.read_text(path)
}

/// [`Workspace::write`] into `root`.
pub fn write(root: &Path, path: &str, content: &str) -> Result<()> {
    Workspace::open(root)?.write(path, content.as_bytes())
}

#[cfg(test)]
mod tests;
