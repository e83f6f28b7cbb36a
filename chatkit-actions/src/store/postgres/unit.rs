//! The units of work of the [`PostgresStore`](super::PostgresStore): a transaction on one pooled
//! connection, holding the thread's advisory lock until it commits or rolls back.

use std::sync::Arc;

use deadpool_postgres::{ClientWrapper, Object};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use super::db;
use super::queries::Connection;
use crate::store::forward::RollbackOnFailure;
use crate::store::{StoreError, StoreScope, StoreTransaction, forward_store};

fn ended() -> StoreError {
    StoreError::backend("this unit of work has already been committed or rolled back")
}

/// A unit of work of the [`PostgresStore`](super::PostgresStore): an open transaction on one
/// pooled connection, holding the thread's advisory lock.
pub(super) struct PostgresUnit {
    /// `None` once the unit has ended.
    client: Arc<Mutex<Option<Object>>>,
}

impl PostgresUnit {
    /// Opens a transaction on `client` and takes the advisory lock of `thread_id` in it. The
    /// unit rolls back at the commit once a statement failed (PostgreSQL aborts the
    /// transaction, and would answer the `COMMIT` with a rollback and no error).
    pub(super) async fn begin<C: StoreScope + Send + Sync + 'static>(
        client: Object,
        thread_id: &str,
    ) -> Result<Arc<dyn StoreTransaction<C>>, StoreError> {
        // A lock per (schema, thread): stores in other schemas of the database don't wait for
        // each other.
        let lock =
            "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))";
        let statement = client.prepare_cached(lock).await.map_err(db)?;
        // `BEGIN` and the lock in one round trip: the driver pipelines the requests of one
        // connection polled together, and the server runs them in order. Should `BEGIN` fail,
        // the lock is taken outside any transaction (and released at once), and the unit is
        // not begun.
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&thread_id];
        let (begun, locked) = tokio::join!(
            client.batch_execute("BEGIN"),
            client.execute(&statement, &params)
        );
        let unit = PostgresUnit {
            client: Arc::new(Mutex::new(Some(client))),
        };
        // Dropping the unit on an error rolls back (and returns the connection).
        begun.map_err(db)?;
        locked.map_err(db)?;
        Ok(Arc::new(RollbackOnFailure::new(unit)))
    }

    /// The unit's connection, for one operation.
    async fn connection(
        &self,
    ) -> Result<OwnedMappedMutexGuard<Option<Object>, ClientWrapper>, StoreError> {
        let guard = Arc::clone(&self.client).lock_owned().await;
        OwnedMutexGuard::try_map(guard, |client| client.as_mut().map(|client| &mut **client))
            .map_err(|_| ended())
    }

    /// Ends the transaction with `COMMIT` or `ROLLBACK`; the connection goes back to the pool.
    async fn end(&self, statement: &str) -> Result<(), StoreError> {
        let client = self.client.lock().await.take().ok_or_else(ended)?;
        match client.batch_execute(statement).await {
            Ok(()) => Ok(()),
            Err(error) => {
                // The connection's state is unknown: close it rather than reuse it.
                drop(Object::take(client));
                Err(db(error))
            }
        }
    }
}

impl Drop for PostgresUnit {
    /// A unit dropped before its end rolls back: on a task when a Tokio runtime is at hand
    /// (the connection then goes back to the pool), else by closing the connection, which
    /// the server rolls back.
    fn drop(&mut self) {
        // No operation is under way (each borrows the unit), so the lock is free.
        let Some(client) = self
            .client
            .try_lock()
            .ok()
            .and_then(|mut client| client.take())
        else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if client.batch_execute("ROLLBACK").await.is_err() {
                        drop(Object::take(client));
                    }
                });
            }
            Err(_) => drop(Object::take(client)),
        }
    }
}

forward_store! {
    impl[C: StoreScope + Send + Sync + 'static] Store<C> for PostgresUnit {
        store: |this| Connection(this.connection().await?),
        result: |result| result,
    }
}

#[async_trait::async_trait]
impl<C: StoreScope + Send + Sync + 'static> StoreTransaction<C> for PostgresUnit {
    async fn commit(&self) -> Result<(), StoreError> {
        self.end("COMMIT").await
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        self.end("ROLLBACK").await
    }
}
