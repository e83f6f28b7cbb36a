//! The axum integration: the ChatKit endpoint as a [`Router`], answering streaming requests
//! with server-sent events and the others with JSON.
//!
//! The application's request context is an axum extractor: implement
//! [`FromRequestParts`] for it (reading a header, a bearer token, a session cookie) and
//! every request gets one. Its rejection is the HTTP answer when it fails, so an
//! unauthenticated request never reaches the server.
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
//! axum::serve(listener, app).await
//! # }
//! ```

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, State};
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
    Router::new()
        .route(path, post(endpoint::<H>))
        .with_state(server)
}

/// The endpoint itself, for applications that build their own router:
/// `.route("/chatkit", post(endpoint::<App>)).with_state(server)`.
pub async fn endpoint<H>(
    State(server): State<ChatKitServer<H>>,
    context: H::Context,
    body: Bytes,
) -> Response
where
    H: ActionHandler,
    H::Context: FromRequestParts<ChatKitServer<H>>,
{
    match server.process(&body, context).await {
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
        (status, axum::Json(body)).into_response()
    }
}
