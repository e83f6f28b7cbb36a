//! The server hooks of the Python SDK, each overridden by an application and driven over HTTP
//! (the axum endpoint on a loopback listener, a real HTTP client): `stream_options` per thread
//! and request context, the cancellation handling, the async feedback hook, the request's
//! `metadata` in handlers and the responder, a client tool output when other items follow the
//! call, and a streamed text inside a `Transition`. Each test checks what the client receives
//! and what the store holds.

#[path = "support/oracle.rs"]
mod oracle;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chatkit_actions::handler::{
    ActionContext, HandlerError, HandlerResult, Respond, ServerHooks, StreamCancelled,
    SyncActionContext, SyncResult,
};
use chatkit_actions::request::FeedbackKind;
use chatkit_actions::server::ChatKitServer;
use chatkit_actions::store::{MemoryStore, Store, StoreError, StoreItemType, StoreScope};
use chatkit_actions::thread::{
    AssistantMessageItem, ClientToolCallItem, SortOrder, StreamOptions, ThreadItem,
    ThreadItemUpdate, ThreadMetadata, ThreadStreamEvent, UserMessageItem,
};
use chatkit_actions::widget::{Card, Text, Transition, WidgetRoot};
use chatkit_actions::{Action, action_handler};
use futures_util::stream;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value, json};

use oracle::Oracle;

/// The request context: the user named by the `x-user` header (`admin:` makes an admin).
#[derive(Debug, Clone)]
struct User {
    name: String,
    admin: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get("x-user")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("guest");
        Ok(match header.strip_prefix("admin:") {
            Some(name) => User {
                name: name.to_owned(),
                admin: true,
            },
            None => User {
                name: header.to_owned(),
                admin: false,
            },
        })
    }
}

/// Every user sees every thread here: the hooks, not the store's scoping, are under test.
impl StoreScope for User {
    fn scope(&self) -> Option<&str> {
        None
    }
}

#[derive(Action, Debug)]
enum HookAction {
    /// Marks the thread so its responses cannot be stopped.
    #[action(rename = "thread.lock", client_payload)]
    Lock,
    /// Answers with the request's metadata.
    #[action(rename = "meta.echo", client_payload)]
    Echo,
    /// Synchronous: stores the request's metadata in the thread's.
    #[action(rename = "meta.keep", streaming = false, client_payload)]
    Keep,
    /// Streams a widget whose text inside a `Transition` grows.
    #[action(rename = "widget.type", client_payload)]
    Type,
}

struct App;

#[action_handler(HookAction, context = User)]
impl App {
    async fn lock(&self, cx: &mut ActionContext<User>) -> HandlerResult {
        cx.thread_mut()
            .metadata
            .insert("locked".into(), true.into());
        Ok(())
    }

    async fn echo(&self, cx: &mut ActionContext<User>) -> HandlerResult {
        let text = format!("action metadata: {}", Value::Object(cx.metadata().clone()));
        cx.add_assistant_message(text).await.map(drop)
    }

    async fn keep(&self, cx: &mut SyncActionContext<User>) -> SyncResult {
        let metadata = Value::Object(cx.metadata().clone());
        cx.thread_mut().metadata.insert("kept".into(), metadata);
        Ok(None)
    }

    async fn r#type(&self, cx: &mut ActionContext<User>) -> HandlerResult {
        cx.stream_widget(stream::iter(["", "Hel", "Hello"].map(typed)))
            .await
            .map(drop)
    }
}

/// A card whose text (id `typed`) sits inside a `Transition`.
fn typed(text: &str) -> WidgetRoot {
    Card::new()
        .child(Transition::new(Text::new(text).id("typed")))
        .into()
}

/// Answers `endless` with text that streams until the client leaves, `tool` with a client
/// tool call followed by hidden context, anything else with the request's metadata.
struct Responder;

impl Respond<User> for Responder {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<User>,
    ) -> HandlerResult {
        let text = input.map(UserMessageItem::text).unwrap_or_default();
        match text.as_str() {
            "endless" => endless(cx).await,
            "tool" => {
                let id = cx.new_item_id(StoreItemType::ToolCall);
                let call = ClientToolCallItem::new(
                    id,
                    cx.thread().id.clone(),
                    "call_1",
                    "get_location",
                    Map::new(),
                );
                cx.emit(ThreadStreamEvent::item_done(call)).await?;
                cx.add_hidden_context("<NOTE>asked for the location</NOTE>")
                    .await
            }
            _ if input.is_none() => cx.add_assistant_message("resumed").await.map(drop),
            _ => {
                let text = format!("metadata: {}", Value::Object(cx.metadata().clone()));
                cx.add_assistant_message(text).await.map(drop)
            }
        }
    }
}

/// `Partial`, then one `.` every 10 ms until the client disconnects (at most 10 s).
async fn endless(cx: &mut ActionContext<User>) -> HandlerResult {
    let id = cx.new_item_id(StoreItemType::Message);
    let message = AssistantMessageItem::empty(id.clone(), cx.thread().id.clone());
    cx.emit(ThreadStreamEvent::item_added(message)).await?;
    cx.emit(ThreadStreamEvent::item_updated(
        id.clone(),
        ThreadItemUpdate::text_delta(0, "Partial"),
    ))
    .await?;
    for _ in 0..1000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let update = ThreadItemUpdate::text_delta(0, ".");
        cx.emit(ThreadStreamEvent::item_updated(id.clone(), update))
            .await?;
    }
    Err(HandlerError::custom("the client never left"))
}

/// Feedback recorded by the hook: thread, items, kind, user.
type Feedback = Arc<Mutex<Vec<(String, Vec<String>, FeedbackKind, String)>>>;

/// The application's hooks.
struct Hooks {
    feedback: Feedback,
}

impl ServerHooks<User> for Hooks {
    /// Only admins may stop a response, and nobody on a locked thread.
    fn stream_options(&self, thread: &ThreadMetadata, user: &User) -> StreamOptions {
        let locked = thread.metadata.get("locked") == Some(&Value::Bool(true));
        StreamOptions {
            allow_cancel: user.admin && !locked,
        }
    }

    /// The SDK's handling, plus a note naming the user and a new title.
    async fn handle_stream_cancelled(
        &self,
        pending_items: Vec<ThreadItem>,
        cx: &mut StreamCancelled<'_, User>,
    ) -> Result<(), StoreError> {
        assert_eq!(pending_items.len(), 1, "the streaming message is pending");
        cx.handle_by_default(pending_items).await?;
        let note = format!("<CANCELLED by={}/>", cx.request().name);
        cx.add_hidden_context(note).await?;
        cx.thread_mut().title = Some("Stopped".to_owned());
        Ok(())
    }

    /// Records feedback on the user's own threads, after a real await; refuses the others.
    async fn add_feedback(
        &self,
        thread_id: &str,
        item_ids: &[String],
        kind: FeedbackKind,
        user: &User,
    ) -> Result<(), HandlerError> {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if user.name == "mallory" {
            return Err(HandlerError::custom("feedback is closed for you"));
        }
        self.feedback
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((
                thread_id.to_owned(),
                item_ids.to_vec(),
                kind,
                user.name.clone(),
            ));
        Ok(())
    }
}

/// The router served on 127.0.0.1, port chosen by the system.
struct Served {
    url: String,
    store: MemoryStore,
    feedback: Feedback,
    client: reqwest::Client,
}

impl Served {
    async fn start() -> Self {
        let store = MemoryStore::new();
        let feedback = Feedback::default();
        let server = ChatKitServer::new(store.clone(), App)
            .respond_with(Responder)
            .hooks(Hooks {
                feedback: Arc::clone(&feedback),
            });
        let router = chatkit_actions::http::router(server, "/chatkit");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Served {
            url: format!("http://{address}/chatkit"),
            store,
            feedback,
            client: reqwest::Client::new(),
        }
    }

    async fn post(&self, user: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(&self.url)
            .header(CONTENT_TYPE, "application/json")
            .header("x-user", user)
            .body(body.to_string())
            .send()
            .await
            .expect("the request reaches the server")
    }

    /// Posts a request and returns the status and the body.
    async fn call(&self, user: &str, body: &Value) -> (StatusCode, Vec<u8>) {
        let response = self.post(user, body).await;
        let status = response.status();
        (status, response.bytes().await.expect("the body").to_vec())
    }

    /// The events of a streamed request (which must succeed).
    async fn stream(&self, user: &str, body: &Value) -> Vec<Value> {
        sse_events(&self.stream_bytes(user, body).await)
    }

    /// The SSE bytes of a streamed request (which must succeed).
    async fn stream_bytes(&self, user: &str, body: &Value) -> Vec<u8> {
        let (status, body) = self.call(user, body).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        body
    }

    /// Every stored item of a thread, hidden ones included, oldest first.
    async fn items(&self, thread_id: &str) -> Vec<ThreadItem> {
        let user = User {
            name: String::new(),
            admin: false,
        };
        self.store
            .load_thread_items(thread_id, None, 100, SortOrder::Asc, &user)
            .await
            .expect("items")
            .data
    }

    async fn thread(&self, thread_id: &str) -> ThreadMetadata {
        let user = User {
            name: String::new(),
            admin: false,
        };
        self.store
            .load_thread(thread_id, &user)
            .await
            .expect("the thread")
    }
}

/// The events of an SSE body.
fn sse_events(body: &[u8]) -> Vec<Value> {
    std::str::from_utf8(body)
        .expect("UTF-8")
        .split("\n\n")
        .filter(|frame| !frame.is_empty())
        .map(|frame| {
            let json = frame.strip_prefix("data: ").expect("a data frame");
            serde_json::from_str(json).expect("JSON")
        })
        .collect()
}

fn create(text: &str, metadata: &Value) -> Value {
    json!({"type": "threads.create", "metadata": metadata, "params": {"input": {
        "content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {},
    }}})
}

fn add_message(thread_id: &str, text: &str) -> Value {
    json!({"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": {
        "content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {},
    }}})
}

fn thread_id(events: &[Value]) -> String {
    events[0]["thread"]["id"]
        .as_str()
        .expect("thread.created first")
        .to_owned()
}

fn allow_cancel(events: &[Value]) -> bool {
    let options = events
        .iter()
        .find(|event| event["type"] == "stream_options")
        .expect("a stream_options event");
    options["stream_options"]["allow_cancel"]
        .as_bool()
        .expect("a boolean")
}

fn assistant_text(events: &[Value]) -> String {
    events
        .iter()
        .find(|event| {
            event["type"] == "thread.item.done" && event["item"]["type"] == "assistant_message"
        })
        .and_then(|event| event["item"]["content"][0]["text"].as_str())
        .expect("an assistant message")
        .to_owned()
}

#[tokio::test]
async fn stream_options_are_decided_per_thread_and_request_context() {
    let served = Served::start().await;
    let events = served.stream("admin:ada", &create("hi", &json!({}))).await;
    let id = thread_id(&events);
    assert!(allow_cancel(&events), "an admin may stop the response");

    let events = served.stream("bob", &add_message(&id, "hi")).await;
    assert!(!allow_cancel(&events), "another user may not");

    // The hook sees the thread as stored: once locked, not even an admin may stop it.
    let lock = json!({"type": "threads.custom_action", "params": {
        "thread_id": id, "action": {"type": "thread.lock", "payload": null},
    }});
    let events = served.stream("admin:ada", &lock).await;
    assert!(allow_cancel(&events), "the lock action itself ran unlocked");
    assert_eq!(
        served.thread(&id).await.metadata.get("locked"),
        Some(&Value::Bool(true))
    );
    let events = served.stream("admin:ada", &add_message(&id, "hi")).await;
    assert!(!allow_cancel(&events), "a locked thread");
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "stream_options")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_overridden_cancellation_handling_runs_in_the_unit_of_work() {
    let served = Served::start().await;
    let mut response = served.post("carol", &create("endless", &json!({}))).await;
    let mut received = String::new();
    while received.matches("text_delta").count() < 2 {
        let chunk = response
            .chunk()
            .await
            .expect("a chunk")
            .expect("the stream goes on");
        received.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
    }
    drop(response);
    let first = received.split_inclusive("\n\n").next().expect("a frame");
    let id = thread_id(&sse_events(first.as_bytes()));

    // The hook's writes land together with the rest when the unit commits.
    let mut items = Vec::new();
    for _ in 0..500 {
        items = served.items(&id).await;
        if items
            .iter()
            .any(|item| item.item_type() == "hidden_context_item")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let kinds: Vec<&str> = items.iter().map(ThreadItem::item_type).collect();
    assert_eq!(
        kinds,
        [
            "user_message",
            "assistant_message",
            "sdk_hidden_context",
            "hidden_context_item"
        ]
    );
    let partial = items[1].as_assistant_message().expect("assistant").text();
    assert!(partial.starts_with("Partial"), "{partial}");
    let note = serde_json::to_value(&items[3]).expect("JSON");
    assert_eq!(note["content"], "<CANCELLED by=carol/>");
    assert_eq!(served.thread(&id).await.title.as_deref(), Some("Stopped"));

    // What the client gets when it comes back: the kept message, not the hidden notes.
    let (status, body) = served
        .call(
            "carol",
            &json!({"type": "items.list", "params": {"thread_id": id, "order": "asc"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page: Value = serde_json::from_slice(&body).expect("JSON");
    let types: Vec<&str> = page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types, ["user_message", "assistant_message"]);
}

#[tokio::test]
async fn feedback_reaches_the_async_hook() {
    let served = Served::start().await;
    let events = served.stream("dave", &create("hi", &json!({}))).await;
    let id = thread_id(&events);
    let feedback = json!({"type": "items.feedback", "params": {
        "thread_id": id, "item_ids": ["msg_1", "msg_2"], "kind": "negative",
    }});
    let (status, body) = served.call("dave", &feedback).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"{}");
    let recorded = served.feedback.lock().expect("feedback").clone();
    assert_eq!(
        recorded,
        [(
            id.clone(),
            vec!["msg_1".to_owned(), "msg_2".to_owned()],
            FeedbackKind::Negative,
            "dave".to_owned()
        )]
    );

    // The hook's refusal is a 422 with its message, and nothing is recorded.
    let (status, body) = served.call("mallory", &feedback).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_slice(&body).expect("a JSON error body");
    assert_eq!(error["error"]["message"], "feedback is closed for you");
    assert_eq!(served.feedback.lock().expect("feedback").len(), 1);
}

#[tokio::test]
async fn request_metadata_reaches_the_responder_and_the_handlers() {
    let served = Served::start().await;
    let metadata = json!({"locale": "fr", "trace": 7});
    let events = served.stream("erin", &create("hi", &metadata)).await;
    let id = thread_id(&events);
    assert_eq!(
        assistant_text(&events),
        r#"metadata: {"locale":"fr","trace":7}"#
    );

    // Absent metadata is `{}`.
    let events = served.stream("erin", &add_message(&id, "hi")).await;
    assert_eq!(assistant_text(&events), "metadata: {}");

    let echo = json!({"type": "threads.custom_action", "metadata": {"from": "button"}, "params": {
        "thread_id": id, "action": {"type": "meta.echo", "payload": null},
    }});
    let events = served.stream("erin", &echo).await;
    assert_eq!(
        assistant_text(&events),
        r#"action metadata: {"from":"button"}"#
    );

    let keep = json!({"type": "threads.sync_custom_action", "metadata": {"source": "sync"}, "params": {
        "thread_id": id, "action": {"type": "meta.keep", "payload": null},
    }});
    let (status, body) = served.call("erin", &keep).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        served.thread(&id).await.metadata.get("kept"),
        Some(&json!({"source": "sync"}))
    );

    // What the client saw is what the store holds.
    let texts: Vec<String> = served
        .items(&id)
        .await
        .iter()
        .filter_map(|item| item.as_assistant_message().map(AssistantMessageItem::text))
        .collect();
    assert_eq!(
        texts,
        [
            r#"metadata: {"locale":"fr","trace":7}"#,
            "metadata: {}",
            r#"action metadata: {"from":"button"}"#
        ]
    );
}

#[tokio::test]
async fn client_tool_output_finds_the_pending_call_behind_other_items() {
    let served = Served::start().await;
    let events = served.stream("fred", &create("tool", &json!({}))).await;
    let id = thread_id(&events);
    let kinds: Vec<&str> = served
        .items(&id)
        .await
        .iter()
        .map(ThreadItem::item_type)
        .collect();
    assert_eq!(
        kinds,
        ["user_message", "client_tool_call", "hidden_context_item"],
        "hidden context follows the call"
    );

    let output = json!({"type": "threads.add_client_tool_output", "params": {
        "thread_id": id, "result": {"lat": 48.85},
    }});
    let events = served.stream("fred", &output).await;
    assert_eq!(assistant_text(&events), "resumed");
    let items = served.items(&id).await;
    let ThreadItem::ClientToolCall(call) = &items[1] else {
        panic!("the call stays in place: {items:?}");
    };
    let call = serde_json::to_value(call).expect("JSON");
    assert_eq!(call["status"], "completed");
    assert_eq!(call["output"], json!({"lat": 48.85}));
    assert_eq!(items.len(), 4);

    // No call is pending any more: a clear 409, and nothing stored.
    let (status, body) = served.call("fred", &output).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let error: Value = serde_json::from_slice(&body).expect("a JSON error body");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(message.contains("no pending client tool call"), "{message}");
    assert_eq!(served.items(&id).await, items);
}

#[tokio::test]
async fn text_inside_a_transition_streams_as_deltas() {
    let served = Served::start().await;
    let events = served.stream("gina", &create("hi", &json!({}))).await;
    let id = thread_id(&events);
    let action = json!({"type": "threads.custom_action", "params": {
        "thread_id": id, "action": {"type": "widget.type", "payload": null},
    }});
    let events = served.stream("gina", &action).await;
    let updates: Vec<&Value> = events
        .iter()
        .filter(|event| event["type"] == "thread.item.updated")
        .map(|event| &event["update"])
        .collect();
    assert_eq!(
        updates,
        [
            &json!({"type": "widget.streaming_text.value_delta", "component_id": "typed", "delta": "Hel", "done": true}),
            &json!({"type": "widget.streaming_text.value_delta", "component_id": "typed", "delta": "lo", "done": true}),
        ]
    );
    let widget = served
        .items(&id)
        .await
        .into_iter()
        .find_map(|item| match item {
            ThreadItem::Widget(widget) => Some(widget),
            _ => None,
        })
        .expect("the widget is stored");
    assert_eq!(*widget.widget, typed("Hello"));
}

/// The events the hooks shape (`stream_options` both ways, metadata in a message, a tool
/// output behind hidden context, text deltas inside a `Transition`) and the requests that
/// carry `metadata`, validated by the Python SDK when `CHATKIT_ORACLE_VENV` is set.
#[tokio::test]
async fn the_python_sdk_accepts_what_the_hooks_shape() {
    let Some(oracle) = Oracle::from_env("server_hooks_oracle") else {
        return;
    };
    let served = Served::start().await;
    let create = create("tool", &json!({"locale": "fr"}));
    let mut sse = served.stream_bytes("admin:ada", &create).await;
    let id = thread_id(&sse_events(&sse));
    let output = json!({"type": "threads.add_client_tool_output", "params": {
        "thread_id": id, "result": {"lat": 48.85},
    }});
    let message = add_message(&id, "hi");
    let echo = json!({"type": "threads.custom_action", "metadata": {"from": "button"}, "params": {
        "thread_id": id, "action": {"type": "meta.echo", "payload": null},
    }});
    let typing = json!({"type": "threads.custom_action", "params": {
        "thread_id": id, "action": {"type": "widget.type", "payload": null},
    }});
    let mut requests = format!("{create}\n");
    for body in [&output, &message, &echo, &typing] {
        sse.extend(served.stream_bytes("bob", body).await);
        requests.push_str(&body.to_string());
        requests.push('\n');
    }
    let events = sse_events(&sse);
    let options: Vec<bool> = events
        .iter()
        .filter(|event| event["type"] == "stream_options")
        .map(|event| event["stream_options"]["allow_cancel"] == true)
        .collect();
    assert_eq!(options, [true, false, false, false, false]);
    assert!(
        events
            .iter()
            .any(|event| event["update"]["type"] == "widget.streaming_text.value_delta")
    );
    oracle.validate("ThreadStreamEvent", "hooks.sse", &sse);
    oracle.validate("ChatKitReq", "requests.jsonl", requests.as_bytes());
}
