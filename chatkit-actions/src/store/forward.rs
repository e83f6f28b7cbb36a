//! The one place the [`Store`](super::Store) methods are forwarded: [`forward_store!`], for
//! the types that hand every operation to another store (a unit of work's failure tracking,
//! the PostgreSQL store and its units, which hand each operation to a connection), and
//! [`RollbackOnFailure`], the unit of work that rolls back once any of its operations failed.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{StoreError, StoreTransaction};

/// Implements [`Store`](crate::store::Store) for a type that hands every operation to another
/// store:
///
/// ```ignore
/// forward_store! {
///     impl[C: Send + Sync + 'static] Store<C> for Tracked<C> {
///         store: |this| this.inner,
///         ids: this.inner,
///         result: |result| this.track(result),
///     }
/// }
/// ```
///
/// - `store` is the store an operation goes to, an expression of the wrapper (`this`) that may
///   `.await` and `?` (it is evaluated once per operation, and lives until the operation ends);
/// - `ids`, if given, is where the id generators go (a store reached without `.await`);
///   without it they are the trait's defaults;
/// - `result` is what the operation returns, an expression of its `result` (and `this`);
/// - any further items (such as `begin`) are part of the impl.
macro_rules! forward_store {
    (
        impl[$($generics:tt)*] Store<$context:ty> for $store:ty {
            store: |$this:ident| $inner:expr,
            $(ids: $ids:expr,)?
            result: |$result:ident| $then:expr,
            $($items:tt)*
        }
    ) => {
        $crate::store::forward_store! {
            @impl[$($generics)*] Store<$context> for $store,
            |$this| $inner, [$($ids)?], |$result| $then, { $($items)* },
            // Every operation of the trait but the id generators and `begin`: its parameters
            // before the context, and what it returns.
            load_thread(thread_id: &str) -> $crate::thread::ThreadMetadata;
            save_thread(thread: &$crate::thread::ThreadMetadata) -> ();
            load_thread_items(
                thread_id: &str, after: Option<&str>, limit: usize,
                order: $crate::thread::SortOrder,
            ) -> $crate::thread::Page<$crate::thread::ThreadItem>;
            load_threads(limit: usize, after: Option<&str>, order: $crate::thread::SortOrder)
                -> $crate::thread::Page<$crate::thread::ThreadMetadata>;
            add_thread_item(thread_id: &str, item: &$crate::thread::ThreadItem) -> ();
            save_item(thread_id: &str, item: &$crate::thread::ThreadItem) -> ();
            load_item(thread_id: &str, item_id: &str) -> $crate::thread::ThreadItem;
            delete_thread(thread_id: &str) -> ();
            delete_thread_item(thread_id: &str, item_id: &str) -> ();
            save_attachment(attachment: &$crate::thread::Attachment) -> ();
            load_attachment(attachment_id: &str) -> $crate::thread::Attachment;
            delete_attachment(attachment_id: &str) -> ();
        }
    };
    (
        @impl[$($generics:tt)*] Store<$context:ty> for $store:ty,
        |$this:ident| $inner:expr, [$($ids:expr)?], |$result:ident| $then:expr,
        { $($items:tt)* },
        $($method:ident($($arg:ident: $type:ty),* $(,)?) -> $output:ty;)*
    ) => {
        #[async_trait::async_trait]
        impl<$($generics)*> $crate::store::Store<$context> for $store {
            $(
                fn generate_thread_id(&self, context: &$context) -> String {
                    let $this = self;
                    $ids.generate_thread_id(context)
                }

                fn generate_item_id(
                    &self,
                    kind: $crate::store::StoreItemType,
                    thread: &$crate::thread::ThreadMetadata,
                    context: &$context,
                ) -> String {
                    let $this = self;
                    $ids.generate_item_id(kind, thread, context)
                }
            )?

            $(
                async fn $method(
                    &self,
                    $($arg: $type,)*
                    context: &$context,
                ) -> Result<$output, $crate::store::StoreError> {
                    let $this = self;
                    let $result = $inner.$method($($arg,)* context).await;
                    $then
                }
            )*

            $($items)*
        }
    };
}

pub(crate) use forward_store;

/// A unit of work that notes each of its operations that fails in the backend, and then rolls
/// back at the commit, with an error: `PostgreSQL` aborts a transaction on a failed statement
/// yet answers its `COMMIT` with a rollback and no error, and a staged unit must not apply
/// writes whose checks could not read the store.
pub(crate) struct RollbackOnFailure<T> {
    unit: T,
    failed: AtomicBool,
}

impl<T> RollbackOnFailure<T> {
    pub(crate) fn new(unit: T) -> Self {
        Self {
            unit,
            failed: AtomicBool::new(false),
        }
    }

    fn track<R>(&self, result: Result<R, StoreError>) -> Result<R, StoreError> {
        if let Err(StoreError::Backend(_)) = &result {
            self.failed.store(true, Ordering::Release);
        }
        result
    }
}

forward_store! {
    impl[C: Send + Sync + 'static, T: StoreTransaction<C>] Store<C> for RollbackOnFailure<T> {
        store: |this| this.unit,
        ids: this.unit,
        result: |result| this.track(result),
    }
}

#[async_trait::async_trait]
impl<C: Send + Sync + 'static, T: StoreTransaction<C>> StoreTransaction<C>
    for RollbackOnFailure<T>
{
    async fn commit(&self) -> Result<(), StoreError> {
        if self.failed.load(Ordering::Acquire) {
            self.unit.rollback().await?;
            return Err(StoreError::backend(
                "an operation of this unit of work failed: its writes were rolled back",
            ));
        }
        self.unit.commit().await
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        self.unit.rollback().await
    }
}
