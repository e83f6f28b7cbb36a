//! [`ServerHooks`]: the Python SDK's overridable `ChatKitServer` methods that are neither a
//! handler nor the responder: the `stream_options` of each response
//! (`get_stream_options`), what a client disconnect leaves in the thread
//! (`handle_stream_cancelled`, run with a [`StreamCancelled`]), and the feedback of
//! `items.feedback` (`add_feedback`).

use std::future::Future;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::error::HandlerError;
use crate::request::FeedbackKind;
use crate::store::{Store, StoreError, StoreItemType};
use crate::thread::{
    HiddenContextItem, SdkHiddenContextItem, StreamOptions, ThreadItem, ThreadMetadata,
};

/// The hooks of a [`ChatKitServer`](crate::server::ChatKitServer) that the Python SDK offers as
/// overridable methods of its `ChatKitServer`: every method has the SDK's behaviour as its
/// default, so an application overrides only what it needs and installs its hooks with
/// [`ChatKitServer::hooks`](crate::server::ChatKitServer::hooks).
///
/// ```
/// use chatkit_actions::handler::{HandlerError, ServerHooks, StreamCancelled};
/// use chatkit_actions::request::FeedbackKind;
/// use chatkit_actions::store::StoreError;
/// use chatkit_actions::thread::{StreamOptions, ThreadItem, ThreadMetadata};
///
/// /// The request context: who is asking.
/// struct User {
///     admin: bool,
/// }
///
/// struct Hooks;
///
/// impl ServerHooks<User> for Hooks {
///     // Only admins get a stop button, and never on archived threads.
///     fn stream_options(&self, thread: &ThreadMetadata, user: &User) -> StreamOptions {
///         let archived = thread.metadata.get("archived").is_some_and(|v| v == true);
///         StreamOptions { allow_cancel: user.admin && !archived }
///     }
///
///     // Today's handling, then one more note for the model.
///     async fn handle_stream_cancelled(
///         &self,
///         pending_items: Vec<ThreadItem>,
///         cx: &mut StreamCancelled<'_, User>,
///     ) -> Result<(), StoreError> {
///         cx.handle_by_default(pending_items).await?;
///         cx.add_hidden_context("<NOTE>The user stopped the answer.</NOTE>").await
///     }
///
///     async fn add_feedback(
///         &self,
///         thread_id: &str,
///         item_ids: &[String],
///         kind: FeedbackKind,
///         _user: &User,
///     ) -> Result<(), HandlerError> {
///         println!("{thread_id}: {kind:?} on {item_ids:?}");
///         Ok(())
///     }
/// }
/// ```
pub trait ServerHooks<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// The `stream_options` event that opens every streamed response on `thread` for the
    /// request `context` (the SDK's `get_stream_options`): whether the client shows a stop
    /// button. The default allows cancelling, as the SDK does.
    ///
    /// [`ChatKitServer::allow_cancel`](crate::server::ChatKitServer::allow_cancel), when
    /// set, is a fixed answer that takes the place of this method's.
    ///
    /// ```
    /// use chatkit_actions::handler::ServerHooks;
    /// use chatkit_actions::thread::{StreamOptions, ThreadMetadata};
    ///
    /// struct NoStopOnImports;
    ///
    /// impl ServerHooks<()> for NoStopOnImports {
    ///     fn stream_options(&self, thread: &ThreadMetadata, (): &()) -> StreamOptions {
    ///         let import = thread.title.as_deref().is_some_and(|t| t.starts_with("Import"));
    ///         StreamOptions { allow_cancel: !import }
    ///     }
    /// }
    /// ```
    fn stream_options(&self, thread: &ThreadMetadata, context: &C) -> StreamOptions {
        let _ = (thread, context);
        StreamOptions::default()
    }

    /// What a client disconnect leaves in the thread (the SDK's `handle_stream_cancelled`):
    /// called once when the client goes away before the response ends, with the items the
    /// response added (`thread.item.added`) but did not finish, their updates folded in.
    ///
    /// It runs inside the request's unit of work, which commits after it: its writes (through
    /// `cx`) are saved with the rest of the response, or rolled back with it. The client never
    /// sees them (it is gone); it finds them when it reloads the thread. A changed thread
    /// ([`StreamCancelled::thread_mut`]) is saved after it returns. An `Err` is logged, and
    /// what was written before it stays.
    ///
    /// The default is the SDK's ([`StreamCancelled::handle_by_default`]): the pending
    /// assistant messages that have text are saved, and a hidden note tells the model the
    /// user stopped the response.
    ///
    /// ```
    /// use chatkit_actions::handler::{ServerHooks, StreamCancelled};
    /// use chatkit_actions::store::StoreError;
    /// use chatkit_actions::thread::ThreadItem;
    ///
    /// /// Keeps every pending item as it was, and leaves no note.
    /// struct KeepEverything;
    ///
    /// impl ServerHooks<()> for KeepEverything {
    ///     async fn handle_stream_cancelled(
    ///         &self,
    ///         pending_items: Vec<ThreadItem>,
    ///         cx: &mut StreamCancelled<'_, ()>,
    ///     ) -> Result<(), StoreError> {
    ///         for item in &pending_items {
    ///             cx.add_item(item).await?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// A store failure; it is logged (the client is gone).
    fn handle_stream_cancelled(
        &self,
        pending_items: Vec<ThreadItem>,
        cx: &mut StreamCancelled<'_, C>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        cx.handle_by_default(pending_items)
    }

    /// Records the user's feedback on items of a thread (`items.feedback`, the SDK's
    /// `add_feedback`). The default does nothing; the request answers `{}` either way once
    /// this returns `Ok`.
    ///
    /// The request names the thread and the items as the client sent them: check that the
    /// thread is the user's (with the store) before trusting them.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// use chatkit_actions::handler::{HandlerError, ServerHooks};
    /// use chatkit_actions::request::FeedbackKind;
    ///
    /// /// The ratings received, shared with whoever reads them.
    /// #[derive(Clone, Default)]
    /// struct Ratings(Arc<Mutex<Vec<(String, FeedbackKind)>>>);
    ///
    /// impl ServerHooks<()> for Ratings {
    ///     async fn add_feedback(
    ///         &self,
    ///         _thread_id: &str,
    ///         item_ids: &[String],
    ///         kind: FeedbackKind,
    ///         (): &(),
    ///     ) -> Result<(), HandlerError> {
    ///         let mut ratings = self.0.lock().map_err(|_| HandlerError::internal("poisoned"))?;
    ///         ratings.extend(item_ids.iter().map(|id| (id.clone(), kind)));
    ///         Ok(())
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// The request fails: a client error ([`HandlerError::invalid_action`], say) or
    /// [`HandlerError::custom`] answers `422` with its message, anything else `500` (the
    /// details go to the log).
    fn add_feedback(
        &self,
        thread_id: &str,
        item_ids: &[String],
        kind: FeedbackKind,
        context: &C,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        let _ = (thread_id, item_ids, kind, context);
        async { Ok(()) }
    }
}

/// The note the SDK leaves for the model when the user stops a stream.
const CANCELLED_NOTE: &str = "The user cancelled the stream. Stop responding to the prior request.";

/// The SDK's defaults for every hook.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultHooks;

impl<C: Send + Sync + 'static> ServerHooks<C> for DefaultHooks {}

/// [`ServerHooks`] made object safe, so a server can carry any hooks.
pub(crate) trait DynHooks<C>: Send + Sync + 'static {
    fn stream_options(&self, thread: &ThreadMetadata, context: &C) -> StreamOptions;

    fn handle_stream_cancelled_boxed<'a>(
        &'a self,
        pending_items: Vec<ThreadItem>,
        cx: &'a mut StreamCancelled<'_, C>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    fn add_feedback_boxed<'a>(
        &'a self,
        thread_id: &'a str,
        item_ids: &'a [String],
        kind: FeedbackKind,
        context: &'a C,
    ) -> BoxFuture<'a, Result<(), HandlerError>>;
}

impl<C: Send + Sync + 'static, H: ServerHooks<C>> DynHooks<C> for H {
    fn stream_options(&self, thread: &ThreadMetadata, context: &C) -> StreamOptions {
        ServerHooks::stream_options(self, thread, context)
    }

    fn handle_stream_cancelled_boxed<'a>(
        &'a self,
        pending_items: Vec<ThreadItem>,
        cx: &'a mut StreamCancelled<'_, C>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.handle_stream_cancelled(pending_items, cx))
    }

    fn add_feedback_boxed<'a>(
        &'a self,
        thread_id: &'a str,
        item_ids: &'a [String],
        kind: FeedbackKind,
        context: &'a C,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(self.add_feedback(thread_id, item_ids, kind, context))
    }
}

/// What [`ServerHooks::handle_stream_cancelled`] works with: the thread, the request context
/// and the store (the request's unit of work). Nothing reaches the client any more.
pub struct StreamCancelled<'a, C> {
    thread: &'a mut ThreadMetadata,
    request: &'a C,
    store: &'a dyn Store<C>,
}

impl<'a, C: Send + Sync + 'static> StreamCancelled<'a, C> {
    pub(crate) fn new(
        thread: &'a mut ThreadMetadata,
        request: &'a C,
        store: &'a dyn Store<C>,
    ) -> Self {
        StreamCancelled {
            thread,
            request,
            store,
        }
    }

    /// The thread whose response was cancelled.
    pub fn thread(&self) -> &ThreadMetadata {
        self.thread
    }

    /// The thread, to change: saved after the hook returns.
    pub fn thread_mut(&mut self) -> &mut ThreadMetadata {
        self.thread
    }

    /// The application's request context.
    pub fn request(&self) -> &C {
        self.request
    }

    /// The store: the request's unit of work.
    pub fn store(&self) -> &dyn Store<C> {
        self.store
    }

    /// A new id for an item of `kind` in this thread, from the store.
    pub fn new_item_id(&self, kind: StoreItemType) -> String {
        self.store.generate_item_id(kind, self.thread, self.request)
    }

    /// Adds `item` to the thread (the store's `add_thread_item`).
    ///
    /// # Errors
    ///
    /// The store's.
    pub async fn add_item(&self, item: &ThreadItem) -> Result<(), StoreError> {
        let thread_id = &self.thread().id;
        self.store()
            .add_thread_item(thread_id, item, self.request())
            .await
    }

    /// Adds a hidden context item for the model (never shown to the user), as
    /// [`ActionContext::add_hidden_context`](super::ActionContext::add_hidden_context) does.
    ///
    /// # Errors
    ///
    /// The store's.
    pub async fn add_hidden_context(&self, content: impl Into<Value>) -> Result<(), StoreError> {
        let id = self.new_item_id(StoreItemType::Message);
        let item = HiddenContextItem::new(id, self.thread().id.clone(), content);
        self.add_item(&ThreadItem::HiddenContext(item)).await
    }

    /// The SDK's handling, the default of [`ServerHooks::handle_stream_cancelled`]: saves the
    /// pending assistant messages that have text (not pending widgets or workflows), then
    /// adds the SDK's hidden note "The user cancelled the stream. Stop responding to the
    /// prior request." so the next response does not carry on with the cancelled one.
    ///
    /// # Errors
    ///
    /// The store's failure to save the note; a message that fails to save is logged and
    /// skipped, so the note is still written.
    pub async fn handle_by_default(
        &self,
        pending_items: Vec<ThreadItem>,
    ) -> Result<(), StoreError> {
        for item in pending_items {
            let keep = match &item {
                ThreadItem::AssistantMessage(message) => message
                    .content
                    .iter()
                    .any(|part| !part.text.trim().is_empty()),
                _ => false,
            };
            if keep && let Err(error) = self.add_item(&item).await {
                tracing::error!(thread = %self.thread().id, %error, "saving a cancelled message failed");
            }
        }
        let note_id = self.new_item_id(StoreItemType::SdkHiddenContext);
        let note = SdkHiddenContextItem::new(note_id, self.thread().id.clone(), CANCELLED_NOTE);
        self.add_item(&ThreadItem::SdkHiddenContext(note)).await
    }
}
