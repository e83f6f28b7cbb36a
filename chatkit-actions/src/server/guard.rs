//! The gates in front of every request, in order: [`Limits`] on the raw body, then on the
//! parsed request, the [`RateLimit`](super::RateLimit), the [`Authorize`](super::Authorize) check. A request
//! stopped by one of them gets a 4xx, runs nothing and writes nothing.
//! [`ChatKitServer::process_from`](super::ChatKitServer::process_from) runs them in that order.

use std::net::IpAddr;
use std::sync::Arc;

use super::authorize::{AuthRequest, DynAuthorize};
use super::error::ProcessError;
use super::limits::Limits;
use super::rate::{KeyFn, Limiter};
use crate::telemetry::{self, Refusal, RefusalMonitor};

/// The gates of one server. Cloning shares the rate limiter's budget, the check and the
/// refusal monitor.
pub(crate) struct Guards<C> {
    pub(crate) limits: Limits,
    pub(crate) rate: Option<Arc<Limiter<C>>>,
    pub(crate) authorize: Option<Arc<dyn DynAuthorize<C>>>,
    pub(crate) monitor: Option<Arc<Monitor<C>>>,
}

/// A [`RefusalMonitor`] and the key function naming the user of a request.
pub(crate) struct Monitor<C> {
    pub(crate) monitor: RefusalMonitor,
    pub(crate) key: KeyFn<C>,
}

impl<C> Default for Guards<C> {
    fn default() -> Self {
        Guards {
            limits: Limits::default(),
            rate: None,
            authorize: None,
            monitor: None,
        }
    }
}

impl<C> Clone for Guards<C> {
    fn clone(&self) -> Self {
        Guards {
            limits: self.limits,
            rate: self.rate.clone(),
            authorize: self.authorize.clone(),
            monitor: self.monitor.clone(),
        }
    }
}

impl<C> Guards<C> {
    /// Records a refusal: its metric, and the user's refusals for the monitor (the user named
    /// by the monitor's key function, else the peer address).
    pub(crate) fn refused(&self, reason: Refusal, context: &C, peer: Option<IpAddr>) {
        telemetry::record_refusal(reason);
        if let Some(monitor) = &self.monitor
            && let Some(user) =
                (monitor.key)(context).or_else(|| peer.map(|peer| format!("peer:{peer}")))
        {
            monitor.monitor.record(&user, reason);
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
    /// `action_type` is the request's action type as a bounded label
    /// ([`telemetry::action_type_label`]).
    pub(crate) async fn check_rate_limit(
        &self,
        request: AuthRequest<'_>,
        action_type: Option<&'static str>,
        context: &C,
        peer: Option<IpAddr>,
    ) -> Result<(), ProcessError> {
        if let Some(limiter) = &self.rate
            && let Some(key) = limiter.key(context, peer)
            && let Err(wait) = limiter.check(&key, action_type).await
        {
            self.refused(Refusal::RateLimit, context, peer);
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
        peer: Option<IpAddr>,
    ) -> Result<(), ProcessError> {
        if let Some(check) = &self.authorize
            && let Err(denied) = check.authorize_boxed(context, request).await
        {
            self.refused(Refusal::Authorization, context, peer);
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
