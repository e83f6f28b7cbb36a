//! Staged units of work, for stores whose transactions can't stay open for a whole action
//! ([`MemoryStore`](super::MemoryStore) and [`SqliteStore`](super::SqliteStore), which share
//! one lock or one write connection between every thread), and for the `PostgresStore`'s units,
//! which send their writes together with their `COMMIT`: the writes of a unit are checked and
//! kept in order, read back by the unit (read-your-writes), and applied to the store at the
//! commit, all at once, by [`ApplyWrites`].
//!
//! Reads of a thread the unit has not written go to the store. Once the unit has written a
//! thread, point reads (`load_thread`, `load_item`) look at the staged writes first, and
//! pages of its items (`load_thread_items`) come from a copy of the thread (its committed
//! items, then the staged writes) built at the first such read, in a [`MemoryStore`]: the
//! order is the store's (ties by insertion order, new items last). `load_threads` shows
//! committed threads only. A thread the store showed the unit is not read again to check a
//! write to it: the commit checks every write again.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use super::backend::{ApplyWrites, Backend, Op, PageQuery, StoreResult, Write};
use super::forward::RollbackOnFailure;
use super::{MemoryStore, StoreError, StoreScope, StoreTransaction, backend_store};
use crate::thread::{Attachment, Page, SortOrder, ThreadItem, ThreadMetadata};

/// A staged unit of work over `base`, which rolls back at the commit once one of its
/// operations failed in the backend.
pub(crate) fn begin<S: ApplyWrites, C: StoreScope + Send + Sync + 'static>(
    base: S,
) -> Arc<dyn StoreTransaction<C>> {
    Arc::new(RollbackOnFailure::new(Staged::new(base)))
}

/// A staged unit of work over the store `S`.
pub(crate) struct Staged<S> {
    base: S,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    writes: Vec<Write>,
    /// Copies of the threads whose pages the unit read after writing them (made at the
    /// first such read: most units never need one).
    view: Option<MemoryStore>,
    materialized: HashSet<String>,
    /// The threads (and the scope) the store showed the unit: a check that the unit may write
    /// to one of them needs no second read (the commit checks again). A unit sees one thread
    /// or a few, so a list, searched without building a key.
    visible: Vec<(String, Option<String>)>,
    finished: bool,
}

/// What the staged writes say about a thread or an item.
enum Known<T> {
    /// Written by the unit: this value.
    Present(T),
    /// Deleted by the unit.
    Gone,
    /// Saved by the unit for another scope.
    Other,
    /// Not written by the unit: ask the store.
    Unknown,
}

fn ended() -> StoreError {
    StoreError::backend("this unit of work has already been committed or rolled back")
}

impl<S: ApplyWrites> Staged<S> {
    fn new(base: S) -> Self {
        Self {
            base,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fails once the unit has ended; otherwise whether `thread_id` has a copy.
    fn materialized(&self, thread_id: &str) -> Result<bool, StoreError> {
        let state = self.state();
        if state.finished {
            return Err(ended());
        }
        Ok(state.materialized.contains(thread_id))
    }

    fn view(&self) -> MemoryStore {
        self.state().view.get_or_insert_default().clone()
    }

    fn staged_thread(&self, thread_id: &str, owner: Option<&str>) -> Known<ThreadMetadata> {
        for write in self.state().writes.iter().rev() {
            match &write.op {
                Op::SaveThread(thread) if thread.id == thread_id => {
                    return if write.owner.as_deref() == owner {
                        Known::Present(thread.clone())
                    } else {
                        Known::Other
                    };
                }
                Op::DeleteThread(id) if id == thread_id => return Known::Gone,
                _ => {}
            }
        }
        Known::Unknown
    }

    /// What the staged writes say about an item; `Gone` with `true` when the whole thread
    /// was deleted.
    fn staged_item(&self, thread_id: &str, item_id: &str) -> Known<Result<ThreadItem, bool>> {
        for write in self.state().writes.iter().rev() {
            match &write.op {
                Op::AddItem { thread_id: t, item } | Op::SaveItem { thread_id: t, item }
                    if t == thread_id && item.id() == item_id =>
                {
                    return Known::Present(Ok(item.clone()));
                }
                Op::DeleteItem {
                    thread_id: t,
                    item_id: i,
                } if t == thread_id && i == item_id => return Known::Present(Err(false)),
                Op::DeleteThread(t) if t == thread_id => return Known::Present(Err(true)),
                _ => {}
            }
        }
        Known::Unknown
    }

    /// Whether `owner` staged writes on `thread_id` (another scope's writes on it failed
    /// their checks, or fail at the commit, so they don't show).
    fn has_writes_for(&self, thread_id: &str, owner: Option<&str>) -> bool {
        self.state()
            .writes
            .iter()
            .any(|write| write.op.thread_id() == Some(thread_id) && write.owner.as_deref() == owner)
    }

    /// Fails with not found unless the thread is visible to `owner`, staged writes included.
    async fn check_thread(&self, thread_id: &str, owner: Option<&str>) -> Result<(), StoreError> {
        match self.staged_thread(thread_id, owner) {
            Known::Present(_) => Ok(()),
            Known::Gone | Known::Other => Err(StoreError::thread_not_found(thread_id)),
            Known::Unknown if self.seen(thread_id, owner) => Ok(()),
            Known::Unknown => self.base_thread(owner, thread_id).await.map(drop),
        }
    }

    /// Whether the store showed the unit `thread_id` for `owner`.
    fn seen(&self, thread_id: &str, owner: Option<&str>) -> bool {
        self.state()
            .visible
            .iter()
            .any(|(id, scope)| id == thread_id && scope.as_deref() == owner)
    }

    /// The committed thread, from the store; noted as visible when found.
    async fn base_thread(&self, owner: Option<&str>, id: &str) -> StoreResult<ThreadMetadata> {
        let thread = self.base.thread(owner, id).await?;
        if !self.seen(id, owner) {
            let key = (id.to_owned(), owner.map(str::to_owned));
            self.state().visible.push(key);
        }
        Ok(thread)
    }

    /// Builds the copy of a thread: its committed items, then the staged writes.
    async fn materialize(&self, thread_id: &str, owner: Option<&str>) -> Result<(), StoreError> {
        if self.materialized(thread_id)? {
            return Ok(());
        }
        // The view is shared with the unit's state (clones of a memory store share data).
        let view = self.view();
        match self.base.thread(owner, thread_id).await {
            Ok(thread) => {
                view.write(Write::new(owner, Op::SaveThread(thread)))
                    .await?;
                let mut after: Option<String> = None;
                loop {
                    let query = all_of(owner, after.as_deref());
                    let page = self.base.items(thread_id, query).await?;
                    for item in &page.data {
                        view.write(Write::new(owner, Op::add_item(thread_id, item)))
                            .await?;
                    }
                    match (page.has_more, page.after) {
                        (true, Some(next)) => after = Some(next),
                        _ => break,
                    }
                }
            }
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(error),
        }
        let writes: Vec<Write> = self
            .state()
            .writes
            .iter()
            .filter(|write| write.op.thread_id() == Some(thread_id))
            .cloned()
            .collect();
        for write in writes {
            // Each write was checked when it was staged, against the same data.
            view.write(write).await?;
        }
        self.state().materialized.insert(thread_id.to_owned());
        Ok(())
    }

    /// Fails unless `write` would succeed on the store with the unit's writes before it
    /// applied: the checks of the [`Store`](super::Store) contract.
    async fn check(&self, write: &Write) -> Result<(), StoreError> {
        let owner = write.owner.as_deref();
        match &write.op {
            Op::SaveThread(thread) => {
                let visible = match self.staged_thread(&thread.id, owner) {
                    // Saved by this unit, or deleted by it (saving it again creates it).
                    Known::Present(_) | Known::Gone => true,
                    Known::Other => false,
                    Known::Unknown => self
                        .base
                        .thread_owner(&thread.id)
                        .await?
                        .is_none_or(|stored| stored.as_deref() == owner),
                };
                if !visible {
                    return Err(StoreError::thread_not_found(&thread.id));
                }
            }
            Op::AddItem { thread_id, item } => {
                self.check_thread(thread_id, owner).await?;
                match self.item(owner, thread_id, item.id()).await {
                    Ok(_) => return Err(StoreError::Conflict(item.id().to_owned())),
                    Err(error) if error.is_not_found() => {}
                    Err(error) => return Err(error),
                }
            }
            Op::SaveItem { thread_id, .. }
            | Op::DeleteThread(thread_id)
            | Op::DeleteItem { thread_id, .. } => self.check_thread(thread_id, owner).await?,
            Op::SaveAttachment(attachment) => {
                let staged = self
                    .state()
                    .writes
                    .iter()
                    .rev()
                    .find_map(|write| match &write.op {
                        Op::SaveAttachment(staged) if staged.id() == attachment.id() => {
                            Some(Some(write.owner.clone()))
                        }
                        Op::DeleteAttachment(id) if id == attachment.id() => Some(None),
                        _ => None,
                    });
                let stored = match staged {
                    Some(stored) => stored,
                    None => self.base.attachment_owner(attachment.id()).await?,
                };
                if stored.is_some_and(|stored| stored.as_deref() != owner) {
                    return Err(StoreError::attachment_not_found(attachment.id()));
                }
            }
            Op::DeleteAttachment(id) => drop(self.attachment(owner, id).await?),
        }
        Ok(())
    }

    /// Stages a checked write, and applies it to the copy of its thread if there is one.
    async fn stage(&self, write: Write) -> Result<(), StoreError> {
        let copied = write
            .op
            .thread_id()
            .is_some_and(|thread_id| self.state().materialized.contains(thread_id));
        if copied {
            self.view().write(write.clone()).await?;
        }
        let mut state = self.state();
        if state.finished {
            return Err(ended());
        }
        state.writes.push(write);
        Ok(())
    }

    fn finish(&self) -> Result<Vec<Write>, StoreError> {
        let mut state = self.state();
        if state.finished {
            return Err(ended());
        }
        state.finished = true;
        state.materialized.clear();
        state.visible.clear();
        state.view = None;
        Ok(std::mem::take(&mut state.writes))
    }
}

/// The query of a whole table, page by page: the rows of `owner` after `after`, in order.
fn all_of<'a>(owner: Option<&'a str>, after: Option<&'a str>) -> PageQuery<'a> {
    PageQuery {
        owner,
        after,
        limit: 500,
        order: SortOrder::Asc,
    }
}

#[async_trait::async_trait]
impl<S: ApplyWrites> Backend for Staged<S> {
    async fn thread(&self, owner: Option<&str>, id: &str) -> StoreResult<ThreadMetadata> {
        if self.materialized(id)? {
            return self.view().thread(owner, id).await;
        }
        match self.staged_thread(id, owner) {
            Known::Present(thread) => Ok(thread),
            Known::Gone | Known::Other => Err(StoreError::thread_not_found(id)),
            Known::Unknown => self.base_thread(owner, id).await,
        }
    }

    async fn items(&self, thread: &str, query: PageQuery<'_>) -> StoreResult<Page<ThreadItem>> {
        if !self.materialized(thread)? {
            if !self.has_writes_for(thread, query.owner) {
                return self.base.items(thread, query).await;
            }
            self.materialize(thread, query.owner).await?;
        }
        self.view().items(thread, query).await
    }

    async fn threads(&self, query: PageQuery<'_>) -> StoreResult<Page<ThreadMetadata>> {
        let staged: Vec<Write> = {
            let state = self.state();
            if state.finished {
                return Err(ended());
            }
            state
                .writes
                .iter()
                .filter(|write| matches!(write.op, Op::SaveThread(_) | Op::DeleteThread(_)))
                .filter(|write| write.owner.as_deref() == query.owner)
                .cloned()
                .collect()
        };
        if staged.is_empty() {
            return self.base.threads(query).await;
        }
        // Rare (a list of threads read by the unit that created or deleted one): the
        // committed threads of the scope, in order, then the staged changes, in a copy.
        let copy = MemoryStore::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .base
                .threads(all_of(query.owner, cursor.as_deref()))
                .await?;
            for thread in page.data {
                copy.write(Write::new(query.owner, Op::SaveThread(thread)))
                    .await?;
            }
            match (page.has_more, page.after) {
                (true, Some(next)) => cursor = Some(next),
                _ => break,
            }
        }
        for write in staged {
            // Checked when staged; a thread of another scope is settled at the commit.
            let _ = copy.write(write).await;
        }
        copy.threads(query).await
    }

    async fn item(&self, owner: Option<&str>, thread: &str, id: &str) -> StoreResult<ThreadItem> {
        if self.materialized(thread)? {
            return self.view().item(owner, thread, id).await;
        }
        match self.staged_item(thread, id) {
            Known::Present(Ok(item)) => {
                self.check_thread(thread, owner).await?;
                return Ok(item);
            }
            Known::Present(Err(true)) => return Err(StoreError::thread_not_found(thread)),
            Known::Present(Err(false)) => {
                self.check_thread(thread, owner).await?;
                return Err(StoreError::item_not_found(id));
            }
            Known::Gone | Known::Other | Known::Unknown => {}
        }
        match self.staged_thread(thread, owner) {
            Known::Gone | Known::Other => Err(StoreError::thread_not_found(thread)),
            Known::Present(_) => match self.base.item(owner, thread, id).await {
                // A thread created by this unit has no committed items.
                Err(error) if error.is_not_found() => Err(StoreError::item_not_found(id)),
                other => other,
            },
            Known::Unknown => self.base.item(owner, thread, id).await,
        }
    }

    async fn attachment(&self, owner: Option<&str>, id: &str) -> StoreResult<Attachment> {
        let staged = {
            let state = self.state();
            if state.finished {
                return Err(ended());
            }
            state.writes.iter().rev().find_map(|write| match &write.op {
                Op::SaveAttachment(attachment) if attachment.id() == id => {
                    Some((write.owner.as_deref() == owner).then(|| attachment.clone()))
                }
                Op::DeleteAttachment(deleted) if deleted == id => Some(None),
                _ => None,
            })
        };
        match staged {
            Some(Some(attachment)) => Ok(attachment),
            Some(None) => Err(StoreError::attachment_not_found(id)),
            None => self.base.attachment(owner, id).await,
        }
    }

    async fn write(&self, write: Write) -> StoreResult<()> {
        if self.state().finished {
            return Err(ended());
        }
        self.check(&write).await?;
        self.stage(write).await
    }
}

backend_store! {
    impl[S: ApplyWrites,] Store<C> for Staged<S> {}
}

#[async_trait::async_trait]
impl<S: ApplyWrites, C: StoreScope + Send + Sync + 'static> StoreTransaction<C> for Staged<S> {
    async fn commit(&self) -> Result<(), StoreError> {
        let writes = self.finish()?;
        if writes.is_empty() {
            return Ok(());
        }
        self.base.apply_writes(writes).await
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        self.finish().map(drop)
    }
}
