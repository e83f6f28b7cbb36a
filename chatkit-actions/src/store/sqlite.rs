//! [`SqliteStore`]: a [`Store`](super::Store) in a `SQLite` database file (feature `sqlite`).

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::de::DeserializeOwned;

use self::cache::{Cache, read_counter};
use self::readers::Readers;
use self::writer::Writer;

use super::backend::{ApplyWrites, Backend, Op, PageQuery, StoreResult, Write};
use super::sql::{Rows, fetch_limit, known_version, parse, sort_key, to_json};
use super::{StoreError, backend_store, page_of, thread_id};
use crate::thread::{Attachment, ForStore, Page, SortOrder, ThreadItem, ThreadMetadata};

mod cache;
mod readers;
mod writer;

/// How long a statement waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many prepared statements a connection keeps (more than the store has).
const STATEMENT_CACHE: usize = 64;

/// How much of the database file the read connections map into memory (`PRAGMA mmap_size`):
/// the mapped pages they touch count in the process's resident memory, shared between them.
const MMAP_SIZE: i64 = 64 * 1024 * 1024;

/// How many read connections a store on a file opens, at most.
const READERS: usize = 4;

/// How many connections read the cache's change counter: one per core (Tokio's worker threads
/// by default), at most [`READERS`].
fn counter_connections() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(READERS))
}

/// The schema, one migration per version: `MIGRATIONS[n]` takes a database from version `n`
/// (`PRAGMA user_version`) to `n + 1`. Append only; never edit a released migration.
const MIGRATIONS: &[&str] = &[
    // Version 1.
    //
    // `owner` is the scope of the context that created the row (NULL: the shared space).
    // `created_us` is `created_at` in microseconds since the Unix epoch (the sort key; the
    // JSON in `data` keeps the original spelling) and `seq` the insertion order that breaks
    // ties; both only ever serve ordering.
    "CREATE TABLE threads (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT,
        created_us INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX threads_by_owner ON threads (owner, created_us, seq);
    CREATE TABLE items (
        seq INTEGER PRIMARY KEY,
        thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (thread_id, id)
    );
    CREATE INDEX items_by_thread ON items (thread_id, created_us, seq);
    CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        owner TEXT,
        data TEXT NOT NULL
    );",
    // Version 2.
    //
    // A counter of the changes to threads and items, bumped by triggers in the transaction that
    // makes them, whoever writes: the read cache (`sqlite/cache.rs`) is coherent with one value
    // of it.
    "CREATE TABLE changes (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
    );
    INSERT INTO changes (id, n) VALUES (1, 0);
    CREATE TRIGGER threads_inserted AFTER INSERT ON threads
        BEGIN UPDATE changes SET n = n + 1 WHERE id = 1; END;
    CREATE TRIGGER threads_updated AFTER UPDATE ON threads
        BEGIN UPDATE changes SET n = n + 1 WHERE id = 1; END;
    CREATE TRIGGER threads_deleted AFTER DELETE ON threads
        BEGIN UPDATE changes SET n = n + 1 WHERE id = 1; END;
    CREATE TRIGGER items_inserted AFTER INSERT ON items
        BEGIN UPDATE changes SET n = n + 1 WHERE id = 1; END;
    CREATE TRIGGER items_updated AFTER UPDATE ON items
        BEGIN UPDATE changes SET n = n + 1 WHERE id = 1; END;
    CREATE TRIGGER items_deleted AFTER DELETE ON items
        BEGIN UPDATE changes SET n = n + 1 WHERE id = 1; END;",
];

/// A [`Store`](super::Store) in a `SQLite` database: one writer, and readers beside it.
///
/// The database runs in WAL mode with a busy timeout, so other processes may read it while
/// this one writes. [`open`](Self::open) creates the schema, or migrates an older one, before
/// it returns. Threads, items and attachments are stored as JSON (attachment `metadata`
/// included, see [`ForStore`]) beside the columns that order and scope them.
///
/// Writes go to one thread of the store's own, which owns the write connection. Every write is
/// one transaction, and so are the writes of a unit of work
/// ([`Store::begin`](super::Store::begin)): they are staged while the action runs and applied
/// together at its commit. The writer commits the units queued meanwhile in one
/// `BEGIN IMMEDIATE … COMMIT` (group commit), each in its own savepoint: a unit's writes commit
/// together or not at all, a failing unit takes no other one down, units commit in the order
/// they were queued, and a commit returns only once the transaction that holds it committed.
/// Reads run on Tokio's blocking pool (so the store needs a Tokio runtime) on a small pool of
/// read connections, beside the writer; they see what is committed. On a file, threads and
/// items read recently are also kept in a bounded cache that the writer updates as its groups
/// commit; a read answers from it, without a read transaction's queries, only when the
/// database's change counter (schema version 2: triggers bump it at every change of a thread or
/// an item, whoever makes it, other processes included) says nothing changed since the
/// cache's state, so it sees what is committed too. A database in memory has
/// one connection, the writer's, which reads between two groups. The connections run with
/// `synchronous = NORMAL` (WAL): a commit is atomic and survives a crash of the process; a
/// power loss may lose the last ones. They map up to 64 MiB of the file (`mmap_size`), and the
/// writer checkpoints the WAL after answering a group rather than inside its `COMMIT`. The isolation, ordering and error rules are those of the
/// [module docs](super), as for [`MemoryStore`](super::MemoryStore), except that `created_at`
/// orders to the microsecond (the precision the SDK writes); finer differences tie.
///
/// ```
/// use chatkit_actions::store::{SqliteStore, Store};
/// use chatkit_actions::thread::{ThreadMetadata, Timestamp};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqliteStore::in_memory()?;
/// let thread = ThreadMetadata::new("thr_1", Timestamp::now());
/// store.save_thread(&thread, &()).await?;
/// assert_eq!(store.load_thread("thr_1", &()).await?, thread);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
}

/// The connections of a store and its clones.
struct Shared {
    writer: Writer,
    /// The read connections of a database file; `None` in memory, where the writer reads.
    readers: Option<Arc<Readers>>,
    /// The read cache of a database file; `None` in memory.
    cache: Option<Arc<Cache>>,
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path` and brings its schema up to date.
    ///
    /// This blocks while it opens and migrates the file; call it at startup, or from
    /// [`spawn_blocking`](tokio::task::spawn_blocking).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the file can't be opened, is not a database, or has a
    /// schema newer than this version of the crate knows.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(StoreError::backend)?;
        Self::setup(connection)
    }

    /// A new, empty database in memory, dropped with the last clone of the store.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when `SQLite` fails to set it up.
    pub fn in_memory() -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory().map_err(StoreError::backend)?;
        Self::setup(connection)
    }

    fn setup(mut connection: Connection) -> Result<Self, StoreError> {
        let wal = configure(&mut connection)?;
        // A database in memory (which answers "memory" for WAL) has no file to share.
        let (readers, cache) = match connection.path() {
            Some(path) if wal && !path.is_empty() => {
                let path = Path::new(path);
                // The cache's counter is read without waiting for a lock: busy, the read goes
                // to the database instead.
                let counters = (0..counter_connections())
                    .map(|_| {
                        let counter = readers::open(path)?;
                        counter.busy_timeout(Duration::ZERO)?;
                        Ok(counter)
                    })
                    .collect::<Result<Vec<_>, Failure>>()?;
                let cache = Cache::new(counters);
                (
                    Some(Arc::new(Readers::new(path, READERS))),
                    Some(Arc::new(cache)),
                )
            }
            _ => (None, None),
        };
        let writer = Writer::spawn(connection, cache.clone())?;
        Ok(Self {
            shared: Arc::new(Shared {
                writer,
                readers,
                cache,
            }),
        })
    }

    /// The row of `id` in `table` (`threads` or `attachments`) if `owner` owns it; not found,
    /// by `missing`, otherwise.
    async fn load_owned<T: DeserializeOwned + Send + 'static>(
        &self,
        table: &'static str,
        owner: Option<&str>,
        id: &str,
        missing: fn(&str) -> StoreError,
    ) -> StoreResult<T> {
        let (id, owner) = (id.to_owned(), owner.map(str::to_owned));
        self.read(move |connection| {
            let sql = format!("SELECT data FROM {table} WHERE id = ?1 AND owner IS ?2");
            load_one(connection, &sql, params![id, owner], || missing(&id))
        })
        .await
    }

    /// Runs `operation`, which only reads, on a read connection (or the writer's, in memory):
    /// it sees what is committed.
    async fn read<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, StoreError> {
        match &self.shared.readers {
            Some(readers) => readers.run(operation).await,
            None => self.shared.writer.run(operation).await,
        }
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("transactions", &self.shared.writer.transactions())
            .finish_non_exhaustive()
    }
}

/// A failed operation: a store error, or a `SQLite` or JSON error that becomes
/// [`StoreError::Backend`].
#[derive(Debug)]
struct Failure(StoreError);

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Self(error)
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Self(StoreError::backend(error))
    }
}

impl From<serde_json::Error> for Failure {
    fn from(error: serde_json::Error) -> Self {
        Self(StoreError::backend(error))
    }
}

impl From<Failure> for StoreError {
    fn from(failure: Failure) -> Self {
        failure.0
    }
}

/// Sets the connection up (WAL, busy timeout, foreign keys) and migrates the schema; whether
/// the database is in WAL mode (one in memory is not).
fn configure(connection: &mut Connection) -> Result<bool, Failure> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // An in-memory database answers "memory" and stays so; that's fine.
    let mode: String =
        connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    connection.pragma_update(None, "foreign_keys", true)?;
    // In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a commit is
    // atomic and the database stays consistent on a crash, and a power loss may undo the
    // last commits. That is the usual setting for WAL, and what makes a commit cheap.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // As the readers: pages of the file through a mapping of it (nothing for a database in
    // memory).
    connection.pragma_update(None, "mmap_size", MMAP_SIZE)?;
    migrate(connection)?;
    Ok(mode.eq_ignore_ascii_case("wal"))
}

/// Applies the missing migrations, all in one transaction.
fn migrate(connection: &mut Connection) -> Result<(), Failure> {
    // IMMEDIATE: two processes opening the same file migrate one after the other.
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let current = known_version(version, MIGRATIONS.len())?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(current) {
        tx.execute_batch(migration)?;
        let version = i64::try_from(index + 1).map_err(StoreError::backend)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}

/// Fails with not found unless `thread_id` exists and belongs to `owner`.
fn check_thread(tx: &Connection, thread_id: &str, owner: Option<&str>) -> Result<(), Failure> {
    if thread_visible(tx, thread_id, owner)? {
        Ok(())
    } else {
        Err(StoreError::thread_not_found(thread_id).into())
    }
}

fn thread_visible(tx: &Connection, thread_id: &str, owner: Option<&str>) -> Result<bool, Failure> {
    let found = tx
        .prepare_cached("SELECT 1 FROM threads WHERE id = ?1 AND owner IS ?2")?
        .query_row(params![thread_id, owner], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

/// Begins a read transaction: a consistent snapshot across the statements of one call, ended
/// when dropped. Its statements are prepared once and cached.
fn read(connection: &mut Connection) -> Result<Snapshot<'_>, Failure> {
    connection.prepare_cached("BEGIN")?.execute([])?;
    Ok(Snapshot(connection))
}

/// A read transaction (see [`read`]).
struct Snapshot<'a>(&'a Connection);

impl std::ops::Deref for Snapshot<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.0
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            // It only read: ending it can't lose anything. Should this fail, the next `BEGIN`
            // on the connection fails and reports it.
            let _ = self
                .0
                .prepare_cached("ROLLBACK")
                .and_then(|mut statement| statement.execute([]));
        }
    }
}

/// Reads the `data` of the rows of a page query, parsed.
fn page_rows<T: DeserializeOwned>(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<T>, Failure> {
    let mut statement = tx.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    let mut values = Vec::new();
    while let Some(row) = rows.next()? {
        let data: String = row.get(0)?;
        values.push(parse(&data)?);
    }
    Ok(values)
}

/// The `data` of the row `sql` finds, parsed: `missing` when there is none.
fn load_one<T: DeserializeOwned>(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    missing: impl FnOnce() -> StoreError,
) -> Result<T, Failure> {
    let data: Option<String> = tx
        .prepare_cached(sql)?
        .query_row(params, |row| row.get(0))
        .optional()?;
    match data {
        Some(data) => Ok(parse(&data)?),
        None => Err(missing().into()),
    }
}

/// The `data` of a page of `rows` (whose filter reads `key`), after the one whose id is
/// `after`: not found, by `missing`, when `rows` has no such row.
fn load_page<T: DeserializeOwned>(
    tx: &Connection,
    rows: Rows,
    key: &dyn ToSql,
    after: Option<&str>,
    limit: usize,
    order: SortOrder,
    missing: fn(&str) -> StoreError,
) -> Result<Vec<T>, Failure> {
    let fetch = fetch_limit(limit);
    let Some(after) = after else {
        return page_rows(tx, &rows.first(order), params![key, fetch]);
    };
    let (created_us, seq): (i64, i64) = tx
        .prepare_cached(&rows.cursor())?
        .query_row(params![key, after], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .ok_or_else(|| missing(after))?;
    page_rows(tx, &rows.after(order), params![key, created_us, seq, fetch])
}

/// The items of a thread (the first parameter).
const ITEMS: Rows = Rows {
    table: "items",
    filter: "thread_id = ?1",
    placeholder: '?',
};

/// The threads of an owner (the first parameter).
const THREADS: Rows = Rows {
    table: "threads",
    filter: "owner IS ?1",
    placeholder: '?',
};

#[async_trait::async_trait]
impl Backend for SqliteStore {
    async fn thread(&self, owner: Option<&str>, id: &str) -> StoreResult<ThreadMetadata> {
        let Some(cache) = &self.shared.cache else {
            let missing = StoreError::thread_not_found;
            return self.load_owned("threads", owner, id, missing).await;
        };
        if let Some(answer) = cache.thread(owner, id) {
            return answer;
        }
        let (id, owner, cache) = (id.to_owned(), owner.map(str::to_owned), Arc::clone(cache));
        self.read(move |connection| {
            let tx = read(connection)?;
            let counter = read_counter(&tx)?;
            let sql = "SELECT data FROM threads WHERE id = ?1 AND owner IS ?2";
            let data: Option<String> = tx
                .prepare_cached(sql)?
                .query_row(params![id, owner], |row| row.get(0))
                .optional()?;
            let data = data.ok_or_else(|| StoreError::thread_not_found(&id))?;
            let thread: ThreadMetadata = parse(&data)?;
            cache.store_thread(counter, owner, thread.clone(), data.len());
            Ok(thread)
        })
        .await
    }

    async fn items(&self, thread: &str, query: PageQuery<'_>) -> StoreResult<Page<ThreadItem>> {
        let (thread_id, owner) = (thread.to_owned(), query.owner.map(str::to_owned));
        let (after, limit, order) = (query.after.map(str::to_owned), query.limit, query.order);
        self.read(move |connection| {
            let tx = read(connection)?;
            if !thread_visible(&tx, &thread_id, owner.as_deref())? {
                return Ok(Page::default());
            }
            let after = after.as_deref();
            let missing = StoreError::item_not_found;
            let rows = load_page(&tx, ITEMS, &thread_id, after, limit, order, missing)?;
            Ok(page_of(rows, limit, after, ThreadItem::id))
        })
        .await
    }

    async fn threads(&self, query: PageQuery<'_>) -> StoreResult<Page<ThreadMetadata>> {
        let owner = query.owner.map(str::to_owned);
        let (after, limit, order) = (query.after.map(str::to_owned), query.limit, query.order);
        self.read(move |connection| {
            let tx = read(connection)?;
            let after = after.as_deref();
            let missing = StoreError::thread_not_found;
            let rows = load_page(&tx, THREADS, &owner, after, limit, order, missing)?;
            Ok(page_of(rows, limit, after, thread_id))
        })
        .await
    }

    async fn item(&self, owner: Option<&str>, thread: &str, id: &str) -> StoreResult<ThreadItem> {
        let cache = self.shared.cache.clone();
        if let Some(answer) = cache
            .as_ref()
            .and_then(|cache| cache.item(owner, thread, id))
        {
            return answer;
        }
        let (thread_id, id) = (thread.to_owned(), id.to_owned());
        let owner = owner.map(str::to_owned);
        self.read(move |connection| {
            let tx = read(connection)?;
            let counter = cache.as_ref().map(|_| read_counter(&tx)).transpose()?;
            check_thread(&tx, &thread_id, owner.as_deref())?;
            let sql = "SELECT data FROM items WHERE thread_id = ?1 AND id = ?2";
            let data: Option<String> = tx
                .prepare_cached(sql)?
                .query_row(params![thread_id, id], |row| row.get(0))
                .optional()?;
            let data = data.ok_or_else(|| StoreError::item_not_found(&id))?;
            let item: ThreadItem = parse(&data)?;
            if let (Some(cache), Some(counter)) = (cache, counter) {
                cache.store_item(counter, owner, &thread_id, item.clone(), data.len());
            }
            Ok(item)
        })
        .await
    }

    async fn attachment(&self, owner: Option<&str>, id: &str) -> StoreResult<Attachment> {
        let missing = StoreError::attachment_not_found;
        self.load_owned("attachments", owner, id, missing).await
    }

    /// One write, as its own transaction.
    async fn write(&self, write: Write) -> StoreResult<()> {
        self.apply_writes(vec![write]).await
    }
}

backend_store! {
    impl[] Store<C> for SqliteStore, staged
}

#[async_trait::async_trait]
impl ApplyWrites for SqliteStore {
    async fn thread_owner(&self, thread_id: &str) -> Result<Option<Option<String>>, StoreError> {
        let cached = self.shared.cache.as_ref();
        if let Some(owner) = cached.and_then(|cache| cache.thread_owner(thread_id)) {
            return Ok(Some(owner));
        }
        let id = thread_id.to_owned();
        self.read(move |connection| stored_owner(connection, "threads", &id))
            .await
    }

    async fn attachment_owner(
        &self,
        attachment_id: &str,
    ) -> Result<Option<Option<String>>, StoreError> {
        let id = attachment_id.to_owned();
        self.read(move |connection| stored_owner(connection, "attachments", &id))
            .await
    }

    /// Queues the unit for the writer, which commits it with the units queued meanwhile (see
    /// `writer`); returns once it is committed.
    async fn apply_writes(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.shared.writer.apply(writes).await
    }
}

/// Applies one write inside the transaction `tx`, with the checks of the
/// [`Store`](super::Store) contract; the size of the JSON it stored (0 for a delete).
fn apply(tx: &Connection, write: &Write) -> Result<usize, Failure> {
    let owner = write.owner.as_deref();
    let bytes = match &write.op {
        Op::SaveThread(thread) => {
            let (id, data) = (&thread.id, to_json(thread)?);
            let created_us = sort_key(&thread.created_at);
            if owned_row(tx, "threads", id, owner, StoreError::thread_not_found)? {
                tx.prepare_cached("UPDATE threads SET created_us = ?2, data = ?3 WHERE id = ?1")?
                    .execute(params![id, created_us, data])?;
            } else {
                tx.prepare_cached(
                    "INSERT INTO threads (id, owner, created_us, data) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![id, owner, created_us, data])?;
            }
            data.len()
        }
        Op::AddItem { thread_id, item } => {
            check_thread(tx, thread_id, owner)?;
            let exists = tx
                .prepare_cached("SELECT 1 FROM items WHERE thread_id = ?1 AND id = ?2")?
                .query_row(params![thread_id, item.id()], |_| Ok(()))
                .optional()?
                .is_some();
            if exists {
                return Err(StoreError::Conflict(item.id().to_owned()).into());
            }
            insert_item(tx, thread_id, item, "")?
        }
        Op::SaveItem { thread_id, item } => {
            check_thread(tx, thread_id, owner)?;
            // The upsert keeps an existing row's `seq`, hence its place among its ties.
            let update = "ON CONFLICT (thread_id, id) DO UPDATE \
                          SET created_us = excluded.created_us, data = excluded.data";
            insert_item(tx, thread_id, item, update)?
        }
        Op::DeleteThread(thread_id) => {
            check_thread(tx, thread_id, owner)?;
            // The foreign key cascades too; deleting explicitly doesn't depend on the pragma.
            tx.prepare_cached("DELETE FROM items WHERE thread_id = ?1")?
                .execute(params![thread_id])?;
            tx.prepare_cached("DELETE FROM threads WHERE id = ?1")?
                .execute(params![thread_id])?;
            0
        }
        Op::DeleteItem { thread_id, item_id } => {
            check_thread(tx, thread_id, owner)?;
            tx.prepare_cached("DELETE FROM items WHERE thread_id = ?1 AND id = ?2")?
                .execute(params![thread_id, item_id])?;
            0
        }
        Op::SaveAttachment(attachment) => {
            let (id, data) = (attachment.id(), to_json(&ForStore(attachment))?);
            if owned_row(
                tx,
                "attachments",
                id,
                owner,
                StoreError::attachment_not_found,
            )? {
                tx.prepare_cached("UPDATE attachments SET data = ?2 WHERE id = ?1")?
                    .execute(params![id, data])?;
            } else {
                tx.prepare_cached("INSERT INTO attachments (id, owner, data) VALUES (?1, ?2, ?3)")?
                    .execute(params![id, owner, data])?;
            }
            data.len()
        }
        Op::DeleteAttachment(id) => {
            let deleted = tx
                .prepare_cached("DELETE FROM attachments WHERE id = ?1 AND owner IS ?2")?
                .execute(params![id, owner])?;
            if deleted == 0 {
                return Err(StoreError::attachment_not_found(id).into());
            }
            0
        }
    };
    Ok(bytes)
}

/// The owner of the row of `id` in `table` (`threads` or `attachments`), if there is one.
#[expect(
    clippy::option_option,
    reason = "no row, or a row of an owner or of none (the shared space), as `ApplyWrites` says"
)]
fn stored_owner(tx: &Connection, table: &str, id: &str) -> Result<Option<Option<String>>, Failure> {
    Ok(tx
        .prepare_cached(&format!("SELECT owner FROM {table} WHERE id = ?1"))?
        .query_row(params![id], |row| row.get(0))
        .optional()?)
}

/// Whether the row of `id` in `table` exists; not found, by `missing`, when it belongs to
/// another owner than `owner`.
fn owned_row(
    tx: &Connection,
    table: &str,
    id: &str,
    owner: Option<&str>,
    missing: fn(&str) -> StoreError,
) -> Result<bool, Failure> {
    match stored_owner(tx, table, id)? {
        Some(stored) if stored.as_deref() != owner => Err(missing(id).into()),
        stored => Ok(stored.is_some()),
    }
}

/// Inserts `item` into the thread, `on_conflict` (an `ON CONFLICT` clause) deciding what
/// becomes of an item of the same id; the size of its JSON.
fn insert_item(
    tx: &Connection,
    thread_id: &str,
    item: &ThreadItem,
    on_conflict: &str,
) -> Result<usize, Failure> {
    let data = to_json(&ForStore(item))?;
    let sql = format!(
        "INSERT INTO items (thread_id, id, created_us, data) VALUES (?1, ?2, ?3, ?4) {on_conflict}"
    );
    let created_us = sort_key(item.created_at());
    tx.prepare_cached(&sql)?
        .execute(params![thread_id, item.id(), created_us, data])?;
    Ok(data.len())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::store::Store;
    use crate::store::testing::{TestContext, run_suite};
    use crate::thread::{AssistantMessageItem, Timestamp, UserMessageContent, UserMessageItem};

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let path = std::env::temp_dir().join(format!(
                "chatkit-store-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        fn db(&self) -> PathBuf {
            self.0.join("chatkit.db")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn alice() -> TestContext {
        TestContext::user("alice")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn suite_in_memory() {
        run_suite(async || SqliteStore::in_memory().unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unit_suite() {
        crate::store::testing::run_unit_suite(async || SqliteStore::in_memory().unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_commit_applies_nothing() {
        let dir = TempDir::new();
        let store = SqliteStore::open(dir.db()).unwrap();
        crate::store::testing::staged_commit_is_all_or_nothing(store).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn suite_on_files() {
        let dir = TempDir::new();
        let mut n = 0;
        run_suite(async || {
            n += 1;
            SqliteStore::open(dir.0.join(format!("suite-{n}.db"))).unwrap()
        })
        .await;
    }

    #[tokio::test]
    async fn state_survives_reopening() {
        let dir = TempDir::new();
        let thread = ThreadMetadata::new("thr_1", Timestamp::now()).title("Kept");
        let mut attachment = Attachment::file("atc_1", "a.txt", "text/plain");
        attachment.set_metadata(serde_json::json!({"k": "v"}).as_object().cloned());
        let mut user = UserMessageItem::new("msg_1", "thr_1", vec![UserMessageContent::text("hi")]);
        user.attachments.push(attachment.clone());
        let items: Vec<ThreadItem> = vec![
            user.into(),
            AssistantMessageItem::new("msg_2", "thr_1", "hello").into(),
        ];
        {
            let store = SqliteStore::open(dir.db()).unwrap();
            store.save_thread(&thread, &alice()).await.unwrap();
            for item in &items {
                store
                    .add_thread_item("thr_1", item, &alice())
                    .await
                    .unwrap();
            }
            store.save_attachment(&attachment, &alice()).await.unwrap();
        }
        let store = SqliteStore::open(dir.db()).unwrap();
        assert_eq!(store.load_thread("thr_1", &alice()).await.unwrap(), thread);
        let page = store
            .load_thread_items("thr_1", None, 10, SortOrder::Asc, &alice())
            .await
            .unwrap();
        assert_eq!(page.data, items);
        assert_eq!(
            store.load_attachment("atc_1", &alice()).await.unwrap(),
            attachment
        );
        assert!(
            store
                .load_thread("thr_1", &TestContext::user("bob"))
                .await
                .unwrap_err()
                .is_not_found()
        );
        // The file is a WAL database at the latest schema version.
        let raw = Connection::open(dir.db()).unwrap();
        let mode: String = raw
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let version: i64 = raw
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap());
    }

    /// Two stores (two connections) on one file, writing at once: WAL, the busy timeout
    /// and IMMEDIATE transactions keep every write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_connections_on_one_file() {
        let dir = TempDir::new();
        let first = SqliteStore::open(dir.db()).unwrap();
        let second = SqliteStore::open(dir.db()).unwrap();
        let thread = ThreadMetadata::new("thr_1", Timestamp::now());
        first.save_thread(&thread, &alice()).await.unwrap();
        let mut tasks = Vec::new();
        for task in 0..8 {
            let store = if task % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tasks.push(tokio::spawn(async move {
                for index in 0..50 {
                    let item: ThreadItem =
                        AssistantMessageItem::new(format!("msg_{task}_{index}"), "thr_1", "x")
                            .into();
                    store
                        .add_thread_item("thr_1", &item, &alice())
                        .await
                        .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let page = second
            .load_thread_items("thr_1", None, 1000, SortOrder::Asc, &alice())
            .await
            .unwrap();
        assert_eq!(page.data.len(), 400);
        let count: i64 = Connection::open(dir.db())
            .unwrap()
            .query_row("SELECT count(*) FROM items", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 400);
    }

    /// Holds the writer (in a job of its own) until the returned sender sends or drops, so
    /// that the units queued meanwhile commit as one group.
    async fn hold_writer(store: &SqliteStore) -> std::sync::mpsc::Sender<()> {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel();
        let writer = store.clone();
        tokio::spawn(async move {
            writer
                .shared
                .writer
                .run(move |_| {
                    let _ = started.send(());
                    let _ = held.recv();
                    Ok(())
                })
                .await
                .unwrap();
        });
        running.await.unwrap();
        release
    }

    /// Waits until `count` jobs wait for the writer.
    async fn until_queued(store: &SqliteStore, count: usize) {
        while store.shared.writer.queued() < count {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn add(thread_id: &str, item_id: &str) -> Write {
        let item: ThreadItem = AssistantMessageItem::new(item_id, thread_id, "x")
            .created_at(Timestamp::parse("2026-01-01T00:00:00Z").unwrap())
            .into();
        Write::new(Some("alice"), Op::add_item(thread_id, &item))
    }

    async fn item_ids(store: &SqliteStore, thread_id: &str) -> Vec<String> {
        store
            .load_thread_items(thread_id, None, 1000, SortOrder::Asc, &alice())
            .await
            .unwrap()
            .data
            .iter()
            .map(|item| item.id().to_owned())
            .collect()
    }

    /// A store on a file with the threads `thr_0` … `thr_{count - 1}` of alice.
    async fn with_threads(dir: &TempDir, count: usize) -> SqliteStore {
        let store = SqliteStore::open(dir.db()).unwrap();
        for index in 0..count {
            let thread = ThreadMetadata::new(format!("thr_{index}"), Timestamp::now());
            store.save_thread(&thread, &alice()).await.unwrap();
        }
        store
    }

    /// Units of several threads queued while the writer is busy commit in one transaction,
    /// and each is acknowledged.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn units_queued_together_commit_in_one_transaction() {
        let dir = TempDir::new();
        let store = with_threads(&dir, 8).await;
        let release = hold_writer(&store).await;
        let before = store.shared.writer.transactions();
        let mut units = Vec::new();
        for index in 0..8 {
            let store = store.clone();
            units.push(tokio::spawn(async move {
                let thread_id = format!("thr_{index}");
                let writes = vec![add(&thread_id, "msg_a"), add(&thread_id, "msg_b")];
                store.apply_writes(writes).await
            }));
        }
        until_queued(&store, 8).await;
        drop(release);
        for unit in units {
            unit.await.unwrap().unwrap();
        }
        assert_eq!(store.shared.writer.transactions(), before + 1);
        for index in 0..8 {
            assert_eq!(
                item_ids(&store, &format!("thr_{index}")).await,
                ["msg_a", "msg_b"]
            );
        }
    }

    /// A unit that fails in a group commits nothing of its own (not even the writes before
    /// the failing one), and the others of the group commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_unit_takes_no_other_unit_of_its_group_down() {
        let dir = TempDir::new();
        let store = with_threads(&dir, 3).await;
        let release = hold_writer(&store).await;
        let before = store.shared.writer.transactions();
        let units = [
            vec![add("thr_0", "msg_1")],
            // Its second write names a thread that does not exist.
            vec![add("thr_1", "msg_1"), add("thr_missing", "msg_2")],
            vec![add("thr_2", "msg_1"), add("thr_2", "msg_2")],
            // Its second write conflicts with its first.
            vec![add("thr_0", "msg_2"), add("thr_0", "msg_2")],
        ];
        let mut tasks = Vec::new();
        for (queued, writes) in units.into_iter().enumerate() {
            let queuing = store.clone();
            tasks.push(tokio::spawn(
                async move { queuing.apply_writes(writes).await },
            ));
            // Queued in this order.
            until_queued(&store, queued + 1).await;
        }
        drop(release);
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        assert!(outcomes[0].is_ok(), "{outcomes:?}");
        assert!(
            outcomes[1].as_ref().unwrap_err().is_not_found(),
            "{outcomes:?}"
        );
        assert!(outcomes[2].is_ok(), "{outcomes:?}");
        assert!(
            matches!(&outcomes[3], Err(StoreError::Conflict(id)) if id == "msg_2"),
            "{outcomes:?}"
        );
        assert_eq!(store.shared.writer.transactions(), before + 1);
        assert_eq!(item_ids(&store, "thr_0").await, ["msg_1"]);
        assert!(item_ids(&store, "thr_1").await.is_empty());
        assert_eq!(item_ids(&store, "thr_2").await, ["msg_1", "msg_2"]);
    }

    /// One thread's units commit in the order they were queued, within a group and across
    /// groups.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_threads_units_commit_in_order() {
        let dir = TempDir::new();
        let store = with_threads(&dir, 1).await;
        let mut expected = Vec::new();
        for round in 0..3 {
            let release = hold_writer(&store).await;
            let mut tasks = Vec::new();
            for index in 0..10 {
                let id = format!("msg_{round}_{index}");
                expected.push(id.clone());
                let queuing = store.clone();
                tasks.push(tokio::spawn(async move {
                    queuing.apply_writes(vec![add("thr_0", &id)]).await
                }));
                until_queued(&store, index + 1).await;
            }
            drop(release);
            for task in tasks {
                task.await.unwrap().unwrap();
            }
        }
        // The items share one timestamp: the store orders them by their commit.
        assert_eq!(item_ids(&store, "thr_0").await, expected);
    }

    /// A unit's commit returns only once its transaction committed, and until then no reader
    /// sees its writes; a transaction in progress is never seen by the readers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_is_acknowledged_only_once_committed() {
        let dir = TempDir::new();
        let store = with_threads(&dir, 1).await;
        let release = hold_writer(&store).await;
        let unit = {
            let store = store.clone();
            tokio::spawn(async move { store.apply_writes(vec![add("thr_0", "msg_1")]).await })
        };
        until_queued(&store, 1).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!unit.is_finished());
        assert!(item_ids(&store, "thr_0").await.is_empty());
        drop(release);
        unit.await.unwrap().unwrap();
        assert_eq!(item_ids(&store, "thr_0").await, ["msg_1"]);

        // A transaction left open on the write connection: the readers don't see its write.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (written, staged) = tokio::sync::oneshot::channel();
        let writer = store.clone();
        let open = tokio::spawn(async move {
            writer
                .shared
                .writer
                .run(move |connection| {
                    let tx = connection.transaction()?;
                    apply(&tx, &add("thr_0", "msg_2"))?;
                    let _ = written.send(());
                    let _ = held.recv();
                    // Dropped: rolled back.
                    drop(tx);
                    Ok(())
                })
                .await
        });
        staged.await.unwrap();
        assert_eq!(item_ids(&store, "thr_0").await, ["msg_1"]);
        drop(release);
        open.await.unwrap().unwrap();
        assert_eq!(item_ids(&store, "thr_0").await, ["msg_1"]);
    }

    /// Reads of a unit of work through the store see only what is committed: a unit's staged
    /// writes show to the unit, not to the store's readers, until the commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_do_not_see_staged_writes() {
        let dir = TempDir::new();
        let store = with_threads(&dir, 1).await;
        let unit = store.begin("thr_0", &alice()).await.unwrap().unwrap();
        let item: ThreadItem = AssistantMessageItem::new("msg_1", "thr_0", "x").into();
        unit.add_thread_item("thr_0", &item, &alice())
            .await
            .unwrap();
        assert_eq!(
            unit.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            item
        );
        assert!(
            store
                .load_item("thr_0", "msg_1", &alice())
                .await
                .unwrap_err()
                .is_not_found()
        );
        unit.commit().await.unwrap();
        assert_eq!(
            store.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            item
        );
    }

    /// Many units of many threads at once, through units of work: every one commits, in
    /// fewer transactions than units once they queue up.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_threads_at_once() {
        let dir = TempDir::new();
        let store = with_threads(&dir, 16).await;
        let mut tasks = Vec::new();
        for index in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let thread_id = format!("thr_{index}");
                for round in 0..20 {
                    let unit = store.begin(&thread_id, &alice()).await.unwrap().unwrap();
                    let item: ThreadItem =
                        AssistantMessageItem::new(format!("msg_{round}"), &thread_id, "x").into();
                    unit.add_thread_item(&thread_id, &item, &alice())
                        .await
                        .unwrap();
                    unit.commit().await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        for index in 0..16 {
            let ids = item_ids(&store, &format!("thr_{index}")).await;
            let expected: Vec<String> = (0..20).map(|round| format!("msg_{round}")).collect();
            assert_eq!(ids, expected);
        }
    }

    fn cached(store: &SqliteStore) -> (usize, usize, usize) {
        store.shared.cache.as_ref().unwrap().held()
    }

    /// Reads fill the cache, the store's own commits update it, and it answers as the database
    /// would: another owner does not see the thread.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_cache_holds_reads_and_follows_commits() {
        let dir = TempDir::new();
        let store = with_threads(&dir, 1).await;
        let item: ThreadItem = AssistantMessageItem::new("msg_1", "thr_0", "x").into();
        store
            .add_thread_item("thr_0", &item, &alice())
            .await
            .unwrap();
        // A new item is not cached until read.
        assert_eq!(cached(&store).1, 0);
        let thread = store.load_thread("thr_0", &alice()).await.unwrap();
        assert_eq!(
            store.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            item
        );
        let (threads, items, bytes) = cached(&store);
        assert_eq!((threads, items), (1, 1));
        assert!(bytes > 0);
        // Served from the cache, the same answers.
        assert_eq!(store.load_thread("thr_0", &alice()).await.unwrap(), thread);
        assert_eq!(
            store.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            item
        );
        let bob = TestContext::user("bob");
        assert!(
            store
                .load_thread("thr_0", &bob)
                .await
                .unwrap_err()
                .is_not_found()
        );
        assert!(
            store
                .load_item("thr_0", "msg_1", &bob)
                .await
                .unwrap_err()
                .is_not_found()
        );
        // A commit of this store updates the cached item.
        let edited: ThreadItem = AssistantMessageItem::new("msg_1", "thr_0", "edited").into();
        let unit = store.begin("thr_0", &alice()).await.unwrap().unwrap();
        unit.save_item("thr_0", &edited, &alice()).await.unwrap();
        assert_eq!(
            store.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            item
        );
        unit.commit().await.unwrap();
        assert_eq!(cached(&store).1, 1);
        assert_eq!(
            store.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            edited
        );
        store
            .delete_thread_item("thr_0", "msg_1", &alice())
            .await
            .unwrap();
        assert_eq!(cached(&store).1, 0);
        assert!(
            store
                .load_item("thr_0", "msg_1", &alice())
                .await
                .unwrap_err()
                .is_not_found()
        );
        store.delete_thread("thr_0", &alice()).await.unwrap();
        assert_eq!(cached(&store).0, 0);
        assert!(
            store
                .load_thread("thr_0", &alice())
                .await
                .unwrap_err()
                .is_not_found()
        );
    }

    /// What another store on the file (another process) or another connection writes shows
    /// at once, cached or not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_cache_sees_other_writers() {
        let dir = TempDir::new();
        let first = with_threads(&dir, 1).await;
        let item: ThreadItem = AssistantMessageItem::new("msg_1", "thr_0", "x").into();
        first
            .add_thread_item("thr_0", &item, &alice())
            .await
            .unwrap();
        first.load_thread("thr_0", &alice()).await.unwrap();
        first.load_item("thr_0", "msg_1", &alice()).await.unwrap();
        assert_eq!(cached(&first).1, 1);

        // Another store on the file edits the item: the first store's next read sees it.
        let second = SqliteStore::open(dir.db()).unwrap();
        let edited: ThreadItem = AssistantMessageItem::new("msg_1", "thr_0", "second").into();
        second.save_item("thr_0", &edited, &alice()).await.unwrap();
        assert_eq!(
            first.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            edited
        );

        // A plain connection (a `sqlite3` shell) edits the row: seen too.
        let raw = Connection::open(dir.db()).unwrap();
        let by_hand: ThreadItem = AssistantMessageItem::new("msg_1", "thr_0", "by hand").into();
        raw.execute(
            "UPDATE items SET data = ?1 WHERE id = 'msg_1'",
            params![to_json(&ForStore(&by_hand)).unwrap()],
        )
        .unwrap();
        assert_eq!(
            first.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            by_hand
        );

        // The first store writes after the others: its cache starts again from its commit and
        // still answers right.
        let thread = ThreadMetadata::new("thr_0", Timestamp::now()).title("renamed");
        first.save_thread(&thread, &alice()).await.unwrap();
        assert_eq!(
            first.load_item("thr_0", "msg_1", &alice()).await.unwrap(),
            by_hand
        );
        assert_eq!(first.load_thread("thr_0", &alice()).await.unwrap(), thread);

        // Deleted by the other store: gone for the first.
        second.delete_thread("thr_0", &alice()).await.unwrap();
        assert!(
            first
                .load_thread("thr_0", &alice())
                .await
                .unwrap_err()
                .is_not_found()
        );
        assert!(
            first
                .load_item("thr_0", "msg_1", &alice())
                .await
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = TempDir::new();
        Connection::open(dir.db())
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let error = SqliteStore::open(dir.db()).unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
        assert!(error.to_string().contains("schema version 99"), "{error}");
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let dir = TempDir::new();
        drop(SqliteStore::open(dir.db()).unwrap());
        drop(SqliteStore::open(dir.db()).unwrap());
    }

    #[tokio::test]
    async fn corrupt_rows_are_backend_errors() {
        let dir = TempDir::new();
        let store = SqliteStore::open(dir.db()).unwrap();
        let thread = ThreadMetadata::new("thr_1", Timestamp::now());
        store.save_thread(&thread, &alice()).await.unwrap();
        let item: ThreadItem = AssistantMessageItem::new("msg_1", "thr_1", "x").into();
        store
            .add_thread_item("thr_1", &item, &alice())
            .await
            .unwrap();
        let raw = Connection::open(dir.db()).unwrap();
        raw.execute("UPDATE items SET data = '{\"type\":\"nope\"}'", [])
            .unwrap();
        raw.execute("UPDATE threads SET data = 'not json'", [])
            .unwrap();

        let error = store
            .load_item("thr_1", "msg_1", &alice())
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
        let error = store
            .load_thread_items("thr_1", None, 10, SortOrder::Asc, &alice())
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
        let error = store.load_thread("thr_1", &alice()).await.unwrap_err();
        assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    }
}
