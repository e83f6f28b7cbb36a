//! [`Pipeline`]: the response pipeline of one streamed request, the Python SDK's
//! `_process_events`. It owns what a response changes (the thread, the last state of it that
//! was saved, the items added but not done) and where the changes go (the store, the stream
//! of events to the client), and it is the one way events leave a handler.
//!
//! Every event goes through [`Pipeline::emit`]: it is first applied to the store
//! (`thread.item.done` inserts, `thread.item.replaced` upserts, `thread.item.removed`
//! deletes, `thread.item.added`/`updated` are tracked as pending), then forwarded (a hidden
//! context item is persisted only), and then, if the handler changed the thread, the thread
//! is saved and `thread.updated` follows. Events the server itself sends without touching the
//! store (`stream_options`, `thread.created`) go through [`Pipeline::forward`]. The response
//! ends with [`Pipeline::finish`] (a handler error becomes the `error` event; a disconnect
//! becomes the SDK's cancellation handling) or [`Pipeline::abort`] (the writes roll back).
//!
//! [`ActionContext`](super::ActionContext) wraps a pipeline with the user's API; the server
//! builds one per streamed request and ends it.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::SharedStore;
use super::error::{HandlerError, HandlerResult};
use super::hooks::{DynHooks, StreamCancelled};
use crate::store::{Store, StoreItemType};
use crate::thread::{Thread, ThreadItem, ThreadItemUpdate, ThreadMetadata, ThreadStreamEvent};
use crate::widget::WidgetRoot;

/// The response pipeline of one streamed request. See the [module docs](self).
pub(crate) struct Pipeline<C> {
    /// The thread as the handler left it.
    thread: ThreadMetadata,
    /// The thread as last saved (or loaded), kept from the first [`Pipeline::thread_mut`]
    /// on: a difference is saved and announced. `None` while the thread can't have changed
    /// (most responses never change it, and skip the copy).
    saved_thread: Option<ThreadMetadata>,
    /// The application's request context.
    request: Arc<C>,
    /// The request's unit of work.
    store: SharedStore<C>,
    /// The events to the client.
    events: mpsc::Sender<ThreadStreamEvent>,
    /// Items added (`thread.item.added`) and not yet done, with their updates folded in: what
    /// the cancellation handling saves.
    pending: Vec<ThreadItem>,
    /// Whether the client is known to be gone.
    cancelled: bool,
}

impl<C: Send + Sync + 'static> Pipeline<C> {
    /// A pipeline for `thread` (as loaded or just saved), writing through `store` and sending
    /// through `events`.
    pub(crate) fn new(
        thread: ThreadMetadata,
        request: Arc<C>,
        store: SharedStore<C>,
        events: mpsc::Sender<ThreadStreamEvent>,
    ) -> Self {
        Pipeline {
            saved_thread: None,
            thread,
            request,
            store,
            events,
            pending: Vec::new(),
            cancelled: false,
        }
    }

    /// The thread as the handler left it.
    pub(crate) fn thread(&self) -> &ThreadMetadata {
        &self.thread
    }

    /// The thread, to change: saved and announced after the next event, or at the end.
    pub(crate) fn thread_mut(&mut self) -> &mut ThreadMetadata {
        self.keep_saved_thread();
        &mut self.thread
    }

    /// Keeps the thread's saved state, before handing out the thread to change.
    fn keep_saved_thread(&mut self) {
        if self.saved_thread.is_none() {
            self.saved_thread = Some(self.thread.clone());
        }
    }

    /// Whether the thread differs from its last saved state.
    fn thread_changed(&self) -> bool {
        self.saved_thread
            .as_ref()
            .is_some_and(|saved| *saved != self.thread)
    }

    /// The application's request context.
    pub(crate) fn request(&self) -> &C {
        &self.request
    }

    /// The request's unit of work.
    pub(crate) fn store(&self) -> &dyn Store<C> {
        &*self.store
    }

    /// Whether the client has disconnected.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled || self.events.is_closed()
    }

    /// Resolves once the client has disconnected (the event stream's receiver is gone).
    pub(crate) async fn cancelled(&self) {
        if !self.cancelled {
            self.events.closed().await;
        }
    }

    /// A new id for an item of `kind` in this thread, from the store.
    pub(crate) fn new_item_id(&self, kind: StoreItemType) -> String {
        self.store
            .generate_item_id(kind, &self.thread, &self.request)
    }

    /// Sends one event: checks the widget it carries ([`check_sent_widget`]), applies it to
    /// the store, streams it (a done hidden context item is persisted only), then announces a
    /// changed thread.
    pub(crate) async fn emit(&mut self, event: ThreadStreamEvent) -> HandlerResult {
        // Once the client is gone, an event is neither persisted nor applied to the pending
        // items: in the SDK the disconnect cancels the handler before it yields again, so the
        // cancellation handling saves what the client saw, not one event more.
        if self.is_cancelled() {
            self.cancelled = true;
            return Err(HandlerError::cancelled());
        }
        if let Some((item_id, widget)) = sent_widget(&event) {
            check_sent_widget(item_id, widget)?;
        }
        self.apply(&event).await?;
        let hidden = matches!(&event, ThreadStreamEvent::ItemDone { item } if item.is_hidden());
        if !hidden {
            self.forward(event).await?;
        }
        self.announce_thread_change().await
    }

    /// Saves an item in place (same id, same position) without sending anything: for an item
    /// whose change the client gets as `thread.item.updated` events, which the pipeline never
    /// persists. A widget item is checked first, as [`Pipeline::emit`] checks it.
    pub(crate) async fn save_item(&mut self, item: &ThreadItem) -> HandlerResult {
        if let ThreadItem::Widget(widget) = item {
            check_sent_widget(&widget.id, &widget.widget)?;
        }
        self.store
            .save_item(&self.thread.id, item, &self.request)
            .await
            .map_err(HandlerError::store)
    }

    /// Applies an event to the store and to the pending items.
    async fn apply(&mut self, event: &ThreadStreamEvent) -> HandlerResult {
        let thread_id = &self.thread.id;
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
                    .add_thread_item(thread_id, item, &self.request)
                    .await
                    .map_err(HandlerError::store)?;
                self.pending.retain(|p| p.id() != item.id());
            }
            ThreadStreamEvent::ItemRemoved { item_id } => {
                self.store
                    .delete_thread_item(thread_id, item_id, &self.request)
                    .await
                    .map_err(HandlerError::store)?;
                self.pending.retain(|p| p.id() != item_id);
            }
            ThreadStreamEvent::ItemReplaced { item } => {
                self.store
                    .save_item(thread_id, item, &self.request)
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

    /// Saves and announces the thread if the handler changed it since it was last saved.
    pub(crate) async fn announce_thread_change(&mut self) -> HandlerResult {
        if !self.thread_changed() {
            return Ok(());
        }
        // Saved below: as saved from now on.
        self.saved_thread = None;
        self.store
            .save_thread(&self.thread, &self.request)
            .await
            .map_err(HandlerError::store)?;
        let thread = Thread::from(self.thread.clone()).redacted();
        self.forward(ThreadStreamEvent::ThreadUpdated { thread })
            .await
    }

    /// Ends the pipeline as the SDK does: a handler error becomes one `error` event (a
    /// cancellation becomes the cancellation handling instead), then a last thread check.
    pub(crate) async fn finish(mut self, result: HandlerResult, hooks: &dyn DynHooks<C>) {
        let cancelled =
            self.is_cancelled() || result.as_ref().is_err_and(HandlerError::is_cancelled);
        if cancelled {
            self.cancelled = true;
            self.handle_cancelled(hooks).await;
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
                self.handle_cancelled(hooks).await;
                return;
            }
        }
        if let Err(error) = self.announce_thread_change().await {
            if error.is_cancelled() {
                self.handle_cancelled(hooks).await;
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

    /// The SDK's cancellation handling: the application's
    /// [`ServerHooks::handle_stream_cancelled`](super::ServerHooks::handle_stream_cancelled)
    /// with the pending items (by default, keep the pending assistant messages that had text
    /// and leave the model a note that the user stopped the stream), then a changed thread
    /// saved.
    async fn handle_cancelled(&mut self, hooks: &dyn DynHooks<C>) {
        let thread_id = self.thread.id.clone();
        let pending = std::mem::take(&mut self.pending);
        self.keep_saved_thread();
        let mut cx = StreamCancelled::new(&mut self.thread, &*self.request, &*self.store);
        if let Err(error) = hooks.handle_stream_cancelled_boxed(pending, &mut cx).await {
            tracing::error!(thread = %thread_id, %error, "the cancellation handling failed");
        }
        if self.thread_changed()
            && let Err(error) = self.store.save_thread(&self.thread, &self.request).await
        {
            tracing::error!(thread = %thread_id, %error, "saving the thread failed");
        }
        tracing::info!(thread = %thread_id, "stream cancelled by the client");
    }
}

/// The widget an event sends, with its item's id: a widget item added, done or replaced, or a
/// new root. (A `widget.component.updated` carries one node, not a root: the item is checked
/// when it is done or replaced.)
fn sent_widget(event: &ThreadStreamEvent) -> Option<(&str, &WidgetRoot)> {
    if let Some(item) = event.widget_item() {
        return Some((&item.id, &item.widget));
    }
    match event {
        ThreadStreamEvent::ItemUpdated {
            item_id,
            update: ThreadItemUpdate::WidgetRootUpdated { widget },
        } => Some((item_id, widget)),
        _ => None,
    }
}

/// Whether a widget that fails [`WidgetRoot::check`] is refused: in debug builds, where the
/// mistake is the developer's to see; release builds log it and send the widget.
const REFUSE_WIDGET_ISSUES: bool = cfg!(debug_assertions);

/// Checks a widget a handler sends ([`WidgetRoot::check`]: form values the client would drop
/// because an action's payload has their key). With issues, a debug build refuses the widget
/// ([`HandlerError::internal`] naming the item and every issue, so nothing is sent or saved);
/// a release build logs them at `warn` and lets the widget through, as the client would show
/// it.
///
/// # Errors
///
/// In debug builds, the issues of the widget.
pub(crate) fn check_sent_widget(item_id: &str, widget: &WidgetRoot) -> HandlerResult {
    check_widget_with(item_id, widget, REFUSE_WIDGET_ISSUES)
}

fn check_widget_with(item_id: &str, widget: &WidgetRoot, refuse: bool) -> HandlerResult {
    let Err(issues) = widget.check() else {
        return Ok(());
    };
    let issues = issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if refuse {
        return Err(HandlerError::internal(format!(
            "widget item `{item_id}` was not sent, it fails the widget check: {issues}"
        )));
    }
    tracing::warn!(item = item_id, %issues, "a widget that fails the widget check was sent");
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check_widget_with;
    use crate::ActionConfig;
    use crate::widget::{Card, Form, Input, WidgetRoot};

    fn colliding() -> WidgetRoot {
        Card::new()
            .child(
                Form::new()
                    .on_submit_action(
                        ActionConfig::new("todo.save").payload(json!({"title": "old"})),
                    )
                    .child(Input::new("title")),
            )
            .into()
    }

    #[test]
    fn a_sound_widget_passes_either_way() {
        let widget = WidgetRoot::from(Card::new());
        assert!(check_widget_with("w", &widget, true).is_ok());
        assert!(check_widget_with("w", &widget, false).is_ok());
    }

    #[test]
    fn issues_refuse_the_widget_when_refusing() {
        let error = check_widget_with("msg_1", &colliding(), true).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("widget item `msg_1` was not sent"),
            "{message}"
        );
        assert!(message.contains("form field `title`"), "{message}");
        assert!(!error.is_client_error());
    }

    #[test]
    fn issues_only_warn_otherwise() {
        assert!(check_widget_with("msg_1", &colliding(), false).is_ok());
    }
}
