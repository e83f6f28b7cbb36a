//! [`PostgresStore`]: a [`Store`](crate::store::Store) in a PostgreSQL database (feature
//! `postgres`), for several server processes (replicas behind a load balancer) sharing one
//! database.
//!
//! The driver is `tokio-postgres` with a `deadpool-postgres` pool: no TLS (put the database
//! on a private network, or behind a TLS-terminating proxy), no macros, a small build.
//!
//! # Schema and migrations
//!
//! The schema is versioned: [`MIGRATIONS`] is applied in order, each version once, and the
//! table `chatkit_schema_migrations` records which ones ran. [`PostgresStore::connect`]
//! migrates before it returns; [`PostgresStore::migrate`] runs the migrations alone (for a
//! deployment step before the replicas start). Migrating takes a transaction-scoped advisory
//! lock, so replicas starting together migrate one after the other. The tables live in the
//! connection's current schema (`search_path`), so one database can hold several stores.
//!
//! # Units of work across replicas
//!
//! [`Store::begin`](crate::store::Store::begin) takes a pooled connection, opens a transaction
//! and takes `pg_advisory_xact_lock` on a 64-bit hash of the schema and the thread id: the
//! units of work of one thread run one at a time across every process sharing the database, each
//! seeing what the previous one committed. The lock is released when the unit commits or
//! rolls back, and by the server when the connection drops (a replica killed mid-action
//! leaves nothing of that action). Two threads whose hashes collide merely wait for each
//! other. A unit holds its connection for the whole action (a streamed response included),
//! so the pool size bounds the actions in progress per process; reads outside units use the
//! other connections.
//!
//! A unit reads inside its transaction and stages its writes (checked as they come, read back
//! by the unit); its commit sends them and the `COMMIT` pipelined, in one round trip. Each
//! write is one statement that fails unless it found what it needs (schema version 2's
//! `chatkit_written`), so a failing write aborts the transaction and the `COMMIT` behind it
//! commits nothing.
//!
//! # Layout
//!
//! This module holds the store and its pool; `migrations` the schema; `queries` the
//! statements of each operation, on one connection (the pool's, or a unit's); `unit` the
//! units of work.

use std::fmt;
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::{StoreError, StoreScope, StoreTransaction, forward_store};

mod migrations;
mod queries;
#[cfg(test)]
mod tests;
mod unit;

pub use migrations::MIGRATIONS;
use queries::Connection;

/// How many connections the pool of [`PostgresStore::connect`] keeps at most.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// A [`Store`](crate::store::Store) in a PostgreSQL database, through a pool of connections.
///
/// Open it with [`connect`](Self::connect) (a URL such as
/// `postgres://user:password@host:5432/db`, or key-value settings) or
/// [`connect_with`](Self::connect_with) (a [`tokio_postgres::Config`]); both bring the schema
/// up to date. Threads, items and attachments are stored as JSON text (attachment `metadata`
/// included, see [`ForStore`](crate::thread::ForStore)) beside the columns that order and
/// scope them. Clones share the pool.
///
/// Every write outside a unit of work is one statement, hence atomic. A unit of work
/// ([`Store::begin`](crate::store::Store::begin)) is a transaction holding the thread's
/// advisory lock (see the [module docs](self)). The isolation, ordering and error rules are
/// those of the [store docs](super), as for the other stores, with `created_at` ordered to the
/// microsecond.
///
/// ```no_run
/// use chatkit_actions::store::{PostgresStore, Store};
/// use chatkit_actions::thread::{ThreadMetadata, Timestamp};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://chatkit@127.0.0.1:5432/chatkit").await?;
/// let thread = ThreadMetadata::new("thr_1", Timestamp::now());
/// store.save_thread(&thread, &()).await?;
/// assert_eq!(store.load_thread("thr_1", &()).await?, thread);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("connections", &status.size)
            .field("max_connections", &status.max_size)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (a `postgres://` URL or `key=value` settings, as
    /// `libpq` takes them) with a pool of at most [`DEFAULT_MAX_CONNECTIONS`], and migrates
    /// its schema.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the settings don't parse, the server can't be reached, or
    /// the schema is newer than this version of the crate knows.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url.parse().map_err(StoreError::backend)?;
        Self::connect_with(config, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Connects with `config` and a pool of at most `max_connections`, and migrates the
    /// schema. A [`tokio_postgres::Config`] can set what a URL can't, such as
    /// `options("-c search_path=tenant_a")` to keep the tables in a schema of their own.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_with(
        config: tokio_postgres::Config,
        max_connections: usize,
    ) -> Result<Self, StoreError> {
        let store = Self::pool_only(config, max_connections)?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to the database at `url` and keeps the store's tables in the schema named
    /// `schema`, created if missing: several stores (tenants, test runs) in one database. The
    /// name must be a plain identifier: ASCII letters, digits and `_`, not starting with a
    /// digit.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect), and [`StoreError::Backend`] for a schema name that is
    /// not a plain identifier.
    pub async fn connect_in_schema(
        url: &str,
        schema: &str,
        max_connections: usize,
    ) -> Result<Self, StoreError> {
        let plain = schema
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain {
            return Err(StoreError::backend(format!(
                "`{schema}` is not a plain schema name (ASCII letters, digits and `_`)"
            )));
        }
        let mut config: tokio_postgres::Config = url.parse().map_err(StoreError::backend)?;
        // Created through a pool on the database's default search path.
        let bootstrap = Self::pool_only(config.clone(), 1)?;
        bootstrap
            .client()
            .await?
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await
            .map_err(db)?;
        bootstrap.pool.close();
        config.options(format!("-c search_path={schema}"));
        Self::connect_with(config, max_connections).await
    }

    /// A store over a new pool, without touching the database yet.
    fn pool_only(
        config: tokio_postgres::Config,
        max_connections: usize,
    ) -> Result<Self, StoreError> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(StoreError::backend)?;
        Ok(Self { pool })
    }

    /// The pool, to run other queries on the same database.
    #[must_use]
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(StoreError::backend)
    }
}

/// A driver error as a store error; the server's message, when there is one, is in the text
/// (the driver's own `Display` says only "db error").
fn db(error: tokio_postgres::Error) -> StoreError {
    match error.as_db_error() {
        Some(server) => StoreError::backend(format!(
            "PostgreSQL: {} (SQLSTATE {})",
            server.message(),
            server.code().code()
        )),
        None => StoreError::backend(error),
    }
}

forward_store! {
    impl[C: StoreScope + Send + Sync + 'static] Store<C> for PostgresStore {
        // Each operation outside a unit is one statement on a pooled connection.
        store: |this| Connection(this.client().await?),
        result: |result| result,

        /// A transaction on one pooled connection, holding the thread's advisory lock until it
        /// ends (see the [module docs](self)).
        async fn begin(
            &self,
            thread_id: &str,
            context: &C,
        ) -> Result<Option<Arc<dyn StoreTransaction<C>>>, StoreError> {
            let _ = context;
            let unit = unit::PostgresUnit::<C>::begin(self.client().await?, thread_id).await?;
            Ok(Some(unit))
        }
    }
}
