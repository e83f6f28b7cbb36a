//! [`PostgresLimiter`]: GCRA on PostgreSQL, one row per key, shared by every replica.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::Pool;

use super::{Decision, LimiterError, Quota, RateLimiter, gcra_micros};
use crate::store::PostgresStore;

/// The table of the buckets, created by [`PostgresLimiter::create_table`] in the pool's
/// current schema: one row per key, `tat` its theoretical arrival time in microseconds since
/// the Unix epoch by the database's clock.
const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS chatkit_rate_limits (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL,
    allowed BOOLEAN NOT NULL
)";

/// The database's clock, in microseconds; the statement's start, the same everywhere in one
/// statement.
const NOW_US: &str = "(extract(epoch FROM statement_timestamp()) * 1000000)::bigint";

/// How many checks between deletions of rows whose buckets are full again.
const PRUNE_EVERY: u64 = 4096;

/// A [`RateLimiter`] whose buckets live in PostgreSQL, so that every replica of a server on
/// one database counts against the same quota: two replicas together allow the quota, not
/// twice it.
///
/// Each key is one row of `chatkit_rate_limits` holding its GCRA state, and each check is one
/// statement (an `INSERT … ON CONFLICT DO UPDATE`) that reads and updates that row
/// atomically: concurrent checks of one key, from any replica, are serialized by the row
/// lock, so none is lost or counted twice. Time is the database's clock, so replicas with
/// skewed clocks still agree. A check costs one round trip to the database; rows of keys
/// whose bucket is full again are deleted now and then (every 4,096 checks of a process).
///
/// ```no_run
/// use std::num::NonZeroU32;
/// use chatkit_actions::limiter::{PostgresLimiter, Quota};
/// use chatkit_actions::store::PostgresStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://app@db/chatkit").await?;
/// let per_minute = Quota::per_minute(NonZeroU32::new(120).unwrap())
///     .allow_burst(NonZeroU32::new(20).unwrap());
/// let limiter = PostgresLimiter::from_store(&store, per_minute);
/// limiter.create_table().await?;
/// # Ok(()) }
/// ```
pub struct PostgresLimiter {
    pool: Pool,
    requests: (i64, i64),
    actions: Option<(i64, i64)>,
    checks: AtomicU64,
}

impl std::fmt::Debug for PostgresLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresLimiter")
            .field("requests", &self.requests)
            .field("actions", &self.actions)
            .finish_non_exhaustive()
    }
}

impl PostgresLimiter {
    /// Every request of a client counts against `quota`, in the database of `pool` (its
    /// connections' schema).
    pub fn new(pool: Pool, quota: Quota) -> Self {
        PostgresLimiter {
            pool,
            requests: gcra_micros(quota),
            actions: None,
            checks: AtomicU64::new(0),
        }
    }

    /// [`new`](Self::new) on the store's connection pool, in the store's schema.
    pub fn from_store(store: &PostgresStore, quota: Quota) -> Self {
        PostgresLimiter::new(store.pool().clone(), quota)
    }

    /// Each action type also gets its own `quota` per client.
    #[must_use]
    pub fn per_action_type(mut self, quota: Quota) -> Self {
        self.actions = Some(gcra_micros(quota));
        self
    }

    /// Creates the table of the buckets if it is missing. Run it once at start; it is
    /// idempotent, and safe to run from several replicas at once.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub async fn create_table(&self) -> Result<(), LimiterError> {
        let client = self.client().await?;
        match client.batch_execute(CREATE_TABLE).await {
            Ok(()) => Ok(()),
            // Two replicas creating the table at once: one wins, the other sees the type or
            // the table appear under it. The table is there either way.
            Err(error)
                if error.code().is_some_and(|code| {
                    *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION
                        || *code == tokio_postgres::error::SqlState::DUPLICATE_TABLE
                }) =>
            {
                Ok(())
            }
            Err(error) => Err(failed(&error)),
        }
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, LimiterError> {
        self.pool
            .get()
            .await
            .map_err(|error| LimiterError(error.to_string()))
    }

    /// Counts one request in the bucket `bucket` with GCRA parameters `(t, tau)`.
    async fn take(
        client: &deadpool_postgres::Object,
        bucket: &str,
        (t, tau): (i64, i64),
    ) -> Result<Decision, LimiterError> {
        let statement = format!(
            "INSERT INTO chatkit_rate_limits AS r (key, tat, allowed)
             VALUES ($1, {NOW_US} + $2::bigint, TRUE)
             ON CONFLICT (key) DO UPDATE SET
                 allowed = r.tat <= {NOW_US} + $3::bigint,
                 tat = CASE WHEN r.tat <= {NOW_US} + $3::bigint
                            THEN greatest(r.tat, {NOW_US}) + $2::bigint
                            ELSE r.tat END
             RETURNING allowed, tat - {NOW_US} - $3::bigint"
        );
        let statement = client
            .prepare_cached(&statement)
            .await
            .map_err(|error| failed(&error))?;
        let row = client
            .query_one(&statement, &[&bucket, &t, &tau])
            .await
            .map_err(|error| failed(&error))?;
        let allowed: bool = row.get(0);
        if allowed {
            return Ok(Decision::Allowed);
        }
        let wait: i64 = row.get(1);
        Ok(Decision::Limited {
            retry_after: Duration::from_micros(u64::try_from(wait).unwrap_or(0)),
        })
    }

    /// Deletes the rows whose bucket is full again (their arrival time is past).
    async fn prune(client: &deadpool_postgres::Object) -> Result<(), LimiterError> {
        client
            .execute(
                &format!("DELETE FROM chatkit_rate_limits WHERE tat < {NOW_US}"),
                &[],
            )
            .await
            .map(drop)
            .map_err(|error| failed(&error))
    }
}

fn failed(error: &tokio_postgres::Error) -> LimiterError {
    LimiterError(error.to_string())
}

#[async_trait]
impl RateLimiter for PostgresLimiter {
    async fn check(&self, key: &str, action_type: Option<&str>) -> Result<Decision, LimiterError> {
        let client = self.client().await?;
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            Self::prune(&client).await?;
        }
        // Keys are prefixed by their bucket kind; an action bucket's key gives the length of
        // the action type, so no pair of (type, key) shares a row with another.
        let decision = Self::take(&client, &format!("r:{key}"), self.requests).await?;
        if !decision.is_allowed() {
            return Ok(decision);
        }
        if let (Some(quota), Some(action_type)) = (self.actions, action_type) {
            let bucket = format!("a:{}:{action_type}:{key}", action_type.len());
            return Self::take(&client, &bucket, quota).await;
        }
        Ok(decision)
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;
    use std::sync::Arc;

    use super::*;

    fn n(count: u32) -> NonZeroU32 {
        NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN)
    }

    /// A store in a fresh schema of the test server, or `None` (said on stderr) without one.
    async fn store() -> Option<PostgresStore> {
        let Ok(url) = std::env::var("CHATKIT_POSTGRES_URL") else {
            eprintln!("CHATKIT_POSTGRES_URL is not set: skipping");
            return None;
        };
        let schema = format!("limiter_{}", uuid::Uuid::new_v4().simple());
        Some(
            PostgresStore::connect_in_schema(&url, &schema, 8)
                .await
                .expect("connect"),
        )
    }

    #[tokio::test]
    async fn quota_and_burst() {
        let Some(store) = store().await else { return };
        let limiter =
            PostgresLimiter::from_store(&store, Quota::per_minute(n(60)).allow_burst(n(3)))
                .per_action_type(Quota::per_minute(n(1)));
        limiter.create_table().await.expect("table");
        limiter.create_table().await.expect("idempotent");
        assert_eq!(
            limiter.check("alice", Some("add")).await.ok(),
            Some(Decision::Allowed)
        );
        match limiter.check("alice", Some("add")).await.expect("check") {
            Decision::Limited { retry_after } => assert!(
                retry_after > Duration::from_secs(55) && retry_after <= Duration::from_mins(1),
                "{retry_after:?}"
            ),
            Decision::Allowed => panic!("one `add` a minute"),
        }
        assert_eq!(
            limiter.check("alice", Some("remove")).await.ok(),
            Some(Decision::Allowed)
        );
        // Three requests counted: the burst is spent, the next is a second away at most.
        match limiter.check("alice", None).await.expect("check") {
            Decision::Limited { retry_after } => {
                assert!(retry_after <= Duration::from_secs(1), "{retry_after:?}");
            }
            Decision::Allowed => panic!("over the burst"),
        }
        assert_eq!(
            limiter.check("bob", None).await.ok(),
            Some(Decision::Allowed)
        );
        // Each limiter on the same table (another replica) sees the same buckets.
        let replica =
            PostgresLimiter::from_store(&store, Quota::per_minute(n(60)).allow_burst(n(3)));
        assert!(
            !replica
                .check("alice", None)
                .await
                .expect("check")
                .is_allowed()
        );
        PostgresLimiter::prune(&limiter.client().await.expect("client"))
            .await
            .expect("prune");
    }

    #[tokio::test]
    async fn concurrent_checks_from_two_replicas_allow_the_burst_in_total() {
        let Some(store) = store().await else { return };
        // A burst of 20, refilled one an hour: nothing refills during the test.
        let quota = Quota::per_hour(n(1)).allow_burst(n(20));
        let first = Arc::new(PostgresLimiter::from_store(&store, quota));
        first.create_table().await.expect("table");
        let second = Arc::new(PostgresLimiter::from_store(&store, quota));
        let mut tasks = Vec::new();
        for index in 0..60 {
            let limiter = Arc::clone(if index % 2 == 0 { &first } else { &second });
            tasks.push(tokio::spawn(async move {
                limiter.check("carol", None).await.expect("check")
            }));
        }
        let mut allowed = 0;
        for task in tasks {
            if task.await.expect("task").is_allowed() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 20);
    }

    #[tokio::test]
    async fn a_database_down_is_an_error() {
        let config = deadpool_postgres::Config {
            url: Some("postgres://nobody@127.0.0.1:1/none".to_owned()),
            ..deadpool_postgres::Config::default()
        };
        let pool = config
            .create_pool(
                Some(deadpool_postgres::Runtime::Tokio1),
                tokio_postgres::NoTls,
            )
            .expect("pool");
        let limiter = PostgresLimiter::new(pool, Quota::per_minute(n(1)));
        assert!(limiter.check("alice", None).await.is_err());
    }
}
