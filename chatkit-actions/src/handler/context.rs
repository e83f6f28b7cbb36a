//! [`ActionContext`]: what a streamed handler sees and how its events reach the client, and
//! [`SyncActionContext`] for synchronous actions.
//!
//! The context is also the event pipeline of the Python SDK's `_process_events`: every event
//! a handler emits is first applied to the store (`done` inserts, `replaced` upserts,
//! `removed` deletes, `added`/`updated` are tracked as pending), then forwarded (hidden
//! context items are persisted but never sent), and then, if the handler changed the thread,
//! the thread is saved and `thread.updated` follows.

use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

use super::error::{HandlerError, HandlerResult};
use super::{SharedResponder, SharedStore};
use crate::store::{Store, StoreItemType};
use crate::thread::{
    AssistantMessageItem, ErrorEvent, HiddenContextItem, SdkHiddenContextItem, ThreadItem,
    ThreadMetadata, ThreadStreamEvent, UserMessageItem, WidgetItem,
};
use crate::widget::WidgetRoot;

/// The note the SDK leaves for the model when the user stops a stream.
pub(crate) const CANCELLED_NOTE: &str =
    "The user cancelled the stream. Stop responding to the prior request.";

/// Why an event could not be sent: the client is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the client disconnected")]
pub struct EmitError;

/// What a streamed action handler (and [`Respond`](super::Respond)) works with: the thread,
/// the widget that sent the action, the application's request context `C`, the store, and
/// the stream of events back to the client.
///
/// Every `emit` persists before it forwards, so what the client sees is in the store: in the
/// request's unit of work ([`Store::begin`]), which commits when the response ends, or rolls
/// back if the handler panics or the store fails (see the
/// [store docs](crate::store#units-of-work-serialization-and-atomicity)).
pub struct ActionContext<C> {
    thread: ThreadMetadata,
    last_thread: ThreadMetadata,
    sender: Option<WidgetItem>,
    request: Arc<C>,
    store: SharedStore<C>,
    responder: SharedResponder<C>,
    events: mpsc::Sender<ThreadStreamEvent>,
    pending: Vec<ThreadItem>,
    cancelled: bool,
}

impl<C: Send + Sync + 'static> ActionContext<C> {
    pub(crate) fn new(
        thread: ThreadMetadata,
        sender: Option<WidgetItem>,
        request: Arc<C>,
        store: SharedStore<C>,
        responder: SharedResponder<C>,
        events: mpsc::Sender<ThreadStreamEvent>,
    ) -> Self {
        ActionContext {
            last_thread: thread.clone(),
            thread,
            sender,
            request,
            store,
            responder,
            events,
            pending: Vec::new(),
            cancelled: false,
        }
    }

    /// The thread the action belongs to.
    pub fn thread(&self) -> &ThreadMetadata {
        &self.thread
    }

    /// The thread, to change: a new title, status or metadata is saved and announced with
    /// `thread.updated` right after the next event (or when the handler returns).
    pub fn thread_mut(&mut self) -> &mut ThreadMetadata {
        &mut self.thread
    }

    /// The widget item the action came from, when it came from a widget (`item_id` set).
    pub fn sender(&self) -> Option<&WidgetItem> {
        self.sender.as_ref()
    }

    /// The application's request context: who is asking, with which claims.
    pub fn request(&self) -> &C {
        &self.request
    }

    /// The store, for reads and for writes that are not events: the request's unit of work,
    /// so reads see what this action wrote, and writes commit (or roll back) with it.
    pub fn store(&self) -> &dyn Store<C> {
        &*self.store
    }

    /// Whether the client has disconnected.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled || self.events.is_closed()
    }

    /// A new id for an item of `kind` in this thread, from the store.
    pub fn new_item_id(&self, kind: StoreItemType) -> String {
        self.store
            .generate_item_id(kind, &self.thread, &self.request)
    }

    /// Sends one event: applies it to the store first (`thread.item.done` inserts,
    /// `thread.item.replaced` upserts, `thread.item.removed` deletes), then streams it (a done
    /// hidden context item is persisted only), then announces a changed thread.
    ///
    /// # Errors
    ///
    /// A store failure, or [`HandlerError::cancelled`] once the client is gone. Pass both on
    /// with `?`: the server turns them into the SDK's error event or cancellation handling.
    pub async fn emit(&mut self, event: impl Into<ThreadStreamEvent>) -> HandlerResult {
        // Once the client is gone, an event is neither persisted nor applied to the pending
        // items: in the SDK the disconnect cancels the handler before it yields again, so the
        // cancellation handling saves what the client saw, not one event more.
        if self.is_cancelled() {
            self.cancelled = true;
            return Err(HandlerError::cancelled());
        }
        let event = event.into();
        self.apply(&event).await?;
        let hidden = matches!(&event, ThreadStreamEvent::ItemDone { item } if item.is_hidden());
        if !hidden {
            self.forward(event).await?;
        }
        self.announce_thread_change().await
    }

    async fn apply(&mut self, event: &ThreadStreamEvent) -> HandlerResult {
        let thread_id = self.thread.id.clone();
        match event {
            ThreadStreamEvent::ItemAdded { item } => {
                self.pending.retain(|p| p.id() != item.id());
                self.pending.push(item.clone());
            }
            ThreadStreamEvent::ItemUpdated { item_id, update } => {
                if let Some(pending) = self.pending.iter_mut().find(|p| p.id() == item_id) {
                    pending.apply_update(update);
                }
            }
            ThreadStreamEvent::ItemDone { item } => {
                self.store
                    .add_thread_item(&thread_id, item, &self.request)
                    .await
                    .map_err(HandlerError::store)?;
                self.pending.retain(|p| p.id() != item.id());
            }
            ThreadStreamEvent::ItemRemoved { item_id } => {
                self.store
                    .delete_thread_item(&thread_id, item_id, &self.request)
                    .await
                    .map_err(HandlerError::store)?;
                self.pending.retain(|p| p.id() != item_id);
            }
            ThreadStreamEvent::ItemReplaced { item } => {
                self.store
                    .save_item(&thread_id, item, &self.request)
                    .await
                    .map_err(HandlerError::store)?;
                self.pending.retain(|p| p.id() != item.id());
            }
            _ => {}
        }
        Ok(())
    }

    /// Streams an event as it is, without touching the store.
    pub(crate) async fn forward(&mut self, event: ThreadStreamEvent) -> HandlerResult {
        if self.cancelled {
            return Err(HandlerError::cancelled());
        }
        if self.events.send(event).await.is_err() {
            self.cancelled = true;
            return Err(HandlerError::cancelled());
        }
        Ok(())
    }

    /// Saves and announces the thread if the handler changed it since the last check.
    pub(crate) async fn announce_thread_change(&mut self) -> HandlerResult {
        if self.thread == self.last_thread {
            return Ok(());
        }
        self.last_thread = self.thread.clone();
        self.store
            .save_thread(&self.thread, &self.request)
            .await
            .map_err(HandlerError::store)?;
        let response = crate::thread::Thread::from(self.thread.clone()).redacted();
        self.forward(ThreadStreamEvent::ThreadUpdated { thread: response })
            .await
    }

    /// Adds a hidden context item for the model: persisted in the thread, never shown to the
    /// user (the seed's `<USER_ACTION>…</USER_ACTION>` note).
    ///
    /// # Errors
    ///
    /// As [`ActionContext::emit`].
    pub async fn add_hidden_context(&mut self, content: impl Into<Value>) -> HandlerResult {
        let id = self.new_item_id(StoreItemType::Message);
        let item = HiddenContextItem::new(id, self.thread.id.clone(), content);
        self.emit(ThreadStreamEvent::ItemDone {
            item: ThreadItem::HiddenContext(item),
        })
        .await
    }

    /// Adds an assistant message with the given text (the SDK's `create_message`), and
    /// returns its id.
    ///
    /// # Errors
    ///
    /// As [`ActionContext::emit`].
    pub async fn add_assistant_message(
        &mut self,
        text: impl Into<String>,
    ) -> Result<String, HandlerError> {
        let id = self.new_item_id(StoreItemType::Message);
        let item = AssistantMessageItem::new(id.clone(), self.thread.id.clone(), text);
        self.emit(ThreadStreamEvent::ItemDone {
            item: ThreadItem::AssistantMessage(item),
        })
        .await?;
        Ok(id)
    }

    /// Shows an error to the user (an `error` event with `code: "custom"` and this message),
    /// without ending the handler. To fail the action instead, return
    /// [`HandlerError::custom`].
    ///
    /// # Errors
    ///
    /// As [`ActionContext::emit`].
    pub async fn error_message(&mut self, message: impl Into<String>) -> HandlerResult {
        self.emit(ThreadStreamEvent::Error(ErrorEvent::custom(message)))
            .await
    }

    /// Adds a new widget to the thread as one `thread.item.done` (the SDK's `stream_widget`
    /// with a single widget), and returns the item.
    ///
    /// # Errors
    ///
    /// As [`ActionContext::emit`].
    pub async fn add_widget(
        &mut self,
        widget: impl Into<WidgetRoot>,
    ) -> Result<WidgetItem, HandlerError> {
        let id = self.new_item_id(StoreItemType::Message);
        let item = WidgetItem::new(id, self.thread.id.clone(), widget.into());
        self.emit(ThreadStreamEvent::ItemDone {
            item: ThreadItem::Widget(item.clone()),
        })
        .await?;
        Ok(item)
    }

    /// Replaces the widget the action came from with `widget` (`thread.item.replaced`, saved
    /// in place: same id, same position).
    ///
    /// # Errors
    ///
    /// [`HandlerError::custom`] when the action did not come from a widget; otherwise as
    /// [`ActionContext::emit`].
    pub async fn replace_sender(&mut self, widget: impl Into<WidgetRoot>) -> HandlerResult {
        let Some(sender) = self.sender.as_mut() else {
            return Err(HandlerError::custom(
                "this action did not come from a widget, so there is no widget to replace",
            ));
        };
        sender.widget = widget.into();
        let item = ThreadItem::Widget(sender.clone());
        self.emit(ThreadStreamEvent::ItemReplaced { item }).await
    }

    /// Streams a widget whose state changes over time, as the SDK's `stream_widget` does with
    /// an async generator, and returns the final item.
    ///
    /// The first state is sent as `thread.item.added` (an id from
    /// [`new_item_id`](Self::new_item_id)`(Message)`, so `msg_…`); each later state as one
    /// `thread.item.updated` per update [`diff_widget`](crate::thread::diff_widget) finds
    /// against the state before it (text deltas while a `Text`/`Markdown` with an `id` grows,
    /// `widget.root.updated` otherwise); the end of the stream as `thread.item.done` with the
    /// same id and `created_at` and the last state, which is when the item is saved. A
    /// single widget needs no stream: use [`add_widget`](Self::add_widget).
    ///
    /// ```
    /// use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// use chatkit_actions::widget::{Card, Text};
    /// use futures_util::stream;
    ///
    /// async fn typewriter(cx: &mut ActionContext<()>) -> HandlerResult {
    ///     let states = ["", "Hel", "Hello,", "Hello, world"]
    ///         .map(|text| Card::new().child(Text::new(text).id("text")));
    ///     // added, three `widget.streaming_text.value_delta` updates, done.
    ///     let item = cx.stream_widget(stream::iter(states)).await?;
    ///     assert!(item.id.starts_with("msg_"));
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ActionContext::emit`]. A stream that ends before its first state sends nothing and
    /// fails (the SDK fails there too). A [`WidgetDiffError`](crate::thread::WidgetDiffError)
    /// becomes [`HandlerError::internal`] with the SDK's message, which the SDK's rules make
    /// unreachable; the item then stays unsaved, as in the SDK.
    pub async fn stream_widget<W: Into<WidgetRoot>>(
        &mut self,
        widgets: impl Stream<Item = W> + Send,
    ) -> Result<WidgetItem, HandlerError> {
        let mut widgets = std::pin::pin!(widgets);
        let Some(first) = widgets.next().await else {
            return Err(HandlerError::internal(
                "the widget stream ended before its first state",
            ));
        };
        let id = self.new_item_id(StoreItemType::Message);
        let mut item = WidgetItem::new(id, self.thread.id.clone(), first.into());
        self.emit(ThreadStreamEvent::item_added(item.clone()))
            .await?;
        while let Some(next) = widgets.next().await {
            let next = next.into();
            for update in crate::thread::diff_widget(&item.widget, &next)? {
                self.emit(ThreadStreamEvent::item_updated(item.id.clone(), update))
                    .await?;
            }
            item.widget = next;
        }
        self.emit(ThreadStreamEvent::item_done(item.clone()))
            .await?;
        Ok(item)
    }

    /// Updates the widget the action came from to `widget`, animating the change: the
    /// client gets the [`diff_widget`](crate::thread::diff_widget) updates between the two
    /// (`thread.item.updated` events, so text that grows in a `Text`/`Markdown` with an `id`
    /// streams in), and the store gets the new widget.
    ///
    /// The event pipeline never persists `thread.item.updated` (the SDK's neither), so the
    /// item is saved here with the store's `save_item`, before the events are sent. When the
    /// updates would not bring the client to exactly `widget` (text that grew in a node
    /// without an `id`, which the SDK's diff skips, or a diff error), the change is sent as
    /// one `thread.item.replaced` instead, as [`replace_sender`](Self::replace_sender) does,
    /// so what the client shows always matches the store. The same widget again sends and
    /// saves nothing.
    ///
    /// ```
    /// use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// use chatkit_actions::widget::{Card, Text};
    ///
    /// async fn finish_sentence(cx: &mut ActionContext<()>) -> HandlerResult {
    ///     // If the sender shows `Text{id: "status", value: "Saving"}`, the client gets one
    ///     // `widget.streaming_text.value_delta` with "… done".
    ///     cx.update_sender(Card::new().child(Text::new("Saving… done").id("status")))
    ///         .await
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`HandlerError::custom`] when the action did not come from a widget; otherwise as
    /// [`ActionContext::emit`].
    pub async fn update_sender(&mut self, widget: impl Into<WidgetRoot>) -> HandlerResult {
        let Some(sender) = self.sender.as_mut() else {
            return Err(HandlerError::custom(
                "this action did not come from a widget, so there is no widget to update",
            ));
        };
        let widget = widget.into();
        if sender.widget == widget {
            return Ok(());
        }
        let updates = crate::thread::diff_widget(&sender.widget, &widget)
            .ok()
            .filter(|updates| crate::thread::updates_reach(&sender.widget, updates, &widget));
        sender.widget = widget;
        let item = ThreadItem::Widget(sender.clone());
        let Some(updates) = updates else {
            return self.emit(ThreadStreamEvent::ItemReplaced { item }).await;
        };
        self.store
            .save_item(&self.thread.id, &item, &self.request)
            .await
            .map_err(HandlerError::store)?;
        for update in updates {
            self.emit(ThreadStreamEvent::item_updated(item.id(), update))
                .await?;
        }
        Ok(())
    }

    /// Hands over to the application's [`Respond`](super::Respond), so the model answers
    /// (the seed's `self.generate(context, thread)`). Events stream through this context.
    ///
    /// # Errors
    ///
    /// Whatever the responder returns.
    pub async fn respond(&mut self) -> HandlerResult {
        let responder = Arc::clone(&self.responder);
        responder.respond_boxed(None, self).await
    }

    /// Runs the responder for a user message.
    pub(crate) async fn respond_to(&mut self, input: &UserMessageItem) -> HandlerResult {
        let responder = Arc::clone(&self.responder);
        responder.respond_boxed(Some(input), self).await
    }

    /// Ends the pipeline as the SDK does: a handler error becomes one `error` event (a
    /// cancellation becomes the cancellation handling instead), then a last thread check.
    pub(crate) async fn finish(mut self, result: HandlerResult) {
        let cancelled = self.cancelled
            || self.events.is_closed()
            || result.as_ref().is_err_and(HandlerError::is_cancelled);
        if cancelled {
            self.cancelled = true;
            self.handle_cancelled().await;
            return;
        }
        if let Err(error) = result {
            if error.is_client_error() {
                tracing::warn!(thread = %self.thread.id, %error, "action rejected");
            } else {
                tracing::error!(thread = %self.thread.id, %error, "handler failed");
            }
            if self
                .forward(ThreadStreamEvent::Error(error.to_event()))
                .await
                .is_err()
            {
                self.handle_cancelled().await;
                return;
            }
        }
        if let Err(error) = self.announce_thread_change().await {
            if error.is_cancelled() {
                self.handle_cancelled().await;
            } else {
                tracing::error!(thread = %self.thread.id, %error, "saving the thread failed");
                let _ = self
                    .forward(ThreadStreamEvent::Error(error.to_event()))
                    .await;
            }
        }
    }

    /// Ends a pipeline whose writes are being rolled back (the handler panicked, or the
    /// store failed): the error event only, with no thread check and no cancellation
    /// handling, since nothing more will be saved.
    pub(crate) async fn abort(mut self, result: HandlerResult) {
        if let Err(error) = result
            && !error.is_cancelled()
        {
            tracing::error!(thread = %self.thread.id, %error, "handler failed");
            let _ = self
                .forward(ThreadStreamEvent::Error(error.to_event()))
                .await;
        }
    }

    /// The SDK's `handle_stream_cancelled`: keep the assistant messages that had text, and
    /// leave the model a note that the user stopped the stream.
    async fn handle_cancelled(&mut self) {
        let thread_id = self.thread.id.clone();
        let pending = std::mem::take(&mut self.pending);
        for item in pending {
            let keep = match &item {
                ThreadItem::AssistantMessage(message) => message
                    .content
                    .iter()
                    .any(|part| !part.text.trim().is_empty()),
                _ => false,
            };
            if keep
                && let Err(error) = self
                    .store
                    .add_thread_item(&thread_id, &item, &self.request)
                    .await
            {
                tracing::error!(thread = %thread_id, %error, "saving a cancelled message failed");
            }
        }
        let note_id = self.new_item_id(StoreItemType::SdkHiddenContext);
        let note = ThreadItem::SdkHiddenContext(SdkHiddenContextItem::new(
            note_id,
            thread_id.clone(),
            CANCELLED_NOTE,
        ));
        if let Err(error) = self
            .store
            .add_thread_item(&thread_id, &note, &self.request)
            .await
        {
            tracing::error!(thread = %thread_id, %error, "saving the cancellation note failed");
        }
        if self.thread != self.last_thread
            && let Err(error) = self.store.save_thread(&self.thread, &self.request).await
        {
            tracing::error!(thread = %thread_id, %error, "saving the thread failed");
        }
        tracing::info!(thread = %thread_id, "stream cancelled by the client");
    }
}

/// What a synchronous (`streaming = false`) handler sees: the thread, the sender widget, the
/// request context and the store. It streams nothing; it returns the updated item.
pub struct SyncActionContext<C> {
    thread: ThreadMetadata,
    sender: Option<WidgetItem>,
    request: Arc<C>,
    store: SharedStore<C>,
}

impl<C: Send + Sync + 'static> SyncActionContext<C> {
    pub(crate) fn new(
        thread: ThreadMetadata,
        sender: Option<WidgetItem>,
        request: Arc<C>,
        store: SharedStore<C>,
    ) -> Self {
        SyncActionContext {
            thread,
            sender,
            request,
            store,
        }
    }

    /// The thread the action belongs to.
    pub fn thread(&self) -> &ThreadMetadata {
        &self.thread
    }

    /// The widget item the action came from, when it came from a widget.
    pub fn sender(&self) -> Option<&WidgetItem> {
        self.sender.as_ref()
    }

    /// The application's request context.
    pub fn request(&self) -> &C {
        &self.request
    }

    /// The store (the request's unit of work). The server writes nothing for a synchronous
    /// action: save the updated item here if it should survive a reload.
    pub fn store(&self) -> &dyn Store<C> {
        &*self.store
    }

    /// The sender widget item with its widget replaced, saved in the store, ready to return
    /// as the synchronous answer.
    ///
    /// # Errors
    ///
    /// [`HandlerError::custom`] when the action did not come from a widget, or a store error.
    pub async fn replace_sender(
        &mut self,
        widget: impl Into<WidgetRoot>,
    ) -> Result<ThreadItem, HandlerError> {
        let Some(sender) = self.sender.as_mut() else {
            return Err(HandlerError::custom(
                "this action did not come from a widget, so there is no widget to replace",
            ));
        };
        sender.widget = widget.into();
        let item = ThreadItem::Widget(sender.clone());
        self.store
            .save_item(&self.thread.id, &item, &self.request)
            .await
            .map_err(HandlerError::store)?;
        Ok(item)
    }
}

#[cfg(test)]
mod widget_stream_tests {
    use futures_util::stream;
    use serde_json::{Value, json};

    use super::ActionContext;
    use crate::handler::HandlerResult;
    use crate::server::{ChatKitServer, Processed};
    use crate::store::MemoryStore;
    use crate::thread::{SortOrder, ThreadItem, ThreadItemUpdate, ThreadStreamEvent, WidgetItem};
    use crate::widget::{Card, Text, WidgetRoot};
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
    }

    fn status(value: &str, id: &str) -> Card {
        Card::new().child(Text::new(value).id(id))
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

        async fn action(&self, action: Value, item_id: Option<&str>) -> Vec<ThreadStreamEvent> {
            let mut params = json!({"thread_id": self.thread_id, "action": action});
            if let Some(item_id) = item_id {
                params["item_id"] = json!(item_id);
            }
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

        async fn widgets(&self) -> Vec<WidgetItem> {
            let items = self
                .server
                .store()
                .load_thread_items(&self.thread_id, None, 100, SortOrder::Asc, &())
                .await
                .unwrap();
            items
                .data
                .into_iter()
                .filter_map(|item| match item {
                    ThreadItem::Widget(widget) => Some(widget),
                    _ => None,
                })
                .collect()
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
        match event {
            ThreadStreamEvent::ItemAdded {
                item: ThreadItem::Widget(item),
            }
            | ThreadStreamEvent::ItemDone {
                item: ThreadItem::Widget(item),
            }
            | ThreadStreamEvent::ItemReplaced {
                item: ThreadItem::Widget(item),
            } => item,
            other => panic!("expected a widget item, got {other:?}"),
        }
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
            .action(
                json!({"type": "stream", "payload": ["", "Hel", "Hello,", "Hello, world"]}),
                None,
            )
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
        assert_eq!(added.widget, root(status("", "text")));
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
        assert_eq!(done.widget, root(status("Hello, world", "text")));
        // The store holds the final state, once.
        assert_eq!(harness.widgets().await, std::slice::from_ref(done));
    }

    #[tokio::test]
    async fn static_widget_is_one_done_item() {
        let harness = Harness::new().await;
        let widget = root(status("Hi", "text"));
        let events = harness
            .action(json!({"type": "show", "payload": widget}), None)
            .await;
        assert_eq!(types(&events), ["thread.item.done"]);
        let done = widget_item(&events[0]);
        assert!(done.id.starts_with("msg_"), "{}", done.id);
        assert_eq!(done.widget, widget);
        assert_eq!(harness.widgets().await, std::slice::from_ref(done));
    }

    #[tokio::test]
    async fn streamed_rewrite_replaces_the_root() {
        let harness = Harness::new().await;
        let events = harness
            .action(
                json!({"type": "stream", "payload": ["Hello", "World"]}),
                None,
            )
            .await;
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
            widget_item(&events[2]).widget,
            root(status("World", "text"))
        );
        assert_eq!(harness.widgets().await.len(), 1);
    }

    #[tokio::test]
    async fn streamed_single_state_is_added_then_done() {
        let harness = Harness::new().await;
        let events = harness
            .action(json!({"type": "stream", "payload": ["Hi"]}), None)
            .await;
        assert_eq!(types(&events), ["thread.item.added", "thread.item.done"]);
        assert_eq!(widget_item(&events[0]), widget_item(&events[1]));
    }

    #[tokio::test]
    async fn empty_stream_adds_nothing_and_fails() {
        let harness = Harness::new().await;
        let events = harness
            .action(json!({"type": "stream", "payload": []}), None)
            .await;
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
        let sender = harness.sender(status("Saving", "status")).await;
        let after = root(status("Saving… done", "status"));
        let events = harness
            .action(json!({"type": "update", "payload": after}), Some(&sender))
            .await;
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
            (stored[0].id.as_str(), &stored[0].widget),
            (sender.as_str(), &after)
        );
    }

    #[tokio::test]
    async fn update_sender_replaces_the_root_on_other_changes() {
        let harness = Harness::new().await;
        let sender = harness.sender(status("Saving", "status")).await;
        let after = root(status("Saved", "status"));
        let events = harness
            .action(json!({"type": "update", "payload": after}), Some(&sender))
            .await;
        assert_eq!(
            update(&events[0]),
            (
                sender.as_str(),
                &ThreadItemUpdate::widget_root_updated(after.clone())
            )
        );
        assert_eq!(events.len(), 1);
        assert_eq!(harness.widgets().await[0].widget, after);
    }

    #[tokio::test]
    async fn update_sender_falls_back_to_replaced_when_deltas_miss_text() {
        let harness = Harness::new().await;
        let before = Card::new()
            .child(Text::new("a").id("status"))
            .child(Text::new("no id"));
        let sender = harness.sender(before).await;
        let after = root(
            Card::new()
                .child(Text::new("ab").id("status"))
                .child(Text::new("no id, grown")),
        );
        let events = harness
            .action(json!({"type": "update", "payload": after}), Some(&sender))
            .await;
        assert_eq!(types(&events), ["thread.item.replaced"]);
        let replaced = widget_item(&events[0]);
        assert_eq!(
            (replaced.id.as_str(), &replaced.widget),
            (sender.as_str(), &after)
        );
        assert_eq!(harness.widgets().await, std::slice::from_ref(replaced));
    }

    #[tokio::test]
    async fn update_sender_with_the_same_widget_sends_nothing() {
        let harness = Harness::new().await;
        let sender = harness.sender(status("Saving", "status")).await;
        let events = harness
            .action(
                json!({"type": "update", "payload": root(status("Saving", "status"))}),
                Some(&sender),
            )
            .await;
        assert!(events.is_empty(), "{events:?}");
    }

    #[tokio::test]
    async fn update_sender_without_a_sender_fails() {
        let harness = Harness::new().await;
        let events = harness
            .action(
                json!({"type": "update", "payload": root(status("x", "status"))}),
                None,
            )
            .await;
        let [ThreadStreamEvent::Error(error)] = events.as_slice() else {
            panic!("expected one error, got {events:?}");
        };
        assert_eq!(
            error.message.as_deref(),
            Some("this action did not come from a widget, so there is no widget to update")
        );
    }
}
