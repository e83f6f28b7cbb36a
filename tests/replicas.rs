//! Two replicas of the todo backend on one PostgreSQL database: two real processes (the
//! example binary, `--db postgres://…`) on two ports, driven at once over many connections,
//! and one of them killed (`SIGKILL`) mid-stream.
//!
//! The tests need a server: `CHATKIT_POSTGRES_URL` (`scripts/test.sh` starts one with
//! `scripts/postgres.sh`; see docs/postgres.md). Without it they say so and check nothing.
//! Each test works in a fresh schema, named in the URL the replicas get
//! (`?options=-c search_path=…`).

mod support;
use support::todo_binary;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chatkit_actions::store::{PostgresStore, Store};
use chatkit_actions::thread::{SortOrder, ThreadItem};
use chatkit_examples::todo::assistant::COUNT_KEY;
use chatkit_examples::todo::session::Session;
use chatkit_examples::todo::state::TodoList;
use serde_json::{Value, json};

/// The database URL, and a fresh schema for one test with its store (migrated), or `None`.
async fn fresh_schema(test: &str) -> Option<(String, PostgresStore)> {
    let Ok(url) = std::env::var("CHATKIT_POSTGRES_URL") else {
        eprintln!("skipped: CHATKIT_POSTGRES_URL is not set (see docs/postgres.md)");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let schema = format!("{test}_{}_{nanos}", std::process::id());
    let store = PostgresStore::connect_in_schema(&url, &schema, 4)
        .await
        .expect("connect to CHATKIT_POSTGRES_URL");
    let separator = if url.contains('?') { '&' } else { '?' };
    let replica_url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    Some((replica_url, store))
}

/// A running replica and its endpoint.
struct Replica {
    child: Child,
    url: String,
}

impl Replica {
    fn start(binary: &Path, db: &str) -> Replica {
        let mut child = Command::new(binary)
            .args(["--port", "0", "--rate-limit", "0", "--db", db])
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the todo backend");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut banner = String::new();
        BufReader::new(stdout)
            .read_line(&mut banner)
            .expect("the banner line");
        assert!(banner.ends_with("(PostgreSQL)\n"), "{banner:?}");
        let url = banner
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("a URL in the banner: {banner:?}"))
            .to_owned();
        Replica { child, url }
    }

    /// Sends `body` as alice and returns the whole response body.
    async fn send(&self, client: &reqwest::Client, body: &Value) -> reqwest::Result<String> {
        let response = client
            .post(&self.url)
            .header("x-user-id", "alice")
            .json(body)
            .send()
            .await?
            .error_for_status()?;
        response.text().await
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn input(text: &str) -> Value {
    json!({"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}})
}

fn say(thread_id: &str, text: &str) -> Value {
    json!({"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": input(text)}})
}

fn add(thread_id: &str, title: &str) -> Value {
    say(thread_id, &format!("add {title}"))
}

/// Creates a thread with its first todo through `replica`; its id.
async fn create(replica: &Replica, client: &reqwest::Client) -> String {
    let body = json!({"type": "threads.create", "params": {"input": input("add first")}});
    let text = replica.send(client, &body).await.expect("threads.create");
    let first = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("an event");
    let event: Value = serde_json::from_str(first).expect("JSON");
    event["thread"]["id"]
        .as_str()
        .expect("thread.created")
        .to_owned()
}

/// What the database holds of the thread: its todo list, its counter, and its user
/// messages' texts.
async fn stored(store: &PostgresStore, thread_id: &str) -> (TodoList, u64, Vec<String>) {
    let alice = Session::new("alice").expect("a valid user");
    let thread = store
        .load_thread(thread_id, &alice)
        .await
        .expect("the thread");
    let mut messages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .load_thread_items(thread_id, after.as_deref(), 500, SortOrder::Asc, &alice)
            .await
            .expect("items");
        for item in &page.data {
            if let ThreadItem::UserMessage(message) = item {
                messages.push(message.text());
            }
        }
        match (page.has_more, page.after) {
            (true, Some(next)) => after = Some(next),
            _ => break,
        }
    }
    let count = thread
        .metadata
        .get(COUNT_KEY)
        .and_then(Value::as_u64)
        .unwrap_or(0);
    (TodoList::load(&thread.metadata), count, messages)
}

/// Every committed "add" message left exactly its todo and every "count" one its increment,
/// and every todo has its message: no action was half written, none lost.
fn assert_consistent(list: &TodoList, count: u64, messages: &[String]) {
    let titles: Vec<String> = list.iter().map(|todo| todo.title.clone()).collect();
    let ids: HashSet<u64> = list.iter().map(|todo| todo.id).collect();
    assert_eq!(ids.len(), titles.len(), "todo ids are unique");
    let counts = messages.iter().filter(|text| *text == "count").count();
    assert_eq!(
        usize::try_from(count).expect("small"),
        counts,
        "one increment per message"
    );
    let added: Vec<String> = messages
        .iter()
        .filter_map(|text| text.strip_prefix("add "))
        .map(str::to_owned)
        .collect();
    let mut sorted_titles = titles.clone();
    sorted_titles.sort();
    let mut sorted_added = added;
    sorted_added.sort();
    assert_eq!(
        sorted_titles, sorted_added,
        "one todo per committed message"
    );
}

/// 1,000 "count" messages on one thread, split across two replicas over 50 connections:
/// each is a read-modify-write of the thread's counter, and none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_one_thread_without_losing_an_update() {
    const CONNECTIONS: usize = 50;
    const PER_CONNECTION: usize = 20;
    let Some((db, store)) = fresh_schema("replicas").await else {
        return;
    };
    let binary = todo_binary();
    let replicas = Arc::new([Replica::start(&binary, &db), Replica::start(&binary, &db)]);
    let setup = reqwest::Client::new();
    let thread_id = create(&replicas[0], &setup).await;

    let mut tasks = Vec::new();
    for connection in 0..CONNECTIONS {
        let replicas = Arc::clone(&replicas);
        let thread_id = thread_id.clone();
        tasks.push(tokio::spawn(async move {
            // A client per connection: its own keep-alive connection to each replica.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("a client");
            for index in 0..PER_CONNECTION {
                let replica = &replicas[(connection + index) % 2];
                let text = replica
                    .send(&client, &say(&thread_id, "count"))
                    .await
                    .expect("the request succeeds");
                assert!(text.contains("Count: "), "{text}");
                assert!(!text.contains("\"type\":\"error\""), "{text}");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a connection");
    }

    let (list, count, messages) = stored(&store, &thread_id).await;
    let total = CONNECTIONS * PER_CONNECTION;
    assert_eq!(
        usize::try_from(count).expect("small"),
        total,
        "every increment kept"
    );
    assert_eq!(messages.len(), total + 1);
    assert_eq!(list.len(), 1);
    assert_consistent(&list, count, &messages);
}

/// A replica killed (`SIGKILL`) while requests on a thread are in flight: the database holds
/// whole actions only, and the other replica goes on serving that thread at once (the dead
/// replica's transaction, and its lock, went with its connections).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replica_leaves_whole_actions_and_the_other_goes_on() {
    let Some((db, store)) = fresh_schema("killed").await else {
        return;
    };
    let binary = todo_binary();
    let mut doomed = Replica::start(&binary, &db);
    let survivor = Replica::start(&binary, &db);
    let client = reqwest::Client::new();
    let thread_id = create(&survivor, &client).await;

    // Twenty requests in flight on the doomed replica; kill it as soon as one has started
    // streaming, so that others are mid-action or waiting for the thread.
    let (started, mut first) = tokio::sync::mpsc::channel::<()>(20);
    let mut in_flight = Vec::new();
    for index in 0..20 {
        let client = client.clone();
        let url = doomed.url.clone();
        let body = add(&thread_id, &format!("doomed-{index}"));
        let started = started.clone();
        in_flight.push(tokio::spawn(async move {
            let response = client
                .post(&url)
                .header("x-user-id", "alice")
                .json(&body)
                .send()
                .await;
            if let Ok(response) = response {
                let _ = started.send(()).await;
                let _ = response.text().await;
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(30), first.recv())
        .await
        .expect("a response starts");
    doomed.child.kill().expect("SIGKILL");
    doomed.child.wait().expect("the replica is gone");
    for task in in_flight {
        let _ = task.await;
    }

    // The survivor serves the same thread, within the lock's release (no stale lock).
    let text = tokio::time::timeout(
        Duration::from_secs(10),
        survivor.send(&client, &add(&thread_id, "after the kill")),
    )
    .await
    .expect("the survivor is not blocked by the dead replica")
    .expect("the survivor serves");
    assert!(text.contains("thread.item.done"), "{text}");

    let (list, count, messages) = stored(&store, &thread_id).await;
    assert_consistent(&list, count, &messages);
    assert!(
        list.iter().any(|todo| todo.title == "after the kill"),
        "the survivor's action is committed"
    );
}
