//! The todo backend end to end: the real HTTP server on 127.0.0.1:0, started in-process from
//! `chatkit_examples`, driven over HTTP as the ChatKit web client drives it (SSE streams of
//! `data:` frames, JSON answers), over `MemoryStore` and over SQLite.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chatkit_actions::ActionConfig;
use chatkit_actions::store::{MemoryStore, SqliteStore, Store};
use chatkit_actions::thread::{ErrorCode, SortOrder, ThreadItem, ThreadStreamEvent, WidgetItem};
use chatkit_actions::widget::{ActionSite, WidgetRoot};
use chatkit_examples::todo::server::{SharedStore, open_store};
use chatkit_examples::todo::{RunningServer, Session, start};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

// ---------------------------------------------------------------------------------------------
// Harness

/// A running todo backend and the store behind it.
struct Backend {
    server: RunningServer,
    store: SharedStore,
    http: reqwest::Client,
}

impl Backend {
    async fn start(store: SharedStore) -> Backend {
        Backend::start_limited(store, 0).await
    }

    async fn start_limited(store: SharedStore, rate_limit: u32) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let server = start(listener, Arc::clone(&store), rate_limit).expect("start the server");
        Backend {
            server,
            store,
            http: reqwest::Client::new(),
        }
    }

    async fn memory() -> Backend {
        Backend::start(Arc::new(MemoryStore::new())).await
    }

    async fn sqlite(db: &TempDb) -> Backend {
        let store = open_store(db.path_str()).expect("open the SQLite store");
        Backend::start(Arc::new(store)).await
    }

    async fn stop(self) {
        self.server.stop().await.expect("the server stops cleanly");
    }

    /// A client acting for `user`.
    fn user(&self, user: &str) -> Client<'_> {
        Client {
            backend: self,
            user: Some(user.to_owned()),
        }
    }

    /// Every item of a thread as the store has it, hidden ones included.
    async fn stored_items(&self, user: &str, thread_id: &str) -> Vec<ThreadItem> {
        let session = Session::new(user).expect("a valid user id");
        self.store
            .load_thread_items(thread_id, None, 100, SortOrder::Asc, &session)
            .await
            .expect("load the thread's items")
            .data
    }
}

/// What the web client does: POST a request to the endpoint, as one user.
struct Client<'a> {
    backend: &'a Backend,
    user: Option<String>,
}

impl Client<'_> {
    async fn post(&self, body: &Value) -> reqwest::Response {
        let mut request = self
            .backend
            .http
            .post(self.backend.server.endpoint_url())
            .json(body);
        if let Some(user) = &self.user {
            request = request.header("x-user-id", user);
        }
        request
            .send()
            .await
            .expect("the request reaches the server")
    }

    /// A streaming request: the events of its `text/event-stream` answer, each widget in
    /// them checked with `WidgetRoot::check`.
    async fn stream(&self, body: Value) -> Vec<ThreadStreamEvent> {
        let response = self.post(&body).await;
        assert_eq!(response.status(), StatusCode::OK, "{body}");
        let content_type = response.headers().get("content-type").cloned();
        assert_eq!(
            content_type.as_ref().and_then(|v| v.to_str().ok()),
            Some("text/event-stream")
        );
        let text = response.text().await.expect("read the stream");
        let events = parse_sse(&text);
        for event in &events {
            if let Some(ThreadItem::Widget(item)) = event.item() {
                assert_eq!(item.widget.check(), Ok(()), "{}", item.id);
            }
        }
        events
    }

    /// A JSON request: its status and body.
    async fn json(&self, body: Value) -> (StatusCode, Value) {
        let response = self.post(&body).await;
        let status = response.status();
        let body = response.json().await.expect("a JSON body");
        (status, body)
    }

    async fn create_thread(&self, text: &str) -> (String, Vec<ThreadStreamEvent>) {
        let events = self
            .stream(json!({
                "type": "threads.create",
                "params": { "input": user_input(text) },
            }))
            .await;
        let Some(ThreadStreamEvent::ThreadCreated { thread }) = events.first() else {
            panic!("a new thread's stream starts with thread.created: {events:#?}");
        };
        (thread.id.clone(), events)
    }

    async fn say(&self, thread_id: &str, text: &str) -> Vec<ThreadStreamEvent> {
        self.stream(json!({
            "type": "threads.add_user_message",
            "params": { "thread_id": thread_id, "input": user_input(text) },
        }))
        .await
    }

    /// Sends a widget's action as the client does: `threads.custom_action` with the widget
    /// item's id, the action's type and its payload merged with the form's values.
    async fn act(
        &self,
        thread_id: &str,
        item_id: &str,
        action: &ActionConfig,
        form: Value,
    ) -> Vec<ThreadStreamEvent> {
        self.stream(json!({
            "type": "threads.custom_action",
            "params": {
                "thread_id": thread_id,
                "item_id": item_id,
                "action": { "type": action.action_type, "payload": merge(action, form) },
            },
        }))
        .await
    }

    async fn items(&self, thread_id: &str) -> (StatusCode, Value) {
        self.json(json!({
            "type": "items.list",
            "params": { "thread_id": thread_id, "order": "asc" },
        }))
        .await
    }
}

fn user_input(text: &str) -> Value {
    json!({
        "content": [{ "type": "input_text", "text": text }],
        "attachments": [],
        "inference_options": {},
    })
}

/// The `data:` frames of an SSE body, as stream events.
fn parse_sse(text: &str) -> Vec<ThreadStreamEvent> {
    text.split("\n\n")
        .filter(|frame| !frame.trim().is_empty())
        .map(|frame| {
            let data = frame
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("an SSE data frame: {frame:?}"));
            serde_json::from_str(data)
                .unwrap_or_else(|error| panic!("a stream event ({error}): {data}"))
        })
        .collect()
}

/// The payload the client sends: the action's payload with the form's values added; none
/// at all for an action without payload outside a form.
fn merge(action: &ActionConfig, form: Value) -> Option<Value> {
    let Value::Object(form) = form else {
        return action.payload.clone();
    };
    if form.is_empty() {
        return action.payload.clone();
    }
    let mut payload = action.payload.clone().unwrap_or_else(|| json!({}));
    if let Some(payload) = payload.as_object_mut() {
        payload.extend(form);
    }
    Some(payload)
}

/// The message of the error event among `events` (empty when there is none).
fn error_message(events: &[ThreadStreamEvent]) -> String {
    events
        .iter()
        .find_map(|event| match event {
            ThreadStreamEvent::Error(error) => error.message.clone(),
            _ => None,
        })
        .unwrap_or_default()
}

fn types(events: &[ThreadStreamEvent]) -> Vec<&'static str> {
    events.iter().map(ThreadStreamEvent::event_type).collect()
}

/// The widget items of a list of events (done or replaced), in order.
fn widgets(events: &[ThreadStreamEvent]) -> Vec<WidgetItem> {
    events
        .iter()
        .filter_map(|event| event.item()?.as_widget().cloned())
        .collect()
}

/// The last widget item of a stream.
fn last_widget(events: &[ThreadStreamEvent]) -> WidgetItem {
    widgets(events)
        .pop()
        .unwrap_or_else(|| panic!("a widget in {events:#?}"))
}

/// The texts of the assistant messages of a list of events.
fn assistant_texts(events: &[ThreadStreamEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| Some(event.item()?.as_assistant_message()?.text()))
        .collect()
}

/// The action of type `action_type` in a widget, and where it sits.
fn site(widget: &WidgetRoot, action_type: &str) -> ActionSite {
    widget
        .action_sites()
        .into_iter()
        .find(|site| site.action.action_type == action_type)
        .unwrap_or_else(|| panic!("a `{action_type}` action in {widget:#?}"))
}

fn has_action(widget: &WidgetRoot, action_type: &str) -> bool {
    widget
        .action_sites()
        .iter()
        .any(|site| site.action.action_type == action_type)
}

/// The `<USER_ACTION>` notes among a thread's stored items.
fn notes(items: &[ThreadItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            ThreadItem::HiddenContext(note) => note.content.as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// A SQLite file in the temp directory, removed when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "chatkit-todo-{}-{}-{name}.db",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn path_str(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Runs a scenario once over `MemoryStore` and once over a SQLite file.
macro_rules! on_both_stores {
    ($($name:ident),+ $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    let backend = super::Backend::memory().await;
                    super::$name(&backend).await;
                    backend.stop().await;
                }
            )+
        }
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = super::TempDb::new(stringify!($name));
                    let backend = super::Backend::sqlite(&db).await;
                    super::$name(&backend).await;
                    backend.stop().await;
                }
            )+
        }
    };
}

on_both_stores!(
    add_then_complete_from_the_card,
    toggle_is_a_sync_action_answered_with_the_redrawn_list,
    acting_on_a_deleted_todo_is_a_friendly_error,
    card_as_form_adds_and_validates,
    edit_form_updates_the_todo_and_hands_over,
    clear_done_is_confirmed_and_conditional,
    select_opens_the_card_and_bad_payloads_are_rejected,
    users_cannot_see_each_other,
);

// ---------------------------------------------------------------------------------------------
// Scenarios

async fn add_then_complete_from_the_card(backend: &Backend) {
    let alice = backend.user("alice");
    let (thread_id, events) = alice.create_thread("add buy milk").await;
    assert_eq!(
        types(&events),
        [
            "thread.created",
            "thread.item.done", // the user's message
            "stream_options",
            "thread.item.done", // "Added todo #1"
            "thread.updated",   // title and todo list saved
            "thread.item.done", // the todo's card
        ]
    );
    assert_eq!(assistant_texts(&events), ["Added todo #1: “buy milk”."]);
    let card = last_widget(&events);
    assert!(has_action(&card.widget, "delete"));
    let ThreadStreamEvent::ThreadUpdated { thread } = &events[4] else {
        unreachable!()
    };
    assert_eq!(thread.title.as_deref(), Some("Todos"));
    assert!(thread.metadata.is_empty(), "metadata is server-private");

    // Click "Mark done" on the card.
    let complete = site(&card.widget, "complete");
    assert_eq!(complete.action.payload, Some(json!({ "id": 1 })));
    assert_eq!(complete.action.loading_behavior.as_str(), "self");
    let events = alice
        .act(&thread_id, &card.id, &complete.action, json!({}))
        .await;
    assert_eq!(
        types(&events),
        [
            "stream_options",
            "thread.updated",       // the list, saved in the thread
            "thread.item.replaced", // the card, redrawn
            "thread.item.done",     // "Done: …"
        ]
    );
    let redrawn = last_widget(&events);
    assert_eq!(redrawn.id, card.id, "the card is replaced in place");
    assert!(
        !has_action(&redrawn.widget, "complete"),
        "a done todo has no Mark done"
    );
    assert_eq!(
        assistant_texts(&events),
        ["Done: “buy milk”. 0 open todos left."]
    );

    // The store has what the client saw, and the note for the model.
    let (status, page) = alice.items(&thread_id).await;
    assert_eq!(status, StatusCode::OK);
    let items: Vec<ThreadItem> =
        serde_json::from_value(page["data"].clone()).expect("items of the page");
    let kinds: Vec<&str> = items.iter().map(ThreadItem::item_type).collect();
    assert_eq!(
        kinds,
        [
            "user_message",
            "assistant_message",
            "widget",
            "assistant_message"
        ]
    );
    assert_eq!(
        items[2].as_widget().map(|w| &w.widget),
        Some(&redrawn.widget)
    );
    let stored = backend.stored_items("alice", &thread_id).await;
    assert_eq!(
        notes(&stored),
        ["<USER_ACTION>Completed todo #1 “buy milk”</USER_ACTION>"]
    );

    // Completing again from the card as it was: the redrawn card offers no "Mark done" any
    // more, so the server refuses the stale action before the handler (provenance).
    let events = alice
        .act(&thread_id, &card.id, &complete.action, json!({}))
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_message(&events),
        format!(
            "action `complete` is not offered by widget `{}` (the widget may have changed since it was shown)",
            card.id
        )
    );

    // threads.get_by_id: the thread and its visible items.
    let (status, thread) = alice
        .json(json!({ "type": "threads.get_by_id", "params": { "thread_id": thread_id } }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(thread["title"], "Todos");
    assert_eq!(thread["metadata"], json!({}));
    // user, assistant, widget, assistant (the refused second "Mark done" wrote nothing)
    assert_eq!(thread["items"]["data"].as_array().map(Vec::len), Some(4));
}

async fn toggle_is_a_sync_action_answered_with_the_redrawn_list(backend: &Backend) {
    let alice = backend.user("alice");
    let (thread_id, _) = alice.create_thread("add buy milk").await;
    let _ = alice.say(&thread_id, "add call Anna").await;
    let events = alice.say(&thread_id, "list").await;
    assert_eq!(
        types(&events),
        [
            "thread.item.done",
            "stream_options",
            "thread.item.done",
            "thread.item.done"
        ]
    );
    assert_eq!(assistant_texts(&events), ["You have 2 todos open."]);
    let list = last_widget(&events);
    let toggle = site(&list.widget, "toggle");
    assert_eq!(toggle.action.payload, Some(json!({ "id": 1 })));
    assert!(!toggle.action.streaming);

    let (status, answer) = alice
        .json(json!({
            "type": "threads.sync_custom_action",
            "params": {
                "thread_id": thread_id,
                "item_id": list.id,
                "action": { "type": "toggle", "payload": toggle.action.payload },
            },
        }))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let updated: ThreadItem =
        serde_json::from_value(answer["updated_item"].clone()).expect("an updated item");
    let updated = updated.into_widget().expect("a widget item");
    assert_eq!(updated.id, list.id);
    assert_eq!(updated.widget.check(), Ok(()));
    let wire = serde_json::to_value(&updated.widget).expect("widget JSON");
    assert_eq!(wire["status"]["text"], "Todos · 1 open · 1 done");
    assert_eq!(wire["children"][0]["children"][0]["lineThrough"], true);

    // Saved: the list widget, the todo list, and the note.
    let stored = backend.stored_items("alice", &thread_id).await;
    let saved = stored.iter().find(|item| item.id() == list.id);
    assert_eq!(saved.and_then(ThreadItem::as_widget), Some(&updated));
    assert_eq!(
        notes(&stored),
        ["<USER_ACTION>Checked todo #1 “buy milk” in the list</USER_ACTION>"]
    );
    let events = alice.say(&thread_id, "list").await;
    assert_eq!(
        assistant_texts(&events),
        ["You have 1 todo open and 1 done."]
    );

    // A streamed action sent synchronously is refused without running.
    let (status, _) = alice
        .json(json!({
            "type": "threads.sync_custom_action",
            "params": {
                "thread_id": thread_id,
                "item_id": list.id,
                "action": { "type": "complete", "payload": { "id": 2 } },
            },
        }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn acting_on_a_deleted_todo_is_a_friendly_error(backend: &Backend) {
    let alice = backend.user("alice");
    let (thread_id, events) = alice.create_thread("add buy milk").await;
    let card = last_widget(&events);
    let delete = site(&card.widget, "delete");
    assert_eq!(delete.action.loading_behavior.as_str(), "container");
    let events = alice
        .act(&thread_id, &card.id, &delete.action, json!({}))
        .await;
    assert_eq!(
        types(&events),
        [
            "stream_options",
            "thread.updated",
            "thread.item.replaced",
            "thread.item.done"
        ]
    );
    assert!(!has_action(&last_widget(&events).widget, "complete"));
    assert_eq!(assistant_texts(&events), ["Deleted “buy milk”."]);

    // The old card is still on another client's screen: its "Mark done" is answered with one
    // error event, and nothing changes.
    let complete = site(&card.widget, "complete");
    let events = alice
        .act(&thread_id, &card.id, &complete.action, json!({}))
        .await;
    // The stored card no longer offers it, so provenance refuses it before the handler.
    assert_eq!(types(&events), ["stream_options", "error"]);
    let ThreadStreamEvent::Error(error) = &events[1] else {
        unreachable!()
    };
    assert_eq!(error.code, ErrorCode::Custom);
    assert_eq!(
        error.message.as_deref(),
        Some(format!("action `complete` is not offered by widget `{}` (the widget may have changed since it was shown)", card.id).as_str())
    );
    assert!(!error.allow_retry);
    let stored = backend.stored_items("alice", &thread_id).await;
    assert_eq!(notes(&stored).len(), 1, "only the delete left a note");

    // The server still answers.
    let events = alice.say(&thread_id, "list").await;
    assert_eq!(
        assistant_texts(&events),
        ["Your list is empty. Say “add <title>” to add a todo."]
    );
}

async fn card_as_form_adds_and_validates(backend: &Backend) {
    let alice = backend.user("alice");
    let (thread_id, events) = alice.create_thread("add").await;
    let card = last_widget(&events);
    let WidgetRoot::Card(form_card) = &*card.widget else {
        panic!("a Card: {card:#?}")
    };
    assert_eq!(form_card.as_form, Some(true));
    let confirm = site(&card.widget, "add_todo");
    assert!(
        confirm.form.is_some(),
        "the confirm action receives the card's fields"
    );

    // A blank title (a client that skips the browser's validation) breaks the field's
    // `pattern`, which the server checks too: refused before the handler.
    let events = alice
        .act(
            &thread_id,
            &card.id,
            &confirm.action,
            json!({ "title": "   ", "description": "" }),
        )
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_message(&events),
        r"form field `title` does not match its pattern `\S.*`"
    );

    let events = alice
        .act(
            &thread_id,
            &card.id,
            &confirm.action,
            json!({ "title": "Call Anna", "description": "about Sunday" }),
        )
        .await;
    assert_eq!(
        types(&events),
        [
            "stream_options",
            "thread.updated",       // the list
            "thread.item.replaced", // the form card becomes the todo's card
            "thread.item.done",     // the assistant, handed over to
        ]
    );
    let todo_card = last_widget(&events);
    assert_eq!(todo_card.id, card.id);
    assert!(has_action(&todo_card.widget, "complete"));
    assert_eq!(assistant_texts(&events), ["You have 1 todo open."]);

    // Cancel on another "new todo" card: the form values come along and are ignored.
    let events = alice.say(&thread_id, "add").await;
    let card = last_widget(&events);
    let cancel = site(&card.widget, "dismiss");
    let events = alice
        .act(
            &thread_id,
            &card.id,
            &cancel.action,
            json!({ "title": "never mind", "description": "" }),
        )
        .await;
    assert_eq!(types(&events), ["stream_options", "thread.item.replaced"]);
    let stored = backend.stored_items("alice", &thread_id).await;
    assert_eq!(
        notes(&stored),
        [
            "<USER_ACTION>Added todo #1 “Call Anna”</USER_ACTION>",
            "<USER_ACTION>Dismissed a card without changing anything</USER_ACTION>",
        ]
    );
}

async fn edit_form_updates_the_todo_and_hands_over(backend: &Backend) {
    let alice = backend.user("alice");
    let (thread_id, events) = alice.create_thread("add buy milk").await;
    let card = last_widget(&events);
    let save = site(&card.widget, "update_todo");
    assert_eq!(save.action.payload, Some(json!({ "id": 1 })));
    let fields: Vec<&str> = save
        .form
        .as_ref()
        .map(|form| {
            form.fields
                .iter()
                .map(|field| field.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(fields, ["title", "description"]);

    let events = alice
        .act(
            &thread_id,
            &card.id,
            &save.action,
            json!({ "title": "buy oat milk", "description": "two cartons" }),
        )
        .await;
    assert_eq!(
        types(&events),
        [
            "stream_options",
            "thread.updated",
            "thread.item.replaced",
            "thread.item.done"
        ]
    );
    let wire = serde_json::to_value(&last_widget(&events).widget).expect("widget JSON");
    let text = wire.to_string();
    assert!(
        text.contains("buy oat milk") && text.contains("two cartons"),
        "{text}"
    );
    assert_eq!(assistant_texts(&events), ["You have 1 todo open."]);

    let events = alice.say(&thread_id, "list").await;
    let list = serde_json::to_value(&last_widget(&events).widget).expect("widget JSON");
    assert_eq!(
        list["children"][0]["children"][0]["value"],
        "#1 buy oat milk"
    );
}

async fn clear_done_is_confirmed_and_conditional(backend: &Backend) {
    let alice = backend.user("alice");
    let (thread_id, _) = alice.create_thread("add buy milk").await;
    let events = alice.say(&thread_id, "clear done").await;
    assert_eq!(
        assistant_texts(&events),
        ["No todo is done yet, so there is nothing to clear."]
    );
    let _ = alice.say(&thread_id, "add call Anna").await;
    let events = alice.say(&thread_id, "done 1").await;
    assert_eq!(assistant_texts(&events), ["Marked “buy milk” done."]);

    let events = alice.say(&thread_id, "clear done").await;
    let card = last_widget(&events);
    let confirm = site(&card.widget, "clear_done");
    assert_eq!(confirm.action.loading_behavior.as_str(), "container");
    assert!(has_action(&card.widget, "dismiss"));

    let events = alice
        .act(&thread_id, &card.id, &confirm.action, json!({}))
        .await;
    assert_eq!(
        types(&events),
        [
            "stream_options",
            "thread.updated",
            "thread.item.replaced",
            "thread.item.done"
        ]
    );
    assert_eq!(assistant_texts(&events), ["You have 1 todo open."]);

    // The same confirm again: the card was replaced and offers it no more, so the stale
    // action is refused before the handler.
    let events = alice
        .act(&thread_id, &card.id, &confirm.action, json!({}))
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert!(
        error_message(&events).starts_with("action `clear_done` is not offered by widget"),
        "{events:?}"
    );
}

async fn select_opens_the_card_and_bad_payloads_are_rejected(backend: &Backend) {
    let alice = backend.user("alice");
    let (thread_id, _) = alice.create_thread("add buy milk").await;
    let events = alice.say(&thread_id, "list").await;
    let list = last_widget(&events);
    let select = site(&list.widget, "select_todo");
    let events = alice
        .act(&thread_id, &list.id, &select.action, json!({}))
        .await;
    assert_eq!(types(&events), ["stream_options", "thread.item.done"]);
    let card = last_widget(&events);
    assert_ne!(card.id, list.id, "a new widget");
    assert!(has_action(&card.widget, "complete"));

    // An imperative action (the page's `chatKit.sendAction`, no widget): `complete` is
    // strict, so it is refused; `select_todo` is declared `client_payload` (the seed's
    // chaining), so it runs, with nothing to redraw.
    let imperative = |action: Value| {
        json!({
            "type": "threads.custom_action",
            "params": { "thread_id": thread_id, "action": action },
        })
    };
    let events = alice
        .stream(imperative(
            json!({ "type": "complete", "payload": { "id": 1 } }),
        ))
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_message(&events),
        "action `complete` must come from a widget: send it with the `item_id` of the widget that offered it"
    );
    let events = alice
        .stream(imperative(
            json!({ "type": "select_todo", "payload": { "id": 1 } }),
        ))
        .await;
    assert_eq!(types(&events), ["stream_options", "thread.item.done"]);
    assert!(has_action(&last_widget(&events).widget, "complete"));

    // The client-handled action lives in the widget, and the server refuses it.
    let copy = site(&card.widget, "copy_title");
    assert_eq!(copy.action.handler.as_str(), "client");
    assert_eq!(copy.action.payload, Some(json!({ "title": "buy milk" })));
    let events = alice
        .act(&thread_id, &card.id, &copy.action, json!({}))
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);

    // An untrusted payload of the wrong shape never reaches a handler.
    let events = alice
        .stream(json!({
            "type": "threads.custom_action",
            "params": {
                "thread_id": thread_id,
                "item_id": card.id,
                "action": { "type": "complete", "payload": { "id": "1; drop table" } },
            },
        }))
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    let ThreadStreamEvent::Error(error) = &events[1] else {
        unreachable!()
    };
    let message = error.message.as_deref().unwrap_or_default();
    assert!(message.contains("payload.id"), "{message}");
}

async fn users_cannot_see_each_other(backend: &Backend) {
    let alice = backend.user("alice");
    let bob = backend.user("bob");
    let (thread_id, events) = alice.create_thread("add buy milk").await;
    let card = last_widget(&events);

    let (status, threads) = bob
        .json(json!({ "type": "threads.list", "params": {} }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(threads["data"], json!([]));
    let (status, _) = bob
        .json(json!({ "type": "threads.get_by_id", "params": { "thread_id": thread_id } }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // items.list answers another user's thread as an unknown one: `404`, as
    // threads.get_by_id does, never alice's items.
    let (status, page) = bob.items(&thread_id).await;
    assert_eq!(
        (status, &page["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("not_found")),
        "{page}"
    );
    assert!(page.get("data").is_none(), "{page}");
    let stored_before = backend.stored_items("alice", &thread_id).await;
    let complete = site(&card.widget, "complete");
    let response = bob
        .post(&json!({
            "type": "threads.custom_action",
            "params": {
                "thread_id": thread_id,
                "item_id": card.id,
                "action": { "type": "complete", "payload": complete.action.payload },
            },
        }))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Nor may bob write to it in any other way: a message, a retry, a rename, a delete.
    let attempts = [
        json!({"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input("done 1")}}),
        json!({"type": "threads.sync_custom_action", "params": {"thread_id": thread_id, "item_id": card.id, "action": {"type": "complete", "payload": complete.action.payload}}}),
        json!({"type": "threads.update", "params": {"thread_id": thread_id, "title": "bob was here"}}),
        json!({"type": "threads.retry_after_item", "params": {"thread_id": thread_id, "item_id": card.id}}),
    ];
    for attempt in &attempts {
        let response = bob.post(attempt).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{attempt}");
    }
    let (status, _) = bob
        .json(json!({ "type": "threads.delete", "params": { "thread_id": thread_id } }))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the SDK answers {{}} whatever the thread"
    );
    assert_eq!(
        backend.stored_items("alice", &thread_id).await,
        stored_before,
        "bob wrote nothing to alice's thread"
    );

    // Without the header a request is "anonymous", who sees nothing of alice's either.
    let anonymous = Client {
        backend,
        user: None,
    };
    let (status, threads) = anonymous
        .json(json!({ "type": "threads.list", "params": {} }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(threads["data"], json!([]));

    // Alice still sees her thread, untouched by bob's attempt.
    let (_, threads) = alice
        .json(json!({ "type": "threads.list", "params": {} }))
        .await;
    assert_eq!(threads["data"][0]["id"], thread_id);
    let events = alice.say(&thread_id, "list").await;
    assert_eq!(assistant_texts(&events), ["You have 1 todo open."]);

    // An invalid user id is refused before anything runs.
    let response = backend
        .http
        .post(backend.server.endpoint_url())
        .header("x-user-id", "two words")
        .json(&json!({ "type": "threads.list", "params": {} }))
        .send()
        .await
        .expect("the request reaches the server");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], "invalid_user");
}

// ---------------------------------------------------------------------------------------------
// Persistence

#[tokio::test]
async fn the_list_survives_a_restart_on_the_same_sqlite_file() {
    let db = TempDb::new("restart");

    let backend = Backend::sqlite(&db).await;
    let (thread_id, _) = backend.user("alice").create_thread("add buy milk").await;
    let _ = backend.user("alice").say(&thread_id, "add call Anna").await;
    let _ = backend.user("alice").say(&thread_id, "done 2").await;
    backend.stop().await;

    let backend = Backend::sqlite(&db).await;
    let alice = backend.user("alice");
    let (_, threads) = alice
        .json(json!({ "type": "threads.list", "params": {} }))
        .await;
    assert_eq!(threads["data"][0]["id"], thread_id);
    let events = alice.say(&thread_id, "list").await;
    assert_eq!(
        assistant_texts(&events),
        ["You have 1 todo open and 1 done."]
    );
    let list = serde_json::to_value(&last_widget(&events).widget).expect("widget JSON");
    assert_eq!(list["children"][0]["children"][0]["value"], "#1 buy milk");
    assert_eq!(list["children"][1]["children"][0]["value"], "#2 call Anna");
    assert_eq!(list["children"][1]["children"][0]["lineThrough"], true);
    // Numbers keep counting from where they were.
    let events = alice.say(&thread_id, "add water the plants").await;
    assert_eq!(
        assistant_texts(&events),
        ["Added todo #3: “water the plants”."]
    );
    backend.stop().await;

    // The file is an ordinary store: read it directly.
    let store = SqliteStore::open(db.path_str()).expect("reopen the file");
    let session = Session::new("alice").expect("a valid user id");
    let thread = store
        .load_thread(&thread_id, &session)
        .await
        .expect("the thread");
    assert_eq!(thread.metadata["todos"]["next_id"], 4);
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

#[tokio::test]
async fn each_user_gets_a_number_of_requests_a_minute() {
    let backend = Backend::start_limited(Arc::new(MemoryStore::new()), 3).await;
    let list = json!({ "type": "threads.list", "params": {} });
    for _ in 0..3 {
        let (status, _) = backend.user("alice").json(list.clone()).await;
        assert_eq!(status, StatusCode::OK);
    }
    let response = backend.user("alice").post(&list).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // Three a minute: the next one in 20 s (the library's GCRA refills one every 60 s / 3).
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("20")
    );
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], "rate_limited");
    let (status, _) = backend.user("bob").json(list).await;
    assert_eq!(status, StatusCode::OK, "bob has his own budget");
    backend.stop().await;
}
