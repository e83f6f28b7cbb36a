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
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::cache::{Cache, read_counter};
use super::{Failure, apply};
use crate::store::StoreError;
use crate::store::backend::Write;

/// How many jobs may wait for the writer; senders wait beyond (the queue is bounded).
const QUEUE: usize = 256;

/// The most units committed in one transaction.
const MAX_GROUP: usize = 64;

/// The WAL size, in pages, past which the writer checkpoints after a group (`SQLite`'s
/// default automatic checkpoint threshold).
const CHECKPOINT_PAGES: i32 = 1000;

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
    /// The size of the JSON each write stored, once applied.
    sizes: Vec<usize>,
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
    /// Starts the writer thread on `connection`; it keeps `cache` (if any) coherent with
    /// what it commits.
    pub(super) fn spawn(
        connection: Connection,
        cache: Option<Arc<Cache>>,
    ) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let transactions = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&transactions);
        std::thread::Builder::new()
            .name("chatkit-sqlite-writer".to_owned())
            .spawn(move || {
                let mut writer = Thread {
                    connection,
                    cache,
                    transactions: counted,
                    wal_pages: Arc::new(AtomicI32::new(0)),
                };
                writer.watch_wal();
                writer.run(queue);
            })
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
            .send(Job::Apply(Unit {
                writes,
                sizes: Vec::new(),
                reply,
            }))
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

/// The writer thread's state.
struct Thread {
    connection: Connection,
    cache: Option<Arc<Cache>>,
    transactions: Arc<AtomicU64>,
    /// The pages in the WAL after the last commit.
    wal_pages: Arc<AtomicI32>,
}

impl Thread {
    /// Replaces `SQLite`'s automatic checkpoint, which runs inside the `COMMIT` that crosses
    /// the threshold (the group's acknowledgements, and the cache's update, would wait for it),
    /// by one after the group is answered ([`Self::checkpoint`]).
    fn watch_wal(&mut self) {
        let pages = Arc::clone(&self.wal_pages);
        // Should this fail, `SQLite`'s own automatic checkpoint stays.
        let _ = self.connection.wal_hook(Some(
            move |_: &mut rusqlite::hooks::Wal, count: std::ffi::c_int| {
                pages.store(count, Ordering::Relaxed);
                Ok(())
            },
        ));
    }

    /// A passive checkpoint once the WAL has grown past the threshold: it copies what no
    /// reader still needs into the database file, without waiting for anyone.
    fn checkpoint(&self) {
        if self.wal_pages.load(Ordering::Relaxed) >= CHECKPOINT_PAGES {
            self.wal_pages.store(0, Ordering::Relaxed);
            // A failure leaves the WAL as it is; the next group tries again.
            let _ = self
                .connection
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }

    /// Takes the jobs as they come, the units queued together as one group.
    fn run(&mut self, mut queue: mpsc::Receiver<Job>) {
        let mut group = Vec::new();
        while let Some(first) = queue.blocking_recv() {
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Apply(unit) => group.push(unit),
                    Job::Run(operation) => {
                        // What was queued before it runs before it.
                        self.commit(&mut group);
                        // A panic drops the reply: the caller gets an error, the writer goes on.
                        let connection = &mut self.connection;
                        let _ = catch_unwind(AssertUnwindSafe(|| operation(connection)));
                    }
                }
                if group.len() < MAX_GROUP {
                    next = queue.try_recv().ok();
                }
            }
            self.commit(&mut group);
        }
    }

    /// Commits the units of `group` in one transaction, and answers each.
    fn commit(&mut self, group: &mut Vec<Unit>) {
        if group.is_empty() {
            return;
        }
        let mut pending = std::mem::take(group);
        loop {
            let (connection, cache) = (&mut self.connection, self.cache.as_deref());
            let attempt = catch_unwind(AssertUnwindSafe(|| {
                attempt(connection, &mut pending, cache)
            }));
            match attempt {
                Ok(Ok(Outcome::Committed(counter))) => {
                    self.transactions.fetch_add(1, Ordering::Relaxed);
                    // The cache shows the group before any unit of it is acknowledged.
                    if let (Some(cache), Some((before, after))) = (&self.cache, counter) {
                        let writes = pending
                            .iter()
                            .flat_map(|unit| unit.writes.iter().zip(unit.sizes.iter().copied()));
                        cache.committed(before, after, writes);
                    }
                    for unit in pending {
                        let _ = unit.reply.send(Ok(()));
                    }
                    self.checkpoint();
                    return;
                }
                // A failing unit took the transaction with it: it was answered and left out.
                Ok(Ok(Outcome::Retry)) => {}
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
}

/// Runs one cached statement that returns no row.
fn run_cached(connection: &Connection, sql: &str) -> Result<(), Failure> {
    connection.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// How one try at committing a group ended (short of an error of the whole group).
enum Outcome {
    /// Committed, with the change counter at the start and at the end if there is a cache.
    Committed(Option<(i64, i64)>),
    /// A unit's failure rolled the whole transaction back: try again without it.
    Retry,
}

/// An open transaction, rolled back when dropped unless committed (also when a panic unwinds
/// through it). Its statements are prepared once and cached, like the savepoints'.
struct Open<'a>(&'a Connection);

impl<'a> Open<'a> {
    /// `BEGIN IMMEDIATE`: the write lock up front, so the group never fails midway on another
    /// process's lock (it waits for the busy timeout instead).
    fn begin(connection: &'a Connection) -> Result<Self, Failure> {
        run_cached(connection, "BEGIN IMMEDIATE")?;
        Ok(Self(connection))
    }

    fn commit(self) -> Result<(), Failure> {
        run_cached(self.0, "COMMIT")
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            // Should this fail, the connection stays in the transaction and the next BEGIN
            // fails: the writer reports that rather than commit anything of this one.
            let _ = run_cached(self.0, "ROLLBACK");
        }
    }
}

/// One try at committing `pending`: once committed, [`Outcome::Committed`], with the change
/// counter at the start and at the end of the transaction if there is a `cache` (told before
/// the commit); [`Outcome::Retry`] when a unit's failure rolled the whole transaction back (that unit is answered and
/// removed, the others are to be tried again). A unit that fails otherwise is answered,
/// removed, and rolled back to its savepoint, and the others go on.
fn attempt(
    connection: &Connection,
    pending: &mut Vec<Unit>,
    cache: Option<&Cache>,
) -> Result<Outcome, Failure> {
    // Nobody else commits until this transaction does, so the counter read at both ends
    // brackets exactly this group's writes.
    let tx = Open::begin(connection)?;
    let before = match cache {
        Some(_) => Some(read_counter(connection)?),
        None => None,
    };
    let mut index = 0;
    while index < pending.len() {
        run_cached(connection, "SAVEPOINT unit")?;
        let unit = &mut pending[index];
        unit.sizes.clear();
        let applied = unit.writes.iter().try_for_each(|write| {
            unit.sizes.push(apply(connection, write)?);
            Ok::<(), Failure>(())
        });
        match applied {
            Ok(()) => {
                run_cached(connection, "RELEASE unit")?;
                index += 1;
            }
            Err(Failure(error)) => {
                let unit = pending.remove(index);
                let _ = unit.reply.send(Err(error));
                if connection.is_autocommit() {
                    return Ok(Outcome::Retry);
                }
                // The unit's writes are undone; an error here fails the whole group rather
                // than commit part of the unit.
                run_cached(connection, "ROLLBACK TO unit")?;
                run_cached(connection, "RELEASE unit")?;
            }
        }
    }
    let counter = match (before, cache) {
        (Some(before), Some(cache)) => {
            let after = read_counter(connection)?;
            cache.committing(after);
            Some((before, after))
        }
        _ => None,
    };
    tx.commit()?;
    Ok(Outcome::Committed(counter))
}
