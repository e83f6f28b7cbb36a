//! [`SyncActionContext`]: what a synchronous (`streaming = false`) handler sees.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::SharedStore;
use super::error::HandlerError;
use super::pipeline::check_sent_widget;
use crate::store::{Store, StoreError, StoreItemType};
use crate::thread::{HiddenContextItem, ThreadItem, ThreadMetadata, WidgetItem};
use crate::widget::WidgetRoot;

/// What a synchronous (`streaming = false`) handler sees: the thread, the sender widget, the
/// request context and the store. It streams nothing: its writes go straight to the store (the
/// request's unit of work), and it returns the updated item the client shows in place of the
/// sender widget.
///
/// The helpers mirror [`ActionContext`](super::ActionContext)'s, without the events: a note
/// for the model ([`add_hidden_context`](Self::add_hidden_context)), a new widget
/// ([`add_widget`](Self::add_widget)), the sender redrawn
/// ([`replace_sender`](Self::replace_sender)), and the thread, changed through
/// [`thread_mut`](Self::thread_mut), saved when the handler returns. Widgets are checked as
/// [`ActionContext`](super::ActionContext)'s are (see the
/// [`ActionContext` docs](super::ActionContext#widgets-are-checked-on-the-way-out)).
///
/// ```
/// use chatkit_actions::handler::{SyncActionContext, SyncResult};
/// use chatkit_actions::widget::{Card, Text};
///
/// async fn toggle(cx: &mut SyncActionContext<()>) -> SyncResult {
///     cx.thread_mut().metadata.insert("done".into(), true.into());
///     cx.add_hidden_context("<USER_ACTION>Checked the todo</USER_ACTION>").await?;
///     let card = Card::new().child(Text::new("Done"));
///     if cx.sender().is_some() {
///         cx.replace_sender(card).await.map(Some)
///     } else {
///         Ok(Some(cx.add_widget(card).await?.into()))
///     }
/// }
/// ```
pub struct SyncActionContext<C> {
    thread: ThreadMetadata,
    saved_thread: ThreadMetadata,
    sender: Option<WidgetItem>,
    request: Arc<C>,
    store: SharedStore<C>,
    metadata: Arc<Map<String, Value>>,
}

impl<C: Send + Sync + 'static> SyncActionContext<C> {
    pub(crate) fn new(
        thread: ThreadMetadata,
        sender: Option<WidgetItem>,
        request: Arc<C>,
        store: SharedStore<C>,
        metadata: Arc<Map<String, Value>>,
    ) -> Self {
        SyncActionContext {
            saved_thread: thread.clone(),
            thread,
            sender,
            request,
            store,
            metadata,
        }
    }

    /// The thread the action belongs to.
    pub fn thread(&self) -> &ThreadMetadata {
        &self.thread
    }

    /// The thread, to change: a new title, status or metadata is saved when the handler
    /// returns (whether it succeeded or failed, as a streamed handler's is).
    pub fn thread_mut(&mut self) -> &mut ThreadMetadata {
        &mut self.thread
    }

    /// The widget item the action came from, when it came from a widget.
    pub fn sender(&self) -> Option<&WidgetItem> {
        self.sender.as_ref()
    }

    /// The request's `metadata` (`{}` when absent): untrusted data from the client, as
    /// [`ActionContext::metadata`](super::ActionContext::metadata)'s.
    ///
    /// ```
    /// use chatkit_actions::handler::{SyncActionContext, SyncResult};
    ///
    /// async fn tag(cx: &mut SyncActionContext<()>) -> SyncResult {
    ///     if let Some(source) = cx.metadata().get("source").cloned() {
    ///         cx.thread_mut().metadata.insert("source".into(), source);
    ///     }
    ///     Ok(None)
    /// }
    /// ```
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }

    /// The application's request context.
    pub fn request(&self) -> &C {
        &self.request
    }

    /// The store (the request's unit of work), for reads and for writes the helpers here do
    /// not cover. The server writes nothing else for a synchronous action.
    pub fn store(&self) -> &dyn Store<C> {
        &*self.store
    }

    /// A new id for an item of `kind` in this thread, from the store.
    pub fn new_item_id(&self, kind: StoreItemType) -> String {
        self.store
            .generate_item_id(kind, &self.thread, &self.request)
    }

    /// Saves a hidden context item for the model: persisted in the thread, never shown to the
    /// user (the seed's `<USER_ACTION>…</USER_ACTION>` note).
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn add_hidden_context(
        &mut self,
        content: impl Into<Value>,
    ) -> Result<(), HandlerError> {
        let id = self.new_item_id(StoreItemType::Message);
        let item = HiddenContextItem::new(id, self.thread.id.clone(), content);
        self.store
            .add_thread_item(
                &self.thread.id,
                &ThreadItem::HiddenContext(item),
                &self.request,
            )
            .await
            .map_err(HandlerError::store)
    }

    /// Saves a new widget item at the end of the thread and returns it; return it (as a
    /// [`ThreadItem`]) for the client to show it in place of the sender.
    ///
    /// # Errors
    ///
    /// A store error; in debug builds, a widget that fails [`WidgetRoot::check`].
    pub async fn add_widget(
        &mut self,
        widget: impl Into<WidgetRoot>,
    ) -> Result<WidgetItem, HandlerError> {
        let id = self.new_item_id(StoreItemType::Message);
        let item = WidgetItem::new(id, self.thread.id.clone(), widget.into());
        check_sent_widget(&item.id, &item.widget)?;
        self.store
            .add_thread_item(
                &self.thread.id,
                &ThreadItem::Widget(item.clone()),
                &self.request,
            )
            .await
            .map_err(HandlerError::store)?;
        Ok(item)
    }

    /// The sender widget item with its widget replaced, saved in the store, ready to return
    /// as the synchronous answer.
    ///
    /// # Errors
    ///
    /// [`HandlerError::custom`] when the action did not come from a widget, or a store error;
    /// in debug builds, a widget that fails [`WidgetRoot::check`].
    pub async fn replace_sender(
        &mut self,
        widget: impl Into<WidgetRoot>,
    ) -> Result<ThreadItem, HandlerError> {
        let Some(sender) = self.sender.as_mut() else {
            return Err(HandlerError::custom(
                "this action did not come from a widget, so there is no widget to replace",
            ));
        };
        *sender.widget = widget.into();
        check_sent_widget(&sender.id, &sender.widget)?;
        let item = ThreadItem::Widget(sender.clone());
        self.store
            .save_item(&self.thread.id, &item, &self.request)
            .await
            .map_err(HandlerError::store)?;
        Ok(item)
    }

    /// Saves the thread if the handler changed it: the server calls this when the handler
    /// returns.
    pub(crate) async fn save_changed_thread(&mut self) -> Result<(), StoreError> {
        if self.thread == self.saved_thread {
            return Ok(());
        }
        self.store.save_thread(&self.thread, &self.request).await?;
        self.saved_thread = self.thread.clone();
        Ok(())
    }
}
