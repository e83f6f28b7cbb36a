//! Staged units of work, for stores whose transactions can't stay open for a whole action
//! ([`MemoryStore`](super::MemoryStore) and [`SqliteStore`](super::SqliteStore), which share
//! one lock or one connection between every thread): the writes of a unit are checked and
//! kept in order, read back by the unit (read-your-writes), and applied to the store at the
//! commit, all at once, by [`ApplyWrites`].
//!
//! Reads of a thread the unit has not written go to the store. Once the unit has written a
//! thread, point reads (`load_thread`, `load_item`) look at the staged writes first, and
//! pages of its items (`load_thread_items`) come from a copy of the thread (its committed
//! items, then the staged writes) built at the first such read, in a [`MemoryStore`]: the
//! order is the store's (ties by insertion order, new items last). `load_threads` shows
//! committed threads only.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use super::forward::RollbackOnFailure;
use super::{MemoryStore, Store, StoreError, StoreItemType, StoreScope, StoreTransaction};
use crate::thread::{Attachment, Page, SortOrder, ThreadItem, ThreadMetadata};

/// One staged write, as the unit received it.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    SaveThread(ThreadMetadata),
    AddItem { thread_id: String, item: ThreadItem },
    SaveItem { thread_id: String, item: ThreadItem },
    DeleteThread(String),
    DeleteItem { thread_id: String, item_id: String },
    SaveAttachment(Attachment),
    DeleteAttachment(String),
}

impl Op {
    pub(crate) fn add_item(thread_id: &str, item: &ThreadItem) -> Self {
        let (thread_id, item) = (thread_id.to_owned(), item.clone());
        Op::AddItem { thread_id, item }
    }

    pub(crate) fn save_item(thread_id: &str, item: &ThreadItem) -> Self {
        let (thread_id, item) = (thread_id.to_owned(), item.clone());
        Op::SaveItem { thread_id, item }
    }

    pub(crate) fn delete_item(thread_id: &str, item_id: &str) -> Self {
        let (thread_id, item_id) = (thread_id.to_owned(), item_id.to_owned());
        Op::DeleteItem { thread_id, item_id }
    }

    /// The thread whose items or metadata this write changes.
    fn thread_id(&self) -> Option<&str> {
        match self {
            Op::SaveThread(thread) => Some(&thread.id),
            Op::AddItem { thread_id, .. }
            | Op::SaveItem { thread_id, .. }
            | Op::DeleteItem { thread_id, .. }
            | Op::DeleteThread(thread_id) => Some(thread_id),
            Op::SaveAttachment(_) | Op::DeleteAttachment(_) => None,
        }
    }
}

/// A staged write with the scope of the context that made it.
#[derive(Debug, Clone)]
pub(crate) struct Write {
    pub(crate) owner: Option<String>,
    pub(crate) op: Op,
}

/// A context of a given scope, to replay writes.
#[derive(Debug, Clone)]
pub(crate) struct Scope(pub(crate) Option<String>);

impl StoreScope for Scope {
    fn scope(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// A store that applies a unit's writes atomically: all of them, in order, or none.
#[async_trait::async_trait]
pub(crate) trait ApplyWrites: Store<Scope> + Clone {
    /// The owner of a committed thread (`Some(owner)`), whatever the scope; `None` if there
    /// is no such thread.
    async fn thread_owner(&self, thread_id: &str) -> Result<Option<Option<String>>, StoreError>;

    /// The owner of a committed attachment, as [`thread_owner`](Self::thread_owner).
    async fn attachment_owner(
        &self,
        attachment_id: &str,
    ) -> Result<Option<Option<String>>, StoreError>;

    /// Applies `writes` in order, as one transaction.
    async fn apply_writes(&self, writes: Vec<Write>) -> Result<(), StoreError>;
}

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
    /// Copies of the threads whose pages the unit read after writing them.
    view: MemoryStore,
    materialized: HashSet<String>,
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
        self.state().view.clone()
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
            Known::Unknown => self
                .base
                .load_thread(thread_id, &Scope(owner.map(str::to_owned)))
                .await
                .map(drop),
        }
    }

    /// Builds the copy of a thread: its committed items, then the staged writes.
    async fn materialize(&self, thread_id: &str, owner: Option<&str>) -> Result<(), StoreError> {
        if self.materialized(thread_id)? {
            return Ok(());
        }
        let scope = Scope(owner.map(str::to_owned));
        // The view is shared with the unit's state (clones of a memory store share data).
        let view = self.view();
        match self.base.load_thread(thread_id, &scope).await {
            Ok(thread) => {
                view.save_thread(&thread, &scope).await?;
                let mut after: Option<String> = None;
                loop {
                    let page = self
                        .base
                        .load_thread_items(thread_id, after.as_deref(), 500, SortOrder::Asc, &scope)
                        .await?;
                    for item in &page.data {
                        view.add_thread_item(thread_id, item, &scope).await?;
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
        for write in &writes {
            // Each write was checked when it was staged, against the same data.
            apply_to(&view, write).await?;
        }
        self.state().materialized.insert(thread_id.to_owned());
        Ok(())
    }

    /// Stages a write on a thread (its items, or its deletion) once the thread is visible to
    /// `owner`.
    async fn stage_on_thread(&self, owner: Option<&str>, op: Op) -> Result<(), StoreError> {
        if let Some(thread_id) = op.thread_id() {
            self.check_thread(thread_id, owner).await?;
        }
        self.stage(owner, op).await
    }

    /// Stages a checked write, and applies it to the copy of its thread if there is one.
    async fn stage(&self, owner: Option<&str>, op: Op) -> Result<(), StoreError> {
        let write = Write {
            owner: owner.map(str::to_owned),
            op,
        };
        let copied = write
            .op
            .thread_id()
            .is_some_and(|thread_id| self.state().materialized.contains(thread_id));
        if copied {
            apply_to(&self.view(), &write).await?;
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
        state.view = MemoryStore::new();
        Ok(std::mem::take(&mut state.writes))
    }
}

/// Applies one write to a memory store.
async fn apply_to(store: &MemoryStore, write: &Write) -> Result<(), StoreError> {
    let scope = Scope(write.owner.clone());
    match &write.op {
        Op::SaveThread(thread) => store.save_thread(thread, &scope).await,
        Op::AddItem { thread_id, item } => store.add_thread_item(thread_id, item, &scope).await,
        Op::SaveItem { thread_id, item } => store.save_item(thread_id, item, &scope).await,
        Op::DeleteThread(thread_id) => store.delete_thread(thread_id, &scope).await,
        Op::DeleteItem { thread_id, item_id } => {
            store.delete_thread_item(thread_id, item_id, &scope).await
        }
        Op::SaveAttachment(attachment) => store.save_attachment(attachment, &scope).await,
        Op::DeleteAttachment(id) => store.delete_attachment(id, &scope).await,
    }
}

#[async_trait::async_trait]
impl<S: ApplyWrites, C: StoreScope + Send + Sync + 'static> Store<C> for Staged<S> {
    fn generate_thread_id(&self, context: &C) -> String {
        self.base
            .generate_thread_id(&Scope(context.scope().map(str::to_owned)))
    }

    fn generate_item_id(
        &self,
        kind: StoreItemType,
        thread: &ThreadMetadata,
        context: &C,
    ) -> String {
        self.base
            .generate_item_id(kind, thread, &Scope(context.scope().map(str::to_owned)))
    }

    async fn load_thread(
        &self,
        thread_id: &str,
        context: &C,
    ) -> Result<ThreadMetadata, StoreError> {
        let scope = Scope(context.scope().map(str::to_owned));
        if self.materialized(thread_id)? {
            return self.view().load_thread(thread_id, &scope).await;
        }
        match self.staged_thread(thread_id, context.scope()) {
            Known::Present(thread) => Ok(thread),
            Known::Gone | Known::Other => Err(StoreError::thread_not_found(thread_id)),
            Known::Unknown => self.base.load_thread(thread_id, &scope).await,
        }
    }

    async fn save_thread(&self, thread: &ThreadMetadata, context: &C) -> Result<(), StoreError> {
        self.materialized(&thread.id)?;
        let visible = match self.staged_thread(&thread.id, context.scope()) {
            // Saved by this unit, or deleted by it (saving it again creates it).
            Known::Present(_) | Known::Gone => true,
            Known::Other => false,
            Known::Unknown => self
                .base
                .thread_owner(&thread.id)
                .await?
                .is_none_or(|owner| owner.as_deref() == context.scope()),
        };
        if !visible {
            return Err(StoreError::thread_not_found(&thread.id));
        }
        self.stage(context.scope(), Op::SaveThread(thread.clone()))
            .await
    }

    async fn load_thread_items(
        &self,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadItem>, StoreError> {
        let scope = Scope(context.scope().map(str::to_owned));
        if !self.materialized(thread_id)? {
            if !self.has_writes_for(thread_id, context.scope()) {
                return self
                    .base
                    .load_thread_items(thread_id, after, limit, order, &scope)
                    .await;
            }
            self.materialize(thread_id, context.scope()).await?;
        }
        self.view()
            .load_thread_items(thread_id, after, limit, order, &scope)
            .await
    }

    async fn load_threads(
        &self,
        limit: usize,
        after: Option<&str>,
        order: SortOrder,
        context: &C,
    ) -> Result<Page<ThreadMetadata>, StoreError> {
        let scope = Scope(context.scope().map(str::to_owned));
        let staged: Vec<Write> = {
            let state = self.state();
            if state.finished {
                return Err(ended());
            }
            state
                .writes
                .iter()
                .filter(|write| matches!(write.op, Op::SaveThread(_) | Op::DeleteThread(_)))
                .cloned()
                .collect()
        };
        if staged.is_empty() {
            return self.base.load_threads(limit, after, order, &scope).await;
        }
        // Rare (a list of threads read by the unit that created or deleted one): the
        // committed threads of the scope, in order, then the staged changes, in a copy.
        let copy = MemoryStore::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .base
                .load_threads(500, cursor.as_deref(), SortOrder::Asc, &scope)
                .await?;
            for thread in &page.data {
                copy.save_thread(thread, &scope).await?;
            }
            match (page.has_more, page.after) {
                (true, Some(next)) => cursor = Some(next),
                _ => break,
            }
        }
        for write in staged.iter().filter(|write| write.owner == scope.0) {
            // Checked when staged; a thread of another scope is settled at the commit.
            let _ = apply_to(&copy, write).await;
        }
        copy.load_threads(limit, after, order, &scope).await
    }

    async fn add_thread_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        self.check_thread(thread_id, context.scope()).await?;
        match self.load_item(thread_id, item.id(), context).await {
            Ok(_) => return Err(StoreError::Conflict(item.id().to_owned())),
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(error),
        }
        self.stage(context.scope(), Op::add_item(thread_id, item))
            .await
    }

    async fn save_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &C,
    ) -> Result<(), StoreError> {
        self.stage_on_thread(context.scope(), Op::save_item(thread_id, item))
            .await
    }

    async fn load_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<ThreadItem, StoreError> {
        let scope = Scope(context.scope().map(str::to_owned));
        if self.materialized(thread_id)? {
            return self.view().load_item(thread_id, item_id, &scope).await;
        }
        match self.staged_item(thread_id, item_id) {
            Known::Present(Ok(item)) => {
                self.check_thread(thread_id, context.scope()).await?;
                return Ok(item);
            }
            Known::Present(Err(true)) => return Err(StoreError::thread_not_found(thread_id)),
            Known::Present(Err(false)) => {
                self.check_thread(thread_id, context.scope()).await?;
                return Err(StoreError::item_not_found(item_id));
            }
            Known::Gone | Known::Other | Known::Unknown => {}
        }
        match self.staged_thread(thread_id, context.scope()) {
            Known::Gone | Known::Other => Err(StoreError::thread_not_found(thread_id)),
            Known::Present(_) => match self.base.load_item(thread_id, item_id, &scope).await {
                // A thread created by this unit has no committed items.
                Err(error) if error.is_not_found() => Err(StoreError::item_not_found(item_id)),
                other => other,
            },
            Known::Unknown => self.base.load_item(thread_id, item_id, &scope).await,
        }
    }

    async fn delete_thread(&self, thread_id: &str, context: &C) -> Result<(), StoreError> {
        let op = Op::DeleteThread(thread_id.to_owned());
        self.stage_on_thread(context.scope(), op).await
    }

    async fn delete_thread_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &C,
    ) -> Result<(), StoreError> {
        let op = Op::delete_item(thread_id, item_id);
        self.stage_on_thread(context.scope(), op).await
    }

    async fn save_attachment(
        &self,
        attachment: &Attachment,
        context: &C,
    ) -> Result<(), StoreError> {
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
        let owner = match staged {
            Some(owner) => owner,
            None => self.base.attachment_owner(attachment.id()).await?,
        };
        if owner.is_some_and(|owner| owner.as_deref() != context.scope()) {
            return Err(StoreError::attachment_not_found(attachment.id()));
        }
        self.stage(context.scope(), Op::SaveAttachment(attachment.clone()))
            .await
    }

    async fn load_attachment(
        &self,
        attachment_id: &str,
        context: &C,
    ) -> Result<Attachment, StoreError> {
        let staged = {
            let state = self.state();
            if state.finished {
                return Err(ended());
            }
            state.writes.iter().rev().find_map(|write| match &write.op {
                Op::SaveAttachment(attachment) if attachment.id() == attachment_id => {
                    Some((write.owner.as_deref() == context.scope()).then(|| attachment.clone()))
                }
                Op::DeleteAttachment(id) if id == attachment_id => Some(None),
                _ => None,
            })
        };
        match staged {
            Some(Some(attachment)) => Ok(attachment),
            Some(None) => Err(StoreError::attachment_not_found(attachment_id)),
            None => {
                self.base
                    .load_attachment(attachment_id, &Scope(context.scope().map(str::to_owned)))
                    .await
            }
        }
    }

    async fn delete_attachment(&self, attachment_id: &str, context: &C) -> Result<(), StoreError> {
        self.load_attachment(attachment_id, context).await?;
        self.stage(
            context.scope(),
            Op::DeleteAttachment(attachment_id.to_owned()),
        )
        .await
    }
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
