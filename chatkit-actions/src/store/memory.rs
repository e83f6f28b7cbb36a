//! [`MemoryStore`]: a [`Store`](super::Store) that keeps everything in memory, for tests,
//! examples and single-process servers that need no persistence.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::backend::{ApplyWrites, Backend, Op, PageQuery, StoreResult, Write};
use super::{StoreError, backend_store, page_of, thread_id};
use crate::thread::{Attachment, Page, SortOrder, ThreadItem, ThreadMetadata, Timestamp};

/// A [`Store`](super::Store) that keeps threads, items and attachments in memory.
///
/// Cloning is cheap and every clone shares the same data, so a test can keep a handle to
/// inspect what a server saved. Data is lost when the last clone is dropped.
///
/// It follows the contract of the built-in stores (see the [module docs](super)):
/// - every thread and attachment belongs to the [`StoreScope`](super::StoreScope) of the
///   context that first saved it, and is invisible to every other scope: not found for
///   `load_*`, `save_*` and `delete_*`, an empty page for `load_thread_items`, absent from
///   `load_threads`;
/// - items and threads are ordered by `created_at`, ties in insertion order; `save_item` and
///   `save_thread` keep an existing entry's place among its ties;
/// - `add_thread_item` and `save_item` need the thread to exist;
/// - an unknown `after` cursor is not found, and so is deleting a missing thread or
///   attachment; deleting a missing item of a visible thread does nothing.
///
/// ```
/// use chatkit_actions::store::{MemoryStore, Store};
/// use chatkit_actions::thread::{SortOrder, ThreadMetadata, Timestamp};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let thread = ThreadMetadata::new("thr_1", Timestamp::now()).title("Hello");
/// store.save_thread(&thread, &()).await?;
/// assert_eq!(store.load_thread("thr_1", &()).await?, thread);
/// let page = store.load_threads(10, None, SortOrder::Desc, &()).await?;
/// assert_eq!(page.data, [thread]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<RwLock<State>>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> RwLockReadGuard<'_, State> {
        // No critical section leaves the state half-updated on panic (each ends with
        // infallible inserts), so a poisoned lock still guards consistent data.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn state_mut(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where an entry sorts: its `created_at`, then its insertion sequence number.
type SortKey = (Timestamp, u64);

#[derive(Debug, Default)]
struct State {
    threads: HashMap<String, StoredThread>,
    /// Each scope's thread ids, in order.
    thread_order: HashMap<Option<String>, BTreeMap<SortKey, String>>,
    attachments: HashMap<String, StoredAttachment>,
    /// The next insertion sequence number (shared by threads and items).
    next_seq: u64,
}

#[derive(Debug)]
struct StoredThread {
    owner: Option<String>,
    key: SortKey,
    metadata: ThreadMetadata,
    items: Items,
}

/// A thread's items, in order, with an index by id.
#[derive(Debug, Default)]
struct Items {
    ordered: BTreeMap<SortKey, ThreadItem>,
    keys: HashMap<String, SortKey>,
}

#[derive(Debug)]
struct StoredAttachment {
    owner: Option<String>,
    attachment: Attachment,
}

impl State {
    fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    fn thread(&self, id: &str, scope: Option<&str>) -> Option<&StoredThread> {
        self.threads
            .get(id)
            .filter(|thread| thread.owner.as_deref() == scope)
    }

    fn thread_mut(
        &mut self,
        id: &str,
        scope: Option<&str>,
    ) -> Result<&mut StoredThread, StoreError> {
        self.threads
            .get_mut(id)
            .filter(|thread| thread.owner.as_deref() == scope)
            .ok_or_else(|| StoreError::thread_not_found(id))
    }
}

impl Items {
    fn insert(&mut self, key: SortKey, item: ThreadItem) {
        self.keys.insert(item.id().to_owned(), key.clone());
        self.ordered.insert(key, item);
    }
}

/// The values of `map` in `order`, starting after `cursor` (exclusive).
fn ordered<'a, V>(
    map: &'a BTreeMap<SortKey, V>,
    cursor: Option<&SortKey>,
    order: SortOrder,
) -> Box<dyn Iterator<Item = &'a V> + 'a> {
    let bound = cursor.map_or(Bound::Unbounded, Bound::Excluded);
    match order {
        SortOrder::Asc => Box::new(map.range((bound, Bound::Unbounded)).map(|(_, value)| value)),
        SortOrder::Desc => Box::new(
            map.range((Bound::Unbounded, bound))
                .rev()
                .map(|(_, value)| value),
        ),
    }
}

/// How to take back one applied write, when a later write of the same unit fails.
enum Undo {
    /// Remove a thread that the write created.
    RemoveThread(String),
    /// Put back a thread's metadata and sort key.
    ThreadMetadata {
        id: String,
        key: SortKey,
        metadata: ThreadMetadata,
    },
    /// Put back a deleted thread.
    Thread(String, Box<StoredThread>),
    /// Remove an item the write added (by its key), and put back the item it replaced.
    Item {
        thread_id: String,
        id: String,
        key: SortKey,
        previous: Option<Box<(SortKey, ThreadItem)>>,
    },
    /// Put back an attachment (or remove it, with `None`).
    Attachment(String, Option<StoredAttachment>),
}

impl State {
    fn save_thread(
        &mut self,
        thread: &ThreadMetadata,
        scope: Option<&str>,
    ) -> Result<Undo, StoreError> {
        if let Some(stored) = self.threads.get_mut(&thread.id) {
            if stored.owner.as_deref() != scope {
                return Err(StoreError::thread_not_found(&thread.id));
            }
            let undo = Undo::ThreadMetadata {
                id: thread.id.clone(),
                key: stored.key.clone(),
                metadata: stored.metadata.clone(),
            };
            if stored.key.0 != thread.created_at {
                let key = (thread.created_at.clone(), stored.key.1);
                let order = self.thread_order.entry(stored.owner.clone()).or_default();
                order.remove(&stored.key);
                order.insert(key.clone(), thread.id.clone());
                stored.key = key;
            }
            stored.metadata = thread.clone();
            return Ok(undo);
        }
        let key = (thread.created_at.clone(), self.next_seq());
        let owner = scope.map(str::to_owned);
        self.thread_order
            .entry(owner.clone())
            .or_default()
            .insert(key.clone(), thread.id.clone());
        self.threads.insert(
            thread.id.clone(),
            StoredThread {
                owner,
                key,
                metadata: thread.clone(),
                items: Items::default(),
            },
        );
        Ok(Undo::RemoveThread(thread.id.clone()))
    }

    // The items are taken by value: a unit's writes move into the store, no clone.
    fn add_thread_item(
        &mut self,
        thread_id: String,
        item: ThreadItem,
        scope: Option<&str>,
    ) -> Result<Undo, StoreError> {
        let seq = self.next_seq;
        let thread = self.thread_mut(&thread_id, scope)?;
        if thread.items.keys.contains_key(item.id()) {
            return Err(StoreError::Conflict(item.id().to_owned()));
        }
        let key = (item.created_at().clone(), seq);
        let id = item.id().to_owned();
        thread.items.insert(key.clone(), item);
        self.next_seq += 1;
        Ok(Undo::Item {
            thread_id,
            id,
            key,
            previous: None,
        })
    }

    fn save_item(
        &mut self,
        thread_id: String,
        item: ThreadItem,
        scope: Option<&str>,
    ) -> Result<Undo, StoreError> {
        let next_seq = self.next_seq;
        let items = &mut self.thread_mut(&thread_id, scope)?.items;
        let (seq, previous) = match items.keys.get(item.id()) {
            // Same place: replace the value where it is.
            Some(key) if key.0 == *item.created_at() && items.ordered.contains_key(key) => {
                let key = key.clone();
                let id = item.id().to_owned();
                let slot = items.ordered.get_mut(&key);
                let previous = slot.map(|slot| std::mem::replace(slot, item));
                return Ok(Undo::Item {
                    thread_id,
                    id,
                    key: key.clone(),
                    previous: previous.map(|previous| Box::new((key, previous))),
                });
            }
            Some(key) => {
                let key = key.clone();
                let previous = items
                    .ordered
                    .remove(&key)
                    .map(|old| Box::new((key.clone(), old)));
                (key.1, previous)
            }
            None => (next_seq, None),
        };
        let key = (item.created_at().clone(), seq);
        let id = item.id().to_owned();
        items.insert(key.clone(), item);
        if previous.is_none() {
            self.next_seq += 1;
        }
        Ok(Undo::Item {
            thread_id,
            id,
            key,
            previous,
        })
    }

    fn delete_thread(&mut self, thread_id: &str, scope: Option<&str>) -> Result<Undo, StoreError> {
        self.thread_mut(thread_id, scope)?;
        let thread = self
            .threads
            .remove(thread_id)
            .ok_or_else(|| StoreError::thread_not_found(thread_id))?;
        if let Some(order) = self.thread_order.get_mut(&thread.owner) {
            order.remove(&thread.key);
        }
        Ok(Undo::Thread(thread_id.to_owned(), Box::new(thread)))
    }

    fn delete_thread_item(
        &mut self,
        thread_id: &str,
        item_id: &str,
        scope: Option<&str>,
    ) -> Result<Option<Undo>, StoreError> {
        let items = &mut self.thread_mut(thread_id, scope)?.items;
        let Some(key) = items.keys.remove(item_id) else {
            return Ok(None);
        };
        let item = items.ordered.remove(&key);
        Ok(item.map(|item| Undo::Item {
            thread_id: thread_id.to_owned(),
            id: item_id.to_owned(),
            key: key.clone(),
            previous: Some(Box::new((key, item))),
        }))
    }

    fn save_attachment(
        &mut self,
        attachment: &Attachment,
        scope: Option<&str>,
    ) -> Result<Undo, StoreError> {
        let id = attachment.id().to_owned();
        match self.attachments.get_mut(&id) {
            Some(stored) if stored.owner.as_deref() != scope => {
                Err(StoreError::attachment_not_found(&id))
            }
            Some(stored) => {
                let previous = std::mem::replace(&mut stored.attachment, attachment.clone());
                let owner = stored.owner.clone();
                Ok(Undo::Attachment(
                    id,
                    Some(StoredAttachment {
                        owner,
                        attachment: previous,
                    }),
                ))
            }
            None => {
                self.attachments.insert(
                    id.clone(),
                    StoredAttachment {
                        owner: scope.map(str::to_owned),
                        attachment: attachment.clone(),
                    },
                );
                Ok(Undo::Attachment(id, None))
            }
        }
    }

    fn delete_attachment(
        &mut self,
        attachment_id: &str,
        scope: Option<&str>,
    ) -> Result<Undo, StoreError> {
        let visible = self
            .attachments
            .get(attachment_id)
            .is_some_and(|stored| stored.owner.as_deref() == scope);
        if !visible {
            return Err(StoreError::attachment_not_found(attachment_id));
        }
        let previous = self.attachments.remove(attachment_id);
        Ok(Undo::Attachment(attachment_id.to_owned(), previous))
    }

    /// Applies one staged write, moving what it writes into the store.
    fn apply(&mut self, write: Write) -> Result<Option<Undo>, StoreError> {
        let scope = write.owner.as_deref();
        match write.op {
            Op::SaveThread(thread) => self.save_thread(&thread, scope).map(Some),
            Op::AddItem { thread_id, item } => {
                self.add_thread_item(thread_id, item, scope).map(Some)
            }
            Op::SaveItem { thread_id, item } => self.save_item(thread_id, item, scope).map(Some),
            Op::DeleteThread(thread_id) => self.delete_thread(&thread_id, scope).map(Some),
            Op::DeleteItem { thread_id, item_id } => {
                self.delete_thread_item(&thread_id, &item_id, scope)
            }
            Op::SaveAttachment(attachment) => self.save_attachment(&attachment, scope).map(Some),
            Op::DeleteAttachment(id) => self.delete_attachment(&id, scope).map(Some),
        }
    }

    /// Takes back one applied write (the undo log is replayed newest first).
    fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::RemoveThread(id) => {
                if let Some(thread) = self.threads.remove(&id)
                    && let Some(order) = self.thread_order.get_mut(&thread.owner)
                {
                    order.remove(&thread.key);
                }
            }
            Undo::ThreadMetadata { id, key, metadata } => {
                if let Some(stored) = self.threads.get_mut(&id) {
                    let order = self.thread_order.entry(stored.owner.clone()).or_default();
                    order.remove(&stored.key);
                    order.insert(key.clone(), id);
                    stored.key = key;
                    stored.metadata = metadata;
                }
            }
            Undo::Thread(id, thread) => {
                self.thread_order
                    .entry(thread.owner.clone())
                    .or_default()
                    .insert(thread.key.clone(), id.clone());
                self.threads.insert(id, *thread);
            }
            Undo::Item {
                thread_id,
                id,
                key,
                previous,
            } => {
                if let Some(thread) = self.threads.get_mut(&thread_id) {
                    thread.items.ordered.remove(&key);
                    thread.items.keys.remove(&id);
                    if let Some(previous) = previous {
                        let (key, item) = *previous;
                        thread.items.insert(key, item);
                    }
                }
            }
            Undo::Attachment(id, previous) => match previous {
                Some(previous) => {
                    self.attachments.insert(id, previous);
                }
                None => {
                    self.attachments.remove(&id);
                }
            },
        }
    }
}

#[async_trait::async_trait]
impl ApplyWrites for MemoryStore {
    async fn thread_owner(&self, thread_id: &str) -> Result<Option<Option<String>>, StoreError> {
        Ok(self
            .state()
            .threads
            .get(thread_id)
            .map(|thread| thread.owner.clone()))
    }

    async fn attachment_owner(
        &self,
        attachment_id: &str,
    ) -> Result<Option<Option<String>>, StoreError> {
        Ok(self
            .state()
            .attachments
            .get(attachment_id)
            .map(|stored| stored.owner.clone()))
    }

    /// Applies the writes under the store's write lock, so no reader sees a part of them;
    /// when one fails, the ones before it are taken back.
    async fn apply_writes(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut state = self.state_mut();
        let mut undo = Vec::with_capacity(writes.len());
        for write in writes {
            match state.apply(write) {
                Ok(step) => undo.extend(step),
                Err(error) => {
                    while let Some(step) = undo.pop() {
                        state.undo(step);
                    }
                    return Err(error);
                }
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Backend for MemoryStore {
    async fn thread(&self, owner: Option<&str>, id: &str) -> StoreResult<ThreadMetadata> {
        self.state()
            .thread(id, owner)
            .map(|thread| thread.metadata.clone())
            .ok_or_else(|| StoreError::thread_not_found(id))
    }

    async fn items(&self, thread: &str, query: PageQuery<'_>) -> StoreResult<Page<ThreadItem>> {
        let state = self.state();
        let Some(thread) = state.thread(thread, query.owner) else {
            return Ok(Page::default());
        };
        let items = &thread.items;
        let cursor = match query.after {
            Some(after) => Some(
                items
                    .keys
                    .get(after)
                    .ok_or_else(|| StoreError::item_not_found(after))?,
            ),
            None => None,
        };
        let rows = ordered(&items.ordered, cursor, query.order)
            .take(query.limit.saturating_add(1))
            .cloned()
            .collect();
        Ok(page_of(rows, query.limit, query.after, ThreadItem::id))
    }

    async fn threads(&self, query: PageQuery<'_>) -> StoreResult<Page<ThreadMetadata>> {
        let state = self.state();
        let cursor = match query.after {
            Some(after) => Some(
                &state
                    .thread(after, query.owner)
                    .ok_or_else(|| StoreError::thread_not_found(after))?
                    .key,
            ),
            None => None,
        };
        let Some(ids) = state.thread_order.get(&query.owner.map(str::to_owned)) else {
            return Ok(Page::default());
        };
        let rows = ordered(ids, cursor, query.order)
            .filter_map(|id| state.threads.get(id))
            .take(query.limit.saturating_add(1))
            .map(|thread| thread.metadata.clone())
            .collect();
        Ok(page_of(rows, query.limit, query.after, thread_id))
    }

    async fn item(&self, owner: Option<&str>, thread: &str, id: &str) -> StoreResult<ThreadItem> {
        let state = self.state();
        let items = &state
            .thread(thread, owner)
            .ok_or_else(|| StoreError::thread_not_found(thread))?
            .items;
        items
            .keys
            .get(id)
            .and_then(|key| items.ordered.get(key))
            .cloned()
            .ok_or_else(|| StoreError::item_not_found(id))
    }

    async fn attachment(&self, owner: Option<&str>, id: &str) -> StoreResult<Attachment> {
        self.state()
            .attachments
            .get(id)
            .filter(|stored| stored.owner.as_deref() == owner)
            .map(|stored| stored.attachment.clone())
            .ok_or_else(|| StoreError::attachment_not_found(id))
    }

    async fn write(&self, write: Write) -> StoreResult<()> {
        self.state_mut().apply(write).map(drop)
    }
}

backend_store! {
    impl[] Store<C> for MemoryStore, staged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::testing::{TestContext, run_suite};

    #[tokio::test]
    async fn suite() {
        run_suite(async || MemoryStore::new()).await;
    }

    #[tokio::test]
    async fn unit_suite() {
        crate::store::testing::run_unit_suite(async || MemoryStore::new()).await;
    }

    #[tokio::test]
    async fn a_failing_commit_applies_nothing() {
        crate::store::testing::staged_commit_is_all_or_nothing(MemoryStore::new()).await;
    }

    #[tokio::test]
    async fn clones_share_data() {
        let store = MemoryStore::new();
        let clone = store.clone();
        let context = TestContext::user("alice");
        let thread = ThreadMetadata::new("thr_1", Timestamp::now());
        store.save_thread(&thread, &context).await.unwrap();
        assert_eq!(clone.load_thread("thr_1", &context).await.unwrap(), thread);
    }
}
