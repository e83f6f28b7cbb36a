//! The statements of each operation of the [`Store`] contract, on one connection: the pool's
//! (each operation one statement, hence atomic) or a unit's (inside its transaction).

use std::ops::Deref;

use deadpool_postgres::ClientWrapper;
use serde::de::DeserializeOwned;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::db;
use crate::store::backend::{Backend, Op, PageQuery, StoreResult, Write};
use crate::store::sql::{Rows, fetch_limit, parse, sort_key, to_json};
use crate::store::{StoreError, backend_store, page_of, thread_id};
use crate::thread::{Attachment, ForStore, Page, ThreadItem, ThreadMetadata};

/// One connection, seen as a [`Store`]: a pooled client, or the guard of a unit's.
pub(super) struct Connection<G>(pub(super) G);

impl<G: Deref<Target = ClientWrapper>> Connection<G> {
    /// Runs `sql` as a cached prepared statement and returns its rows.
    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.0.prepare_cached(sql).await.map_err(db)?;
        self.0.query(&statement, params).await.map_err(db)
    }

    /// The `data` of a page of `rows` (whose filter reads `key`), after the one whose id is
    /// `after`: not found, by `missing`, when `rows` has no such row.
    async fn page<T: DeserializeOwned>(
        &self,
        rows: Rows,
        key: &(dyn ToSql + Sync),
        query: PageQuery<'_>,
        missing: fn(&str) -> StoreError,
    ) -> Result<Vec<T>, StoreError> {
        let PageQuery {
            after,
            limit,
            order,
            ..
        } = query;
        let fetch = fetch_limit(limit);
        let found = match after {
            None => self.query(&rows.first(order), &[key, &fetch]).await?,
            Some(after) => {
                let cursor = self.query(&rows.cursor(), &[key, &after]).await?;
                let Some(cursor) = cursor.first() else {
                    return Err(missing(after));
                };
                let created_us: i64 = cursor.try_get(0).map_err(db)?;
                let seq: i64 = cursor.try_get(1).map_err(db)?;
                self.query(&rows.after(order), &[key, &created_us, &seq, &fetch])
                    .await?
            }
        };
        datas(&found)
    }

    /// The row of `id` in `table` (threads or attachments) if `owner` owns it; not found, by
    /// `missing`, otherwise.
    async fn load_owned<T: DeserializeOwned>(
        &self,
        table: &str,
        owner: Option<&str>,
        id: &str,
        missing: fn(&str) -> StoreError,
    ) -> StoreResult<T> {
        let sql =
            format!("SELECT data FROM {table} WHERE id = $1 AND owner IS NOT DISTINCT FROM $2");
        let rows = self.query(&sql, &[&id, &owner]).await?;
        datas(&rows)?.pop().ok_or_else(|| missing(id))
    }

    /// Whether the thread exists and belongs to `owner`.
    async fn visible(&self, thread_id: &str, owner: Option<&str>) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "SELECT 1 FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2",
                &[&thread_id, &owner],
            )
            .await?;
        Ok(!rows.is_empty())
    }
}

/// Parses the `data` column (the first) of every row.
fn datas<T: DeserializeOwned>(rows: &[Row]) -> Result<Vec<T>, StoreError> {
    rows.iter()
        .map(|row| parse(row.try_get::<_, &str>(0).map_err(db)?))
        .collect()
}

#[async_trait::async_trait]
impl<G: Deref<Target = ClientWrapper> + Send + Sync + 'static> Backend for Connection<G> {
    async fn thread(&self, owner: Option<&str>, id: &str) -> StoreResult<ThreadMetadata> {
        let missing = StoreError::thread_not_found;
        self.load_owned("chatkit_threads", owner, id, missing).await
    }

    async fn items(&self, thread: &str, query: PageQuery<'_>) -> StoreResult<Page<ThreadItem>> {
        if !self.visible(thread, query.owner).await? {
            return Ok(Page::default());
        }
        let items = Rows {
            table: "chatkit_items",
            filter: "thread_id = $1",
            placeholder: '$',
        };
        let rows = self
            .page(items, &thread, query, StoreError::item_not_found)
            .await?;
        Ok(page_of(rows, query.limit, query.after, ThreadItem::id))
    }

    async fn threads(&self, query: PageQuery<'_>) -> StoreResult<Page<ThreadMetadata>> {
        // `owner = $1` (rather than IS NOT DISTINCT FROM) lets the index serve the page; the
        // shared space (NULL) has a filter of its own.
        let filter = if query.owner.is_some() {
            "owner = $1"
        } else {
            "owner IS NULL AND $1::text IS NULL"
        };
        let threads = Rows {
            table: "chatkit_threads",
            filter,
            placeholder: '$',
        };
        let rows = self
            .page(threads, &query.owner, query, StoreError::thread_not_found)
            .await?;
        Ok(page_of(rows, query.limit, query.after, thread_id))
    }

    async fn item(&self, owner: Option<&str>, thread: &str, id: &str) -> StoreResult<ThreadItem> {
        let rows = self
            .query(
                "SELECT i.data FROM chatkit_threads t \
                 LEFT JOIN chatkit_items i ON i.thread_id = t.id AND i.id = $3 \
                 WHERE t.id = $1 AND t.owner IS NOT DISTINCT FROM $2",
                &[&thread, &owner, &id],
            )
            .await?;
        let Some(row) = rows.first() else {
            return Err(StoreError::thread_not_found(thread));
        };
        match row.try_get::<_, Option<&str>>(0).map_err(db)? {
            Some(data) => parse(data),
            None => Err(StoreError::item_not_found(id)),
        }
    }

    async fn attachment(&self, owner: Option<&str>, id: &str) -> StoreResult<Attachment> {
        let missing = StoreError::attachment_not_found;
        self.load_owned("chatkit_attachments", owner, id, missing)
            .await
    }

    async fn write(&self, write: Write) -> StoreResult<()> {
        let (sql, params) = statement(&write)?;
        let statement = self.0.prepare_cached(sql).await.map_err(db)?;
        self.0
            .query(&statement, &borrowed(&params))
            .await
            .map(drop)
            .map_err(|error| failure(&write.op, error))
    }
}

backend_store! {
    impl[G: Deref<Target = ClientWrapper> + Send + Sync + 'static,] Store<C> for Connection<G> {}
}

impl<G: Deref<Target = ClientWrapper>> Connection<G> {
    /// The owner of the row `id` of `table` (threads or attachments), whatever the scope:
    /// `None` if there is no such row.
    pub(super) async fn owner_of(
        &self,
        table: &str,
        id: &str,
    ) -> Result<Option<Option<String>>, StoreError> {
        let sql = format!("SELECT owner FROM {table} WHERE id = $1");
        let rows = self.query(&sql, &[&id]).await?;
        rows.first()
            .map(|row| row.try_get::<_, Option<String>>(0).map_err(db))
            .transpose()
    }
}

/// A parameter of a write, owned: a unit of work builds the statements of all its writes
/// before it sends them together.
pub(super) type Param = Box<dyn ToSql + Sync + Send>;

/// The parameters as the driver takes them.
pub(super) fn borrowed(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|param| &**param as &(dyn ToSql + Sync))
        .collect()
}

// The statement of each write: one statement, hence atomic outside a unit, which fails unless
// the write found what it needs (`chatkit_written`, migration 2): with `no_data_found` when
// the thread or attachment is not the writer's (or is gone), and with `unique_violation` when
// `add_thread_item` finds the id taken. Failing, it aborts the transaction it runs in, so a
// unit's writes sent together with their `COMMIT` commit all or none.

/// An insert, or an update of the owner's own row only.
const SAVE_THREAD: &str = "WITH written AS ( \
        INSERT INTO chatkit_threads (id, owner, created_us, data) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (id) DO UPDATE SET created_us = EXCLUDED.created_us, data = EXCLUDED.data \
        WHERE chatkit_threads.owner IS NOT DISTINCT FROM EXCLUDED.owner RETURNING 1) \
    SELECT chatkit_written(EXISTS (SELECT 1 FROM written), false, 'thread ' || $1::text)";

/// Inserted only into a visible thread, and only if the id is new.
const ADD_ITEM: &str = "WITH visible AS (SELECT EXISTS ( \
            SELECT 1 FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $5) AS yes), \
        written AS ( \
            INSERT INTO chatkit_items (thread_id, id, created_us, data) \
            SELECT $1, $2, $3, $4 FROM visible WHERE yes \
            ON CONFLICT (thread_id, id) DO NOTHING RETURNING 1) \
    SELECT chatkit_written(EXISTS (SELECT 1 FROM written), yes, \
        'item ' || $2::text || ' of thread ' || $1::text) FROM visible";

/// The upsert keeps an existing row's `seq`, hence its place among its ties.
const SAVE_ITEM: &str = "WITH visible AS (SELECT EXISTS ( \
            SELECT 1 FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $5) AS yes), \
        written AS ( \
            INSERT INTO chatkit_items (thread_id, id, created_us, data) \
            SELECT $1, $2, $3, $4 FROM visible WHERE yes \
            ON CONFLICT (thread_id, id) \
            DO UPDATE SET created_us = EXCLUDED.created_us, data = EXCLUDED.data RETURNING 1) \
    SELECT chatkit_written(EXISTS (SELECT 1 FROM written), false, 'thread ' || $1::text)";

/// The items go with it (ON DELETE CASCADE).
const DELETE_THREAD: &str = "WITH deleted AS ( \
        DELETE FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2 RETURNING 1) \
    SELECT chatkit_written(EXISTS (SELECT 1 FROM deleted), false, 'thread ' || $1::text)";

/// The delete happens only in a visible thread, and fails only when the thread is not
/// visible (an item already gone is no error).
const DELETE_ITEM: &str = "WITH thread AS ( \
        SELECT id FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2), \
    deleted AS ( \
        DELETE FROM chatkit_items WHERE thread_id IN (SELECT id FROM thread) AND id = $3) \
    SELECT chatkit_written(EXISTS (SELECT 1 FROM thread), false, 'thread ' || $1::text)";

/// An insert, or an update of the owner's own row only.
const SAVE_ATTACHMENT: &str = "WITH written AS ( \
        INSERT INTO chatkit_attachments (id, owner, data) VALUES ($1, $2, $3) \
        ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data \
        WHERE chatkit_attachments.owner IS NOT DISTINCT FROM EXCLUDED.owner RETURNING 1) \
    SELECT chatkit_written(EXISTS (SELECT 1 FROM written), false, 'attachment ' || $1::text)";

const DELETE_ATTACHMENT: &str = "WITH deleted AS ( \
        DELETE FROM chatkit_attachments WHERE id = $1 AND owner IS NOT DISTINCT FROM $2 \
        RETURNING 1) \
    SELECT chatkit_written(EXISTS (SELECT 1 FROM deleted), false, 'attachment ' || $1::text)";

/// The statement of `write` and its parameters (see the constants above).
pub(super) fn statement(write: &Write) -> Result<(&'static str, Vec<Param>), StoreError> {
    fn text(value: &str) -> Param {
        Box::new(value.to_owned())
    }
    let owner: Param = Box::new(write.owner.clone());
    Ok(match &write.op {
        Op::SaveThread(thread) => {
            let (data, created_us) = (to_json(thread)?, sort_key(&thread.created_at));
            let params = vec![
                text(&thread.id),
                owner,
                Box::new(created_us),
                Box::new(data),
            ];
            (SAVE_THREAD, params)
        }
        Op::AddItem { thread_id, item } | Op::SaveItem { thread_id, item } => {
            let sql = if matches!(write.op, Op::AddItem { .. }) {
                ADD_ITEM
            } else {
                SAVE_ITEM
            };
            let data = to_json(&ForStore(item))?;
            let created_us = sort_key(item.created_at());
            let params = vec![
                text(thread_id),
                text(item.id()),
                Box::new(created_us),
                Box::new(data),
                owner,
            ];
            (sql, params)
        }
        Op::DeleteThread(thread_id) => (DELETE_THREAD, vec![text(thread_id), owner]),
        Op::DeleteItem { thread_id, item_id } => {
            (DELETE_ITEM, vec![text(thread_id), owner, text(item_id)])
        }
        Op::SaveAttachment(attachment) => {
            let data = to_json(&ForStore(attachment))?;
            let params = vec![text(attachment.id()), owner, Box::new(data)];
            (SAVE_ATTACHMENT, params)
        }
        Op::DeleteAttachment(id) => (DELETE_ATTACHMENT, vec![text(id), owner]),
    })
}

/// The error of a write's statement: the store's own when `chatkit_written` refused it.
pub(super) fn failure(op: &Op, error: tokio_postgres::Error) -> StoreError {
    let code = error.as_db_error().map(|server| server.code().clone());
    match (op, code) {
        (Op::AddItem { item, .. }, Some(code)) if code == SqlState::UNIQUE_VIOLATION => {
            StoreError::Conflict(item.id().to_owned())
        }
        (Op::SaveAttachment(attachment), Some(code)) if code == SqlState::NO_DATA_FOUND => {
            StoreError::attachment_not_found(attachment.id())
        }
        (Op::DeleteAttachment(id), Some(code)) if code == SqlState::NO_DATA_FOUND => {
            StoreError::attachment_not_found(id)
        }
        (op, Some(code)) if code == SqlState::NO_DATA_FOUND => {
            StoreError::thread_not_found(op.thread_id().unwrap_or_default())
        }
        _ => db(error),
    }
}
