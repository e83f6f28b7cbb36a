//! [`ActionContext`]: what a streamed handler sees and how its events reach the client, and
//! [`SyncActionContext`] for synchronous actions.
//!
//! The context is also the event pipeline of the Python SDK's `_process_events`: every event
//! a handler emits is first applied to the store (`done` inserts, `replaced` upserts,
//! `removed` deletes, `added`/`updated` are tracked as pending), then forwarded (hidden
//! context items are persisted but never sent), and then, if the handler changed the thread,
//! the thread is saved and `thread.updated` follows.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use super::error::{HandlerError, HandlerResult};
use super::{SharedResponder, SharedStore};
use crate::store::{Store, StoreItemType};
use crate::thread::{
    AssistantMessageItem, ErrorEvent, HiddenContextItem, SdkHiddenContextItem, ThreadItem,
    ThreadItemUpdate, ThreadMetadata, ThreadStreamEvent, UserMessageItem, WidgetItem,
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
/// Every `emit` persists before it forwards, so what the client sees is in the store.
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

    /// The store, for reads and for writes that are not events.
    pub fn store(&self) -> &dyn Store<C> {
        &*self.store
    }

    /// Whether the client has disconnected.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
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
                    apply_update(pending, update);
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
        let response = crate::thread::Thread::from(self.thread.clone()).into_response();
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

/// Applies an update to a pending item, as the SDK tracks them for cancellation.
fn apply_update(item: &mut ThreadItem, update: &ThreadItemUpdate) {
    match (item, update) {
        (
            ThreadItem::AssistantMessage(message),
            ThreadItemUpdate::ContentPartTextDelta {
                content_index,
                delta,
            },
        ) => {
            pad(&mut message.content, *content_index);
            if let Some(part) = message.content.get_mut(*content_index) {
                part.text.push_str(delta);
            }
        }
        (
            ThreadItem::AssistantMessage(message),
            ThreadItemUpdate::ContentPartAdded {
                content_index,
                content,
            }
            | ThreadItemUpdate::ContentPartDone {
                content_index,
                content,
            },
        ) => {
            pad(&mut message.content, *content_index);
            if let Some(part) = message.content.get_mut(*content_index) {
                *part = content.clone();
            }
        }
        (
            ThreadItem::AssistantMessage(message),
            ThreadItemUpdate::ContentPartAnnotationAdded {
                content_index,
                annotation_index,
                annotation,
            },
        ) => {
            pad(&mut message.content, *content_index);
            if let Some(part) = message.content.get_mut(*content_index) {
                let at = (*annotation_index).min(part.annotations.len());
                part.annotations.insert(at, annotation.clone());
            }
        }
        (ThreadItem::Workflow(workflow), ThreadItemUpdate::WorkflowTaskAdded { task, .. }) => {
            workflow.workflow.tasks.push(task.clone());
        }
        (
            ThreadItem::Workflow(workflow),
            ThreadItemUpdate::WorkflowTaskUpdated { task_index, task },
        ) => {
            if let Some(slot) = workflow.workflow.tasks.get_mut(*task_index) {
                *slot = task.clone();
            }
        }
        _ => {}
    }
}

fn pad(content: &mut Vec<crate::thread::AssistantMessageContent>, index: usize) {
    while content.len() <= index {
        content.push(crate::thread::AssistantMessageContent::new(""));
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

    /// The store. The server writes nothing for a synchronous action: save the updated item
    /// here if it should survive a reload.
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
