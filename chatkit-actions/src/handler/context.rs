//! [`ActionContext`]: what a streamed handler sees and how its events reach the client.
//!
//! An [`ActionContext`] wraps the request's response pipeline (the Python SDK's
//! `_process_events`, in [`pipeline`](super::pipeline)): every event a handler emits is first
//! applied to the store (`done` inserts, `replaced` upserts, `removed` deletes,
//! `added`/`updated` are tracked as pending), then forwarded (hidden context items are
//! persisted but never sent), and then, if the handler changed the thread, the thread is saved
//! and `thread.updated` follows.

use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use serde_json::{Map, Value};

use super::SharedResponder;
use super::error::{HandlerError, HandlerResult};
use super::pipeline::Pipeline;
use crate::store::{Store, StoreItemType};
use crate::thread::{
    AssistantMessageItem, ErrorEvent, HiddenContextItem, ThreadItem, ThreadMetadata,
    ThreadStreamEvent, UserMessageItem, WidgetItem,
};
use crate::widget::WidgetRoot;

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
///
/// # Widgets are checked on the way out
///
/// Every widget a handler sends, on every path (an `emit` of a widget item or of a new root,
/// [`ActionContext::add_widget`], [`ActionContext::replace_sender`],
/// [`ActionContext::update_sender`], [`ActionContext::stream_widget`], the
/// [`SyncActionContext`](super::SyncActionContext) helpers and the item a synchronous handler returns), goes through
/// [`WidgetRoot::check`] first: a form field whose value the client would drop because the
/// action's payload already has its key. In debug builds such a widget is refused with an
/// internal error naming the item and the issues (so the mistake shows up in development);
/// in release builds the issues are logged at `warn` and the widget is sent as it is.
pub struct ActionContext<C> {
    pipeline: Pipeline<C>,
    sender: Option<WidgetItem>,
    responder: SharedResponder<C>,
    metadata: Arc<Map<String, Value>>,
}

impl<C: Send + Sync + 'static> ActionContext<C> {
    /// A context over `pipeline`, for an action from `sender` (if any), in a request that
    /// carried `metadata`.
    pub(crate) fn new(
        pipeline: Pipeline<C>,
        sender: Option<WidgetItem>,
        responder: SharedResponder<C>,
        metadata: Arc<Map<String, Value>>,
    ) -> Self {
        ActionContext {
            pipeline,
            sender,
            responder,
            metadata,
        }
    }

    /// The response pipeline, for the server's own events.
    pub(crate) fn pipeline(&mut self) -> &mut Pipeline<C> {
        &mut self.pipeline
    }

    /// The response pipeline, to end it.
    pub(crate) fn into_pipeline(self) -> Pipeline<C> {
        self.pipeline
    }

    /// The thread the action belongs to.
    pub fn thread(&self) -> &ThreadMetadata {
        self.pipeline.thread()
    }

    /// The thread, to change: a new title, status or metadata is saved and announced with
    /// `thread.updated` right after the next event (or when the handler returns).
    pub fn thread_mut(&mut self) -> &mut ThreadMetadata {
        self.pipeline.thread_mut()
    }

    /// The widget item the action came from, when it came from a widget (`item_id` set).
    pub fn sender(&self) -> Option<&WidgetItem> {
        self.sender.as_ref()
    }

    /// The application's request context: who is asking, with which claims.
    pub fn request(&self) -> &C {
        self.pipeline.request()
    }

    /// The request's `metadata`: the free-form object the client sent next to `type` and
    /// `params` (the ChatKit client's `request.metadata` option; `{}` when absent). The
    /// protocol never reads it; it is the integration's (flags, a locale, a trace id), and it
    /// comes from the client, so it is untrusted input. The responder sees the metadata of
    /// the request it answers.
    ///
    /// ```
    /// use chatkit_actions::handler::{ActionContext, HandlerResult};
    ///
    /// async fn greet(cx: &mut ActionContext<()>) -> HandlerResult {
    ///     let locale = cx.metadata().get("locale").and_then(|v| v.as_str()).unwrap_or("en");
    ///     let text = if locale == "fr" { "Bonjour" } else { "Hello" };
    ///     cx.add_assistant_message(text).await.map(drop)
    /// }
    /// ```
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }

    /// The store, for reads and for writes that are not events: the request's unit of work,
    /// so reads see what this action wrote, and writes commit (or roll back) with it.
    pub fn store(&self) -> &dyn Store<C> {
        self.pipeline.store()
    }

    /// Whether the client has disconnected.
    pub fn is_cancelled(&self) -> bool {
        self.pipeline.is_cancelled()
    }

    /// Resolves once the client has disconnected: race it against long work (a model
    /// request, a slow call) to stop that work when nobody is listening any more.
    ///
    /// ```
    /// use chatkit_actions::handler::{ActionContext, HandlerError, HandlerResult};
    ///
    /// async fn slow(cx: &mut ActionContext<()>) -> HandlerResult {
    ///     let answer = tokio::select! {
    ///         answer = async { "42" } => answer,
    ///         () = cx.cancelled() => return Err(HandlerError::cancelled()),
    ///     };
    ///     cx.add_assistant_message(answer).await.map(drop)
    /// }
    /// ```
    pub async fn cancelled(&self) {
        self.pipeline.cancelled().await;
    }

    /// A new id for an item of `kind` in this thread, from the store.
    pub fn new_item_id(&self, kind: StoreItemType) -> String {
        self.pipeline.new_item_id(kind)
    }

    /// Sends one event: applies it to the store first (`thread.item.done` inserts,
    /// `thread.item.replaced` upserts, `thread.item.removed` deletes), then streams it (a done
    /// hidden context item is persisted only), then announces a changed thread.
    ///
    /// # Errors
    ///
    /// A store failure, or [`HandlerError::cancelled`] once the client is gone. Pass both on
    /// with `?`: the server turns them into the SDK's error event or cancellation handling. In
    /// debug builds, a widget that fails [`WidgetRoot::check`] (see the
    /// [type docs](ActionContext#widgets-are-checked-on-the-way-out)).
    pub async fn emit(&mut self, event: impl Into<ThreadStreamEvent>) -> HandlerResult {
        self.pipeline.emit(event.into()).await
    }

    /// Adds a hidden context item for the model: persisted in the thread, never shown to the
    /// user (the seed's `<USER_ACTION>…</USER_ACTION>` note).
    ///
    /// # Errors
    ///
    /// As [`ActionContext::emit`].
    pub async fn add_hidden_context(&mut self, content: impl Into<Value>) -> HandlerResult {
        let id = self.new_item_id(StoreItemType::Message);
        let item = HiddenContextItem::new(id, self.thread().id.clone(), content);
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
        let item = AssistantMessageItem::new(id.clone(), self.thread().id.clone(), text);
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
        let item = WidgetItem::new(id, self.thread().id.clone(), widget.into());
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
        *sender.widget = widget.into();
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
        let mut item = WidgetItem::new(id, self.thread().id.clone(), first.into());
        self.emit(ThreadStreamEvent::item_added(item.clone()))
            .await?;
        while let Some(next) = widgets.next().await {
            let next = next.into();
            for update in crate::thread::diff_widget(&item.widget, &next)? {
                self.emit(ThreadStreamEvent::item_updated(item.id.clone(), update))
                    .await?;
            }
            *item.widget = next;
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
        if *sender.widget == widget {
            return Ok(());
        }
        let updates = crate::thread::diff_widget(&sender.widget, &widget)
            .ok()
            .filter(|updates| crate::thread::updates_reach(&sender.widget, updates, &widget));
        *sender.widget = widget;
        let item = ThreadItem::Widget(sender.clone());
        let Some(updates) = updates else {
            return self.emit(ThreadStreamEvent::ItemReplaced { item }).await;
        };
        self.pipeline.save_item(&item).await?;
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
}
