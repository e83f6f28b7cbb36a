//! [`MemoryStore`]: a [`Store`] that keeps everything in memory, for tests, examples and
//! single-process servers that need no persistence.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{Store, StoreError, StoreScope, page_of};
use crate::thread::{Attachment, Page, SortOrder, ThreadItem, ThreadMetadata, Timestamp};

/// A [`Store`] that keeps threads, items and attachments in memory.
///
/// Cloning is cheap and every clone shares the same data, so a test can keep a handle to
/// inspect what a server saved. Data is lost when the last clone is dropped.
///
/// It follows the contract of the built-in stores (see the [module docs](super)):
/// - every thread and attachment belongs to the [`StoreScope`] of the context that first
///   saved it, and is invisible to every other scope: not found for `load_*`, `save_*` and
///   `delete_*`, an empty page for `load_thread_items`, absent from `load_threads`;
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

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // No critical section leaves the state half-updated on panic (each ends with
        // infallible inserts), so a poisoned lock still guards consistent data.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
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

#[async_trait::async_trait]
impl<C: StoreScope + Send + Sync + 'static> Store<C> for MemoryStore {
    async fn load_thread(
        &self,
        thread_id: &str,
        context: &C,
    ) -> Result<ThreadMetadata, StoreError> {
        self.read()
            .thread(thread_id, context.scope())
            .map(|thread| thread.metadata.clone())
            .ok_or_else(|| StoreError::thread_not_found(thread_id))
    }

    async fn save_thread(&self, thread: &ThreadMetadata, context: &C) -> Result<(), StoreError> {
        let scope = context.scope();
        let mut state = self.write();
        let state = &mut *state;
        if let Some(stored) = state.threads.get_mut(&thread.id) {
            if stored.owner.as_deref() != scope {
                return Err(StoreError::thread_not_found(&thread.id));
            }
            if stored.key.0 != thread.created_at {
                let key = (thread.created_at.clone(), stored.key.1);
                let order = state.thread_order.entry(stored.owner.clone()).or_default();
                order.remove(&stored.key);
                order.insert(key.clone(), thread.id.clone());
                stored.key = key;
            }
            stored.metadata = thread.clone();
            return Ok(());
        }
        let key = (thread.created_at.clone(), state.next_seq());
        let owner = scope.map(str::to_owned);
        state
            .thread_order
            .entry(owner.clone())
            .or_default()
            .insert(key.clone(), thread.id.clone());
        state.threads.insert(
            thread.id.clone(),
            StoredThread {
                owner,
                key,
                metadata: thread.clone(),
                items: Items::default(),
            },
        );
        Ok(())
    }

    async fn load_thread_items(
        &self,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadItem>, StoreError> {
        let state = self.read();
        let Some(thread) = state.thread(thread_id, context.scope()) else {
            return Ok(Page::default());
        };
        let items = &thread.items;
        let cursor = match after {
            Some(after) => Some(
                items
                    .keys
                    .get(after)
                    .ok_or_else(|| StoreError::item_not_found(after))?,
            ),
            None => None,
        };
        let rows = ordered(&items.ordered, cursor, order)
            .take(limit.saturating_add(1))
            .cloned()
            .collect();
        Ok(page_of(rows, limit, after, ThreadItem::id))
    }

    async fn load_threads(
        &self,
        limit: usize,
        after: Option<&str>,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadMetadata>, StoreError> {
        let scope = context.scope();
        let state = self.read();
        let cursor = match after {
            Some(after) => Some(
                &state
                    .thread(after, scope)
                    .ok_or_else(|| StoreError::thread_not_found(after))?
                    .key,
            ),
            None => None,
        };
        let Some(ids) = state.thread_order.get(&scope.map(str::to_owned)) else {
            return Ok(Page::default());
        };
        let rows = ordered(ids, cursor, order)
            .filter_map(|id| state.threads.get(id))
            .take(limit.saturating_add(1))
            .map(|thread| thread.metadata.clone())
            .collect();
        Ok(page_of(rows, limit, after, |thread: &ThreadMetadata| {
            thread.id.as_str()
        }))
    }

    async fn add_thread_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        let mut state = self.write();
        let seq = state.next_seq();
        let thread = state.thread_mut(thread_id, context.scope())?;
        if thread.items.keys.contains_key(item.id()) {
            return Err(StoreError::Conflict(item.id().to_owned()));
        }
        thread
            .items
            .insert((item.created_at().clone(), seq), item.clone());
        Ok(())
    }

    async fn save_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        let mut state = self.write();
        let next_seq = state.next_seq();
        let items = &mut state.thread_mut(thread_id, context.scope())?.items;
        let seq = match items.keys.get(item.id()) {
            // Same place: replace the value where it is.
            Some(key) if key.0 == *item.created_at() => {
                if let Some(slot) = items.ordered.get_mut(key) {
                    *slot = item.clone();
                    return Ok(());
                }
                key.1
            }
            Some(key) => {
                let seq = key.1;
                let key = key.clone();
                items.ordered.remove(&key);
                seq
            }
            None => next_seq,
        };
        items.insert((item.created_at().clone(), seq), item.clone());
        Ok(())
    }

    async fn load_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<ThreadItem, StoreError> {
        let state = self.read();
        let items = &state
            .thread(thread_id, context.scope())
            .ok_or_else(|| StoreError::thread_not_found(thread_id))?
            .items;
        items
            .keys
            .get(item_id)
            .and_then(|key| items.ordered.get(key))
            .cloned()
            .ok_or_else(|| StoreError::item_not_found(item_id))
    }

    async fn delete_thread(&self, thread_id: &str, context: &C) -> Result<(), StoreError> {
        let mut state = self.write();
        state.thread_mut(thread_id, context.scope())?;
        if let Some(thread) = state.threads.remove(thread_id)
            && let Some(order) = state.thread_order.get_mut(&thread.owner)
        {
            order.remove(&thread.key);
        }
        Ok(())
    }

    async fn delete_thread_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<(), StoreError> {
        let mut state = self.write();
        let items = &mut state.thread_mut(thread_id, context.scope())?.items;
        if let Some(key) = items.keys.remove(item_id) {
            items.ordered.remove(&key);
        }
        Ok(())
    }

    async fn save_attachment(
        &self,
        attachment: &Attachment,
        context: &C,
    ) -> Result<(), StoreError> {
        let scope = context.scope();
        let mut state = self.write();
        match state.attachments.get_mut(attachment.id()) {
            Some(stored) if stored.owner.as_deref() != scope => {
                Err(StoreError::attachment_not_found(attachment.id()))
            }
            Some(stored) => {
                stored.attachment = attachment.clone();
                Ok(())
            }
            None => {
                state.attachments.insert(
                    attachment.id().to_owned(),
                    StoredAttachment {
                        owner: scope.map(str::to_owned),
                        attachment: attachment.clone(),
                    },
                );
                Ok(())
            }
        }
    }

    async fn load_attachment(
        &self,
        attachment_id: &str,
        context: &C,
    ) -> Result<Attachment, StoreError> {
        self.read()
            .attachments
            .get(attachment_id)
            .filter(|stored| stored.owner.as_deref() == context.scope())
            .map(|stored| stored.attachment.clone())
            .ok_or_else(|| StoreError::attachment_not_found(attachment_id))
    }

    async fn delete_attachment(&self, attachment_id: &str, context: &C) -> Result<(), StoreError> {
        let mut state = self.write();
        let visible = state
            .attachments
            .get(attachment_id)
            .is_some_and(|stored| stored.owner.as_deref() == context.scope());
        if !visible {
            return Err(StoreError::attachment_not_found(attachment_id));
        }
        state.attachments.remove(attachment_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{TestContext, run_suite};

    #[tokio::test]
    async fn suite() {
        run_suite(async || MemoryStore::new()).await;
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
