//! The built-in stores' side of [`Store`](super::Store): [`Backend`], the same operations
//! with the owner of the rows (the context's [`StoreScope`](super::StoreScope)) in place of the
//! context, a page's bounds in one [`PageQuery`], and every write as one [`Write`]; and
//! [`backend_store!`], the one implementation of `Store` over it, for every context with a
//! scope.

use super::StoreError;
use crate::thread::{Attachment, Page, SortOrder, ThreadItem, ThreadMetadata};

/// What a store operation returns.
pub(crate) type StoreResult<T> = Result<T, StoreError>;

/// A page to read: of the rows `owner` sees, at most `limit` after the one whose id is
/// `after` (exclusive), in `order`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageQuery<'a> {
    pub(crate) owner: Option<&'a str>,
    pub(crate) after: Option<&'a str>,
    pub(crate) limit: usize,
    pub(crate) order: SortOrder,
}

/// The operations of a built-in store, by owner (see the [module docs](self)).
#[async_trait::async_trait]
pub(crate) trait Backend: Send + Sync + 'static {
    /// A thread's metadata ([`load_thread`](super::Store::load_thread)).
    async fn thread(&self, owner: Option<&str>, id: &str) -> StoreResult<ThreadMetadata>;

    /// A page of a thread's items ([`load_thread_items`](super::Store::load_thread_items)).
    async fn items(&self, thread: &str, query: PageQuery<'_>) -> StoreResult<Page<ThreadItem>>;

    /// A page of the owner's threads ([`load_threads`](super::Store::load_threads)).
    async fn threads(&self, query: PageQuery<'_>) -> StoreResult<Page<ThreadMetadata>>;

    /// One item of a thread ([`load_item`](super::Store::load_item)).
    async fn item(&self, owner: Option<&str>, thread: &str, id: &str) -> StoreResult<ThreadItem>;

    /// An attachment's metadata ([`load_attachment`](super::Store::load_attachment)).
    async fn attachment(&self, owner: Option<&str>, id: &str) -> StoreResult<Attachment>;

    /// Applies one write, any other operation of the trait, with the checks of its contract.
    async fn write(&self, write: Write) -> StoreResult<()>;
}

/// A write: any operation of [`Store`](super::Store) but the reads.
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
    pub(crate) fn thread_id(&self) -> Option<&str> {
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

/// A write with the scope of the context that made it.
#[derive(Debug, Clone)]
pub(crate) struct Write {
    pub(crate) owner: Option<String>,
    pub(crate) op: Op,
}

impl Write {
    /// The write `op` by `owner`.
    pub(crate) fn new(owner: Option<&str>, op: Op) -> Self {
        let owner = owner.map(str::to_owned);
        Self { owner, op }
    }
}

/// A store that a staged unit of work (`staged`) applies its writes to at its commit,
/// atomically: all of them, in order, or none.
#[async_trait::async_trait]
pub(crate) trait ApplyWrites: Backend + Clone {
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

/// Implements [`Store`](super::Store) for a [`Backend`], for every context with a
/// [`StoreScope`](super::StoreScope); further items (`begin`) are part of the impl, or
/// `, staged` gives the store staged units of work.
macro_rules! backend_store {
    // A store whose units of work are staged (see `staged`).
    (impl[$($generics:tt)*] Store<C> for $store:ty, staged) => {
        $crate::store::backend_store! {
            impl[$($generics)*] Store<C> for $store {
                /// A staged unit of work: its writes are checked as they come, read back by the
                /// unit, and applied together at the commit, all or none.
                async fn begin(
                    &self,
                    thread_id: &str,
                    context: &C,
                ) -> Result<
                    Option<std::sync::Arc<dyn $crate::store::StoreTransaction<C>>>,
                    $crate::store::StoreError,
                > {
                    let _ = (thread_id, context);
                    Ok(Some($crate::store::staged::begin(self.clone())))
                }
            }
        }
    };
    (impl[$($generics:tt)*] Store<C> for $store:ty { $($items:tt)* }) => {
        $crate::store::backend_store! {
            @impl[$($generics)*] $store, { $($items)* },
            // Each operation: its parameters before the context, what it returns, and how the
            // backend runs it.
            load_thread(thread_id: &str) -> $crate::thread::ThreadMetadata
                = |backend, owner| backend.thread(owner, thread_id);
            save_thread(thread: &$crate::thread::ThreadMetadata) -> ()
                = |backend, owner| backend.write(Write::new(owner, Op::SaveThread(thread.clone())));
            load_thread_items(
                thread_id: &str, after: Option<&str>, limit: usize,
                order: $crate::thread::SortOrder,
            ) -> $crate::thread::Page<$crate::thread::ThreadItem>
                = |backend, owner| backend
                    .items(thread_id, PageQuery { owner, after, limit, order });
            load_threads(limit: usize, after: Option<&str>, order: $crate::thread::SortOrder)
                -> $crate::thread::Page<$crate::thread::ThreadMetadata>
                = |backend, owner| backend.threads(PageQuery { owner, after, limit, order });
            add_thread_item(thread_id: &str, item: &$crate::thread::ThreadItem) -> ()
                = |backend, owner| backend.write(Write::new(owner, Op::add_item(thread_id, item)));
            save_item(thread_id: &str, item: &$crate::thread::ThreadItem) -> ()
                = |backend, owner| backend.write(Write::new(owner, Op::save_item(thread_id, item)));
            load_item(thread_id: &str, item_id: &str) -> $crate::thread::ThreadItem
                = |backend, owner| backend.item(owner, thread_id, item_id);
            delete_thread(thread_id: &str) -> ()
                = |backend, owner| backend
                    .write(Write::new(owner, Op::DeleteThread(thread_id.to_owned())));
            delete_thread_item(thread_id: &str, item_id: &str) -> ()
                = |backend, owner| backend
                    .write(Write::new(owner, Op::delete_item(thread_id, item_id)));
            save_attachment(attachment: &$crate::thread::Attachment) -> ()
                = |backend, owner| backend
                    .write(Write::new(owner, Op::SaveAttachment(attachment.clone())));
            load_attachment(attachment_id: &str) -> $crate::thread::Attachment
                = |backend, owner| backend.attachment(owner, attachment_id);
            delete_attachment(attachment_id: &str) -> ()
                = |backend, owner| backend
                    .write(Write::new(owner, Op::DeleteAttachment(attachment_id.to_owned())));
        }
    };
    (
        @impl[$($generics:tt)*] $store:ty, { $($items:tt)* },
        $(
            $method:ident($($arg:ident: $type:ty),* $(,)?) -> $output:ty
                = |$backend:ident, $owner:ident| $call:expr;
        )*
    ) => {
        #[async_trait::async_trait]
        impl<$($generics)* C: $crate::store::StoreScope + Send + Sync + 'static>
            $crate::store::Store<C> for $store
        {
            $(
                async fn $method(
                    &self,
                    $($arg: $type,)*
                    context: &C,
                ) -> Result<$output, $crate::store::StoreError> {
                    #[allow(unused_imports)]
                    use $crate::store::backend::{Backend as _, Op, PageQuery, Write};
                    let ($backend, $owner) = (self, context.scope());
                    $call.await
                }
            )*

            $($items)*
        }
    };
}

pub(crate) use backend_store;
