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
//! ```no_run
//! use chatkit_actions::{Action, action_handler};
//! use chatkit_actions::handler::{ActionContext, HandlerResult};
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
//! // Events are small writes: turn Nagle's algorithm off, or each response waits for the
//! // client's acknowledgement of the previous write (about 40 ms on Linux).
//! let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
//!     let _ = tcp.set_nodelay(true);
//! });
//! axum::serve(listener, app).await
//! # }
//! ```

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::handler::ActionHandler;
use crate::server::{ChatKitServer, ProcessError, Processed};

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
    context: H::Context,
    body: Result<Bytes, BytesRejection>,
) -> Response
where
    H: ActionHandler,
    H::Context: FromRequestParts<ChatKitServer<H>>,
{
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let limit = server.current_limits().max_body_bytes();
            let error = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                tracing::warn!(limit, "request body over the size limit");
                ProcessError::TooLarge(format!("the request body is larger than {limit} bytes"))
            } else {
                ProcessError::InvalidRequest(rejection.body_text())
            };
            return error.into_response();
        }
    };
    match server.process_from(&body, context, peer).await {
        Ok(processed) => processed.into_response(),
        Err(error) => error.into_response(),
    }
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
            Processed::Stream(events) => (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/event-stream"),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                ],
                Body::from_stream(events.into_sse()),
            )
                .into_response(),
        }
    }
}

impl IntoResponse for ProcessError {
    /// The error's status with a JSON body `{"error": {"code": …, "message": …}}`.
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // Details of server failures go to the log, not to the client. "Not supported"
        // (501) is no failure: its message tells the client what this server lacks.
        let message = if status.is_server_error() && !matches!(self, ProcessError::Unsupported(_)) {
            "the server failed to process the request".to_owned()
        } else {
            self.to_string()
        };
        let body = serde_json::json!({ "error": { "code": self.code(), "message": message } });
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
