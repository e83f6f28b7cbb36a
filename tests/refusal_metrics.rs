//! The refusals `tests/operations.rs` cannot reach through the todo backend (it has no
//! authorization check, no validation hook and no form constraint a scripted client breaks
//! without its widget), each counted under its own `reason` in `chatkit_refusals_total`.
//! A test binary of its own: the Prometheus recorder is global to the process.

use std::sync::Arc;

use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::server::{AuthRequest, ChatKitServer, Denied, ProcessError, Processed};
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_actions::telemetry::install_prometheus;
use chatkit_actions::thread::{ThreadItem, ThreadStreamEvent, WidgetItem};
use chatkit_actions::validate::{ValidateAction, ValidationError};
use chatkit_actions::widget::WidgetRoot;
use chatkit_actions::{Action, action_handler};
use serde_json::{Value, json};

#[derive(Action, Debug)]
enum AppAction {
    /// The form's submit: `title` comes from the form's required input.
    Save {
        #[action(form)]
        #[serde(default)]
        title: String,
    },
    /// Refused by the authorization check.
    #[action(client_payload)]
    Purge,
}

impl ValidateAction for AppAction {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut error = ValidationError::new();
        if let AppAction::Save { title } = self
            && title == "Forbidden"
        {
            error.push("title", "is reserved");
        }
        error.into_result()
    }
}

struct App;

#[action_handler(AppAction, validate)]
impl App {
    async fn save(&self, title: String, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message(format!("saved {title}"))
            .await
            .map(drop)
    }

    async fn purge(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message("purged").await.map(drop)
    }
}

const WIDGET: &str = "wid_form";

async fn events(server: &ChatKitServer<App>, body: &Value) -> Vec<ThreadStreamEvent> {
    match server.process(body.to_string().as_bytes(), ()).await {
        Ok(Processed::Stream(stream)) => stream.collect_events().await,
        other => panic!("expected a stream, got {other:?}"),
    }
}

/// The value of `chatkit_refusals_total{reason=…}` in the Prometheus text, 0 when absent.
fn refusals(text: &str, reason: &str) -> u64 {
    let prefix = format!("chatkit_refusals_total{{reason=\"{reason}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map_or(0, |value| value.trim().parse().expect("a count"))
}

#[tokio::test]
async fn authorization_validation_and_form_constraint_refusals_are_counted() {
    let metrics = install_prometheus().expect("the only recorder of this process");
    let store = MemoryStore::new();
    let server = ChatKitServer::with_shared_store(Arc::new(store.clone()), App).authorize(
        |(): &(), request: &AuthRequest<'_>| match request.action_type() {
            Some("purge") => Err(Denied::new("nobody may purge")),
            _ => Ok(()),
        },
    );
    let created = events(
        &server,
        &json!({"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [], "inference_options": {}}}}),
    )
    .await;
    let Some(ThreadStreamEvent::ThreadCreated { thread }) = created.first() else {
        panic!("first event: {created:?}");
    };
    let thread_id = thread.id.clone();
    let form: WidgetRoot = serde_json::from_value(json!({
        "type": "Card",
        "asForm": true,
        "children": [
            {"type": "Input", "name": "title", "required": true},
            {"type": "Button", "label": "Save", "onClickAction": {"type": "save", "payload": {}}},
        ],
    }))
    .expect("a valid widget");
    store
        .add_thread_item(
            &thread_id,
            &ThreadItem::Widget(WidgetItem::new(WIDGET, thread_id.clone(), form)),
            &(),
        )
        .await
        .expect("the widget is stored");
    let save = |title: &str| json!({"type": "threads.custom_action", "params": {"thread_id": thread_id, "item_id": WIDGET, "action": {"type": "save", "payload": {"title": title}}}});

    // A form constraint: the required title is empty.
    let empty = events(&server, &save("")).await;
    assert!(
        matches!(empty.last(), Some(ThreadStreamEvent::Error(error)) if error.message.as_deref() == Some("form field `title` is required")),
        "{empty:?}"
    );
    // Validation: the hook refuses the title.
    let reserved = events(&server, &save("Forbidden")).await;
    assert!(
        matches!(reserved.last(), Some(ThreadStreamEvent::Error(error)) if error.message.as_deref() == Some("action `save` is invalid: `title`: is reserved")),
        "{reserved:?}"
    );
    // Authorization: a 403 before anything runs.
    let purge = json!({"type": "threads.custom_action", "params": {"thread_id": thread_id, "action": {"type": "purge"}}});
    let denied = server.process(purge.to_string().as_bytes(), ()).await;
    assert!(
        matches!(&denied, Err(error @ ProcessError::Forbidden(_)) if error.status() == 403),
        "{denied:?}"
    );
    // An accepted save is no refusal.
    let saved = events(&server, &save("Milk")).await;
    assert!(
        !saved
            .iter()
            .any(|event| matches!(event, ThreadStreamEvent::Error(_))),
        "{saved:?}"
    );

    let text = metrics.render();
    assert_eq!(refusals(&text, "form_constraint"), 1, "{text}");
    assert_eq!(refusals(&text, "validation"), 1, "{text}");
    assert_eq!(refusals(&text, "authorization"), 1, "{text}");
    assert_eq!(refusals(&text, "provenance"), 0, "{text}");
    assert_eq!(refusals(&text, "parse"), 0, "{text}");
}
