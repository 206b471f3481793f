//! Writing a model's edits into a worktree — only inside it, all of them or none.
//!
//! Refused: empty and absolute paths, any `..` component, anything under `.git` (in any letter
//! case: case-insensitive file systems would alias it), and any path whose existing part
//! resolves, through symlinks, outside the root; an existing symlink at the target itself is
//! refused too, since writing would follow it. The same checks hold for every edit format. Every
//! path is checked and every new content computed (search blocks placed) before the first write,
//! so a reply with one bad path or one search block that matches nothing writes nothing.

use std::path::{Component, Path, PathBuf};

use crate::edit::{self, Edit};

/// Why an edit set was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A path that would write outside the repository, or into `.git`.
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

/// Checks one path and returns where it is inside `root`.
pub fn resolve(root: &Path, path: &str) -> Result<PathBuf, ApplyError> {
    let unsafe_path = |reason| ApplyError::Unsafe {
        path: path.to_owned(),
        reason,
    };
    let relative = Path::new(path.trim());
    if relative.as_os_str().is_empty() {
        return Err(unsafe_path("empty path"));
    }
    let mut clean = PathBuf::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => {
                if part.to_string_lossy().eq_ignore_ascii_case(".git") {
                    return Err(unsafe_path("paths inside .git are never written"));
                }
                clean.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_path("`..` leaves the repository")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_path("absolute paths are outside the repository"));
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(unsafe_path("empty path"));
    }
    let root = root.canonicalize().map_err(|source| ApplyError::Io {
        path: root.display().to_string(),
        source,
    })?;
    let target = root.join(&clean);
    if target
        .symlink_metadata()
        .is_ok_and(|meta| meta.file_type().is_symlink())
    {
        return Err(unsafe_path(
            "the target is a symlink; writing would follow it",
        ));
    }
    // The deepest existing ancestor must resolve inside the root: a symlinked directory on the
    // way could otherwise lead anywhere.
    let mut existing = target.parent();
    while let Some(dir) = existing {
        if dir.exists() {
            let real = dir.canonicalize().map_err(|source| ApplyError::Io {
                path: dir.display().to_string(),
                source,
            })?;
            if !real.starts_with(&root) {
                return Err(unsafe_path(
                    "a symlink on the way leads outside the repository",
                ));
            }
            if real.strip_prefix(&root).is_ok_and(|inner| {
                inner
                    .components()
                    .next()
                    .is_some_and(|c| c.as_os_str().to_string_lossy().eq_ignore_ascii_case(".git"))
            }) {
                return Err(unsafe_path("a symlink on the way leads into .git"));
            }
            break;
        }
        existing = dir.parent();
    }
    Ok(target)
}

/// Writes every edit, or none: paths are checked and new contents computed first (edits of one
/// file apply in order), then every file is written beside its target and only once all are
/// written renamed over them. Renaming, rather than writing in place, also means a hard link
/// planted in the worktree never carries a write to the file it shares with. Returns the paths
/// written, relative.
pub fn apply(root: &Path, edits: &[Edit]) -> Result<Vec<String>, ApplyError> {
    let targets = edits
        .iter()
        .map(|edit| resolve(root, edit.path()).map(|target| (edit, target)))
        .collect::<Result<Vec<_>, _>>()?;
    // (target, path as written, new content), one per file.
    let mut files: Vec<(PathBuf, String, String)> = Vec::new();
    for (edit, target) in targets {
        let slot = files.iter().position(|(known, ..)| *known == target);
        let content = match edit {
            Edit::Whole(whole) => whole.content.clone(),
            Edit::Replace(replacement) => {
                let current = match slot {
                    Some(i) => Some(files[i].2.clone()),
                    None => read_current(&target, &replacement.path)?,
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
            Some(i) => files[i].2 = content,
            None => files.push((target, edit.path().to_owned(), content)),
        }
    }
    let mut staged: Vec<PathBuf> = Vec::with_capacity(files.len());
    let discard = |staged: &[PathBuf]| {
        for temp in staged {
            drop(std::fs::remove_file(temp));
        }
    };
    for (n, (target, path, content)) in files.iter().enumerate() {
        let temp = target.with_file_name(format!(".nightshift-edit-{n}.tmp"));
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&temp, content));
        if let Err(source) = written {
            discard(&staged);
            drop(std::fs::remove_file(&temp));
            return Err(ApplyError::Io {
                path: path.clone(),
                source,
            });
        }
        staged.push(temp);
    }
    let canonical_root = root.canonicalize().map_err(|source| ApplyError::Io {
        path: root.display().to_string(),
        source,
    })?;
    let mut written = Vec::with_capacity(files.len());
    for (temp, (target, path, _)) in staged.iter().zip(&files) {
        std::fs::rename(temp, target).map_err(|source| ApplyError::Io {
            path: path.clone(),
            source,
        })?;
        let relative = target
            .strip_prefix(&canonical_root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| path.clone());
        written.push(relative);
    }
    Ok(written)
}

/// A file's content before the edits; `None` if it does not exist yet.
fn read_current(target: &Path, path: &str) -> Result<Option<String>, ApplyError> {
    match std::fs::read_to_string(target) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ApplyError::Io {
            path: path.to_owned(),
            source,
        }),
    }
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
