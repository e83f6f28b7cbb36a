//! The gates in front of every request, in order: [`Limits`] on the raw body, then on the
//! parsed request, the [`RateLimit`], the [`Authorize`] check. A request stopped by one of
//! them gets a 4xx, runs nothing and writes nothing.

use std::net::IpAddr;
use std::sync::Arc;

use super::authorize::{AuthRequest, Authorize, DynAuthorize};
use super::limits::Limits;
use super::rate::{Limiter, RateLimit};
use super::{ChatKitServer, ProcessError, Processed};
use crate::handler::ActionHandler;
use crate::request::ChatKitRequest;

/// The gates of one server.
pub(crate) struct Guards<C> {
    limits: Limits,
    rate: Option<Limiter<C>>,
    authorize: Option<Arc<dyn DynAuthorize<C>>>,
}

impl<C> Default for Guards<C> {
    fn default() -> Self {
        Guards {
            limits: Limits::default(),
            rate: None,
            authorize: None,
        }
    }
}

impl<H: ActionHandler> ChatKitServer<H> {
    /// Sets the request [`Limits`] (the defaults otherwise).
    ///
    /// # Panics
    ///
    /// If the server was already cloned: configure it first.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.inner_mut().guards.limits = limits;
        self
    }

    /// The request limits in force.
    pub fn current_limits(&self) -> &Limits {
        &self.inner.guards.limits
    }

    /// Limits how many requests each client sends: `key` names the client of a request from
    /// its context (a user id, say). When it returns `None`, the peer address is the key if
    /// the [`http`](crate::http) layer knows it (serve with
    /// `into_make_service_with_connect_info::<SocketAddr>()`), else the request is not
    /// limited. Over the limit: `429 Too Many Requests` with `Retry-After`, and nothing runs.
    ///
    /// ```
    /// # use chatkit_actions::{Action, action_handler};
    /// # use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// # use chatkit_actions::store::MemoryStore;
    /// use std::num::NonZeroU32;
    /// use chatkit_actions::server::{ChatKitServer, RateLimit};
    /// # #[derive(Action, Debug)] enum AppAction { Ping }
    /// # struct App;
    /// # #[action_handler(AppAction)]
    /// # impl App {
    /// #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
    /// # }
    ///
    /// let per_minute = NonZeroU32::new(60).unwrap();
    /// // The context here is `()`: one budget for everyone. A real key is a user id.
    /// let server = ChatKitServer::new(MemoryStore::new(), App)
    ///     .rate_limit(RateLimit::per_minute(per_minute), |(): &()| Some("all".to_owned()));
    /// # let _ = server;
    /// ```
    ///
    /// # Panics
    ///
    /// If the server was already cloned: configure it first.
    #[must_use]
    pub fn rate_limit(
        mut self,
        limit: RateLimit,
        key: impl Fn(&H::Context) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.inner_mut().guards.rate = Some(Limiter::new(limit, Box::new(key)));
        self
    }

    /// Sets the [`Authorize`] check run before every request.
    ///
    /// ```
    /// # use chatkit_actions::{Action, action_handler};
    /// # use chatkit_actions::handler::{ActionContext, HandlerResult};
    /// # use chatkit_actions::store::MemoryStore;
    /// use chatkit_actions::server::{AuthRequest, ChatKitServer, Denied};
    /// # #[derive(Action, Debug)] enum AppAction { Ping }
    /// # struct App;
    /// # #[action_handler(AppAction)]
    /// # impl App {
    /// #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
    /// # }
    ///
    /// let server = ChatKitServer::new(MemoryStore::new(), App).authorize(
    ///     |(): &(), request: &AuthRequest<'_>| match request.action_type() {
    ///         Some("ping") => Err(Denied::new("nobody may ping")),
    ///         _ => Ok(()),
    ///     },
    /// );
    /// # let _ = server;
    /// ```
    ///
    /// # Panics
    ///
    /// If the server was already cloned: configure it first.
    #[must_use]
    pub fn authorize(mut self, check: impl Authorize<H::Context>) -> Self {
        self.inner_mut().guards.authorize = Some(Arc::new(check));
        self
    }

    /// [`ChatKitServer::process`] for a request from `peer`: the rate limit falls back to the
    /// peer address when the context gives no key. The [`http`](crate::http) endpoint calls
    /// this.
    ///
    /// # Errors
    ///
    /// As [`ChatKitServer::process`].
    pub async fn process_from(
        &self,
        body: &[u8],
        context: H::Context,
        peer: Option<IpAddr>,
    ) -> Result<Processed, ProcessError> {
        self.inner.guards.limits.check_body(body)?;
        let mut request: ChatKitRequest = serde_json::from_slice(body)
            .map_err(|error| ProcessError::InvalidRequest(error.to_string()))?;
        self.admit(&mut request, &context, peer).await?;
        self.dispatch(request, context).await
    }

    /// Runs the gates on a parsed request: limits, rate limit, authorization.
    pub(super) async fn admit(
        &self,
        request: &mut ChatKitRequest,
        context: &H::Context,
        peer: Option<IpAddr>,
    ) -> Result<(), ProcessError> {
        let guards = &self.inner.guards;
        guards.limits.check_request(request)?;
        let auth = AuthRequest::new(request);
        if let Some(limiter) = &guards.rate
            && let Some(key) = limiter.key(context, peer)
            && let Err(wait) = limiter.check(&key, auth.action_type())
        {
            tracing::warn!(
                key = %key,
                request = auth.request_type(),
                action = auth.action_type().unwrap_or(""),
                retry_after_ms = wait.as_millis(),
                "rate limit exceeded"
            );
            return Err(ProcessError::RateLimited { retry_after: wait });
        }
        if let Some(check) = &guards.authorize
            && let Err(denied) = check.authorize_boxed(context, &auth).await
        {
            tracing::warn!(
                request = auth.request_type(),
                thread = auth.thread_id().unwrap_or(""),
                action = auth.action_type().unwrap_or(""),
                reason = %denied,
                "request denied"
            );
            return Err(ProcessError::Forbidden(denied.to_string()));
        }
        Ok(())
    }
}
