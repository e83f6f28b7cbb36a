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
//!
//! # Untrusted requests: the gates
//!
//! Every request passes, in order, before anything is loaded or run:
//!
//! 1. the [`Limits`] on the raw body: its size (`413`) and the nesting depth of its JSON
//!    (`400`, checked by a scan of the bytes before serde sees them);
//! 2. parsing (`400`);
//! 3. the [`Limits`] on the parsed request: an action's payload size (`413`); a list's page
//!    size is lowered to the cap;
//! 4. the [`RateLimit`], per client key and optionally per action type (`429` with
//!    `Retry-After`; [`ChatKitServer::rate_limit`]);
//! 5. the application's [`Authorize`] check (`403`; [`ChatKitServer::authorize`]).
//!
//! A request stopped at a gate writes nothing and is logged at warn level.
//!
//! # Concurrency
//!
//! Requests that change a thread (`threads.add_user_message`, `threads.custom_action`,
//! `threads.sync_custom_action`, `threads.retry_after_item`,
//! `threads.add_client_tool_output`, `threads.update`, `threads.delete`) are serialized per
//! thread: each holds the thread's lock from before it loads the thread until its response
//! stream ends (or its JSON answer is ready), and waiters are served in arrival order. So an
//! action's handler always sees the thread as the previous action left it, and no update is
//! lost, whatever the store. Requests on different threads run in parallel; reads
//! (`threads.get_by_id`, `items.list`, `threads.list`) take no lock.
//!
//! Each such request is also one unit of work of the store ([`Store::begin`]): its reads and
//! writes go through the store's transaction, which commits when the response ends (before
//! the stream does), and which may hold a lock shared with other processes (the PostgreSQL
//! store serializes a thread across replicas). A handler's `Err` keeps what it emitted (the
//! SDK's behaviour: the client got those events, then the error event); a panic, or a store
//! operation failing in the backend, rolls the whole request back: nothing of it is saved,
//! the stream ends with an error event, and the lock is released. See the
//! [store docs](crate::store#units-of-work-serialization-and-atomicity) for the rule.

mod authorize;
mod guard;
mod limits;
mod locks;
mod process;
mod rate;
mod unit;
mod untrusted;

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

use self::guard::Guards;
use self::locks::ThreadLocks;

pub use self::authorize::{AuthRequest, Authorize, Denied};
pub use self::limits::Limits;
pub use self::rate::{Quota, RateLimit};

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
    guards: Guards<H::Context>,
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
                guards: Guards::default(),
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

/// The events of one streaming response, in order, as the handler produces them.
///
/// The response pipeline (the handler, its store writes, the SDK's bookkeeping) runs as the
/// stream is polled, on the task that reads the events: no task is spawned per request and
/// events reach the client in as few writes as possible. Poll the stream or drop it: while
/// it is neither, its thread stays locked. Dropping it before the end is a client
/// disconnect: the rest of the pipeline moves to a task of its own, the handler sees
/// [`HandlerError::cancelled`](crate::handler::HandlerError::cancelled) at its next event,
/// and the SDK's cancellation handling runs.
pub struct EventStream {
    events: mpsc::Receiver<ThreadStreamEvent>,
    pipeline: Option<Pipeline>,
}

/// A response pipeline not yet finished, and the runtime to finish it on if its stream is
/// dropped early.
struct Pipeline {
    future: futures_util::future::BoxFuture<'static, ()>,
    runtime: Option<tokio::runtime::Handle>,
}

impl EventStream {
    /// A stream of the events already in (or still to come through) `events`.
    pub(crate) fn from_receiver(events: mpsc::Receiver<ThreadStreamEvent>) -> Self {
        EventStream {
            events,
            pipeline: None,
        }
    }

    /// A stream whose events `pipeline` sends through `events`, driven by polling it.
    pub(crate) fn driving(
        events: mpsc::Receiver<ThreadStreamEvent>,
        pipeline: futures_util::future::BoxFuture<'static, ()>,
    ) -> Self {
        EventStream {
            events,
            pipeline: Some(Pipeline {
                future: pipeline,
                runtime: tokio::runtime::Handle::try_current().ok(),
            }),
        }
    }

    /// The next event, or `None` at the end of the response.
    pub async fn next_event(&mut self) -> Option<ThreadStreamEvent> {
        futures_util::StreamExt::next(self).await
    }

    /// Collects every event until the end of the response.
    pub async fn collect_events(mut self) -> Vec<ThreadStreamEvent> {
        let mut events = Vec::new();
        while let Some(event) = self.next_event().await {
            events.push(event);
        }
        events
    }

    /// The stream as SSE frames: `data: <json>\n\n` per event, as the SDK writes them.
    /// The events ready together go out as one chunk.
    pub fn into_sse(self) -> SseFrames {
        SseFrames {
            events: self,
            failed: None,
        }
    }
}

impl Stream for EventStream {
    type Item = ThreadStreamEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(pipeline) = &mut this.pipeline
            && pipeline.future.as_mut().poll(cx).is_ready()
        {
            this.pipeline = None;
        }
        this.events.poll_recv(cx)
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if let Some(pipeline) = self.pipeline.take() {
            // The reader is gone: the handler's next event fails as cancelled, and the
            // pipeline finishes (cancellation handling, releasing the thread) on its own.
            self.events.close();
            if let Some(runtime) = pipeline.runtime {
                drop(runtime.spawn(pipeline.future));
            } else {
                tracing::warn!(
                    "a response stream was dropped outside a tokio runtime; its handler stops \
                     at its current await point"
                );
            }
        }
    }
}

/// SSE frames of an [`EventStream`]; each item is every event ready at the time, framed.
pub struct SseFrames {
    events: EventStream,
    failed: Option<serde_json::Error>,
}

/// One event as an SSE frame.
///
/// # Errors
///
/// Only when the event cannot be serialized, which the protocol types never cause.
pub fn sse_frame(event: &ThreadStreamEvent) -> Result<Bytes, serde_json::Error> {
    let mut frame = Vec::with_capacity(256);
    write_sse_frame(&mut frame, event)?;
    Ok(Bytes::from(frame))
}

/// Appends one event's SSE frame to `out`; on error `out` is as it was.
fn write_sse_frame(out: &mut Vec<u8>, event: &ThreadStreamEvent) -> Result<(), serde_json::Error> {
    let start = out.len();
    out.extend_from_slice(b"data: ");
    if let Err(error) = serde_json::to_writer(&mut *out, event) {
        out.truncate(start);
        return Err(error);
    }
    out.extend_from_slice(b"\n\n");
    Ok(())
}

/// A chunk stops taking ready events past this size, so a burst is still sent in pieces.
const SSE_CHUNK_BYTES: usize = 64 * 1024;

impl Stream for SseFrames {
    type Item = Result<Bytes, serde_json::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(error) = this.failed.take() {
            return Poll::Ready(Some(Err(error)));
        }
        let mut chunk: Vec<u8> = Vec::new();
        while chunk.len() < SSE_CHUNK_BYTES {
            match Pin::new(&mut this.events).poll_next(cx) {
                Poll::Ready(Some(event)) => {
                    if let Err(error) = write_sse_frame(&mut chunk, &event) {
                        if chunk.is_empty() {
                            return Poll::Ready(Some(Err(error)));
                        }
                        this.failed = Some(error);
                        break;
                    }
                }
                // The end, or nothing more yet: send what is ready (the end comes next poll).
                Poll::Ready(None) | Poll::Pending if !chunk.is_empty() => break,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Some(Ok(Bytes::from(chunk))))
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
    /// The body, or an action's payload, is larger than the [`Limits`] allow (413).
    #[error("{0}")]
    TooLarge(String),
    /// The body nests arrays and objects deeper than the [`Limits`] allow (400).
    #[error("{0}")]
    TooDeep(String),
    /// The client sent more requests than its [`RateLimit`] allows (429, with `Retry-After`).
    #[error("too many requests: retry in {} s", retry_after_secs(*.retry_after))]
    RateLimited {
        /// How long until the next request is allowed.
        retry_after: std::time::Duration,
    },
    /// The application's [`Authorize`] check refused the request (403, with its message).
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
