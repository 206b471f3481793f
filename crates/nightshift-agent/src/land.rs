//! The merge queue: an attempt's commit, rebased onto the branch as it is now and checked there
//! again, then landed — one at a time, under the lease, never cut half-way.

use std::sync::atomic::{AtomicBool, Ordering};

use nightshift_git::Commit;
use nightshift_store::{EventLog, LogLevel, ModelStatsLog, StoreError, TaskQueue};

use crate::attempt::{Attempt, Landed};
use crate::error::AttemptError;
use crate::work::Work;

/// Clears the landing flag when the landing ends, however it ends.
struct Landing<'a>(&'a AtomicBool);

impl Landing<'_> {
    fn begin(flag: &AtomicBool) -> Landing<'_> {
        flag.store(true, Ordering::SeqCst);
        Landing(flag)
    }
}

impl Drop for Landing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl<S: EventLog + ModelStatsLog + TaskQueue> Attempt<'_, S> {
    /// Commits the files written so far.
    pub(crate) async fn commit(
        &self,
        checks: &[&'static str],
        work: &Work,
        round: u32,
    ) -> Result<Commit, AttemptError> {
        let mut written = work.written.clone();
        written.sort();
        written.dedup();
        if !self.repo.changed(&self.worktree, &written).await? {
            return Err(AttemptError::NoChange);
        }
        let message = self.commit_message(checks, &work.author, round);
        Ok(self.repo.commit(&self.worktree, &written, &message).await?)
    }

    /// The merge queue, one commit at a time: if the branch moved since the attempt began, the
    /// commit is rebased onto the new tip and its checks run again there; only then is the
    /// branch fast-forwarded. A conflict leaves the worktree at the new tip; failing checks
    /// leave the rebased files uncommitted on it — either way the next round starts from there.
    pub(crate) async fn merge(
        &self,
        commit: Commit,
        checks: Vec<&'static str>,
        work: &mut Work,
    ) -> Result<Landed, AttemptError> {
        // Waiting behind other attempts' landings is queueing, not this attempt's work.
        let _queue = nightshift_model::queue::waiting(self.land_lock.lock()).await;
        // Another holder of this task (one whose lease ran out, say) may have landed it while
        // this attempt worked: adopt that commit rather than land a second.
        if let Some(sha) = self.repo.find_task_commit(self.task.id).await? {
            self.log(
                LogLevel::Warn,
                "git",
                format!(
                    "the task's commit {} is already on {}: adopted, nothing more lands",
                    short(&sha),
                    self.repo.branch()
                ),
            )
            .await;
            return Ok(Landed {
                files: self.repo.files_of(&sha).await?,
                subject: self.repo.subject_of(&sha).await?,
                sha,
                checks: Vec::new(),
            });
        }
        let (sha, base) = match self
            .repo
            .rebase(&self.worktree, &commit.sha, work.base.as_deref())
            .await
        {
            Ok(None) => (commit.sha.clone(), work.base.clone()),
            Ok(Some(rebased)) => {
                work.base = Some(rebased.base.clone());
                self.log(
                    LogLevel::Info,
                    "git",
                    format!(
                        "the branch moved: rebased onto {}, checking again",
                        short(&rebased.base)
                    ),
                )
                .await;
                if let Err(err) = self.recheck(work).await {
                    self.repo.uncommit(&self.worktree, &rebased.base).await?;
                    return Err(err);
                }
                (rebased.commit, Some(rebased.base))
            }
            Err(err) => {
                work.base = self.repo.tip().await?;
                self.log(LogLevel::Error, "git", format!("merge conflict: {err}"))
                    .await;
                return Err(err.into());
            }
        };
        let landing = Landing::begin(self.landing);
        // Renewing the lease checks it: a cancelled or taken-over task does not land.
        match self.store.heartbeat(self.lease, self.lease_length).await {
            Ok(()) => {}
            Err(StoreError::StaleLease { .. }) => return Err(AttemptError::LeaseLost),
            Err(err) => return Err(AttemptError::LeaseUnchecked(err)),
        }
        // A crash between the commit and the landing, and between the landing and recording it.
        fail::fail_point!("before_land", |_| std::process::abort());
        self.repo.fast_forward(&sha, base.as_deref()).await?;
        fail::fail_point!("after_land", |_| std::process::abort());
        drop(landing);
        self.log(
            LogLevel::Info,
            "git",
            format!(
                "landed {} on {}: {}",
                short(&sha),
                self.repo.branch(),
                commit.files.join(", ")
            ),
        )
        .await;
        Ok(Landed {
            sha,
            subject: commit.subject,
            files: commit.files,
            checks,
        })
    }

    /// The checks again, on a rebased commit.
    async fn recheck(&self, work: &Work) -> Result<(), AttemptError> {
        self.check_syntax(&work.written).await?;
        self.run_tests(work).await.map(drop)
    }

    fn commit_message(&self, checks: &[&str], author: &str, rounds: u32) -> String {
        let first_line = self
            .task
            .description
            .lines()
            .next()
            .unwrap_or_default()
            .trim();
        let subject: String = if first_line.chars().count() > 72 {
            first_line.chars().take(71).chain(['…']).collect()
        } else {
            first_line.to_owned()
        };
        format!(
            "{subject}\n\n{}\n\n{}\nNightshift-Model: {author}\nNightshift-Attempt: {}\nNightshift-Rounds: {rounds}\nNightshift-Checks: {}\n",
            quoted_trailers(self.task.description.trim()),
            self.repo.trailers(self.task.id),
            self.attempt,
            checks.join(", ")
        )
    }
}

/// `text` with every line that looks like a git trailer (`Key: value`) quoted with `> `, so a
/// task's description in a commit body can never be read as the commit's own trailers.
fn quoted_trailers(text: &str) -> String {
    text.lines()
        .map(|line| {
            let looks_like_trailer = line.split_once(':').is_some_and(|(key, _)| {
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            if looks_like_trailer {
                format!("> {line}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}
