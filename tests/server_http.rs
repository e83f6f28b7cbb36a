//! The axum endpoint on a real loopback listener, driven by a real HTTP client: SSE framing
//! and content types, the JSON error bodies of rejected requests (which write nothing), and
//! the captured SSE bytes validated by the official Python SDK (the oracle of
//! `tests/support/oracle.rs`, when `CHATKIT_ORACLE_VENV` names a virtualenv with the SDK;
//! that test says it is skipped otherwise).

#[path = "support/oracle.rs"]
mod oracle;

use chatkit_actions::handler::{ActionContext, HandlerError, HandlerResult, Respond};
use chatkit_actions::server::ChatKitServer;
use chatkit_actions::store::{MemoryStore, Store, StoreItemType};
use chatkit_actions::thread::{
    AssistantMessageContent, AssistantMessageItem, ClientToolCallItem, CustomTask, NoticeEvent,
    SortOrder, ThreadItem, ThreadItemUpdate, ThreadStreamEvent, UserMessageItem, Workflow,
    WorkflowItem,
};
use chatkit_actions::widget::{Card, Text, WidgetRoot};
use chatkit_actions::{Action, action_handler};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value, json};

use oracle::Oracle;

/// The test application's actions.
#[derive(Action, Debug)]
enum HttpAction {
    /// Replaces the sender widget with a card showing `label`, after a root update.
    #[action(rename = "widget.update")]
    Update { label: String },
}

struct App;

#[action_handler(HttpAction)]
impl App {
    async fn update(&self, label: String, cx: &mut ActionContext<()>) -> HandlerResult {
        if let Some(id) = cx.sender().map(|sender| sender.id.clone()) {
            let update = ThreadItemUpdate::widget_root_updated(card(&label));
            cx.emit(ThreadStreamEvent::item_updated(id, update)).await?;
        }
        cx.replace_sender(card(&label)).await
    }
}

fn card(label: &str) -> WidgetRoot {
    Card::new().child(Text::new(label)).into()
}

/// Answers `rich` with one of every kind of event a handler streams, `fail` with an error,
/// `endless` with a message that streams until the client leaves, anything else with `Hello`.
struct Responder;

impl Respond<()> for Responder {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        let text = input.map(UserMessageItem::text).unwrap_or_default();
        match text.as_str() {
            "rich" => rich(cx).await,
            "fail" => Err(HandlerError::custom("Nope.").allow_retry(true)),
            "endless" => endless(cx).await,
            _ => cx.add_assistant_message("Hello").await.map(drop),
        }
    }
}

async fn rich(cx: &mut ActionContext<()>) -> HandlerResult {
    let thread_id = cx.thread().id.clone();
    cx.emit(ThreadStreamEvent::progress_update("Thinking"))
        .await?;
    let id = cx.new_item_id(StoreItemType::Message);
    let mut message = AssistantMessageItem::empty(id.clone(), thread_id.clone());
    cx.emit(ThreadStreamEvent::item_added(message.clone()))
        .await?;
    cx.thread_mut().title = Some("Rich".to_owned());
    let part = AssistantMessageContent::new("");
    cx.emit(ThreadStreamEvent::item_updated(
        id.clone(),
        ThreadItemUpdate::content_part_added(0, part),
    ))
    .await?;
    for delta in ["Hel", "lo"] {
        let update = ThreadItemUpdate::text_delta(0, delta);
        cx.emit(ThreadStreamEvent::item_updated(id.clone(), update))
            .await?;
    }
    let part = AssistantMessageContent::new("Hello");
    cx.emit(ThreadStreamEvent::item_updated(
        id,
        ThreadItemUpdate::content_part_done(0, part.clone()),
    ))
    .await?;
    message.content = vec![part];
    cx.emit(ThreadStreamEvent::item_done(message)).await?;

    let id = cx.new_item_id(StoreItemType::Workflow);
    let mut workflow = WorkflowItem::new(id.clone(), thread_id.clone(), Workflow::custom());
    cx.emit(ThreadStreamEvent::item_added(workflow.clone()))
        .await?;
    let task = CustomTask::new("Search").content("3 results");
    cx.emit(ThreadStreamEvent::item_updated(
        id,
        ThreadItemUpdate::task_added(0, task.clone()),
    ))
    .await?;
    workflow.workflow.tasks.push(task.into());
    cx.emit(ThreadStreamEvent::item_done(workflow)).await?;

    cx.add_widget(card("A widget")).await?;
    cx.add_hidden_context("not streamed").await?;
    let mut data = Map::new();
    data.insert("confetti".to_owned(), json!(true));
    cx.emit(ThreadStreamEvent::client_effect("celebrate", data))
        .await?;
    cx.emit(ThreadStreamEvent::Notice(
        NoticeEvent::info("Saved.").title("Note"),
    ))
    .await?;
    cx.error_message("Shown, not fatal.").await?;
    let id = cx.new_item_id(StoreItemType::ToolCall);
    let call = ClientToolCallItem::new(id, thread_id, "call_1", "get_location", Map::new());
    cx.emit(ThreadStreamEvent::item_done(call)).await
}

/// `Hello, World!`, then one `.` every 10 ms until the client disconnects (at most 10 s).
async fn endless(cx: &mut ActionContext<()>) -> HandlerResult {
    let id = cx.new_item_id(StoreItemType::Message);
    let message = AssistantMessageItem::empty(id.clone(), cx.thread().id.clone());
    cx.emit(ThreadStreamEvent::item_added(message)).await?;
    for delta in ["Hello, ", "World!"] {
        let update = ThreadItemUpdate::text_delta(0, delta);
        cx.emit(ThreadStreamEvent::item_updated(id.clone(), update))
            .await?;
    }
    for _ in 0..1000 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let update = ThreadItemUpdate::text_delta(0, ".");
        cx.emit(ThreadStreamEvent::item_updated(id.clone(), update))
            .await?;
    }
    Err(HandlerError::custom("the client never left"))
}

/// The router served on 127.0.0.1, port chosen by the system.
struct Served {
    url: String,
    store: MemoryStore,
    client: reqwest::Client,
}

impl Served {
    async fn start() -> Self {
        let store = MemoryStore::new();
        let server = ChatKitServer::new(store.clone(), App).respond_with(Responder);
        let router = chatkit_actions::http::router(server, "/chatkit");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Served {
            url: format!("http://{address}/chatkit"),
            store,
            client: reqwest::Client::new(),
        }
    }

    async fn post(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(&self.url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("the request reaches the server")
    }

    /// Posts a request and returns the status, the content type and the body.
    async fn call(&self, body: &Value) -> (StatusCode, String, Vec<u8>) {
        let response = self.post(body.to_string()).await;
        let status = response.status();
        let content_type = content_type(&response);
        let bytes = response.bytes().await.expect("the whole body");
        (status, content_type, bytes.to_vec())
    }

    /// How many threads the store holds.
    async fn thread_count(&self) -> usize {
        self.store
            .load_threads(1000, None, SortOrder::Desc, &())
            .await
            .expect("load threads")
            .data
            .len()
    }
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn create(text: &str) -> Value {
    json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {},
    }}})
}

/// Splits an SSE body into its events, checking the framing: nothing but `data: <json>\n\n`
/// frames, compact JSON, no other field, no comment, no sentinel.
fn sse_events(body: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(body).expect("UTF-8");
    assert!(
        text.ends_with("\n\n"),
        "the last frame ends with a blank line: {text:?}"
    );
    text.strip_suffix("\n\n")
        .expect("checked")
        .split("\n\n")
        .map(|frame| {
            let json = frame
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("a frame is `data: <json>`: {frame:?}"));
            assert!(!json.contains('\n'), "one line per frame: {frame:?}");
            let value: Value = serde_json::from_str(json).expect("JSON");
            assert_eq!(
                serde_json::to_string(&value).expect("JSON").len(),
                json.len(),
                "compact JSON: {json}"
            );
            value
        })
        .collect()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["type"].as_str().expect("type"))
        .collect()
}

/// The JSON error body `{"error": {"code": …, "message": …}}`, checked and returned.
fn error_body(content_type: &str, body: &[u8]) -> (String, String) {
    assert_eq!(content_type, "application/json");
    let value: Value = serde_json::from_slice(body).expect("a JSON error body");
    let error = value["error"].as_object().expect("`error` object");
    assert_eq!(error.len(), 2, "{value}");
    let code = error["code"].as_str().expect("code").to_owned();
    let message = error["message"].as_str().expect("message").to_owned();
    (code, message)
}

#[tokio::test]
async fn streaming_requests_are_sse_frames_one_per_event() {
    let served = Served::start().await;
    let response = served.post(create("rich").to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "text/event-stream");
    let body = response.bytes().await.expect("the whole body");
    let events = sse_events(&body);
    assert_eq!(
        types(&events),
        [
            "thread.created",
            "thread.item.done",
            "stream_options",
            "progress_update",
            "thread.item.added",
            "thread.item.updated",
            "thread.updated",
            "thread.item.updated",
            "thread.item.updated",
            "thread.item.updated",
            "thread.item.done",
            "thread.item.added",
            "thread.item.updated",
            "thread.item.done",
            "thread.item.done",
            "client_effect",
            "notice",
            "error",
            "thread.item.done",
        ]
    );
    assert_eq!(
        events[2],
        json!({"type": "stream_options", "stream_options": {"allow_cancel": true}})
    );
    assert_eq!(
        events.last().expect("events")["item"]["type"],
        "client_tool_call"
    );
    assert_eq!(served.thread_count().await, 1);
}

#[tokio::test]
async fn non_streaming_requests_are_json() {
    let served = Served::start().await;
    let (status, content_type, body) = served
        .call(&json!({"type": "threads.list", "params": {}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    assert_eq!(body, br#"{"data":[],"has_more":false}"#);

    let events = sse_events(&served.call(&create("hi")).await.2);
    let thread_id = events[0]["thread"]["id"].as_str().expect("id");
    let (status, content_type, body) = served
        .call(&json!({"type": "threads.get_by_id", "params": {"thread_id": thread_id}}))
        .await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/json")
    );
    let thread: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(thread["items"]["data"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn malformed_json_is_400_with_a_json_error_body() {
    let served = Served::start().await;
    for body in [
        &b"{not json"[..],
        b"",
        b"[]",
        br#"{"type":"threads.create"}"#,
    ] {
        let response = served.post(body.to_vec()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body:?}");
        let content_type = content_type(&response);
        let bytes = response.bytes().await.expect("body");
        let (code, message) = error_body(&content_type, &bytes);
        assert_eq!(code, "invalid_request");
        assert!(!message.is_empty());
    }
    assert_eq!(served.thread_count().await, 0);
}

#[tokio::test]
async fn unknown_request_type_is_400() {
    let served = Served::start().await;
    let (status, content_type, body) = served
        .call(&json!({"type": "threads.nope", "params": {}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (code, message) = error_body(&content_type, &body);
    assert_eq!(code, "invalid_request");
    assert!(message.contains("threads.nope"), "{message}");
    assert_eq!(served.thread_count().await, 0);
}

#[tokio::test]
async fn unknown_thread_is_404_for_streaming_and_json_requests() {
    let served = Served::start().await;
    let bodies = [
        json!({"type": "threads.get_by_id", "params": {"thread_id": "thr_nope"}}),
        json!({"type": "threads.add_user_message", "params": {"thread_id": "thr_nope", "input": {
            "content": [{"type": "input_text", "text": "hi"}], "attachments": [], "inference_options": {},
        }}}),
        json!({"type": "threads.custom_action", "params": {
            "thread_id": "thr_nope", "action": {"type": "widget.update", "payload": {"label": "x"}},
        }}),
    ];
    for body in &bodies {
        let (status, content_type, bytes) = served.call(body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (code, message) = error_body(&content_type, &bytes);
        assert_eq!(code, "not_found");
        assert!(message.contains("thr_nope"), "{message}");
    }
    assert_eq!(served.thread_count().await, 0);
}

#[tokio::test]
async fn oversized_body_is_rejected() {
    let served = Served::start().await;
    // A valid request, padded past axum's default 2 MB body limit.
    let mut body = create(&"x".repeat(3 * 1024 * 1024));
    body["metadata"] = json!({});
    let response = served.post(body.to_string()).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(served.thread_count().await, 0);
}

#[tokio::test]
async fn unsupported_requests_are_501_with_a_json_error_body() {
    let served = Served::start().await;
    let body = json!({"type": "attachments.create", "params": {"name": "a.txt", "size": 1, "mime_type": "text/plain"}});
    let (status, content_type, bytes) = served.call(&body).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    let (code, message) = error_body(&content_type, &bytes);
    assert_eq!(code, "unsupported");
    assert!(message.contains("not supported"), "{message}");
    assert_eq!(served.thread_count().await, 0);
}

#[tokio::test]
async fn client_disconnect_mid_stream_runs_the_cancellation_handling() {
    let served = Served::start().await;
    let mut response = served.post(create("endless").to_string()).await;
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
    let thread_id = sse_events(
        received
            .split_inclusive("\n\n")
            .next()
            .expect("a frame")
            .as_bytes(),
    )[0]["thread"]["id"]
        .as_str()
        .expect("thread.created first")
        .to_owned();

    let mut items = Vec::new();
    for _ in 0..500 {
        items = served
            .store
            .load_thread_items(&thread_id, None, 100, SortOrder::Asc, &())
            .await
            .expect("items")
            .data;
        if items
            .iter()
            .any(|item| item.item_type() == "sdk_hidden_context")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let kinds: Vec<&str> = items.iter().map(ThreadItem::item_type).collect();
    assert_eq!(
        kinds,
        ["user_message", "assistant_message", "sdk_hidden_context"]
    );
    let text = items[1].as_assistant_message().expect("assistant").text();
    // What was streamed before the server noticed the disconnect: the two deltas, and maybe
    // a few dots already in flight.
    assert!(text.starts_with("Hello, World!"), "{text}");
    assert!(
        text.trim_start_matches("Hello, World!")
            .chars()
            .all(|c| c == '.'),
        "{text}"
    );
}

/// The SSE bytes of every streamed response kind, and a few JSON bodies, validated by the
/// official Python SDK's own models and serializer.
#[tokio::test]
async fn sse_wire_format_is_validated_by_the_python_sdk() {
    let Some(oracle) = Oracle::from_env("server_http_oracle") else {
        return;
    };

    let served = Served::start().await;
    let mut sse = Vec::new();
    let created = served.call(&create("rich")).await.2;
    let events = sse_events(&created);
    sse.extend_from_slice(&created);
    let thread_id = events[0]["thread"]["id"].as_str().expect("id").to_owned();
    let widget_id = events
        .iter()
        .find(|event| event["type"] == "thread.item.done" && event["item"]["type"] == "widget")
        .and_then(|event| event["item"]["id"].as_str())
        .expect("a widget")
        .to_owned();
    let action = json!({"type": "threads.custom_action", "params": {
        "thread_id": thread_id, "item_id": widget_id,
        "action": {"type": "widget.update", "payload": {"label": "Updated"}},
    }});
    sse.extend_from_slice(&served.call(&action).await.2);
    let message = json!({"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": {
        "content": [{"type": "input_text", "text": "fail"}], "attachments": [], "inference_options": {},
    }}});
    let failed = served.call(&message).await.2;
    assert_eq!(types(&sse_events(&failed)).last(), Some(&"error"));
    sse.extend_from_slice(&failed);

    let thread = served
        .call(&json!({"type": "threads.get_by_id", "params": {"thread_id": thread_id}}))
        .await
        .2;
    let items = served
        .call(&json!({"type": "items.list", "params": {"thread_id": thread_id}}))
        .await
        .2;
    let threads = served
        .call(&json!({"type": "threads.list", "params": {}}))
        .await
        .2;

    for (kind, file, bytes) in [
        ("ThreadStreamEvent", "captured.sse", &sse),
        ("Thread", "thread.json", &thread),
        ("Page[ThreadItem]", "items.json", &items),
        ("Page[Thread]", "threads.json", &threads),
    ] {
        oracle.validate(kind, file, bytes);
    }
}

/// The thread id in a `thread.created` event of `events`.
fn created_thread(events: &[Value]) -> String {
    events
        .iter()
        .find(|event| event["type"] == "thread.created")
        .and_then(|event| event["thread"]["id"].as_str())
        .expect("a thread.created event")
        .to_owned()
}

#[tokio::test]
async fn events_ready_together_go_out_as_one_chunk() {
    use futures_util::StreamExt;

    let server = ChatKitServer::new(MemoryStore::new(), App).respond_with(Responder);
    let Ok(chatkit_actions::server::Processed::Stream(stream)) = server
        .process(create("hello").to_string().as_bytes(), ())
        .await
    else {
        panic!("threads.create streams");
    };
    let mut frames = stream.into_sse();
    let chunk = frames
        .next()
        .await
        .expect("a first chunk")
        .expect("serializable events");
    // The whole response (thread, user message, stream options, the answer) is ready at the
    // first poll: one chunk, one write on the socket, every frame intact.
    let events = sse_events(&chunk);
    assert_eq!(
        types(&events),
        [
            "thread.created",
            "thread.item.done",
            "stream_options",
            "thread.item.done"
        ]
    );
    assert!(
        chunk.ends_with(b"\n\n"),
        "the chunk ends with a whole frame"
    );
    assert!(frames.next().await.is_none(), "nothing after the end");
}

#[tokio::test]
async fn a_stream_dropped_before_its_first_poll_releases_its_thread() {
    let server = ChatKitServer::new(MemoryStore::new(), App).respond_with(Responder);
    let Ok(chatkit_actions::server::Processed::Stream(stream)) = server
        .process(create("hello").to_string().as_bytes(), ())
        .await
    else {
        panic!("threads.create streams");
    };
    let events: Vec<Value> = stream
        .collect_events()
        .await
        .iter()
        .map(|event| serde_json::to_value(event).expect("serializable"))
        .collect();
    let thread = created_thread(&events);
    let add_message = json!({
        "type": "threads.add_user_message",
        "params": {"thread_id": thread, "input": {
            "content": [{"type": "input_text", "text": "hello"}],
            "attachments": [], "inference_options": {}
        }}
    })
    .to_string();
    // A response nobody reads holds the thread's lock; dropping it is a disconnect, after
    // which the next request on the thread runs (within a second, not never).
    let Ok(chatkit_actions::server::Processed::Stream(unread)) =
        server.process(add_message.as_bytes(), ()).await
    else {
        panic!("threads.add_user_message streams");
    };
    drop(unread);
    let next = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        server.process(add_message.as_bytes(), ()),
    )
    .await
    .expect("the thread is released when the unread stream is dropped");
    let Ok(chatkit_actions::server::Processed::Stream(stream)) = next else {
        panic!("threads.add_user_message streams");
    };
    let events = stream.collect_events().await;
    assert!(
        events
            .iter()
            .any(|event| matches!(event, ThreadStreamEvent::ItemDone { item } if matches!(item, ThreadItem::AssistantMessage(_)))),
        "the second message is answered: {events:?}"
    );
}
