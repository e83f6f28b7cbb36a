//! The model in the loop against a Responses API stand-in on loopback (no network): the
//! request bodies the crate sends, and the ChatKit events that reach the client, for every
//! kind of stream (text, tools, reasoning, annotations, images, failures, retries), a
//! disconnect that closes the upstream connection, and generation from an action handler.

mod model_support;
#[path = "support/oracle.rs"]
mod oracle;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatkit_actions::handler::{ActionContext, HandlerError, HandlerResult};
use chatkit_actions::model::{Agent, ModelClient, ModelConfig, ToolOutput, check_strict_schema};
use chatkit_actions::server::{ChatKitServer, Processed};
use chatkit_actions::store::MemoryStore;
use chatkit_actions::thread::{SortOrder, ThreadItem, ThreadStreamEvent};
use chatkit_actions::widget::{Card, Text};
use chatkit_actions::{Action, action_handler, tool_handler};
use model_support::{
    Reply, StandIn, created, full, function_call, message, message_added, part_added, text_delta,
    text_reply,
};
use oracle::Oracle;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// The tools, derived.

#[derive(Debug, chatkit_actions::Tools)]
enum TodoTool {
    /// Adds a todo with this title.
    AddTodo { title: String },
    /// Lists the todos.
    ListTodos,
    /// Asks the user to pick a color (runs in the browser).
    #[tool(client)]
    PickColor { prompt: String },
}

/// The server tools' handler: the todos live in memory here.
#[derive(Default, Clone)]
struct Todos {
    titles: Arc<Mutex<Vec<String>>>,
}

#[tool_handler(TodoTool)]
impl Todos {
    async fn add_todo(
        &self,
        title: String,
        cx: &mut ActionContext<()>,
    ) -> Result<ToolOutput, HandlerError> {
        if title.trim().is_empty() {
            return Ok(ToolOutput::error("a todo needs a title"));
        }
        self.titles.lock().unwrap().push(title.clone());
        cx.add_widget(Card::new().child(Text::new(title.clone())))
            .await?;
        cx.add_hidden_context(format!("<TOOL>added {title}</TOOL>"))
            .await?;
        Ok(ToolOutput::json(&json!({"added": title})))
    }

    async fn list_todos(&self, _cx: &mut ActionContext<()>) -> Result<ToolOutput, HandlerError> {
        Ok(ToolOutput::json(&*self.titles.lock().unwrap()))
    }
}

// ---------------------------------------------------------------------------------------
// An application whose action hands the thread to the model (the seed's pattern).

#[derive(Action, Debug)]
enum AppAction {
    /// Completes a todo, then lets the model comment.
    #[action(client_payload)]
    Complete { id: String },
}

struct App {
    agent: Arc<Agent<Todos>>,
}

#[action_handler(AppAction)]
impl App {
    async fn complete(&self, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_hidden_context(format!("<USER_ACTION>completed {id}</USER_ACTION>"))
            .await?;
        self.agent.run(cx).await
    }
}

struct Harness {
    stand_in: StandIn,
    server: ChatKitServer<App>,
    todos: Todos,
}

impl Harness {
    async fn new(replies: Vec<Reply>) -> Harness {
        Harness::with(replies, |agent| agent).await
    }

    async fn with(
        replies: Vec<Reply>,
        configure: impl FnOnce(Agent<Todos>) -> Agent<Todos>,
    ) -> Harness {
        let stand_in = StandIn::start(replies).await;
        let config = ModelConfig::new("gpt-test")
            .api_key("sk-test")
            .base_url(&stand_in.base_url)
            .retry_delay(Duration::from_millis(5))
            .timeout(Duration::from_secs(10));
        let todos = Todos::default();
        let agent = Agent::new(ModelClient::new(config).unwrap())
            .instructions("You keep a todo list.")
            .tools(todos.clone());
        let agent = Arc::new(configure(agent));
        let server = ChatKitServer::new(
            MemoryStore::new(),
            App {
                agent: Arc::clone(&agent),
            },
        )
        .respond_with(Shared(agent));
        Harness {
            stand_in,
            server,
            todos,
        }
    }

    async fn call(&self, body: &Value) -> Vec<ThreadStreamEvent> {
        match self
            .server
            .process(body.to_string().as_bytes(), ())
            .await
            .unwrap()
        {
            Processed::Stream(events) => events.collect_events().await,
            Processed::Json(json) => panic!("expected a stream, got {json:?}"),
        }
    }

    /// `threads.create` with `text`; the events and the thread id.
    async fn create(&self, text: &str) -> (Vec<ThreadStreamEvent>, String) {
        let events = self.call(&create_body(text)).await;
        let ThreadStreamEvent::ThreadCreated { thread } = &events[0] else {
            panic!("thread.created first: {events:?}");
        };
        let id = thread.id.clone();
        (events, id)
    }

    async fn items(&self, thread_id: &str) -> Vec<ThreadItem> {
        self.server
            .store()
            .load_thread_items(thread_id, None, 100, SortOrder::Asc, &())
            .await
            .unwrap()
            .data
    }
}

/// The agent shared by the responder and the action handler.
struct Shared(Arc<Agent<Todos>>);

impl chatkit_actions::handler::Respond<()> for Shared {
    async fn respond(
        &self,
        input: Option<&chatkit_actions::thread::UserMessageItem>,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        self.0.respond(input, cx).await
    }
}

fn create_body(text: &str) -> Value {
    json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {},
    }}})
}

fn add_message(thread_id: &str, text: &str) -> Value {
    json!({"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": {
        "content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {},
    }}})
}

fn user_input(text: &str) -> Value {
    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})
}

/// Each event as its JSON, for compact assertions.
fn wire(events: &[ThreadStreamEvent]) -> Vec<Value> {
    events
        .iter()
        .map(|event| serde_json::to_value(event).unwrap())
        .collect()
}

/// The event types, with an item's type or an update's type after a colon.
fn shapes(events: &[ThreadStreamEvent]) -> Vec<String> {
    wire(events)
        .iter()
        .map(|event| {
            let kind = event["type"].as_str().unwrap();
            if let Some(item) = event.get("item") {
                format!("{kind}:{}", item["type"].as_str().unwrap())
            } else if let Some(update) = event.get("update") {
                format!("{kind}:{}", update["type"].as_str().unwrap())
            } else {
                kind.to_owned()
            }
        })
        .collect()
}

const PROLOGUE: [&str; 3] = [
    "thread.created",
    "thread.item.done:user_message",
    "stream_options",
];

fn text_shapes(deltas: usize) -> Vec<String> {
    let mut shapes = vec![
        "thread.item.added:assistant_message".to_owned(),
        "thread.item.updated:assistant_message.content_part.added".to_owned(),
    ];
    shapes.extend(std::iter::repeat_n(
        "thread.item.updated:assistant_message.content_part.text_delta".to_owned(),
        deltas,
    ));
    shapes.push("thread.item.updated:assistant_message.content_part.done".to_owned());
    shapes.push("thread.item.done:assistant_message".to_owned());
    shapes
}

fn with_prologue(rest: Vec<String>) -> Vec<String> {
    PROLOGUE
        .iter()
        .map(|s| (*s).to_owned())
        .chain(rest)
        .collect()
}

/// A refusal message, streamed.
fn refusal_events() -> Vec<Value> {
    vec![
        message_added("msg_r", 0),
        part_added("msg_r", "refusal"),
        json!({"type": "response.refusal.delta", "item_id": "msg_r", "output_index": 0, "content_index": 0, "delta": "I can't"}),
        json!({"type": "response.refusal.done", "item_id": "msg_r", "output_index": 0, "content_index": 0, "refusal": "I can't"}),
        json!({"type": "response.content_part.done", "item_id": "msg_r", "output_index": 0, "content_index": 0, "part": {"type": "refusal", "refusal": "I can't"}}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "message", "id": "msg_r", "role": "assistant", "status": "completed", "content": [{"type": "refusal", "refusal": "I can't"}]}}),
    ]
}

/// An image generation with two partial images.
fn image_events() -> Vec<Value> {
    vec![
        json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "image_generation_call", "id": "ig_1", "status": "in_progress"}}),
        json!({"type": "response.image_generation_call.in_progress", "item_id": "ig_1", "output_index": 1}),
        json!({"type": "response.image_generation_call.partial_image", "item_id": "ig_1", "output_index": 1, "partial_image_index": 0, "partial_image_b64": "AAA"}),
        json!({"type": "response.image_generation_call.partial_image", "item_id": "ig_1", "output_index": 1, "partial_image_index": 1, "partial_image_b64": "BBB"}),
        json!({"type": "response.output_item.done", "output_index": 1, "item": {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "CCC"}}),
    ]
}

// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn text_streams_in_deltas_and_the_request_carries_the_thread_and_tools() {
    let harness = Harness::new(vec![text_reply(&["Hel", "lo, ", "world!"])]).await;
    let (events, thread_id) = harness.create("hi").await;
    assert_eq!(shapes(&events), with_prologue(text_shapes(3)));
    let events = wire(&events);
    let deltas: Vec<&str> = events[5..8]
        .iter()
        .map(|e| e["update"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, ["Hel", "lo, ", "world!"]);
    let added_id = events[3]["item"]["id"].as_str().unwrap();
    assert!(
        added_id.starts_with("msg_") && added_id != "msg_up1",
        "{added_id}"
    );
    assert!(events[4..9].iter().all(|e| e["item_id"] == added_id));
    assert_eq!(events[9]["item"]["id"], added_id);
    assert_eq!(
        events[9]["item"]["content"],
        json!([{"type": "output_text", "text": "Hello, world!", "annotations": []}])
    );

    let requests = harness.stand_in.requests();
    assert_eq!(requests.len(), 1);
    let body = &requests[0];
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["stream"], true);
    assert_eq!(body["instructions"], "You keep a todo list.");
    assert_eq!(body["input"], json!([user_input("hi")]));
    let tools = body["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["add_todo", "list_todos", "pick_color"]);
    assert_eq!(
        tools[0],
        json!({"type": "function", "name": "add_todo", "description": "Adds a todo with this title.",
            "strict": true, "parameters": {"type": "object", "properties": {"title": {"type": "string"}},
            "required": ["title"], "additionalProperties": false}})
    );
    for tool in tools {
        check_strict_schema(&tool["parameters"]).unwrap();
    }
    assert_eq!(harness.stand_in.authorization(), ["Bearer sk-test"]);

    let items = harness.items(&thread_id).await;
    let kinds: Vec<&str> = items.iter().map(ThreadItem::item_type).collect();
    assert_eq!(kinds, ["user_message", "assistant_message"]);
    assert_eq!(
        items[1].as_assistant_message().unwrap().text(),
        "Hello, world!"
    );
}

#[tokio::test]
async fn a_server_tool_runs_and_the_model_answers_with_its_output() {
    let harness = Harness::new(vec![
        full(function_call(
            "call_1",
            "add_todo",
            r#"{"title":"buy milk"}"#,
        )),
        text_reply(&["Added ", "buy milk."]),
    ])
    .await;
    let (events, thread_id) = harness.create("add buy milk").await;
    let mut expected = vec!["thread.item.done:widget".to_owned()];
    expected.extend(text_shapes(2));
    assert_eq!(shapes(&events), with_prologue(expected));
    assert_eq!(*harness.todos.titles.lock().unwrap(), ["buy milk"]);

    let requests = harness.stand_in.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["input"], json!([user_input("add buy milk")]));
    let input = requests[1]["input"].as_array().unwrap();
    assert_eq!(input[0], user_input("add buy milk"));
    assert_eq!(
        input[1],
        json!({"type": "function_call", "call_id": "call_1", "name": "add_todo", "arguments": r#"{"title":"buy milk"}"#})
    );
    assert_eq!(
        input[2],
        json!({"type": "function_call_output", "call_id": "call_1", "output": r#"{"added":"buy milk"}"#})
    );
    let widget = input[3]["content"][0]["text"].as_str().unwrap();
    assert!(
        widget.starts_with("The following graphical UI widget (id: msg_"),
        "{widget}"
    );
    assert!(widget.contains("buy milk"), "{widget}");
    assert_eq!(
        input[4]["content"][0]["text"],
        "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n<TOOL>added buy milk</TOOL>\n</HiddenContext>"
    );
    assert_eq!(input.len(), 5);

    let kinds: Vec<&str> = harness
        .items(&thread_id)
        .await
        .iter()
        .map(ThreadItem::item_type)
        .collect();
    assert_eq!(
        kinds,
        [
            "user_message",
            "widget",
            "hidden_context_item",
            "assistant_message"
        ]
    );
}

#[tokio::test]
async fn bad_arguments_and_unknown_tools_go_back_to_the_model() {
    let mut calls = function_call("call_1", "add_todo", r#"{"title": 3}"#);
    calls.extend(function_call("call_2", "drop_table", "{}"));
    let harness = Harness::new(vec![full(calls), text_reply(&["Sorry."])]).await;
    let (events, _) = harness.create("add 3").await;
    assert_eq!(shapes(&events), with_prologue(text_shapes(1)));
    assert!(harness.todos.titles.lock().unwrap().is_empty());
    let input = harness.stand_in.requests()[1]["input"].clone();
    assert_eq!(input[2]["type"], "function_call_output");
    assert_eq!(
        input[2]["output"],
        json!({"error": "invalid arguments for `add_todo`: title: invalid type: integer `3`, expected a string at line 1 column 11"}).to_string()
    );
    assert_eq!(
        input[4]["output"],
        json!({"error": "unknown tool `drop_table`; the tools are: add_todo, list_todos, pick_color"}).to_string()
    );
}

#[tokio::test]
async fn a_client_tool_call_pauses_the_run_until_its_output_resumes_it() {
    let harness = Harness::new(vec![
        full(function_call(
            "call_9",
            "pick_color",
            r#"{"prompt":"Which color?"}"#,
        )),
        text_reply(&["Blue it is."]),
    ])
    .await;
    let (events, thread_id) = harness.create("pick a color").await;
    assert_eq!(
        shapes(&events),
        with_prologue(vec!["thread.item.done:client_tool_call".to_owned()])
    );
    let call = &wire(&events)[3]["item"];
    assert_eq!(call["status"], "pending");
    assert_eq!(call["call_id"], "call_9");
    assert_eq!(call["name"], "pick_color");
    assert_eq!(call["arguments"], json!({"prompt": "Which color?"}));
    assert!(call["id"].as_str().unwrap().starts_with("tc_"));
    assert_eq!(harness.stand_in.requests().len(), 1);

    let events = harness
        .call(&json!({"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": {"color": "blue"}}}))
        .await;
    let mut expected = vec!["stream_options".to_owned()];
    expected.extend(text_shapes(1));
    assert_eq!(shapes(&events), expected);
    let input = harness.stand_in.requests()[1]["input"].clone();
    assert_eq!(
        input,
        json!([
            user_input("pick a color"),
            {"type": "function_call", "call_id": "call_9", "name": "pick_color", "arguments": r#"{"prompt":"Which color?"}"#},
            {"type": "function_call_output", "call_id": "call_9", "output": r#"{"color":"blue"}"#},
        ])
    );
}

#[tokio::test]
async fn a_reasoning_summary_is_a_workflow_of_thoughts_closed_when_the_answer_starts() {
    let reasoning = vec![
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Thinking "}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "hard"}),
        json!({"type": "response.reasoning_summary_text.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "text": "Thinking hard"}),
        json!({"type": "response.reasoning_summary_part.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": "Thinking hard"}}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Thinking hard"}]}}),
    ];
    let mut all = reasoning;
    all.extend(message("msg_up", &["42"], &[]));
    let harness = Harness::new(vec![full(all)]).await;
    let (events, thread_id) = harness.create("why?").await;
    let mut expected = vec![
        "thread.item.added:workflow".to_owned(),
        "thread.item.updated:workflow.task.added".to_owned(),
        "thread.item.updated:workflow.task.updated".to_owned(),
        "thread.item.updated:workflow.task.updated".to_owned(),
        "thread.item.done:workflow".to_owned(),
    ];
    expected.extend(text_shapes(1));
    assert_eq!(shapes(&events), with_prologue(expected));
    let events = wire(&events);
    assert_eq!(events[3]["item"]["workflow"]["type"], "reasoning");
    assert_eq!(
        events[4]["update"]["task"],
        json!({"type": "thought", "status_indicator": "none", "content": "Thinking "})
    );
    assert_eq!(events[5]["update"]["task"]["content"], "Thinking hard");
    let done = &events[7]["item"]["workflow"];
    assert_eq!(
        done["tasks"],
        json!([{"type": "thought", "status_indicator": "none", "content": "Thinking hard"}])
    );
    assert_eq!(done["expanded"], false);
    assert_eq!(done["summary"], json!({"duration": 0}));
    let kinds: Vec<&str> = harness
        .items(&thread_id)
        .await
        .iter()
        .map(ThreadItem::item_type)
        .collect();
    assert_eq!(kinds, ["user_message", "workflow", "assistant_message"]);
}

#[tokio::test]
async fn annotations_become_sources() {
    let annotations = [
        json!({"type": "url_citation", "url": "https://example.com/milk", "title": "Milk", "start_index": 0, "end_index": 4}),
        json!({"type": "file_citation", "file_id": "file_1", "filename": "notes.pdf", "index": 4}),
        // Without a file name there is nothing to show: dropped, and no gap in the indices.
        json!({"type": "file_citation", "file_id": "file_2", "filename": "", "index": 4}),
    ];
    let harness = Harness::new(vec![full(message("msg_up", &["Milk"], &annotations))]).await;
    let (events, _) = harness.create("cite").await;
    let events = wire(&events);
    let added: Vec<&Value> = events
        .iter()
        .filter(|e| e["update"]["type"] == "assistant_message.content_part.annotation_added")
        .collect();
    assert_eq!(added.len(), 2);
    let url = json!({"type": "annotation", "source": {"type": "url", "title": "Milk", "url": "https://example.com/milk"}, "index": 4});
    let file = json!({"type": "annotation", "source": {"type": "file", "title": "notes.pdf", "filename": "notes.pdf"}, "index": 4});
    assert_eq!(added[0]["update"]["annotation"], url);
    assert_eq!(added[0]["update"]["annotation_index"], 0);
    assert_eq!(added[1]["update"]["annotation"], file);
    assert_eq!(added[1]["update"]["annotation_index"], 1);
    let done = events
        .iter()
        .rfind(|e| e["type"] == "thread.item.done")
        .unwrap();
    assert_eq!(
        done["item"]["content"][0]["annotations"],
        json!([url, file])
    );
}

#[tokio::test]
async fn refusals_are_text_and_images_stream_with_their_progress() {
    let refusal = refusal_events();
    let image = image_events();
    let mut all = refusal;
    all.extend(image);
    let harness = Harness::with(vec![full(all)], |agent| agent.partial_images(2)).await;
    let (events, thread_id) = harness.create("draw").await;
    let mut expected = text_shapes(1);
    expected.extend([
        "thread.item.added:generated_image".to_owned(),
        "thread.item.updated:generated_image.updated".to_owned(),
        "thread.item.updated:generated_image.updated".to_owned(),
        "thread.item.done:generated_image".to_owned(),
    ]);
    assert_eq!(shapes(&events), with_prologue(expected));
    let events = wire(&events);
    assert_eq!(events[5]["update"]["delta"], "I can't");
    assert_eq!(events[7]["item"]["content"][0]["text"], "I can't");
    assert_eq!(
        events[9]["update"],
        json!({"type": "generated_image.updated", "image": {"id": "ig_1", "url": "data:image/png;base64,AAA"}, "progress": 0.0})
    );
    assert_eq!(events[10]["update"]["progress"], 0.5);
    assert_eq!(
        events[11]["item"]["image"],
        json!({"id": "ig_1", "url": "data:image/png;base64,CCC"})
    );
    let kinds: Vec<&str> = harness
        .items(&thread_id)
        .await
        .iter()
        .map(ThreadItem::item_type)
        .collect();
    assert_eq!(
        kinds,
        ["user_message", "assistant_message", "generated_image"]
    );
}

/// The events of a failed response: what it had started is removed, then a retryable error.
fn assert_failed_cleanly(events: &[ThreadStreamEvent], deltas: usize) {
    let mut expected = text_shapes(deltas);
    expected.truncate(2 + deltas);
    expected.extend(["thread.item.removed".to_owned(), "error".to_owned()]);
    assert_eq!(shapes(events), with_prologue(expected));
    let events = wire(events);
    let added = &events[3]["item"]["id"];
    assert_eq!(events[events.len() - 2]["item_id"], *added);
    assert_eq!(
        events.last().unwrap(),
        &json!({"type": "error", "code": "stream.error", "allow_retry": true})
    );
}

#[tokio::test]
async fn a_stream_cut_midway_leaves_nothing_half_written() {
    let mut cut = vec![
        created(),
        message_added("msg_up", 0),
        part_added("msg_up", "output_text"),
    ];
    cut.extend([text_delta("msg_up", "Hal"), text_delta("msg_up", "f")]);
    let harness = Harness::new(vec![Reply::Events(cut), text_reply(&["never sent"])]).await;
    let (events, thread_id) = harness.create("hi").await;
    assert_failed_cleanly(&events, 2);
    // Not retried: the stream had started.
    assert_eq!(harness.stand_in.requests().len(), 1);
    let kinds: Vec<&str> = harness
        .items(&thread_id)
        .await
        .iter()
        .map(ThreadItem::item_type)
        .collect();
    assert_eq!(kinds, ["user_message"]);
}

#[tokio::test]
async fn response_failed_and_error_events_are_error_events() {
    let mut failed = vec![
        created(),
        message_added("msg_up", 0),
        part_added("msg_up", "output_text"),
        text_delta("msg_up", "Hm"),
    ];
    let mut response = model_support::response("failed", &json!([]));
    response["error"] = json!({"code": "server_error", "message": "The model crashed."});
    failed.push(json!({"type": "response.failed", "response": response}));
    let errored = vec![
        created(),
        json!({"type": "error", "code": "invalid_prompt", "message": "Bad prompt.", "param": null}),
    ];
    let harness = Harness::new(vec![Reply::Events(failed), Reply::Events(errored)]).await;
    let (events, thread_id) = harness.create("hi").await;
    assert_failed_cleanly(&events, 1);
    assert_eq!(harness.items(&thread_id).await.len(), 1);

    let events = harness.call(&add_message(&thread_id, "again")).await;
    // A prompt the model refuses is not transient: no retry button.
    assert_eq!(
        wire(&events).last().unwrap(),
        &json!({"type": "error", "code": "stream.error", "allow_retry": false})
    );
}

#[tokio::test]
async fn a_429_is_retried_before_the_stream_starts() {
    let harness = Harness::new(vec![
        Reply::Status(429, "Rate limit reached"),
        Reply::Status(503, "Overloaded"),
        text_reply(&["Hi"]),
    ])
    .await;
    let (events, _) = harness.create("hi").await;
    assert_eq!(shapes(&events), with_prologue(text_shapes(1)));
    let requests = harness.stand_in.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r == &requests[0]));
}

#[tokio::test]
async fn retries_stop_at_the_cap_and_client_errors_are_not_retried() {
    let harness = Harness::with(
        vec![
            Reply::Status(429, "a"),
            Reply::Status(429, "b"),
            Reply::Status(429, "c"),
        ],
        |agent| agent,
    )
    .await;
    // The default config retries 3 times; the harness's stand-in has 3 replies, then 500s.
    let (events, _) = harness.create("hi").await;
    assert_eq!(
        wire(&events).last().unwrap(),
        &json!({"type": "error", "code": "stream.error", "allow_retry": true})
    );
    assert_eq!(harness.stand_in.requests().len(), 4);

    let harness = Harness::new(vec![Reply::Status(400, "bad request"), text_reply(&["x"])]).await;
    let (events, _) = harness.create("hi").await;
    assert_eq!(shapes(&events), with_prologue(vec!["error".to_owned()]));
    assert_eq!(harness.stand_in.requests().len(), 1);
}

#[tokio::test]
async fn unknown_event_types_are_ignored() {
    let mut events = vec![json!({"type": "response.brand_new_event", "whatever": [1, 2]})];
    events.extend(message("msg_up", &["Hi"], &[]));
    events.insert(
        3,
        json!({"type": "response.output_text.something_else", "item_id": "msg_up"}),
    );
    events.push(json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "web_search_call", "id": "ws_1", "status": "in_progress"}}));
    let harness = Harness::new(vec![full(events)]).await;
    let (events, _) = harness.create("hi").await;
    assert_eq!(shapes(&events), with_prologue(text_shapes(1)));
}

#[tokio::test]
async fn the_turn_cap_ends_a_tool_loop() {
    let replies = (0..3)
        .map(|n| full(function_call(&format!("call_{n}"), "list_todos", "{}")))
        .collect();
    let harness = Harness::with(replies, |agent| agent.max_turns(3)).await;
    let (events, _) = harness.create("loop").await;
    assert_eq!(
        wire(&events).last().unwrap(),
        &json!({"type": "error", "code": "custom", "message": "The assistant stopped after 3 model requests without an answer.", "allow_retry": false})
    );
    let requests = harness.stand_in.requests();
    assert_eq!(requests.len(), 3);
    // Each turn sends every earlier call with its output.
    assert_eq!(requests[2]["input"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn an_action_handler_runs_the_model_after_adding_hidden_context() {
    let harness = Harness::new(vec![text_reply(&["Hi"]), text_reply(&["Nice work!"])]).await;
    let (_, thread_id) = harness.create("hi").await;
    let events = harness
        .call(
            &json!({"type": "threads.custom_action", "params": {"thread_id": thread_id,
            "action": {"type": "complete", "payload": {"id": "t1"}}}}),
        )
        .await;
    let mut expected = vec!["stream_options".to_owned()];
    expected.extend(text_shapes(1));
    assert_eq!(shapes(&events), expected);
    let input = harness.stand_in.requests()[1]["input"].clone();
    assert_eq!(
        input,
        json!([
            user_input("hi"),
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi", "annotations": []}]},
            user_input("Hidden context for the agent (not shown to the user):\n<HiddenContext>\n<USER_ACTION>completed t1</USER_ACTION>\n</HiddenContext>"),
        ])
    );
}

#[tokio::test]
async fn the_input_holds_at_most_max_items_of_the_newest() {
    let harness = Harness::with(vec![text_reply(&["one"]), text_reply(&["two"])], |agent| {
        agent.max_items(2)
    })
    .await;
    let (_, thread_id) = harness.create("first").await;
    harness.call(&add_message(&thread_id, "second")).await;
    let input = harness.stand_in.requests()[1]["input"].clone();
    assert_eq!(
        input,
        json!([
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "one", "annotations": []}]},
            user_input("second"),
        ])
    );
}

/// The client leaves mid-stream: the upstream connection is closed (no tokens paid after
/// the user left), and the cancellation handling keeps what the user saw.
#[tokio::test]
async fn a_client_disconnect_closes_the_upstream_connection() {
    let harness = Harness::new(vec![Reply::Endless]).await;
    let Harness {
        stand_in, server, ..
    } = harness;
    let store = Arc::clone(server.store());
    let router = chatkit_actions::http::router(server, "/chatkit");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let mut response = reqwest::Client::new()
        .post(format!("http://{address}/chatkit"))
        .header("content-type", "application/json")
        .body(create_body("talk forever").to_string())
        .send()
        .await
        .unwrap();
    let mut received = String::new();
    while received.matches("text_delta").count() < 3 {
        let chunk = response.chunk().await.unwrap().expect("the stream goes on");
        received.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(!stand_in.closed());
    drop(response);
    let thread_id = received
        .split("\"thr_")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let thread_id = format!("thr_{thread_id}");
    for _ in 0..300 {
        if stand_in.closed() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(stand_in.closed(), "the upstream connection is still open");
    let mut kinds = Vec::new();
    for _ in 0..300 {
        let items = store
            .load_thread_items(&thread_id, None, 10, SortOrder::Asc, &())
            .await
            .unwrap()
            .data;
        kinds = items
            .iter()
            .map(|item| item.item_type().to_owned())
            .collect();
        if kinds
            .last()
            .is_some_and(|kind| kind == "sdk_hidden_context")
        {
            let text = items[1].as_assistant_message().unwrap().text();
            assert!(text.len() >= 3 && text.chars().all(|c| c == '.'), "{text}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        kinds,
        ["user_message", "assistant_message", "sdk_hidden_context"]
    );
}

/// The ChatKit events of the streams above, validated by the official Python SDK's models
/// (when `CHATKIT_ORACLE_VENV` names its virtualenv).
#[tokio::test]
async fn the_python_sdk_accepts_the_events() {
    let Some(oracle) = Oracle::from_env("model_oracle") else {
        return;
    };

    let mut reasoning = vec![
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Hmm"}),
        json!({"type": "response.reasoning_summary_text.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "text": "Hmm"}),
    ];
    reasoning.extend(message("msg_up", &["A", "B"], &[json!({"type": "url_citation", "url": "https://e.com", "title": "E", "start_index": 0, "end_index": 1})]));
    let harness = Harness::new(vec![
        full(reasoning),
        full(function_call("call_1", "add_todo", r#"{"title":"milk"}"#)),
        text_reply(&["Added."]),
        full([refusal_events(), image_events()].concat()),
        full(function_call("call_2", "pick_color", r#"{"prompt":"?"}"#)),
        Reply::Status(400, "bad"),
    ])
    .await;
    let (mut events, thread_id) = harness.create("one").await;
    for text in ["two", "three", "four"] {
        events.extend(harness.call(&add_message(&thread_id, text)).await);
    }
    let mut sse = Vec::new();
    for event in &events {
        sse.extend_from_slice(&chatkit_actions::server::sse_frame(event).unwrap());
    }
    oracle.validate("ThreadStreamEvent", "captured.sse", &sse);
}

/// The stand-in's streams are the real wire format: every event it sent in the tests'
/// scenarios validates as the official `openai` package's `ResponseStreamEvent`, and the
/// official client streams a response from it (when `CHATKIT_ORACLE_VENV` names a
/// virtualenv with the `openai` package).
#[tokio::test]
async fn the_stand_in_speaks_the_responses_wire_format() {
    let Some(venv) = std::env::var_os("CHATKIT_ORACLE_VENV") else {
        println!("skipped: CHATKIT_ORACLE_VENV is not set");
        return;
    };
    let mut reasoning = vec![
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Hmm"}),
        json!({"type": "response.reasoning_summary_text.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "text": "Hmm"}),
        json!({"type": "response.reasoning_summary_part.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": "Hmm"}}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Hmm"}]}}),
    ];
    reasoning.extend(message(
        "msg_up",
        &["A", "B"],
        &[
            json!({"type": "url_citation", "url": "https://e.com", "title": "E", "start_index": 0, "end_index": 1}),
            json!({"type": "file_citation", "file_id": "file_1", "filename": "notes.pdf", "index": 1}),
        ],
    ));
    let mut failed = model_support::response("failed", &json!([]));
    failed["error"] = json!({"code": "server_error", "message": "crashed"});
    let harness = Harness::new(vec![
        full(reasoning),
        full(function_call("call_1", "add_todo", r#"{"title":"milk"}"#)),
        text_reply(&["Added."]),
        full([refusal_events(), image_events()].concat()),
        Reply::Events(vec![
            created(),
            json!({"type": "response.failed", "response": failed}),
        ]),
        Reply::Events(vec![
            created(),
            json!({"type": "error", "code": "invalid_prompt", "message": "Bad.", "param": null}),
        ]),
        text_reply(&["For the official client."]),
    ])
    .await;
    let (_, thread_id) = harness.create("one").await;
    for text in ["two", "three", "four", "five"] {
        harness.call(&add_message(&thread_id, text)).await;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("model_wire");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.json");
    std::fs::write(&path, Value::Array(harness.stand_in.sent()).to_string()).unwrap();
    let script = r#"
import json, sys, typing
import openai, pydantic
from openai.types.responses import ResponseStreamEvent
adapter = pydantic.TypeAdapter(ResponseStreamEvent)
union = typing.get_args(ResponseStreamEvent)[0]
by_type = {typing.get_args(c.model_fields["type"].annotation)[0]: c for c in typing.get_args(union)}
events = json.load(open(sys.argv[1]))
for event in events:
    assert event["type"] in by_type, event["type"]
    # The event's own class first, for a readable error; then the union, as the client parses.
    by_type[event["type"]].model_validate(event)
    adapter.validate_python(event)
client = openai.OpenAI(base_url=sys.argv[2], api_key="sk-test", max_retries=0)
stream = client.responses.create(model="gpt-test", input="hi", stream=True)
text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
assert text == "For the official client.", text
print(f"{len(events)} events valid; the official client streamed {text!r}")
"#;
    let base_url = harness.stand_in.base_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(PathBuf::from(&venv).join("bin/python"))
            .args(["-c", script])
            .arg(&path)
            .arg(&base_url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the openai package rejects the stand-in:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{}", String::from_utf8_lossy(&output.stdout));
}
