//! [`RateLimit`]: how many requests one client may send, counted by a
//! [`RateLimiter`](crate::limiter::RateLimiter): in the process by default
//! ([`InProcessLimiter`], the `governor` crate's GCRA), or shared by replicas
//! ([`PostgresLimiter`](crate::limiter), see
//! [`ChatKitServer::rate_limiter`](super::ChatKitServer::rate_limiter)).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use crate::limiter::{Decision, InProcessLimiter, RateLimiter};

pub use crate::limiter::Quota;

/// A rate limit per client, and optionally per client and action type: a request over it is
/// answered `429 Too Many Requests` with `Retry-After` and nothing runs.
///
/// The client is the key the server's key function returns for the request context (a user
/// id, say; see [`ChatKitServer::rate_limit`](super::ChatKitServer::rate_limit)), or the
/// peer address when the function returns `None` and the [`http`](crate::http) layer knows
/// it.
///
/// The counts live in the process: with several replicas behind a load balancer (sharing a
/// PostgreSQL store, say), each replica allows the full quota, so a client may send up to
/// N times the quota to N replicas. To share one quota among replicas, give the server a
/// shared limiter instead: [`ChatKitServer::rate_limiter`](super::ChatKitServer::rate_limiter)
/// with a [`PostgresLimiter`](crate::limiter) (`docs/operations.md`).
///
/// A quota's burst is how many requests a client may send at once after a quiet spell;
/// [`per_minute`](Self::per_minute) alone makes it the whole minute's count, so set a burst a
/// person needs with [`burst`](Self::burst).
///
/// ```
/// use std::num::NonZeroU32;
/// use chatkit_actions::server::{Quota, RateLimit};
///
/// let ten = NonZeroU32::new(10).unwrap();
/// // 10 requests a second per client, and 10 a minute per client for each action type.
/// let limit = RateLimit::new(Quota::per_second(ten)).per_action_type(Quota::per_minute(ten));
/// # let _ = limit;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    requests: Quota,
    per_action: Option<Quota>,
}

impl RateLimit {
    /// Every request of a client counts against `quota`.
    pub fn new(quota: Quota) -> Self {
        RateLimit {
            requests: quota,
            per_action: None,
        }
    }

    /// `count` requests per client and minute (a burst of `count`, then one every
    /// `60 s / count`).
    pub fn per_minute(count: NonZeroU32) -> Self {
        RateLimit::new(Quota::per_minute(count))
    }

    /// `count` requests per client and second.
    pub fn per_second(count: NonZeroU32) -> Self {
        RateLimit::new(Quota::per_second(count))
    }

    /// At most `burst` requests at once (the rate stays as set): `per_minute(120).burst(20)`
    /// refills one request every half second, and lets a client send 20 in a row after a
    /// quiet spell, not 120.
    #[must_use]
    pub fn burst(mut self, burst: NonZeroU32) -> Self {
        self.requests = self.requests.allow_burst(burst);
        self
    }

    /// Each action type also gets its own `quota` per client (checked on
    /// `threads.custom_action` and `threads.sync_custom_action`, after the request quota).
    #[must_use]
    pub fn per_action_type(mut self, quota: Quota) -> Self {
        self.per_action = Some(quota);
        self
    }
}

/// The key function of a server's rate limit.
pub(crate) type KeyFn<C> = Box<dyn Fn(&C) -> Option<String> + Send + Sync>;

/// A rate limit in force: the limiter and the key function.
pub(crate) struct Limiter<C> {
    key: KeyFn<C>,
    limiter: Arc<dyn RateLimiter>,
}

impl<C> Limiter<C> {
    /// `limit` counted in the process.
    pub(crate) fn new(limit: RateLimit, key: KeyFn<C>) -> Self {
        let mut limiter = InProcessLimiter::new(limit.requests);
        if let Some(quota) = limit.per_action {
            limiter = limiter.per_action_type(quota);
        }
        Limiter::shared(Arc::new(limiter), key)
    }

    /// Counted by `limiter`.
    pub(crate) fn shared(limiter: Arc<dyn RateLimiter>, key: KeyFn<C>) -> Self {
        Limiter { key, limiter }
    }

    /// The key of a request: from the context, else the peer address.
    pub(crate) fn key(&self, context: &C, peer: Option<std::net::IpAddr>) -> Option<String> {
        (self.key)(context).or_else(|| peer.map(|peer| format!("peer:{peer}")))
    }

    /// Counts a request of `key` (of `action_type`, a bounded label, for an action); `Err`
    /// with the time to wait when it is over a limit. A limiter that fails lets the request
    /// through, logged at `error`: a rate limit is no reason to stop serving.
    pub(crate) async fn check(&self, key: &str, action_type: Option<&str>) -> Result<(), Duration> {
        match self.limiter.check(key, action_type).await {
            Ok(Decision::Allowed) => Ok(()),
            Ok(Decision::Limited { retry_after }) => Err(retry_after),
            Err(error) => {
                tracing::error!(%error, key, "rate limiter failed; request let through");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn per_key_then_per_action_type() {
        let three = NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN);
        let one = NonZeroU32::MIN;
        let limit = RateLimit::per_minute(three).per_action_type(Quota::per_minute(one));
        let limiter: Limiter<()> = Limiter::new(limit, Box::new(|()| None));
        assert_eq!(limiter.key(&(), None), None);
        assert_eq!(
            limiter.key(&(), Some([127, 0, 0, 1].into())).as_deref(),
            Some("peer:127.0.0.1")
        );
        assert_eq!(limiter.check("alice", Some("add")).await, Ok(()));
        // The action quota is spent, the request quota is not.
        let wait = limiter.check("alice", Some("add")).await;
        assert!(
            matches!(wait, Err(wait) if wait > Duration::from_secs(50)),
            "{wait:?}"
        );
        assert_eq!(limiter.check("alice", Some("remove")).await, Ok(()));
        assert!(
            limiter.check("alice", None).await.is_err(),
            "3 requests counted"
        );
        assert_eq!(limiter.check("bob", None).await, Ok(()));
    }

    struct Broken;

    #[async_trait::async_trait]
    impl RateLimiter for Broken {
        async fn check(
            &self,
            _key: &str,
            _action_type: Option<&str>,
        ) -> Result<Decision, crate::limiter::LimiterError> {
            Err(crate::limiter::LimiterError(
                "connection refused".to_owned(),
            ))
        }
    }

    #[tokio::test]
    async fn a_failing_limiter_lets_requests_through() {
        let limiter: Limiter<()> = Limiter::shared(Arc::new(Broken), Box::new(|()| None));
        assert_eq!(limiter.check("alice", None).await, Ok(()));
    }

    #[test]
    fn the_burst_is_set_apart_from_the_rate() {
        let sixty = NonZeroU32::new(60).unwrap_or(NonZeroU32::MIN);
        let five = NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN);
        let limit = RateLimit::per_minute(sixty).burst(five);
        assert_eq!(limit.requests.burst_size(), five);
        assert_eq!(limit.requests.replenish_interval(), Duration::from_secs(1));
    }
}
