//! [`HandlerError`]: what a handler returns when it fails, and the `error` event it becomes.

use std::fmt;

use crate::action::ActionParseError;
use crate::store::StoreError;
use crate::thread::{ErrorEvent, ThreadItem};

/// What a streamed handler returns.
pub type HandlerResult = Result<(), HandlerError>;

/// What a synchronous (`streaming = false`) handler returns: the updated item the client
/// should show in place of the sender widget, or `None`.
pub type SyncResult = Result<Option<ThreadItem>, HandlerError>;

/// A handler's failure. The server turns it into the stream's `error` event, as the Python
/// SDK turns `CustomStreamError`, `StreamError` and other exceptions into one:
///
/// | constructor | event |
/// |---|---|
/// | [`HandlerError::custom`] | `{"code": "custom", "message": …, "allow_retry": false}` (retry as set) |
/// | [`HandlerError::stream`] | `{"code": <code>, "allow_retry": …}`, no message |
/// | `?` on any other error | `{"code": "stream.error", "allow_retry": true}`, logged |
///
/// ```
/// use chatkit_actions::handler::HandlerError;
///
/// let error = HandlerError::custom("That todo no longer exists.").allow_retry(false);
/// let event = error.to_event();
/// assert_eq!(event.message.as_deref(), Some("That todo no longer exists."));
/// ```
pub struct HandlerError {
    kind: Kind,
    allow_retry: Option<bool>,
}

enum Kind {
    /// A message the user sees.
    Custom(String),
    /// A protocol error code; the client shows its generic, localized text.
    Stream(String),
    /// Any other failure; the user sees the generic error, the log gets the details.
    Internal(Box<dyn std::error::Error + Send + Sync>),
    /// The store failed.
    Store(StoreError),
    /// The action did not parse (unknown type or a payload of the wrong shape).
    InvalidAction(ActionParseError),
    /// An action with no handler method (the trait was implemented by hand).
    Unhandled(&'static str),
    /// A client-handled action reached the server.
    ClientAction(&'static str),
    /// A synchronous action came as a streamed request, or the reverse.
    WrongRequest {
        action_type: &'static str,
        sent_sync: bool,
    },
    /// The client went away; nothing more can be sent.
    Cancelled,
    /// The server refused the action before its handler ran: a forged or tampered action, a
    /// form constraint, a validation rule.
    Rejected(String),
}

impl HandlerError {
    /// An error whose message the user sees (`code: "custom"`). Retry is not offered unless
    /// [`HandlerError::allow_retry`] says so.
    pub fn custom(message: impl Into<String>) -> Self {
        HandlerError {
            kind: Kind::Custom(message.into()),
            allow_retry: None,
        }
    }

    /// An error with a protocol code such as `"stream.error"`; the client shows its own
    /// localized text. Retry defaults to `true` for `stream.error`, `false` otherwise.
    pub fn stream(code: impl Into<String>) -> Self {
        HandlerError {
            kind: Kind::Stream(code.into()),
            allow_retry: None,
        }
    }

    /// Any other failure: the user sees the generic error (retry offered), the server log
    /// gets `error`.
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        HandlerError {
            kind: Kind::Internal(error.into()),
            allow_retry: None,
        }
    }

    /// An action that failed to parse.
    #[must_use]
    pub fn invalid_action(error: ActionParseError) -> Self {
        HandlerError {
            kind: Kind::InvalidAction(error),
            allow_retry: None,
        }
    }

    /// An action the server refuses before its handler runs, with the reason the user sees
    /// (`code: "custom"`, no retry): a forged or tampered widget action, a broken form
    /// constraint, a failed [`ValidateAction`](crate::validate::ValidateAction). A client
    /// error: logged at `warn`. Never put a sensitive value in `reason`.
    #[must_use]
    pub fn rejected(reason: impl Into<String>) -> Self {
        HandlerError {
            kind: Kind::Rejected(reason.into()),
            allow_retry: None,
        }
    }

    /// A server action whose handler method is missing (only possible when the handler trait
    /// was implemented by hand, without `#[action_handler]`).
    #[must_use]
    pub(crate) fn unhandled(action_type: &'static str) -> Self {
        HandlerError {
            kind: Kind::Unhandled(action_type),
            allow_retry: None,
        }
    }

    /// A `handler = "client"` action that reached the server.
    #[must_use]
    pub(crate) fn client_action(action_type: &'static str) -> Self {
        HandlerError {
            kind: Kind::ClientAction(action_type),
            allow_retry: None,
        }
    }

    /// An action sent with the wrong request: a `streaming = false` action as
    /// `threads.custom_action` (`sent_sync` false) or a streamed one as
    /// `threads.sync_custom_action` (`sent_sync` true).
    #[must_use]
    pub(crate) fn wrong_request(action_type: &'static str, sent_sync: bool) -> Self {
        HandlerError {
            kind: Kind::WrongRequest {
                action_type,
                sent_sync,
            },
            allow_retry: None,
        }
    }

    /// The client disconnected. Returned by [`ActionContext::emit`](super::ActionContext::emit)
    /// once the stream is gone; handlers pass it on with `?`.
    #[must_use]
    pub fn cancelled() -> Self {
        HandlerError {
            kind: Kind::Cancelled,
            allow_retry: None,
        }
    }

    /// Sets whether the client offers a retry button.
    #[must_use]
    pub fn allow_retry(mut self, allow_retry: bool) -> Self {
        self.allow_retry = Some(allow_retry);
        self
    }

    /// Whether this error means the client went away.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, Kind::Cancelled)
    }

    /// Whether the client caused this error (a bad or misrouted action), as opposed to a
    /// failure of the server. The server logs those at `warn` rather than `error`.
    #[must_use]
    pub fn is_client_error(&self) -> bool {
        matches!(
            self.kind,
            Kind::InvalidAction(_)
                | Kind::ClientAction(_)
                | Kind::WrongRequest { .. }
                | Kind::Rejected(_)
        )
    }

    /// The `error` event this error becomes.
    #[must_use]
    pub fn to_event(&self) -> ErrorEvent {
        let (code, message, default_retry) = match &self.kind {
            Kind::Custom(message) | Kind::Rejected(message) => {
                ("custom".to_owned(), Some(message.clone()), false)
            }
            Kind::Stream(code) => (code.clone(), None, code == "stream.error"),
            Kind::Internal(_) | Kind::Store(_) | Kind::Cancelled => {
                ("stream.error".to_owned(), None, true)
            }
            Kind::InvalidAction(_)
            | Kind::Unhandled(_)
            | Kind::ClientAction(_)
            | Kind::WrongRequest { .. } => ("custom".to_owned(), Some(self.to_string()), false),
        };
        let mut event =
            ErrorEvent::new(code).allow_retry(self.allow_retry.unwrap_or(default_retry));
        event.message = message;
        event
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Custom(message) | Kind::Rejected(message) => f.write_str(message),
            Kind::Stream(code) => write!(f, "stream error `{code}`"),
            Kind::Internal(error) => write!(f, "handler failed: {error}"),
            Kind::Store(error) => write!(f, "store failed: {error}"),
            Kind::InvalidAction(error) => write!(f, "{error}"),
            Kind::Unhandled(action_type) => {
                write!(f, "no server handler for action `{action_type}`")
            }
            Kind::ClientAction(action_type) => write!(
                f,
                "action `{action_type}` is handled by the client and cannot be sent to the server"
            ),
            Kind::WrongRequest {
                action_type,
                sent_sync: true,
            } => write!(
                f,
                "action `{action_type}` streams its answer: send it with `threads.custom_action`"
            ),
            Kind::WrongRequest {
                action_type,
                sent_sync: false,
            } => write!(
                f,
                "action `{action_type}` is synchronous (`streaming: false`): send it with `threads.sync_custom_action`"
            ),
            Kind::Cancelled => f.write_str("the client disconnected"),
        }
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError")
            .field("kind", &format_args!("{self}"))
            .field("allow_retry", &self.allow_retry)
            .finish()
    }
}

/// `?` on any error inside a handler: the user sees the generic error, with retry offered.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for HandlerError {
    fn from(error: E) -> Self {
        HandlerError::internal(error)
    }
}

impl HandlerError {
    /// A store failure.
    #[must_use]
    pub fn store(error: StoreError) -> Self {
        HandlerError {
            kind: Kind::Store(error),
            allow_retry: None,
        }
    }
}
