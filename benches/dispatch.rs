//! A whole `threads.custom_action` request body, parsed and dispatched to a no-op handler
//! through `ChatKitServer::process` over a `MemoryStore` (the events drained), against the
//! floor: the same body parsed into hand-written structs by `serde_json`, dispatching nothing.
//!
//! `cargo bench --bench dispatch -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::request::ChatKitRequest;
use chatkit_actions::server::{ChatKitServer, Processed};
use chatkit_actions::store::MemoryStore;
use chatkit_actions::thread::{ThreadItem, ThreadMetadata, Timestamp, WidgetItem};
use chatkit_actions::widget::{Button, Card, Text};
use chatkit_actions::{Action, action_handler};
use criterion::Criterion;
use serde::Deserialize;

#[derive(Action, Debug)]
enum TodoAction {
    UpdateTodo {
        id: String,
        title: String,
        priority: i64,
        #[serde(default)]
        due: Option<String>,
        tags: Vec<String>,
    },
    Complete {
        id: String,
    },
    ClearDone,
}

/// Does nothing: what is measured is the runtime around it.
struct NoOp;

#[action_handler(TodoAction)]
impl NoOp {
    async fn update_todo(
        &self,
        id: String,
        title: String,
        priority: i64,
        due: Option<String>,
        tags: Vec<String>,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        black_box((id, title, priority, due, tags, cx.thread()));
        Ok(())
    }

    async fn complete(&self, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
        black_box((id, cx.thread()));
        Ok(())
    }

    async fn clear_done(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        black_box(cx.thread());
        Ok(())
    }
}

/// The floor: the request as hand-written structs, the action type known in advance.
#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct FloorRequest<'a> {
    #[serde(rename = "type")]
    request_type: &'a str,
    params: FloorParams<'a>,
}

#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct FloorParams<'a> {
    thread_id: String,
    item_id: Option<String>,
    #[serde(borrow)]
    action: FloorAction<'a>,
}

#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct FloorAction<'a> {
    #[serde(rename = "type")]
    action_type: &'a str,
    payload: FloorPayload,
}

#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct FloorPayload {
    id: String,
    title: String,
    priority: i64,
    #[serde(default)]
    due: Option<String>,
    tags: Vec<String>,
}

/// The body with the action's payload borrowed as raw JSON, its type not known in advance.
#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct BorrowedRequest<'a> {
    #[serde(rename = "type")]
    request_type: &'a str,
    #[serde(borrow)]
    params: BorrowedParams<'a>,
}

#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct BorrowedParams<'a> {
    thread_id: String,
    item_id: Option<String>,
    #[serde(borrow)]
    action: BorrowedAction<'a>,
}

#[derive(Deserialize, Debug)]
struct BorrowedAction<'a> {
    #[serde(rename = "type", borrow)]
    action_type: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    payload: Option<&'a serde_json::value::RawValue>,
}

const BODY: &str = r#"{"type":"threads.custom_action","params":{"thread_id":"thr_bench","item_id":"msg_widget","action":{"type":"update_todo","payload":{"id":"todo_8f3a2c1e","title":"Call Anna about the Sunday lunch","priority":2,"due":"2025-06-01","tags":["family","weekend","food"]}}},"metadata":{}}"#;

fn bench(c: &mut Criterion) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let store = MemoryStore::new();
    let server = ChatKitServer::new(store, NoOp);
    let setup = async {
        let thread = ThreadMetadata::new("thr_bench", Timestamp::now());
        server.store().save_thread(&thread, &()).await?;
        let widget = WidgetItem::new(
            "msg_widget",
            "thr_bench",
            // The widget offers the very action the body sends (the server checks that).
            Card::new()
                .child(Text::new("Call Anna"))
                .child(Button::new("Save").on_click_action(TodoAction::UpdateTodo {
                    id: "todo_8f3a2c1e".into(),
                    title: "Call Anna about the Sunday lunch".into(),
                    priority: 2,
                    due: Some("2025-06-01".into()),
                    tags: vec!["family".into(), "weekend".into(), "food".into()],
                }))
                .into(),
        );
        server
            .store()
            .add_thread_item("thr_bench", &ThreadItem::Widget(widget), &())
            .await
    };
    assert!(runtime.block_on(setup).is_ok());

    // One round trip: the stream must hold `stream_options` and no error.
    let events = runtime.block_on(async {
        match server.process(BODY.as_bytes(), ()).await {
            Ok(Processed::Stream(stream)) => stream.collect_events().await,
            _ => Vec::new(),
        }
    });
    let types: Vec<_> = events
        .iter()
        .map(|event| serde_json::to_value(event).map(|v| v["type"].clone()))
        .collect();
    assert_eq!(types.len(), 1, "{events:?}");

    let mut group = c.benchmark_group("dispatch");
    group.bench_function("floor/parse_only", |b| {
        b.iter(|| serde_json::from_str::<FloorRequest<'_>>(black_box(BODY)));
    });
    // The server's path: the body read with the action's payload borrowed from it as raw
    // JSON (`ServerRequest`, crate-internal), then `from_json_parts`.
    group.bench_function("runtime/parse_request_and_action", |b| {
        b.iter(|| server_path(black_box(BODY)));
    });
    // The server's path before: `ChatKitRequest` (the payload a `serde_json::Value` inside
    // `RawAction`), then the action made typed by reference.
    group.bench_function("value/parse_request_and_action", |b| {
        b.iter(|| value_path(black_box(BODY)));
    });
    // The hand-written borrowed path: the whole body into structs whose action payload is
    // `&RawValue` borrowed from it, then `from_json_parts`.
    group.bench_function("borrowed/parse_request_and_action", |b| {
        b.iter(|| borrowed_path(black_box(BODY)));
    });
    group.bench_function("runtime/process_memory_store", |b| {
        b.iter(|| {
            runtime.block_on(async {
                match server.process(black_box(BODY.as_bytes()), ()).await {
                    Ok(Processed::Stream(stream)) => stream.collect_events().await.len(),
                    _ => 0,
                }
            })
        });
    });
    group.finish();
}

fn server_path(body: &str) -> Option<TodoAction> {
    chatkit_actions::request::parse_action_request::<TodoAction>(body.as_bytes())
        .ok()
        .flatten()
}

fn value_path(body: &str) -> Option<TodoAction> {
    let request: ChatKitRequest = serde_json::from_str(body).ok()?;
    match request {
        ChatKitRequest::ThreadsCustomAction { params, .. } => {
            TodoAction::from_raw_ref(&params.action).ok()
        }
        _ => None,
    }
}

fn borrowed_path(body: &str) -> Option<TodoAction> {
    let request: BorrowedRequest<'_> = serde_json::from_str(body).ok()?;
    let action = request.params.action;
    TodoAction::from_json_parts(&action.action_type, action.payload).ok()
}

/// `CHATKIT_PARSE_COUNT=<path>:<n>` runs one parse path `n` times and exits, for instruction
/// counts under callgrind (run with `n` = 1 and 10,001; the difference over 10,000 is one
/// parse): `floor`, `runtime`, `value` or `borrowed`. `CHATKIT_PARSE_COUNT=sizes` prints the
/// size of `ChatKitServer::process`'s future.
fn count_mode() -> bool {
    let Ok(spec) = std::env::var("CHATKIT_PARSE_COUNT") else {
        return false;
    };
    if spec == "sizes" {
        // The size of the future `process` returns: axum moves it into a box per request.
        let server = ChatKitServer::new(MemoryStore::new(), NoOp);
        println!(
            "ChatKitServer::process future: {} bytes",
            std::mem::size_of_val(&server.process(BODY.as_bytes(), ()))
        );
        return true;
    }
    let (path, n) = spec.split_once(':').unwrap_or((&spec, "1"));
    let n: u32 = n.parse().unwrap_or(1);
    let mut parsed = 0u32;
    for _ in 0..n {
        let ok = match path {
            "floor" => serde_json::from_str::<FloorRequest<'_>>(black_box(BODY)).is_ok(),
            "runtime" => server_path(black_box(BODY)).is_some(),
            "value" => value_path(black_box(BODY)).is_some(),
            "borrowed" => borrowed_path(black_box(BODY)).is_some(),
            _ => false,
        };
        parsed += u32::from(ok);
    }
    assert_eq!(parsed, n, "{path}: every parse must succeed");
    true
}

// `criterion_group!` would define an undocumented public fn; this is what it expands to.
fn main() {
    if count_mode() {
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
