//! The PostgreSQL store against a real server (`CHATKIT_POSTGRES_URL`); without one, each
//! test says so on stderr and checks nothing.

use std::sync::Arc;
use std::time::Duration;

use super::{MIGRATIONS, PostgresStore};
use crate::store::testing::{TestContext, run_suite, run_unit_suite};
use crate::store::{Store, StoreError, StoreTransaction};
use crate::thread::{AssistantMessageItem, SortOrder, ThreadItem, ThreadMetadata, Timestamp};

/// A store in a fresh schema of the test server (`CHATKIT_POSTGRES_URL`), or `None`, said
/// on stderr, when no server is configured.
async fn fresh() -> Option<PostgresStore> {
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    in_schema(&schema).await
}

async fn in_schema(schema: &str) -> Option<PostgresStore> {
    let Ok(url) = std::env::var("CHATKIT_POSTGRES_URL") else {
        eprintln!("skipped: CHATKIT_POSTGRES_URL is not set (see docs/postgres.md)");
        return None;
    };
    Some(
        PostgresStore::connect_in_schema(&url, schema, 4)
            .await
            .expect("connect to CHATKIT_POSTGRES_URL"),
    )
}

fn alice() -> TestContext {
    TestContext::user("alice")
}

/// A unit of work of alice's on `thread_id`.
async fn begin(store: &PostgresStore, thread_id: &str) -> Arc<dyn StoreTransaction<TestContext>> {
    let unit = store.begin(thread_id, &alice()).await.expect("begin");
    unit.expect("the store has units of work")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suite() {
    if fresh().await.is_none() {
        return;
    }
    run_suite(async || fresh().await.expect("configured")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unit_suite() {
    if fresh().await.is_none() {
        return;
    }
    run_unit_suite(async || fresh().await.expect("configured")).await;
}

#[tokio::test]
async fn migrations_are_versioned_and_run_once() {
    let Some(store) = fresh().await else { return };
    assert_eq!(store.migrate().await.expect("again"), MIGRATIONS.len());
    let client = store.client().await.expect("client");
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM chatkit_schema_migrations ORDER BY version",
            &[],
        )
        .await
        .expect("versions")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let expected: Vec<i32> = (1..=i32::try_from(MIGRATIONS.len()).expect("few")).collect();
    assert_eq!(versions, expected);
    client
        .execute(
            "INSERT INTO chatkit_schema_migrations (version) VALUES (99)",
            &[],
        )
        .await
        .expect("a newer version");
    let error = store.migrate().await.expect_err("a newer schema");
    assert!(error.to_string().contains("schema version 99"), "{error}");
}

#[tokio::test]
async fn schema_names_must_be_plain() {
    let error = PostgresStore::connect_in_schema("postgres://localhost/x", "a\"; DROP", 1)
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("plain schema name"), "{error}");
}

/// Two units on one thread, from two stores (two pools: as two replicas): the second
/// waits for the first to commit, then sees its write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_of_one_thread_serialize_across_pools() {
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    let Some(first) = in_schema(&schema).await else {
        return;
    };
    let second = in_schema(&schema).await.expect("a second pool");
    let thread = ThreadMetadata::new("thr_1", Timestamp::now());
    first.save_thread(&thread, &alice()).await.expect("save");
    let unit = begin(&first, "thr_1").await;
    let item: ThreadItem = AssistantMessageItem::new("msg_1", "thr_1", "first").into();
    unit.add_thread_item("thr_1", &item, &alice())
        .await
        .expect("add");
    let waiting = tokio::spawn(async move {
        let unit = begin(&second, "thr_1").await;
        let seen = unit.load_item("thr_1", "msg_1", &alice()).await.map(drop);
        unit.commit().await.expect("commit");
        seen
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the second unit must wait for the lock"
    );
    // Another thread is not held up.
    let other = begin(&first, "thr_2").await;
    other.rollback().await.expect("rollback");
    unit.commit().await.expect("commit");
    waiting
        .await
        .expect("task")
        .expect("the second unit sees the first's write");
}

/// A statement that fails among a unit's writes (sent together with the `COMMIT`) aborts
/// PostgreSQL's transaction: the commit fails, and nothing of the unit is written, neither
/// the writes before the failing one nor those after it.
#[tokio::test]
async fn a_failed_statement_rolls_the_unit_back() {
    let Some(store) = fresh().await else { return };
    let thread = ThreadMetadata::new("thr_1", Timestamp::now());
    store.save_thread(&thread, &alice()).await.expect("save");
    // A constraint the unit's second write breaks.
    store
        .client()
        .await
        .expect("client")
        .batch_execute("ALTER TABLE chatkit_items ADD CONSTRAINT no_msg_3 CHECK (id <> 'msg_3')")
        .await
        .expect("a constraint");
    let unit = begin(&store, "thr_1").await;
    let small: ThreadItem = AssistantMessageItem::new("msg_2", "thr_1", "kept?").into();
    let large: ThreadItem = AssistantMessageItem::new("msg_3", "thr_1", "refused").into();
    let small_late: ThreadItem = AssistantMessageItem::new("msg_4", "thr_1", "kept?").into();
    for item in [&small, &large, &small_late] {
        // Staged: the statements run at the commit, together.
        unit.add_thread_item("thr_1", item, &alice())
            .await
            .expect("add");
    }
    let error = unit.commit().await.expect_err("the commit rolls back");
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    assert!(error.to_string().contains("no_msg_3"), "{error}");
    let page = store
        .load_thread_items("thr_1", None, 10, SortOrder::Asc, &alice())
        .await
        .expect("items");
    assert!(page.data.is_empty(), "{page:?}");
}

/// A write outside any unit that makes one of a unit's staged writes impossible: the unit's
/// commit fails with the store's error, and none of its writes stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_commit_is_all_or_nothing() {
    let Some(store) = fresh().await else { return };
    crate::store::testing::staged_commit_is_all_or_nothing(store).await;
}

/// A commit refused by the database (a write outside any unit deleted the unit's thread
/// meanwhile) fails with the store's error and ends the transaction: the connection goes back
/// to the pool clean, and the next unit on it commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_commit_leaves_the_connection_clean() {
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    let Some(outside) = in_schema(&schema).await else {
        return;
    };
    let url = std::env::var("CHATKIT_POSTGRES_URL").expect("configured");
    // One connection: both units below run on it.
    let store = PostgresStore::connect_in_schema(&url, &schema, 1)
        .await
        .expect("connect");
    let backend = async || -> i32 {
        let client = store.client().await.expect("the connection");
        let row = client.query_one("SELECT pg_backend_pid()", &[]).await;
        row.expect("its process").get(0)
    };
    let process = backend().await;
    let thread = ThreadMetadata::new("thr_1", Timestamp::now());
    outside.save_thread(&thread, &alice()).await.expect("save");
    let unit = begin(&store, "thr_1").await;
    let first: ThreadItem = AssistantMessageItem::new("msg_1", "thr_1", "first").into();
    unit.add_thread_item("thr_1", &first, &alice())
        .await
        .expect("staged");
    outside
        .delete_thread("thr_1", &alice())
        .await
        .expect("delete");
    let error = unit.commit().await.expect_err("the thread is gone");
    assert!(error.is_not_found(), "{error:?}");
    outside.save_thread(&thread, &alice()).await.expect("save");
    let unit = begin(&store, "thr_1").await;
    let second: ThreadItem = AssistantMessageItem::new("msg_2", "thr_1", "second").into();
    unit.add_thread_item("thr_1", &second, &alice())
        .await
        .expect("staged");
    unit.commit().await.expect("commit");
    assert_eq!(backend().await, process, "the same connection");
    let page = outside
        .load_thread_items("thr_1", None, 10, SortOrder::Asc, &alice())
        .await
        .expect("items");
    let ids: Vec<&str> = page.data.iter().map(ThreadItem::id).collect();
    assert_eq!(ids, ["msg_2"]);
}
