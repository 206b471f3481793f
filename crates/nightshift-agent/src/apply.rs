//! Writing a model's files into a worktree — only inside it.
//!
//! Refused: empty and absolute paths, any `..` component, anything under `.git` (in any letter
//! case: case-insensitive file systems would alias it), and any path whose existing part
//! resolves, through symlinks, outside the root; an existing symlink at the target itself is
//! refused too, since writing would follow it. Every path is checked before the first write, so a
//! reply with one bad path writes nothing.

use std::path::{Component, Path, PathBuf};

use crate::reply::FileEdit;

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

/// Writes every edit, or none: paths are checked first, then every file is written beside its
/// target and only once all are written renamed over them. Renaming, rather than writing in
/// place, also means a hard link planted in the worktree never carries a write to the file it
/// shares with. Returns the paths written, relative.
pub fn apply(root: &Path, edits: &[FileEdit]) -> Result<Vec<String>, ApplyError> {
    let targets = edits
        .iter()
        .map(|edit| resolve(root, &edit.path).map(|target| (edit, target)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(targets.len());
    let discard = |staged: &[(PathBuf, PathBuf)]| {
        for (temp, _) in staged {
            drop(std::fs::remove_file(temp));
        }
    };
    for (n, (edit, target)) in targets.iter().enumerate() {
        let io = |source| ApplyError::Io {
            path: edit.path.clone(),
            source,
        };
        let temp = target.with_file_name(format!(".nightshift-edit-{n}.tmp"));
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&temp, &edit.content));
        if let Err(err) = written {
            discard(&staged);
            drop(std::fs::remove_file(&temp));
            return Err(io(err));
        }
        staged.push((temp, target.clone()));
    }
    let canonical_root = root.canonicalize().map_err(|source| ApplyError::Io {
        path: root.display().to_string(),
        source,
    })?;
    let mut written = Vec::with_capacity(targets.len());
    for ((temp, target), (edit, _)) in staged.iter().zip(&targets) {
        std::fs::rename(temp, target).map_err(|source| ApplyError::Io {
            path: edit.path.clone(),
            source,
        })?;
        let relative = target
            .strip_prefix(&canonical_root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| edit.path.clone());
        written.push(relative);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(path: &str) -> FileEdit {
        FileEdit {
            path: path.to_owned(),
            content: "x = 1\n".to_owned(),
        }
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
            let err = apply(root.path(), &[edit("fine.py"), edit(path)]).unwrap_err();
            assert!(
                matches!(&err, ApplyError::Unsafe { reason, .. } if reason.contains(why)),
                "{path}: {err}"
            );
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
}
