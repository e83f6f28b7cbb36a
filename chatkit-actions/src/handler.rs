//! Handling actions: the [`ActionHandler`] trait that `#[action_handler]` implements, the
//! [`ActionContext`] every streamed handler receives (over the request's response
//! pipeline, `pipeline`), the [`SyncActionContext`] of synchronous actions, [`Respond`] (the
//! answer to a user message), [`ServerHooks`] (the SDK's other overridable server methods),
//! and [`HandlerError`], which becomes the stream's `error` event.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::action::{Action, ActionParseError, RawAction};
use crate::store::Store;
use crate::thread::UserMessageItem;
use crate::validate::ValidationError;

mod context;
mod error;
mod hooks;
pub(crate) mod pipeline;
mod sync;

pub use context::{ActionContext, EmitError};
pub use error::{HandlerError, HandlerResult, SyncResult};
pub(crate) use hooks::DynHooks;
pub use hooks::{DefaultHooks, ServerHooks, StreamCancelled};
pub use sync::SyncActionContext;

/// The server side of an action union: what the server runtime calls for each action.
///
/// Implemented by [`#[action_handler]`](crate::action_handler) on an impl block, which
/// generates the exhaustive dispatch over the enum. Its methods are not meant to be called
/// by applications.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not handle any action union",
    note = "put `#[action_handler(MyActionEnum)]` on an `impl {Self} {{ … }}` block with one async method per server action"
)]
pub trait ActionHandler: Send + Sync + 'static {
    /// The action union this type handles.
    type Action: Action + Send + 'static;
    /// The application's request context (user id, auth claims, …).
    type Context: Send + Sync + 'static;

    /// Whether actions of unknown types go to [`ActionHandler::handle_unknown`] instead of
    /// being rejected. Set by `#[action_handler(…, fallback)]`; this gives up the
    /// compile-time guarantee for those actions.
    const ACCEPTS_UNKNOWN: bool = false;

    /// Checks a parsed action before its handler runs (after the widget checks). The default
    /// accepts everything; `#[action_handler(AppAction, validate)]` routes it to
    /// `<AppAction as ValidateAction>::validate`. See [`crate::validate`].
    ///
    /// # Errors
    ///
    /// The rules the action breaks; the client gets them as an error event (or a 422) and no
    /// handler runs.
    fn validate(&self, action: &Self::Action) -> Result<(), ValidationError> {
        let _ = action;
        Ok(())
    }

    /// Runs the handler of a streamed action.
    fn handle(
        &self,
        action: Self::Action,
        cx: &mut ActionContext<Self::Context>,
    ) -> impl Future<Output = HandlerResult> + Send;

    /// Runs the handler of a synchronous (`streaming = false`) action.
    fn handle_sync(
        &self,
        action: Self::Action,
        cx: &mut SyncActionContext<Self::Context>,
    ) -> impl Future<Output = SyncResult> + Send;

    /// Handles an action whose type is not in the union, when
    /// [`ActionHandler::ACCEPTS_UNKNOWN`] is set.
    fn handle_unknown(
        &self,
        action: RawAction,
        cx: &mut ActionContext<Self::Context>,
    ) -> impl Future<Output = HandlerResult> + Send {
        let _ = cx;
        async move {
            Err(HandlerError::invalid_action(
                ActionParseError::UnknownType {
                    found: action.action_type,
                    expected: <Self::Action as Action>::TYPES,
                },
            ))
        }
    }
}

/// The answer to a user message: the Python SDK's `respond`, usually where a model is called.
///
/// It streams its events through the context like an action handler, and action handlers can
/// hand over to it with [`ActionContext::respond`] (the SDK's `self.generate(…)`).
///
/// ```
/// use chatkit_actions::handler::{ActionContext, HandlerResult, Respond};
/// use chatkit_actions::thread::UserMessageItem;
///
/// struct Echo;
///
/// impl Respond<()> for Echo {
///     async fn respond(&self, input: Option<&UserMessageItem>, cx: &mut ActionContext<()>) -> HandlerResult {
///         let text = input.map(UserMessageItem::text).unwrap_or_default();
///         cx.add_assistant_message(format!("You said: {text}")).await?;
///         Ok(())
///     }
/// }
/// ```
pub trait Respond<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// Answers `input` (absent when the turn was started by an action or a tool output).
    fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<C>,
    ) -> impl Future<Output = HandlerResult> + Send;
}

/// [`Respond`] made object safe, so a context can carry any responder.
pub(crate) trait DynRespond<C>: Send + Sync + 'static {
    fn respond_boxed<'a>(
        &'a self,
        input: Option<&'a UserMessageItem>,
        cx: &'a mut ActionContext<C>,
    ) -> BoxFuture<'a, HandlerResult>;
}

impl<C: Send + Sync + 'static, R: Respond<C>> DynRespond<C> for R {
    fn respond_boxed<'a>(
        &'a self,
        input: Option<&'a UserMessageItem>,
        cx: &'a mut ActionContext<C>,
    ) -> BoxFuture<'a, HandlerResult> {
        Box::pin(self.respond(input, cx))
    }
}

/// A responder that answers nothing: for servers that only handle actions.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResponse;

impl<C: Send + Sync + 'static> Respond<C> for NoResponse {
    async fn respond(
        &self,
        _: Option<&UserMessageItem>,
        _: &mut ActionContext<C>,
    ) -> HandlerResult {
        Ok(())
    }
}

pub(crate) type SharedStore<C> = Arc<dyn Store<C>>;
pub(crate) type SharedResponder<C> = Arc<dyn DynRespond<C>>;
pub(crate) type SharedHooks<C> = Arc<dyn DynHooks<C>>;
