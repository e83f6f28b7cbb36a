//! The units of work of the [`PostgresStore`](super::PostgresStore): a transaction on one pooled
//! connection, holding the thread's advisory lock until it commits or rolls back.
//!
//! A unit reads inside its transaction, and stages its writes (`store::staged`: checked as
//! they come, read back by the unit); at the commit it sends them all and the `COMMIT` in one
//! go, pipelined on the connection, and waits for the answers once. Each write is one
//! statement that fails unless it found what it needs (see `queries`), so a write that a
//! change outside any unit made impossible meanwhile aborts the transaction, and the `COMMIT`
//! behind it commits nothing.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use deadpool_postgres::{ClientWrapper, Object};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
use tokio_postgres::Row;

use super::db;
use super::queries::{Connection, borrowed, failure, statement};
use crate::store::backend::{ApplyWrites, Backend, PageQuery, StoreResult, Write};
use crate::store::{StoreError, StoreScope, StoreTransaction, forward_store, staged};
use crate::thread::{Attachment, Page, ThreadItem, ThreadMetadata};

fn ended() -> StoreError {
    StoreError::backend("this unit of work has already been committed or rolled back")
}

/// A unit of work of the [`PostgresStore`](super::PostgresStore): its staged writes over its
/// transaction.
pub(super) struct PostgresUnit<C> {
    /// The staged unit, over `transaction`; it rolls back once an operation failed.
    staged: Arc<dyn StoreTransaction<C>>,
    transaction: Transaction,
}

impl<C: StoreScope + Send + Sync + 'static> PostgresUnit<C> {
    /// Opens a transaction on `client` and takes the advisory lock of `thread_id` in it.
    pub(super) async fn begin(
        client: Object,
        thread_id: &str,
    ) -> Result<Arc<dyn StoreTransaction<C>>, StoreError> {
        let transaction = Transaction::begin(client, thread_id).await?;
        Ok(Arc::new(PostgresUnit {
            staged: staged::begin(transaction.clone()),
            transaction,
        }))
    }
}

forward_store! {
    impl[C: StoreScope + Send + Sync + 'static] Store<C> for PostgresUnit<C> {
        store: |this| this.staged,
        result: |result| result,
    }
}

#[async_trait::async_trait]
impl<C: StoreScope + Send + Sync + 'static> StoreTransaction<C> for PostgresUnit<C> {
    /// Sends the staged writes with the `COMMIT` (a unit without writes just commits); a unit
    /// whose operation failed rolls back.
    async fn commit(&self) -> Result<(), StoreError> {
        let result = self.staged.commit().await;
        // Already ended when the staged writes were sent with their `COMMIT`.
        let statement = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.transaction.end_if_open(statement).await;
        result.and(ended)
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        let result = self.staged.rollback().await;
        let ended = self.transaction.end_if_open("ROLLBACK").await;
        result.and(ended)
    }
}

/// The transaction of a unit: its connection until the unit ends. Clones share it.
#[derive(Clone)]
pub(super) struct Transaction(Arc<Open>);

struct Open {
    /// `None` once the transaction has ended.
    client: Arc<Mutex<Option<Object>>>,
}

impl Transaction {
    /// Opens a transaction on `client` and takes the advisory lock of `thread_id` in it.
    async fn begin(client: Object, thread_id: &str) -> Result<Self, StoreError> {
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
        let transaction = Transaction(Arc::new(Open {
            client: Arc::new(Mutex::new(Some(client))),
        }));
        // Dropping the transaction on an error rolls back (and returns the connection).
        begun.map_err(db)?;
        locked.map_err(db)?;
        Ok(transaction)
    }

    /// The transaction's connection, for one operation.
    async fn connection(
        &self,
    ) -> Result<Connection<OwnedMappedMutexGuard<Option<Object>, ClientWrapper>>, StoreError> {
        let guard = Arc::clone(&self.0.client).lock_owned().await;
        let client =
            OwnedMutexGuard::try_map(guard, |client| client.as_mut().map(|client| &mut **client))
                .map_err(|_| ended())?;
        Ok(Connection(client))
    }

    /// Ends the transaction with `statement` (`COMMIT` or `ROLLBACK`) unless it has ended; the
    /// connection goes back to the pool.
    async fn end_if_open(&self, statement: &str) -> Result<(), StoreError> {
        let Some(client) = self.0.client.lock().await.take() else {
            return Ok(());
        };
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

impl Drop for Open {
    /// A transaction dropped before its end rolls back: on a task when a Tokio runtime is at
    /// hand (the connection then goes back to the pool), else by closing the connection,
    /// which the server rolls back.
    fn drop(&mut self) {
        // No operation is under way (each borrows the transaction), so the lock is free.
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

/// The reads of a staged unit, inside the transaction.
#[async_trait::async_trait]
impl Backend for Transaction {
    async fn thread(&self, owner: Option<&str>, id: &str) -> StoreResult<ThreadMetadata> {
        self.connection().await?.thread(owner, id).await
    }

    async fn items(&self, thread: &str, query: PageQuery<'_>) -> StoreResult<Page<ThreadItem>> {
        self.connection().await?.items(thread, query).await
    }

    async fn threads(&self, query: PageQuery<'_>) -> StoreResult<Page<ThreadMetadata>> {
        self.connection().await?.threads(query).await
    }

    async fn item(&self, owner: Option<&str>, thread: &str, id: &str) -> StoreResult<ThreadItem> {
        self.connection().await?.item(owner, thread, id).await
    }

    async fn attachment(&self, owner: Option<&str>, id: &str) -> StoreResult<Attachment> {
        self.connection().await?.attachment(owner, id).await
    }

    async fn write(&self, write: Write) -> StoreResult<()> {
        self.connection().await?.write(write).await
    }
}

#[async_trait::async_trait]
impl ApplyWrites for Transaction {
    async fn thread_owner(&self, thread_id: &str) -> Result<Option<Option<String>>, StoreError> {
        let connection = self.connection().await?;
        connection.owner_of("chatkit_threads", thread_id).await
    }

    async fn attachment_owner(
        &self,
        attachment_id: &str,
    ) -> Result<Option<Option<String>>, StoreError> {
        let connection = self.connection().await?;
        connection
            .owner_of("chatkit_attachments", attachment_id)
            .await
    }

    /// Sends `writes` and the `COMMIT` together, and ends the transaction.
    async fn apply_writes(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let client = self.0.client.lock().await.take().ok_or_else(ended)?;
        let (result, reusable) = commit_with(&client, &writes).await;
        if !reusable {
            // The connection's state is unknown: close it rather than reuse it.
            drop(Object::take(client));
        }
        result
    }
}

/// A request on the connection, sent when first polled.
type Request<'a, T> = Pin<Box<dyn Future<Output = Result<T, tokio_postgres::Error>> + Send + 'a>>;

/// Sends the statements of `writes` and then `COMMIT` on `client`, pipelined (one round trip),
/// and returns the outcome and whether the connection is fit for reuse (its transaction
/// ended). The server runs the requests in order; a write that fails aborts the
/// transaction, and the server answers the `COMMIT` behind it with a rollback.
async fn commit_with(client: &ClientWrapper, writes: &[Write]) -> (Result<(), StoreError>, bool) {
    let mut prepared = Vec::with_capacity(writes.len());
    let mut params = Vec::with_capacity(writes.len());
    for write in writes {
        // Prepared once per connection (the cache answers at once afterwards); all are
        // prepared before any is sent, so that they go out in order.
        let built = match statement(write) {
            Ok((sql, values)) => client.prepare_cached(sql).await.map(|s| (s, values)),
            Err(error) => return (Err(error), rollback(client).await),
        };
        match built {
            Ok((statement, values)) => {
                prepared.push(statement);
                params.push(values);
            }
            Err(error) => return (Err(db(error)), rollback(client).await),
        }
    }
    let params: Vec<_> = params.iter().map(|values| borrowed(values)).collect();
    let mut requests: Vec<Request<'_, Vec<Row>>> = prepared
        .iter()
        .zip(&params)
        .map(|(statement, params)| Box::pin(client.query(statement, params)) as Request<'_, _>)
        .collect();
    let mut answers: Vec<Option<Result<Vec<Row>, tokio_postgres::Error>>> =
        writes.iter().map(|_| None).collect();
    let mut end: Option<Request<'_, ()>> = None;
    let mut ended = None;
    poll_fn(|cx| {
        let mut waiting = false;
        // Each request is sent at its first poll: the writes in order, then the end.
        for (request, answer) in requests.iter_mut().zip(answers.iter_mut()) {
            if answer.is_none() {
                match request.as_mut().poll(cx) {
                    Poll::Ready(result) => *answer = Some(result),
                    Poll::Pending => waiting = true,
                }
            }
        }
        let end = end.get_or_insert_with(|| {
            // A write that failed before it was sent (it could not be encoded) would leave the
            // transaction open to commit the others: then the end is a `ROLLBACK`.
            let unsent = answers.iter().any(|answer| matches!(answer, Some(Err(_))));
            let statement = if unsent { "ROLLBACK" } else { "COMMIT" };
            Box::pin(client.batch_execute(statement))
        });
        if ended.is_none() {
            match end.as_mut().poll(cx) {
                Poll::Ready(result) => ended = Some(result),
                Poll::Pending => waiting = true,
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    let reusable = matches!(ended, Some(Ok(())));
    for (write, answer) in writes.iter().zip(answers) {
        if let Some(Err(error)) = answer {
            // The transaction was rolled back.
            return (Err(failure(&write.op, error)), reusable);
        }
    }
    match ended {
        Some(Ok(())) => (Ok(()), true),
        Some(Err(error)) => (Err(db(error)), false),
        None => (Err(ended_early()), false),
    }
}

/// Never: the loop above returns once every request was answered.
fn ended_early() -> StoreError {
    StoreError::backend("the commit ended before PostgreSQL answered it")
}

/// Rolls the transaction back; whether the connection is fit for reuse.
async fn rollback(client: &ClientWrapper) -> bool {
    client.batch_execute("ROLLBACK").await.is_ok()
}
