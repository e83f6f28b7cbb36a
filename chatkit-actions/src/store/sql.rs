//! What the two SQL stores ([`SqliteStore`](super::SqliteStore) and `PostgresStore`) share:
//! the columns that order a row, the JSON that holds it, the check of the schema version, and
//! the statements that read a page of rows.
//!
//! Both keep threads, items and attachments as JSON text in a `data` column, beside the
//! columns that scope them (`owner`, `thread_id`) and order them: `created_us`, `created_at`
//! in microseconds since the Unix epoch, and `seq`, the insertion order that breaks ties.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use crate::thread::{SortOrder, Timestamp};

/// The sort key of a timestamp: microseconds since the Unix epoch.
pub(super) fn sort_key(timestamp: &Timestamp) -> i64 {
    timestamp.instant().timestamp_micros()
}

/// The `LIMIT` that fetches one row past `limit`, to learn whether more follow.
pub(super) fn fetch_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

/// A row's `data`, parsed.
pub(super) fn parse<T: DeserializeOwned>(data: &str) -> Result<T, StoreError> {
    serde_json::from_str(data).map_err(StoreError::backend)
}

/// A value as the JSON of a `data` column.
pub(super) fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::backend)
}

/// The schema version a database says it has, if this version of the crate knows it (it knows
/// `known` migrations).
pub(super) fn known_version(version: i64, known: usize) -> Result<usize, StoreError> {
    usize::try_from(version)
        .ok()
        .filter(|&version| version <= known)
        .ok_or_else(|| {
            StoreError::backend(format!(
                "the database has schema version {version}; this version of chatkit-actions \
                 knows versions up to {known}"
            ))
        })
}

/// The rows a page is read from: those of `table` that `filter` keeps. `filter` reads the
/// first parameter of each statement; `placeholder` is the character of the driver's numbered
/// parameters (`?` for `SQLite`, `$` for PostgreSQL).
#[derive(Debug, Clone, Copy)]
pub(super) struct Rows {
    pub(super) table: &'static str,
    pub(super) filter: &'static str,
    pub(super) placeholder: char,
}

impl Rows {
    /// The position (`created_us`, `seq`) of the row whose id is the second parameter.
    pub(super) fn cursor(self) -> String {
        let Rows { table, filter, .. } = self;
        format!(
            "SELECT created_us, seq FROM {table} WHERE {filter} AND id = {}",
            self.param(2)
        )
    }

    /// The `data` of the first rows in `order`, as many as the second parameter says.
    pub(super) fn first(self, order: SortOrder) -> String {
        let Rows { table, filter, .. } = self;
        format!(
            "SELECT data FROM {table} WHERE {filter} {}",
            self.order_by(order, 2)
        )
    }

    /// The `data` of the rows after the position (`created_us`, `seq`) of the second and third
    /// parameters, in `order`, as many as the fourth says.
    pub(super) fn after(self, order: SortOrder) -> String {
        let Rows { table, filter, .. } = self;
        let compare = match order {
            SortOrder::Asc => '>',
            SortOrder::Desc => '<',
        };
        let (created_us, seq) = (self.param(2), self.param(3));
        format!(
            "SELECT data FROM {table} WHERE {filter} \
             AND (created_us, seq) {compare} ({created_us}, {seq}) {}",
            self.order_by(order, 4)
        )
    }

    /// `ORDER BY` the position in `order`, `LIMIT` the parameter `limit`.
    fn order_by(self, order: SortOrder, limit: usize) -> String {
        let direction = match order {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        };
        format!(
            "ORDER BY created_us {direction}, seq {direction} LIMIT {}",
            self.param(limit)
        )
    }

    /// The numbered parameter `n`.
    fn param(self, n: usize) -> String {
        format!("{}{n}", self.placeholder)
    }
}
