//! Raw JSON action → typed action: `#[derive(Action)]` against the floor (a hand-written
//! `{type: &str, payload: Payload}` struct parsed by `serde_json`) and serde's adjacently
//! tagged enum, for one realistic payload in both key orders; and the ways from a raw action
//! (payload as a `serde_json::Value`, or borrowed as `&RawValue`) to the typed one.
//!
//! `cargo bench --bench parse -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chatkit_actions::{Action, RawAction};
use criterion::{Criterion, Throughput};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The union under test, with a few other variants so the type lookup is not trivial.
#[derive(Action, Debug)]
enum TodoAction {
    /// The realistic payload: strings, a number, an optional field, a list.
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
    Delete {
        id: String,
    },
    ClearDone,
    Refresh,
}

/// The floor: the payload as a plain struct...
#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct UpdateTodo {
    id: String,
    title: String,
    priority: i64,
    #[serde(default)]
    due: Option<String>,
    tags: Vec<String>,
}

/// ...under a hand-written envelope that knows the type in advance.
#[derive(Deserialize, Debug)]
#[expect(dead_code, reason = "only parsed")]
struct Floor<'a> {
    #[serde(rename = "type")]
    action_type: &'a str,
    payload: UpdateTodo,
}

/// serde's own adjacently tagged enum, the same union.
#[derive(Deserialize, Debug)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
#[expect(dead_code, reason = "only parsed")]
enum Adjacent {
    UpdateTodo(UpdateTodo),
    Complete { id: String },
    Delete { id: String },
    ClearDone,
    Refresh,
}

/// An action with its payload borrowed from the input as raw JSON.
#[derive(Deserialize, Debug)]
struct BorrowedAction<'a> {
    #[serde(rename = "type", borrow)]
    action_type: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

const PAYLOAD: &str = r#"{"id":"todo_8f3a2c1e","title":"Call Anna about the Sunday lunch","priority":2,"due":"2025-06-01","tags":["family","weekend","food"]}"#;

fn bench(c: &mut Criterion) {
    let type_first = format!(r#"{{"type":"update_todo","payload":{PAYLOAD}}}"#);
    let payload_first = format!(r#"{{"payload":{PAYLOAD},"type":"update_todo"}}"#);
    // Every contender must accept both inputs.
    for json in [&type_first, &payload_first] {
        assert!(serde_json::from_str::<TodoAction>(json).is_ok());
        assert!(serde_json::from_str::<Floor<'_>>(json).is_ok());
        assert!(serde_json::from_str::<Adjacent>(json).is_ok());
        let raw: RawAction = serde_json::from_str(json).expect("a raw action");
        assert!(TodoAction::from_raw_ref(&raw).is_ok());
        let borrowed: BorrowedAction<'_> = serde_json::from_str(json).expect("a borrowed action");
        assert!(TodoAction::from_json_parts(&borrowed.action_type, borrowed.payload).is_ok());
    }

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(type_first.len() as u64));
    for (order, json) in [
        ("type_first", &type_first),
        ("payload_first", &payload_first),
    ] {
        group.bench_function(format!("floor/{order}"), |b| {
            b.iter(|| serde_json::from_str::<Floor<'_>>(black_box(json)));
        });
        group.bench_function(format!("derive/{order}"), |b| {
            b.iter(|| serde_json::from_str::<TodoAction>(black_box(json)));
        });
        group.bench_function(format!("serde_adjacent/{order}"), |b| {
            b.iter(|| serde_json::from_str::<Adjacent>(black_box(json)));
        });
        // `params.action` as the request holds it, a `RawAction` (payload as a JSON value),
        // made typed by value (`from_raw`, the server's path before) and by reference
        // (`from_raw_ref`, the server's path now: no clone, but the `Value` is still built).
        group.bench_function(format!("derive_via_raw/{order}"), |b| {
            b.iter(|| {
                serde_json::from_str::<RawAction>(black_box(json))
                    .map_err(|e| e.to_string())
                    .and_then(|raw| TodoAction::from_raw(raw).map_err(|e| e.to_string()))
            });
        });
        group.bench_function(format!("derive_via_raw_ref/{order}"), |b| {
            b.iter(|| {
                serde_json::from_str::<RawAction>(black_box(json))
                    .map_err(|e| e.to_string())
                    .and_then(|raw| TodoAction::from_raw_ref(&raw).map_err(|e| e.to_string()))
            });
        });
        // The borrowed path: the payload read as `&RawValue` from the input (no `Value`),
        // then `from_json_parts` (with the JSON path of an error, as `from_raw`).
        group.bench_function(format!("derive_via_raw_value/{order}"), |b| {
            b.iter(|| {
                serde_json::from_str::<BorrowedAction<'_>>(black_box(json))
                    .map_err(|e| e.to_string())
                    .and_then(|raw| {
                        TodoAction::from_json_parts(&raw.action_type, raw.payload)
                            .map_err(|e| e.to_string())
                    })
            });
        });
    }
    group.finish();
}

// `criterion_group!` would define an undocumented public fn; this is what it expands to.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
