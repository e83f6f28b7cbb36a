//! The gates in front of every request: [`Limits`] (body size, JSON depth, payload size, page
//! size), the [`RateLimit`] and the [`Authorize`] check. Each limit is tried at the limit
//! (accepted) and one past it (refused with its 4xx, nothing written), in-process through
//! `ChatKitServer::process` and over HTTP where the axum layer takes part.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::server::{
    AuthRequest, Authorize, ChatKitServer, Denied, Limits, ProcessError, Processed, Quota,
    RateLimit,
};
use chatkit_actions::store::{MemoryStore, Store, StoreScope};
use chatkit_actions::thread::{SortOrder, ThreadMetadata, ThreadStreamEvent, Timestamp};
use chatkit_actions::{Action, action_handler};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The request context: a user id, or nobody.
#[derive(Debug, Clone, Default)]
struct User(Option<String>);

impl User {
    fn named(name: &str) -> User {
        User(Some(name.to_owned()))
    }
}

// Every user sees every thread: these tests are about the gates, not the store's scoping.
impl StoreScope for User {
    fn scope(&self) -> Option<&str> {
        None
    }
}

/// Sent without a widget (`item_id: null`), so declared `client_payload`.
#[derive(Action, Debug)]
enum GuardAction {
    /// Adds one to the thread's `count`.
    #[action(client_payload)]
    Bump,
    /// Stores `text` in the thread's metadata.
    #[action(client_payload)]
    Echo { text: String },
}

struct App;

#[action_handler(GuardAction, context = User)]
impl App {
    async fn bump(&self, cx: &mut ActionContext<User>) -> HandlerResult {
        let count = cx.thread().metadata.get("count").and_then(Value::as_u64);
        cx.thread_mut()
            .metadata
            .insert("count".to_owned(), json!(count.unwrap_or(0) + 1));
        Ok(())
    }

    async fn echo(&self, text: String, cx: &mut ActionContext<User>) -> HandlerResult {
        cx.thread_mut()
            .metadata
            .insert("echo".to_owned(), json!(text));
        Ok(())
    }
}

const THREAD: &str = "thr_guarded";

/// A server over a store holding [`THREAD`], built by `configure`.
async fn start(
    configure: impl FnOnce(ChatKitServer<App>) -> ChatKitServer<App>,
) -> (ChatKitServer<App>, MemoryStore) {
    let store = MemoryStore::new();
    let thread = ThreadMetadata::new(THREAD, Timestamp::now());
    store
        .save_thread(&thread, &User::default())
        .await
        .expect("save the thread");
    (configure(ChatKitServer::new(store.clone(), App)), store)
}

async fn metadata(store: &MemoryStore, key: &str) -> Value {
    let thread = store
        .load_thread(THREAD, &User::default())
        .await
        .expect("the thread");
    thread.metadata.get(key).cloned().unwrap_or(Value::Null)
}

fn action(action: &Value) -> Vec<u8> {
    json!({
        "type": "threads.custom_action",
        "params": { "thread_id": THREAD, "item_id": null, "action": action },
    })
    .to_string()
    .into_bytes()
}

/// Runs a request to its end: the events of a stream (none of them an error), or the JSON.
async fn run(server: &ChatKitServer<App>, body: &[u8], user: User) -> Result<Value, ProcessError> {
    match server.process(body, user).await? {
        Processed::Json(json) => Ok(serde_json::from_slice(&json).expect("JSON")),
        Processed::Stream(stream) => {
            let events = stream.collect_events().await;
            assert!(
                !events
                    .iter()
                    .any(|event| matches!(event, ThreadStreamEvent::Error(_))),
                "{events:?}"
            );
            Ok(json!(events.len()))
        }
    }
}

fn padded(mut body: Vec<u8>, len: usize) -> Vec<u8> {
    assert!(body.len() <= len, "{} > {len}", body.len());
    // Whitespace after the value is valid JSON.
    body.resize(len, b' ');
    body
}

// ---------------------------------------------------------------------------------------------
// Limits

#[tokio::test]
async fn body_size_at_the_limit_is_accepted_and_one_byte_more_is_413() {
    const LIMIT: usize = 4096;
    let (server, store) = start(|s| s.limits(Limits::default().body_bytes(LIMIT))).await;
    let at = padded(
        action(&json!({"type": "echo", "payload": {"text": "at"}})),
        LIMIT,
    );
    assert!(run(&server, &at, User::default()).await.is_ok());
    assert_eq!(metadata(&store, "echo").await, "at");

    let past = padded(
        action(&json!({"type": "echo", "payload": {"text": "past"}})),
        LIMIT + 1,
    );
    let error = run(&server, &past, User::default())
        .await
        .expect_err("one byte over");
    assert_eq!((error.status(), error.code()), (413, "payload_too_large"));
    assert!(error.to_string().contains("4097 bytes"), "{error}");
    assert_eq!(metadata(&store, "echo").await, "at", "nothing written");
}

/// A `threads.update` whose `metadata` nests objects so that the body is `depth` deep.
fn nested(depth: usize, title: &str) -> Vec<u8> {
    // The request object is level 1 and `metadata` level 2.
    let inner = depth - 2;
    let mut body = format!(
        r#"{{"type":"threads.update","params":{{"thread_id":"{THREAD}","title":"{title}"}},"metadata":"#
    );
    body.push_str(&r#"{"a":"#.repeat(inner));
    body.push_str(r#"{"[[[": "]]]{{{"}"#);
    body.push_str(&"}".repeat(inner));
    body.push('}');
    body.into_bytes()
}

#[tokio::test]
async fn nesting_at_the_depth_limit_is_accepted_and_one_level_more_is_400() {
    const DEPTH: usize = 16;
    let (server, store) = start(|s| s.limits(Limits::default().depth(DEPTH))).await;
    let thread_title = || async {
        store
            .load_thread(THREAD, &User::default())
            .await
            .expect("the thread")
            .title
    };
    let reply = run(&server, &nested(DEPTH, "at"), User::default()).await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(thread_title().await.as_deref(), Some("at"));

    let error = run(&server, &nested(DEPTH + 1, "past"), User::default())
        .await
        .expect_err("one level deeper");
    assert_eq!((error.status(), error.code()), (400, "too_deep"));
    assert_eq!(
        thread_title().await.as_deref(),
        Some("at"),
        "nothing written"
    );

    // Far past the limit (and past serde_json's own recursion limit): still a clean 400.
    let (defaults, _) = start(|s| s).await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let error = run(&defaults, deep.as_bytes(), User::default())
        .await
        .expect_err("deep");
    assert_eq!(error.status(), 400);
}

#[tokio::test]
async fn payload_at_the_limit_is_accepted_and_one_byte_more_is_413() {
    const LIMIT: usize = 100;
    let (server, store) = start(|s| s.limits(Limits::default().payload_bytes(LIMIT))).await;
    // `{"text":"…"}` is 11 bytes around the text.
    let at = "a".repeat(LIMIT - 11);
    let reply = run(
        &server,
        &action(&json!({"type": "echo", "payload": {"text": at}})),
        User::default(),
    )
    .await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(metadata(&store, "echo").await, json!(at));

    let past = "b".repeat(LIMIT - 10);
    let error = run(
        &server,
        &action(&json!({"type": "echo", "payload": {"text": past}})),
        User::default(),
    )
    .await
    .expect_err("one byte over");
    assert_eq!((error.status(), error.code()), (413, "payload_too_large"));
    assert!(error.to_string().contains("`echo`"), "{error}");
    assert_eq!(metadata(&store, "echo").await, json!(at), "nothing written");
}

#[tokio::test]
async fn list_pages_are_capped_at_the_page_size_limit() {
    let (server, store) = start(|s| s.limits(Limits::default().page_size(3))).await;
    for n in 0..4 {
        let thread = ThreadMetadata::new(format!("thr_{n}"), Timestamp::now());
        store
            .save_thread(&thread, &User::default())
            .await
            .expect("save");
    }
    for (limit, expected) in [
        (Some(3), 3),
        (Some(4), 3),
        (Some(1000), 3),
        (None, 3),
        (Some(2), 2),
    ] {
        let body = json!({"type": "threads.list", "params": {"limit": limit}});
        let page = run(&server, body.to_string().as_bytes(), User::default())
            .await
            .expect("a page");
        assert_eq!(
            page["data"].as_array().map(Vec::len),
            Some(expected),
            "{limit:?}"
        );
        assert_eq!(page["has_more"], true, "{limit:?}");
    }
    // The store itself is not limited.
    let all = store
        .load_threads(100, None, SortOrder::Asc, &User::default())
        .await
        .expect("load");
    assert_eq!(all.data.len(), 5);
}

#[tokio::test]
async fn default_limits_are_documented_values() {
    let limits = Limits::default();
    assert_eq!(limits.max_body_bytes(), 2 * 1024 * 1024);
    assert_eq!(limits.max_depth(), 64);
    assert_eq!(limits.max_payload_bytes(), 64 * 1024);
    assert_eq!(limits.max_page_size(), 100);
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

fn per_minute(count: u32) -> NonZeroU32 {
    NonZeroU32::new(count).expect("not zero")
}

fn user_key(user: &User) -> Option<String> {
    user.0.clone()
}

#[tokio::test]
async fn requests_over_the_rate_limit_are_429_and_run_nothing() {
    let (server, store) =
        start(|s| s.rate_limit(RateLimit::per_minute(per_minute(2)), user_key)).await;
    let bump = action(&json!({"type": "bump"}));
    for _ in 0..2 {
        let reply = run(&server, &bump, User::named("alice")).await;
        assert!(reply.is_ok(), "{reply:?}");
    }
    let error = run(&server, &bump, User::named("alice"))
        .await
        .expect_err("a third request in the minute");
    assert_eq!((error.status(), error.code()), (429, "rate_limited"));
    // Two a minute: the next one in 30 s.
    let wait = error.retry_after_secs().expect("a retry delay");
    assert!((29..=30).contains(&wait), "{wait}");
    assert!(error.to_string().contains("retry in"), "{error}");
    assert_eq!(
        metadata(&store, "count").await,
        2,
        "the refused bump did not run"
    );

    // Other users have their own budget; a request without a key is not limited here.
    assert!(run(&server, &bump, User::named("bob")).await.is_ok());
    for _ in 0..5 {
        assert!(run(&server, &bump, User::default()).await.is_ok());
    }
    assert_eq!(metadata(&store, "count").await, 8);
}

#[tokio::test]
async fn each_action_type_can_have_its_own_rate_limit() {
    let limit =
        RateLimit::per_minute(per_minute(100)).per_action_type(Quota::per_minute(per_minute(1)));
    let (server, store) = start(|s| s.rate_limit(limit, user_key)).await;
    let alice = || User::named("alice");
    assert!(
        run(&server, &action(&json!({"type": "bump"})), alice())
            .await
            .is_ok()
    );
    let error = run(&server, &action(&json!({"type": "bump"})), alice())
        .await
        .expect_err("a second bump in the minute");
    assert_eq!(error.status(), 429);
    let echo = action(&json!({"type": "echo", "payload": {"text": "hi"}}));
    assert!(
        run(&server, &echo, alice()).await.is_ok(),
        "echo has its own budget"
    );
    let list = json!({"type": "threads.list", "params": {}}).to_string();
    assert!(run(&server, list.as_bytes(), alice()).await.is_ok());
    assert_eq!(metadata(&store, "count").await, 1);
}

/// Serves `server`'s router on a loopback port, with the peer address known.
async fn serve(server: ChatKitServer<App>) -> String {
    let router = chatkit_actions::http::router(server, "/chatkit");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    format!("http://{address}/chatkit")
}

/// The user from the `x-user` header, if any.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for User {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(User(
            parts
                .headers
                .get("x-user")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

async fn post(url: &str, user: Option<&str>, body: Vec<u8>) -> (StatusCode, Option<String>, Value) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    let response = request
        .send()
        .await
        .expect("the request reaches the server");
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, retry_after, body)
}

#[tokio::test]
async fn over_http_429_carries_retry_after_and_anonymous_requests_are_keyed_by_peer() {
    let (server, store) =
        start(|s| s.rate_limit(RateLimit::per_minute(per_minute(1)), user_key)).await;
    let url = serve(server).await;
    let bump = || action(&json!({"type": "bump"}));

    let (status, _, _) = post(&url, Some("alice"), bump()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, retry_after, body) = post(&url, Some("alice"), bump()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = retry_after
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((59..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(body["error"]["code"], "rate_limited");

    // No user: the peer address (127.0.0.1) is the key.
    let (status, _, _) = post(&url, None, bump()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = post(&url, None, bump()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(metadata(&store, "count").await, 2);
}

#[tokio::test]
async fn over_http_the_body_limit_is_a_json_413() {
    const LIMIT: usize = 2048;
    let (server, store) = start(|s| s.limits(Limits::default().body_bytes(LIMIT))).await;
    let url = serve(server).await;
    let at = padded(
        action(&json!({"type": "echo", "payload": {"text": "at"}})),
        LIMIT,
    );
    let (status, _, _) = post(&url, None, at).await;
    assert_eq!(status, StatusCode::OK);
    let past = padded(
        action(&json!({"type": "echo", "payload": {"text": "past"}})),
        LIMIT + 1,
    );
    let (status, _, body) = post(&url, None, past).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    assert_eq!(metadata(&store, "echo").await, "at");

    let (status, _, body) = post(&url, None, nested(200, "deep")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "too_deep", "{body}");
}

// ---------------------------------------------------------------------------------------------
// Authorization

/// Only `admin` may bump; nobody may touch `thr_secret`. Async, as a database check would be.
struct Policy;

impl Authorize<User> for Policy {
    async fn authorize(&self, user: &User, request: &AuthRequest<'_>) -> Result<(), Denied> {
        tokio::task::yield_now().await;
        if request.thread_id() == Some("thr_secret") {
            return Err(Denied::new("that thread is not yours"));
        }
        if request.action_type() == Some("bump") && user.0.as_deref() != Some("admin") {
            return Err(Denied::new("only the admin may bump"));
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_denied_request_is_403_and_runs_nothing() {
    let (server, store) = start(|s| s.authorize(Policy)).await;
    let bump = action(&json!({"type": "bump"}));
    let error = run(&server, &bump, User::named("guest"))
        .await
        .expect_err("a guest may not bump");
    assert_eq!((error.status(), error.code()), (403, "forbidden"));
    assert_eq!(error.to_string(), "only the admin may bump");
    assert_eq!(metadata(&store, "count").await, Value::Null);
    assert!(run(&server, &bump, User::named("admin")).await.is_ok());
    assert_eq!(metadata(&store, "count").await, 1);

    // Checked before the thread is loaded: a thread that does not exist is a 403, not a 404.
    let get = json!({"type": "threads.get_by_id", "params": {"thread_id": "thr_secret"}});
    let error = run(&server, get.to_string().as_bytes(), User::named("admin"))
        .await
        .expect_err("nobody may read it");
    assert_eq!(error.status(), 403);
}

#[tokio::test]
async fn a_closure_is_an_authorization_check() {
    let (server, store) = start(|s| {
        s.authorize(|user: &User, request: &AuthRequest<'_>| {
            if user.0.is_none() && request.request_type() != "threads.list" {
                Err(Denied::new("sign in first"))
            } else {
                Ok(())
            }
        })
    })
    .await;
    let url = serve(server).await;
    let (status, _, body) = post(&url, None, action(&json!({"type": "bump"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"error": {"code": "forbidden", "message": "sign in first"}})
    );
    let list = json!({"type": "threads.list", "params": {}})
        .to_string()
        .into_bytes();
    let (status, _, _) = post(&url, None, list).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = post(&url, Some("carol"), action(&json!({"type": "bump"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(metadata(&store, "count").await, 1);
}
