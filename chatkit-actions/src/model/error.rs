//! [`ModelError`]: why a model request failed.

/// Why a model request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    Client(#[source] reqwest::Error),
    /// The server answered with an error status before streaming.
    #[error("the model server answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The error's `message`, or the body.
        message: String,
        /// The error's `code`, if any.
        code: Option<String>,
    },
    /// The connection failed or broke.
    #[error("the model server could not be reached: {0}")]
    Connection(#[source] reqwest::Error),
    /// No answer, or no event, in time.
    #[error("the model server did not answer in time")]
    Timeout,
    /// The stream broke or ended before `response.completed`.
    #[error("the model's stream ended early: {0}")]
    Interrupted(String),
    /// An event's JSON did not parse.
    #[error("the model server sent an invalid `{event}` event: {message}")]
    InvalidEvent {
        /// The event type.
        event: String,
        /// The parse error.
        message: String,
    },
    /// `response.failed` or an `error` event.
    #[error("the model failed ({code}): {message}")]
    Failed {
        /// The error code (`server_error`, `rate_limit_exceeded`, …).
        code: String,
        /// The message.
        message: String,
    },
}

impl ModelError {
    /// Whether trying again later may work: the client's error event then allows a retry.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            ModelError::Status { status, .. } => *status == 429 || *status >= 500,
            ModelError::Connection(_) | ModelError::Timeout | ModelError::Interrupted(_) => true,
            ModelError::Failed { code, .. } => matches!(
                code.as_str(),
                "server_error" | "rate_limit_exceeded" | "server_is_overloaded" | "slow_down"
            ),
            ModelError::Client(_) | ModelError::InvalidEvent { .. } => false,
        }
    }
}
