//! The schema of the [`PostgresStore`] and its migrations.

use super::{PostgresStore, db};
use crate::store::StoreError;
use crate::store::sql::known_version;

/// The schema, one migration per version: `MIGRATIONS[n]` is version `n + 1`. Append only;
/// never edit a released migration.
///
/// `owner` is the scope of the context that created the row (NULL: the shared space).
/// `created_us` is `created_at` in microseconds since the Unix epoch (the sort key; the JSON
/// in `data` keeps the original spelling), and `seq` the insertion order that breaks ties.
pub const MIGRATIONS: &[&str] = &[
    // Version 1.
    "CREATE TABLE chatkit_threads (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT,
        created_us BIGINT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX chatkit_threads_by_owner ON chatkit_threads (owner, created_us, seq);
    CREATE TABLE chatkit_items (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        thread_id TEXT NOT NULL REFERENCES chatkit_threads (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        created_us BIGINT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (thread_id, id)
    );
    CREATE INDEX chatkit_items_by_thread ON chatkit_items (thread_id, created_us, seq);
    CREATE TABLE chatkit_attachments (
        id TEXT PRIMARY KEY,
        owner TEXT,
        data TEXT NOT NULL
    );",
    // Version 2: the check that makes each write one statement that fails unless it found what
    // it needs (so a unit's writes can be sent together with their `COMMIT`).
    "CREATE FUNCTION chatkit_written(written BOOLEAN, conflict BOOLEAN, what TEXT)
    RETURNS VOID LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT written THEN
            IF conflict THEN
                RAISE EXCEPTION USING ERRCODE = 'unique_violation', MESSAGE = what || ' already exists';
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = what || ' not found';
        END IF;
    END
    $$;",
];

/// The advisory lock key that serializes migrations (an arbitrary constant).
const MIGRATION_LOCK: i64 = 0x0063_6861_746b_6974; // "chatkit" in ASCII

impl PostgresStore {
    /// Applies the migrations the database lacks, in one transaction, and returns the schema
    /// version it is now at. Safe to run at any time, from any number of processes at once.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the database fails, or has a schema version newer than
    /// this version of the crate knows.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS chatkit_schema_migrations (
                version INTEGER PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .await
        .map_err(db)?;
        let row = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM chatkit_schema_migrations",
                &[],
            )
            .await
            .map_err(db)?;
        let version: i32 = row.get(0);
        let known = MIGRATIONS.len();
        let current = known_version(version.into(), known)?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(current) {
            tx.batch_execute(migration).await.map_err(db)?;
            let version = i32::try_from(index + 1).map_err(StoreError::backend)?;
            tx.execute(
                "INSERT INTO chatkit_schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(known)
    }
}
