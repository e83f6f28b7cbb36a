//! The axum integration: the ChatKit endpoint as a [`Router`], answering streaming requests
//! with server-sent events and the others with JSON.
//!
//! The application's request context is an axum extractor: implement
//! [`FromRequestParts`] for it (reading a header, a bearer token, a session cookie) and
//! every request gets one. Its rejection is the HTTP answer when it fails, so an
//! unauthenticated request never reaches the server.
//!
//! The router sets axum's `DefaultBodyLimit` to the server's
//! [`Limits::max_body_bytes`](crate::server::Limits::max_body_bytes) and answers an oversized
//! body with `413` and the JSON error body. Served with
//! `into_make_service_with_connect_info::<SocketAddr>()`, the peer address is the rate-limit
//! key of requests whose context gives none (see
//! [`ChatKitServer::rate_limit`](crate::server::ChatKitServer::rate_limit)).
//!
//! [`router_with_stream_limit`] also caps the response streams one user may have open at once
//! ([`StreamLimit`]): one more is answered `429 Too Many Requests` with `Retry-After`. A body
//! that [`serve`](crate::serve::serve) stopped waiting for ([`BodyTimeout`]) is answered
//! `408 Request Timeout`.
//!
//! Serve the router with [`serve::serve`](crate::serve::serve) (feature `serve`, on by
//! default): timeouts for slow and half-open clients, a connection cap below the open-files
//! limit, a shutdown deadline, `TCP_NODELAY`, and the peer address on every request.
//!
//! ```no_run
//! use chatkit_actions::{Action, action_handler};
//! use chatkit_actions::handler::{ActionContext, HandlerResult};
//! use chatkit_actions::serve::{ServeConfig, serve, shutdown_signal};
//! use chatkit_actions::server::ChatKitServer;
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
//!         cx.add_assistant_message("pong").await.map(drop)
//!     }
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let server = ChatKitServer::new(MemoryStore::new(), App);
//! let app = chatkit_actions::http::router(server, "/chatkit");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! serve(listener, app, ServeConfig::default(), shutdown_signal()).await
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Extension, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::handler::ActionHandler;
use crate::server::{ChatKitServer, ProcessError, Processed};
use crate::telemetry::{self, Metered, Refusal, RequestOutcome};

/// A router with the ChatKit endpoint at `path` (`POST`), backed by `server`.
pub fn router<H>(server: ChatKitServer<H>, path: &str) -> Router
where
    H: ActionHandler,
    H::Context: FromRequestParts<ChatKitServer<H>>,
{
    let body_limit = server.current_limits().max_body_bytes();
    Router::new()
        .route(path, post(endpoint::<H>))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(server)
}

/// Like [`router`], with at most `limit` response streams open at once per user.
pub fn router_with_stream_limit<H>(
    server: ChatKitServer<H>,
    path: &str,
    limit: StreamLimit<H::Context>,
) -> Router
where
    H: ActionHandler,
    H::Context: FromRequestParts<ChatKitServer<H>>,
{
    router(server, path).layer(Extension(limit))
}

/// A cap on the response streams (`text/event-stream` answers) one user may have open at
/// once, so one user cannot hold every connection: the next streaming request is answered
/// `429 Too Many Requests` with `Retry-After` and a JSON error body of code
/// `too_many_streams`, and nothing runs. Other requests (JSON answers) are not counted.
///
/// The user is named by the key function, from the request context, as for
/// [`ChatKitServer::rate_limit`](crate::server::ChatKitServer::rate_limit); when it returns
/// `None`, the peer address is the key (the requests of anonymous clients behind one
/// address share a cap).
///
/// ```
/// use std::num::NonZeroUsize;
/// use std::time::Duration;
/// use chatkit_actions::http::StreamLimit;
///
/// struct Session { user: String }
///
/// let four = NonZeroUsize::new(4).unwrap();
/// let limit = StreamLimit::per_user(four, |session: &Session| Some(session.user.clone()))
///     .retry_after(Duration::from_secs(2));
/// assert_eq!(limit.max_per_user(), 4);
/// ```
///
/// With [`router_with_stream_limit`]; on a router of its own, add it as a layer:
/// `.layer(axum::Extension(limit))` next to [`endpoint`].
pub struct StreamLimit<C> {
    max: NonZeroUsize,
    retry_after: Duration,
    key: StreamKey<C>,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// The key function of a [`StreamLimit`].
type StreamKey<C> = Arc<dyn Fn(&C) -> Option<String> + Send + Sync>;

impl<C> Clone for StreamLimit<C> {
    fn clone(&self) -> Self {
        StreamLimit {
            max: self.max,
            retry_after: self.retry_after,
            key: Arc::clone(&self.key),
            open: Arc::clone(&self.open),
        }
    }
}

impl<C> fmt::Debug for StreamLimit<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamLimit")
            .field("max", &self.max)
            .field("retry_after", &self.retry_after)
            .finish_non_exhaustive()
    }
}

/// The `Retry-After` of [`StreamLimit`] unless set: streams end on their own, a few seconds
/// is a fair guess.
const STREAM_RETRY_AFTER: Duration = Duration::from_secs(5);

impl<C> StreamLimit<C> {
    /// At most `max` streams open at once for each key `key` gives (the peer address when
    /// it gives none); `Retry-After: 5` beyond it.
    pub fn per_user(
        max: NonZeroUsize,
        key: impl Fn(&C) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        StreamLimit {
            max,
            retry_after: STREAM_RETRY_AFTER,
            key: Arc::new(key),
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The `Retry-After` of a refused stream (rounded up to whole seconds, at least 1).
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// The most streams one user may have open.
    pub fn max_per_user(&self) -> usize {
        self.max.get()
    }

    /// How many streams `user` (a key of the key function, or `peer:<address>`) has open.
    pub fn open_streams(&self, user: &str) -> usize {
        self.lock().get(user).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        // The map holds plain counts, always consistent: a panic elsewhere leaves it usable.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a stream slot for the user of `context`; `None` when the request has no key
    /// (no user, no peer address).
    fn acquire(
        &self,
        context: &C,
        peer: Option<IpAddr>,
    ) -> Result<Option<StreamSlot>, TooManyStreams> {
        let Some(key) = (self.key)(context).or_else(|| peer.map(|peer| format!("peer:{peer}")))
        else {
            return Ok(None);
        };
        let max = self.max.get();
        let mut open = self.lock();
        let count = open.entry(key.clone()).or_insert(0);
        if *count >= max {
            drop(open);
            tracing::warn!(key = %key, max, "too many open streams");
            return Err(TooManyStreams {
                max,
                retry_after: self.retry_after,
            });
        }
        *count += 1;
        Ok(Some(StreamSlot {
            open: Arc::clone(&self.open),
            key,
        }))
    }
}

/// A streaming request over its user's [`StreamLimit`].
#[derive(Debug)]
struct TooManyStreams {
    max: usize,
    retry_after: Duration,
}

impl IntoResponse for TooManyStreams {
    /// `429` with `Retry-After` (whole seconds, at least 1) and the JSON error body.
    fn into_response(self) -> Response {
        let wait = self.retry_after;
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        let max = self.max;
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            &format!("too many open streams: at most {max} at once; retry when one ends"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        response
    }
}

/// One open stream of a user, given back when the response body is dropped.
struct StreamSlot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    key: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// The request types answered with an event stream
/// ([`ChatKitRequest::is_streaming`](crate::request::ChatKitRequest::is_streaming)).
const STREAMING_TYPES: [&str; 6] = [
    "threads.create",
    "threads.add_user_message",
    "threads.add_client_tool_output",
    "threads.add_structured_input",
    "threads.retry_after_item",
    "threads.custom_action",
];

/// The request type of `body`, read from its `type` alone, as a bounded label: one of
/// [`telemetry::REQUEST_TYPES`], or [`telemetry::UNKNOWN`] (a body that is not a request is
/// answered `400` by the server anyway).
fn request_type_of(body: &[u8]) -> &'static str {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    serde_json::from_slice::<Kind<'_>>(body).map_or(telemetry::UNKNOWN, |Kind { kind }| {
        telemetry::request_type_label(&kind)
    })
}

/// Whether a request of `request_type` (from [`request_type_of`]) asks for a streaming
/// answer.
fn asks_for_stream(request_type: &str) -> bool {
    STREAMING_TYPES.contains(&request_type)
}

/// The `outcome` label of a request the server answered with `error`.
fn outcome_of(error: &ProcessError) -> RequestOutcome {
    match error.status() {
        404 => RequestOutcome::NotFound,
        status if status >= 500 => RequestOutcome::Error,
        _ => RequestOutcome::Refused,
    }
}

/// The error of a request body that did not arrive within its time
/// ([`ServeConfig::body_read_timeout`](crate::serve::ServeConfig::body_read_timeout)); the
/// endpoint answers it with `408 Request Timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body did not arrive within {} ms", .timeout.as_millis())]
pub struct BodyTimeout {
    timeout: Duration,
}

impl BodyTimeout {
    /// The error of a body not received within `timeout`.
    pub fn new(timeout: Duration) -> Self {
        BodyTimeout { timeout }
    }

    /// The time the body had.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The [`BodyTimeout`] somewhere in `error`'s chain of sources, if any.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyTimeout> {
        let mut next = Some(error);
        while let Some(error) = next {
            if let Some(timeout) = error.downcast_ref::<BodyTimeout>() {
                return Some(timeout);
            }
            next = error.source();
        }
        None
    }
}

/// A JSON error answer: `{"error": {"code": …, "message": …}}`.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    (status, axum::Json(body)).into_response()
}

/// The peer address of a request, when the server was started with
/// `into_make_service_with_connect_info::<SocketAddr>()`; never fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// The endpoint itself, for applications that build their own router:
/// `.route("/chatkit", post(endpoint::<App>)).with_state(server)`.
///
/// Set `DefaultBodyLimit` to the server's body limit on such a router, as [`router`] does;
/// the server checks the limit again either way.
pub async fn endpoint<H>(
    State(server): State<ChatKitServer<H>>,
    Peer(peer): Peer,
    streams: Option<Extension<StreamLimit<H::Context>>>,
    context: H::Context,
    body: Result<Bytes, BytesRejection>,
) -> Response
where
    H: ActionHandler,
    H::Context: FromRequestParts<ChatKitServer<H>>,
{
    let started = Instant::now();
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let refused = |reason| {
                telemetry::record_refusal(reason);
                telemetry::record_request(
                    telemetry::UNKNOWN,
                    RequestOutcome::Refused,
                    started.elapsed(),
                );
            };
            if let Some(timeout) = BodyTimeout::find(&rejection) {
                tracing::info!(
                    ?peer,
                    timeout_ms = timeout.timeout().as_millis(),
                    "request body too slow"
                );
                refused(Refusal::Limits);
                let mut response = error_response(
                    StatusCode::REQUEST_TIMEOUT,
                    "request_timeout",
                    &timeout.to_string(),
                );
                // The rest of the body may still be on its way: the connection is done.
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                return response;
            }
            let limit = server.current_limits().max_body_bytes();
            let error = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                tracing::warn!(limit, "request body over the size limit");
                refused(Refusal::Limits);
                ProcessError::TooLarge(format!("the request body is larger than {limit} bytes"))
            } else {
                refused(Refusal::Parse);
                ProcessError::InvalidRequest(rejection.body_text())
            };
            return error.into_response();
        }
    };
    let request_type = request_type_of(&body);
    let slot = match streams {
        Some(Extension(streams)) if asks_for_stream(request_type) => {
            match streams.acquire(&context, peer) {
                Ok(slot) => slot,
                Err(refused) => {
                    telemetry::record_refusal(Refusal::StreamLimit);
                    telemetry::record_request(
                        request_type,
                        RequestOutcome::Refused,
                        started.elapsed(),
                    );
                    return refused.into_response();
                }
            }
        }
        _ => None,
    };
    match server.process_from(&body, context, peer).await {
        Ok(Processed::Stream(events)) => {
            // The open-streams gauge and the request's outcome are recorded when the stream
            // ends or is dropped; the slot is given back then too: at the end of the
            // stream, or when the client goes away.
            let frames = Metered::new(events.into_sse(), request_type, started);
            let frames = futures_util::StreamExt::map(frames, move |frame| {
                let _held = &slot;
                frame
            });
            sse_response(Body::from_stream(frames))
        }
        Ok(processed) => {
            telemetry::record_request(request_type, RequestOutcome::Ok, started.elapsed());
            processed.into_response()
        }
        Err(error) => {
            telemetry::record_request(request_type, outcome_of(&error), started.elapsed());
            error.into_response()
        }
    }
}

/// A `text/event-stream` answer with `body`.
fn sse_response(body: Body) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

impl IntoResponse for Processed {
    fn into_response(self) -> Response {
        match self {
            Processed::Json(body) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Processed::Stream(events) => sse_response(Body::from_stream(events.into_sse())),
        }
    }
}

impl IntoResponse for ProcessError {
    /// The error's status with a JSON body `{"error": {"code": …, "message": …}}`.
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // Details of server failures go to the log, not to the client. "Not supported"
        // (501) is no failure: its message tells the client what this server lacks; nor is a
        // transcription service missing (503) or refusing (502): its message says why.
        let told = matches!(
            self,
            ProcessError::Unsupported(_) | ProcessError::Transcription(_)
        );
        let message = if status.is_server_error() && !told {
            "the server failed to process the request".to_owned()
        } else {
            self.to_string()
        };
        let mut response = error_response(status, self.code(), &message);
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::ChatKitRequest;
    use serde_json::json;

    #[test]
    fn the_streaming_peek_agrees_with_the_parsed_request() {
        let bodies = [
            json!({"type": "threads.create", "params": {"input": {"content": []}}}),
            json!({"type": "threads.add_user_message", "params": {"thread_id": "t", "input": {"content": []}}}),
            json!({"type": "threads.add_client_tool_output", "params": {"thread_id": "t", "result": null}}),
            json!({"type": "threads.add_structured_input", "params": {"thread_id": "t", "item_id": "i", "input": {}}}),
            json!({"type": "threads.retry_after_item", "params": {"thread_id": "t", "item_id": "i"}}),
            json!({"type": "threads.custom_action", "params": {"thread_id": "t", "action": {"type": "a"}}}),
            json!({"type": "threads.sync_custom_action", "params": {"thread_id": "t", "item_id": null, "action": {"type": "a"}}}),
            json!({"type": "threads.get_by_id", "params": {"thread_id": "t"}}),
            json!({"type": "threads.list", "params": {}}),
            json!({"type": "threads.update", "params": {"thread_id": "t", "title": "T"}}),
            json!({"type": "threads.delete", "params": {"thread_id": "t"}}),
            json!({"type": "items.list", "params": {"thread_id": "t", "limit": 0}}),
            json!({"type": "items.feedback", "params": {"thread_id": "t", "item_ids": ["i"], "kind": "positive"}}),
            json!({"type": "attachments.create", "params": {"name": "a.txt", "size": 3, "mime_type": "text/plain"}}),
            json!({"type": "attachments.delete", "params": {"attachment_id": "a"}}),
            json!({"type": "input.transcribe", "params": {"audio_base64": "AAA=", "mime_type": "audio/webm"}}),
        ];
        let mut streaming = 0;
        for body in bodies {
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let request: ChatKitRequest = serde_json::from_slice(&bytes).expect("a request");
            assert_eq!(request_type_of(&bytes), request.request_type(), "{body}");
            assert_eq!(
                asks_for_stream(request_type_of(&bytes)),
                request.is_streaming(),
                "{body}"
            );
            streaming += usize::from(request.is_streaming());
        }
        assert_eq!(streaming, STREAMING_TYPES.len());
        // Not requests: never counted (the server answers them 400).
        for body in [&b"{"[..], b"[]", b"{\"type\": 1}", b"\xff"] {
            assert!(!asks_for_stream(request_type_of(body)));
            assert_eq!(request_type_of(body), telemetry::UNKNOWN);
        }
    }

    #[test]
    fn stream_slots_are_counted_per_user_and_given_back() {
        let two = NonZeroUsize::new(2).unwrap_or(NonZeroUsize::MIN);
        let limit = StreamLimit::per_user(two, |user: &Option<String>| user.clone())
            .retry_after(Duration::from_millis(1500));
        let peer = Some(IpAddr::from([10, 0, 0, 1]));
        let (alice, bob) = (Some("alice".to_owned()), Some("bob".to_owned()));
        let first = limit.acquire(&alice, peer).expect("a slot");
        let second = limit.acquire(&alice, peer).expect("a slot");
        assert_eq!(limit.open_streams("alice"), 2);
        let refused = limit
            .acquire(&alice, peer)
            .err()
            .expect("refused")
            .into_response();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            refused.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from(2))
        );
        // Others are unaffected; anonymous requests count by peer address.
        let bob = limit.acquire(&bob, peer).expect("a slot");
        let anonymous = limit.acquire(&None, peer).expect("a slot");
        assert_eq!(limit.open_streams("peer:10.0.0.1"), 1);
        // No key at all (no peer either): not counted.
        assert!(matches!(limit.acquire(&None, None), Ok(None)));
        drop((first, bob, anonymous));
        assert_eq!(limit.open_streams("alice"), 1);
        assert_eq!(limit.open_streams("bob"), 0);
        assert!(limit.acquire(&alice, peer).is_ok());
        drop(second);
    }

    #[test]
    fn a_body_timeout_is_found_in_a_chain_of_errors() {
        let timeout = BodyTimeout::new(Duration::from_secs(3));
        let wrapped = axum::Error::new(axum::Error::new(timeout));
        assert_eq!(BodyTimeout::find(&wrapped), Some(&timeout));
        let other = axum::Error::new(std::io::Error::other("reset"));
        assert_eq!(BodyTimeout::find(&other), None);
        assert_eq!(
            timeout.to_string(),
            "the request body did not arrive within 3000 ms"
        );
    }
}
