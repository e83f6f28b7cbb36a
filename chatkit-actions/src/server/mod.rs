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
//! 3. the [`Limits`] on the parsed request: an action's payload size (`413`; the length of
//!    the payload's JSON text as sent); a list's page size is lowered to the cap;
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

// `ChatKitServer` (this file) is the public face: construction, configuration, and `process`,
// which runs the gates (`guard`, `limits`, `rate`, `authorize`) and hands the request to
// `route`, one arm per request type. A streamed request's steps run over the response
// pipeline (`crate::handler::pipeline`, wrapped by `ActionContext`) through
// `stream::stream_response`, in the request's unit of work (`unit`, `locks`). An action passes
// `untrusted` (provenance, form constraints, validation) before its handler.
//
// An action request is read from the body as `request::ServerRequest::Action`: its payload a
// `&RawValue` borrowed from the body (no `serde_json::Value`), which `process_from` keeps
// borrowed while the gates run and `route_action` parses the action into its type and admits
// it; the response (a `'static` task) then owns the typed action, and the body is no longer
// needed. The size limit reads the payload text's length, the provenance and form checks read
// the members they compare from the text, and only an unknown type going to the fallback
// handler gets an owned `RawAction` (its payload parsed into a `Value`).
mod authorize;
mod error;
mod guard;
mod limits;
mod locks;
mod rate;
mod route;
mod stream;
#[cfg(test)]
mod tests;
mod unit;
mod untrusted;

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tracing::Instrument;

use crate::attachments::AttachmentStore;
use crate::handler::{
    ActionHandler, DefaultHooks, NoResponse, Respond, ServerHooks, SharedHooks, SharedResponder,
};
use crate::request::{ChatKitRequest, FeedbackKind, ServerRequest};
use crate::store::Store;
use crate::transcribe::{Transcriber, TranscriptionLimits};

use self::guard::{Guards, Monitor};
use self::locks::ThreadLocks;
use self::rate::Limiter;
use crate::limiter::RateLimiter;
use crate::telemetry::{self, Refusal, RefusalMonitor};

pub use self::authorize::{AuthRequest, Authorize, Denied};
pub use self::error::ProcessError;
pub use self::limits::Limits;
pub use self::rate::{Quota, RateLimit};
pub use self::stream::{EventStream, Processed, SseFrames, sse_frame};

/// A hook called for `items.feedback` (thumbs up or down on items).
pub type FeedbackHook<C> = Arc<dyn Fn(&str, &[String], FeedbackKind, &C) + Send + Sync>;

/// A ChatKit backend: the application's store, action handler and responder behind the one
/// ChatKit endpoint.
///
/// # Configuring
///
/// The builder methods ([`respond_with`](Self::respond_with), [`limits`](Self::limits),
/// [`rate_limit`](Self::rate_limit), [`authorize`](Self::authorize),
/// [`hooks`](Self::hooks), [`allow_cancel`](Self::allow_cancel),
/// [`on_feedback`](Self::on_feedback)) never panic.
/// Cloning a server is cheap (one reference count), and configuring a clone is
/// clone-on-write, as with axum's `Router`: the clone gets its own settings and the original
/// keeps its own. The two still share the store, the handler, the thread locks (so requests on
/// one thread stay serialized whichever server they reach), and the rate limit's budget and
/// the authorization check until one of them sets its own.
///
/// ```
/// # use chatkit_actions::{Action, action_handler};
/// # use chatkit_actions::handler::{ActionContext, HandlerResult};
/// use chatkit_actions::server::ChatKitServer;
/// use chatkit_actions::store::MemoryStore;
/// # #[derive(Action, Debug)] enum AppAction { Ping }
/// # struct App;
/// # #[action_handler(AppAction)]
/// # impl App {
/// #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
/// # }
///
/// let server = ChatKitServer::new(MemoryStore::new(), App);
/// let quiet = server.clone().allow_cancel(false);
/// assert!(server.allows_cancel());
/// assert!(!quiet.allows_cancel());
/// ```
pub struct ChatKitServer<H: ActionHandler> {
    inner: Arc<Inner<H>>,
}

/// What a server is made of. Cloned (cheaply: every part is shared) only when a clone of the
/// server is configured.
struct Inner<H: ActionHandler> {
    store: Arc<dyn Store<H::Context>>,
    handler: Arc<H>,
    responder: SharedResponder<H::Context>,
    hooks: SharedHooks<H::Context>,
    allow_cancel: Option<bool>,
    feedback: Option<FeedbackHook<H::Context>>,
    attachments: Option<Arc<dyn AttachmentStore<H::Context>>>,
    transcriber: Option<Arc<dyn Transcriber<H::Context>>>,
    transcription_limits: TranscriptionLimits,
    locks: Arc<ThreadLocks>,
    guards: Guards<H::Context>,
}

impl<H: ActionHandler> Clone for Inner<H> {
    fn clone(&self) -> Self {
        Inner {
            store: Arc::clone(&self.store),
            handler: Arc::clone(&self.handler),
            responder: Arc::clone(&self.responder),
            hooks: Arc::clone(&self.hooks),
            allow_cancel: self.allow_cancel,
            feedback: self.feedback.clone(),
            attachments: self.attachments.clone(),
            transcriber: self.transcriber.clone(),
            transcription_limits: self.transcription_limits.clone(),
            locks: Arc::clone(&self.locks),
            guards: self.guards.clone(),
        }
    }
}

impl<H: ActionHandler> Clone for ChatKitServer<H> {
    fn clone(&self) -> Self {
        ChatKitServer {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// Construction, configuration and accessors.
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
                handler: Arc::new(handler),
                responder: Arc::new(NoResponse),
                hooks: Arc::new(DefaultHooks),
                allow_cancel: None,
                feedback: None,
                attachments: None,
                transcriber: None,
                transcription_limits: TranscriptionLimits::default(),
                locks: Arc::new(ThreadLocks::default()),
                guards: Guards::default(),
            }),
        }
    }

    /// The settings to change: this server's own, copied first if a clone shares them.
    fn configure(&mut self) -> &mut Inner<H> {
        Arc::make_mut(&mut self.inner)
    }

    /// Sets the answer to user messages (the SDK's `respond`).
    #[must_use]
    pub fn respond_with(mut self, responder: impl Respond<H::Context>) -> Self {
        self.configure().responder = Arc::new(responder);
        self
    }

    /// Sets the application's [`ServerHooks`]: the `stream_options` of each response, the
    /// handling of a client disconnect, and the feedback of `items.feedback` (the SDK's
    /// defaults, [`DefaultHooks`], otherwise).
    ///
    /// ```
    /// # use chatkit_actions::{Action, action_handler};
    /// # use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// use chatkit_actions::handler::ServerHooks;
    /// use chatkit_actions::server::ChatKitServer;
    /// use chatkit_actions::store::MemoryStore;
    /// use chatkit_actions::thread::{StreamOptions, ThreadMetadata};
    /// # #[derive(Action, Debug)] enum AppAction { Ping }
    /// # struct App;
    /// # #[action_handler(AppAction)]
    /// # impl App {
    /// #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
    /// # }
    ///
    /// struct Hooks;
    ///
    /// impl ServerHooks<()> for Hooks {
    ///     fn stream_options(&self, thread: &ThreadMetadata, (): &()) -> StreamOptions {
    ///         StreamOptions { allow_cancel: !thread.metadata.contains_key("locked") }
    ///     }
    /// }
    ///
    /// let server = ChatKitServer::new(MemoryStore::new(), App).hooks(Hooks);
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn hooks(mut self, hooks: impl ServerHooks<H::Context>) -> Self {
        self.configure().hooks = Arc::new(hooks);
        self
    }

    /// Fixes `stream_options.allow_cancel` (whether the client shows a stop button) for every
    /// response, in place of [`ServerHooks::stream_options`], which decides per thread and
    /// request (and allows cancelling by default).
    #[must_use]
    pub fn allow_cancel(mut self, allow_cancel: bool) -> Self {
        self.configure().allow_cancel = Some(allow_cancel);
        self
    }

    /// Whether the client may stop a response as far as [`allow_cancel`](Self::allow_cancel)
    /// says: `false` only once it was set to `false`. When it is not set,
    /// [`ServerHooks::stream_options`] decides per response.
    #[must_use]
    pub fn allows_cancel(&self) -> bool {
        self.inner.allow_cancel != Some(false)
    }

    /// Sets a synchronous callback for `items.feedback`, called before the (asynchronous)
    /// [`ServerHooks::add_feedback`] of the [`hooks`](Self::hooks).
    #[must_use]
    pub fn on_feedback(
        mut self,
        hook: impl Fn(&str, &[String], FeedbackKind, &H::Context) + Send + Sync + 'static,
    ) -> Self {
        self.configure().feedback = Some(Arc::new(hook));
        self
    }

    /// Sets the [`AttachmentStore`] that keeps uploaded bytes: `attachments.create` and
    /// `attachments.delete` answer `501` without one. With the `attachments` feature,
    /// [`UploadStore`](crate::attachments) is one, with the upload routes to serve next to the
    /// endpoint (`docs/attachments.md`).
    #[must_use]
    pub fn attachment_store(mut self, store: impl AttachmentStore<H::Context>) -> Self {
        self.configure().attachments = Some(Arc::new(store));
        self
    }

    /// Sets the [`Transcriber`] behind `input.transcribe` (dictation), which answers `501`
    /// without one.
    #[must_use]
    pub fn transcriber(mut self, transcriber: impl Transcriber<H::Context>) -> Self {
        self.configure().transcriber = Some(Arc::new(transcriber));
        self
    }

    /// Sets the limits on a recording to transcribe (the defaults otherwise: 25 MB, 10
    /// minutes).
    #[must_use]
    pub fn transcription_limits(mut self, limits: TranscriptionLimits) -> Self {
        self.configure().transcription_limits = limits;
        self
    }

    /// Sets the request [`Limits`] (the defaults otherwise).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.configure().guards.limits = limits;
        self
    }

    /// The request limits in force.
    pub fn current_limits(&self) -> &Limits {
        &self.inner.guards.limits
    }

    /// Limits how many requests each client sends: `key` names the client of a request from
    /// its context (a user id, say). When it returns `None`, the peer address is the key if
    /// the [`http`](crate::http) layer knows it (serve with
    /// `into_make_service_with_connect_info::<SocketAddr>()`), else the request is not
    /// limited. Over the limit: `429 Too Many Requests` with `Retry-After`, and nothing runs.
    ///
    /// ```
    /// # use chatkit_actions::{Action, action_handler};
    /// # use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// # use chatkit_actions::store::MemoryStore;
    /// use std::num::NonZeroU32;
    /// use chatkit_actions::server::{ChatKitServer, RateLimit};
    /// # #[derive(Action, Debug)] enum AppAction { Ping }
    /// # struct App;
    /// # #[action_handler(AppAction)]
    /// # impl App {
    /// #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
    /// # }
    ///
    /// let per_minute = NonZeroU32::new(60).unwrap();
    /// // The context here is `()`: one budget for everyone. A real key is a user id.
    /// let server = ChatKitServer::new(MemoryStore::new(), App)
    ///     .rate_limit(RateLimit::per_minute(per_minute), |(): &()| Some("all".to_owned()));
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn rate_limit(
        mut self,
        limit: RateLimit,
        key: impl Fn(&H::Context) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.configure().guards.rate = Some(Arc::new(Limiter::new(limit, Box::new(key))));
        self
    }

    /// Like [`rate_limit`](Self::rate_limit), counted by `limiter`: a
    /// [`PostgresLimiter`](crate::limiter) shares one quota among every replica on a
    /// database, where [`rate_limit`](Self::rate_limit) counts in the process. The limiter
    /// gets the request's action type as one of the action enum's types (or
    /// [`telemetry::UNKNOWN`]), never the client's string. A limiter that fails (its
    /// database is down) lets the request through, logged at `error`.
    ///
    /// ```
    /// # use chatkit_actions::{Action, action_handler};
    /// # use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// # use chatkit_actions::store::MemoryStore;
    /// use std::num::NonZeroU32;
    /// use chatkit_actions::limiter::{InProcessLimiter, Quota};
    /// use chatkit_actions::server::ChatKitServer;
    /// # #[derive(Action, Debug)] enum AppAction { Ping }
    /// # struct App;
    /// # #[action_handler(AppAction)]
    /// # impl App {
    /// #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
    /// # }
    ///
    /// let quota = Quota::per_minute(NonZeroU32::new(120).unwrap())
    ///     .allow_burst(NonZeroU32::new(20).unwrap());
    /// let server = ChatKitServer::new(MemoryStore::new(), App)
    ///     .rate_limiter(InProcessLimiter::new(quota), |(): &()| Some("all".to_owned()));
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn rate_limiter(
        mut self,
        limiter: impl RateLimiter,
        key: impl Fn(&H::Context) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.configure().guards.rate =
            Some(Arc::new(Limiter::shared(Arc::new(limiter), Box::new(key))));
        self
    }

    /// Watches each user's refusals with `monitor`, which warns once when a user's refusals
    /// within its window reach its threshold (see [`RefusalMonitor`]). `key` names the user of
    /// a request from its context; when it returns `None`, the peer address does, if known.
    #[must_use]
    pub fn monitor_refusals(
        mut self,
        monitor: RefusalMonitor,
        key: impl Fn(&H::Context) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.configure().guards.monitor = Some(Arc::new(Monitor {
            monitor,
            key: Box::new(key),
        }));
        self
    }

    /// Sets the [`Authorize`] check run before every request.
    ///
    /// ```
    /// # use chatkit_actions::{Action, action_handler};
    /// # use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// # use chatkit_actions::store::MemoryStore;
    /// use chatkit_actions::server::{AuthRequest, ChatKitServer, Denied};
    /// # #[derive(Action, Debug)] enum AppAction { Ping }
    /// # struct App;
    /// # #[action_handler(AppAction)]
    /// # impl App {
    /// #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
    /// # }
    ///
    /// let server = ChatKitServer::new(MemoryStore::new(), App).authorize(
    ///     |(): &(), request: &AuthRequest<'_>| match request.action_type() {
    ///         Some("ping") => Err(Denied::new("nobody may ping")),
    ///         _ => Ok(()),
    ///     },
    /// );
    /// # let _ = server;
    /// ```
    #[must_use]
    pub fn authorize(mut self, check: impl Authorize<H::Context>) -> Self {
        self.configure().guards.authorize = Some(Arc::new(check));
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

/// Processing requests: the gates, then the request's steps.
impl<H: ActionHandler> ChatKitServer<H> {
    /// Processes one raw request body: a stream of events for the streaming requests, a JSON
    /// body for the others (the SDK's `process`).
    ///
    /// Everything that can be checked before streaming is checked here, so a bad request
    /// fails with an error (and an HTTP status) instead of an aborted stream: an unparsable
    /// body, an unknown thread or item, a request the server does not support. Before any
    /// of that, the gates: the [`Limits`], the rate limit, the authorization check (see
    /// [`ChatKitServer::process_from`]).
    ///
    /// # Errors
    ///
    /// [`ProcessError`], whose [`status`](ProcessError::status) the HTTP layer answers with.
    pub async fn process(
        &self,
        body: &[u8],
        context: H::Context,
    ) -> Result<Processed, ProcessError> {
        self.process_from(body, context, None).await
    }

    /// [`ChatKitServer::process`] for a request from `peer`: the rate limit falls back to the
    /// peer address when the context gives no key. The [`http`](crate::http) endpoint calls
    /// this.
    ///
    /// # Errors
    ///
    /// As [`ChatKitServer::process`].
    pub async fn process_from(
        &self,
        body: &[u8],
        context: H::Context,
        peer: Option<IpAddr>,
    ) -> Result<Processed, ProcessError> {
        let guards = &self.inner.guards;
        if let Err(error) = guards.limits.check_body(body) {
            guards.refused(Refusal::Limits, &context, peer);
            return Err(error);
        }
        // An action is read with its payload borrowed from `body` as JSON text: no JSON value
        // is built for it, and `body` outlives the request until the action is parsed into
        // its type and admitted (see `route_action`).
        let request = match ServerRequest::read(body) {
            Ok(request) => request,
            Err(error) => {
                guards.refused(Refusal::Parse, &context, peer);
                return Err(ProcessError::InvalidRequest(error.to_string()));
            }
        };
        match request {
            // Boxed: the future of every other request type's steps is large, and inline
            // here it would make every request's future (an action's too) that large, which
            // axum moves into its box for each request.
            ServerRequest::Other(mut request) => {
                self.pass_request_gates(&mut request, &context, peer)
                    .await?;
                Box::pin(self.dispatch(request, context)).await
            }
            ServerRequest::Action(request) => {
                if let Err(error) = guards.limits.check_action(&request) {
                    guards.refused(Refusal::Limits, &context, peer);
                    return Err(error);
                }
                let whole = OnceLock::new();
                self.pass_access_gates(AuthRequest::action(&request, &whole), &context, peer)
                    .await?;
                let span = tracing::info_span!(
                    "chatkit.request",
                    request = request.request_type(),
                    thread = request.params.thread_id.as_str(),
                );
                let run = self.inner.route_action(request, Arc::new(context));
                log_outcome(span, run).await
            }
        }
    }

    /// Processes a parsed request. See [`ChatKitServer::process`].
    ///
    /// # Errors
    ///
    /// As [`ChatKitServer::process`].
    pub async fn process_request(
        &self,
        mut request: ChatKitRequest,
        context: H::Context,
    ) -> Result<Processed, ProcessError> {
        self.pass_request_gates(&mut request, &context, None)
            .await?;
        self.dispatch(request, context).await
    }

    /// The gates on a parsed request, in order: the [`Limits`] on it (an action's payload
    /// size; a page size is lowered to the cap), the rate limit, the authorization check.
    async fn pass_request_gates(
        &self,
        request: &mut ChatKitRequest,
        context: &H::Context,
        peer: Option<IpAddr>,
    ) -> Result<(), ProcessError> {
        let guards = &self.inner.guards;
        if let Err(error) = guards.limits.check_request(request) {
            guards.refused(Refusal::Limits, context, peer);
            return Err(error);
        }
        self.pass_access_gates(AuthRequest::new(request), context, peer)
            .await
    }

    /// The rate limit, then the authorization check.
    async fn pass_access_gates(
        &self,
        request: AuthRequest<'_>,
        context: &H::Context,
        peer: Option<IpAddr>,
    ) -> Result<(), ProcessError> {
        let guards = &self.inner.guards;
        let action_type = request
            .action_type()
            .map(telemetry::action_type_label::<H::Action>);
        guards
            .check_rate_limit(request, action_type, context, peer)
            .await?;
        guards.check_authorization(&request, context, peer).await
    }

    /// Runs a request that passed the gates, logging its outcome.
    async fn dispatch(
        &self,
        request: ChatKitRequest,
        context: H::Context,
    ) -> Result<Processed, ProcessError> {
        let span = tracing::info_span!(
            "chatkit.request",
            request = request.request_type(),
            thread = request.thread_id().unwrap_or(""),
        );
        log_outcome(span, self.inner.route(request, Arc::new(context))).await
    }
}

/// Runs a request's steps in `span`, logging its outcome.
async fn log_outcome(
    span: tracing::Span,
    run: impl Future<Output = Result<Processed, ProcessError>>,
) -> Result<Processed, ProcessError> {
    let started = Instant::now();
    let result = run.instrument(span.clone()).await;
    let _enter = span.enter();
    match &result {
        Ok(_) => tracing::debug!(
            elapsed_us = started.elapsed().as_micros(),
            "request accepted"
        ),
        Err(error) if error.status() >= 500 => tracing::error!(%error, "request failed"),
        Err(error) => tracing::warn!(%error, "request rejected"),
    }
    result
}
