//! The git operations of nightshift, done with the real `git` command.
//!
//! An attempt works in its own worktree, detached at the tip of the target branch (or on an
//! orphan branch in a repository with no commit yet), so workers never touch each other's files
//! nor the user's working tree. A successful attempt commits there with a
//! `Nightshift-Task: <id>` trailer, then [`Repo::land`] moves the target branch to that commit —
//! rebasing it first if the branch moved — with a fast-forward merge in the checked-out worktree
//! (which refuses to clobber local changes) or a compare-and-swap `update-ref` otherwise.
//!
//! The trailer makes landing idempotent across crashes: before an attempt starts,
//! [`Repo::find_task_commit`] looks for a commit of the task already on the branch.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

/// Trailer key naming the task a commit belongs to.
pub const TASK_TRAILER: &str = "Nightshift-Task";

/// A git failure.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be run.
    #[error("cannot run git: {0}")]
    Spawn(#[from] std::io::Error),
    /// A git command failed.
    #[error("`git {args}` failed: {stderr}")]
    Command {
        /// The arguments.
        args: String,
        /// What git said.
        stderr: String,
    },
    /// Not a git repository.
    #[error("{0} is not inside a git work tree")]
    NotARepo(PathBuf),
    /// The branch moved in a way that conflicts with the attempt's changes.
    #[error("the changes conflict with newer commits on {branch}: {detail}")]
    Conflict {
        /// The target branch.
        branch: String,
        /// What git said.
        detail: String,
    },
}

/// Result alias of this crate.
pub type Result<T, E = GitError> = std::result::Result<T, E>;

/// Runs git in `dir` and returns its trimmed stdout.
async fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned())
    } else {
        Err(GitError::Command {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// A repository nightshift works on.
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    branch: String,
}

/// A commit made by an attempt, before or after landing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Its id.
    pub sha: String,
    /// First line of its message.
    pub subject: String,
    /// Files it changed.
    pub files: Vec<String>,
}

impl Repo {
    /// Opens the repository containing `path`. `branch` is the target branch; empty means the one
    /// checked out now.
    pub async fn open(path: &Path, branch: &str) -> Result<Self> {
        let root = git(path, &["rev-parse", "--show-toplevel"])
            .await
            .map_err(|_| GitError::NotARepo(path.to_owned()))?;
        let root = PathBuf::from(root);
        let branch = if branch.is_empty() {
            git(&root, &["symbolic-ref", "--short", "HEAD"]).await?
        } else {
            branch.to_owned()
        };
        Ok(Self { root, branch })
    }

    /// The work tree's top directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The target branch.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// Keeps `pattern` out of `git status` without touching the user's `.gitignore`.
    pub async fn exclude(&self, pattern: &str) -> Result<()> {
        let path =
            PathBuf::from(git(&self.root, &["rev-parse", "--git-path", "info/exclude"]).await?);
        let path = if path.is_absolute() {
            path
        } else {
            self.root.join(path)
        };
        let current = tokio::fs::read_to_string(&path).await.unwrap_or_default();
        if current.lines().any(|line| line.trim() == pattern) {
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let separator = if current.is_empty() || current.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        tokio::fs::write(&path, format!("{current}{separator}{pattern}\n")).await?;
        Ok(())
    }

    /// The commit the target branch points at, or `None` before the first commit.
    pub async fn tip(&self) -> Result<Option<String>> {
        let reference = format!("refs/heads/{}", self.branch);
        match git(
            &self.root,
            &["rev-parse", "--verify", "--quiet", &reference],
        )
        .await
        {
            Ok(sha) => Ok(Some(sha)),
            Err(GitError::Command { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Files tracked at the tip of the target branch.
    pub async fn files_at_tip(&self) -> Result<Vec<String>> {
        let Some(tip) = self.tip().await? else {
            return Ok(Vec::new());
        };
        let listing = git(&self.root, &["ls-tree", "-r", "--name-only", &tip]).await?;
        Ok(listing.lines().map(str::to_owned).collect())
    }

    /// The commit of `task_id` on the target branch, if one landed.
    pub async fn find_task_commit(&self, task_id: i64) -> Result<Option<String>> {
        if self.tip().await?.is_none() {
            return Ok(None);
        }
        let grep = format!("--grep=^{TASK_TRAILER}: {task_id}$");
        let found = git(
            &self.root,
            &[
                "log",
                "--format=%H",
                "--extended-regexp",
                &grep,
                &self.branch,
            ],
        )
        .await?;
        Ok(found.lines().next().map(str::to_owned))
    }

    /// Creates a worktree at `path` for an attempt, at the tip of the target branch. A stale
    /// worktree at the same path (from a crashed attempt) is removed first.
    pub async fn add_worktree(&self, path: &Path) -> Result<()> {
        self.remove_worktree(path).await?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let path_str = path.to_string_lossy();
        match self.tip().await? {
            Some(tip) => {
                git(
                    &self.root,
                    &["worktree", "add", "--detach", &path_str, &tip],
                )
                .await?;
            }
            None => {
                // No commit yet: an orphan worktree; its branch name is derived from the path so
                // concurrent attempts do not collide.
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let branch = format!("nightshift/{name}");
                drop(git(&self.root, &["branch", "-D", &branch]).await);
                git(
                    &self.root,
                    &["worktree", "add", "--orphan", "-b", &branch, &path_str],
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Removes an attempt's worktree (and an orphan branch made for it).
    pub async fn remove_worktree(&self, path: &Path) -> Result<()> {
        if path.exists() {
            let path_str = path.to_string_lossy();
            if git(&self.root, &["worktree", "remove", "--force", &path_str])
                .await
                .is_err()
            {
                tokio::fs::remove_dir_all(path).await?;
            }
        }
        git(&self.root, &["worktree", "prune"]).await?;
        if let Some(name) = path.file_name() {
            let branch = format!("nightshift/{}", name.to_string_lossy());
            if git(
                &self.root,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("refs/heads/{branch}"),
                ],
            )
            .await
            .is_ok()
            {
                git(&self.root, &["branch", "-D", &branch]).await?;
            }
        }
        Ok(())
    }

    /// Commits `files` in the worktree with `message`; returns the commit.
    pub async fn commit(&self, worktree: &Path, files: &[String], message: &str) -> Result<Commit> {
        let mut add = vec!["add", "--"];
        add.extend(files.iter().map(String::as_str));
        git(worktree, &add).await?;
        git(
            worktree,
            &[
                "-c",
                "user.name=nightshift",
                "-c",
                "user.email=nightshift@localhost",
                "commit",
                "--quiet",
                "--no-verify",
                "-m",
                message,
            ],
        )
        .await?;
        let sha = git(worktree, &["rev-parse", "HEAD"]).await?;
        Ok(Commit {
            sha,
            subject: message.lines().next().unwrap_or_default().to_owned(),
            files: files.to_vec(),
        })
    }

    /// Moves the target branch to `commit`, made in `worktree` on top of `base` (`None`: a root
    /// commit). If the branch moved since, the commit is first rebased onto the new tip; a
    /// conflict is [`GitError::Conflict`]. Returns the commit id that landed.
    pub async fn land(&self, worktree: &Path, commit: &str, base: Option<&str>) -> Result<String> {
        let tip = self.tip().await?;
        let landing = if tip.as_deref() == base {
            commit.to_owned()
        } else {
            let Some(tip) = tip else {
                return Err(GitError::Conflict {
                    branch: self.branch.clone(),
                    detail: "the branch disappeared".to_owned(),
                });
            };
            git(worktree, &["checkout", "--quiet", "--detach", &tip]).await?;
            if let Err(err) = git(
                worktree,
                &[
                    "-c",
                    "user.name=nightshift",
                    "-c",
                    "user.email=nightshift@localhost",
                    "cherry-pick",
                    "--allow-empty",
                    commit,
                ],
            )
            .await
            {
                drop(git(worktree, &["cherry-pick", "--abort"]).await);
                return Err(GitError::Conflict {
                    branch: self.branch.clone(),
                    detail: err.to_string(),
                });
            }
            git(worktree, &["rev-parse", "HEAD"]).await?
        };
        let checked_out = git(&self.root, &["symbolic-ref", "--quiet", "--short", "HEAD"])
            .await
            .ok();
        if checked_out.as_deref() == Some(self.branch.as_str()) {
            // Updates the user's files too; refuses rather than overwrite local changes.
            git(&self.root, &["merge", "--ff-only", "--quiet", &landing]).await?;
        } else {
            let reference = format!("refs/heads/{}", self.branch);
            let old = self.tip().await?.unwrap_or_else(|| "0".repeat(40));
            git(&self.root, &["update-ref", &reference, &landing, &old]).await?;
        }
        Ok(landing)
    }

    /// Pushes the target branch to its remote (`origin` when none is configured). Never forced.
    pub async fn push(&self) -> Result<()> {
        let key = format!("branch.{}.remote", self.branch);
        let remote = git(&self.root, &["config", "--get", &key])
            .await
            .unwrap_or_else(|_| "origin".to_owned());
        let refspec = format!("refs/heads/{0}:refs/heads/{0}", self.branch);
        git(&self.root, &["push", "--quiet", &remote, &refspec]).await?;
        Ok(())
    }

    /// Files changed by `sha`.
    pub async fn files_of(&self, sha: &str) -> Result<Vec<String>> {
        let listing = git(&self.root, &["show", "--name-only", "--format=", sha]).await?;
        Ok(listing
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// The first line of `sha`'s message.
    pub async fn subject_of(&self, sha: &str) -> Result<String> {
        git(&self.root, &["log", "-1", "--format=%s", sha]).await
    }

    /// Prunes worktree records whose directories are gone.
    pub async fn prune_worktrees(&self) -> Result<()> {
        git(&self.root, &["worktree", "prune"]).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn user_commit(root: &Path, file: &str, content: &str) {
        tokio::fs::write(root.join(file), content).await.unwrap();
        git(root, &["add", file]).await.unwrap();
        git(
            root,
            &[
                "-c",
                "user.name=u",
                "-c",
                "user.email=u@u",
                "commit",
                "-qm",
                file,
            ],
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn lands_on_a_moved_branch_and_refuses_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        tokio::fs::create_dir(&root).await.unwrap();
        git(&root, &["init", "-q", "-b", "main"]).await.unwrap();
        let repo = Repo::open(&root, "").await.unwrap();
        assert_eq!(repo.branch(), "main");
        assert_eq!(repo.tip().await.unwrap(), None);

        // First task on an empty repository: an orphan worktree, a root commit.
        let wt1 = dir.path().join("wt/task-1");
        repo.add_worktree(&wt1).await.unwrap();
        tokio::fs::write(wt1.join("a.py"), "A = 1\n").await.unwrap();
        let c1 = repo
            .commit(&wt1, &["a.py".into()], &format!("a\n\n{TASK_TRAILER}: 1\n"))
            .await
            .unwrap();
        let landed = repo.land(&wt1, &c1.sha, None).await.unwrap();
        assert_eq!(repo.tip().await.unwrap().as_deref(), Some(landed.as_str()));
        assert_eq!(
            repo.find_task_commit(1).await.unwrap().as_deref(),
            Some(landed.as_str())
        );
        assert_eq!(
            repo.find_task_commit(11).await.unwrap(),
            None,
            "ids must match whole"
        );
        repo.remove_worktree(&wt1).await.unwrap();

        // Task 2 starts; meanwhile the user commits elsewhere: task 2 is rebased onto it.
        let base = repo.tip().await.unwrap();
        let wt2 = dir.path().join("wt/task-2");
        repo.add_worktree(&wt2).await.unwrap();
        user_commit(&root, "user.txt", "mine\n").await;
        tokio::fs::write(wt2.join("b.py"), "B = 2\n").await.unwrap();
        let c2 = repo
            .commit(&wt2, &["b.py".into()], &format!("b\n\n{TASK_TRAILER}: 2\n"))
            .await
            .unwrap();
        let landed = repo.land(&wt2, &c2.sha, base.as_deref()).await.unwrap();
        assert_ne!(landed, c2.sha, "rebased, so a new commit id");
        let files = git(&root, &["ls-tree", "-r", "--name-only", "main"])
            .await
            .unwrap();
        assert_eq!(
            files.lines().collect::<Vec<_>>(),
            vec!["a.py", "b.py", "user.txt"]
        );
        assert!(
            root.join("b.py").exists(),
            "the checked-out branch's files follow"
        );
        repo.remove_worktree(&wt2).await.unwrap();

        // Task 3 edits a.py while the user changes it too: a conflict, and main is untouched.
        let base = repo.tip().await.unwrap();
        let wt3 = dir.path().join("wt/task-3");
        repo.add_worktree(&wt3).await.unwrap();
        user_commit(&root, "a.py", "A = 'user'\n").await;
        let tip_before = repo.tip().await.unwrap();
        tokio::fs::write(wt3.join("a.py"), "A = 'task'\n")
            .await
            .unwrap();
        let c3 = repo
            .commit(&wt3, &["a.py".into()], "a again")
            .await
            .unwrap();
        let err = repo.land(&wt3, &c3.sha, base.as_deref()).await.unwrap_err();
        assert!(matches!(err, GitError::Conflict { .. }), "{err}");
        assert_eq!(repo.tip().await.unwrap(), tip_before);
        repo.remove_worktree(&wt3).await.unwrap();
        assert_eq!(
            git(&root, &["worktree", "list"])
                .await
                .unwrap()
                .lines()
                .count(),
            1
        );
    }
}
