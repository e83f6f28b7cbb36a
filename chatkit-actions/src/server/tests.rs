//! Tests of the server through its request API: widgets streamed and updated by handlers,
//! and the widget check on every path a widget leaves a handler.

use futures_util::stream;
use serde::Serialize;
use serde_json::{Value, json};

use crate::ActionConfig;
use crate::handler::{ActionContext, HandlerResult, SyncActionContext, SyncResult};
use crate::server::{ChatKitServer, ProcessError, Processed};
use crate::store::MemoryStore;
use crate::thread::{SortOrder, ThreadItem, ThreadItemUpdate, ThreadStreamEvent, WidgetItem};
use crate::widget::{Card, Form, Input, Text, WidgetRoot};
use crate::{Action, action_handler};

/// The tests send these directly, not from a widget that offered them: they are
/// declared `client_payload` so provenance lets them through.
#[derive(Action, Debug)]
enum WidgetAction {
    /// Streams a Card with one `Text{id: "text"}` per value.
    #[action(client_payload)]
    Stream(Vec<String>),
    /// Updates the sender to this widget.
    #[action(client_payload)]
    Update(WidgetRoot),
    /// Shows a static widget.
    #[action(client_payload)]
    Show(WidgetRoot),
    /// Replaces the sender with this widget.
    #[action(client_payload)]
    Replace(WidgetRoot),
    /// Emits a widget item with this widget by hand.
    #[action(client_payload)]
    Emit(WidgetRoot),
    /// Streams these states.
    #[action(client_payload)]
    StreamRoots(Vec<WidgetRoot>),
    /// Answers with the sender replaced by this widget.
    #[action(client_payload, streaming = false)]
    SyncReplace(WidgetRoot),
    /// Answers with a new widget item.
    #[action(client_payload, streaming = false)]
    SyncAdd(WidgetRoot),
    /// Answers with a widget item it built itself, unsaved.
    #[action(client_payload, streaming = false)]
    SyncReturn(WidgetRoot),
    /// Leaves a note for the model and renames the thread, answering nothing.
    #[action(client_payload, streaming = false)]
    SyncNote(String),
}

struct App;

#[action_handler(WidgetAction)]
impl App {
    async fn stream(&self, values: Vec<String>, cx: &mut ActionContext<()>) -> HandlerResult {
        let states = values.into_iter().map(|value| status(&value, "text"));
        // Yield between states, as a real producer would.
        let states = stream::unfold(states, |mut states| async move {
            tokio::task::yield_now().await;
            states.next().map(|state| (state, states))
        });
        let item = cx.stream_widget(states).await?;
        cx.add_hidden_context(format!("streamed {}", item.id)).await
    }

    async fn update(&self, widget: WidgetRoot, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.update_sender(widget).await
    }

    async fn show(&self, widget: WidgetRoot, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_widget(widget).await.map(drop)
    }

    async fn replace(&self, widget: WidgetRoot, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.replace_sender(widget).await
    }

    async fn emit(&self, widget: WidgetRoot, cx: &mut ActionContext<()>) -> HandlerResult {
        let item = WidgetItem::new("wid_emitted", cx.thread().id.clone(), widget);
        cx.emit(ThreadStreamEvent::item_done(item)).await
    }

    async fn stream_roots(
        &self,
        widgets: Vec<WidgetRoot>,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        cx.stream_widget(stream::iter(widgets)).await.map(drop)
    }

    async fn sync_replace(&self, widget: WidgetRoot, cx: &mut SyncActionContext<()>) -> SyncResult {
        cx.replace_sender(widget).await.map(Some)
    }

    async fn sync_add(&self, widget: WidgetRoot, cx: &mut SyncActionContext<()>) -> SyncResult {
        Ok(Some(cx.add_widget(widget).await?.into()))
    }

    async fn sync_return(&self, widget: WidgetRoot, cx: &mut SyncActionContext<()>) -> SyncResult {
        let item = WidgetItem::new("wid_returned", cx.thread().id.clone(), widget);
        Ok(Some(item.into()))
    }

    async fn sync_note(&self, note: String, cx: &mut SyncActionContext<()>) -> SyncResult {
        cx.add_hidden_context(note.clone()).await?;
        cx.thread_mut().title = Some(note);
        Ok(None)
    }
}

fn status(value: &str, id: &str) -> Card {
    Card::new().child(Text::new(value).id(id))
}

/// The widget most senders show before an action changes it.
fn saving() -> Card {
    status("Saving", "status")
}

struct Harness {
    server: ChatKitServer<App>,
    thread_id: String,
}

impl Harness {
    async fn new() -> Self {
        let server = ChatKitServer::new(MemoryStore::new(), App);
        let body = json!({
            "type": "threads.create",
            "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [], "inference_options": {}}}
        });
        let events = run(&server, &body).await;
        let Some(ThreadStreamEvent::ThreadCreated { thread }) = events.first() else {
            panic!("expected thread.created, got {events:?}");
        };
        let thread_id = thread.id.clone();
        Harness { server, thread_id }
    }

    /// Saves a widget item to act as the sender.
    async fn sender(&self, widget: impl Into<WidgetRoot>) -> String {
        let item = WidgetItem::new("wid_1", self.thread_id.clone(), widget.into());
        self.server
            .store()
            .add_thread_item(&self.thread_id, &ThreadItem::Widget(item), &())
            .await
            .unwrap();
        "wid_1".to_owned()
    }

    /// The params of a custom action of this `kind` with this `payload`, sent by `item_id`.
    fn params(&self, kind: &str, payload: impl Serialize, item_id: Option<&str>) -> Value {
        let mut params = json!({
            "thread_id": self.thread_id,
            "action": {"type": kind, "payload": payload},
        });
        if let Some(item_id) = item_id {
            params["item_id"] = json!(item_id);
        }
        params
    }

    /// Runs a streamed action; the events after `stream_options`.
    async fn act(
        &self,
        kind: &str,
        payload: impl Serialize,
        item_id: Option<&str>,
    ) -> Vec<ThreadStreamEvent> {
        let params = self.params(kind, payload, item_id);
        let events = run(
            &self.server,
            &json!({"type": "threads.custom_action", "params": params}),
        )
        .await;
        assert_eq!(
            events.first().map(ThreadStreamEvent::event_type),
            Some("stream_options")
        );
        events.into_iter().skip(1).collect()
    }

    /// Runs a synchronous action; its JSON answer.
    async fn sync(
        &self,
        kind: &str,
        payload: impl Serialize,
        item_id: Option<&str>,
    ) -> Result<Value, ProcessError> {
        let params = self.params(kind, payload, item_id);
        let body = json!({"type": "threads.sync_custom_action", "params": params});
        match self.server.process(body.to_string().as_bytes(), ()).await? {
            Processed::Json(json) => Ok(serde_json::from_slice(&json).unwrap()),
            Processed::Stream(_) => panic!("expected a JSON answer"),
        }
    }

    async fn items(&self) -> Vec<ThreadItem> {
        self.server
            .store()
            .load_thread_items(&self.thread_id, None, 100, SortOrder::Asc, &())
            .await
            .unwrap()
            .data
    }

    async fn widgets(&self) -> Vec<WidgetItem> {
        self.items()
            .await
            .into_iter()
            .filter_map(|item| match item {
                ThreadItem::Widget(widget) => Some(widget),
                _ => None,
            })
            .collect()
    }

    /// Saves a sender showing `before`, then runs `update` to `after` from it: the sender's
    /// id and the events.
    async fn update_sender(
        &self,
        before: impl Into<WidgetRoot>,
        after: &WidgetRoot,
    ) -> (String, Vec<ThreadStreamEvent>) {
        let sender = self.sender(before).await;
        let events = self.act("update", after, Some(&sender)).await;
        (sender, events)
    }

    /// The thread holds one widget, this one.
    async fn assert_only_widget(&self, widget: impl Into<WidgetRoot>) {
        let stored = self.widgets().await;
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(*stored[0].widget, widget.into());
    }
}

async fn run(server: &ChatKitServer<App>, body: &Value) -> Vec<ThreadStreamEvent> {
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

fn widget_item(event: &ThreadStreamEvent) -> &WidgetItem {
    event
        .widget_item()
        .unwrap_or_else(|| panic!("expected a widget item, got {event:?}"))
}

fn update(event: &ThreadStreamEvent) -> (&str, &ThreadItemUpdate) {
    match event {
        ThreadStreamEvent::ItemUpdated { item_id, update } => (item_id, update),
        other => panic!("expected thread.item.updated, got {other:?}"),
    }
}

fn root(widget: impl Into<WidgetRoot>) -> WidgetRoot {
    widget.into()
}

#[tokio::test]
async fn streamed_text_is_added_then_deltas_then_done() {
    let harness = Harness::new().await;
    let events = harness
        .act("stream", ["", "Hel", "Hello,", "Hello, world"], None)
        .await;
    assert_eq!(
        types(&events),
        [
            "thread.item.added",
            "thread.item.updated",
            "thread.item.updated",
            "thread.item.updated",
            "thread.item.done",
        ]
    );
    let added = widget_item(&events[0]);
    assert!(added.id.starts_with("msg_"), "{}", added.id);
    assert_eq!(*added.widget, root(status("", "text")));
    for (event, delta) in events[1..4].iter().zip(["Hel", "lo,", " world"]) {
        assert_eq!(
            update(event),
            (
                added.id.as_str(),
                &ThreadItemUpdate::widget_text_delta("text", delta, true)
            )
        );
    }
    let done = widget_item(&events[4]);
    assert_eq!(done.id, added.id);
    assert_eq!(done.created_at, added.created_at);
    assert_eq!(*done.widget, root(status("Hello, world", "text")));
    // The store holds the final state, once.
    assert_eq!(harness.widgets().await, std::slice::from_ref(done));
}

#[tokio::test]
async fn static_widget_is_one_done_item() {
    let harness = Harness::new().await;
    let widget = root(status("Hi", "text"));
    let events = harness.act("show", &widget, None).await;
    assert_eq!(types(&events), ["thread.item.done"]);
    let done = widget_item(&events[0]);
    assert!(done.id.starts_with("msg_"), "{}", done.id);
    assert_eq!(*done.widget, widget);
    assert_eq!(harness.widgets().await, std::slice::from_ref(done));
}

#[tokio::test]
async fn streamed_rewrite_replaces_the_root() {
    let harness = Harness::new().await;
    let events = harness.act("stream", ["Hello", "World"], None).await;
    assert_eq!(
        types(&events),
        [
            "thread.item.added",
            "thread.item.updated",
            "thread.item.done"
        ]
    );
    let id = widget_item(&events[0]).id.clone();
    assert_eq!(
        update(&events[1]),
        (
            id.as_str(),
            &ThreadItemUpdate::widget_root_updated(root(status("World", "text")))
        )
    );
    assert_eq!(
        *widget_item(&events[2]).widget,
        root(status("World", "text"))
    );
    assert_eq!(harness.widgets().await.len(), 1);
}

#[tokio::test]
async fn streamed_single_state_is_added_then_done() {
    let harness = Harness::new().await;
    let events = harness.act("stream", ["Hi"], None).await;
    assert_eq!(types(&events), ["thread.item.added", "thread.item.done"]);
    assert_eq!(widget_item(&events[0]), widget_item(&events[1]));
}

#[tokio::test]
async fn empty_stream_adds_nothing_and_fails() {
    let harness = Harness::new().await;
    let events = harness.act("stream", Vec::<String>::new(), None).await;
    assert_eq!(types(&events), ["error"]);
    let ThreadStreamEvent::Error(error) = &events[0] else {
        unreachable!()
    };
    assert_eq!(error.code.as_str(), "stream.error");
    assert!(harness.widgets().await.is_empty());
}

#[tokio::test]
async fn update_sender_streams_text_growth_and_saves() {
    let harness = Harness::new().await;
    let after = root(status("Saving… done", "status"));
    let (sender, events) = harness.update_sender(saving(), &after).await;
    assert_eq!(types(&events), ["thread.item.updated"]);
    assert_eq!(
        update(&events[0]),
        (
            sender.as_str(),
            &ThreadItemUpdate::widget_text_delta("status", "… done", true)
        )
    );
    let stored = harness.widgets().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].id.as_str(), &*stored[0].widget),
        (sender.as_str(), &after)
    );
}

#[tokio::test]
async fn update_sender_replaces_the_root_on_other_changes() {
    let harness = Harness::new().await;
    let after = root(status("Saved", "status"));
    let (sender, events) = harness.update_sender(saving(), &after).await;
    assert_eq!(
        update(&events[0]),
        (
            sender.as_str(),
            &ThreadItemUpdate::widget_root_updated(after.clone())
        )
    );
    assert_eq!(events.len(), 1);
    assert_eq!(*harness.widgets().await[0].widget, after);
}

#[tokio::test]
async fn update_sender_falls_back_to_replaced_when_deltas_miss_text() {
    let harness = Harness::new().await;
    let before = Card::new()
        .child(Text::new("a").id("status"))
        .child(Text::new("no id"));
    let after = root(
        Card::new()
            .child(Text::new("ab").id("status"))
            .child(Text::new("no id, grown")),
    );
    let (sender, events) = harness.update_sender(before, &after).await;
    assert_eq!(types(&events), ["thread.item.replaced"]);
    let replaced = widget_item(&events[0]);
    assert_eq!(
        (replaced.id.as_str(), &*replaced.widget),
        (sender.as_str(), &after)
    );
    assert_eq!(harness.widgets().await, std::slice::from_ref(replaced));
}

#[tokio::test]
async fn update_sender_with_the_same_widget_sends_nothing() {
    let harness = Harness::new().await;
    let sender = harness.sender(saving()).await;
    let events = harness.act("update", root(saving()), Some(&sender)).await;
    assert!(events.is_empty(), "{events:?}");
}

#[tokio::test]
async fn update_sender_without_a_sender_fails() {
    let harness = Harness::new().await;
    let events = harness
        .act("update", root(status("x", "status")), None)
        .await;
    let [ThreadStreamEvent::Error(error)] = events.as_slice() else {
        panic!("expected one error, got {events:?}");
    };
    assert_eq!(
        error.message.as_deref(),
        Some("this action did not come from a widget, so there is no widget to update")
    );
}

/// A form whose field `title` collides with the `title` its submit action's payload already
/// has: [`WidgetRoot::check`] reports it.
fn colliding() -> WidgetRoot {
    root(
        Card::new().child(
            Form::new()
                .on_submit_action(ActionConfig::new("todo.save").payload(json!({"title": "old"})))
                .child(Input::new("title")),
        ),
    )
}

/// The one error event of a refused widget (tests run as debug builds, which refuse).
fn assert_refused(events: &[ThreadStreamEvent]) {
    let [ThreadStreamEvent::Error(error)] = events else {
        panic!("expected one error event, got {events:?}");
    };
    assert_eq!(error.code.as_str(), "stream.error");
}

#[tokio::test]
async fn a_colliding_widget_is_refused_on_every_streamed_path() {
    let harness = Harness::new().await;
    let sender = harness.sender(saving()).await;
    for (kind, item_id) in [
        ("show", None),
        ("emit", None),
        ("replace", Some(sender.as_str())),
        ("update", Some(sender.as_str())),
    ] {
        let events = harness.act(kind, colliding(), item_id).await;
        assert_refused(&events);
    }
    let events = harness.act("stream_roots", [colliding()], None).await;
    assert_refused(&events);
    // A later state is checked too: the first was sent, the stream stops at the second.
    let events = harness
        .act("stream_roots", [root(status("a", "t")), colliding()], None)
        .await;
    assert_eq!(types(&events), ["thread.item.added", "error"]);
    // Nothing was saved: the sender is as it was, and no other widget exists.
    harness.assert_only_widget(saving()).await;
}

#[tokio::test]
async fn a_colliding_widget_is_refused_as_a_sync_answer() {
    let harness = Harness::new().await;
    let sender = harness.sender(saving()).await;
    for (kind, item_id) in [
        ("sync_replace", Some(sender.as_str())),
        ("sync_add", None),
        ("sync_return", None),
    ] {
        let error = harness.sync(kind, colliding(), item_id).await.unwrap_err();
        assert_eq!(error.status(), 500, "{kind}: {error}");
        assert!(
            error.to_string().contains("fails the widget check"),
            "{kind}: {error}"
        );
    }
    harness.assert_only_widget(saving()).await;
}

#[tokio::test]
async fn sync_helpers_save_a_note_a_widget_and_the_thread() {
    let harness = Harness::new().await;
    let answer = harness.sync("sync_note", "renamed", None).await.unwrap();
    assert_eq!(answer, json!({}));
    let notes: Vec<ThreadItem> = harness
        .items()
        .await
        .into_iter()
        .filter(ThreadItem::is_hidden)
        .collect();
    let [ThreadItem::HiddenContext(note)] = notes.as_slice() else {
        panic!("expected one note, got {notes:?}");
    };
    assert_eq!(note.content, json!("renamed"));
    let thread = harness
        .server
        .store()
        .load_thread(&harness.thread_id, &())
        .await
        .unwrap();
    assert_eq!(thread.title.as_deref(), Some("renamed"));

    let widget = root(status("Added", "status"));
    let answer = harness.sync("sync_add", &widget, None).await.unwrap();
    let stored = harness.widgets().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(*stored[0].widget, widget);
    assert_eq!(answer["updated_item"]["id"], json!(stored[0].id));
}

#[tokio::test]
async fn configuring_a_clone_leaves_the_original_as_it_was() {
    let harness = Harness::new().await;
    let quiet = harness.server.clone().allow_cancel(false);
    assert!(harness.server.allows_cancel());
    assert!(!quiet.allows_cancel());
    let options = |events: &[ThreadStreamEvent]| match events.first() {
        Some(ThreadStreamEvent::StreamOptions { stream_options }) => stream_options.allow_cancel,
        other => panic!("expected stream_options, got {other:?}"),
    };
    let body = json!({"type": "threads.custom_action", "params": {
        "thread_id": harness.thread_id,
        "action": {"type": "show", "payload": root(status("Hi", "text"))},
    }});
    // Both serve the same store: the clone sees the thread the original created.
    assert!(!options(&run(&quiet, &body).await));
    assert!(options(&run(&harness.server, &body).await));
    assert_eq!(harness.widgets().await.len(), 2);
}

#[tokio::test]
async fn an_action_read_from_the_body_and_one_given_parsed_run_the_same() {
    let harness = Harness::new().await;
    let body = format!(
        r#"{{"params":{{"action":{{"payload" :  "from the body"  ,"type":"sync_note"}},"thread_id":"{}"}},"type":"threads.sync_custom_action"}}"#,
        harness.thread_id
    );
    let Processed::Json(answer) = harness.server.process(body.as_bytes(), ()).await.unwrap() else {
        panic!("expected a JSON answer")
    };
    assert_eq!(answer.as_ref(), b"{}");
    let parsed = serde_json::from_value(json!({
        "type": "threads.sync_custom_action",
        "params": {"thread_id": harness.thread_id, "action": {"type": "sync_note", "payload": "given parsed"}},
    }))
    .unwrap();
    let Processed::Json(answer) = harness.server.process_request(parsed, ()).await.unwrap() else {
        panic!("expected a JSON answer")
    };
    assert_eq!(answer.as_ref(), b"{}");
    let notes: Vec<Value> = harness
        .items()
        .await
        .into_iter()
        .filter_map(|item| match item {
            ThreadItem::HiddenContext(note) => Some(note.content),
            _ => None,
        })
        .collect();
    assert_eq!(notes, [json!("from the body"), json!("given parsed")]);

    // A payload that does not fit: the same 422 and message either way.
    let body = format!(
        r#"{{"type":"threads.sync_custom_action","params":{{"thread_id":"{}","action":{{"payload":{{"n": 1}},"type":"sync_note"}}}}}}"#,
        harness.thread_id
    );
    let from_body = harness
        .server
        .process(body.as_bytes(), ())
        .await
        .unwrap_err();
    let parsed = serde_json::from_str(&body).unwrap();
    let given = harness
        .server
        .process_request(parsed, ())
        .await
        .unwrap_err();
    assert_eq!(from_body.status(), 422, "{from_body}");
    assert_eq!(from_body.to_string(), given.to_string());
    assert!(
        from_body
            .to_string()
            .starts_with("invalid payload for action `sync_note` at `payload`: invalid type: map"),
        "{from_body}"
    );
}

#[tokio::test]
async fn the_payload_limit_counts_the_payload_text_as_sent() {
    let harness = Harness::new().await;
    // `"abc"` is 5 bytes of payload text, `"abcd"` 6.
    let server = harness
        .server
        .clone()
        .limits(crate::server::Limits::default().payload_bytes(5));
    let body = |payload: &str| {
        format!(
            r#"{{"type":"threads.sync_custom_action","params":{{"thread_id":"{}","action":{{"type":"sync_note","payload":{payload}}}}}}}"#,
            harness.thread_id
        )
    };
    assert!(
        server
            .process(body(r#""abc""#).as_bytes(), ())
            .await
            .is_ok()
    );
    let error = server
        .process(body(r#""abcd""#).as_bytes(), ())
        .await
        .unwrap_err();
    assert_eq!(error.status(), 413, "{error}");
    assert_eq!(
        error.to_string(),
        "the payload of action `sync_note` is larger than 5 bytes"
    );
    // `null` is no payload at all, whatever the limit.
    let tight = server
        .clone()
        .limits(crate::server::Limits::default().payload_bytes(0));
    let error = tight
        .process(body("null").as_bytes(), ())
        .await
        .unwrap_err();
    // Refused by its parsing (`sync_note` needs a string), not by the limit.
    assert_eq!(error.status(), 422, "{error}");
}

#[tokio::test]
async fn an_authorize_check_sees_the_whole_action_request() {
    use std::sync::{Arc, Mutex};

    use crate::request::ChatKitRequest;
    use crate::server::{AuthRequest, Denied};

    let harness = Harness::new().await;
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let record = Arc::clone(&seen);
    let server = harness.server.clone().authorize(
        move |(): &(), request: &AuthRequest<'_>| -> Result<(), Denied> {
            assert_eq!(request.action_type(), Some("sync_note"));
            assert_eq!(request.item_id(), None);
            let ChatKitRequest::ThreadsSyncCustomAction { params, metadata } = request.request()
            else {
                return Err(Denied::new("not a sync action"));
            };
            record.lock().unwrap().push(json!({
                "thread": params.thread_id,
                "payload": params.action.payload,
                "metadata": metadata,
            }));
            Ok(())
        },
    );
    let body = format!(
        r#"{{"metadata":{{"trace":"t1"}},"type":"threads.sync_custom_action","params":{{"thread_id":"{}","action":{{"payload":"hello","type":"sync_note"}}}}}}"#,
        harness.thread_id
    );
    server.process(body.as_bytes(), ()).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [json!({"thread": harness.thread_id, "payload": "hello", "metadata": {"trace": "t1"}})]
    );
}

#[test]
fn a_payload_key_sent_twice_fails_its_parsing() {
    // The server parses the payload from its text: a key sent twice is refused, where a
    // `serde_json::Value` would keep the last one, so the provenance check and the handler
    // can never read two different values of one field.
    #[derive(Action, Debug, PartialEq)]
    enum Counter {
        Set { n: i64 },
    }
    let raw: &serde_json::value::RawValue = serde_json::from_str(r#"{"n":1,"n":2}"#).unwrap();
    let error = Counter::from_json_parts("set", Some(raw)).unwrap_err();
    assert!(error.to_string().contains("duplicate field `n`"), "{error}");
    let raw: &serde_json::value::RawValue = serde_json::from_str(r#"{"n":2}"#).unwrap();
    assert_eq!(
        Counter::from_json_parts("set", Some(raw)).unwrap(),
        Counter::Set { n: 2 }
    );
}
