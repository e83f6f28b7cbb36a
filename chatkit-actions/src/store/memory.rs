//! [`MemoryStore`]: a [`Store`](super::Store) that keeps everything in memory, for tests,
//! examples and single-process servers that need no persistence.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::backend::{ApplyWrites, Backend, Op, PageQuery, StoreResult, Write};
use super::{StoreError, backend_store, page_of, thread_id};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::thread::{
    Attachment, HiddenContextItem, Page, SdkHiddenContextItem, SortOrder, ThreadItem,
    ThreadMetadata, Timestamp,
};

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

/// Where an entry sorts: the instant of its `created_at`, then its insertion sequence number.
/// (A [`Timestamp`] orders by its instant; its text stays in the entry.)
type SortKey = (DateTime<Utc>, u64);

fn sort_key(created_at: &Timestamp, seq: u64) -> SortKey {
    (created_at.instant(), seq)
}

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
    ordered: BTreeMap<SortKey, Stored>,
    keys: HashMap<Box<str>, SortKey>,
}

#[derive(Debug)]
struct StoredAttachment {
    owner: Option<String>,
    attachment: Attachment,
}

/// An item as the store keeps it.
///
/// Hidden context notes (`hidden_context_item`, `sdk_hidden_context`) pile up: an action
/// typically leaves one for the model each time it runs, and they are read back only in
/// pages of items (the model's input), never by id on an action's path. They are kept
/// packed in one allocation ([`Note`]); every other item is kept boxed, so a node of the
/// ordered map holds a pointer rather than a whole [`ThreadItem`], and `load_item` clones
/// it as it is.
#[derive(Debug)]
enum Stored {
    Note(Note),
    Item(Box<ThreadItem>),
}

impl Stored {
    /// The stored form of `item`, an item of the thread `thread_id`.
    fn new(item: ThreadItem, thread_id: &str) -> Self {
        match Note::pack(&item, thread_id) {
            Some(note) => Stored::Note(note),
            None => Stored::Item(Box::new(item)),
        }
    }

    /// The item, as it was saved in the thread `thread_id`.
    fn item(&self, thread_id: &str) -> Result<ThreadItem, StoreError> {
        match self {
            Stored::Note(note) => note.unpack(thread_id),
            Stored::Item(item) => Ok(ThreadItem::clone(item)),
        }
    }

    fn id(&self) -> &str {
        match self {
            Stored::Note(note) => note.id(),
            Stored::Item(item) => item.id(),
        }
    }
}

/// A hidden context note packed into one allocation, without its thread id (the thread's
/// own): a kind byte, the lengths of the id and of the `created_at` text (two bytes each,
/// little endian), then the id, the text and the content (the text itself, or the JSON of
/// a `hidden_context_item`'s content that is not a string).
///
/// The note of the counter benchmark (174 bytes of JSON, 200 bytes as a `ThreadItem` plus
/// four strings on the heap) takes 77 bytes this way.
#[derive(Debug)]
struct Note(Box<[u8]>);

/// [`Note`] kinds.
const NOTE_TEXT: u8 = 0;
const NOTE_JSON: u8 = 1;
const NOTE_SDK: u8 = 2;
/// The kind byte and the two lengths.
const NOTE_HEADER: usize = 5;

impl Note {
    /// Packs a hidden context note of the thread `thread_id`; `None` for any other item, and
    /// for a note that names another thread or whose id or `created_at` is longer than
    /// 65,535 bytes (kept as they are).
    fn pack(item: &ThreadItem, thread_id: &str) -> Option<Self> {
        let (kind, id, item_thread, created_at, content) = match item {
            ThreadItem::HiddenContext(note) => match &note.content {
                Value::String(text) => (
                    NOTE_TEXT,
                    &note.id,
                    &note.thread_id,
                    &note.created_at,
                    Cow::Borrowed(text.as_bytes()),
                ),
                other => (
                    NOTE_JSON,
                    &note.id,
                    &note.thread_id,
                    &note.created_at,
                    Cow::Owned(serde_json::to_vec(other).ok()?),
                ),
            },
            ThreadItem::SdkHiddenContext(note) => (
                NOTE_SDK,
                &note.id,
                &note.thread_id,
                &note.created_at,
                Cow::Borrowed(note.content.as_bytes()),
            ),
            _ => return None,
        };
        if item_thread != thread_id {
            return None;
        }
        let text = created_at.as_str();
        let id_len = u16::try_from(id.len()).ok()?;
        let text_len = u16::try_from(text.len()).ok()?;
        let mut packed = Vec::with_capacity(NOTE_HEADER + id.len() + text.len() + content.len());
        packed.push(kind);
        packed.extend_from_slice(&id_len.to_le_bytes());
        packed.extend_from_slice(&text_len.to_le_bytes());
        packed.extend_from_slice(id.as_bytes());
        packed.extend_from_slice(text.as_bytes());
        packed.extend_from_slice(&content);
        Some(Note(packed.into_boxed_slice()))
    }

    /// The kind, and the id, `created_at` and content parts.
    fn parts(&self) -> (u8, &[u8], &[u8], &[u8]) {
        let bytes = &self.0;
        let id_len = usize::from(u16::from_le_bytes([bytes[1], bytes[2]]));
        let text_len = usize::from(u16::from_le_bytes([bytes[3], bytes[4]]));
        let (id, rest) = bytes[NOTE_HEADER..].split_at(id_len);
        let (text, content) = rest.split_at(text_len);
        (bytes[0], id, text, content)
    }

    fn id(&self) -> &str {
        // Packed from a `&str`: always valid.
        std::str::from_utf8(self.parts().1).unwrap_or_default()
    }

    fn unpack(&self, thread_id: &str) -> Result<ThreadItem, StoreError> {
        let (kind, id, created_at, content) = self.parts();
        let text = |bytes| std::str::from_utf8(bytes).map_err(StoreError::backend);
        let id = text(id)?.to_owned();
        let created_at = Timestamp::parse(text(created_at)?).map_err(StoreError::backend)?;
        let thread_id = thread_id.to_owned();
        Ok(match kind {
            NOTE_SDK => ThreadItem::SdkHiddenContext(SdkHiddenContextItem {
                id,
                thread_id,
                created_at,
                content: text(content)?.to_owned(),
            }),
            kind => ThreadItem::HiddenContext(HiddenContextItem {
                id,
                thread_id,
                created_at,
                content: if kind == NOTE_JSON {
                    serde_json::from_slice(content).map_err(StoreError::backend)?
                } else {
                    Value::String(text(content)?.to_owned())
                },
            }),
        })
    }
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
    fn insert(&mut self, key: SortKey, stored: Stored) {
        self.keys.insert(stored.id().into(), key);
        self.ordered.insert(key, stored);
    }

    /// Removes the entry at `key` (and its id from the index).
    fn remove(&mut self, key: &SortKey) -> Option<Stored> {
        let stored = self.ordered.remove(key)?;
        self.keys.remove(stored.id());
        Some(stored)
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
    /// Remove the item the write added (by its key), and put back the item it replaced.
    Item {
        thread_id: String,
        key: SortKey,
        previous: Option<(SortKey, Stored)>,
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
                key: stored.key,
                metadata: stored.metadata.clone(),
            };
            if stored.key.0 != thread.created_at.instant() {
                let key = sort_key(&thread.created_at, stored.key.1);
                let order = self.thread_order.entry(stored.owner.clone()).or_default();
                order.remove(&stored.key);
                order.insert(key, thread.id.clone());
                stored.key = key;
            }
            stored.metadata = thread.clone();
            return Ok(undo);
        }
        let key = sort_key(&thread.created_at, self.next_seq());
        let owner = scope.map(str::to_owned);
        self.thread_order
            .entry(owner.clone())
            .or_default()
            .insert(key, thread.id.clone());
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
        let key = sort_key(item.created_at(), seq);
        thread.items.insert(key, Stored::new(item, &thread_id));
        self.next_seq += 1;
        Ok(Undo::Item {
            thread_id,
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
        let instant = item.created_at().instant();
        let (seq, previous) = match items.keys.get(item.id()).copied() {
            // Same place: replace the value where it is (the id is the index's already).
            Some(key) if key.0 == instant => {
                let stored = Stored::new(item, &thread_id);
                let previous = items
                    .ordered
                    .insert(key, stored)
                    .map(|previous| (key, previous));
                return Ok(Undo::Item {
                    thread_id,
                    key,
                    previous,
                });
            }
            Some(key) => (key.1, items.remove(&key).map(|old| (key, old))),
            None => (next_seq, None),
        };
        let key = (instant, seq);
        items.insert(key, Stored::new(item, &thread_id));
        if previous.is_none() {
            self.next_seq += 1;
        }
        Ok(Undo::Item {
            thread_id,
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
        let Some(key) = items.keys.get(item_id).copied() else {
            return Ok(None);
        };
        let stored = items.remove(&key);
        Ok(stored.map(|stored| Undo::Item {
            thread_id: thread_id.to_owned(),
            key,
            previous: Some((key, stored)),
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
                    order.insert(key, id);
                    stored.key = key;
                    stored.metadata = metadata;
                }
            }
            Undo::Thread(id, thread) => {
                self.thread_order
                    .entry(thread.owner.clone())
                    .or_default()
                    .insert(thread.key, id.clone());
                self.threads.insert(id, *thread);
            }
            Undo::Item {
                thread_id,
                key,
                previous,
            } => {
                if let Some(thread) = self.threads.get_mut(&thread_id) {
                    thread.items.remove(&key);
                    if let Some((key, stored)) = previous {
                        thread.items.insert(key, stored);
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
        let thread_id = thread;
        let Some(thread) = state.thread(thread_id, query.owner) else {
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
            .map(|stored| stored.item(thread_id))
            .collect::<Result<_, _>>()?;
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
            .ok_or_else(|| StoreError::item_not_found(id))?
            .item(thread)
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

    #[tokio::test]
    async fn hidden_notes_are_packed_and_read_back_as_saved() {
        let store = MemoryStore::new();
        let context = TestContext::user("alice");
        let thread = ThreadMetadata::new("thr_1", Timestamp::now());
        store.save_thread(&thread, &context).await.unwrap();
        let naive = Timestamp::parse("2025-01-15T12:00:05.250000").unwrap();
        let items: Vec<ThreadItem> = vec![
            HiddenContextItem::new("msg_1", "thr_1", "User set the counter to 2").into(),
            HiddenContextItem::new("msg_2", "thr_1", serde_json::json!({"note": [1, 2.5]})).into(),
            HiddenContextItem::new("msg_3", "thr_1", Value::Null).into(),
            SdkHiddenContextItem::new("shcx_1", "thr_1", "the user stopped the stream").into(),
            ThreadItem::HiddenContext(HiddenContextItem {
                created_at: naive,
                ..HiddenContextItem::new("msg_4", "thr_1", "é, naive time")
            }),
            // Names another thread: kept as it is, and read back naming it.
            HiddenContextItem::new("msg_5", "thr_other", "elsewhere").into(),
        ];
        for item in &items {
            store
                .add_thread_item("thr_1", item, &context)
                .await
                .unwrap();
        }
        {
            let state = store.state();
            let stored = &state.threads["thr_1"].items;
            let packed = stored
                .ordered
                .values()
                .filter(|stored| matches!(stored, Stored::Note(_)))
                .count();
            assert_eq!(packed, 5, "every note of this thread is packed");
        }
        for item in &items {
            let loaded = store.load_item("thr_1", item.id(), &context).await.unwrap();
            assert_eq!(&loaded, item);
            assert_eq!(loaded.created_at().as_str(), item.created_at().as_str());
        }
        let page = store
            .load_thread_items("thr_1", None, 10, SortOrder::Asc, &context)
            .await
            .unwrap();
        let mut in_order = items.clone();
        in_order.sort_by(|a, b| a.created_at().cmp(b.created_at()));
        assert_eq!(page.data, in_order);
        // Replacing a note in place, then deleting it, goes through the packed form.
        let replaced: ThreadItem = ThreadItem::HiddenContext(HiddenContextItem {
            created_at: items[0].created_at().clone(),
            ..HiddenContextItem::new("msg_1", "thr_1", "User set the counter to 3")
        });
        store.save_item("thr_1", &replaced, &context).await.unwrap();
        assert_eq!(
            store.load_item("thr_1", "msg_1", &context).await.unwrap(),
            replaced
        );
        store
            .delete_thread_item("thr_1", "msg_1", &context)
            .await
            .unwrap();
        assert!(
            store
                .load_item("thr_1", "msg_1", &context)
                .await
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn a_packed_note_is_its_fields_and_five_bytes() {
        let item: ThreadItem =
            HiddenContextItem::new("msg_0123456789abcdef", "thr_1", "User set the counter to 2")
                .into();
        let Some(Note(packed)) = Note::pack(&item, "thr_1") else {
            panic!("a hidden note of its own thread is packed");
        };
        let fields = item.id().len() + item.created_at().as_str().len() + 25;
        assert_eq!(packed.len(), NOTE_HEADER + fields);
        assert!(std::mem::size_of::<Stored>() <= 24);
    }
}
