//! `#[action_handler]` dispatch, end to end through the server: each handler shape runs
//! through the generated exhaustive `match` and the events it streams are asserted one by
//! one, with what the store holds afterwards.

use std::sync::Arc;

use chatkit_actions::handler::{
    ActionContext, HandlerError, HandlerResult, Respond, SyncActionContext, SyncResult,
};
use chatkit_actions::server::{ChatKitServer, Processed};
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_actions::thread::{SortOrder, ThreadItem, ThreadStreamEvent, UserMessageItem};
use chatkit_actions::widget::{Button, Card, Form, Text};
use chatkit_actions::{Action, action_handler};
use serde_json::{Value, json};

/// The tests send these without a widget (`item_id`), as a page's `sendCustomAction` does,
/// so every server action is declared `client_payload`.
#[derive(Action, Debug)]
enum AppAction {
    /// Newtype payload.
    #[action(client_payload)]
    SetCount(i64),
    /// A form action: `id` comes from the server, `title` and `description` from the form.
    #[action(client_payload)]
    UpdateTodo {
        id: String,
        title: String,
        #[serde(default)]
        description: String,
    },
    /// No payload.
    #[action(client_payload)]
    Refresh,
    /// The seed's `form_submit`: hidden context, then the model answers.
    #[action(client_payload)]
    FormSubmit {
        #[serde(rename = "formData")]
        form_data: String,
    },
    /// The seed's conditional action.
    #[action(client_payload)]
    ConditionalAction { threshold: i64 },
    /// Answered synchronously.
    #[action(streaming = false, client_payload)]
    Toggle { id: String },
    /// Shows a widget whose button sends `toggle`.
    #[action(client_payload)]
    ShowWidget,
    /// Fails with a message for the user.
    #[action(client_payload)]
    Fail,
    /// Fails with an internal error.
    #[action(client_payload)]
    Crash,
    /// Handled by the browser.
    #[action(handler = "client")]
    CopyText(String),
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn set_count(&self, count: i64, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message(format!("count is {count}"))
            .await?;
        Ok(())
    }

    async fn update_todo(
        &self,
        id: String,
        title: String,
        description: String,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        cx.add_hidden_context(format!(
            "<USER_ACTION>updated {id}: {title} / {description}</USER_ACTION>"
        ))
        .await?;
        cx.add_assistant_message(format!("Saved “{title}”."))
            .await?;
        Ok(())
    }

    async fn refresh(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.thread_mut().title = Some("Refreshed".into());
        Ok(())
    }

    async fn form_submit(&self, form_data: String, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_hidden_context(format!(
            "<USER_ACTION>Form submitted with data: {form_data}</USER_ACTION>"
        ))
        .await?;
        cx.respond().await
    }

    async fn conditional_action(
        &self,
        threshold: i64,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        let items = cx
            .store()
            .load_thread_items(&cx.thread().id, None, 100, SortOrder::Asc, cx.request())
            .await
            .map_err(HandlerError::store)?;
        let met = i64::try_from(items.data.len()).unwrap_or(i64::MAX) >= threshold;
        let text = if met {
            "Condition met!"
        } else {
            "Condition not met!"
        };
        cx.add_assistant_message(text).await?;
        Ok(())
    }

    async fn toggle(&self, id: String, cx: &mut SyncActionContext<()>) -> SyncResult {
        let widget = Card::new()
            .child(Text::new(format!("{id} toggled")))
            .child(Button::new("Toggle").on_click_action(AppAction::Toggle { id }));
        cx.replace_sender(widget).await.map(Some)
    }

    async fn show_widget(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let form = Form::new()
            .on_submit_action(AppAction::UpdateTodo {
                id: "t1".into(),
                title: String::new(),
                description: String::new(),
            })
            .child(Text::new("Title"));
        let widget = Card::new()
            .child(Button::new("Toggle").on_click_action(AppAction::Toggle { id: "t1".into() }))
            .child(form);
        cx.add_widget(widget).await?;
        Ok(())
    }

    async fn fail(&self, _cx: &mut ActionContext<()>) -> HandlerResult {
        Err(HandlerError::custom("That todo no longer exists."))
    }

    async fn crash(&self, _cx: &mut ActionContext<()>) -> HandlerResult {
        std::fs::read("/definitely/not/here")?;
        Ok(())
    }
}

/// The model's stand-in: says what it was asked about.
struct Echo;

impl Respond<()> for Echo {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        let text = input.map_or_else(|| "(after an action)".to_owned(), UserMessageItem::text);
        cx.add_assistant_message(format!("echo: {text}")).await?;
        Ok(())
    }
}

struct Harness {
    server: ChatKitServer<App>,
    store: MemoryStore,
    thread_id: String,
}

impl Harness {
    async fn new() -> Self {
        let store = MemoryStore::new();
        let server =
            ChatKitServer::with_shared_store(Arc::new(store.clone()), App).respond_with(Echo);
        let events = stream(&server, json!({
            "type": "threads.create",
            "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [], "inference_options": {}}}
        }))
        .await;
        let ThreadStreamEvent::ThreadCreated { thread } = &events[0] else {
            panic!("first event: {:?}", events[0]);
        };
        let thread_id = thread.id.clone();
        Harness {
            server,
            store,
            thread_id,
        }
    }

    async fn action(&self, action: Value, item_id: Option<&str>) -> Vec<ThreadStreamEvent> {
        let mut params = json!({"thread_id": self.thread_id, "action": action});
        if let Some(item_id) = item_id {
            params["item_id"] = json!(item_id);
        }
        stream(
            &self.server,
            json!({"type": "threads.custom_action", "params": params}),
        )
        .await
    }

    async fn items(&self) -> Vec<ThreadItem> {
        self.store
            .load_thread_items(&self.thread_id, None, 100, SortOrder::Asc, &())
            .await
            .unwrap()
            .data
    }
}

async fn stream(server: &ChatKitServer<App>, body: Value) -> Vec<ThreadStreamEvent> {
    match server
        .process(body.to_string().as_bytes(), ())
        .await
        .unwrap()
    {
        Processed::Stream(events) => events.collect_events().await,
        Processed::Json(json) => panic!("expected a stream, got {json:?}"),
    }
}

fn types(events: &[ThreadStreamEvent]) -> Vec<&'static str> {
    events.iter().map(ThreadStreamEvent::event_type).collect()
}

fn assistant_text(event: &ThreadStreamEvent) -> String {
    match event {
        ThreadStreamEvent::ItemDone {
            item: ThreadItem::AssistantMessage(message),
        } => message.text(),
        other => panic!("expected an assistant message, got {other:?}"),
    }
}

fn error_json(event: &ThreadStreamEvent) -> Value {
    match event {
        ThreadStreamEvent::Error(error) => serde_json::to_value(error).unwrap(),
        other => panic!("expected an error event, got {other:?}"),
    }
}

#[tokio::test]
async fn newtype_payload_reaches_its_handler() {
    let h = Harness::new().await;
    let events = h
        .action(json!({"type": "set_count", "payload": 3}), None)
        .await;
    assert_eq!(types(&events), ["stream_options", "thread.item.done"]);
    assert_eq!(assistant_text(&events[1]), "count is 3");
}

#[tokio::test]
async fn struct_variant_form_action_gets_the_form_values() {
    let h = Harness::new().await;
    // What the client sends for the seed's `update_todo` form: the server's `id`, merged
    // with the form fields `title` and `description`.
    let events = h
        .action(
            json!({"type": "update_todo", "payload": {"id": "t1", "title": "Buy milk", "description": "2 litres"}}),
            None,
        )
        .await;
    // The hidden context item is persisted but never streamed.
    assert_eq!(types(&events), ["stream_options", "thread.item.done"]);
    assert_eq!(assistant_text(&events[1]), "Saved “Buy milk”.");
    let hidden: Vec<_> = h
        .items()
        .await
        .into_iter()
        .filter_map(|item| match item {
            ThreadItem::HiddenContext(hidden) => Some(hidden.content),
            _ => None,
        })
        .collect();
    assert_eq!(
        hidden,
        [json!(
            "<USER_ACTION>updated t1: Buy milk / 2 litres</USER_ACTION>"
        )]
    );
}

#[tokio::test]
async fn unit_action_renaming_the_thread_announces_thread_updated() {
    let h = Harness::new().await;
    let events = h.action(json!({"type": "refresh"}), None).await;
    assert_eq!(types(&events), ["stream_options", "thread.updated"]);
    let ThreadStreamEvent::ThreadUpdated { thread } = &events[1] else {
        unreachable!()
    };
    assert_eq!(thread.title.as_deref(), Some("Refreshed"));
    let saved = h.store.load_thread(&h.thread_id, &()).await.unwrap();
    assert_eq!(saved.title.as_deref(), Some("Refreshed"));
}

#[tokio::test]
async fn form_submit_adds_hidden_context_then_hands_over_to_respond() {
    let h = Harness::new().await;
    let events = h
        .action(
            json!({"type": "form_submit", "payload": {"formData": "value"}}),
            None,
        )
        .await;
    assert_eq!(types(&events), ["stream_options", "thread.item.done"]);
    assert_eq!(assistant_text(&events[1]), "echo: (after an action)");
    let kinds: Vec<_> = h.items().await.iter().map(ThreadItem::item_type).collect();
    assert_eq!(
        kinds,
        [
            "user_message",
            "assistant_message",
            "hidden_context_item",
            "assistant_message"
        ]
    );
}

#[tokio::test]
async fn conditional_action_takes_the_path_the_state_decides() {
    let h = Harness::new().await;
    let events = h
        .action(
            json!({"type": "conditional_action", "payload": {"threshold": 1}}),
            None,
        )
        .await;
    assert_eq!(assistant_text(&events[1]), "Condition met!");
    let events = h
        .action(
            json!({"type": "conditional_action", "payload": {"threshold": 99}}),
            None,
        )
        .await;
    assert_eq!(assistant_text(&events[1]), "Condition not met!");
}

#[tokio::test]
async fn sync_action_returns_the_updated_widget_item() {
    let h = Harness::new().await;
    let events = h.action(json!({"type": "show_widget"}), None).await;
    let ThreadStreamEvent::ItemDone {
        item: ThreadItem::Widget(widget),
    } = &events[1]
    else {
        panic!("{events:?}");
    };
    let body = json!({
        "type": "threads.sync_custom_action",
        "params": {"thread_id": h.thread_id, "item_id": widget.id, "action": {"type": "toggle", "payload": {"id": "t1"}}}
    });
    let Processed::Json(json) = h
        .server
        .process(body.to_string().as_bytes(), ())
        .await
        .unwrap()
    else {
        panic!("expected JSON");
    };
    let response: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(response["updated_item"]["id"], json!(widget.id));
    assert_eq!(
        response["updated_item"]["widget"]["children"][0]["value"],
        json!("t1 toggled")
    );
}

#[tokio::test]
async fn sync_action_sent_as_a_streamed_request_is_an_error_event() {
    let h = Harness::new().await;
    let events = h
        .action(json!({"type": "toggle", "payload": {"id": "t1"}}), None)
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_json(&events[1]),
        json!({"code": "custom", "message": "action `toggle` is synchronous (`streaming: false`): send it with `threads.sync_custom_action`", "allow_retry": false})
    );
}

#[tokio::test]
async fn handler_error_becomes_an_error_event_with_its_message() {
    let h = Harness::new().await;
    let events = h.action(json!({"type": "fail"}), None).await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_json(&events[1]),
        json!({"code": "custom", "message": "That todo no longer exists.", "allow_retry": false})
    );
}

#[tokio::test]
async fn any_other_handler_error_is_the_generic_stream_error_with_retry() {
    let h = Harness::new().await;
    let events = h.action(json!({"type": "crash"}), None).await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_json(&events[1]),
        json!({"code": "stream.error", "allow_retry": true})
    );
}

#[tokio::test]
async fn client_action_reaching_the_server_is_refused_with_a_clear_error() {
    let h = Harness::new().await;
    let events = h
        .action(json!({"type": "copy_text", "payload": "hello"}), None)
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_json(&events[1]),
        json!({"code": "custom", "message": "action `copy_text` is handled by the client and cannot be sent to the server", "allow_retry": false})
    );
}

#[tokio::test]
async fn a_payload_of_the_wrong_shape_never_reaches_a_handler() {
    let h = Harness::new().await;
    let before = h.items().await.len();
    let events = h
        .action(json!({"type": "set_count", "payload": "three"}), None)
        .await;
    assert_eq!(types(&events), ["stream_options", "error"]);
    assert_eq!(
        error_json(&events[1]),
        json!({"code": "custom", "message": "invalid payload for action `set_count` at `payload`: invalid type: string \"three\", expected i64", "allow_retry": false})
    );
    assert_eq!(h.items().await.len(), before, "nothing was written");
}

/// An app that opted into the untyped escape hatch: unknown types reach `fallback`.
mod gradual {
    use chatkit_actions::RawAction;

    use super::*;

    #[derive(Action, Debug)]
    pub(super) enum TypedSoFar {
        #[action(client_payload)]
        Ping,
    }

    pub(super) struct Legacy;

    #[action_handler(TypedSoFar, fallback)]
    impl Legacy {
        async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult {
            cx.add_assistant_message("pong").await.map(drop)
        }

        async fn fallback(&self, action: RawAction, cx: &mut ActionContext<()>) -> HandlerResult {
            let payload = action.payload.unwrap_or_default();
            cx.add_assistant_message(format!("untyped {}: {payload}", action.action_type))
                .await
                .map(drop)
        }
    }
}

#[tokio::test]
async fn fallback_receives_unknown_types_only_when_opted_in() {
    let server = ChatKitServer::new(MemoryStore::new(), gradual::Legacy);
    let Processed::Stream(created) = server
        .process(
            br#"{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}]}}}"#,
            (),
        )
        .await
        .unwrap()
    else {
        panic!("expected a stream");
    };
    let events = created.collect_events().await;
    let ThreadStreamEvent::ThreadCreated { thread } = &events[0] else {
        panic!("{events:?}")
    };
    let send = |action: Value| {
        let body = json!({"type": "threads.custom_action", "params": {"thread_id": thread.id, "action": action}});
        let server = server.clone();
        async move {
            match server
                .process(body.to_string().as_bytes(), ())
                .await
                .unwrap()
            {
                Processed::Stream(events) => events.collect_events().await,
                Processed::Json(json) => panic!("expected a stream, got {json:?}"),
            }
        }
    };
    let events = send(json!({"type": "ping"})).await;
    assert_eq!(assistant_text(&events[1]), "pong");
    let events = send(json!({"type": "legacy.thing", "payload": {"a": 1}})).await;
    assert_eq!(
        assistant_text(&events[1]),
        r#"untyped legacy.thing: {"a":1}"#
    );
    // A known type with a bad payload is still rejected: the fallback is for unknown types.
    let events = send(json!({"type": "ping", "payload": {"a": 1}})).await;
    assert_eq!(types(&events), ["stream_options", "error"]);
}
