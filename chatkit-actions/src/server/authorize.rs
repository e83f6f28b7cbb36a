//! [`Authorize`]: the application's say on every request, before a thread is loaded or an
//! action dispatched.

use std::fmt;

use futures_util::future::BoxFuture;

use std::sync::OnceLock;

use crate::request::{ActionRequest, ChatKitRequest};

/// An authorization check the application supplies with
/// [`ChatKitServer::authorize`](super::ChatKitServer::authorize). It runs for every request
/// after the limits and the rate limit, before the server loads a thread or dispatches an
/// action; [`Denied`] is answered `403 Forbidden` with its message, and nothing runs.
///
/// A closure `Fn(&C, &AuthRequest) -> Result<(), Denied>` is one; implement the trait for a
/// check that awaits (a database, a policy service).
///
/// ```
/// use chatkit_actions::server::{AuthRequest, Authorize, Denied};
///
/// struct ReadOnlyUsers;
///
/// impl Authorize<String> for ReadOnlyUsers {
///     async fn authorize(&self, user: &String, request: &AuthRequest<'_>) -> Result<(), Denied> {
///         let reads = ["threads.list", "threads.get_by_id", "items.list"];
///         if user.starts_with("viewer:") && !reads.contains(&request.request_type()) {
///             return Err(Denied::new("viewers may only read"));
///         }
///         Ok(())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    note = "implement `Authorize<{C}>`, or pass a closure `|context: &{C}, request: &AuthRequest<'_>| -> Result<(), Denied>`"
)]
pub trait Authorize<C>: Send + Sync + 'static {
    /// `Ok(())` lets the request run; [`Denied`] refuses it.
    fn authorize(
        &self,
        context: &C,
        request: &AuthRequest<'_>,
    ) -> impl Future<Output = Result<(), Denied>> + Send;
}

#[diagnostic::do_not_recommend]
impl<C, F> Authorize<C> for F
where
    C: Sync,
    F: Fn(&C, &AuthRequest<'_>) -> Result<(), Denied> + Send + Sync + 'static,
{
    fn authorize(
        &self,
        context: &C,
        request: &AuthRequest<'_>,
    ) -> impl Future<Output = Result<(), Denied>> + Send {
        std::future::ready(self(context, request))
    }
}

/// [`Authorize`] made object safe, so the server can hold any check.
pub(crate) trait DynAuthorize<C>: Send + Sync + 'static {
    fn authorize_boxed<'a>(
        &'a self,
        context: &'a C,
        request: &'a AuthRequest<'a>,
    ) -> BoxFuture<'a, Result<(), Denied>>;
}

impl<C, A: Authorize<C>> DynAuthorize<C> for A {
    fn authorize_boxed<'a>(
        &'a self,
        context: &'a C,
        request: &'a AuthRequest<'a>,
    ) -> BoxFuture<'a, Result<(), Denied>> {
        Box::pin(self.authorize(context, request))
    }
}

/// What a request asks for, as an [`Authorize`] check sees it.
#[derive(Debug, Clone, Copy)]
pub struct AuthRequest<'a> {
    request: Seen<'a>,
}

/// The request an [`AuthRequest`] shows: parsed whole, or an action request read from the
/// body with its action borrowed, made whole only if the check asks for it.
#[derive(Debug, Clone, Copy)]
enum Seen<'a> {
    Whole(&'a ChatKitRequest),
    Action {
        request: &'a ActionRequest<'a>,
        whole: &'a OnceLock<ChatKitRequest>,
    },
}

impl<'a> AuthRequest<'a> {
    pub(crate) fn new(request: &'a ChatKitRequest) -> Self {
        AuthRequest {
            request: Seen::Whole(request),
        }
    }

    /// An action request with its action borrowed from the body; `whole` keeps its owned
    /// form once [`AuthRequest::request`] is asked for.
    pub(crate) fn action(
        request: &'a ActionRequest<'a>,
        whole: &'a OnceLock<ChatKitRequest>,
    ) -> Self {
        AuthRequest {
            request: Seen::Action { request, whole },
        }
    }

    /// The whole request.
    ///
    /// For an action, its owned form is built on this call (the payload parsed into a JSON
    /// value); a payload holding a number a JSON value cannot hold (such as `1e400`) is
    /// absent from it, and the action is refused when it is parsed.
    pub fn request(&self) -> &'a ChatKitRequest {
        match self.request {
            Seen::Whole(request) => request,
            Seen::Action { request, whole } => whole.get_or_init(|| request.to_owned_request()),
        }
    }

    /// The request type, such as `threads.custom_action`.
    pub fn request_type(&self) -> &'static str {
        match self.request {
            Seen::Whole(request) => request.request_type(),
            Seen::Action { request, .. } => request.request_type(),
        }
    }

    /// The thread it names, if any.
    pub fn thread_id(&self) -> Option<&'a str> {
        match self.request {
            Seen::Whole(request) => request.thread_id(),
            Seen::Action { request, .. } => Some(&request.params.thread_id),
        }
    }

    /// The widget item an action comes from, if any.
    pub fn item_id(&self) -> Option<&'a str> {
        let item_id = match self.request {
            Seen::Whole(
                ChatKitRequest::ThreadsCustomAction { params, .. }
                | ChatKitRequest::ThreadsSyncCustomAction { params, .. },
            ) => params.item_id.as_deref(),
            Seen::Action { request, .. } => request.params.item_id.as_deref(),
            Seen::Whole(_) => None,
        };
        item_id.filter(|id| !id.is_empty())
    }

    /// The type of the action, for `threads.custom_action` and `threads.sync_custom_action`.
    pub fn action_type(&self) -> Option<&'a str> {
        match self.request {
            Seen::Whole(
                ChatKitRequest::ThreadsCustomAction { params, .. }
                | ChatKitRequest::ThreadsSyncCustomAction { params, .. },
            ) => Some(&params.action.action_type),
            Seen::Action { request, .. } => Some(&request.params.action.action_type),
            Seen::Whole(_) => None,
        }
    }
}

/// An [`Authorize`] check's refusal: answered `403 Forbidden`, code `forbidden`, with its
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    message: String,
}

impl Denied {
    /// A refusal with a message for the client (it is sent as is: keep secrets out of it).
    pub fn new(message: impl Into<String>) -> Self {
        Denied {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Denied {}
