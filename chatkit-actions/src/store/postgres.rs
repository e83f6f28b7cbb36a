//! [`PostgresStore`]: a [`Store`] in a PostgreSQL database (feature `postgres`), for several
//! server processes (replicas behind a load balancer) sharing one database.
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
//! [`Store::begin`] takes a pooled connection, opens a transaction and takes
//! `pg_advisory_xact_lock` on a 64-bit hash of the schema and the thread id: the units of
//! work of one thread run one at a time across every process sharing the database, each
//! seeing what the previous one committed. The lock is released when the unit commits or
//! rolls back, and by the server when the connection drops (a replica killed mid-action
//! leaves nothing of that action). Two threads whose hashes collide merely wait for each
//! other. A unit holds its connection for the whole action (a streamed response included),
//! so the pool size bounds the actions in progress per process; reads outside units use the
//! other connections.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use deadpool_postgres::{ClientWrapper, Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use serde::de::DeserializeOwned;
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use super::{Store, StoreError, StoreScope, StoreTransaction, page_of};
use crate::thread::{Attachment, ForStore, Page, SortOrder, ThreadItem, ThreadMetadata, Timestamp};

/// The schema, one migration per version: `MIGRATIONS[n]` is version `n + 1`. Append only;
/// never edit a released migration.
///
/// `owner` is the scope of the context that created the row (NULL: the shared space).
/// `created_us` is `created_at` in microseconds since the Unix epoch (the sort key; the JSON
/// in `data` keeps the original spelling), and `seq` the insertion order that breaks ties.
pub const MIGRATIONS: &[&str] = &[
    // Version 1.
    "CREATE TABLE chatkit_threads (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT,
        created_us BIGINT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX chatkit_threads_by_owner ON chatkit_threads (owner, created_us, seq);
    CREATE TABLE chatkit_items (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        thread_id TEXT NOT NULL REFERENCES chatkit_threads (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        created_us BIGINT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (thread_id, id)
    );
    CREATE INDEX chatkit_items_by_thread ON chatkit_items (thread_id, created_us, seq);
    CREATE TABLE chatkit_attachments (
        id TEXT PRIMARY KEY,
        owner TEXT,
        data TEXT NOT NULL
    );",
];

/// The advisory lock key that serializes migrations (an arbitrary constant).
const MIGRATION_LOCK: i64 = 0x0063_6861_746b_6974; // "chatkit" in ASCII

/// How many connections the pool of [`PostgresStore::connect`] keeps at most.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// A [`Store`] in a PostgreSQL database, through a pool of connections.
///
/// Open it with [`connect`](Self::connect) (a URL such as
/// `postgres://user:password@host:5432/db`, or key-value settings) or
/// [`connect_with`](Self::connect_with) (a [`tokio_postgres::Config`]); both bring the schema
/// up to date. Threads, items and attachments are stored as JSON text (attachment `metadata`
/// included, see [`ForStore`]) beside the columns that order and scope them. Clones share the
/// pool.
///
/// Every write outside a unit of work is one statement, hence atomic. A unit of work
/// ([`Store::begin`]) is a transaction holding the thread's advisory lock (see the
/// [module docs](self)). The isolation, ordering and error rules are those of the
/// [store docs](super), as for the other stores, with `created_at` ordered to the microsecond.
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

    /// Applies the migrations the database lacks, in one transaction, and returns the schema
    /// version it is now at. Safe to run at any time, from any number of processes at once.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the database fails, or has a schema version newer than
    /// this version of the crate knows.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS chatkit_schema_migrations (
                version INTEGER PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .await
        .map_err(db)?;
        let row = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM chatkit_schema_migrations",
                &[],
            )
            .await
            .map_err(db)?;
        let version: i32 = row.get(0);
        let known = MIGRATIONS.len();
        let current = usize::try_from(version)
            .ok()
            .filter(|&version| version <= known)
            .ok_or_else(|| {
                StoreError::backend(format!(
                    "the database has schema version {version}; this version of chatkit-actions \
                     knows versions up to {known}"
                ))
            })?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(current) {
            tx.batch_execute(migration).await.map_err(db)?;
            let version = i32::try_from(index + 1).map_err(StoreError::backend)?;
            tx.execute(
                "INSERT INTO chatkit_schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(known)
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

/// The sort key of a timestamp: microseconds since the Unix epoch.
fn sort_key(timestamp: &Timestamp) -> i64 {
    timestamp.instant().timestamp_micros()
}

/// The `LIMIT` that fetches one row past `limit`, to learn whether more follow.
fn fetch_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

fn parse<T: DeserializeOwned>(data: &str) -> Result<T, StoreError> {
    serde_json::from_str(data).map_err(StoreError::backend)
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::backend)
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

/// Outside a unit, a result is passed on as it is.
fn pass<T>(result: Result<T, StoreError>) -> Result<T, StoreError> {
    result
}

/// Runs `sql` as a cached prepared statement and returns its rows.
async fn query(
    client: &ClientWrapper,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<tokio_postgres::Row>, StoreError> {
    let statement = client.prepare_cached(sql).await.map_err(db)?;
    client.query(&statement, params).await.map_err(db)
}

/// Runs `sql` as a cached prepared statement and returns how many rows it changed.
async fn execute(
    client: &ClientWrapper,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let statement = client.prepare_cached(sql).await.map_err(db)?;
    client.execute(&statement, params).await.map_err(db)
}

/// Parses the `data` column (the first) of every row.
fn datas<T: DeserializeOwned>(rows: &[tokio_postgres::Row]) -> Result<Vec<T>, StoreError> {
    rows.iter()
        .map(|row| parse(row.try_get::<_, &str>(0).map_err(db)?))
        .collect()
}

/// The operations of the [`Store`] contract on one connection: the pool's, or a unit's.
mod ops {
    use super::{
        Attachment, ClientWrapper, ForStore, Page, SortOrder, StoreError, ThreadItem,
        ThreadMetadata, datas, execute, fetch_limit, page_of, parse, query, sort_key, to_json,
    };

    /// Whether the thread exists and belongs to `owner`.
    async fn visible(
        client: &ClientWrapper,
        thread_id: &str,
        owner: Option<&str>,
    ) -> Result<bool, StoreError> {
        let rows = query(
            client,
            "SELECT 1 FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2",
            &[&thread_id, &owner],
        )
        .await?;
        Ok(!rows.is_empty())
    }

    pub(super) async fn load_thread(
        client: &ClientWrapper,
        thread_id: &str,
        owner: Option<&str>,
    ) -> Result<ThreadMetadata, StoreError> {
        let rows = query(
            client,
            "SELECT data FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2",
            &[&thread_id, &owner],
        )
        .await?;
        datas(&rows)?
            .pop()
            .ok_or_else(|| StoreError::thread_not_found(thread_id))
    }

    pub(super) async fn save_thread(
        client: &ClientWrapper,
        thread: &ThreadMetadata,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        let data = to_json(thread)?;
        // One statement: an insert, or an update of the owner's own row only.
        let changed = execute(
            client,
            "INSERT INTO chatkit_threads (id, owner, created_us, data) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET created_us = EXCLUDED.created_us, data = EXCLUDED.data \
             WHERE chatkit_threads.owner IS NOT DISTINCT FROM EXCLUDED.owner",
            &[&thread.id, &owner, &sort_key(&thread.created_at), &data],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::thread_not_found(&thread.id));
        }
        Ok(())
    }

    pub(super) async fn load_thread_items(
        client: &ClientWrapper,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: SortOrder,
        owner: Option<&str>,
    ) -> Result<Page<ThreadItem>, StoreError> {
        if !visible(client, thread_id, owner).await? {
            return Ok(Page::default());
        }
        let fetch = fetch_limit(limit);
        let rows = match after {
            None => {
                let sql = match order {
                    SortOrder::Asc => {
                        "SELECT data FROM chatkit_items WHERE thread_id = $1 \
                         ORDER BY created_us ASC, seq ASC LIMIT $2"
                    }
                    SortOrder::Desc => {
                        "SELECT data FROM chatkit_items WHERE thread_id = $1 \
                         ORDER BY created_us DESC, seq DESC LIMIT $2"
                    }
                };
                query(client, sql, &[&thread_id, &fetch]).await?
            }
            Some(after) => {
                let cursor = query(
                    client,
                    "SELECT created_us, seq FROM chatkit_items WHERE thread_id = $1 AND id = $2",
                    &[&thread_id, &after],
                )
                .await?;
                let Some(cursor) = cursor.first() else {
                    return Err(StoreError::item_not_found(after));
                };
                let (created_us, seq): (i64, i64) = (cursor.get(0), cursor.get(1));
                let sql = match order {
                    SortOrder::Asc => {
                        "SELECT data FROM chatkit_items WHERE thread_id = $1 \
                         AND (created_us, seq) > ($2, $3) \
                         ORDER BY created_us ASC, seq ASC LIMIT $4"
                    }
                    SortOrder::Desc => {
                        "SELECT data FROM chatkit_items WHERE thread_id = $1 \
                         AND (created_us, seq) < ($2, $3) \
                         ORDER BY created_us DESC, seq DESC LIMIT $4"
                    }
                };
                query(client, sql, &[&thread_id, &created_us, &seq, &fetch]).await?
            }
        };
        Ok(page_of(datas(&rows)?, limit, after, ThreadItem::id))
    }

    pub(super) async fn load_threads(
        client: &ClientWrapper,
        limit: usize,
        after: Option<&str>,
        order: SortOrder,
        owner: Option<&str>,
    ) -> Result<Page<ThreadMetadata>, StoreError> {
        let fetch = fetch_limit(limit);
        // `owner = $1` (rather than IS NOT DISTINCT FROM) lets the index serve the page; the
        // shared space (NULL) has its own statements.
        let scoped = if owner.is_some() {
            "owner = $1"
        } else {
            "owner IS NULL AND $1::text IS NULL"
        };
        let rows = match after {
            None => {
                let direction = match order {
                    SortOrder::Asc => "ASC",
                    SortOrder::Desc => "DESC",
                };
                let sql = format!(
                    "SELECT data FROM chatkit_threads WHERE {scoped} \
                     ORDER BY created_us {direction}, seq {direction} LIMIT $2"
                );
                query(client, &sql, &[&owner, &fetch]).await?
            }
            Some(after) => {
                let cursor = query(
                    client,
                    "SELECT created_us, seq FROM chatkit_threads \
                     WHERE id = $1 AND owner IS NOT DISTINCT FROM $2",
                    &[&after, &owner],
                )
                .await?;
                let Some(cursor) = cursor.first() else {
                    return Err(StoreError::thread_not_found(after));
                };
                let (created_us, seq): (i64, i64) = (cursor.get(0), cursor.get(1));
                let (compare, direction) = match order {
                    SortOrder::Asc => (">", "ASC"),
                    SortOrder::Desc => ("<", "DESC"),
                };
                let sql = format!(
                    "SELECT data FROM chatkit_threads WHERE {scoped} \
                     AND (created_us, seq) {compare} ($2, $3) \
                     ORDER BY created_us {direction}, seq {direction} LIMIT $4"
                );
                query(client, &sql, &[&owner, &created_us, &seq, &fetch]).await?
            }
        };
        Ok(page_of(
            datas(&rows)?,
            limit,
            after,
            |thread: &ThreadMetadata| thread.id.as_str(),
        ))
    }

    pub(super) async fn add_thread_item(
        client: &ClientWrapper,
        thread_id: &str,
        item: &ThreadItem,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        let data = to_json(&ForStore(item))?;
        // One statement: inserted only into a visible thread, and only if the id is new.
        let inserted = execute(
            client,
            "INSERT INTO chatkit_items (thread_id, id, created_us, data) \
             SELECT $1, $2, $3, $4 WHERE EXISTS ( \
                 SELECT 1 FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $5) \
             ON CONFLICT (thread_id, id) DO NOTHING",
            &[
                &thread_id,
                &item.id(),
                &sort_key(item.created_at()),
                &data,
                &owner,
            ],
        )
        .await?;
        if inserted == 1 {
            Ok(())
        } else if visible(client, thread_id, owner).await? {
            Err(StoreError::Conflict(item.id().to_owned()))
        } else {
            Err(StoreError::thread_not_found(thread_id))
        }
    }

    pub(super) async fn save_item(
        client: &ClientWrapper,
        thread_id: &str,
        item: &ThreadItem,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        let data = to_json(&ForStore(item))?;
        // The upsert keeps an existing row's `seq`, hence its place among its ties.
        let changed = execute(
            client,
            "INSERT INTO chatkit_items (thread_id, id, created_us, data) \
             SELECT $1, $2, $3, $4 WHERE EXISTS ( \
                 SELECT 1 FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $5) \
             ON CONFLICT (thread_id, id) DO UPDATE \
             SET created_us = EXCLUDED.created_us, data = EXCLUDED.data",
            &[
                &thread_id,
                &item.id(),
                &sort_key(item.created_at()),
                &data,
                &owner,
            ],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::thread_not_found(thread_id));
        }
        Ok(())
    }

    pub(super) async fn load_item(
        client: &ClientWrapper,
        thread_id: &str,
        item_id: &str,
        owner: Option<&str>,
    ) -> Result<ThreadItem, StoreError> {
        let rows = query(
            client,
            "SELECT i.data FROM chatkit_threads t \
             LEFT JOIN chatkit_items i ON i.thread_id = t.id AND i.id = $3 \
             WHERE t.id = $1 AND t.owner IS NOT DISTINCT FROM $2",
            &[&thread_id, &owner, &item_id],
        )
        .await?;
        let Some(row) = rows.first() else {
            return Err(StoreError::thread_not_found(thread_id));
        };
        match row.try_get::<_, Option<&str>>(0).map_err(super::db)? {
            Some(data) => parse(data),
            None => Err(StoreError::item_not_found(item_id)),
        }
    }

    pub(super) async fn delete_thread(
        client: &ClientWrapper,
        thread_id: &str,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        // The items go with it (ON DELETE CASCADE).
        let deleted = execute(
            client,
            "DELETE FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2",
            &[&thread_id, &owner],
        )
        .await?;
        if deleted == 0 {
            return Err(StoreError::thread_not_found(thread_id));
        }
        Ok(())
    }

    pub(super) async fn delete_thread_item(
        client: &ClientWrapper,
        thread_id: &str,
        item_id: &str,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        // One statement: the delete happens only in a visible thread, and the answer says
        // whether the thread was visible.
        let rows = query(
            client,
            "WITH thread AS ( \
                 SELECT id FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2), \
             deleted AS ( \
                 DELETE FROM chatkit_items WHERE thread_id IN (SELECT id FROM thread) AND id = $3) \
             SELECT 1 FROM thread",
            &[&thread_id, &owner, &item_id],
        )
        .await?;
        if rows.is_empty() {
            return Err(StoreError::thread_not_found(thread_id));
        }
        Ok(())
    }

    pub(super) async fn save_attachment(
        client: &ClientWrapper,
        attachment: &Attachment,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        let data = to_json(&ForStore(attachment))?;
        let changed = execute(
            client,
            "INSERT INTO chatkit_attachments (id, owner, data) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data \
             WHERE chatkit_attachments.owner IS NOT DISTINCT FROM EXCLUDED.owner",
            &[&attachment.id(), &owner, &data],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::attachment_not_found(attachment.id()));
        }
        Ok(())
    }

    pub(super) async fn load_attachment(
        client: &ClientWrapper,
        attachment_id: &str,
        owner: Option<&str>,
    ) -> Result<Attachment, StoreError> {
        let rows = query(
            client,
            "SELECT data FROM chatkit_attachments WHERE id = $1 AND owner IS NOT DISTINCT FROM $2",
            &[&attachment_id, &owner],
        )
        .await?;
        datas(&rows)?
            .pop()
            .ok_or_else(|| StoreError::attachment_not_found(attachment_id))
    }

    pub(super) async fn delete_attachment(
        client: &ClientWrapper,
        attachment_id: &str,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        let deleted = execute(
            client,
            "DELETE FROM chatkit_attachments WHERE id = $1 AND owner IS NOT DISTINCT FROM $2",
            &[&attachment_id, &owner],
        )
        .await?;
        if deleted == 0 {
            return Err(StoreError::attachment_not_found(attachment_id));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<C: StoreScope + Send + Sync + 'static> Store<C> for PostgresStore {
    async fn load_thread(
        &self,
        thread_id: &str,
        context: &C,
    ) -> Result<ThreadMetadata, StoreError> {
        let client = self.client().await?;
        pass(ops::load_thread(&client, thread_id, context.scope()).await)
    }

    async fn save_thread(&self, thread: &ThreadMetadata, context: &C) -> Result<(), StoreError> {
        let client = self.client().await?;
        pass(ops::save_thread(&client, thread, context.scope()).await)
    }

    async fn load_thread_items(
        &self,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadItem>, StoreError> {
        let client = self.client().await?;
        pass(ops::load_thread_items(&client, thread_id, after, limit, order, context.scope()).await)
    }

    async fn load_threads(
        &self,
        limit: usize,
        after: Option<&str>,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadMetadata>, StoreError> {
        let client = self.client().await?;
        pass(ops::load_threads(&client, limit, after, order, context.scope()).await)
    }

    async fn add_thread_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        pass(ops::add_thread_item(&client, thread_id, item, context.scope()).await)
    }

    async fn save_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        pass(ops::save_item(&client, thread_id, item, context.scope()).await)
    }

    async fn load_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<ThreadItem, StoreError> {
        let client = self.client().await?;
        pass(ops::load_item(&client, thread_id, item_id, context.scope()).await)
    }

    async fn delete_thread(&self, thread_id: &str, context: &C) -> Result<(), StoreError> {
        let client = self.client().await?;
        pass(ops::delete_thread(&client, thread_id, context.scope()).await)
    }

    async fn delete_thread_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        pass(ops::delete_thread_item(&client, thread_id, item_id, context.scope()).await)
    }

    async fn save_attachment(
        &self,
        attachment: &Attachment,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        pass(ops::save_attachment(&client, attachment, context.scope()).await)
    }

    async fn load_attachment(
        &self,
        attachment_id: &str,
        context: &C,
    ) -> Result<Attachment, StoreError> {
        let client = self.client().await?;
        pass(ops::load_attachment(&client, attachment_id, context.scope()).await)
    }

    async fn delete_attachment(&self, attachment_id: &str, context: &C) -> Result<(), StoreError> {
        let client = self.client().await?;
        pass(ops::delete_attachment(&client, attachment_id, context.scope()).await)
    }

    /// A transaction on one pooled connection, holding the thread's advisory lock until it
    /// ends (see the [module docs](self)).
    async fn begin(
        &self,
        thread_id: &str,
        context: &C,
    ) -> Result<Option<Arc<dyn StoreTransaction<C>>>, StoreError> {
        let _ = context;
        let client = self.client().await?;
        client.batch_execute("BEGIN").await.map_err(db)?;
        let unit = PostgresUnit {
            client: tokio::sync::Mutex::new(Some(client)),
            failed: AtomicBool::new(false),
        };
        {
            let guard = unit.client.lock().await;
            let client = guard.as_ref().ok_or_else(ended)?;
            // A lock per (schema, thread): stores in other schemas of the database don't
            // wait for each other.
            execute(
                client,
                "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))",
                &[&thread_id],
            )
            .await?;
        }
        Ok(Some(Arc::new(unit)))
    }
}

fn ended() -> StoreError {
    StoreError::backend("this unit of work has already been committed or rolled back")
}

/// A unit of work of the [`PostgresStore`]: an open transaction on one pooled connection,
/// holding the thread's advisory lock.
struct PostgresUnit {
    /// `None` once the unit has ended.
    client: tokio::sync::Mutex<Option<Object>>,
    /// A statement failed: the transaction is aborted, the commit rolls back.
    failed: AtomicBool,
}

impl PostgresUnit {
    /// The unit's connection, for one operation.
    async fn connection(
        &self,
    ) -> Result<tokio::sync::MappedMutexGuard<'_, ClientWrapper>, StoreError> {
        let guard = self.client.lock().await;
        tokio::sync::MutexGuard::try_map(guard, |client| {
            client.as_mut().map(|client| &mut **client)
        })
        .map_err(|_| ended())
    }

    fn track<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(StoreError::Backend(_)) = &result {
            self.failed.store(true, Ordering::Release);
        }
        result
    }

    /// Ends the transaction with `COMMIT` or `ROLLBACK`; the connection goes back to the pool.
    async fn end(&self, statement: &str) -> Result<(), StoreError> {
        let client = self.client.lock().await.take().ok_or_else(ended)?;
        match client.batch_execute(statement).await {
            Ok(()) => Ok(()),
            Err(error) => {
                // The connection's state is unknown: close it rather than reuse it.
                drop(Object::take(client));
                Err(db(error))
            }
        }
    }
}

impl Drop for PostgresUnit {
    /// A unit dropped before its end rolls back: on a task when a Tokio runtime is at hand
    /// (the connection then goes back to the pool), else by closing the connection, which
    /// the server rolls back.
    fn drop(&mut self) {
        let Some(client) = self.client.get_mut().take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if client.batch_execute("ROLLBACK").await.is_err() {
                        drop(Object::take(client));
                    }
                });
            }
            Err(_) => drop(Object::take(client)),
        }
    }
}

#[async_trait::async_trait]
impl<C: StoreScope + Send + Sync + 'static> Store<C> for PostgresUnit {
    async fn load_thread(
        &self,
        thread_id: &str,
        context: &C,
    ) -> Result<ThreadMetadata, StoreError> {
        let client = self.connection().await?;
        self.track(ops::load_thread(&client, thread_id, context.scope()).await)
    }

    async fn save_thread(&self, thread: &ThreadMetadata, context: &C) -> Result<(), StoreError> {
        let client = self.connection().await?;
        self.track(ops::save_thread(&client, thread, context.scope()).await)
    }

    async fn load_thread_items(
        &self,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadItem>, StoreError> {
        let client = self.connection().await?;
        self.track(
            ops::load_thread_items(&client, thread_id, after, limit, order, context.scope()).await,
        )
    }

    async fn load_threads(
        &self,
        limit: usize,
        after: Option<&str>,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadMetadata>, StoreError> {
        let client = self.connection().await?;
        self.track(ops::load_threads(&client, limit, after, order, context.scope()).await)
    }

    async fn add_thread_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.connection().await?;
        self.track(ops::add_thread_item(&client, thread_id, item, context.scope()).await)
    }

    async fn save_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.connection().await?;
        self.track(ops::save_item(&client, thread_id, item, context.scope()).await)
    }

    async fn load_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<ThreadItem, StoreError> {
        let client = self.connection().await?;
        self.track(ops::load_item(&client, thread_id, item_id, context.scope()).await)
    }

    async fn delete_thread(&self, thread_id: &str, context: &C) -> Result<(), StoreError> {
        let client = self.connection().await?;
        self.track(ops::delete_thread(&client, thread_id, context.scope()).await)
    }

    async fn delete_thread_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.connection().await?;
        self.track(ops::delete_thread_item(&client, thread_id, item_id, context.scope()).await)
    }

    async fn save_attachment(
        &self,
        attachment: &Attachment,
        context: &C,
    ) -> Result<(), StoreError> {
        let client = self.connection().await?;
        self.track(ops::save_attachment(&client, attachment, context.scope()).await)
    }

    async fn load_attachment(
        &self,
        attachment_id: &str,
        context: &C,
    ) -> Result<Attachment, StoreError> {
        let client = self.connection().await?;
        self.track(ops::load_attachment(&client, attachment_id, context.scope()).await)
    }

    async fn delete_attachment(&self, attachment_id: &str, context: &C) -> Result<(), StoreError> {
        let client = self.connection().await?;
        self.track(ops::delete_attachment(&client, attachment_id, context.scope()).await)
    }
}

#[async_trait::async_trait]
impl<C: StoreScope + Send + Sync + 'static> StoreTransaction<C> for PostgresUnit {
    async fn commit(&self) -> Result<(), StoreError> {
        if self.failed.load(Ordering::Acquire) {
            self.end("ROLLBACK").await?;
            return Err(StoreError::backend(
                "a statement of this unit of work failed: its writes were rolled back",
            ));
        }
        self.end("COMMIT").await
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        self.end("ROLLBACK").await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::testing::{TestContext, run_suite, run_unit_suite};
    use crate::thread::AssistantMessageItem;

    /// A store in a fresh schema of the test server (`CHATKIT_POSTGRES_URL`), or `None`, said
    /// on stderr, when no server is configured.
    async fn fresh() -> Option<PostgresStore> {
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        in_schema(&schema).await
    }

    async fn in_schema(schema: &str) -> Option<PostgresStore> {
        let Ok(url) = std::env::var("CHATKIT_POSTGRES_URL") else {
            eprintln!("skipped: CHATKIT_POSTGRES_URL is not set (see docs/postgres.md)");
            return None;
        };
        Some(
            PostgresStore::connect_in_schema(&url, schema, 4)
                .await
                .expect("connect to CHATKIT_POSTGRES_URL"),
        )
    }

    fn alice() -> TestContext {
        TestContext::user("alice")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn suite() {
        if fresh().await.is_none() {
            return;
        }
        run_suite(async || fresh().await.expect("configured")).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unit_suite() {
        if fresh().await.is_none() {
            return;
        }
        run_unit_suite(async || fresh().await.expect("configured")).await;
    }

    #[tokio::test]
    async fn migrations_are_versioned_and_run_once() {
        let Some(store) = fresh().await else { return };
        assert_eq!(store.migrate().await.expect("again"), MIGRATIONS.len());
        let client = store.client().await.expect("client");
        let versions: Vec<i32> = client
            .query(
                "SELECT version FROM chatkit_schema_migrations ORDER BY version",
                &[],
            )
            .await
            .expect("versions")
            .iter()
            .map(|row| row.get(0))
            .collect();
        let expected: Vec<i32> = (1..=i32::try_from(MIGRATIONS.len()).expect("few")).collect();
        assert_eq!(versions, expected);
        client
            .execute(
                "INSERT INTO chatkit_schema_migrations (version) VALUES (99)",
                &[],
            )
            .await
            .expect("a newer version");
        let error = store.migrate().await.expect_err("a newer schema");
        assert!(error.to_string().contains("schema version 99"), "{error}");
    }

    #[tokio::test]
    async fn schema_names_must_be_plain() {
        let error = PostgresStore::connect_in_schema("postgres://localhost/x", "a\"; DROP", 1)
            .await
            .expect_err("refused");
        assert!(error.to_string().contains("plain schema name"), "{error}");
    }

    /// Two units on one thread, from two stores (two pools: as two replicas): the second
    /// waits for the first to commit, then sees its write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn units_of_one_thread_serialize_across_pools() {
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        let Some(first) = in_schema(&schema).await else {
            return;
        };
        let second = in_schema(&schema).await.expect("a second pool");
        let thread = ThreadMetadata::new("thr_1", Timestamp::now());
        first.save_thread(&thread, &alice()).await.expect("save");
        let unit = first
            .begin("thr_1", &alice())
            .await
            .expect("begin")
            .expect("unit");
        let item: ThreadItem = AssistantMessageItem::new("msg_1", "thr_1", "first").into();
        unit.add_thread_item("thr_1", &item, &alice())
            .await
            .expect("add");
        let waiting = tokio::spawn(async move {
            let unit = second
                .begin("thr_1", &alice())
                .await
                .expect("begin")
                .expect("unit");
            let seen = unit.load_item("thr_1", "msg_1", &alice()).await.map(drop);
            unit.commit().await.expect("commit");
            seen
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !waiting.is_finished(),
            "the second unit must wait for the lock"
        );
        // Another thread is not held up.
        let other = first
            .begin("thr_2", &alice())
            .await
            .expect("begin")
            .expect("unit");
        other.rollback().await.expect("rollback");
        unit.commit().await.expect("commit");
        waiting
            .await
            .expect("task")
            .expect("the second unit sees the first's write");
    }

    /// A statement that fails inside a unit aborts PostgreSQL's transaction: the commit
    /// rolls back, and nothing of the unit is written.
    #[tokio::test]
    async fn a_failed_statement_rolls_the_unit_back() {
        let Some(store) = fresh().await else { return };
        let thread = ThreadMetadata::new("thr_1", Timestamp::now());
        store.save_thread(&thread, &alice()).await.expect("save");
        // A constraint the unit's second write breaks.
        store
            .client()
            .await
            .expect("client")
            .batch_execute(
                "ALTER TABLE chatkit_items ADD CONSTRAINT no_msg_3 CHECK (id <> 'msg_3')",
            )
            .await
            .expect("a constraint");
        let unit = store
            .begin("thr_1", &alice())
            .await
            .expect("begin")
            .expect("unit");
        let small: ThreadItem = AssistantMessageItem::new("msg_2", "thr_1", "kept?").into();
        let large: ThreadItem = AssistantMessageItem::new("msg_3", "thr_1", "refused").into();
        unit.add_thread_item("thr_1", &small, &alice())
            .await
            .expect("add");
        let error = unit
            .add_thread_item("thr_1", &large, &alice())
            .await
            .expect_err("the constraint");
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
        unit.commit().await.expect_err("the commit rolls back");
        let page = store
            .load_thread_items("thr_1", None, 10, SortOrder::Asc, &alice())
            .await
            .expect("items");
        assert!(page.data.is_empty(), "{page:?}");
    }
}
