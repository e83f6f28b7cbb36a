//! The conformance suite of the built-in stores, public with the `test-util` feature so that
//! other [`Store`] implementations can run it too.
//!
//! ```ignore
//! #[tokio::test]
//! async fn my_store_conforms() {
//!     chatkit_actions::store::testing::run_suite(async || MyStore::connect_fresh().await).await;
//! }
//! ```
//!
//! The suite needs a Tokio runtime (it spawns tasks for the concurrent-writers case); a
//! multi-threaded one makes that case run in parallel.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::json;

use super::{Store, StoreError, StoreItemType, StoreScope, StoreTransaction};
use crate::thread::{
    AssistantMessageItem, Attachment, EndOfTurnItem, HiddenContextItem, Page, SortOrder,
    ThreadItem, ThreadMetadata, ThreadStatus, Timestamp, UploadDescriptor, UploadMethod,
    UserMessageContent, UserMessageItem,
};

/// The request context of the suite: just a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestContext {
    scope: Option<String>,
}

impl TestContext {
    /// A context scoped to one user.
    pub fn user(name: impl Into<String>) -> Self {
        Self {
            scope: Some(name.into()),
        }
    }

    /// A context of the shared (unscoped) space, like `()`.
    #[must_use]
    pub fn shared() -> Self {
        Self { scope: None }
    }
}

impl StoreScope for TestContext {
    fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
}

/// Runs each case on a fresh store from `make_store`, naming the case on stderr if it fails.
macro_rules! run_cases {
    ($make_store:ident; $($case:ident),* $(,)?) => {$(
        let guard = CaseGuard(stringify!($case));
        $case($make_store().await).await;
        drop(guard);
    )*};
}

/// Runs every case of the suite, each on a fresh store from `make_store`.
///
/// # Panics
///
/// When the store breaks the contract; the message names the case and the check.
pub async fn run_suite<S: Store<TestContext>>(mut make_store: impl AsyncFnMut() -> S) {
    run_cases!(
        make_store;
        thread_round_trip,
        save_thread_is_an_upsert,
        load_thread_missing,
        items_in_order,
        items_pagination,
        threads_pagination,
        unknown_cursor,
        limit_zero,
        save_item_in_place,
        add_thread_item_conflict,
        items_need_a_thread,
        load_item_missing,
        delete_thread_removes_items,
        delete_thread_item,
        isolation,
        attachments,
        private_fields_survive,
        default_ids,
        concurrent_writers,
    );
}

/// Names the failing case on stderr when a case panics.
struct CaseGuard(&'static str);

impl Drop for CaseGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("store suite: case `{}` failed", self.0);
        }
    }
}

fn alice() -> TestContext {
    TestContext::user("alice")
}

fn bob() -> TestContext {
    TestContext::user("bob")
}

/// `2025-01-15T12:00:00Z` plus `seconds`.
fn at(seconds: i64) -> Timestamp {
    let base = Timestamp::parse("2025-01-15T12:00:00Z")
        .expect("a valid literal")
        .instant();
    Timestamp::from_utc(base + TimeDelta::seconds(seconds))
}

fn thread(id: &str) -> ThreadMetadata {
    ThreadMetadata::new(id, at(0))
}

fn message(id: &str, thread_id: &str, seconds: i64) -> ThreadItem {
    AssistantMessageItem::new(id, thread_id, format!("text of {id}"))
        .created_at(at(seconds))
        .into()
}

fn ids<T>(page: &Page<T>, id: impl Fn(&T) -> &str) -> Vec<String> {
    page.iter().map(|value| id(value).to_owned()).collect()
}

fn item_ids(page: &Page<ThreadItem>) -> Vec<String> {
    ids(page, ThreadItem::id)
}

fn thread_ids(page: &Page<ThreadMetadata>) -> Vec<String> {
    ids(page, |thread| thread.id.as_str())
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(error) if error.is_not_found() => {}
        other => panic!("{what}: expected not found, got {other:?}"),
    }
}

async fn add_messages<S: Store<TestContext> + ?Sized>(store: &S, thread_id: &str, seconds: &[i64]) {
    for (index, &second) in seconds.iter().enumerate() {
        let item = message(&format!("msg_{index}"), thread_id, second);
        add_item(store, thread_id, &item).await;
    }
}

async fn load_items<S: Store<TestContext> + ?Sized>(
    store: &S,
    thread_id: &str,
    after: Option<&str>,
    limit: usize,
    order: SortOrder,
) -> Page<ThreadItem> {
    store
        .load_thread_items(thread_id, after, limit, order, &alice())
        .await
        .expect("load_thread_items")
}

// The calls of the suite that must succeed, as alice: each panics with the store's error.

async fn save_thread<S: Store<TestContext> + ?Sized>(store: &S, thread: &ThreadMetadata) {
    store
        .save_thread(thread, &alice())
        .await
        .expect("save_thread");
}

async fn add_item<S: Store<TestContext> + ?Sized>(store: &S, thread_id: &str, item: &ThreadItem) {
    let added = store.add_thread_item(thread_id, item, &alice()).await;
    added.expect("add_thread_item");
}

async fn save_item<S: Store<TestContext> + ?Sized>(store: &S, thread_id: &str, item: &ThreadItem) {
    let saved = store.save_item(thread_id, item, &alice()).await;
    saved.expect("save_item");
}

async fn load_thread<S: Store<TestContext> + ?Sized>(store: &S, id: &str) -> ThreadMetadata {
    store.load_thread(id, &alice()).await.expect("load_thread")
}

async fn load_item<S: Store<TestContext> + ?Sized>(
    store: &S,
    thread: &str,
    id: &str,
) -> ThreadItem {
    store
        .load_item(thread, id, &alice())
        .await
        .expect("load_item")
}

async fn load_threads<S: Store<TestContext> + ?Sized>(
    store: &S,
    limit: usize,
    after: Option<&str>,
    order: SortOrder,
) -> Page<ThreadMetadata> {
    let page = store.load_threads(limit, after, order, &alice()).await;
    page.expect("load_threads")
}

async fn delete_thread<S: Store<TestContext> + ?Sized>(store: &S, id: &str) {
    store
        .delete_thread(id, &alice())
        .await
        .expect("delete_thread");
}

async fn save_attachment<S: Store<TestContext> + ?Sized>(store: &S, attachment: &Attachment) {
    let saved = store.save_attachment(attachment, &alice()).await;
    saved.expect("save_attachment");
}

async fn load_attachment<S: Store<TestContext> + ?Sized>(store: &S, id: &str) -> Attachment {
    store
        .load_attachment(id, &alice())
        .await
        .expect("load_attachment")
}

async fn delete_attachment<S: Store<TestContext> + ?Sized>(store: &S, id: &str) {
    let deleted = store.delete_attachment(id, &alice()).await;
    deleted.expect("delete_attachment");
}

async fn thread_round_trip<S: Store<TestContext>>(store: S) {
    let untitled = thread("thr_untitled");
    save_thread(&store, &untitled).await;
    assert_eq!(load_thread(&store, "thr_untitled").await, untitled);

    let mut full = ThreadMetadata::new(
        "thr_full",
        Timestamp::parse("2025-01-15T12:00:00.123456").expect("valid"),
    )
    .title("A title")
    .status(ThreadStatus::locked("maintenance"));
    full.allowed_image_domains = Some(vec!["cdn.example.com".to_owned()]);
    full.metadata
        .insert("key".to_owned(), json!({"nested": [1, 2, null]}));
    save_thread(&store, &full).await;
    let loaded = load_thread(&store, "thr_full").await;
    assert_eq!(loaded, full);
    // The spelling of `created_at` survives, not only its instant.
    assert_eq!(loaded.created_at.as_str(), "2025-01-15T12:00:00.123456");
}

async fn save_thread_is_an_upsert<S: Store<TestContext>>(store: S) {
    for id in ["thr_a", "thr_b", "thr_c"] {
        save_thread(&store, &thread(id)).await;
    }
    let mut updated = thread("thr_b")
        .title("Updated")
        .status(ThreadStatus::closed("done"));
    updated.metadata.insert("k".to_owned(), json!("v"));
    save_thread(&store, &updated).await;
    assert_eq!(load_thread(&store, "thr_b").await, updated);
    let page = load_threads(&store, 10, None, SortOrder::Asc).await;
    // Still three threads, and the updated one kept its place among its ties.
    assert_eq!(thread_ids(&page), ["thr_a", "thr_b", "thr_c"]);
    assert!(!page.has_more);
    assert_eq!(page.after, None);

    // A new created_at moves it.
    save_thread(&store, &ThreadMetadata::new("thr_a", at(10))).await;
    let page = load_threads(&store, 10, None, SortOrder::Desc).await;
    assert_eq!(thread_ids(&page), ["thr_a", "thr_c", "thr_b"]);
}

async fn load_thread_missing<S: Store<TestContext>>(store: S) {
    assert_not_found(
        store.load_thread("thr_missing", &alice()).await,
        "load_thread",
    );
    let page = load_threads(&store, 10, None, SortOrder::Desc).await;
    assert_eq!(page, Page::default());
}

async fn items_in_order<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    // Inserted out of order; msg_1 and msg_3 tie, so insertion order decides between them.
    add_messages(&store, "thr_1", &[3, 1, 2, 1]).await;
    // Another spelling of the earliest instant: 11:59:59 UTC.
    let early = AssistantMessageItem::new("msg_early", "thr_1", "early")
        .created_at(Timestamp::parse("2025-01-15T13:59:59+02:00").expect("valid"));
    add_item(&store, "thr_1", &early.into()).await;

    let asc = load_items(&store, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(
        item_ids(&asc),
        ["msg_early", "msg_1", "msg_3", "msg_2", "msg_0"]
    );
    assert!(!asc.has_more);
    assert_eq!(asc.after, None);
    let desc = load_items(&store, "thr_1", None, 10, SortOrder::Desc).await;
    assert_eq!(
        item_ids(&desc),
        ["msg_0", "msg_2", "msg_3", "msg_1", "msg_early"]
    );
    // Items come back exactly as saved.
    assert_eq!(asc.data.get(1), Some(&message("msg_1", "thr_1", 1)));
}

async fn items_pagination<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0, 1, 2, 3, 4]).await;

    let first = load_items(&store, "thr_1", None, 2, SortOrder::Asc).await;
    assert_eq!(item_ids(&first), ["msg_0", "msg_1"]);
    assert!(first.has_more);
    assert_eq!(first.after.as_deref(), Some("msg_1"));

    let rest = load_items(&store, "thr_1", Some("msg_1"), 3, SortOrder::Asc).await;
    assert_eq!(item_ids(&rest), ["msg_2", "msg_3", "msg_4"]);
    assert!(!rest.has_more, "exactly `limit` rows left");
    assert_eq!(rest.after, None);

    let desc = load_items(&store, "thr_1", Some("msg_3"), 2, SortOrder::Desc).await;
    assert_eq!(item_ids(&desc), ["msg_2", "msg_1"]);
    assert!(desc.has_more);
    assert_eq!(desc.after.as_deref(), Some("msg_1"));

    let last = load_items(&store, "thr_1", Some("msg_4"), 2, SortOrder::Asc).await;
    assert_eq!(last, Page::default(), "nothing after the last item");

    // Walking the pages visits every item once.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = load_items(&store, "thr_1", after.as_deref(), 2, SortOrder::Desc).await;
        seen.extend(item_ids(&page));
        if !page.has_more {
            break;
        }
        after = page.after;
    }
    assert_eq!(seen, ["msg_4", "msg_3", "msg_2", "msg_1", "msg_0"]);
}

async fn threads_pagination<S: Store<TestContext>>(store: S) {
    for (seconds, id) in [(2, "thr_c"), (0, "thr_a"), (1, "thr_b")] {
        save_thread(&store, &ThreadMetadata::new(id, at(seconds))).await;
    }
    let first = load_threads(&store, 2, None, SortOrder::Asc).await;
    assert_eq!(thread_ids(&first), ["thr_a", "thr_b"]);
    assert!(first.has_more);
    assert_eq!(first.after.as_deref(), Some("thr_b"));
    let second = load_threads(&store, 2, first.after.as_deref(), SortOrder::Asc).await;
    assert_eq!(thread_ids(&second), ["thr_c"]);
    assert!(!second.has_more);
    assert_eq!(second.after, None);

    let desc = load_threads(&store, 2, None, SortOrder::Desc).await;
    assert_eq!(thread_ids(&desc), ["thr_c", "thr_b"]);
    assert_eq!(desc.after.as_deref(), Some("thr_b"));
    let desc = load_threads(&store, 5, Some("thr_b"), SortOrder::Desc).await;
    assert_eq!(thread_ids(&desc), ["thr_a"]);
    assert!(!desc.has_more);
}

async fn unknown_cursor<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0]).await;
    assert_not_found(
        store
            .load_thread_items("thr_1", Some("msg_missing"), 10, SortOrder::Asc, &alice())
            .await,
        "load_thread_items after an unknown item",
    );
    assert_not_found(
        store
            .load_threads(10, Some("thr_missing"), SortOrder::Asc, &alice())
            .await,
        "load_threads after an unknown thread",
    );
    // Another scope's thread is no cursor either.
    store
        .save_thread(&thread("thr_bob"), &bob())
        .await
        .expect("save");
    assert_not_found(
        store
            .load_threads(10, Some("thr_bob"), SortOrder::Asc, &alice())
            .await,
        "load_threads after another scope's thread",
    );
    // An item of another thread is no cursor.
    save_thread(&store, &thread("thr_2")).await;
    assert_not_found(
        store
            .load_thread_items("thr_2", Some("msg_0"), 10, SortOrder::Asc, &alice())
            .await,
        "load_thread_items after another thread's item",
    );
}

async fn limit_zero<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0, 1]).await;
    let page = load_items(&store, "thr_1", None, 0, SortOrder::Asc).await;
    assert!(page.data.is_empty());
    assert!(page.has_more);
    let page = load_items(&store, "thr_1", Some("msg_0"), 0, SortOrder::Asc).await;
    assert!(page.data.is_empty());
    assert!(page.has_more);
    assert_eq!(page.after.as_deref(), Some("msg_0"));
    let page = load_items(&store, "thr_1", Some("msg_1"), 0, SortOrder::Asc).await;
    assert_eq!(page, Page::default());
}

async fn save_item_in_place<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    // Three items at the same instant: only insertion order sorts them.
    add_messages(&store, "thr_1", &[0, 0, 0]).await;
    // A different item type under the same id, as `thread.item.replaced` may do.
    let replacement: ThreadItem = EndOfTurnItem::new("msg_1", "thr_1")
        .created_at(at(0))
        .into();
    save_item(&store, "thr_1", &replacement).await;
    assert_eq!(load_item(&store, "thr_1", "msg_1").await, replacement);
    let page = load_items(&store, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(item_ids(&page), ["msg_0", "msg_1", "msg_2"]);
    assert_eq!(page.data.get(1), Some(&replacement));

    // An unknown id is inserted, last among its ties.
    let new = message("msg_new", "thr_1", 0);
    save_item(&store, "thr_1", &new).await;
    let page = load_items(&store, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(item_ids(&page), ["msg_0", "msg_1", "msg_2", "msg_new"]);

    // A new created_at moves the item.
    save_item(&store, "thr_1", &message("msg_0", "thr_1", 5)).await;
    let page = load_items(&store, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(item_ids(&page), ["msg_1", "msg_2", "msg_new", "msg_0"]);
}

async fn add_thread_item_conflict<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0]).await;
    let duplicate = message("msg_0", "thr_1", 9);
    match store.add_thread_item("thr_1", &duplicate, &alice()).await {
        Err(StoreError::Conflict(id)) => assert_eq!(id, "msg_0"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // The original is untouched.
    assert_eq!(
        load_item(&store, "thr_1", "msg_0").await,
        message("msg_0", "thr_1", 0)
    );
    // The same id in another thread is another item.
    save_thread(&store, &thread("thr_2")).await;
    let other = message("msg_0", "thr_2", 0);
    add_item(&store, "thr_2", &other).await;
    assert_eq!(load_item(&store, "thr_2", "msg_0").await, other);
}

/// Both ways of writing `item` into `thread_id` are not found for `context`.
async fn item_writes_not_found<S: Store<TestContext>>(
    store: &S,
    thread_id: &str,
    item: &ThreadItem,
    context: &TestContext,
    what: &str,
) {
    let added = store.add_thread_item(thread_id, item, context).await;
    assert_not_found(added, &format!("add_thread_item {what}"));
    let saved = store.save_item(thread_id, item, context).await;
    assert_not_found(saved, &format!("save_item {what}"));
}

async fn items_need_a_thread<S: Store<TestContext>>(store: S) {
    let item = message("msg_0", "thr_missing", 0);
    let what = "to a missing thread";
    item_writes_not_found(&store, "thr_missing", &item, &alice(), what).await;
    let page = store
        .load_thread_items("thr_missing", None, 10, SortOrder::Asc, &alice())
        .await
        .expect("load_thread_items of a missing thread");
    assert_eq!(page, Page::default());
}

async fn load_item_missing<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    assert_not_found(
        store.load_item("thr_1", "does_not_exist", &alice()).await,
        "load_item",
    );
    assert_not_found(
        store.load_item("thr_missing", "msg_0", &alice()).await,
        "load_item",
    );
}

async fn delete_thread_removes_items<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    save_thread(&store, &thread("thr_2")).await;
    add_messages(&store, "thr_1", &[0, 1]).await;
    add_messages(&store, "thr_2", &[0]).await;
    delete_thread(&store, "thr_1").await;

    assert_not_found(store.load_thread("thr_1", &alice()).await, "load_thread");
    assert_not_found(
        store.load_item("thr_1", "msg_0", &alice()).await,
        "load_item",
    );
    let page = load_threads(&store, 10, None, SortOrder::Asc).await;
    assert_eq!(thread_ids(&page), ["thr_2"]);
    assert_not_found(
        store.delete_thread("thr_1", &alice()).await,
        "delete_thread again",
    );
    // The other thread keeps its items.
    assert_eq!(
        item_ids(&load_items(&store, "thr_2", None, 10, SortOrder::Asc).await),
        ["msg_0"]
    );

    // A thread recreated under the same id starts empty.
    save_thread(&store, &thread("thr_1")).await;
    assert_eq!(
        load_items(&store, "thr_1", None, 10, SortOrder::Asc).await,
        Page::default()
    );
}

async fn delete_thread_item<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0, 1, 2]).await;
    store
        .delete_thread_item("thr_1", "msg_1", &alice())
        .await
        .expect("delete");
    assert_not_found(
        store.load_item("thr_1", "msg_1", &alice()).await,
        "load_item",
    );
    let page = load_items(&store, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(item_ids(&page), ["msg_0", "msg_2"]);
    // Deleting a missing item of a visible thread is a no-op (an item that was only
    // streamed as added, never saved, may be removed).
    store
        .delete_thread_item("thr_1", "msg_1", &alice())
        .await
        .expect("delete_thread_item again");
    store
        .delete_thread_item("thr_1", "never_saved", &alice())
        .await
        .expect("delete_thread_item of a missing item");
    assert_not_found(
        store
            .delete_thread_item("thr_missing", "msg_0", &alice())
            .await,
        "delete_thread_item in a missing thread",
    );
    // The id is free again.
    add_item(&store, "thr_1", &message("msg_1", "thr_1", 1)).await;
    let page = load_items(&store, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(item_ids(&page), ["msg_0", "msg_1", "msg_2"]);
}

async fn isolation<S: Store<TestContext>>(store: S) {
    let original = thread("thr_alice").title("Alice's");
    save_thread(&store, &original).await;
    add_messages(&store, "thr_alice", &[0, 1]).await;
    store
        .save_thread(&thread("thr_bob"), &bob())
        .await
        .expect("save");
    store
        .save_thread(&thread("thr_shared"), &TestContext::shared())
        .await
        .expect("save");

    // Bob sees nothing of Alice's.
    assert_not_found(store.load_thread("thr_alice", &bob()).await, "load_thread");
    assert_not_found(
        store.load_item("thr_alice", "msg_0", &bob()).await,
        "load_item",
    );
    let page = store
        .load_thread_items("thr_alice", None, 10, SortOrder::Asc, &bob())
        .await
        .expect("load_thread_items");
    assert_eq!(page, Page::default());
    let page = store
        .load_thread_items("thr_alice", Some("msg_0"), 10, SortOrder::Asc, &bob())
        .await
        .expect("load_thread_items with a cursor");
    assert_eq!(page, Page::default());
    let page = store
        .load_threads(10, None, SortOrder::Asc, &bob())
        .await
        .expect("list");
    assert_eq!(thread_ids(&page), ["thr_bob"]);

    // And can change nothing of Alice's.
    let takeover = thread("thr_alice").title("Bob's now");
    assert_not_found(store.save_thread(&takeover, &bob()).await, "save_thread");
    let item = message("msg_bob", "thr_alice", 5);
    item_writes_not_found(&store, "thr_alice", &item, &bob(), "to another's thread").await;
    let item = message("msg_0", "thr_alice", 5);
    assert_not_found(
        store.save_item("thr_alice", &item, &bob()).await,
        "save_item",
    );
    assert_not_found(
        store.delete_thread_item("thr_alice", "msg_0", &bob()).await,
        "delete_thread_item",
    );
    assert_not_found(
        store.delete_thread("thr_alice", &bob()).await,
        "delete_thread",
    );

    assert_eq!(load_thread(&store, "thr_alice").await, original);
    let page = load_items(&store, "thr_alice", None, 10, SortOrder::Asc).await;
    assert_eq!(
        page.data,
        [
            message("msg_0", "thr_alice", 0),
            message("msg_1", "thr_alice", 1)
        ]
    );

    // The shared space is a scope of its own.
    let page = load_threads(&store, 10, None, SortOrder::Asc).await;
    assert_eq!(thread_ids(&page), ["thr_alice"]);
    let shared = TestContext::shared();
    let page = store
        .load_threads(10, None, SortOrder::Asc, &shared)
        .await
        .expect("list");
    assert_eq!(thread_ids(&page), ["thr_shared"]);
    assert_not_found(store.load_thread("thr_alice", &shared).await, "load_thread");
    assert_not_found(
        store.load_thread("thr_shared", &alice()).await,
        "load_thread",
    );
}

fn image_attachment() -> Attachment {
    let mut image = Attachment::image(
        "atc_img",
        "cat.png",
        "image/png",
        "https://example.com/cat.png",
    );
    image.set_metadata(
        json!({"bucket": "b1", "key": "cat.png"})
            .as_object()
            .cloned(),
    );
    image.set_upload_descriptor(Some(
        UploadDescriptor::new("https://upload.example.com", UploadMethod::Put)
            .header("x-token", "t"),
    ));
    image
}

async fn attachments<S: Store<TestContext>>(store: S) {
    let file = Attachment::file("atc_file", "notes.txt", "text/plain");
    save_attachment(&store, &file).await;
    assert_eq!(load_attachment(&store, "atc_file").await, file);

    // Metadata, upload descriptor and preview URL are kept.
    let mut image = image_attachment();
    save_attachment(&store, &image).await;
    assert_eq!(load_attachment(&store, "atc_img").await, image);

    // Saved again with its thread: an upsert.
    image.set_thread_id("thr_1");
    image.set_upload_descriptor(None);
    save_attachment(&store, &image).await;
    assert_eq!(load_attachment(&store, "atc_img").await, image);

    // Other scopes see nothing and change nothing.
    assert_not_found(
        store.load_attachment("atc_img", &bob()).await,
        "load_attachment",
    );
    assert_not_found(
        store.delete_attachment("atc_img", &bob()).await,
        "delete_attachment",
    );
    let takeover = Attachment::file("atc_img", "evil.txt", "text/plain");
    assert_not_found(
        store.save_attachment(&takeover, &bob()).await,
        "save_attachment",
    );
    assert_eq!(load_attachment(&store, "atc_img").await, image);

    delete_attachment(&store, "atc_img").await;
    assert_not_found(
        store.load_attachment("atc_img", &alice()).await,
        "load_attachment",
    );
    assert_not_found(
        store.delete_attachment("atc_img", &alice()).await,
        "delete_attachment again",
    );
    assert_not_found(
        store.load_attachment("atc_missing", &alice()).await,
        "load_attachment",
    );
    assert_eq!(load_attachment(&store, "atc_file").await, file);
}

async fn private_fields_survive<S: Store<TestContext>>(store: S) {
    let mut metadata = thread("thr_1");
    metadata.metadata.insert("secret".to_owned(), json!(42));
    save_thread(&store, &metadata).await;
    let mut user = UserMessageItem::new(
        "msg_user",
        "thr_1",
        vec![UserMessageContent::text("see attached")],
    )
    .created_at(at(0));
    let mut attachment = image_attachment();
    attachment.set_thread_id("thr_1");
    user.attachments.push(attachment);
    user.quoted_text = Some("quoted".to_owned());
    let user = ThreadItem::from(user);
    add_item(&store, "thr_1", &user).await;
    let hidden: ThreadItem = HiddenContextItem::new("hcx_1", "thr_1", json!({"note": [1, 2]}))
        .created_at(at(1))
        .into();
    add_item(&store, "thr_1", &hidden).await;

    assert_eq!(load_item(&store, "thr_1", "msg_user").await, user);
    let page = load_items(&store, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(page.data, [user, hidden]);
    assert_eq!(load_thread(&store, "thr_1").await, metadata);
}

async fn default_ids<S: Store<TestContext>>(store: S) {
    fn assert_id(id: &str, prefix: &str) {
        let suffix = id
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'));
        assert!(
            suffix.is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit())),
            "`{id}` is not `{prefix}_` and 16 hex digits"
        );
    }
    let context = alice();
    let thread_id = store.generate_thread_id(&context);
    assert_id(&thread_id, "thr");
    assert_ne!(
        thread_id,
        store.generate_thread_id(&context),
        "ids are random"
    );
    let thread = thread(&thread_id);
    for (kind, prefix) in [
        (StoreItemType::Message, "msg"),
        (StoreItemType::ToolCall, "tc"),
        (StoreItemType::Task, "tsk"),
        (StoreItemType::Workflow, "wf"),
        (StoreItemType::Attachment, "atc"),
        (StoreItemType::SdkHiddenContext, "shcx"),
    ] {
        assert_id(&store.generate_item_id(kind, &thread, &context), prefix);
    }
}

async fn concurrent_writers<S: Store<TestContext>>(store: S) {
    const TASKS: usize = 8;
    const ITEMS: usize = 50;
    let store = Arc::new(store);
    save_thread(&*store, &thread("thr_1")).await;
    let created_at = at(0);
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        let created_at = created_at.clone();
        tasks.push(tokio::spawn(async move {
            for index in 0..ITEMS {
                let item: ThreadItem =
                    AssistantMessageItem::new(format!("msg_{task}_{index}"), "thr_1", "x")
                        .created_at(created_at.clone())
                        .into();
                add_item(&*store, "thr_1", &item).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer task");
    }

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = load_items(&*store, "thr_1", after.as_deref(), 37, SortOrder::Asc).await;
        seen.extend(item_ids(&page));
        if !page.has_more {
            break;
        }
        after = page.after;
    }
    assert_eq!(seen.len(), TASKS * ITEMS, "every item once");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "no duplicates"
    );
    // All items tie on created_at, so each writer's items keep its own order.
    for task in 0..TASKS {
        let prefix = format!("msg_{task}_");
        let indexes: Vec<usize> = seen
            .iter()
            .filter_map(|id| id.strip_prefix(&prefix)?.parse().ok())
            .collect();
        assert_eq!(
            indexes,
            (0..ITEMS).collect::<Vec<_>>(),
            "writer {task} in order"
        );
    }
}

/// A unit of work seen as a plain [`Store`], to run the suite through it.
struct InUnit(Arc<dyn StoreTransaction<TestContext>>);

super::forward_store! {
    impl[] Store<TestContext> for InUnit {
        store: |this| this.0,
        ids: this.0,
        result: |result| result,
    }
}

/// Begins a unit of work, which the store must support.
async fn begin<S: Store<TestContext>>(
    store: &S,
    thread_id: &str,
) -> Arc<dyn StoreTransaction<TestContext>> {
    store
        .begin(thread_id, &alice())
        .await
        .expect("begin")
        .expect("the store has units of work")
}

/// Runs the suite of units of work ([`Store::begin`]) on stores from `make_store`: the whole
/// [`run_suite`] through a unit of work on a fresh store (a unit reads its own writes by
/// the same contract), then the cases of atomicity and visibility.
///
/// # Panics
///
/// When the store breaks the contract; the message names the case and the check.
pub async fn run_unit_suite<S: Store<TestContext>>(mut make_store: impl AsyncFnMut() -> S) {
    // The suite through a unit, then committed: the unit's reads follow the contract.
    let mut stores = Vec::new();
    run_suite(async || {
        let store = make_store().await;
        let unit = begin(&store, "thr_1").await;
        stores.push(store);
        InUnit(unit)
    })
    .await;
    drop(stores);
    run_cases!(
        make_store;
        unit_commits_together,
        unit_rolls_back,
        unit_dropped_rolls_back,
        unit_merges_its_writes_in_order,
        unit_ends_once,
    );
}

/// What the store shows of `thr_1` outside any unit.
async fn committed_ids<S: Store<TestContext>>(store: &S) -> Vec<String> {
    match store
        .load_thread_items("thr_1", None, 100, SortOrder::Asc, &alice())
        .await
    {
        Ok(page) => item_ids(&page),
        Err(error) => panic!("load_thread_items: {error}"),
    }
}

async fn unit_commits_together<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0]).await;
    let unit = begin(&store, "thr_1").await;
    let title = thread("thr_1").title("Changed");
    save_thread(&*unit, &title).await;
    add_item(&*unit, "thr_1", &message("msg_new", "thr_1", 5)).await;
    unit.delete_thread_item("thr_1", "msg_0", &alice())
        .await
        .expect("delete");
    // The unit reads its own writes; the store shows none of them yet.
    assert_eq!(
        load_thread(&*unit, "thr_1").await.title.as_deref(),
        Some("Changed")
    );
    assert_eq!(
        item_ids(
            &load_items(
                &InUnit(Arc::clone(&unit)),
                "thr_1",
                None,
                10,
                SortOrder::Asc
            )
            .await
        ),
        ["msg_new"]
    );
    assert_eq!(committed_ids(&store).await, ["msg_0"]);
    assert_eq!(load_thread(&store, "thr_1").await.title, None);
    unit.commit().await.expect("commit");
    assert_eq!(committed_ids(&store).await, ["msg_new"]);
    assert_eq!(
        load_thread(&store, "thr_1").await.title.as_deref(),
        Some("Changed")
    );
}

async fn unit_rolls_back<S: Store<TestContext>>(store: S) {
    let unit = begin(&store, "thr_1").await;
    save_thread(&*unit, &thread("thr_1")).await;
    add_item(&*unit, "thr_1", &message("msg_1", "thr_1", 1)).await;
    save_attachment(&*unit, &image_attachment()).await;
    unit.rollback().await.expect("rollback");
    assert_not_found(
        store.load_thread("thr_1", &alice()).await,
        "rolled back thread",
    );
    assert_not_found(
        store
            .load_attachment(image_attachment().id(), &alice())
            .await,
        "rolled back attachment",
    );
}

async fn unit_dropped_rolls_back<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    {
        let unit = begin(&store, "thr_1").await;
        add_item(&*unit, "thr_1", &message("msg_1", "thr_1", 1)).await;
    }
    // The next unit on the thread starts (a store with a lock released it) and sees nothing.
    let unit = begin(&store, "thr_1").await;
    assert_not_found(
        unit.load_item("thr_1", "msg_1", &alice()).await,
        "dropped write",
    );
    unit.commit().await.expect("commit");
    assert!(committed_ids(&store).await.is_empty());
}

/// Committed items, then a unit's adds, replacements and deletions: pages through the unit
/// and after its commit agree, ties in insertion order and replacements in place.
async fn unit_merges_its_writes_in_order<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0, 1, 1, 2]).await;
    let before = committed_ids(&store).await;
    assert_eq!(before.len(), 4);
    let unit = begin(&store, "thr_1").await;
    let view = InUnit(Arc::clone(&unit));
    // A replacement of the second item (same created_at) keeps its place.
    let replaced: ThreadItem = AssistantMessageItem::new(before[1].clone(), "thr_1", "new text")
        .created_at(at(1))
        .into();
    save_item(&*unit, "thr_1", &replaced).await;
    add_item(&*unit, "thr_1", &message("msg_early", "thr_1", 1)).await;
    add_item(&*unit, "thr_1", &message("msg_late", "thr_1", 9)).await;
    unit.delete_thread_item("thr_1", &before[0], &alice())
        .await
        .expect("delete");
    assert!(matches!(
        unit.add_thread_item("thr_1", &message("msg_late", "thr_1", 9), &alice())
            .await,
        Err(StoreError::Conflict(_))
    ));
    let expected = [
        before[1].clone(),
        before[2].clone(),
        "msg_early".to_owned(),
        before[3].clone(),
        "msg_late".to_owned(),
    ];
    let all = load_items(&view, "thr_1", None, 10, SortOrder::Asc).await;
    assert_eq!(item_ids(&all), expected, "in the unit");
    let first = load_items(&view, "thr_1", None, 2, SortOrder::Desc).await;
    assert_eq!(item_ids(&first), ["msg_late", before[3].as_str()]);
    let next = load_items(&view, "thr_1", first.after.as_deref(), 10, SortOrder::Desc).await;
    assert_eq!(
        item_ids(&next),
        ["msg_early", before[2].as_str(), before[1].as_str()]
    );
    assert_eq!(load_item(&view, "thr_1", &before[1]).await, replaced);
    unit.commit().await.expect("commit");
    assert_eq!(committed_ids(&store).await, expected, "committed");
}

async fn unit_ends_once<S: Store<TestContext>>(store: S) {
    let unit = begin(&store, "thr_1").await;
    save_thread(&*unit, &thread("thr_1")).await;
    unit.commit().await.expect("commit");
    assert!(unit.commit().await.is_err(), "a second commit");
    assert!(
        unit.rollback().await.is_err(),
        "a rollback after the commit"
    );
    assert!(
        unit.save_thread(&thread("thr_2"), &alice()).await.is_err(),
        "a write after the commit"
    );
    assert_not_found(store.load_thread("thr_2", &alice()).await, "late write");
    load_thread(&store, "thr_1").await;
}

/// For stores that stage a unit's writes and apply them at the commit (the memory and
/// `SQLite` stores): a commit that fails on its last write (a conflict with a write made
/// outside the unit meanwhile) applies none of them.
///
/// # Panics
///
/// When the store applies a part of the unit.
pub async fn staged_commit_is_all_or_nothing<S: Store<TestContext>>(store: S) {
    save_thread(&store, &thread("thr_1")).await;
    add_messages(&store, "thr_1", &[0]).await;
    let unit = begin(&store, "thr_1").await;
    add_item(&*unit, "thr_1", &message("msg_1", "thr_1", 1)).await;
    save_thread(&*unit, &thread("thr_1").title("Changed")).await;
    unit.delete_thread_item("thr_1", "msg_0", &alice())
        .await
        .expect("delete");
    add_item(&*unit, "thr_1", &message("msg_2", "thr_1", 2)).await;
    // Meanwhile, a write outside the unit takes the id of its last item.
    add_item(&store, "thr_1", &message("msg_2", "thr_1", 3)).await;
    let error = unit.commit().await.expect_err("the commit conflicts");
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(committed_ids(&store).await, ["msg_0", "msg_2"]);
    assert_eq!(load_thread(&store, "thr_1").await.title, None);
}
