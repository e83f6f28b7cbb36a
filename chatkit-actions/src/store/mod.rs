//! Persistence: the [`Store`] trait a `ChatKit` server keeps its threads, items and attachments
//! in, and the stores this crate ships.
//!
//! The trait mirrors the Python SDK's `Store` method for method, so a store written against
//! one reads like the other. Every method receives the request context `C`; the built-in
//! stores use its [`StoreScope`] to keep each user's threads apart.
//!
//! Three stores ship with the crate: [`MemoryStore`], [`SqliteStore`] behind the `sqlite`
//! feature (on by default), and `PostgresStore` behind the `postgres` feature, for several
//! server processes sharing one database (`docs/postgres.md`). All follow the trait's contract and these rules, which
//! `store::testing::run_suite` checks (the `test-util` feature makes it public, to run on another
//! store):
//! - a thread or attachment belongs to the scope of the context that first saved it; for
//!   every other scope it does not exist (not found, an empty page of items, absent from
//!   `load_threads`), and saving it is not found rather than a takeover;
//! - ties in `created_at` keep insertion order, and an upsert keeps an entry's place;
//! - `add_thread_item` and `save_item` need the thread; an item id is unique in its thread
//!   (`add_thread_item` of an existing id is [`StoreError::Conflict`]);
//! - an `after` cursor that names no visible entry is not found, and so is deleting a
//!   missing thread or attachment; deleting a missing item of a visible thread succeeds, as
//!   in the SDK, so that `thread.item.removed` of an item never saved (only added) is fine;
//! - with `limit` 0 a page is empty; `has_more` says whether anything follows, and `after`
//!   repeats the cursor given.
//!
//! # Units of work: serialization and atomicity
//!
//! The server runs every request that changes a thread (an action, a user message, a retry,
//! a tool output, a rename, a delete) as one unit of work on that thread: it takes the
//! thread's in-process lock, then asks the store to [`begin`](Store::begin) a
//! [`StoreTransaction`], runs the request's reads and writes through it, and commits it when
//! the response ends. The rule, the same for every built-in store:
//!
//! - **serialization**: the units of work of one thread run one after the other, each seeing
//!   what the previous one committed, so no update is lost. [`MemoryStore`] and
//!   [`SqliteStore`] serialize within the process that owns the store (a `SQLite` file shared
//!   by several processes keeps every write, but their actions may interleave); the
//!   `PostgresStore` (feature `postgres`) serializes across every process sharing the
//!   database, with a transaction-scoped advisory lock per thread;
//! - **atomicity**: a unit's writes become visible together when it commits. It commits when
//!   the handler returns, whether `Ok` or `Err` (as in the SDK, the events a failing handler
//!   emitted before its error stay, and the client gets the error event), and when the
//!   client disconnects (the SDK's cancellation handling is part of the unit). It rolls back,
//!   leaving nothing of the action, when a store operation fails, when the handler panics,
//!   and when the process dies before the commit;
//! - **visibility**: the unit reads its own writes; other requests see them only once it
//!   commits.
//!
//! A store that does not override [`Store::begin`] keeps the older behaviour: every write
//! goes straight to the store (the in-process lock still serializes each thread).

use std::fmt;
use std::sync::Arc;

use crate::thread::{Attachment, Page, SortOrder, ThreadItem, ThreadMetadata};

mod backend;
mod forward;
pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod staged;
#[cfg(any(test, feature = "test-util"))]
#[doc(hidden)]
pub mod testing;

pub(crate) use backend::backend_store;
pub(crate) use forward::forward_store;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// The kinds of ids a store generates, each with its prefix (`thr_`, `msg_`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreItemType {
    /// A thread: `thr_`.
    Thread,
    /// A message, and every widget item streamed by the server: `msg_`.
    Message,
    /// A client tool call: `tc_`.
    ToolCall,
    /// A task: `tsk_`.
    Task,
    /// A workflow: `wf_`.
    Workflow,
    /// An attachment: `atc_`.
    Attachment,
    /// An SDK-internal hidden context item, such as the cancellation note: `shcx_`.
    SdkHiddenContext,
}

impl StoreItemType {
    /// The id prefix, without the underscore.
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            StoreItemType::Thread => "thr",
            StoreItemType::Message => "msg",
            StoreItemType::ToolCall => "tc",
            StoreItemType::Task => "tsk",
            StoreItemType::Workflow => "wf",
            StoreItemType::Attachment => "atc",
            StoreItemType::SdkHiddenContext => "shcx",
        }
    }
}

/// A new id for `kind`: its prefix, an underscore and 16 random hex digits
/// (`thr_1a2b3c4d5e6f7a8b`).
///
/// The SDK's ids have 8 digits, 32 bits: two items of one thread are likely to share an id
/// once it holds about 77,000 (the birthday bound), and its dict store then overwrites the
/// older one. 64 bits put that bound past four billion items. Clients treat ids as opaque
/// strings, so the length is not part of the protocol.
#[must_use]
pub fn default_id(kind: StoreItemType) -> String {
    let uuid = uuid::Uuid::new_v4().simple().to_string();
    format!("{}_{}", kind.prefix(), &uuid[..16])
}

/// The part of a request context that scopes stored data.
///
/// The built-in stores save every thread with the scope of the context that created it and
/// show it only to contexts of the same scope: another user's thread is "not found". `None`
/// means one shared space, which is what `()` gives.
pub trait StoreScope {
    /// The owner of the data this request may see, such as a user id.
    fn scope(&self) -> Option<&str>;
}

impl StoreScope for () {
    fn scope(&self) -> Option<&str> {
        None
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The thread, item or attachment does not exist, or is not visible to this context.
    #[error("{kind} `{id}` not found")]
    NotFound {
        /// What was looked for: `"thread"`, `"item"` or `"attachment"`.
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// An item with this id already exists in the thread (`add_thread_item` inserts only).
    #[error("item `{0}` already exists")]
    Conflict(String),
    /// The backend failed (I/O, database, serialization).
    #[error("store backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A not-found error for a thread.
    #[must_use]
    pub fn thread_not_found(id: &str) -> Self {
        StoreError::NotFound {
            kind: "thread",
            id: id.to_owned(),
        }
    }

    /// A not-found error for an item.
    #[must_use]
    pub fn item_not_found(id: &str) -> Self {
        StoreError::NotFound {
            kind: "item",
            id: id.to_owned(),
        }
    }

    /// A not-found error for an attachment.
    #[must_use]
    pub fn attachment_not_found(id: &str) -> Self {
        StoreError::NotFound {
            kind: "attachment",
            id: id.to_owned(),
        }
    }

    /// A backend error.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Backend(error.into())
    }

    /// Whether this is a not-found error.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound { .. })
    }
}

/// Where a `ChatKit` server keeps its threads, items and attachments.
///
/// The methods and their contracts are the Python SDK's:
/// - `load_*` of something missing, or not visible to the context, is
///   [`StoreError::NotFound`]; `load_thread_items` of another user's thread is an empty page;
/// - pages are sorted by `created_at` in the requested order (ties broken by insertion
///   order); `after` is an exclusive cursor (an id), and a page's `after` is the id of its
///   last element when `has_more`, else absent;
/// - `save_thread`, `save_item` and `save_attachment` are upserts; `add_thread_item` inserts;
/// - `delete_thread` deletes the thread and its items.
///
/// The trait is object safe (`Arc<dyn Store<C>>`); implement it with
/// [`async_trait`](crate::async_trait).
#[async_trait::async_trait]
pub trait Store<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// A new thread id; `thr_` and 16 hex digits by default.
    fn generate_thread_id(&self, context: &C) -> String {
        let _ = context;
        default_id(StoreItemType::Thread)
    }

    /// A new id for an item of `kind` in `thread`; `<prefix>_` and 16 hex digits by default.
    fn generate_item_id(
        &self,
        kind: StoreItemType,
        thread: &ThreadMetadata,
        context: &C,
    ) -> String {
        let _ = (thread, context);
        default_id(kind)
    }

    /// Loads a thread's metadata.
    async fn load_thread(&self, thread_id: &str, context: &C)
    -> Result<ThreadMetadata, StoreError>;

    /// Inserts or updates a thread's metadata.
    async fn save_thread(&self, thread: &ThreadMetadata, context: &C) -> Result<(), StoreError>;

    /// A page of a thread's items.
    async fn load_thread_items(
        &self,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadItem>, StoreError>;

    /// A page of the threads visible to the context.
    async fn load_threads(
        &self,
        limit: usize,
        after: Option<&str>,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadMetadata>, StoreError>;

    /// Inserts a new item into a thread.
    async fn add_thread_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError>;

    /// Inserts or replaces (by id, in place) an item of a thread.
    async fn save_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError>;

    /// Loads one item of a thread.
    async fn load_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<ThreadItem, StoreError>;

    /// Deletes a thread and its items.
    async fn delete_thread(&self, thread_id: &str, context: &C) -> Result<(), StoreError>;

    /// Deletes one item of a thread.
    async fn delete_thread_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<(), StoreError>;

    /// Inserts or updates an attachment's metadata.
    async fn save_attachment(&self, attachment: &Attachment, context: &C)
    -> Result<(), StoreError>;

    /// Loads an attachment's metadata.
    async fn load_attachment(
        &self,
        attachment_id: &str,
        context: &C,
    ) -> Result<Attachment, StoreError>;

    /// Deletes an attachment's metadata.
    async fn delete_attachment(&self, attachment_id: &str, context: &C) -> Result<(), StoreError>;

    /// Begins one unit of work on `thread_id` (see the [module docs](self#units-of-work-serialization-and-atomicity)):
    /// waits for the thread's cross-process lock if the store has one, and returns the
    /// transaction the request's reads and writes go through until the server commits or
    /// rolls it back. The thread need not exist yet (`threads.create` begins a unit on the
    /// id it is about to save).
    ///
    /// The default returns `None`: no transaction, every write goes straight to the store,
    /// as it did before units of work existed. The server holds its in-process lock of the
    /// thread either way.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the store cannot start the unit (no connection, say).
    async fn begin(
        &self,
        thread_id: &str,
        context: &C,
    ) -> Result<Option<Arc<dyn StoreTransaction<C>>>, StoreError> {
        let _ = (thread_id, context);
        Ok(None)
    }
}

/// One unit of work on one thread, from [`Store::begin`]: a [`Store`] whose writes become
/// visible to others together, at [`commit`](StoreTransaction::commit), or not at all.
///
/// It reads its own writes. Once committed or rolled back, every operation fails with
/// [`StoreError::Backend`]. Dropping it without either rolls it back. Some failures may
/// show only at the commit (a write the store can only check against the committed
/// data); the commit then fails and nothing is written.
#[async_trait::async_trait]
pub trait StoreTransaction<C: Send + Sync + 'static>: Store<C> {
    /// Makes the unit's writes durable and visible, and releases the thread.
    ///
    /// # Errors
    ///
    /// When the writes cannot be committed: then none of them is.
    async fn commit(&self) -> Result<(), StoreError>;

    /// Discards the unit's writes and releases the thread.
    ///
    /// # Errors
    ///
    /// When the backend fails to roll back; nothing of the unit is visible either way.
    async fn rollback(&self) -> Result<(), StoreError>;
}

impl fmt::Display for StoreItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// Turns the first `limit + 1` rows after a cursor into a page: `has_more` when there is a
/// row past `limit`, and then `after` is the id of the last row kept (or `cursor` itself when
/// `limit` is 0).
pub(crate) fn page_of<T>(
    mut rows: Vec<T>,
    limit: usize,
    cursor: Option<&str>,
    id: impl Fn(&T) -> &str,
) -> Page<T> {
    if rows.len() <= limit {
        return Page::new(rows);
    }
    rows.truncate(limit);
    let after = rows.last().map(&id).or(cursor).map(str::to_owned);
    Page {
        data: rows,
        has_more: true,
        after,
    }
}

/// A thread's id: the cursor of a page of threads, for [`page_of`].
pub(crate) fn thread_id(thread: &ThreadMetadata) -> &str {
    &thread.id
}
