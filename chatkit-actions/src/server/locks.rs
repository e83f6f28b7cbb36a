//! Per-thread serialization: the actions, messages and retries of one thread run one at a
//! time, in arrival order, so that two clicks on the same widget never interleave their
//! reads and writes. Different threads run in parallel.
//!
//! A request that changes a thread runs as a [`Unit`](super::unit::Unit), which takes this
//! lock first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The lock table. Entries are dropped when no request holds or waits for them.
#[derive(Default)]
pub(crate) struct ThreadLocks {
    locks: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

/// Holds a thread's lock; releasing it also prunes the table.
pub(crate) struct ThreadGuard {
    guard: Option<OwnedMutexGuard<()>>,
    thread_id: String,
    table: Arc<ThreadLocks>,
}

impl ThreadLocks {
    /// Waits for the thread's lock (tokio's mutex is fair: first come, first served).
    pub(crate) async fn lock(self: &Arc<Self>, thread_id: &str) -> ThreadGuard {
        let mutex = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(thread_id.to_owned()).or_default())
        };
        let guard = mutex.lock_owned().await;
        ThreadGuard {
            guard: Some(guard),
            thread_id: thread_id.to_owned(),
            table: Arc::clone(self),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut locks = self
            .table
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Only the table holds the mutex now: nobody is waiting, so the entry can go.
        if locks
            .get(&self.thread_id)
            .is_some_and(|mutex| Arc::strong_count(mutex) == 1)
        {
            locks.remove(&self.thread_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_thread_at_a_time_and_entries_are_pruned() {
        let locks = Arc::new(ThreadLocks::default());
        let first = locks.lock("thr_1").await;
        let other = locks.lock("thr_2").await;
        let waiting = {
            let locks = Arc::clone(&locks);
            tokio::spawn(async move { locks.lock("thr_1").await })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "a second lock on thr_1 must wait");
        drop(first);
        let second = waiting.await.unwrap();
        drop(second);
        drop(other);
        assert_eq!(locks.len(), 0);
    }
}
