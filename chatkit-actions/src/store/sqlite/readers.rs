//! The read connections of a [`SqliteStore`](super::SqliteStore) on a file: a small pool, so
//! that reads run beside the writer and beside one another (WAL lets readers read the last
//! commit while a transaction is open). A reader never sees a transaction before its commit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::{BUSY_TIMEOUT, Failure, STATEMENT_CACHE};
use crate::store::StoreError;

/// The read connections of one database file.
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection: at most that many reads at once, the others wait here.
    permits: Arc<Semaphore>,
}

impl Readers {
    /// `count` read connections to the database at `path`, opened as they are first needed.
    pub(super) fn new(path: &Path, count: usize) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::with_capacity(count)),
            permits: Arc::new(Semaphore::new(count)),
        }
    }

    /// Runs `operation` on an idle read connection, on the blocking pool. If the caller stops
    /// waiting, the operation still runs to its end.
    pub(super) async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        operation: impl FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, StoreError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(StoreError::backend)?;
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let idle = readers.idle().pop();
            let mut connection = match idle {
                Some(connection) => connection,
                // Not opened yet, or lost to a panic.
                None => open(&readers.path)?,
            };
            let result = operation(&mut connection);
            // A connection left inside a transaction (it could not end it) is not reused.
            if connection.is_autocommit() {
                readers.idle().push(connection);
            }
            drop(permit);
            result
        })
        .await
        .map_err(StoreError::backend)?
        .map_err(StoreError::from)
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A read connection: reads only, waits for locks as the writer does.
pub(super) fn open(path: &Path) -> Result<Connection, Failure> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    connection.pragma_update(None, "query_only", true)?;
    // Pages of the database file are read from a mapping of it rather than copied in by
    // `pread` into each connection's page cache (pages still in the WAL are read as before).
    connection.pragma_update(None, "mmap_size", super::MMAP_SIZE)?;
    Ok(connection)
}
