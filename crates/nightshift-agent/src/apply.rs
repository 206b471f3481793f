//! Writing a model's edits into a worktree — only inside it, all of them or none.
//!
//! Paths and files are checked by the one workspace writer ([`nightshift_workspace`]): refused
//! are empty and absolute paths, any `..` component, anything under `.git`, the files that
//! configure nightshift, git hooks or CI, and any path with a symlink on the way or at the
//! target. The same checks hold for every edit format. Every path is checked and every new
//! content computed (search blocks placed) before the first write, so a reply with one bad path
//! or one search block that matches nothing writes nothing.

use nightshift_workspace::{FsError, Workspace};

use crate::edit::{self, Edit};

/// Why an edit set was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A path that would write outside the repository, into `.git`, or a protected file.
    #[error("refused to write {path:?}: {reason}")]
    Unsafe {
        /// The path as the model wrote it.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// A search block matched no place, or several, in its file.
    #[error("{detail}")]
    NoMatch {
        /// The path as the model wrote it.
        path: String,
        /// Why, with the closest lines of the file.
        detail: String,
    },
    /// Writing failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl From<FsError> for ApplyError {
    fn from(err: FsError) -> Self {
        match err {
            FsError::Refused { path, reason } => Self::Unsafe { path, reason },
            FsError::Io { path, source } => Self::Io { path, source },
        }
    }
}

/// A whole new content for one file of the worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file, relative to the worktree.
    pub path: String,
    /// Its new content.
    pub content: String,
}

impl FileChange {
    /// The change that makes `path` hold `content`.
    pub fn new(path: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            content: content.into(),
        }
    }
}

/// Writes every edit, or none: paths are checked and new contents computed first (edits of one
/// file apply in order), then the workspace writes them all or none. Returns the paths
/// written, relative and normalised.
pub fn apply(root: &std::path::Path, edits: &[Edit]) -> Result<Vec<String>, ApplyError> {
    write(root, &contents(root, edits)?)
}

/// The new content of each file `edits` write — paths checked and normalised, search blocks
/// placed, edits of one file applied in order — with nothing written yet.
pub fn contents(root: &std::path::Path, edits: &[Edit]) -> Result<Vec<FileChange>, ApplyError> {
    let workspace = Workspace::open(root)?;
    let mut files: Vec<FileChange> = Vec::new();
    for edit in edits {
        let path = nightshift_workspace::writable_path(edit.path())?;
        let slot = files.iter().position(|known| known.path == path);
        let content = match edit {
            Edit::Whole(whole) => whole.content.clone(),
            Edit::Replace(replacement) => {
                let current = match slot {
                    Some(i) => Some(files[i].content.clone()),
                    None => workspace.read(&path)?,
                };
                edit::splice(current.as_deref(), replacement).map_err(|detail| {
                    ApplyError::NoMatch {
                        path: replacement.path.clone(),
                        detail,
                    }
                })?
            }
        };
        match slot {
            Some(i) => files[i].content = content,
            None => files.push(FileChange { path, content }),
        }
    }
    Ok(files)
}

/// Writes `changes`, all or none, through the workspace (no path outside the worktree, into
/// `.git`, onto a protected file or through a symlink): the one place the coding step writes a
/// file. Returns the paths written, normalised.
pub fn write(root: &std::path::Path, changes: &[FileChange]) -> Result<Vec<String>, ApplyError> {
    let workspace = Workspace::open(root)?;
    let mut bytes: Vec<(String, Vec<u8>)> = Vec::new();
    for change in changes {
        let path = nightshift_workspace::writable_path(&change.path)?;
        match bytes.iter_mut().find(|(known, _)| *known == path) {
            Some(slot) => slot.1 = change.content.clone().into_bytes(),
            None => bytes.push((path, change.content.clone().into_bytes())),
        }
    }
    Ok(workspace.write_all(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::edit::{FileEdit, Replacement};

    fn edit(path: &str) -> Edit {
        Edit::Whole(FileEdit {
            path: path.to_owned(),
            content: "x = 1\n".to_owned(),
        })
    }

    fn replacement(path: &str, search: &str) -> Edit {
        Edit::Replace(Replacement {
            path: path.to_owned(),
            search: search.to_owned(),
            replace: "x = 2\n".to_owned(),
        })
    }

    #[test]
    fn writes_inside_the_root() {
        let root = tempfile::tempdir().unwrap();
        let written = apply(root.path(), &[edit("pkg/mod.py"), edit("./top.py")]).unwrap();
        assert_eq!(written, vec!["pkg/mod.py", "top.py"]);
        assert_eq!(
            std::fs::read_to_string(root.path().join("pkg/mod.py")).unwrap(),
            "x = 1\n"
        );
    }

    #[test]
    fn refuses_escapes_and_writes_nothing() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(".git")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("link")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("f.py"),
            root.path().join("file_link.py"),
        )
        .unwrap();
        let cases = [
            ("/etc/passwd", "absolute"),
            ("../escape.py", ".."),
            ("a/../../escape.py", ".."),
            (".git/hooks/pre-commit", ".git"),
            (".GIT/config", ".git"),
            ("link/escape.py", "symlink"),
            ("file_link.py", "symlink"),
            ("", "empty"),
        ];
        for (path, why) in cases {
            // Every format goes through the same checks: a whole file, a search block that
            // creates the file, one that edits it.
            for bad in [
                edit(path),
                replacement(path, ""),
                replacement(path, "x = 1\n"),
            ] {
                let err = apply(root.path(), &[edit("fine.py"), bad]).unwrap_err();
                assert!(
                    matches!(&err, ApplyError::Unsafe { reason, .. } if reason.contains(why)),
                    "{path}: {err}"
                );
            }
        }
        assert!(
            !root.path().join("fine.py").exists(),
            "nothing may be written when one path is refused"
        );
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_hard_link_never_carries_a_write_outside() {
        // One parent, so both sides are on one file system and the link can be made.
        let parent = tempfile::tempdir().unwrap();
        let (outside, root) = (parent.path().join("outside"), parent.path().join("root"));
        std::fs::create_dir(&outside).unwrap();
        std::fs::create_dir(&root).unwrap();
        let secret = outside.join("victim.py");
        std::fs::write(&secret, "original\n").unwrap();
        std::fs::hard_link(&secret, root.join("linked.py")).unwrap();
        apply(&root, &[edit("linked.py")]).unwrap();
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "original\n");
        assert_eq!(
            std::fs::read_to_string(root.join("linked.py")).unwrap(),
            "x = 1\n"
        );
        // A search/replace edit reads the worktree's file and renames over it too.
        std::fs::remove_file(root.join("linked.py")).unwrap();
        std::fs::hard_link(&secret, root.join("linked.py")).unwrap();
        apply(&root, &[replacement("linked.py", "original\n")]).unwrap();
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "original\n");
        assert_eq!(
            std::fs::read_to_string(root.join("linked.py")).unwrap(),
            "x = 2\n"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("nightshift-edit")
            })
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn edits_of_one_file_apply_in_order_and_a_miss_writes_nothing() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("a.py"), "x = 0\n").unwrap();
        let written = apply(
            root.path(),
            &[edit("a.py"), replacement("a.py", "x = 1\n"), edit("b.py")],
        )
        .unwrap();
        assert_eq!(written, vec!["a.py", "b.py"]);
        assert_eq!(
            std::fs::read_to_string(root.path().join("a.py")).unwrap(),
            "x = 2\n"
        );
        let err = apply(root.path(), &[edit("c.py"), replacement("a.py", "y = 5\n")]).unwrap_err();
        assert!(matches!(err, ApplyError::NoMatch { .. }), "{err}");
        assert!(!root.path().join("c.py").exists());
        assert_eq!(
            std::fs::read_to_string(root.path().join("a.py")).unwrap(),
            "x = 2\n"
        );
    }
}
