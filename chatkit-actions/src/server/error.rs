//! [`ProcessError`]: why a request failed before any event was streamed, and the HTTP status
//! it is answered with.

use crate::store::StoreError;

/// Why a request failed before any event was streamed: the HTTP layer answers with a 4xx or
/// 5xx status and a JSON error body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    /// The body is not a ChatKit request: bad JSON, unknown `type`, missing or mistyped
    /// params (400).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The body, or an action's payload, is larger than the [`Limits`](super::Limits) allow (413).
    #[error("{0}")]
    TooLarge(String),
    /// The body nests arrays and objects deeper than the [`Limits`](super::Limits) allow (400).
    #[error("{0}")]
    TooDeep(String),
    /// The client sent more requests than its [`RateLimit`](super::RateLimit) allows (429, with `Retry-After`).
    #[error("too many requests: retry in {} s", retry_after_secs(*.retry_after))]
    RateLimited {
        /// How long until the next request is allowed.
        retry_after: std::time::Duration,
    },
    /// The application's [`Authorize`](super::Authorize) check refused the request (403, with its message).
    #[error("{0}")]
    Forbidden(String),
    /// The request names something that does not exist or is not visible to this user (404).
    #[error("{0}")]
    NotFound(String),
    /// The request is well-formed but not allowed in the current state, such as a tool output
    /// when no tool call is pending (409).
    #[error("{0}")]
    Conflict(String),
    /// A synchronous action was rejected (unknown type, invalid payload, …) or its handler
    /// failed with a message for the user ([`HandlerError::custom`](crate::handler::HandlerError::custom))
    /// (422, with that message).
    #[error("{0}")]
    Rejected(String),
    /// This server does not support the request; the message says what the application
    /// must provide (501).
    #[error("{0}")]
    Unsupported(String),
    /// The store failed (500).
    #[error("store error: {0}")]
    Store(StoreError),
    /// A handler failed in a synchronous request (500).
    #[error("{0}")]
    Handler(String),
    /// `attachments.create` or `attachments.delete` failed: the status of the
    /// [`AttachmentError`](crate::attachments::AttachmentError).
    #[error("{0}")]
    Attachment(#[from] crate::attachments::AttachmentError),
    /// `input.transcribe` failed: the status of the
    /// [`TranscribeError`](crate::transcribe::TranscribeError) (503 when no transcription
    /// service is configured).
    #[error("{0}")]
    Transcription(#[from] crate::transcribe::TranscribeError),
}

impl ProcessError {
    /// The HTTP status code this error is answered with.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            ProcessError::InvalidRequest(_) | ProcessError::TooDeep(_) => 400,
            ProcessError::Forbidden(_) => 403,
            ProcessError::TooLarge(_) => 413,
            ProcessError::RateLimited { .. } => 429,
            ProcessError::NotFound(_) => 404,
            ProcessError::Conflict(_) => 409,
            ProcessError::Rejected(_) => 422,
            ProcessError::Unsupported(_) => 501,
            ProcessError::Store(_) | ProcessError::Handler(_) => 500,
            ProcessError::Attachment(error) => error.status(),
            ProcessError::Transcription(error) => error.status(),
        }
    }

    /// A short machine-readable code for the JSON error body.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ProcessError::InvalidRequest(_) => "invalid_request",
            ProcessError::TooLarge(_) => "payload_too_large",
            ProcessError::TooDeep(_) => "too_deep",
            ProcessError::RateLimited { .. } => "rate_limited",
            ProcessError::Forbidden(_) => "forbidden",
            ProcessError::NotFound(_) => "not_found",
            ProcessError::Conflict(_) => "conflict",
            ProcessError::Rejected(_) => "action_rejected",
            ProcessError::Unsupported(_) => "unsupported",
            ProcessError::Store(_) => "store_error",
            ProcessError::Handler(_) => "handler_error",
            ProcessError::Attachment(error) => error.code(),
            ProcessError::Transcription(error) => error.code(),
        }
    }
}

impl ProcessError {
    /// For [`ProcessError::RateLimited`], the whole seconds to wait, for a `Retry-After`
    /// header (at least 1).
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ProcessError::RateLimited { retry_after } => Some(retry_after_secs(*retry_after)),
            _ => None,
        }
    }
}

/// A wait rounded up to whole seconds, at least 1.
fn retry_after_secs(wait: std::time::Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

impl From<StoreError> for ProcessError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => ProcessError::NotFound(error.to_string()),
            other => ProcessError::Store(other),
        }
    }
}
