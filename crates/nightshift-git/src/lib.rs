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

/// Prefix of the branches attempts work on.
pub const TASK_BRANCH_PREFIX: &str = "nightshift/task-";

/// The branch attempts at `task_id` work on.
pub fn task_branch(task_id: i64) -> String {
    format!("{TASK_BRANCH_PREFIX}{task_id}")
}

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

/// Where an attempt's worktree starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// At the tip of the target branch (`None`: the repository has no commit yet).
    Fresh {
        /// The tip.
        base: Option<String>,
    },
    /// At a commit of the task that passed its checks but never landed: it goes to the merge
    /// queue as it is.
    Unlanded {
        /// Its parent (`None`: a root commit).
        base: Option<String>,
        /// The commit.
        commit: String,
    },
}

/// A commit moved onto a newer tip by [`Repo::rebase`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebased {
    /// The new commit.
    pub commit: String,
    /// The tip it sits on.
    pub base: String,
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

    /// Creates a worktree at `path` on the task's `branch` (see [`task_branch`]). If the branch
    /// holds a commit the target lacks — a crash or time limit came between commit and landing —
    /// the worktree starts there ([`Start::Unlanded`]); otherwise the branch is set to the target's
    /// tip. A stale worktree at the same path is removed first.
    pub async fn add_worktree(&self, path: &Path, branch: &str) -> Result<Start> {
        self.discard_worktree(path).await?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let path_str = path.to_string_lossy();
        let tip = self.tip().await?;
        if let Some(commit) = self.unlanded(branch).await? {
            git(
                &self.root,
                &["worktree", "add", "--quiet", &path_str, branch],
            )
            .await?;
            let parent = format!("{commit}^");
            let base = git(&self.root, &["rev-parse", "--verify", "--quiet", &parent])
                .await
                .ok();
            return Ok(Start::Unlanded { base, commit });
        }
        match &tip {
            Some(tip) => {
                git(
                    &self.root,
                    &["worktree", "add", "--quiet", "-B", branch, &path_str, tip],
                )
                .await?;
            }
            None => {
                // No commit yet: an orphan branch.
                self.delete_branch(branch).await?;
                git(
                    &self.root,
                    &[
                        "worktree", "add", "--quiet", "--orphan", "-b", branch, &path_str,
                    ],
                )
                .await?;
            }
        }
        Ok(Start::Fresh { base: tip })
    }

    /// The tip of `branch` if it holds commits the target branch lacks.
    async fn unlanded(&self, branch: &str) -> Result<Option<String>> {
        let reference = format!("refs/heads/{branch}");
        let Ok(head) = git(
            &self.root,
            &["rev-parse", "--verify", "--quiet", &reference],
        )
        .await
        else {
            return Ok(None);
        };
        let Some(tip) = self.tip().await? else {
            return Ok(Some(head));
        };
        let range = format!("{tip}..{head}");
        let ahead = git(&self.root, &["rev-list", "--count", &range]).await?;
        Ok((ahead.trim() != "0").then_some(head))
    }

    async fn delete_branch(&self, branch: &str) -> Result<()> {
        let reference = format!("refs/heads/{branch}");
        if git(
            &self.root,
            &["rev-parse", "--verify", "--quiet", &reference],
        )
        .await
        .is_ok()
        {
            git(&self.root, &["branch", "--quiet", "-D", branch]).await?;
        }
        Ok(())
    }

    /// Removes the worktree directory at `path` and its record; branches are left alone.
    async fn discard_worktree(&self, path: &Path) -> Result<()> {
        if path.exists() {
            let path_str = path.to_string_lossy();
            if git(&self.root, &["worktree", "remove", "--force", &path_str])
                .await
                .is_err()
            {
                tokio::fs::remove_dir_all(path).await?;
            }
        }
        git(&self.root, &["worktree", "prune"]).await.map(drop)
    }

    /// Removes an attempt's worktree, and its branch unless that holds a commit the target
    /// lacks: such a branch is kept (and returned) for the task's next attempt to land.
    pub async fn remove_worktree(&self, path: &Path, branch: &str) -> Result<Option<String>> {
        self.discard_worktree(path).await?;
        if let Some(commit) = self.unlanded(branch).await? {
            return Ok(Some(commit));
        }
        self.delete_branch(branch).await?;
        Ok(None)
    }

    /// At start: removes every worktree under `dir` (no attempt runs yet) and every task branch
    /// with nothing unlanded. Returns the task branches kept because they hold unlanded commits.
    pub async fn clean_orphans(&self, dir: &Path) -> Result<Vec<String>> {
        let listing = git(&self.root, &["worktree", "list", "--porcelain"]).await?;
        for line in listing.lines() {
            if let Some(path) = line.strip_prefix("worktree ")
                && Path::new(path).starts_with(dir)
            {
                self.discard_worktree(Path::new(path)).await?;
            }
        }
        self.prune_worktrees().await?;
        let branches = git(
            &self.root,
            &[
                "for-each-ref",
                "--format=%(refname:short)",
                "refs/heads/nightshift/",
            ],
        )
        .await?;
        let mut kept = Vec::new();
        for branch in branches
            .lines()
            .filter(|b| b.starts_with(TASK_BRANCH_PREFIX))
        {
            if self.unlanded(branch).await?.is_some() {
                kept.push(branch.to_owned());
            } else {
                self.delete_branch(branch).await?;
            }
        }
        Ok(kept)
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

    /// Whether any of `files` differs, in `worktree`, from its last commit (new files count).
    pub async fn changed(&self, worktree: &Path, files: &[String]) -> Result<bool> {
        let mut status = vec!["status", "--porcelain", "--untracked-files=all", "--"];
        status.extend(files.iter().map(String::as_str));
        Ok(!git(worktree, &status).await?.trim().is_empty())
    }

    /// Puts `commit`, made in `worktree` on top of `base` (`None`: a root commit), onto the
    /// target's current tip. `Ok(None)`: the tip has not moved, nothing to do. `Ok(Some(r))`: the
    /// worktree now holds the rebased commit — its checks must run again before it lands. A
    /// conflict is [`GitError::Conflict`], and leaves the worktree at the new tip.
    pub async fn rebase(
        &self,
        worktree: &Path,
        commit: &str,
        base: Option<&str>,
    ) -> Result<Option<Rebased>> {
        let tip = self.tip().await?;
        if tip.as_deref() == base {
            return Ok(None);
        }
        let Some(tip) = tip else {
            return Err(GitError::Conflict {
                branch: self.branch.clone(),
                detail: "the branch disappeared".to_owned(),
            });
        };
        git(worktree, &["reset", "--quiet", "--hard", &tip]).await?;
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
            git(worktree, &["reset", "--quiet", "--hard", &tip]).await?;
            return Err(GitError::Conflict {
                branch: self.branch.clone(),
                detail: err.to_string(),
            });
        }
        let commit = git(worktree, &["rev-parse", "HEAD"]).await?;
        Ok(Some(Rebased { commit, base: tip }))
    }

    /// Puts `files` of `worktree` back as its `HEAD` has them: a file `HEAD` holds is checked out
    /// again, any other (a new file) is deleted. The worktree's other files stay as they are.
    pub async fn discard(&self, worktree: &Path, files: &[String]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let born = git(worktree, &["rev-parse", "--verify", "--quiet", "HEAD"])
            .await
            .is_ok();
        let mut held = Vec::new();
        if born {
            let mut ls = vec!["ls-tree", "-r", "-z", "--name-only", "HEAD", "--"];
            ls.extend(files.iter().map(String::as_str));
            held = git(worktree, &ls)
                .await?
                .split('\0')
                .filter(|path| !path.is_empty())
                .map(str::to_owned)
                .collect();
        }
        let new: Vec<&str> = files
            .iter()
            .filter(|f| !held.contains(f))
            .map(String::as_str)
            .collect();
        if !held.is_empty() {
            let mut checkout = vec!["checkout", "HEAD", "--"];
            checkout.extend(held.iter().map(String::as_str));
            git(worktree, &checkout).await?;
        }
        if !new.is_empty() {
            let mut unstage = vec!["rm", "--quiet", "--cached", "--ignore-unmatch", "--"];
            unstage.extend(new.iter().copied());
            git(worktree, &unstage).await?;
            for path in new {
                match tokio::fs::remove_file(worktree.join(path)).await {
                    Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                        return Err(err.into());
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Undoes the worktree's last commit, keeping its changes in the files: `HEAD` back to
    /// `base` (after checks failed on a rebased commit, so the next round commits anew).
    pub async fn uncommit(&self, worktree: &Path, base: &str) -> Result<()> {
        git(worktree, &["reset", "--quiet", base]).await.map(drop)
    }

    /// Moves the target branch from `expected` (`None`: unborn) to `commit`, its descendant:
    /// with a fast-forward merge when the branch is checked out (which refuses to clobber the
    /// user's local changes), else a compare-and-swap of the ref. Never anything but forward.
    pub async fn fast_forward(&self, commit: &str, expected: Option<&str>) -> Result<()> {
        if self.tip().await?.as_deref() != expected {
            return Err(GitError::Conflict {
                branch: self.branch.clone(),
                detail: "the branch moved while the commit was being checked".to_owned(),
            });
        }
        let checked_out = git(&self.root, &["symbolic-ref", "--quiet", "--short", "HEAD"])
            .await
            .ok();
        if checked_out.as_deref() == Some(self.branch.as_str()) {
            git(&self.root, &["merge", "--ff-only", "--quiet", commit]).await?;
        } else {
            let reference = format!("refs/heads/{}", self.branch);
            let old = expected.map_or_else(|| "0".repeat(40), str::to_owned);
            git(&self.root, &["update-ref", &reference, commit, &old]).await?;
        }
        Ok(())
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

    /// Lands `commit` as the merge queue does, without re-running checks.
    async fn land(repo: &Repo, wt: &Path, commit: &str, base: Option<&str>) -> Result<String> {
        let (commit, base) = match repo.rebase(wt, commit, base).await? {
            None => (commit.to_owned(), base.map(str::to_owned)),
            Some(rebased) => (rebased.commit, Some(rebased.base)),
        };
        repo.fast_forward(&commit, base.as_deref()).await?;
        Ok(commit)
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

        // First task on an empty repository: an orphan branch, a root commit.
        let wt1 = dir.path().join("wt/task-1");
        let start = repo.add_worktree(&wt1, &task_branch(1)).await.unwrap();
        assert_eq!(start, Start::Fresh { base: None });
        tokio::fs::write(wt1.join("a.py"), "A = 1\n").await.unwrap();
        let c1 = repo
            .commit(&wt1, &["a.py".into()], &format!("a\n\n{TASK_TRAILER}: 1\n"))
            .await
            .unwrap();
        let landed = land(&repo, &wt1, &c1.sha, None).await.unwrap();
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
        assert_eq!(
            repo.remove_worktree(&wt1, &task_branch(1)).await.unwrap(),
            None
        );

        // Task 2 starts; meanwhile the user commits elsewhere: task 2 is rebased onto it.
        let base = repo.tip().await.unwrap();
        let wt2 = dir.path().join("wt/task-2");
        repo.add_worktree(&wt2, &task_branch(2)).await.unwrap();
        user_commit(&root, "user.txt", "mine\n").await;
        tokio::fs::write(wt2.join("b.py"), "B = 2\n").await.unwrap();
        let c2 = repo
            .commit(&wt2, &["b.py".into()], &format!("b\n\n{TASK_TRAILER}: 2\n"))
            .await
            .unwrap();
        let landed = land(&repo, &wt2, &c2.sha, base.as_deref()).await.unwrap();
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
        assert_eq!(
            repo.remove_worktree(&wt2, &task_branch(2)).await.unwrap(),
            None
        );

        // Task 3 edits a.py while the user changes it too: a conflict, main is untouched, and
        // the worktree is left at the new tip for the model to try again there.
        let base = repo.tip().await.unwrap();
        let wt3 = dir.path().join("wt/task-3");
        repo.add_worktree(&wt3, &task_branch(3)).await.unwrap();
        user_commit(&root, "a.py", "A = 'user'\n").await;
        let tip_before = repo.tip().await.unwrap();
        tokio::fs::write(wt3.join("a.py"), "A = 'task'\n")
            .await
            .unwrap();
        let c3 = repo
            .commit(&wt3, &["a.py".into()], "a again")
            .await
            .unwrap();
        let err = repo
            .rebase(&wt3, &c3.sha, base.as_deref())
            .await
            .unwrap_err();
        assert!(matches!(err, GitError::Conflict { .. }), "{err}");
        assert_eq!(repo.tip().await.unwrap(), tip_before);
        assert_eq!(
            tokio::fs::read_to_string(wt3.join("a.py")).await.unwrap(),
            "A = 'user'\n"
        );
        assert_eq!(
            repo.remove_worktree(&wt3, &task_branch(3)).await.unwrap(),
            None
        );
        assert_eq!(
            git(&root, &["worktree", "list"])
                .await
                .unwrap()
                .lines()
                .count(),
            1
        );
        let branches = git(&root, &["branch", "--list", "nightshift/*"])
            .await
            .unwrap();
        assert_eq!(branches, "", "merged task branches are deleted");
    }

    #[tokio::test]
    async fn discard_puts_back_changed_files_and_deletes_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        tokio::fs::create_dir(&root).await.unwrap();
        git(&root, &["init", "-q", "-b", "main"]).await.unwrap();
        let repo = Repo::open(&root, "").await.unwrap();

        // On an unborn branch every file is new.
        let wt0 = dir.path().join("wt/task-0");
        repo.add_worktree(&wt0, &task_branch(0)).await.unwrap();
        tokio::fs::write(wt0.join("new.py"), "x = 1\n")
            .await
            .unwrap();
        repo.discard(&wt0, &["new.py".into()]).await.unwrap();
        assert!(!wt0.join("new.py").exists());

        user_commit(&root, "a.py", "A = 1\n").await;
        user_commit(&root, "b.py", "B = 2\n").await;
        let wt = dir.path().join("wt/task-1");
        repo.add_worktree(&wt, &task_branch(1)).await.unwrap();
        tokio::fs::write(wt.join("a.py"), "A = 10\n").await.unwrap();
        tokio::fs::write(wt.join("b.py"), "B = 20\n").await.unwrap();
        tokio::fs::create_dir(wt.join("tests")).await.unwrap();
        tokio::fs::write(wt.join("tests/test_a.py"), "def test(): pass\n")
            .await
            .unwrap();
        // A new file staged, as a commit that did not happen leaves it.
        git(&wt, &["add", "tests/test_a.py"]).await.unwrap();

        repo.discard(&wt, &["a.py".into(), "tests/test_a.py".into()])
            .await
            .unwrap();
        assert_eq!(
            tokio::fs::read_to_string(wt.join("a.py")).await.unwrap(),
            "A = 1\n"
        );
        assert!(!wt.join("tests/test_a.py").exists());
        assert_eq!(
            tokio::fs::read_to_string(wt.join("b.py")).await.unwrap(),
            "B = 20\n",
            "a file not named stays as it is"
        );
        let status = git(&wt, &["status", "--porcelain"]).await.unwrap();
        assert_eq!(status.trim(), "M b.py");
    }

    #[tokio::test]
    async fn an_unlanded_commit_is_kept_and_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        tokio::fs::create_dir(&root).await.unwrap();
        git(&root, &["init", "-q", "-b", "main"]).await.unwrap();
        user_commit(&root, "README", "hi\n").await;
        let repo = Repo::open(&root, "").await.unwrap();
        let worktrees = dir.path().join("wt");

        // Task 4 commits, then the process dies before landing: worktree and branch remain.
        let wt = worktrees.join("task-4");
        repo.add_worktree(&wt, &task_branch(4)).await.unwrap();
        tokio::fs::write(wt.join("c.py"), "C = 3\n").await.unwrap();
        let c4 = repo.commit(&wt, &["c.py".into()], "c").await.unwrap();
        // And task 5's attempt died before committing anything.
        let wt5 = worktrees.join("task-5");
        repo.add_worktree(&wt5, &task_branch(5)).await.unwrap();
        tokio::fs::write(wt5.join("half-done.py"), "x = \n")
            .await
            .unwrap();

        let kept = repo.clean_orphans(&worktrees).await.unwrap();
        assert_eq!(kept, vec![task_branch(4)]);
        assert!(!wt.exists() && !wt5.exists(), "orphan worktrees removed");
        let branches = git(&root, &["branch", "--list", "nightshift/*"])
            .await
            .unwrap();
        assert_eq!(branches.trim(), "nightshift/task-4");

        // The next attempt at task 4 starts at its commit, and lands it.
        let start = repo.add_worktree(&wt, &task_branch(4)).await.unwrap();
        let Start::Unlanded { base, commit } = start else {
            panic!("expected the unlanded commit, got {start:?}");
        };
        assert_eq!(commit, c4.sha);
        assert_eq!(base, repo.tip().await.unwrap());
        // Removing the worktree before it lands keeps the branch.
        assert_eq!(
            repo.remove_worktree(&wt, &task_branch(4)).await.unwrap(),
            Some(c4.sha.clone())
        );
        repo.add_worktree(&wt, &task_branch(4)).await.unwrap();
        land(&repo, &wt, &commit, base.as_deref()).await.unwrap();
        assert_eq!(repo.tip().await.unwrap(), Some(c4.sha));
        assert_eq!(
            repo.remove_worktree(&wt, &task_branch(4)).await.unwrap(),
            None
        );
    }
}
