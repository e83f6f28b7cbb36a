//! [`RateLimit`]: how many requests one client may send, with the `governor` crate (GCRA, a
//! token bucket without a background task).

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};

pub use governor::Quota;

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
/// N times the quota to N replicas. Divide the quota by the number of replicas when the
/// balancer spreads requests evenly, or limit in the balancer or gateway, which sees every
/// request (`docs/postgres.md`).
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

/// How many checks between prunings of keys whose buckets are full again.
const PRUNE_EVERY: u64 = 4096;

/// A [`RateLimit`] in force: the keyed limiters and the key function.
pub(crate) struct Limiter<C> {
    key: KeyFn<C>,
    requests: DefaultKeyedRateLimiter<String>,
    actions: Option<DefaultKeyedRateLimiter<(String, String)>>,
    checks: AtomicU64,
}

impl<C> Limiter<C> {
    pub(crate) fn new(limit: RateLimit, key: KeyFn<C>) -> Self {
        Limiter {
            key,
            requests: RateLimiter::keyed(limit.requests),
            actions: limit.per_action.map(RateLimiter::keyed),
            checks: AtomicU64::new(0),
        }
    }

    /// The key of a request: from the context, else the peer address.
    pub(crate) fn key(&self, context: &C, peer: Option<std::net::IpAddr>) -> Option<String> {
        (self.key)(context).or_else(|| peer.map(|peer| format!("peer:{peer}")))
    }

    /// Counts a request of `key` (of `action_type`, for an action); `Err` with the time to
    /// wait when it is over a limit. A request refused by the request quota does not count;
    /// one refused by its action type's quota still counts against the request quota.
    pub(crate) fn check(&self, key: &str, action_type: Option<&str>) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.requests.retain_recent();
            if let Some(actions) = &self.actions {
                actions.retain_recent();
            }
        }
        let clock = DefaultClock::default();
        self.requests
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(clock.now()))?;
        if let (Some(actions), Some(action_type)) = (&self.actions, action_type) {
            actions
                .check_key(&(key.to_owned(), action_type.to_owned()))
                .map_err(|not_until| not_until.wait_time_from(clock.now()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_key_then_per_action_type() {
        let three = NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN);
        let one = NonZeroU32::MIN;
        let limit = RateLimit::per_minute(three).per_action_type(Quota::per_minute(one));
        let limiter: Limiter<()> = Limiter::new(limit, Box::new(|()| None));
        assert_eq!(limiter.key(&(), None), None);
        assert_eq!(
            limiter.key(&(), Some([127, 0, 0, 1].into())).as_deref(),
            Some("peer:127.0.0.1")
        );
        assert_eq!(limiter.check("alice", Some("add")), Ok(()));
        // The action quota is spent, the request quota is not.
        let wait = limiter.check("alice", Some("add"));
        assert!(
            matches!(wait, Err(wait) if wait > Duration::from_secs(50)),
            "{wait:?}"
        );
        assert_eq!(limiter.check("alice", Some("remove")), Ok(()));
        assert!(limiter.check("alice", None).is_err(), "3 requests counted");
        assert_eq!(limiter.check("bob", None), Ok(()));
    }
}
