//! The statements of each operation of the [`Store`] contract, on one connection: the pool's
//! (each operation one statement, hence atomic) or a unit's (inside its transaction).

use std::ops::Deref;

use deadpool_postgres::ClientWrapper;
use serde::de::DeserializeOwned;
use tokio_postgres::Row;
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

    /// Runs `sql` as a cached prepared statement and returns how many rows it changed.
    pub(super) async fn execute(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let statement = self.0.prepare_cached(sql).await.map_err(db)?;
        self.0.execute(&statement, params).await.map_err(db)
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

    /// Inserts `item` into the thread if it is visible to `owner`; `on_conflict` says what
    /// happens to an item of the same id. How many rows it wrote.
    async fn insert_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        owner: Option<&str>,
        on_conflict: &str,
    ) -> Result<u64, StoreError> {
        let data = to_json(&ForStore(item))?;
        let sql = format!(
            "INSERT INTO chatkit_items (thread_id, id, created_us, data) \
             SELECT $1, $2, $3, $4 WHERE EXISTS ( \
                 SELECT 1 FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $5) \
             ON CONFLICT (thread_id, id) {on_conflict}"
        );
        let created_us = sort_key(item.created_at());
        let params: [&(dyn ToSql + Sync); 5] = [&thread_id, &item.id(), &created_us, &data, &owner];
        self.execute(&sql, &params).await
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
        let owner = write.owner.as_deref();
        match &write.op {
            Op::SaveThread(thread) => self.save_thread(owner, thread).await,
            Op::AddItem { thread_id, item } => self.add_item(owner, thread_id, item).await,
            Op::SaveItem { thread_id, item } => self.save_item(owner, thread_id, item).await,
            Op::DeleteThread(thread_id) => self.delete_thread(owner, thread_id).await,
            Op::DeleteItem { thread_id, item_id } => {
                self.delete_item(owner, thread_id, item_id).await
            }
            Op::SaveAttachment(attachment) => self.save_attachment(owner, attachment).await,
            Op::DeleteAttachment(id) => self.delete_attachment(owner, id).await,
        }
    }
}

backend_store! {
    impl[G: Deref<Target = ClientWrapper> + Send + Sync + 'static,] Store<C> for Connection<G> {}
}

/// The writes, each one statement (hence atomic outside a unit) on behalf of `owner`.
impl<G: Deref<Target = ClientWrapper>> Connection<G> {
    async fn save_thread(&self, owner: Option<&str>, thread: &ThreadMetadata) -> StoreResult<()> {
        let data = to_json(thread)?;
        // An insert, or an update of the owner's own row only.
        let sql = "INSERT INTO chatkit_threads (id, owner, created_us, data) \
                   VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (id) DO UPDATE \
                   SET created_us = EXCLUDED.created_us, data = EXCLUDED.data \
                   WHERE chatkit_threads.owner IS NOT DISTINCT FROM EXCLUDED.owner";
        let created_us = sort_key(&thread.created_at);
        let changed = self
            .execute(sql, &[&thread.id, &owner, &created_us, &data])
            .await?;
        found(changed, || StoreError::thread_not_found(&thread.id))
    }

    async fn add_item(
        &self,
        owner: Option<&str>,
        thread: &str,
        item: &ThreadItem,
    ) -> StoreResult<()> {
        // Inserted only into a visible thread, and only if the id is new.
        let inserted = self.insert_item(thread, item, owner, "DO NOTHING").await?;
        if inserted == 1 {
            Ok(())
        } else if self.visible(thread, owner).await? {
            Err(StoreError::Conflict(item.id().to_owned()))
        } else {
            Err(StoreError::thread_not_found(thread))
        }
    }

    async fn save_item(
        &self,
        owner: Option<&str>,
        thread: &str,
        item: &ThreadItem,
    ) -> StoreResult<()> {
        // The upsert keeps an existing row's `seq`, hence its place among its ties.
        let update = "DO UPDATE SET created_us = EXCLUDED.created_us, data = EXCLUDED.data";
        let changed = self.insert_item(thread, item, owner, update).await?;
        found(changed, || StoreError::thread_not_found(thread))
    }

    async fn delete_thread(&self, owner: Option<&str>, id: &str) -> StoreResult<()> {
        // The items go with it (ON DELETE CASCADE).
        let sql = "DELETE FROM chatkit_threads WHERE id = $1 AND owner IS NOT DISTINCT FROM $2";
        let deleted = self.execute(sql, &[&id, &owner]).await?;
        found(deleted, || StoreError::thread_not_found(id))
    }

    async fn delete_item(&self, owner: Option<&str>, thread: &str, id: &str) -> StoreResult<()> {
        // The delete happens only in a visible thread, and the answer says whether the thread
        // was visible.
        let sql = "WITH thread AS ( \
                       SELECT id FROM chatkit_threads \
                       WHERE id = $1 AND owner IS NOT DISTINCT FROM $2), \
                   deleted AS ( \
                       DELETE FROM chatkit_items \
                       WHERE thread_id IN (SELECT id FROM thread) AND id = $3) \
                   SELECT 1 FROM thread";
        let rows = self.query(sql, &[&thread, &owner, &id]).await?;
        found(u64::from(!rows.is_empty()), || {
            StoreError::thread_not_found(thread)
        })
    }

    async fn save_attachment(
        &self,
        owner: Option<&str>,
        attachment: &Attachment,
    ) -> StoreResult<()> {
        let data = to_json(&ForStore(attachment))?;
        // An insert, or an update of the owner's own row only.
        let sql = "INSERT INTO chatkit_attachments (id, owner, data) VALUES ($1, $2, $3) \
                   ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data \
                   WHERE chatkit_attachments.owner IS NOT DISTINCT FROM EXCLUDED.owner";
        let id = attachment.id();
        let changed = self.execute(sql, &[&id, &owner, &data]).await?;
        found(changed, || StoreError::attachment_not_found(id))
    }

    async fn delete_attachment(&self, owner: Option<&str>, id: &str) -> StoreResult<()> {
        let sql = "DELETE FROM chatkit_attachments WHERE id = $1 AND owner IS NOT DISTINCT FROM $2";
        let deleted = self.execute(sql, &[&id, &owner]).await?;
        found(deleted, || StoreError::attachment_not_found(id))
    }
}

/// Whether a statement found its row (it changed or returned `rows` of them): not found, by
/// `missing`, when it did not.
fn found(rows: u64, missing: impl FnOnce() -> StoreError) -> StoreResult<()> {
    if rows == 0 { Err(missing()) } else { Ok(()) }
}
