//! Untrusted actions: every attack a client can make on a widget's action, through the
//! server, each answered before any handler runs, with the exact error event (or 422), and
//! with nothing written to the store. The README's "Untrusted input" table lists them.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use chatkit_actions::handler::{ActionContext, HandlerResult, SyncActionContext, SyncResult};
use chatkit_actions::server::{ChatKitServer, ProcessError, Processed};
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_actions::thread::{SortOrder, ThreadItem, ThreadStreamEvent, WidgetItem};
use chatkit_actions::validate::{ValidateAction, ValidationError};
use chatkit_actions::widget::WidgetRoot;
use chatkit_actions::{Action, action_handler};
use serde_json::{Value, json};

#[derive(Action, Debug)]
enum AppAction {
    /// The form's submit: `id` set by the server, the rest from the card's fields.
    Save {
        id: u64,
        #[action(form)]
        #[serde(default)]
        title: String,
        #[action(form)]
        #[serde(default)]
        code: String,
        #[action(form)]
        #[serde(default)]
        color: String,
        #[action(form)]
        #[serde(default)]
        due: String,
    },
    /// A button outside the form, with a server-set payload.
    Delete { id: u64 },
    /// Never offered by the widget.
    Purge,
    /// Built by a client handler (the seed's chaining): no provenance check.
    #[action(client_payload)]
    Chained { id: u64 },
    /// A payload with a secret.
    SignIn {
        user: String,
        #[action(sensitive)]
        pin: u64,
    },
    /// Answered synchronously.
    #[action(streaming = false)]
    Toggle { id: u64 },
}

impl ValidateAction for AppAction {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut error = ValidationError::new();
        if let AppAction::Save { title, .. } = self
            && title == "Forbidden"
        {
            error.push("title", "is reserved");
        }
        if let AppAction::Delete { id } | AppAction::Chained { id } = self
            && *id == 0
        {
            error.push("id", "must not be 0");
        }
        error.into_result()
    }
}

struct App;

#[action_handler(AppAction, validate)]
impl App {
    async fn save(
        &self,
        id: u64,
        title: String,
        code: String,
        color: String,
        due: String,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        cx.add_assistant_message(format!("saved {id}: {title} {code} {color} {due}"))
            .await
            .map(drop)
    }

    async fn delete(&self, id: u64, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message(format!("deleted {id}"))
            .await
            .map(drop)
    }

    async fn purge(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message("purged").await.map(drop)
    }

    async fn chained(&self, id: u64, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message(format!("chained {id}"))
            .await
            .map(drop)
    }

    async fn sign_in(&self, user: String, pin: u64, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = pin;
        cx.add_assistant_message(format!("hello {user}"))
            .await
            .map(drop)
    }

    async fn toggle(&self, id: u64, cx: &mut SyncActionContext<()>) -> SyncResult {
        let _ = (id, cx);
        Ok(None)
    }
}

const WIDGET: &str = "wid_form";

fn widget() -> WidgetRoot {
    serde_json::from_value(json!({
        "type": "Card",
        "asForm": true,
        "children": [
            {"type": "Input", "name": "title", "required": true, "pattern": "[A-Za-z ]+"},
            {"type": "Input", "name": "code", "pattern": "\\d{3}"},
            {"type": "Select", "name": "color", "options": [
                {"value": "red", "label": "Red"},
                {"value": "blue", "label": "Blue"}
            ]},
            {"type": "DatePicker", "name": "due", "min": "2024-01-01", "max": "2024-12-31"},
            {"type": "Button", "label": "Save", "onClickAction": {"type": "save", "payload": {"id": 7}}},
        ],
        "confirm": {"label": "Toggle", "action": {"type": "toggle", "payload": {"id": 7}, "streaming": false}},
        "cancel": {"label": "Delete", "action": {"type": "delete", "payload": {"id": 7}}},
    }))
    .expect("a valid widget")
}

/// The log lines, captured by a `tracing` subscriber writing into a buffer.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Harness {
    server: ChatKitServer<App>,
    store: MemoryStore,
    thread_id: String,
    logs: Logs,
    _log_guard: tracing::subscriber::DefaultGuard,
}

impl Harness {
    async fn new() -> Self {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        // The tests run on a current-thread runtime, so the spawned pipelines log here too.
        let log_guard = tracing::subscriber::set_default(subscriber);
        let store = MemoryStore::new();
        let server = ChatKitServer::with_shared_store(Arc::new(store.clone()), App);
        let events = stream(&server, json!({
            "type": "threads.create",
            "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [], "inference_options": {}}}
        }))
        .await;
        let Some(ThreadStreamEvent::ThreadCreated { thread }) = events.first() else {
            panic!("first event: {events:?}");
        };
        let thread_id = thread.id.clone();
        let item = ThreadItem::Widget(WidgetItem::new(WIDGET, thread_id.clone(), widget()));
        store
            .add_thread_item(&thread_id, &item, &())
            .await
            .expect("the widget is stored");
        Harness {
            server,
            store,
            thread_id,
            logs,
            _log_guard: log_guard,
        }
    }

    async fn act(&self, action: Value, item_id: Option<&str>) -> Vec<ThreadStreamEvent> {
        stream(
            &self.server,
            self.body("threads.custom_action", action, item_id),
        )
        .await
    }

    fn body(&self, request: &str, action: Value, item_id: Option<&str>) -> Value {
        let mut params = json!({"thread_id": self.thread_id});
        params["action"] = action;
        if let Some(item_id) = item_id {
            params["item_id"] = json!(item_id);
        }
        json!({"type": request, "params": params})
    }

    async fn stored(&self) -> (Vec<ThreadItem>, Value) {
        let items = self
            .store
            .load_thread_items(&self.thread_id, None, 100, SortOrder::Asc, &())
            .await
            .expect("items")
            .data;
        let thread = self
            .store
            .load_thread(&self.thread_id, &())
            .await
            .expect("thread");
        (items, serde_json::to_value(thread).expect("thread json"))
    }

    /// Sends `action` from the widget and asserts the one error event it gets, with the
    /// store as it was.
    async fn refused(&self, action: Value, item_id: Option<&str>, message: &str) {
        let before = self.stored().await;
        let events = self.act(action, item_id).await;
        let types: Vec<_> = events.iter().map(ThreadStreamEvent::event_type).collect();
        assert_eq!(types, ["stream_options", "error"], "{events:?}");
        assert_eq!(
            serde_json::to_value(&events[1]).expect("event json"),
            json!({"type": "error", "code": "custom", "message": message, "allow_retry": false})
        );
        assert_eq!(self.stored().await, before, "nothing is written");
    }
}

async fn stream(server: &ChatKitServer<App>, body: Value) -> Vec<ThreadStreamEvent> {
    match server.process(body.to_string().as_bytes(), ()).await {
        Ok(Processed::Stream(events)) => events.collect_events().await,
        other => panic!("expected a stream, got {other:?}"),
    }
}

fn save(payload: Value) -> Value {
    let mut action = json!({"type": "save"});
    action["payload"] = payload;
    action
}

#[tokio::test]
async fn a_genuine_form_submit_reaches_the_handler() {
    let h = Harness::new().await;
    let events = h
        .act(
            save(json!({"id": 7, "title": "Call Anna", "code": "123", "color": "red", "due": "2024-06-01"})),
            Some(WIDGET),
        )
        .await;
    let types: Vec<_> = events.iter().map(ThreadStreamEvent::event_type).collect();
    assert_eq!(types, ["stream_options", "thread.item.done"], "{events:?}");
}

#[tokio::test]
async fn forged_type_is_refused_and_logged() {
    let h = Harness::new().await;
    h.refused(
        json!({"type": "purge"}),
        Some(WIDGET),
        "action `purge` is not offered by widget `wid_form` (the widget may have changed since it was shown)",
    )
    .await;
    let logs = h.logs.text();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("forged action"), "{logs}");
    assert!(logs.contains("action=purge"), "{logs}");
    assert!(logs.contains(&format!("thread={}", h.thread_id)), "{logs}");
}

#[tokio::test]
async fn tampered_server_field_is_refused() {
    let h = Harness::new().await;
    h.refused(
        json!({"type": "delete", "payload": {"id": 8}}),
        Some(WIDGET),
        "action `delete` does not match what widget `wid_form` offered: payload field `id` was changed",
    )
    .await;
    // A field the widget never had is tampering too.
    h.refused(
        json!({"type": "delete", "payload": {"id": 7, "cascade": true}}),
        Some(WIDGET),
        "action `delete` does not match what widget `wid_form` offered: payload field `cascade` was changed",
    )
    .await;
    assert!(h.logs.text().contains("tampered action"));
}

#[tokio::test]
async fn imperative_action_needs_client_payload() {
    let h = Harness::new().await;
    h.refused(
        json!({"type": "delete", "payload": {"id": 7}}),
        None,
        "action `delete` must come from a widget: send it with the `item_id` of the widget that offered it",
    )
    .await;
    // Declared `client_payload`: accepted without a widget, and from a widget that does not
    // offer it.
    for item in [None, Some(WIDGET)] {
        let events = h
            .act(json!({"type": "chained", "payload": {"id": 3}}), item)
            .await;
        let types: Vec<_> = events.iter().map(ThreadStreamEvent::event_type).collect();
        assert_eq!(types, ["stream_options", "thread.item.done"], "{events:?}");
    }
}

#[tokio::test]
async fn missing_required_field_is_refused() {
    let h = Harness::new().await;
    h.refused(
        save(json!({"id": 7, "code": "123"})),
        Some(WIDGET),
        "form field `title` is required",
    )
    .await;
    h.refused(
        save(json!({"id": 7, "title": ""})),
        Some(WIDGET),
        "form field `title` is required",
    )
    .await;
}

#[tokio::test]
async fn pattern_bypass_is_refused() {
    let h = Harness::new().await;
    h.refused(
        save(json!({"id": 7, "title": "Robert'); DROP TABLE todos;--"})),
        Some(WIDGET),
        "form field `title` does not match its pattern `[A-Za-z ]+`",
    )
    .await;
    // The whole value must match, and `\d` is ASCII as in JavaScript.
    for code in ["1234", "12", "١٢٣"] {
        h.refused(
            save(json!({"id": 7, "title": "Ok", "code": code})),
            Some(WIDGET),
            r"form field `code` does not match its pattern `\d{3}`",
        )
        .await;
    }
}

#[tokio::test]
async fn option_outside_the_list_is_refused() {
    let h = Harness::new().await;
    h.refused(
        save(json!({"id": 7, "title": "Ok", "color": "green"})),
        Some(WIDGET),
        "form field `color` is not one of its options",
    )
    .await;
}

#[tokio::test]
async fn date_outside_min_max_is_refused() {
    let h = Harness::new().await;
    h.refused(
        save(json!({"id": 7, "title": "Ok", "due": "2023-12-31"})),
        Some(WIDGET),
        "form field `due` is before its minimum 2024-01-01",
    )
    .await;
    h.refused(
        save(json!({"id": 7, "title": "Ok", "due": "2025-01-01T09:00:00Z"})),
        Some(WIDGET),
        "form field `due` is after its maximum 2024-12-31",
    )
    .await;
    h.refused(
        save(json!({"id": 7, "title": "Ok", "due": "tomorrow"})),
        Some(WIDGET),
        "form field `due` is not a date",
    )
    .await;
}

#[tokio::test]
async fn validation_hook_rejects_before_the_handler() {
    let h = Harness::new().await;
    h.refused(
        save(json!({"id": 7, "title": "Forbidden"})),
        Some(WIDGET),
        "action `save` is invalid: `title`: is reserved",
    )
    .await;
    h.refused(
        json!({"type": "chained", "payload": {"id": 0}}),
        None,
        "action `chained` is invalid: `id`: must not be 0",
    )
    .await;
    assert!(h.logs.text().contains("action failed validation"));
}

#[tokio::test]
async fn sensitive_values_never_reach_the_event_or_the_log() {
    let h = Harness::new().await;
    h.refused(
        json!({"type": "sign_in", "payload": {"user": "ann", "pin": "hunter2"}}),
        Some(WIDGET),
        "invalid payload for action `sign_in` at `payload.pin`: invalid value (redacted)",
    )
    .await;
    let logs = h.logs.text();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("action=sign_in"), "{logs}");
    assert!(logs.contains("invalid value (redacted)"), "{logs}");
    assert!(!logs.contains("hunter2"), "{logs}");
    // A field that is not sensitive keeps serde's message.
    h.refused(
        json!({"type": "sign_in", "payload": {"user": 5, "pin": 1}}),
        Some(WIDGET),
        "invalid payload for action `sign_in` at `payload.user`: invalid type: integer `5`, expected a string",
    )
    .await;
}

#[tokio::test]
async fn sync_actions_get_the_same_checks_as_a_422() {
    let h = Harness::new().await;
    let before = h.stored().await;
    let body = h.body(
        "threads.sync_custom_action",
        json!({"type": "toggle", "payload": {"id": 9}}),
        Some(WIDGET),
    );
    let error = match h.server.process(body.to_string().as_bytes(), ()).await {
        Err(error) => error,
        Ok(other) => panic!("expected a refusal, got {other:?}"),
    };
    assert!(matches!(error, ProcessError::Rejected(_)), "{error:?}");
    assert_eq!(error.status(), 422);
    assert_eq!(
        error.to_string(),
        "action `toggle` does not match what widget `wid_form` offered: payload field `id` was changed"
    );
    assert_eq!(h.stored().await, before);

    // The confirm button of an `asForm` card gets the card's fields, and their constraints.
    let body = h.body(
        "threads.sync_custom_action",
        json!({"type": "toggle", "payload": {"id": 7}}),
        Some(WIDGET),
    );
    let error = h.server.process(body.to_string().as_bytes(), ()).await;
    assert_eq!(
        error.err().map(|error| error.to_string()),
        Some("form field `title` is required".to_owned())
    );
    let body = h.body(
        "threads.sync_custom_action",
        json!({"type": "toggle", "payload": {"id": 7, "title": "Ok"}}),
        Some(WIDGET),
    );
    assert!(
        h.server
            .process(body.to_string().as_bytes(), ())
            .await
            .is_ok()
    );
}
