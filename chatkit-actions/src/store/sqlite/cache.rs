//! The read cache of a [`SqliteStore`](super::SqliteStore) on a file: threads and items read
//! recently, served without a read transaction's queries or a JSON parse, and kept coherent with
//! the database by its change counter.
//!
//! The schema keeps a counter (`changes.n`) that triggers bump, in the same transaction, at
//! every insert, update or delete of a thread or an item, whoever writes (this store's writer,
//! another process, a `sqlite3` shell): two committed states with the same counter hold the same
//! threads and items. The cache holds what the database held at one value of the counter, its
//! version:
//!
//! - a read from the cache first reads the counter (one small statement on a connection of its
//!   own, without waiting) and uses the cache only if the counter equals the version; otherwise
//!   it reads the database;
//! - the writer reads the counter at the start and at the end of each group transaction; once
//!   the group has committed, it brings the cached entries its units wrote up to date (or empties
//!   the cache when someone else wrote since its version) and moves the version to the end's
//!   counter, all under the cache's lock, before it acknowledges any unit;
//! - a read of the database stores what it read only if the counter in its snapshot is the
//!   version (or newer: the cache is then emptied and takes that version).
//!
//! A unit's writes show in the cache only once its transaction committed, as in the database.
//! The cache is bounded by [`MAX_BYTES`] of JSON; beyond, threads are dropped from it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use super::Failure;
use crate::store::StoreError;
use crate::store::backend::{Op, Write};
use crate::thread::{ThreadItem, ThreadMetadata};

/// The most JSON bytes the cache holds (the sum of its rows' `data`).
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The statement that reads the change counter.
pub(super) const COUNTER: &str = "SELECT n FROM changes WHERE id = 1";

/// A cached value and the size of its JSON.
struct Sized<T> {
    value: T,
    bytes: usize,
}

impl<T> Sized<T> {
    /// Holds `value`, `bytes` long, in place of what it held; the length of what it held.
    fn replace(&mut self, value: T, bytes: usize) -> usize {
        std::mem::replace(self, Sized { value, bytes }).bytes
    }
}

/// What the cache knows of one thread: its owner (known as soon as any of its rows is cached),
/// its metadata if read, and some of its items.
struct Entry {
    owner: Option<String>,
    thread: Option<Sized<ThreadMetadata>>,
    items: HashMap<String, Sized<ThreadItem>>,
}

impl Entry {
    fn new(owner: Option<String>) -> Self {
        Self {
            owner,
            thread: None,
            items: HashMap::new(),
        }
    }

    fn bytes(&self) -> usize {
        let thread = self.thread.as_ref().map_or(0, |thread| thread.bytes);
        thread + self.items.values().map(|item| item.bytes).sum::<usize>()
    }
}

#[derive(Default)]
struct State {
    /// The change counter the entries are coherent with; `None` until known.
    version: Option<i64>,
    /// The counter a group of this store's writer leaves, once its commit is under way and
    /// until the cache shows it: a read at that counter stores nothing (the writer is about to
    /// bring the cache there), rather than empty the cache.
    committing: Option<i64>,
    threads: HashMap<String, Entry>,
    bytes: usize,
}

impl State {
    fn clear(&mut self) {
        self.threads.clear();
        self.bytes = 0;
    }

    /// Whether a read at the counter `n` may store what it read: the cache is at `n`, or older
    /// (it is emptied and moves to `n`).
    fn accept(&mut self, n: i64) -> bool {
        match self.version {
            Some(version) if version == n => true,
            Some(version) if version > n => false,
            _ if self.committing == Some(n) => false,
            _ => {
                self.clear();
                self.version = Some(n);
                true
            }
        }
    }

    /// Drops whole threads until `extra` more bytes fit.
    fn make_room(&mut self, extra: usize) {
        while self.bytes + extra > MAX_BYTES {
            let Some(id) = self.threads.keys().next().cloned() else {
                return;
            };
            if let Some(entry) = self.threads.remove(&id) {
                self.bytes -= entry.bytes();
            }
        }
    }

    fn put_thread(&mut self, owner: Option<String>, thread: ThreadMetadata, bytes: usize) {
        self.make_room(bytes);
        let entry = self
            .threads
            .entry(thread.id.clone())
            .or_insert_with(|| Entry::new(owner.clone()));
        entry.owner = owner;
        let old = entry.thread.replace(Sized {
            value: thread,
            bytes,
        });
        self.bytes = self.bytes + bytes - old.map_or(0, |old| old.bytes);
    }

    fn put_item(&mut self, owner: Option<String>, thread_id: &str, item: ThreadItem, bytes: usize) {
        self.make_room(bytes);
        let entry = self
            .threads
            .entry(thread_id.to_owned())
            .or_insert_with(|| Entry::new(owner.clone()));
        entry.owner = owner;
        let old = entry
            .items
            .insert(item.id().to_owned(), Sized { value: item, bytes });
        self.bytes = self.bytes + bytes - old.map_or(0, |old| old.bytes);
    }

    /// Brings the entries `write` (committed, its JSON `bytes` long) changes up to date; rows
    /// the cache does not hold stay out of it.
    fn apply(&mut self, write: &Write, bytes: usize) {
        match &write.op {
            Op::SaveThread(thread) => {
                // Only the owner may save it, so the owner is unchanged.
                if let Some(entry) = self.threads.get_mut(&thread.id)
                    && let Some(cached) = &mut entry.thread
                {
                    self.bytes = self.bytes + bytes - cached.replace(thread.clone(), bytes);
                }
            }
            Op::SaveItem { thread_id, item } => {
                if let Some(cached) = self
                    .threads
                    .get_mut(thread_id)
                    .and_then(|entry| entry.items.get_mut(item.id()))
                {
                    self.bytes = self.bytes + bytes - cached.replace(item.clone(), bytes);
                }
            }
            Op::DeleteItem { thread_id, item_id } => {
                if let Some(entry) = self.threads.get_mut(thread_id)
                    && let Some(item) = entry.items.remove(item_id)
                {
                    self.bytes -= item.bytes;
                }
            }
            Op::DeleteThread(thread_id) => {
                if let Some(entry) = self.threads.remove(thread_id) {
                    self.bytes -= entry.bytes();
                }
            }
            // A new item was not cached (its id was free); attachments are not cached.
            Op::AddItem { .. } | Op::SaveAttachment(_) | Op::DeleteAttachment(_) => {}
        }
    }
}

/// The read cache of one store, and the connections that read the change counter for it.
pub(super) struct Cache {
    state: Mutex<State>,
    /// One per task that may read at once (the runtime's worker threads), each tried in turn.
    counters: Vec<Mutex<Connection>>,
}

/// What the cache answers to a read: the value (or not found), or nothing (read the database).
pub(super) type Answer<T> = Option<Result<T, StoreError>>;

impl Cache {
    /// An empty cache that reads the counter on `counters`, connections to the database.
    pub(super) fn new(counters: Vec<Connection>) -> Self {
        Self {
            state: Mutex::new(State::default()),
            counters: counters.into_iter().map(Mutex::new).collect(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The committed change counter, read now; `None` when every counter connection is busy
    /// (other tasks read on them) or the read fails: the caller then reads the database.
    fn counter(&self) -> Option<i64> {
        let connection = self
            .counters
            .iter()
            .find_map(|counter| counter.try_lock().ok())?;
        connection
            .prepare_cached(COUNTER)
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .ok()
    }

    /// The state, if it is coherent with the database now.
    fn current(&self) -> Option<MutexGuard<'_, State>> {
        let n = self.counter()?;
        let state = self.state();
        (state.version == Some(n)).then_some(state)
    }

    /// How many threads and items the cache holds, and the bytes of their JSON.
    #[cfg(test)]
    pub(super) fn held(&self) -> (usize, usize, usize) {
        let state = self.state();
        let items = state.threads.values().map(|entry| entry.items.len()).sum();
        (state.threads.len(), items, state.bytes)
    }

    /// The thread `id` as `owner` sees it.
    pub(super) fn thread(&self, owner: Option<&str>, id: &str) -> Answer<ThreadMetadata> {
        let state = self.current()?;
        let entry = state.threads.get(id)?;
        if entry.owner.as_deref() != owner {
            return Some(Err(StoreError::thread_not_found(id)));
        }
        entry.thread.as_ref().map(|thread| Ok(thread.value.clone()))
    }

    /// The item `id` of `thread_id` as `owner` sees it.
    pub(super) fn item(
        &self,
        owner: Option<&str>,
        thread_id: &str,
        id: &str,
    ) -> Answer<ThreadItem> {
        let state = self.current()?;
        let entry = state.threads.get(thread_id)?;
        if entry.owner.as_deref() != owner {
            return Some(Err(StoreError::thread_not_found(thread_id)));
        }
        entry.items.get(id).map(|item| Ok(item.value.clone()))
    }

    /// The owner of the thread `id`, if the cache knows the thread.
    #[expect(
        clippy::option_option,
        reason = "unknown to the cache, or the thread's owner (`None`: the shared space)"
    )]
    pub(super) fn thread_owner(&self, id: &str) -> Option<Option<String>> {
        let state = self.current()?;
        state.threads.get(id).map(|entry| entry.owner.clone())
    }

    /// Stores the thread `owner` owns, read at the counter `n` from JSON of `bytes` bytes.
    pub(super) fn store_thread(
        &self,
        n: i64,
        owner: Option<String>,
        thread: ThreadMetadata,
        bytes: usize,
    ) {
        let mut state = self.state();
        if state.accept(n) {
            state.put_thread(owner, thread, bytes);
        }
    }

    /// Stores an item of `thread_id` (which `owner` owns), read at the counter `n`.
    pub(super) fn store_item(
        &self,
        n: i64,
        owner: Option<String>,
        thread_id: &str,
        item: ThreadItem,
        bytes: usize,
    ) {
        let mut state = self.state();
        if state.accept(n) {
            state.put_item(owner, thread_id, item, bytes);
        }
    }

    /// A group committed: it found the counter at `before` and left it at `after`, and these
    /// are the writes of its units, in order, each with the size of the JSON it wrote. Called
    /// after the commit, before any unit of the group is acknowledged.
    pub(super) fn committed<'a>(
        &self,
        before: i64,
        after: i64,
        writes: impl Iterator<Item = (&'a Write, usize)>,
    ) {
        let mut state = self.state();
        state.committing = None;
        match state.version {
            Some(version) if version == before => {}
            // A read already brought the cache to this group's end, or past it (another
            // process committed after it): the entries are newer than the group's writes.
            Some(version) if version >= after => return,
            // Someone else wrote since the cache's version (or it had none).
            _ => state.clear(),
        }
        for (write, bytes) in writes {
            state.apply(write, bytes);
        }
        state.make_room(0);
        state.version = Some(after);
    }

    /// A group of the writer is about to commit and leave the counter at `after`.
    pub(super) fn committing(&self, after: i64) {
        self.state().committing = Some(after);
    }
}

/// The change counter in `connection`'s current snapshot.
pub(super) fn read_counter(connection: &Connection) -> Result<i64, Failure> {
    Ok(connection
        .prepare_cached(COUNTER)?
        .query_row([], |row| row.get(0))?)
}
