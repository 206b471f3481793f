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
// Test fixtures build their trees with std::fs; the code under test goes through the workspace.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod command;

use std::path::{Path, PathBuf};

/// Trailer key naming the task a commit belongs to.
pub const TASK_TRAILER: &str = "Nightshift-Task";

/// Trailer key naming the queue (the database) of that task: task ids restart in a new
/// database, so an id alone could name another queue's task.
pub const QUEUE_TRAILER: &str = "Nightshift-Queue";

/// Prefix of the branches attempts work on; the queue's own ones are under
/// `nightshift/<first 8 characters of the queue id>/`.
pub const TASK_BRANCH_PREFIX: &str = "nightshift/";

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
    /// A file of the worktree could not be touched.
    #[error("{0}")]
    Workspace(#[from] nightshift_workspace::FsError),
    /// A git command did not finish in time (it was stopped).
    #[error("`git {args}` did not finish within {seconds} s")]
    TimedOut {
        /// The arguments.
        args: String,
        /// The limit.
        seconds: u64,
    },
    /// The user's checkout cannot take a landing now (a rebase or merge under way, the branch
    /// checked out in another worktree, the index locked, local changes in the way): the
    /// landing waits and is tried again; nothing is wrong with the commit.
    #[error("the branch cannot be moved now: {0}")]
    Busy(String),
    /// Another daemon works on this repository.
    #[error(
        "another nightshift daemon is running on this repository (it holds {0}); stop it first"
    )]
    Locked(PathBuf),
    /// The target branch cannot be worked on.
    #[error("target branch: {0}")]
    BadBranch(String),
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
    let out = command::run(dir, args, command::LOCAL_TIMEOUT).await?;
    Ok(out.trim_end().to_owned())
}

/// Runs git in `dir` and returns the NUL-separated names it prints (`-z`): names with newlines,
/// quotes or non-ASCII letters come through as they are.
async fn git_names(dir: &Path, args: &[&str]) -> Result<Vec<String>> {
    let out = command::run(dir, args, command::LOCAL_TIMEOUT).await?;
    Ok(out
        .split('\0')
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A repository nightshift works on.
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    branch: String,
    queue: String,
    /// Whether the target branch existed at open: if it did, its loss later is an error, not
    /// an empty repository to start afresh in.
    born: bool,
}

/// Age past which a `packed-refs.lock` is taken for one a killed git left.
const STALE_PACKED_REFS_LOCK: std::time::Duration = std::time::Duration::from_secs(10);

/// A file in the checkout's git directory that exists while a landing moves the branch.
/// How many times a landing looks at HEAD again when the user switches it meanwhile.
const MOVE_TRIES: usize = 3;

const LANDING_MARKER: &str = "nightshift-landing";
/// The file in the git directory whose `flock` says a daemon works in this repository.
const DAEMON_LOCK: &str = "nightshift-daemon.lock";

#[allow(
    clippy::disallowed_methods,
    reason = "the marker is in the git directory, which neither tasks nor sandboxed code can write"
)]
async fn write_marker(path: &Path) -> Result<()> {
    tokio::fs::write(path, std::process::id().to_string()).await?;
    Ok(())
}

#[allow(
    clippy::disallowed_methods,
    reason = "the marker is in the git directory, which neither tasks nor sandboxed code can write"
)]
async fn remove_marker(path: &Path) -> std::io::Result<()> {
    tokio::fs::remove_file(path).await
}

/// The repository's daemon lock, released on drop (see [`Repo::lock_daemon`]).
#[derive(Debug)]
pub struct DaemonLock {
    _lock: nix::fcntl::Flock<std::fs::File>,
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
    /// Opens the repository containing `path` for the tasks of `queue` (a hex id, unique per
    /// database). `branch` is the target branch; empty means the one checked out now. A branch
    /// that is no valid branch name, or that does not exist in a repository that has commits
    /// (a typo, or a rename), is refused: work would otherwise start on an empty tree.
    pub async fn open(path: &Path, branch: &str, queue: &str) -> Result<Self> {
        let root = git(path, &["rev-parse", "--show-toplevel"])
            .await
            .map_err(|_| GitError::NotARepo(path.to_owned()))?;
        let root = PathBuf::from(root);
        if queue.is_empty() || !queue.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(GitError::BadBranch(format!("queue id {queue:?}")));
        }
        let branch = if branch.is_empty() {
            git(&root, &["symbolic-ref", "--quiet", "--short", "HEAD"])
                .await
                .map_err(|_| {
                    GitError::BadBranch(
                        "HEAD is detached: check out the branch to work on, or set `branch`"
                            .to_owned(),
                    )
                })?
        } else {
            git(&root, &["check-ref-format", "--branch", branch])
                .await
                .map_err(|_| GitError::BadBranch(format!("{branch:?} is no valid branch name")))?
        };
        let mut repo = Self {
            root,
            branch,
            queue: queue.to_owned(),
            born: false,
        };
        repo.born = repo.tip().await?.is_some();
        if !repo.born
            && !git(&repo.root, &["rev-list", "-n", "1", "--all"])
                .await?
                .is_empty()
        {
            return Err(GitError::BadBranch(format!(
                "the repository has commits but no branch {:?}",
                repo.branch
            )));
        }
        Ok(repo)
    }

    /// The branch attempts at `task_id` work on.
    pub fn task_branch(&self, task_id: i64) -> String {
        format!("{}task-{task_id}", self.branch_dir())
    }

    /// Where this queue's task branches are, `nightshift/<queue prefix>/`.
    fn branch_dir(&self) -> String {
        let short = self.queue.get(..8).unwrap_or(&self.queue);
        format!("{TASK_BRANCH_PREFIX}{short}/")
    }

    /// The trailers that tie a commit to `task_id` of this queue.
    pub fn trailers(&self, task_id: i64) -> String {
        format!("{TASK_TRAILER}: {task_id}\n{QUEUE_TRAILER}: {}", self.queue)
    }

    /// The work tree's top directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The target branch.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// Takes the repository's daemon lock — an exclusive `flock` on `nightshift-daemon.lock` in
    /// the git directory, held until the returned value is dropped (or the process dies) — or
    /// fails with [`GitError::Locked`] if another daemon holds it: two daemons on one
    /// repository would clean away each other's worktrees.
    #[allow(
        clippy::disallowed_methods,
        reason = "the lock file is in the git directory, which neither tasks nor sandboxed code can write"
    )]
    pub async fn lock_daemon(&self) -> Result<DaemonLock> {
        let dir = git(
            &self.root,
            &["rev-parse", "--path-format=absolute", "--git-common-dir"],
        )
        .await?;
        let path = Path::new(&dir).join(DAEMON_LOCK);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
            Ok(lock) => Ok(DaemonLock { _lock: lock }),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(GitError::Locked(path)),
            Err((_, errno)) => Err(GitError::Spawn(errno.into())),
        }
    }

    /// Keeps `pattern` out of `git status` without touching the user's `.gitignore`.
    #[allow(
        clippy::disallowed_methods,
        reason = "the exclude file is in the git directory, which neither tasks nor sandboxed code can write"
    )]
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
        git_names(&self.root, &["ls-tree", "-r", "-z", "--name-only", &tip]).await
    }

    /// The commit of `task_id` of this queue on the target branch, if one landed. Only the
    /// trailer block git itself parses counts — a line in a commit's body (a task's description
    /// quoting a trailer, say) does not.
    pub async fn find_task_commit(&self, task_id: i64) -> Result<Option<String>> {
        if self.tip().await?.is_none() {
            return Ok(None);
        }
        let task = task_id.to_string();
        let format = format!(
            "--format=%H%x00%(trailers:key={TASK_TRAILER},valueonly,separator=%x00)%x00%(trailers:key={QUEUE_TRAILER},valueonly,separator=%x00)%x1e"
        );
        let grep_task = format!("--grep=^{TASK_TRAILER}: {task}$");
        let grep_queue = format!("--grep=^{QUEUE_TRAILER}: {}$", self.queue);
        let reference = format!("refs/heads/{}", self.branch);
        let found = git(
            &self.root,
            &[
                "log",
                &format,
                "--all-match",
                &grep_task,
                &grep_queue,
                "--end-of-options",
                &reference,
            ],
        )
        .await?;
        Ok(found.split('\x1e').find_map(|record| {
            let mut fields = record.trim_start_matches('\n').split('\0');
            let sha = fields.next()?;
            let values: Vec<&str> = fields.collect();
            let tasks = values.iter().filter(|v| **v == task).count();
            let queues = values.iter().filter(|v| **v == self.queue).count();
            (tasks == 1 && queues == 1 && values.len() == 2).then(|| sha.to_owned())
        }))
    }

    /// Creates a worktree at `path` on the task's branch (see [`Repo::task_branch`]). If the branch
    /// holds a commit the target lacks — a crash or time limit came between commit and landing —
    /// the worktree starts there ([`Start::Unlanded`]); otherwise the branch is set to the target's
    /// tip. A stale worktree at the same path is removed first.
    pub async fn add_worktree(&self, path: &Path, task_id: i64) -> Result<Start> {
        let branch = &self.task_branch(task_id);
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
            None if self.born => {
                return Err(GitError::BadBranch(format!(
                    "{:?} existed when the daemon started and is gone",
                    self.branch
                )));
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
        let path_str = path.to_string_lossy();
        // A `worktree add` cut short (the process killed) leaves its worktree locked, which
        // neither `remove --force` nor `prune` touches, and which keeps its branch checked out.
        drop(git(&self.root, &["worktree", "unlock", &path_str]).await);
        if path.exists()
            && git(
                &self.root,
                &["worktree", "remove", "--force", "--force", &path_str],
            )
            .await
            .is_err()
        {
            tokio::fs::remove_dir_all(path).await?;
        }
        git(&self.root, &["worktree", "prune"]).await.map(drop)
    }

    /// Removes an attempt's worktree, and its branch unless that holds a commit the target
    /// lacks: such a branch is kept (and returned) for the task's next attempt to land.
    pub async fn remove_worktree(&self, path: &Path, task_id: i64) -> Result<Option<String>> {
        let branch = &self.task_branch(task_id);
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
        for lock in self.clear_stale_locks().await? {
            tracing::warn!(lock = %lock.display(), "removed a lock file a killed git left behind");
        }
        let listing = git(&self.root, &["worktree", "list", "--porcelain", "-z"]).await?;
        for field in listing.split('\0') {
            if let Some(path) = field.strip_prefix("worktree ")
                && Path::new(path).starts_with(dir)
            {
                self.discard_worktree(Path::new(path)).await?;
            }
        }
        self.prune_worktrees().await?;
        let own = format!("refs/heads/{}", self.branch_dir());
        let branches = git(
            &self.root,
            &["for-each-ref", "--format=%(refname:short)", &own],
        )
        .await?;
        let mut kept = Vec::new();
        for branch in branches.lines() {
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
            held = git_names(worktree, &ls).await?;
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
            // Through the workspace: a directory swapped for a link by a test run must not
            // lead the removal outside the worktree.
            let workspace =
                nightshift_workspace::Workspace::open(worktree).map_err(std::io::Error::from)?;
            for path in new {
                workspace.remove(path).map_err(std::io::Error::from)?;
            }
        }
        Ok(())
    }

    /// Leaves `worktree` as its `HEAD` plus the files of `keep`, as they are: every other change
    /// (a tracked file edited, a file created) is undone. A check then runs on the tree that
    /// would be committed — nothing an earlier run left behind can make it pass — and nothing of
    /// a run lingers after it. Ignored files stay: they are build caches (`target/`,
    /// `node_modules/`) that a clean-up before every run would make every run rebuild.
    pub async fn tidy(&self, worktree: &Path, keep: &[String]) -> Result<()> {
        let listed = git_names(
            worktree,
            &["status", "--porcelain=v1", "-z", "--untracked-files=all"],
        )
        .await?;
        // Entries are "XY path"; a rename's old path follows as a record of its own.
        let mut stray: Vec<String> = Vec::new();
        let mut records = listed.iter();
        while let Some(record) = records.next() {
            let (status, path) = record.split_at(record.len().min(3));
            if (status.starts_with('R') || status.starts_with('C'))
                && let Some(old) = records.next()
            {
                stray.push(old.clone());
            }
            stray.push(path.to_owned());
        }
        stray.retain(|path| !keep.contains(path));
        self.discard(worktree, &stray).await
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
        if let Some(reason) = self.busy().await? {
            return Err(GitError::Busy(reason));
        }
        if self.tip().await?.as_deref() != expected {
            return Err(GitError::Conflict {
                branch: self.branch.clone(),
                detail: "the branch moved while the commit was being checked".to_owned(),
            });
        }
        let checked_out = git(&self.root, &["symbolic-ref", "--quiet", "--short", "HEAD"])
            .await
            .ok();
        // Marks the landing as under way: if the process dies in it, the next start knows the
        // lock files git leaves in the checkout are ours (see `clear_stale_locks`).
        let marker = self.git_dir().await?.join(LANDING_MARKER);
        write_marker(&marker).await?;
        let moved = self.move_branch(commit, expected, checked_out).await;
        drop(remove_marker(&marker).await);
        moved
    }

    /// Moves the branch, starting from what `checked_out` saw HEAD on. The user may switch or
    /// detach HEAD at any moment, between that look and the merge: a merge then moves *their*
    /// HEAD and leaves the branch where it was. So the branch itself is read back after every
    /// move, and HEAD looked at again until the branch holds the commit.
    async fn move_branch(
        &self,
        commit: &str,
        expected: Option<&str>,
        mut checked_out: Option<String>,
    ) -> Result<()> {
        for _ in 0..MOVE_TRIES {
            if checked_out.as_deref() == Some(self.branch.as_str()) {
                if let Some(base) = expected {
                    self.clear_leftovers(base, commit).await?;
                }
                // Refuses (and changes nothing) when the user's local changes, or an ignored
                // file of theirs, are in the way: that is theirs to resolve, and the landing waits.
                git(
                    &self.root,
                    &[
                        "merge",
                        "--ff-only",
                        "--no-overwrite-ignore",
                        "--quiet",
                        commit,
                    ],
                )
                .await
                .map_err(|err| match err {
                    GitError::Command { stderr, .. } => GitError::Busy(stderr),
                    other => other,
                })?;
            } else {
                let reference = format!("refs/heads/{}", self.branch);
                let old = expected.map_or_else(|| "0".repeat(40), str::to_owned);
                git(&self.root, &["update-ref", &reference, commit, &old]).await?;
            }
            let tip = self.tip().await?;
            if tip.as_deref() == Some(commit) {
                return Ok(());
            }
            if tip.as_deref() != expected {
                return Err(GitError::Conflict {
                    branch: self.branch.clone(),
                    detail: "the branch moved while the commit was landing".to_owned(),
                });
            }
            tracing::warn!(
                branch = %self.branch,
                "HEAD left the branch while a commit was landing; landing on the branch itself"
            );
            checked_out = git(&self.root, &["symbolic-ref", "--quiet", "--short", "HEAD"])
                .await
                .ok();
        }
        Err(GitError::Busy(format!(
            "HEAD of {} kept switching while a commit was landing",
            self.root.display()
        )))
    }

    /// Removes, from the user's checkout, untracked files that the commits `base..commit` add
    /// and whose content is the commit's, whole or cut short (a prefix of it): what an earlier
    /// landing cut short (a full disk, a kill) wrote before it could move the branch.
    /// Overwriting them loses no byte, and left there they would block every landing; a file
    /// with any byte of its own, or no regular file, is the user's and stays.
    async fn clear_leftovers(&self, base: &str, commit: &str) -> Result<()> {
        let range = format!("{base}..{commit}");
        let added = git_names(
            &self.root,
            &["diff", "-z", "--name-only", "--diff-filter=A", &range, "--"],
        )
        .await?;
        if added.is_empty() {
            return Ok(());
        }
        let mut untracked = vec!["ls-files", "-z", "--others", "--"];
        untracked.extend(added.iter().map(String::as_str));
        let untracked = git_names(&self.root, &untracked).await?;
        if untracked.is_empty() {
            return Ok(());
        }
        let checkout = nightshift_workspace::Workspace::open(&self.root)?;
        for path in untracked {
            let blob = format!("{commit}:{path}");
            let landing = command::run(
                &self.root,
                &["cat-file", "blob", &blob],
                command::LOCAL_TIMEOUT,
            )
            .await?;
            // Identical, or cut short mid-write (a prefix): every byte is in the commit's version.
            if checkout.kind(&path) == Some(nightshift_workspace::Kind::File)
                && checkout
                    .read(&path)
                    .ok()
                    .flatten()
                    .is_some_and(|left| landing.starts_with(&left))
            {
                tracing::warn!(%path, "removed a file an earlier landing left half-way (identical to the commit's)");
                checkout.remove(&path)?;
            }
        }
        Ok(())
    }

    /// The main checkout's git directory, absolute.
    async fn git_dir(&self) -> Result<PathBuf> {
        Ok(PathBuf::from(
            git(
                &self.root,
                &["rev-parse", "--path-format=absolute", "--git-dir"],
            )
            .await?,
        ))
    }

    /// At start, with the daemon lock held (no other nightshift works here): removes the lock
    /// files a killed git of an earlier daemon left behind, which would block every later
    /// attempt of a task, or every landing. Ours for sure: locks of this queue's task branches.
    /// Stale for sure: a `packed-refs.lock` older than [`STALE_PACKED_REFS_LOCK`].
    /// Ours if an earlier landing was cut (its marker is still there): the checkout's
    /// `index.lock` and the target branch's ref lock, made since that landing began. Returns
    /// the files removed.
    #[allow(
        clippy::disallowed_methods,
        reason = "lock files in the git directory, which neither tasks nor sandboxed code can write"
    )]
    pub async fn clear_stale_locks(&self) -> Result<Vec<PathBuf>> {
        let common = PathBuf::from(
            git(
                &self.root,
                &["rev-parse", "--path-format=absolute", "--git-common-dir"],
            )
            .await?,
        );
        let mut stale = Vec::new();
        let own_refs = common.join("refs/heads").join(self.branch_dir());
        if let Ok(mut entries) = tokio::fs::read_dir(&own_refs).await {
            while let Ok(Some(entry)) = entries.next_entry().await {
                if entry.file_name().to_string_lossy().ends_with(".lock") {
                    stale.push(entry.path());
                }
            }
        }
        // Git holds packed-refs.lock for the moment it rewrites the file (a ref deleted, refs
        // packed), never while waiting on a person: one this old was left by a killed git.
        let packed = common.join("packed-refs.lock");
        if tokio::fs::metadata(&packed)
            .await
            .and_then(|m| m.modified())
            .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > STALE_PACKED_REFS_LOCK))
        {
            stale.push(packed);
        }
        let git_dir = self.git_dir().await?;
        let marker = git_dir.join(LANDING_MARKER);
        if let Ok(meta) = tokio::fs::metadata(&marker).await {
            let since = meta.modified()?;
            // Whatever the landing's git locks in the checkout's git directory (index, HEAD,
            // ORIG_HEAD, AUTO_MERGE, and any file a later git adds to that list), and the
            // branch's ref, made since the landing began.
            let mut candidates = vec![common.join(format!("refs/heads/{}.lock", self.branch))];
            let mut entries = tokio::fs::read_dir(&git_dir).await?;
            while let Some(entry) = entries.next_entry().await? {
                if entry.file_name().to_string_lossy().ends_with(".lock")
                    && entry.file_type().await.is_ok_and(|t| t.is_file())
                {
                    candidates.push(entry.path());
                }
            }
            for lock in candidates {
                if lock.file_name() == Some(std::ffi::OsStr::new(DAEMON_LOCK)) {
                    continue;
                }
                if tokio::fs::metadata(&lock)
                    .await
                    .and_then(|m| m.modified())
                    .is_ok_and(|at| at >= since)
                {
                    stale.push(lock);
                }
            }
        }
        for lock in &stale {
            tokio::fs::remove_file(lock).await?;
        }
        drop(remove_marker(&marker).await);
        Ok(stale)
    }

    /// Why the target branch cannot be moved now, if it cannot: the user is in the middle of a
    /// rebase, merge, cherry-pick, revert or bisect in the main checkout (moving the branch
    /// under it would make it fail at the end), the branch is checked out in a linked worktree
    /// (whose files would go stale, and whose next commit would revert the landing), or the
    /// checkout's index is locked (an editor's `git status`, a command under way).
    pub async fn busy(&self) -> Result<Option<String>> {
        let git_dir = self.git_dir().await?;
        for (entry, what) in [
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase"),
            ("MERGE_HEAD", "a merge"),
            ("CHERRY_PICK_HEAD", "a cherry-pick"),
            ("REVERT_HEAD", "a revert"),
            ("BISECT_LOG", "a bisect"),
            ("index.lock", "a git command (index.lock)"),
        ] {
            if git_dir.join(entry).exists() {
                return Ok(Some(format!(
                    "{what} is under way in {}",
                    self.root.display()
                )));
            }
        }
        let listing = git(&self.root, &["worktree", "list", "--porcelain"]).await?;
        let wanted = format!("branch refs/heads/{}", self.branch);
        let mut path = "";
        for line in listing.lines() {
            if let Some(p) = line.strip_prefix("worktree ") {
                path = p;
            } else if line == wanted && Path::new(path) != self.root {
                return Ok(Some(format!(
                    "{} is checked out in the worktree {path}",
                    self.branch
                )));
            }
        }
        Ok(None)
    }

    /// Pushes the target branch to its upstream (`branch.<name>.remote` and `.merge`; else
    /// `origin` and the same name), never forced, and returns the commit pushed. The user's own
    /// commits are theirs to publish: if the branch holds commits the remote lacks that are not
    /// this queue's, nothing is pushed ([`GitError::Busy`]) until the user pushes them.
    pub async fn push(&self) -> Result<String> {
        let config =
            |key: String| async move { git(&self.root, &["config", "--get", &key]).await.ok() };
        let remote = config(format!("branch.{}.remote", self.branch))
            .await
            .unwrap_or_else(|| "origin".to_owned());
        let upstream = config(format!("branch.{}.merge", self.branch))
            .await
            .unwrap_or_else(|| format!("refs/heads/{}", self.branch));
        let Some(tip) = self.tip().await? else {
            return Err(GitError::BadBranch(format!(
                "{:?} has no commit",
                self.branch
            )));
        };
        let listed = command::run(
            &self.root,
            &["ls-remote", "--end-of-options", &remote, &upstream],
            command::PUSH_TIMEOUT,
        )
        .await?;
        let remote_tip = listed.split_whitespace().next().map(str::to_owned);
        let range = match &remote_tip {
            Some(sha) if self.has_commit(sha).await => format!("{sha}..{tip}"),
            // Unknown here: the remote is ahead or elsewhere; the push will say so.
            Some(_) => return self.push_tip(&remote, &tip, &upstream).await,
            None => tip.clone(),
        };
        let format = format!("--format=%H%x00%(trailers:key={QUEUE_TRAILER},valueonly)");
        let unpushed = git(&self.root, &["log", &format, &range]).await?;
        let foreign = unpushed
            .lines()
            .filter(|line| {
                line.split_once('\0')
                    .is_none_or(|(_, queue)| queue.trim() != self.queue)
            })
            .count();
        if foreign > 0 {
            return Err(GitError::Busy(format!(
                "{foreign} commit(s) of yours on {} are not on {remote} yet; nightshift does not publish them — push them yourself, and its commits follow",
                self.branch
            )));
        }
        self.push_tip(&remote, &tip, &upstream).await
    }

    async fn push_tip(&self, remote: &str, tip: &str, upstream: &str) -> Result<String> {
        let refspec = format!("{tip}:{upstream}");
        command::run(
            &self.root,
            &["push", "--quiet", "--end-of-options", remote, &refspec],
            command::PUSH_TIMEOUT,
        )
        .await?;
        Ok(tip.to_owned())
    }

    async fn has_commit(&self, sha: &str) -> bool {
        let object = format!("{sha}^{{commit}}");
        git(&self.root, &["cat-file", "-e", &object]).await.is_ok()
    }

    /// What `git show` prints of commit `sha` (its message, the files it changed and its
    /// patch), at most `max_bytes` of it. Diff drivers and text conversions the repository
    /// configures never run: the patch is git's own.
    pub async fn show(&self, sha: &str, max_bytes: usize) -> Result<String> {
        let object = format!("{sha}^{{commit}}");
        let sha = git(&self.root, &["rev-parse", "--verify", "--quiet", &object]).await?;
        let shown = command::run(
            &self.root,
            &[
                "show",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--format=fuller",
                "--stat",
                "--patch",
                sha.trim(),
                "--",
            ],
            command::LOCAL_TIMEOUT,
        )
        .await?;
        let mut text = shown;
        if text.len() > max_bytes {
            let mut cut = max_bytes;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str(
                "\n… (cut: the commit is larger than a page shows; `git show` has it all)",
            );
        }
        Ok(text)
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub async fn contains(&self, descendant: &str, ancestor: &str) -> Result<bool> {
        match git(
            &self.root,
            &["merge-base", "--is-ancestor", ancestor, descendant],
        )
        .await
        {
            Ok(_) => Ok(true),
            Err(GitError::Command { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Files changed by `sha`.
    pub async fn files_of(&self, sha: &str) -> Result<Vec<String>> {
        git_names(&self.root, &["show", "-z", "--name-only", "--format=", sha]).await
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

    const QUEUE: &str = "0123456789abcdef";

    pub(super) async fn user_commit(root: &Path, file: &str, content: &str) {
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
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        assert_eq!(repo.branch(), "main");
        assert_eq!(repo.tip().await.unwrap(), None);

        // First task on an empty repository: an orphan branch, a root commit.
        let wt1 = dir.path().join("wt/task-1");
        let start = repo.add_worktree(&wt1, 1).await.unwrap();
        assert_eq!(start, Start::Fresh { base: None });
        tokio::fs::write(wt1.join("a.py"), "A = 1\n").await.unwrap();
        let c1 = repo
            .commit(
                &wt1,
                &["a.py".into()],
                &format!("a\n\n{}\n", repo.trailers(1)),
            )
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
        assert_eq!(repo.remove_worktree(&wt1, 1).await.unwrap(), None);

        // Task 2 starts; meanwhile the user commits elsewhere: task 2 is rebased onto it.
        let base = repo.tip().await.unwrap();
        let wt2 = dir.path().join("wt/task-2");
        repo.add_worktree(&wt2, 2).await.unwrap();
        user_commit(&root, "user.txt", "mine\n").await;
        tokio::fs::write(wt2.join("b.py"), "B = 2\n").await.unwrap();
        let c2 = repo
            .commit(
                &wt2,
                &["b.py".into()],
                &format!("b\n\n{}\n", repo.trailers(2)),
            )
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
        assert_eq!(repo.remove_worktree(&wt2, 2).await.unwrap(), None);

        // Task 3 edits a.py while the user changes it too: a conflict, main is untouched, and
        // the worktree is left at the new tip for the model to try again there.
        let base = repo.tip().await.unwrap();
        let wt3 = dir.path().join("wt/task-3");
        repo.add_worktree(&wt3, 3).await.unwrap();
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
        assert_eq!(repo.remove_worktree(&wt3, 3).await.unwrap(), None);
        assert_eq!(
            git(&root, &["worktree", "list"])
                .await
                .unwrap()
                .lines()
                .count(),
            1
        );
        let branches = git(&root, &["branch", "--list", "nightshift/*/*"])
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
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();

        // On an unborn branch every file is new.
        let wt0 = dir.path().join("wt/task-0");
        repo.add_worktree(&wt0, 0).await.unwrap();
        tokio::fs::write(wt0.join("new.py"), "x = 1\n")
            .await
            .unwrap();
        repo.discard(&wt0, &["new.py".into()]).await.unwrap();
        assert!(!wt0.join("new.py").exists());

        user_commit(&root, "a.py", "A = 1\n").await;
        user_commit(&root, "b.py", "B = 2\n").await;
        let wt = dir.path().join("wt/task-1");
        repo.add_worktree(&wt, 1).await.unwrap();
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
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let worktrees = dir.path().join("wt");

        // Task 4 commits, then the process dies before landing: worktree and branch remain.
        let wt = worktrees.join("task-4");
        repo.add_worktree(&wt, 4).await.unwrap();
        tokio::fs::write(wt.join("c.py"), "C = 3\n").await.unwrap();
        let c4 = repo.commit(&wt, &["c.py".into()], "c").await.unwrap();
        // And task 5's attempt died before committing anything.
        let wt5 = worktrees.join("task-5");
        repo.add_worktree(&wt5, 5).await.unwrap();
        tokio::fs::write(wt5.join("half-done.py"), "x = \n")
            .await
            .unwrap();

        // And task 6's `worktree add` was killed half-way: its worktree is left locked.
        let wt6 = worktrees.join("task-6");
        repo.add_worktree(&wt6, 6).await.unwrap();
        git(&root, &["worktree", "lock", &wt6.to_string_lossy()])
            .await
            .unwrap();

        let kept = repo.clean_orphans(&worktrees).await.unwrap();
        assert_eq!(kept, vec![repo.task_branch(4)]);
        assert!(!wt6.exists());
        // Its branch is free again for the task's next attempt.
        let again = worktrees.join("task-6-again");
        repo.add_worktree(&again, 6).await.unwrap();
        repo.remove_worktree(&again, 6).await.unwrap();
        assert!(!wt.exists() && !wt5.exists(), "orphan worktrees removed");
        let branches = git(&root, &["branch", "--list", "nightshift/*/*"])
            .await
            .unwrap();
        assert_eq!(branches.trim(), "nightshift/01234567/task-4");

        // The next attempt at task 4 starts at its commit, and lands it.
        let start = repo.add_worktree(&wt, 4).await.unwrap();
        let Start::Unlanded { base, commit } = start else {
            panic!("expected the unlanded commit, got {start:?}");
        };
        assert_eq!(commit, c4.sha);
        assert_eq!(base, repo.tip().await.unwrap());
        // Removing the worktree before it lands keeps the branch.
        assert_eq!(
            repo.remove_worktree(&wt, 4).await.unwrap(),
            Some(c4.sha.clone())
        );
        repo.add_worktree(&wt, 4).await.unwrap();
        land(&repo, &wt, &commit, base.as_deref()).await.unwrap();
        assert_eq!(repo.tip().await.unwrap(), Some(c4.sha));
        assert_eq!(repo.remove_worktree(&wt, 4).await.unwrap(), None);
    }
}

#[cfg(test)]
mod hostile {
    //! What a repository, a worktree or the user's configuration could make the daemon's git do.
    use std::time::Duration;

    use super::*;

    const QUEUE: &str = "feedfacefeedface";

    /// The repository at `root` opened for the queue, and a fresh worktree of task 1 under
    /// `dir`, with the tip it starts from.
    async fn fresh_task(dir: &Path, root: &Path) -> (Repo, PathBuf, Option<String>) {
        let repo = Repo::open(root, "", QUEUE).await.unwrap();
        let wt = dir.join("wt/task-1");
        let Start::Fresh { base } = repo.add_worktree(&wt, 1).await.unwrap() else {
            panic!("fresh start expected");
        };
        (repo, wt, base)
    }

    async fn init(dir: &Path) -> PathBuf {
        let root = dir.join("repo");
        tokio::fs::create_dir(&root).await.unwrap();
        git(&root, &["init", "-q", "-b", "main"]).await.unwrap();
        tokio::fs::write(root.join("README"), "hi\n").await.unwrap();
        git(&root, &["add", "README"]).await.unwrap();
        git(
            &root,
            &[
                "-c",
                "user.name=u",
                "-c",
                "user.email=u@u",
                "commit",
                "-qm",
                "first",
            ],
        )
        .await
        .unwrap();
        root
    }

    /// Writes an executable hook script that leaves `marker` behind when it runs.
    fn plant(dir: &Path, names: &[&str], marker: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for name in names {
            let hook = dir.join(name);
            std::fs::write(
                &hook,
                format!("#!/bin/sh\necho {name} >> '{}'\n", marker.display()),
            )
            .unwrap();
            let mut perms = std::fs::metadata(&hook).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
            std::fs::set_permissions(&hook, perms).unwrap();
        }
    }

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

    #[tokio::test]
    async fn no_hook_runs_in_any_git_command_of_the_daemon() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let marker = dir.path().join("hook-ran");
        // Hooks where git looks by default, and a relative hooksPath (as husky sets), which
        // resolves inside whichever worktree git runs in — the one place sandboxed code writes.
        plant(&root.join(".git/hooks"), HOOKS, &marker);
        plant(&root.join(".husky/_"), HOOKS, &marker);
        git(&root, &["config", "core.hooksPath", ".husky/_"])
            .await
            .unwrap();
        // A bare remote whose pre-receive would run on push: not ours to stop, so not planted.
        let remote = dir.path().join("remote.git");
        git(dir.path(), &["init", "-q", "--bare", "remote.git"])
            .await
            .unwrap();
        git(
            &root,
            &["remote", "add", "origin", &remote.to_string_lossy()],
        )
        .await
        .unwrap();

        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let wt = dir.path().join("wt/task-1");
        repo.add_worktree(&wt, 1).await.unwrap();
        plant(&wt.join(".husky/_"), HOOKS, &marker);
        std::fs::write(wt.join("a.py"), "A = 1\n").unwrap();
        let c = repo
            .commit(
                &wt,
                &["a.py".into()],
                &format!("a\n\n{}\n", repo.trailers(1)),
            )
            .await
            .unwrap();
        // The branch moves under the attempt: a rebase (reset + cherry-pick) in the worktree.
        crate::tests::user_commit(&root, "user.txt", "u\n").await;
        // The user publishes their own commits (nightshift never does).
        git(&root, &["push", "-q", "origin", "main:main"])
            .await
            .unwrap();
        // (The user's commands above ran their own hooks: that is theirs; start counting now.)
        drop(std::fs::remove_file(&marker));
        let base = Some(git(&root, &["rev-parse", "HEAD~1"]).await.unwrap());
        let rebased = repo
            .rebase(&wt, &c.sha, base.as_deref())
            .await
            .unwrap()
            .unwrap();
        repo.fast_forward(&rebased.commit, Some(&rebased.base))
            .await
            .unwrap();
        repo.push().await.unwrap();
        repo.remove_worktree(&wt, 1).await.unwrap();
        assert!(
            !marker.exists(),
            "hooks ran: {}",
            std::fs::read_to_string(&marker).unwrap_or_default()
        );
    }

    #[tokio::test]
    async fn the_users_signing_config_neither_hangs_nor_signs_agent_commits() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let gpg = dir.path().join("slow-gpg");
        std::fs::write(&gpg, "#!/bin/sh\nsleep 3600\n").unwrap();
        let mut perms = std::fs::metadata(&gpg).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&gpg, perms).unwrap();
        for (key, value) in [
            ("commit.gpgsign", "true"),
            ("gpg.program", &*gpg.to_string_lossy()),
            ("merge.verifySignatures", "true"),
        ] {
            git(&root, &["config", key, value]).await.unwrap();
        }
        let (repo, wt, base) = fresh_task(dir.path(), &root).await;
        std::fs::write(wt.join("a.py"), "A = 1\n").unwrap();
        let c = tokio::time::timeout(
            Duration::from_secs(60),
            repo.commit(&wt, &["a.py".into()], "a"),
        )
        .await
        .expect("the commit must not wait for gpg")
        .unwrap();
        repo.fast_forward(&c.sha, base.as_deref()).await.unwrap();
        let signature = git(&root, &["log", "-1", "--format=%G?", "main"])
            .await
            .unwrap();
        assert_eq!(signature, "N", "agent commits carry no signature");
    }

    #[tokio::test]
    async fn a_trailer_in_a_body_or_of_another_queue_is_not_the_tasks_commit() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let other = Repo::open(&root, "", "0000000000000000").await.unwrap();
        // A commit whose body quotes task 2's trailers, and one of task 3 of another queue.
        for (n, message) in [
            (
                5,
                format!(
                    "quote\n\n{}\n\nthe real trailers:\n\n{}\n",
                    repo.trailers(2),
                    repo.trailers(5)
                ),
            ),
            (3, format!("other\n\n{}\n", other.trailers(3))),
        ] {
            let wt = dir.path().join(format!("wt/task-{n}"));
            let Start::Fresh { base } = repo.add_worktree(&wt, n).await.unwrap() else {
                panic!("fresh start expected");
            };
            std::fs::write(wt.join(format!("f{n}.py")), "x = 1\n").unwrap();
            let c = repo
                .commit(&wt, &[format!("f{n}.py")], &message)
                .await
                .unwrap();
            repo.fast_forward(&c.sha, base.as_deref()).await.unwrap();
            repo.remove_worktree(&wt, n).await.unwrap();
        }
        assert_eq!(repo.find_task_commit(2).await.unwrap(), None);
        assert_eq!(repo.find_task_commit(3).await.unwrap(), None);
        assert!(repo.find_task_commit(5).await.unwrap().is_some());
        assert!(other.find_task_commit(3).await.unwrap().is_some());
        assert_eq!(other.find_task_commit(5).await.unwrap(), None);
    }

    #[tokio::test]
    async fn names_with_newlines_and_non_ascii_letters_come_through_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let wt = dir.path().join("wt/task-1");
        repo.add_worktree(&wt, 1).await.unwrap();
        let names = ["café.py".to_owned(), "new\nline.py".to_owned()];
        for name in &names {
            std::fs::write(wt.join(name), "x = 1\n").unwrap();
        }
        let c = repo.commit(&wt, &names, "names").await.unwrap();
        let mut files = repo.files_of(&c.sha).await.unwrap();
        files.sort();
        assert_eq!(files, vec!["café.py".to_owned(), "new\nline.py".to_owned()]);
    }

    #[tokio::test]
    async fn landing_never_overwrites_an_ignored_file_of_the_user() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        // Ignored only in the user's checkout (an untracked .gitignore of theirs).
        std::fs::write(root.join(".gitignore"), "local.cfg\n.gitignore\n").unwrap();
        std::fs::write(root.join("local.cfg"), "mine\n").unwrap();
        let (repo, wt, base) = fresh_task(dir.path(), &root).await;
        std::fs::write(wt.join("local.cfg"), "the agent's\n").unwrap();
        let c = repo
            .commit(&wt, &["local.cfg".into()], "cfg")
            .await
            .unwrap();
        assert!(repo.fast_forward(&c.sha, base.as_deref()).await.is_err());
        assert_eq!(
            std::fs::read_to_string(root.join("local.cfg")).unwrap(),
            "mine\n"
        );
    }

    #[tokio::test]
    async fn a_rebase_under_way_or_the_branch_checked_out_elsewhere_makes_landing_wait() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let (repo, wt, base) = fresh_task(dir.path(), &root).await;
        std::fs::write(wt.join("a.py"), "A = 1\n").unwrap();
        let c = repo.commit(&wt, &["a.py".into()], "a").await.unwrap();
        let tip = repo.tip().await.unwrap();

        // The user's interactive rebase, paused.
        git(&root, &["checkout", "-q", "--detach"]).await.unwrap();
        std::fs::create_dir(root.join(".git/rebase-merge")).unwrap();
        let err = repo
            .fast_forward(&c.sha, base.as_deref())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, GitError::Busy(r) if r.contains("rebase")),
            "{err}"
        );
        std::fs::remove_dir(root.join(".git/rebase-merge")).unwrap();

        // The branch checked out in a linked worktree of the user's.
        let linked = dir.path().join("linked");
        git(
            &root,
            &["worktree", "add", "-q", &linked.to_string_lossy(), "main"],
        )
        .await
        .unwrap();
        let err = repo
            .fast_forward(&c.sha, base.as_deref())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, GitError::Busy(r) if r.contains("linked")),
            "{err}"
        );
        git(&root, &["worktree", "remove", &linked.to_string_lossy()])
            .await
            .unwrap();

        // A held index.lock.
        git(&root, &["checkout", "-q", "main"]).await.unwrap();
        std::fs::write(root.join(".git/index.lock"), "").unwrap();
        let err = repo
            .fast_forward(&c.sha, base.as_deref())
            .await
            .unwrap_err();
        assert!(matches!(err, GitError::Busy(_)), "{err}");
        std::fs::remove_file(root.join(".git/index.lock")).unwrap();
        assert_eq!(repo.tip().await.unwrap(), tip, "nothing moved meanwhile");

        // Local changes in the way: the merge refuses and says why.
        std::fs::write(root.join("a.py"), "mine\n").unwrap();
        let err = repo
            .fast_forward(&c.sha, base.as_deref())
            .await
            .unwrap_err();
        assert!(matches!(err, GitError::Busy(_)), "{err}");
        assert_eq!(
            std::fs::read_to_string(root.join("a.py")).unwrap(),
            "mine\n"
        );
        std::fs::remove_file(root.join("a.py")).unwrap();
        repo.fast_forward(&c.sha, base.as_deref()).await.unwrap();
    }

    #[tokio::test]
    async fn head_detached_between_the_look_and_the_merge_still_lands_on_the_branch() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let (repo, wt, base) = fresh_task(dir.path(), &root).await;
        std::fs::write(wt.join("a.py"), "A = 1\n").unwrap();
        let c = repo.commit(&wt, &["a.py".into()], "a").await.unwrap();

        // The landing saw HEAD on the branch; the user detached it right after.
        git(&root, &["checkout", "-q", "--detach"]).await.unwrap();
        repo.move_branch(&c.sha, base.as_deref(), Some("main".to_owned()))
            .await
            .unwrap();
        assert_eq!(repo.tip().await.unwrap().as_deref(), Some(c.sha.as_str()));

        // And the user's return to the branch finds it with the commit.
        git(&root, &["checkout", "-q", "main"]).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("a.py")).unwrap(),
            "A = 1\n"
        );
        assert_eq!(git(&root, &["status", "--porcelain"]).await.unwrap(), "");
    }

    #[tokio::test]
    async fn a_push_goes_to_the_upstream_and_never_publishes_the_users_own_commits() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let remote = dir.path().join("remote.git");
        git(dir.path(), &["init", "-q", "--bare", "remote.git"])
            .await
            .unwrap();
        git(&root, &["remote", "add", "up", &remote.to_string_lossy()])
            .await
            .unwrap();
        // The user's main tracks up/trunk, and is published.
        git(&root, &["push", "-q", "up", "main:trunk"])
            .await
            .unwrap();
        git(&root, &["config", "branch.main.remote", "up"])
            .await
            .unwrap();
        git(&root, &["config", "branch.main.merge", "refs/heads/trunk"])
            .await
            .unwrap();
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let land = |n: i64| {
            let repo = repo.clone();
            let wt = dir.path().join(format!("wt/task-{n}"));
            async move {
                let Start::Fresh { base } = repo.add_worktree(&wt, n).await.unwrap() else {
                    panic!("fresh start expected");
                };
                std::fs::write(wt.join(format!("t{n}.py")), "x = 1\n").unwrap();
                let c = repo
                    .commit(
                        &wt,
                        &[format!("t{n}.py")],
                        &format!("t{n}\n\n{}\n", repo.trailers(n)),
                    )
                    .await
                    .unwrap();
                repo.fast_forward(&c.sha, base.as_deref()).await.unwrap();
                repo.remove_worktree(&wt, n).await.unwrap();
                c.sha
            }
        };
        let first = land(1).await;
        assert_eq!(repo.push().await.unwrap(), first);
        assert_eq!(git(&remote, &["rev-parse", "trunk"]).await.unwrap(), first);

        // The user commits and does not push; the queue lands another: nothing is pushed.
        crate::tests::user_commit(&root, "mine.txt", "mine\n").await;
        let second = land(2).await;
        let err = repo.push().await.unwrap_err();
        assert!(
            matches!(&err, GitError::Busy(r) if r.contains("yourself")),
            "{err}"
        );
        assert_eq!(git(&remote, &["rev-parse", "trunk"]).await.unwrap(), first);
        assert!(repo.contains(&second, &first).await.unwrap());
        assert!(!repo.contains(&first, &second).await.unwrap());

        // Once the user has pushed theirs, the queue's follow.
        git(&root, &["push", "-q", "up", "HEAD~1:trunk"])
            .await
            .unwrap();
        assert_eq!(repo.push().await.unwrap(), second);
        assert_eq!(git(&remote, &["rev-parse", "trunk"]).await.unwrap(), second);
    }

    #[tokio::test]
    async fn tidy_leaves_the_commit_plus_the_kept_files_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        crate::tests::user_commit(&root, ".gitignore", "cache/\n").await;
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let wt = dir.path().join("wt/task-1");
        repo.add_worktree(&wt, 1).await.unwrap();
        std::fs::write(wt.join("answer.py"), "x = 1\n").unwrap();
        // What a test run might leave: an edit of a tracked file, new files, a link, a cache.
        std::fs::write(wt.join("README"), "changed by a test\n").unwrap();
        std::fs::create_dir_all(wt.join("pkg")).unwrap();
        std::fs::write(wt.join("pkg/helper.py"), "y = 2\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", wt.join("link.py")).unwrap();
        std::fs::create_dir_all(wt.join("cache")).unwrap();
        std::fs::write(wt.join("cache/built"), "b").unwrap();
        repo.tidy(&wt, &["answer.py".into()]).await.unwrap();
        assert_eq!(std::fs::read_to_string(wt.join("README")).unwrap(), "hi\n");
        assert_eq!(
            std::fs::read_to_string(wt.join("answer.py")).unwrap(),
            "x = 1\n"
        );
        assert!(!wt.join("pkg/helper.py").exists());
        assert!(wt.join("link.py").symlink_metadata().is_err());
        assert!(wt.join("cache/built").exists(), "ignored build caches stay");
    }

    #[tokio::test]
    async fn lock_files_a_killed_git_of_ours_left_are_cleared_at_start_and_no_others() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let refs = root.join(".git/refs/heads").join(repo.branch_dir());
        std::fs::create_dir_all(&refs).unwrap();
        std::fs::write(refs.join("task-9.lock"), "").unwrap();
        // A packed-refs.lock a minute old: git holds it for milliseconds.
        let packed = root.join(".git/packed-refs.lock");
        std::fs::write(&packed, "").unwrap();
        let aged = std::process::Command::new("touch")
            .args(["-d", "1 minute ago"])
            .arg(&packed)
            .status()
            .unwrap();
        assert!(aged.success());
        // Without a landing cut short, the checkout's index.lock is the user's: kept.
        std::fs::write(root.join(".git/index.lock"), "").unwrap();
        repo.clean_orphans(&dir.path().join("wt")).await.unwrap();
        assert!(!refs.join("task-9.lock").exists());
        assert!(!packed.exists());
        assert!(root.join(".git/index.lock").exists());
        // A landing was cut (its marker is there) and left index.lock and the branch's lock.
        std::fs::remove_file(root.join(".git/index.lock")).unwrap();
        std::fs::write(root.join(".git").join(LANDING_MARKER), "1").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(root.join(".git/index.lock"), "").unwrap();
        std::fs::write(root.join(".git/HEAD.lock"), "").unwrap();
        std::fs::write(root.join(".git/AUTO_MERGE.lock"), "").unwrap();
        std::fs::write(root.join(".git/refs/heads/main.lock"), "").unwrap();
        repo.clean_orphans(&dir.path().join("wt")).await.unwrap();
        assert!(!root.join(".git/index.lock").exists());
        assert!(!root.join(".git/HEAD.lock").exists());
        assert!(!root.join(".git/AUTO_MERGE.lock").exists());
        assert!(!root.join(".git/refs/heads/main.lock").exists());
        assert!(!root.join(".git").join(LANDING_MARKER).exists());
    }

    #[tokio::test]
    async fn files_a_cut_landing_left_identical_are_cleared_and_the_users_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let (repo, wt, base) = fresh_task(dir.path(), &root).await;
        std::fs::write(wt.join("a.py"), "A = 1\n").unwrap();
        std::fs::write(wt.join("b.py"), "B = 1\n").unwrap();
        std::fs::write(wt.join("c.py"), "C = 1\n").unwrap();
        let c = repo
            .commit(&wt, &["a.py".into(), "b.py".into(), "c.py".into()], "abc")
            .await
            .unwrap();
        // A landing cut short wrote a.py, and c.py only in part; the user has a b.py of theirs.
        std::fs::write(root.join("a.py"), "A = 1\n").unwrap();
        std::fs::write(root.join("c.py"), "").unwrap();
        std::fs::write(root.join("b.py"), "mine\n").unwrap();
        let err = repo
            .fast_forward(&c.sha, base.as_deref())
            .await
            .unwrap_err();
        assert!(matches!(err, GitError::Busy(_)), "{err}");
        assert!(
            !root.join("a.py").exists(),
            "the identical leftover is cleared"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("b.py")).unwrap(),
            "mine\n"
        );
        std::fs::remove_file(root.join("b.py")).unwrap();
        repo.fast_forward(&c.sha, base.as_deref()).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("a.py")).unwrap(),
            "A = 1\n"
        );
    }

    #[tokio::test]
    async fn a_second_daemon_on_the_repository_is_refused_until_the_first_stops() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        let held = repo.lock_daemon().await.unwrap();
        let err = repo.lock_daemon().await.unwrap_err();
        assert!(matches!(err, GitError::Locked(_)), "{err}");
        drop(held);
        repo.lock_daemon().await.unwrap();
    }

    #[tokio::test]
    async fn a_missing_or_malformed_target_branch_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path()).await;
        for branch in ["mian", "-x", "a..b"] {
            let err = Repo::open(&root, branch, QUEUE).await.unwrap_err();
            assert!(matches!(err, GitError::BadBranch(_)), "{branch}: {err}");
        }
        // The branch goes away while the daemon runs: no orphan start on an empty tree.
        let repo = Repo::open(&root, "", QUEUE).await.unwrap();
        git(&root, &["checkout", "-q", "--detach"]).await.unwrap();
        git(&root, &["branch", "-q", "-D", "main"]).await.unwrap();
        let err = repo
            .add_worktree(&dir.path().join("wt/task-1"), 1)
            .await
            .unwrap_err();
        assert!(matches!(err, GitError::BadBranch(_)), "{err}");
    }
}
