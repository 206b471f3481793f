//! Errors as the API answers them: `{"error": "..."}` with a 4xx or 5xx status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nightshift_store::StoreError;
use serde_json::json;

/// A refused or failed request.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    /// The task the error is about, where there is one (a repeated idempotency key).
    task: Option<i64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            task: None,
        }
    }

    /// 400: the request is malformed.
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// Its status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// What it says.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The error is about `task`.
    pub(crate) fn about(mut self, task: i64) -> Self {
        self.task = Some(task);
        self
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        let status = match &err {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::InvalidState { .. } | StoreError::StaleLease { .. } => StatusCode::CONFLICT,
            StoreError::Invalid(_) => StatusCode::BAD_REQUEST,
            StoreError::Corrupt(_) | StoreError::Backend(_) => {
                tracing::error!(%err, "storage failed serving a request");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match err {
            StoreError::Invalid(message) => message,
            err => err.to_string(),
        };
        Self::new(status, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.task {
            Some(task) => json!({ "error": self.message, "task": task }),
            None => json!({ "error": self.message }),
        };
        (self.status, Json(body)).into_response()
    }
}
