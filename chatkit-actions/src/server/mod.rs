//! The ChatKit server runtime: [`ChatKitServer`] turns a raw request body into a stream of
//! events or a JSON body, as the Python SDK's `ChatKitServer.process` does, with the typed
//! action handler, the store and the responder of the application.
//!
//! ```
//! use chatkit_actions::{Action, action_handler};
//! use chatkit_actions::handler::{ActionContext, HandlerResult};
//! use chatkit_actions::server::{ChatKitServer, Processed};
//! use chatkit_actions::store::MemoryStore;
//!
//! #[derive(Action, Debug)]
//! enum AppAction {
//!     Ping,
//! }
//!
//! struct App;
//!
//! #[action_handler(AppAction)]
//! impl App {
//!     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult {
//!         cx.add_assistant_message("pong").await?;
//!         Ok(())
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let server = ChatKitServer::new(MemoryStore::new(), App);
//! let body = br#"{"type":"threads.list","params":{}}"#;
//! let Processed::Json(json) = server.process(body, ()).await.unwrap() else { unreachable!() };
//! assert_eq!(json.as_ref(), br#"{"data":[],"has_more":false}"#);
//! # });
//! ```

mod locks;
mod process;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::handler::{ActionHandler, DynRespond, NoResponse, Respond};
use crate::request::FeedbackKind;
use crate::store::{Store, StoreError};
use crate::thread::ThreadStreamEvent;

use self::locks::ThreadLocks;

/// A hook called for `items.feedback` (thumbs up or down on items).
pub type FeedbackHook<C> = Arc<dyn Fn(&str, &[String], FeedbackKind, &C) + Send + Sync>;

/// A ChatKit backend: the application's store, action handler and responder behind the one
/// ChatKit endpoint.
pub struct ChatKitServer<H: ActionHandler> {
    inner: Arc<Inner<H>>,
}

struct Inner<H: ActionHandler> {
    store: Arc<dyn Store<H::Context>>,
    handler: H,
    responder: Arc<dyn DynRespond<H::Context>>,
    allow_cancel: bool,
    feedback: Option<FeedbackHook<H::Context>>,
    locks: Arc<ThreadLocks>,
}

impl<H: ActionHandler> Clone for ChatKitServer<H> {
    fn clone(&self) -> Self {
        ChatKitServer {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H: ActionHandler> ChatKitServer<H> {
    /// A server with the given store and action handler, which answers user messages with
    /// nothing until [`ChatKitServer::respond_with`] sets a responder.
    pub fn new(store: impl Store<H::Context>, handler: H) -> Self {
        Self::with_shared_store(Arc::new(store), handler)
    }

    /// Like [`ChatKitServer::new`], with a store shared with other parts of the application.
    pub fn with_shared_store(store: Arc<dyn Store<H::Context>>, handler: H) -> Self {
        ChatKitServer {
            inner: Arc::new(Inner {
                store,
                handler,
                responder: Arc::new(NoResponse),
                allow_cancel: true,
                feedback: None,
                locks: Arc::new(ThreadLocks::default()),
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner<H> {
        Arc::get_mut(&mut self.inner).expect("configure the server before cloning it")
    }

    /// Sets the answer to user messages (the SDK's `respond`).
    ///
    /// # Panics
    ///
    /// If the server was already cloned: configure it first.
    #[must_use]
    pub fn respond_with(mut self, responder: impl Respond<H::Context>) -> Self {
        self.inner_mut().responder = Arc::new(responder);
        self
    }

    /// Sets `stream_options.allow_cancel` (whether the client shows a stop button); `true`
    /// by default.
    ///
    /// # Panics
    ///
    /// If the server was already cloned: configure it first.
    #[must_use]
    pub fn allow_cancel(mut self, allow_cancel: bool) -> Self {
        self.inner_mut().allow_cancel = allow_cancel;
        self
    }

    /// Sets the hook for `items.feedback`.
    ///
    /// # Panics
    ///
    /// If the server was already cloned: configure it first.
    #[must_use]
    pub fn on_feedback(
        mut self,
        hook: impl Fn(&str, &[String], FeedbackKind, &H::Context) + Send + Sync + 'static,
    ) -> Self {
        self.inner_mut().feedback = Some(Arc::new(hook));
        self
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store<H::Context>> {
        &self.inner.store
    }

    /// The action handler.
    #[must_use]
    pub fn handler(&self) -> &H {
        &self.inner.handler
    }
}

/// The result of [`ChatKitServer::process`]: a stream of events for streaming requests, a
/// JSON body for the others.
pub enum Processed {
    /// Serve as `text/event-stream`.
    Stream(EventStream),
    /// Serve as `application/json`.
    Json(Bytes),
}

impl fmt::Debug for Processed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Processed::Stream(_) => f.write_str("Processed::Stream(..)"),
            Processed::Json(body) => f.debug_tuple("Processed::Json").field(body).finish(),
        }
    }
}

/// The events of one streaming response, in order, as the handler produces them. Dropping
/// it before the end is a client disconnect: the handler sees
/// [`HandlerError::cancelled`](crate::handler::HandlerError::cancelled) and the SDK's
/// cancellation handling runs.
pub struct EventStream {
    events: mpsc::Receiver<ThreadStreamEvent>,
}

impl EventStream {
    /// The next event, or `None` at the end of the response.
    pub async fn next_event(&mut self) -> Option<ThreadStreamEvent> {
        self.events.recv().await
    }

    /// Collects every event until the end of the response.
    pub async fn collect_events(mut self) -> Vec<ThreadStreamEvent> {
        let mut events = Vec::new();
        while let Some(event) = self.events.recv().await {
            events.push(event);
        }
        events
    }

    /// The stream as SSE frames: `data: <json>\n\n` per event, as the SDK writes them.
    pub fn into_sse(self) -> SseFrames {
        SseFrames {
            events: self.events,
        }
    }
}

impl Stream for EventStream {
    type Item = ThreadStreamEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_recv(cx)
    }
}

/// SSE frames of an [`EventStream`].
pub struct SseFrames {
    events: mpsc::Receiver<ThreadStreamEvent>,
}

/// One event as an SSE frame.
///
/// # Errors
///
/// Only when the event cannot be serialized, which the protocol types never cause.
pub fn sse_frame(event: &ThreadStreamEvent) -> Result<Bytes, serde_json::Error> {
    let mut frame = Vec::with_capacity(256);
    frame.extend_from_slice(b"data: ");
    serde_json::to_writer(&mut frame, event)?;
    frame.extend_from_slice(b"\n\n");
    Ok(Bytes::from(frame))
}

impl Stream for SseFrames {
    type Item = Result<Bytes, serde_json::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events
            .poll_recv(cx)
            .map(|event| event.map(|event| sse_frame(&event)))
    }
}

/// Why a request failed before any event was streamed: the HTTP layer answers with a 4xx or
/// 5xx status and a JSON error body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    /// The body is not a ChatKit request: bad JSON, unknown `type`, missing or mistyped
    /// params (400).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
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
}

impl ProcessError {
    /// The HTTP status code this error is answered with.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            ProcessError::InvalidRequest(_) => 400,
            ProcessError::NotFound(_) => 404,
            ProcessError::Conflict(_) => 409,
            ProcessError::Rejected(_) => 422,
            ProcessError::Unsupported(_) => 501,
            ProcessError::Store(_) | ProcessError::Handler(_) => 500,
        }
    }

    /// A short machine-readable code for the JSON error body.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ProcessError::InvalidRequest(_) => "invalid_request",
            ProcessError::NotFound(_) => "not_found",
            ProcessError::Conflict(_) => "conflict",
            ProcessError::Rejected(_) => "action_rejected",
            ProcessError::Unsupported(_) => "unsupported",
            ProcessError::Store(_) => "store_error",
            ProcessError::Handler(_) => "handler_error",
        }
    }
}

impl From<StoreError> for ProcessError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => ProcessError::NotFound(error.to_string()),
            other => ProcessError::Store(other),
        }
    }
}
