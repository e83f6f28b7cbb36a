//! The writer of a [`SqliteStore`](super::SqliteStore): one thread that owns the write
//! connection and commits the units of work queued meanwhile together, in one transaction
//! (group commit), each unit in its own savepoint.
//!
//! A unit's writes commit together or not at all: a unit that fails rolls back to its
//! savepoint and the others of the group go on; if its failure took the whole transaction with
//! it (`SQLite` rolls back by itself on some errors, such as a full disk), the group is retried
//! without it. A unit's [`Writer::apply`] returns once the transaction that holds it has
//! committed, never before. Units run in the order they were queued, so one thread's units
//! (which the server queues one after the other) commit in order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::{Failure, apply};
use crate::store::StoreError;
use crate::store::backend::Write;

/// How many jobs may wait for the writer; senders wait beyond (the queue is bounded).
const QUEUE: usize = 256;

/// The most units committed in one transaction.
const MAX_GROUP: usize = 64;

/// A job for the writer.
enum Job {
    /// A unit of work to commit.
    Apply(Unit),
    /// An operation on the connection, between two groups (the reads of a database in
    /// memory, which has no other connection).
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
}

/// A unit's writes, and where its outcome goes.
struct Unit {
    writes: Vec<Write>,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// The handle of the writer thread; the thread ends, closing its connection, once every handle
/// is dropped and the queue drained.
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
    /// How many transactions the writer committed.
    transactions: Arc<AtomicU64>,
}

fn stopped() -> StoreError {
    StoreError::backend("the SQLite writer stopped")
}

impl Writer {
    /// Starts the writer thread on `connection`.
    pub(super) fn spawn(connection: Connection) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let transactions = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&transactions);
        std::thread::Builder::new()
            .name("chatkit-sqlite-writer".to_owned())
            .spawn(move || run(connection, queue, &counted))
            .map_err(StoreError::backend)?;
        Ok(Self { jobs, transactions })
    }

    /// How many group transactions the writer committed so far.
    pub(super) fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }

    /// How many jobs wait in the queue.
    #[cfg(test)]
    pub(super) fn queued(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// Commits `writes` in order, all or none, and returns once they are committed (or were
    /// not). If the caller stops waiting once the unit is queued, it still commits or fails.
    pub(super) async fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let (reply, outcome) = oneshot::channel();
        self.jobs
            .send(Job::Apply(Unit { writes, reply }))
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }

    /// Runs `operation` on the write connection, after the units queued before it committed.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, outcome) = oneshot::channel();
        let job = Box::new(move |connection: &mut Connection| {
            let _ = reply.send(operation(connection).map_err(StoreError::from));
        });
        self.jobs.send(Job::Run(job)).await.map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// The writer thread: takes the jobs as they come, the units queued together as one group.
fn run(mut connection: Connection, mut queue: mpsc::Receiver<Job>, transactions: &AtomicU64) {
    let mut group = Vec::new();
    while let Some(first) = queue.blocking_recv() {
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Apply(unit) => group.push(unit),
                Job::Run(operation) => {
                    // What was queued before it runs before it.
                    commit(&mut connection, &mut group, transactions);
                    // A panic drops the reply: the caller gets an error, the writer goes on.
                    let _ = catch_unwind(AssertUnwindSafe(|| operation(&mut connection)));
                }
            }
            if group.len() < MAX_GROUP {
                next = queue.try_recv().ok();
            }
        }
        commit(&mut connection, &mut group, transactions);
    }
}

/// Commits the units of `group` in one transaction, and answers each.
fn commit(connection: &mut Connection, group: &mut Vec<Unit>, transactions: &AtomicU64) {
    if group.is_empty() {
        return;
    }
    let mut pending = std::mem::take(group);
    loop {
        let attempt = catch_unwind(AssertUnwindSafe(|| attempt(connection, &mut pending)));
        match attempt {
            Ok(Ok(true)) => {
                transactions.fetch_add(1, Ordering::Relaxed);
                for unit in pending {
                    let _ = unit.reply.send(Ok(()));
                }
                return;
            }
            // A failing unit took the transaction with it: it was answered and left out.
            Ok(Ok(false)) => {}
            Ok(Err(Failure(error))) => {
                let message = error.to_string();
                for unit in pending {
                    let _ = unit.reply.send(Err(StoreError::backend(message.clone())));
                }
                return;
            }
            // A bug: the transaction rolled back when it unwound; the units fail.
            Err(_) => {
                for unit in pending {
                    let _ = unit.reply.send(Err(StoreError::backend(
                        "the SQLite writer panicked while committing this unit",
                    )));
                }
                return;
            }
        }
    }
}

/// One try at committing `pending`: `true` once committed; `false` when a unit's failure
/// rolled the whole transaction back (that unit is answered and removed, the others are to be
/// tried again). A unit that fails otherwise is answered, removed, and rolled back to its
/// savepoint, and the others go on.
fn attempt(connection: &mut Connection, pending: &mut Vec<Unit>) -> Result<bool, Failure> {
    // IMMEDIATE: the write lock up front, so the group never fails midway on another process's
    // lock (it waits for the busy timeout instead).
    let mut tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut index = 0;
    while index < pending.len() {
        let savepoint = tx.savepoint()?;
        let applied = pending[index]
            .writes
            .iter()
            .try_for_each(|write| apply(&savepoint, write));
        match applied {
            Ok(()) => {
                savepoint.commit()?;
                index += 1;
            }
            Err(Failure(error)) => {
                // Dropping the savepoint rolls the unit's writes back.
                drop(savepoint);
                let unit = pending.remove(index);
                let _ = unit.reply.send(Err(error));
                if tx.is_autocommit() {
                    return Ok(false);
                }
            }
        }
    }
    tx.commit()?;
    Ok(true)
}
