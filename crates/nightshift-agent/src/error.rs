//! Why an attempt fails, and what that means for the task: another attempt, a repair round,
//! or neither.

use nightshift_git::GitError;
use nightshift_model::{ErrorClass, ModelError};
use nightshift_store::StoreError;

use crate::apply::ApplyError;
use crate::reply::ReplyError;

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// The model call failed.
    #[error("model: {0}")]
    Model(#[from] ModelError),
    /// The reply held no usable edit.
    #[error("{0}")]
    Reply(#[from] ReplyError),
    /// An edit was refused or could not be written.
    #[error("{0}")]
    Apply(#[from] ApplyError),
    /// Generated code does not parse.
    #[error("syntax errors in generated code:\n{0}")]
    Syntax(String),
    /// Tests failed.
    #[error("tests failed:\n{0}")]
    Tests(String),
    /// The tests did not run: the code, or a test, does not build (a type error the parser
    /// cannot see); the compiler's words.
    #[error("the code does not build:\n{0}")]
    Build(String),
    /// The edits left every file as it was.
    #[error(
        "your answer left every file exactly as it was, so nothing is done yet: make the change the task asks for"
    )]
    NoChange,
    /// The edits deleted, skipped or weakened existing tests.
    #[error("the change takes tests away:\n{0}")]
    TestIntegrity(String),
    /// The code does not define what the task asks for by name, where it asks.
    #[error("the change does not do what the task asks:\n{0}")]
    Unmet(String),
    /// The edits deleted definitions the task does not name.
    #[error("the change deletes code:\n{0}")]
    RemovedCode(String),
    /// The answer gives another value than the task itself says a call gives (an example it
    /// states, or a rule of its in prose): a check nightshift wrote from the task's own words.
    #[error("the code does not do what the task says:\n{0}")]
    Contradicted(String),
    /// No answer passed its checks and showed, by how it behaves, that it does what was asked.
    #[error("no answer shows it does what the task asks:\n{0}")]
    Unvouched(String),
    /// The change conflicts with commits that landed meanwhile; the worktree is at the new tip.
    #[error(
        "your change conflicts with newer commits on the branch, so it was not applied; the files are shown as they are now — make the change again on top of them:\n{0}"
    )]
    Conflict(String),
    /// git failed.
    #[error("git: {0}")]
    Git(GitError),
    /// Local I/O failed (running a check).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The user's checkout cannot take the landing now; the commit waits on the task's branch
    /// and lands later, as it is, without spending an attempt.
    #[error("landing waits: {0}")]
    Busy(String),
    /// The task is no longer this attempt's (cancelled, or taken over after its lease ran
    /// out): nothing lands.
    #[error("the lease was lost before landing; nothing landed")]
    LeaseLost,
    /// The lease could not be checked before landing (the database was busy, say): nothing
    /// landed, and the commit waits on the task's branch for the next attempt.
    #[error("could not check the lease before landing: {0}")]
    LeaseUnchecked(StoreError),
}

impl From<GitError> for AttemptError {
    fn from(err: GitError) -> Self {
        match err {
            GitError::Conflict { detail, .. } => Self::Conflict(detail),
            GitError::Busy(reason) => Self::Busy(reason),
            err => Self::Git(err),
        }
    }
}

impl AttemptError {
    /// Whether another attempt may succeed. Exhaustive on purpose: a new variant must decide.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Model(err) => match err.class() {
                ErrorClass::Rejected => false,
                ErrorClass::Transient
                | ErrorClass::Unavailable
                | ErrorClass::RateLimited(_)
                | ErrorClass::Unusable => true,
            },
            // Retries sample differently, so a bad reply may be followed by a good one.
            Self::Reply(_) | Self::Apply(_) | Self::Syntax(_) | Self::Build(_) | Self::Tests(_) => {
                true
            }
            Self::NoChange
            | Self::Unmet(_)
            | Self::Contradicted(_)
            | Self::Unvouched(_)
            | Self::TestIntegrity(_)
            | Self::RemovedCode(_)
            | Self::Conflict(_)
            | Self::Git(_)
            | Self::Io(_)
            | Self::Busy(_)
            | Self::LeaseUnchecked(_) => true,
            Self::LeaseLost => false,
        }
    }

    /// Whether a repair round shows this failure to the model to fix, rather than asking the
    /// task anew: the kinds a model fixes when told what is wrong about the form of its answer
    /// — a reply out of format, an edit quoting lines that are not there or writing where it may
    /// not, code that does not parse, build or names something undefined, a definition missing,
    /// misplaced or deleted, tests taken away, nothing changed, a change to make again on newer
    /// commits; and a call that gives another value than the task itself says, which is right
    /// where a model's assert may not be (an answer that then answers the example alone is
    /// refused by the pass `no-special-cases`). Not a failing test or an answer nothing vouches
    /// for: shown what it gets wrong, a small model bends its code to the assert or repeats its
    /// fault, and a fresh sample does better.
    pub fn is_shown_in_repair(&self) -> bool {
        match self {
            Self::Reply(_)
            | Self::Apply(_)
            | Self::Syntax(_)
            | Self::Build(_)
            | Self::Unmet(_)
            | Self::Contradicted(_)
            | Self::RemovedCode(_)
            | Self::TestIntegrity(_)
            | Self::NoChange
            | Self::Conflict(_) => true,
            Self::Tests(_)
            | Self::Unvouched(_)
            | Self::Model(_)
            | Self::Git(_)
            | Self::Io(_)
            | Self::LeaseLost
            | Self::Busy(_)
            | Self::LeaseUnchecked(_) => false,
        }
    }

    /// Whether the checks ran and failed on the answer ([`Self::Tests`], [`Self::Build`]),
    /// rather than failing to run at all.
    pub fn is_failed_run(&self) -> bool {
        matches!(self, Self::Tests(_) | Self::Build(_))
    }

    /// Whether showing the model this failure may let it fix its answer in the same attempt.
    pub fn is_repairable(&self) -> bool {
        match self {
            Self::Reply(_)
            | Self::NoChange
            | Self::Syntax(_)
            | Self::Build(_)
            | Self::Tests(_)
            | Self::Unmet(_)
            | Self::Contradicted(_)
            | Self::Unvouched(_)
            | Self::TestIntegrity(_)
            | Self::RemovedCode(_)
            | Self::Conflict(_) => true,
            Self::Apply(err) => match err {
                ApplyError::Unsafe { .. } | ApplyError::NoMatch { .. } => true,
                ApplyError::Io { .. } => false,
            },
            Self::Model(_)
            | Self::Git(_)
            | Self::Io(_)
            | Self::LeaseLost
            | Self::Busy(_)
            | Self::LeaseUnchecked(_) => false,
        }
    }
}
