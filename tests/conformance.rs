//! Wire conformance against the official Python SDK's output.
//!
//! Every `*.json` case of the conformance set is deserialized into the Rust type named by its
//! `kind`, serialized again, and compared as JSON values with its `roundtrip`, or its `json`
//! when there is none. An unknown kind is a failure, never a skip, and every failure is
//! reported in one assertion message.
//!
//! The set lives in `tests/conformance/cases`, written by the SDK itself
//! (`scripts/conformance-cases.sh` regenerates it). An extra set is checked the same way when
//! there is one: the folder `CHATKIT_CONFORMANCE_DIR` names (it must then exist), else
//! `../shared/conformance/python-sdk` next to the workspace when present.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use chatkit_actions::request::{ChatKitRequest, SyncCustomActionResponse};
use chatkit_actions::thread::{Page, Thread, ThreadItem, ThreadItemUpdate, ThreadStreamEvent};
use chatkit_actions::widget::{WidgetComponent, WidgetRoot};
use chatkit_actions::{ActionConfig, RawAction};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The cases committed with the tests.
fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/cases")
}

/// The extra set, when there is one: `CHATKIT_CONFORMANCE_DIR`, else the shared folder next to
/// the workspace if it exists.
fn extra_dir() -> Option<PathBuf> {
    match std::env::var_os("CHATKIT_CONFORMANCE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/python-sdk"))
                .filter(|dir| dir.is_dir())
        }
    }
}

/// One case file.
struct Case {
    name: String,
    kind: String,
    json: Value,
    expected: Value,
}

fn read_case(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("unreadable: {error}"))?;
    let mut case: Value =
        serde_json::from_str(&text).map_err(|error| format!("not JSON: {error}"))?;
    let field = |case: &Value, key: &str| {
        case.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no string `{key}`"))
    };
    let name = field(&case, "name")?;
    let kind = field(&case, "kind")?;
    let json = case.get_mut("json").map(Value::take).ok_or("no `json`")?;
    let expected = case
        .get_mut("roundtrip")
        .map_or_else(|| json.clone(), Value::take);
    Ok(Case {
        name,
        kind,
        json,
        expected,
    })
}

/// Deserializes `case.json` as `T`, checks the round trip, then runs `check` on the value.
fn round_trip<T>(case: &Case, check: impl FnOnce(&T) -> Result<(), String>) -> Result<(), String>
where
    T: Serialize + DeserializeOwned + Debug,
{
    let value: T = serde_json::from_value(case.json.clone())
        .map_err(|error| format!("does not deserialize: {error}"))?;
    let written =
        serde_json::to_value(&value).map_err(|error| format!("does not serialize: {error}"))?;
    if written != case.expected {
        return Err(format!(
            "round trip differs\n      expected: {}\n      written:  {}",
            case.expected, written
        ));
    }
    check(&value)
}

fn expect(condition: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(what()) }
}

/// The wire `type` of the case's JSON.
fn json_type(case: &Case) -> &str {
    case.json.get("type").and_then(Value::as_str).unwrap_or("")
}

fn check_item(case: &Case, item: &ThreadItem) -> Result<(), String> {
    let json = &case.json;
    expect(item.item_type() == json_type(case), || {
        format!(
            "parsed as `{}`, not `{}`",
            item.item_type(),
            json_type(case)
        )
    })?;
    expect(Some(item.id()) == json["id"].as_str(), || {
        "wrong id()".into()
    })?;
    expect(Some(item.thread_id()) == json["thread_id"].as_str(), || {
        "wrong thread_id()".into()
    })?;
    expect(
        Some(item.created_at().as_str()) == json["created_at"].as_str(),
        || "wrong created_at()".into(),
    )?;
    let hidden = matches!(
        json_type(case),
        "hidden_context_item" | "sdk_hidden_context"
    );
    expect(item.is_hidden() == hidden, || {
        format!("is_hidden() is not {hidden}")
    })
}

fn check_event(case: &Case, event: &ThreadStreamEvent) -> Result<(), String> {
    expect(event.event_type() == json_type(case), || {
        format!(
            "parsed as `{}`, not `{}`",
            event.event_type(),
            json_type(case)
        )
    })?;
    let variant_matches = match (json_type(case), event) {
        ("thread.created", ThreadStreamEvent::ThreadCreated { .. })
        | ("thread.updated", ThreadStreamEvent::ThreadUpdated { .. })
        | ("thread.item.added", ThreadStreamEvent::ItemAdded { .. })
        | ("thread.item.done", ThreadStreamEvent::ItemDone { .. })
        | ("thread.item.removed", ThreadStreamEvent::ItemRemoved { .. })
        | ("thread.item.replaced", ThreadStreamEvent::ItemReplaced { .. })
        | ("stream_options", ThreadStreamEvent::StreamOptions { .. })
        | ("progress_update", ThreadStreamEvent::ProgressUpdate(_))
        | ("client_effect", ThreadStreamEvent::ClientEffect(_))
        | ("error", ThreadStreamEvent::Error(_))
        | ("notice", ThreadStreamEvent::Notice(_)) => true,
        ("thread.item.updated", ThreadStreamEvent::ItemUpdated { update, .. }) => {
            let update_type = case.json["update"]["type"].as_str().unwrap_or("");
            matches!(
                (update_type, update),
                (
                    "assistant_message.content_part.added",
                    ThreadItemUpdate::ContentPartAdded { .. }
                ) | (
                    "assistant_message.content_part.text_delta",
                    ThreadItemUpdate::ContentPartTextDelta { .. }
                ) | (
                    "assistant_message.content_part.annotation_added",
                    ThreadItemUpdate::ContentPartAnnotationAdded { .. }
                ) | (
                    "assistant_message.content_part.done",
                    ThreadItemUpdate::ContentPartDone { .. }
                ) | (
                    "widget.streaming_text.value_delta",
                    ThreadItemUpdate::WidgetStreamingTextValueDelta { .. }
                ) | (
                    "widget.root.updated",
                    ThreadItemUpdate::WidgetRootUpdated { .. }
                ) | (
                    "widget.component.updated",
                    ThreadItemUpdate::WidgetComponentUpdated { .. }
                ) | (
                    "workflow.task.added",
                    ThreadItemUpdate::WorkflowTaskAdded { .. }
                ) | (
                    "workflow.task.updated",
                    ThreadItemUpdate::WorkflowTaskUpdated { .. }
                ) | (
                    "generated_image.updated",
                    ThreadItemUpdate::GeneratedImageUpdated { .. }
                )
            )
        }
        _ => false,
    };
    expect(variant_matches, || {
        format!("parsed as the wrong variant: {event:?}")
    })?;
    if let Some(item) = event.item() {
        let item_case = Case {
            name: case.name.clone(),
            kind: "ThreadItem".into(),
            json: case.json["item"].clone(),
            expected: case.json["item"].clone(),
        };
        check_item(&item_case, item)?;
    }
    Ok(())
}

fn check_request(case: &Case, request: &ChatKitRequest) -> Result<(), String> {
    let json = &case.json;
    expect(request.request_type() == json_type(case), || {
        format!(
            "parsed as `{}`, not `{}`",
            request.request_type(),
            json_type(case)
        )
    })?;
    expect(
        request.thread_id() == json["params"]["thread_id"].as_str(),
        || format!("thread_id() is {:?}", request.thread_id()),
    )?;
    let streaming = matches!(
        json_type(case),
        "threads.create"
            | "threads.add_user_message"
            | "threads.add_client_tool_output"
            | "threads.add_structured_input"
            | "threads.retry_after_item"
            | "threads.custom_action"
    );
    expect(request.is_streaming() == streaming, || {
        format!("is_streaming() is not {streaming}")
    })?;
    if let ChatKitRequest::ThreadsCustomAction { params, .. }
    | ChatKitRequest::ThreadsSyncCustomAction { params, .. } = request
    {
        let action = &json["params"]["action"];
        expect(
            Some(params.action.action_type.as_str()) == action["type"].as_str(),
            || format!("action type {:?}", params.action.action_type),
        )?;
        let payload = action.get("payload").filter(|payload| !payload.is_null());
        expect(params.action.payload.as_ref() == payload, || {
            format!("action payload {:?}", params.action.payload)
        })?;
        expect(
            params.item_id.as_deref() == json["params"]["item_id"].as_str(),
            || format!("item_id {:?}", params.item_id),
        )?;
    }
    Ok(())
}

fn check_case(case: &Case) -> Result<(), String> {
    match case.kind.as_str() {
        "ActionConfig" => round_trip::<ActionConfig>(case, |_| Ok(())),
        "Action" => round_trip::<RawAction>(case, |action| {
            expect(action.action_type == json_type(case), || {
                format!("action type {:?}", action.action_type)
            })
        }),
        "WidgetRoot" => round_trip::<WidgetRoot>(case, |_| Ok(())),
        "WidgetComponent" => round_trip::<WidgetComponent>(case, |_| Ok(())),
        "ThreadItem" => round_trip::<ThreadItem>(case, |item| check_item(case, item)),
        "ThreadStreamEvent" => {
            round_trip::<ThreadStreamEvent>(case, |event| check_event(case, event))
        }
        "ChatKitReq" => round_trip::<ChatKitRequest>(case, |request| check_request(case, request)),
        "Thread" => round_trip::<Thread>(case, |thread| {
            expect(
                thread.items.data.len()
                    == case.json["items"]["data"].as_array().map_or(0, Vec::len),
                || "wrong number of items".into(),
            )
        }),
        "Page[ThreadItem]" => round_trip::<Page<ThreadItem>>(case, |_| Ok(())),
        "SyncCustomActionResponse" => round_trip::<SyncCustomActionResponse>(case, |response| {
            expect(
                response.updated_item.is_some() == case.json.get("updated_item").is_some(),
                || "updated_item presence differs".into(),
            )
        }),
        other => Err(format!(
            "unknown kind `{other}`: no Rust type is mapped to it"
        )),
    }
}

/// Checks every case of `dir`; panics with every failure, or when `dir` holds no case.
fn check_dir(dir: &Path) -> usize {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|error| {
        panic!("cannot read the conformance set {}: {error}", dir.display())
    });
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    paths.sort();

    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &paths {
        let file = path
            .file_stem()
            .map_or_else(String::new, |stem| stem.to_string_lossy().into_owned());
        let result = read_case(path).and_then(|case| {
            checked += 1;
            if case.name != file {
                return Err(format!("`name` is `{}`, the file is `{file}`", case.name));
            }
            check_case(&case).map_err(|error| format!("[{}] {error}", case.kind))
        });
        if let Err(error) = result {
            failures.push(format!("{file}: {error}"));
        }
    }

    assert!(checked > 0, "no conformance case in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases in {} failed:\n  {}",
        failures.len(),
        paths.len(),
        dir.display(),
        failures.join("\n  ")
    );
    assert_eq!(checked, paths.len(), "some case files could not be read");
    checked
}

#[test]
fn python_sdk_cases_round_trip() {
    let checked = check_dir(&committed_dir());
    // Every kind of the SDK's wire format is covered (the set's README lists them).
    assert_eq!(checked, 60, "the committed set has 60 cases");
}

#[test]
fn extra_python_sdk_cases_round_trip() {
    let Some(dir) = extra_dir() else {
        println!(
            "skipped: no extra conformance set (set CHATKIT_CONFORMANCE_DIR to check one); \
             the committed cases are checked by python_sdk_cases_round_trip"
        );
        return;
    };
    let checked = check_dir(&dir);
    println!("{checked} extra cases from {} round-trip", dir.display());
}
