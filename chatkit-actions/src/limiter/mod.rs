//! Pluggable rate limiters: the [`RateLimiter`] trait, the in-process [`InProcessLimiter`]
//! and, with feature `postgres`, [`PostgresLimiter`], a limit shared by every replica on one
//! PostgreSQL database.
//!
//! Both count with GCRA (the generic cell rate algorithm: a token bucket kept as one
//! timestamp per key, the "theoretical arrival time"). A [`Quota`] is a replenish interval
//! and a burst: `Quota::per_minute(60).allow_burst(10)` refills one request a second and
//! lets a client send 10 at once after a quiet spell, so the burst a person needs (a few
//! clicks in a row) is separate from what a minute allows.

#[cfg(feature = "postgres")]
mod postgres;

use std::time::Duration;

use async_trait::async_trait;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter as Governor};

pub use governor::Quota;
#[cfg(feature = "postgres")]
pub use postgres::PostgresLimiter;

/// What a [`RateLimiter`] decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Under the limit: counted, go on.
    Allowed,
    /// Over the limit: not counted; the client may retry after this long.
    Limited {
        /// How long until the request would be allowed.
        retry_after: Duration,
    },
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allowed)
    }
}

/// A rate limiter that could not decide (its database is down, say).
#[derive(Debug, thiserror::Error)]
#[error("rate limiter failed: {0}")]
pub struct LimiterError(pub String);

/// Counts the requests of each client against a quota, and optionally the actions of each
/// client and action type against another.
///
/// `key` names the client (a user id, or `peer:<address>`). `action_type` is the action's
/// type for `threads.custom_action` and `threads.sync_custom_action`, and `None` for other
/// requests. Pass a bounded value (one of the action enum's types, or
/// [`telemetry::UNKNOWN`](crate::telemetry::UNKNOWN): see
/// [`telemetry::action_type_label`](crate::telemetry::action_type_label)), never the
/// client's string, so a client forging types cannot make the limiter keep a bucket per
/// forgery.
///
/// A request refused by the request quota is not counted; one refused by its action type's
/// quota still counts against the request quota.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one request of `key` (of `action_type`, for an action).
    ///
    /// # Errors
    ///
    /// [`LimiterError`] when the limiter cannot decide: the caller chooses whether to let
    /// the request through.
    async fn check(&self, key: &str, action_type: Option<&str>) -> Result<Decision, LimiterError>;
}

/// A shared limiter is a limiter: one [`PostgresLimiter`](self) may serve several servers.
#[async_trait]
impl<T: RateLimiter + ?Sized> RateLimiter for std::sync::Arc<T> {
    async fn check(&self, key: &str, action_type: Option<&str>) -> Result<Decision, LimiterError> {
        (**self).check(key, action_type).await
    }
}

/// How many checks between prunings of keys whose buckets are full again.
const PRUNE_EVERY: u64 = 4096;

/// A [`RateLimiter`] in the process's memory, with the `governor` crate: fast, and each
/// process counts on its own, so N replicas allow N times the quota (use
/// [`PostgresLimiter`](self) to share it).
///
/// ```
/// use std::num::NonZeroU32;
/// use chatkit_actions::limiter::{Decision, InProcessLimiter, Quota, RateLimiter};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let limiter = InProcessLimiter::new(Quota::per_minute(NonZeroU32::new(2).unwrap()));
/// assert_eq!(limiter.check("alice", None).await?, Decision::Allowed);
/// assert_eq!(limiter.check("alice", None).await?, Decision::Allowed);
/// assert!(!limiter.check("alice", None).await?.is_allowed());
/// assert_eq!(limiter.check("bob", None).await?, Decision::Allowed);
/// # Ok::<(), chatkit_actions::limiter::LimiterError>(()) }).unwrap();
/// ```
pub struct InProcessLimiter {
    requests: DefaultKeyedRateLimiter<String>,
    actions: Option<DefaultKeyedRateLimiter<(String, String)>>,
    checks: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for InProcessLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessLimiter")
            .field("per_action_type", &self.actions.is_some())
            .finish_non_exhaustive()
    }
}

impl InProcessLimiter {
    /// Every request of a client counts against `quota`.
    pub fn new(quota: Quota) -> Self {
        InProcessLimiter {
            requests: Governor::keyed(quota),
            actions: None,
            checks: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Each action type also gets its own `quota` per client.
    #[must_use]
    pub fn per_action_type(mut self, quota: Quota) -> Self {
        self.actions = Some(Governor::keyed(quota));
        self
    }

    /// [`RateLimiter::check`], without the future.
    pub fn check_now(&self, key: &str, action_type: Option<&str>) -> Decision {
        use std::sync::atomic::Ordering;
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.requests.retain_recent();
            if let Some(actions) = &self.actions {
                actions.retain_recent();
            }
        }
        let clock = DefaultClock::default();
        let limited = |not_until: governor::NotUntil<_>| Decision::Limited {
            retry_after: not_until.wait_time_from(clock.now()),
        };
        if let Err(not_until) = self.requests.check_key(&key.to_owned()) {
            return limited(not_until);
        }
        if let (Some(actions), Some(action_type)) = (&self.actions, action_type)
            && let Err(not_until) = actions.check_key(&(key.to_owned(), action_type.to_owned()))
        {
            return limited(not_until);
        }
        Decision::Allowed
    }
}

#[async_trait]
impl RateLimiter for InProcessLimiter {
    async fn check(&self, key: &str, action_type: Option<&str>) -> Result<Decision, LimiterError> {
        Ok(self.check_now(key, action_type))
    }
}

/// A quota's GCRA parameters in microseconds: the emission interval `t` (one request's
/// share) and the tolerance `tau = t * (burst - 1)` (how far ahead of now a client may be).
/// The shared limiter's (`postgres` feature) parameters.
#[cfg(any(feature = "postgres", test))]
pub(crate) fn gcra_micros(quota: Quota) -> (i64, i64) {
    let t = i64::try_from(quota.replenish_interval().as_micros())
        .unwrap_or(i64::MAX)
        .max(1);
    let burst = i64::from(quota.burst_size().get());
    (t, t.saturating_mul(burst - 1))
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    fn n(count: u32) -> NonZeroU32 {
        NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN)
    }

    #[tokio::test]
    async fn per_key_then_per_action_type() {
        let limiter =
            InProcessLimiter::new(Quota::per_minute(n(3))).per_action_type(Quota::per_minute(n(1)));
        assert_eq!(
            limiter.check("alice", Some("add")).await.ok(),
            Some(Decision::Allowed)
        );
        let wait = limiter.check("alice", Some("add")).await.ok();
        assert!(
            matches!(wait, Some(Decision::Limited { retry_after }) if retry_after > Duration::from_secs(50)),
            "{wait:?}"
        );
        assert_eq!(
            limiter.check("alice", Some("remove")).await.ok(),
            Some(Decision::Allowed)
        );
        assert!(
            !limiter.check_now("alice", None).is_allowed(),
            "3 requests counted"
        );
        assert!(limiter.check_now("bob", None).is_allowed());
    }

    #[test]
    fn burst_is_separate_from_the_rate() {
        // 60 a minute, 5 at once.
        let limiter = InProcessLimiter::new(Quota::per_minute(n(60)).allow_burst(n(5)));
        for _ in 0..5 {
            assert!(limiter.check_now("alice", None).is_allowed());
        }
        match limiter.check_now("alice", None) {
            Decision::Limited { retry_after } => {
                assert!(retry_after <= Duration::from_secs(1), "{retry_after:?}");
            }
            Decision::Allowed => panic!("the sixth request at once is over the burst"),
        }
    }

    #[test]
    fn gcra_parameters() {
        assert_eq!(gcra_micros(Quota::per_second(n(10))), (100_000, 900_000));
        assert_eq!(
            gcra_micros(Quota::per_minute(n(60)).allow_burst(n(5))),
            (1_000_000, 4_000_000)
        );
        assert_eq!(gcra_micros(Quota::per_minute(n(1))), (60_000_000, 0));
    }
}
