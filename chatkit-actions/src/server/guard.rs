//! The gates in front of every request, in order: [`Limits`] on the raw body, then on the
//! parsed request, the [`RateLimit`](super::RateLimit), the [`Authorize`](super::Authorize) check. A request
//! stopped by one of them gets a 4xx, runs nothing and writes nothing.
//! [`ChatKitServer::process_from`](super::ChatKitServer::process_from) runs them in that order.

use std::net::IpAddr;
use std::sync::Arc;

use super::authorize::{AuthRequest, DynAuthorize};
use super::error::ProcessError;
use super::limits::Limits;
use super::rate::Limiter;

/// The gates of one server. Cloning shares the rate limiter's budget and the check.
pub(crate) struct Guards<C> {
    pub(crate) limits: Limits,
    pub(crate) rate: Option<Arc<Limiter<C>>>,
    pub(crate) authorize: Option<Arc<dyn DynAuthorize<C>>>,
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

impl<C> Clone for Guards<C> {
    fn clone(&self) -> Self {
        Guards {
            limits: self.limits,
            rate: self.rate.clone(),
            authorize: self.authorize.clone(),
        }
    }
}

impl<C: Send + Sync + 'static> Guards<C> {
    /// The rate limit gate: counts the request against its client's budget (keyed from the
    /// context, else the peer address; a request with neither is not limited).
    ///
    /// # Errors
    ///
    /// [`ProcessError::RateLimited`] with the time to wait, when over the budget.
    pub(crate) fn check_rate_limit(
        &self,
        request: AuthRequest<'_>,
        context: &C,
        peer: Option<IpAddr>,
    ) -> Result<(), ProcessError> {
        if let Some(limiter) = &self.rate
            && let Some(key) = limiter.key(context, peer)
            && let Err(wait) = limiter.check(&key, request.action_type())
        {
            tracing::warn!(
                key = %key,
                request = request.request_type(),
                action = request.action_type().unwrap_or(""),
                retry_after_ms = wait.as_millis(),
                "rate limit exceeded"
            );
            return Err(ProcessError::RateLimited { retry_after: wait });
        }
        Ok(())
    }

    /// The authorization gate: the application's [`Authorize`](super::Authorize) check, if it set one.
    ///
    /// # Errors
    ///
    /// [`ProcessError::Forbidden`] with the check's reason.
    pub(crate) async fn check_authorization(
        &self,
        request: &AuthRequest<'_>,
        context: &C,
    ) -> Result<(), ProcessError> {
        if let Some(check) = &self.authorize
            && let Err(denied) = check.authorize_boxed(context, request).await
        {
            tracing::warn!(
                request = request.request_type(),
                thread = request.thread_id().unwrap_or(""),
                action = request.action_type().unwrap_or(""),
                reason = %denied,
                "request denied"
            );
            return Err(ProcessError::Forbidden(denied.to_string()));
        }
        Ok(())
    }
}
