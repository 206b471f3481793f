//! Errors of the storage layer.

/// Result alias of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong talking to storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The lease presented no longer owns the task: it expired and was taken over, or the task
    /// was cancelled. The attempt must stop without writing anything else.
    #[error("stale lease for task {task_id}: the task was taken over or cancelled")]
    StaleLease {
        /// The task the stale write was about.
        task_id: i64,
    },
    /// No task with this id.
    #[error("no task with id {0}")]
    NotFound(i64),
    /// The request is not valid for the task's current state (e.g. retrying a running task).
    #[error("task {id} is {status}: {reason}")]
    InvalidState {
        /// The task.
        id: i64,
        /// Its current status.
        status: String,
        /// Why the request is refused.
        reason: &'static str,
    },
    /// Input that must be rejected before it reaches storage.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A value read back from storage is not understood (corrupt row, newer schema).
    #[error("corrupt value in storage: {0}")]
    Corrupt(String),
    /// The backend failed (I/O, connection, SQL).
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }
}
