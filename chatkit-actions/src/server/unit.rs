//! A request's unit of work on one thread: the thread's in-process lock (cheap and fair, so
//! waiters in this process queue here rather than in the database), then the store's unit of
//! work ([`Store::begin`]), which may take a lock shared with other processes (the
//! PostgreSQL store's advisory lock), seen through [`Tracked`], which notes a failing store
//! operation so that the unit rolls back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::locks::{ThreadGuard, ThreadLocks};
use crate::store::{Store, StoreError, StoreTransaction, forward_store};

/// One request's unit of work on one thread. Dropping it without [`Unit::end`] rolls the
/// transaction back (the store's transaction does on drop) and releases the lock.
pub(crate) struct Unit<C: Send + Sync + 'static> {
    store: Arc<Tracked<C>>,
    transaction: Option<Arc<dyn StoreTransaction<C>>>,
    // Declared last: released after the transaction ended.
    _guard: ThreadGuard,
}

impl<C: Send + Sync + 'static> Unit<C> {
    /// Takes the thread's lock, then begins the store's unit of work.
    pub(crate) async fn begin(
        locks: &Arc<ThreadLocks>,
        store: &Arc<dyn Store<C>>,
        thread_id: &str,
        context: &C,
    ) -> Result<Self, StoreError> {
        let guard = locks.lock(thread_id).await;
        let transaction = store.begin(thread_id, context).await?;
        let inner = match &transaction {
            Some(transaction) => Arc::clone(transaction) as Arc<dyn Store<C>>,
            None => Arc::clone(store),
        };
        Ok(Unit {
            store: Arc::new(Tracked {
                inner,
                failed: AtomicBool::new(false),
            }),
            transaction,
            _guard: guard,
        })
    }

    /// The store the request reads and writes through: the transaction, or the store itself.
    pub(crate) fn store(&self) -> Arc<dyn Store<C>> {
        Arc::clone(&self.store) as Arc<dyn Store<C>>
    }

    /// Whether an operation of the unit failed in the backend, so that it will roll back.
    pub(crate) fn failed(&self) -> bool {
        self.store.failed.load(Ordering::Acquire)
    }

    /// Ends the unit: commits it when `commit` and no store operation of the unit failed in
    /// the backend, rolls it back otherwise; then releases the lock.
    ///
    /// # Errors
    ///
    /// When the commit fails, or when a failed operation made the unit roll back.
    pub(crate) async fn end(self, commit: bool) -> Result<(), StoreError> {
        let failed = self.store.failed.load(Ordering::Acquire);
        let Some(transaction) = &self.transaction else {
            return Ok(());
        };
        if commit && !failed {
            let started = std::time::Instant::now();
            let committed = transaction.commit().await;
            crate::telemetry::record_commit(started.elapsed());
            committed
        } else {
            transaction.rollback().await?;
            if failed {
                Err(StoreError::backend(
                    "a store operation of this action failed: its writes were rolled back",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// The store of a unit, which notes whether any operation failed in the backend.
pub(crate) struct Tracked<C> {
    inner: Arc<dyn Store<C>>,
    failed: AtomicBool,
}

impl<C> Tracked<C> {
    fn track<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(StoreError::Backend(_)) = &result {
            self.failed.store(true, Ordering::Release);
        }
        result
    }
}

forward_store! {
    impl[C: Send + Sync + 'static] Store<C> for Tracked<C> {
        store: |this| this.inner,
        ids: this.inner,
        result: |result| this.track(result),
    }
}
