//! Faults: a panicking handler, a thousand concurrent actions on one thread, and the todo
//! backend killed (`SIGKILL`) mid-stream.
//!
//! The kill test runs the real example binary in a child process: `target/<profile>/examples/
//! todo` next to this test's own binary (`cargo test` builds the examples), else it builds it
//! once with `cargo build --example todo` into the same target directory.

mod support;
use support::todo_binary;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::server::{ChatKitServer, Processed};
use chatkit_actions::store::{MemoryStore, SqliteStore, Store};
use chatkit_actions::thread::{ThreadMetadata, ThreadStreamEvent, Timestamp};
use chatkit_actions::{Action, action_handler};
use serde_json::{Value, json};

#[derive(Action, Debug)]
enum FaultAction {
    /// Adds one to the thread's `count`, yielding in between so that interleaving would show.
    #[action(client_payload)]
    Bump,
    /// Panics.
    #[action(client_payload)]
    Boom,
}

struct App;

#[action_handler(FaultAction)]
impl App {
    async fn bump(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let count = cx.thread().metadata.get("count").and_then(Value::as_u64);
        tokio::task::yield_now().await;
        cx.thread_mut()
            .metadata
            .insert("count".to_owned(), json!(count.unwrap_or(0) + 1));
        Ok(())
    }

    async fn boom(&self, _cx: &mut ActionContext<()>) -> HandlerResult {
        panic!("the handler broke")
    }
}

fn action(thread_id: &str, action_type: &str) -> Vec<u8> {
    json!({
        "type": "threads.custom_action",
        "params": { "thread_id": thread_id, "item_id": null, "action": { "type": action_type } },
    })
    .to_string()
    .into_bytes()
}

async fn events(server: &ChatKitServer<App>, body: &[u8]) -> Vec<ThreadStreamEvent> {
    match server.process(body, ()).await {
        Ok(Processed::Stream(stream)) => stream.collect_events().await,
        other => panic!("a stream: {other:?}"),
    }
}

async fn new_thread(store: &dyn Store<()>, id: &str) {
    let thread = ThreadMetadata::new(id, Timestamp::now());
    store.save_thread(&thread, &()).await.expect("save");
}

async fn count(store: &dyn Store<()>, id: &str) -> Value {
    let thread = store.load_thread(id, &()).await.expect("the thread");
    thread.metadata.get("count").cloned().unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_an_error_event_and_the_server_goes_on() {
    let store = MemoryStore::new();
    new_thread(&store, "thr_a").await;
    new_thread(&store, "thr_b").await;
    let server = ChatKitServer::new(store.clone(), App);

    let boom = events(&server, &action("thr_a", "boom")).await;
    let Some(ThreadStreamEvent::Error(error)) = boom.last() else {
        panic!("the stream ends with an error event: {boom:?}");
    };
    // The panic's text stays in the log; the client gets the generic error.
    assert!(
        !error
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("broke"),
        "{error:?}"
    );

    // The same thread (its lock was released) and another one keep working, many times over.
    for _ in 0..3 {
        assert!(!events(&server, &action("thr_a", "boom")).await.is_empty());
        for thread in ["thr_a", "thr_b"] {
            let bump = events(&server, &action(thread, "bump")).await;
            assert!(
                !bump
                    .iter()
                    .any(|event| matches!(event, ThreadStreamEvent::Error(_))),
                "{bump:?}"
            );
        }
    }
    assert_eq!(count(&store, "thr_a").await, 3);
    assert_eq!(count(&store, "thr_b").await, 3);
}

/// 1,000 `bump` actions on one thread from 50 concurrent tasks: the final count is 1,000.
async fn no_update_is_lost(store: Arc<dyn Store<()>>) {
    const TASKS: usize = 50;
    const PER_TASK: usize = 20;
    new_thread(store.as_ref(), "thr_hot").await;
    let server = ChatKitServer::with_shared_store(Arc::clone(&store), App);
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move {
                for _ in 0..PER_TASK {
                    let events = events(&server, &action("thr_hot", "bump")).await;
                    assert!(
                        !events
                            .iter()
                            .any(|event| matches!(event, ThreadStreamEvent::Error(_))),
                        "{events:?}"
                    );
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task");
    }
    eprintln!("{} actions in {:?}", TASKS * PER_TASK, started.elapsed());
    assert_eq!(count(store.as_ref(), "thr_hot").await, TASKS * PER_TASK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_actions_on_one_thread_lose_nothing_in_memory() {
    no_update_is_lost(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_actions_on_one_thread_lose_nothing_in_sqlite() {
    let db = TempDb::new("hot");
    let store = SqliteStore::open(&db.0).expect("open");
    no_update_is_lost(Arc::new(store)).await;
}

/// The same over HTTP: 1,000 actions from 50 concurrent tasks through one pooled client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_actions_over_http_lose_nothing() {
    const TASKS: usize = 50;
    const PER_TASK: usize = 20;
    let db = TempDb::new("http");
    let store: Arc<dyn Store<()>> = Arc::new(SqliteStore::open(&db.0).expect("open"));
    new_thread(store.as_ref(), "thr_hot").await;
    let server = ChatKitServer::with_shared_store(Arc::clone(&store), App);
    let router = chatkit_actions::http::router(server, "/chatkit");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/chatkit", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(TASKS)
        .build()
        .expect("a client");
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                for _ in 0..PER_TASK {
                    let response = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(action("thr_hot", "bump"))
                        .send()
                        .await
                        .expect("sent");
                    assert_eq!(response.status(), reqwest::StatusCode::OK);
                    let text = response.text().await.expect("the stream");
                    assert!(!text.contains(r#""type":"error""#), "{text}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task");
    }
    assert_eq!(count(store.as_ref(), "thr_hot").await, TASKS * PER_TASK);
}

// ---------------------------------------------------------------------------------------------
// Killing the todo backend mid-stream

/// A running todo backend process and its endpoint.
struct Process {
    child: Child,
    url: String,
}

impl Process {
    fn start(binary: &Path, db: &Path) -> Process {
        let mut child = Command::new(binary)
            .args(["--port", "0", "--rate-limit", "0", "--db"])
            .arg(db)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the todo backend");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut banner = String::new();
        BufReader::new(stdout)
            .read_line(&mut banner)
            .expect("the banner line");
        let url = banner
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("a URL in the banner: {banner:?}"))
            .to_owned();
        Process { child, url }
    }

    async fn post(&self, client: &reqwest::Client, body: &Value) -> reqwest::Response {
        client
            .post(&self.url)
            .header("x-user-id", "alice")
            .json(body)
            .send()
            .await
            .expect("the request reaches the server")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn say(thread_id: &str, text: &str) -> Value {
    json!({
        "type": "threads.add_user_message",
        "params": { "thread_id": thread_id, "input": {
            "content": [{ "type": "input_text", "text": text }],
            "attachments": [], "inference_options": {},
        }},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_stream_leaves_a_consistent_database() {
    let binary = todo_binary();
    let db = TempDb::new("kill");
    let client = reqwest::Client::new();

    let server = Process::start(&binary, &db.0);
    let create = json!({
        "type": "threads.create",
        "params": { "input": {
            "content": [{ "type": "input_text", "text": "add buy milk" }],
            "attachments": [], "inference_options": {},
        }},
    });
    let text = server
        .post(&client, &create)
        .await
        .text()
        .await
        .expect("stream");
    let created: Value = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .and_then(|data| serde_json::from_str(data).ok())
        .expect("the thread.created frame");
    let thread_id = created["thread"]["id"]
        .as_str()
        .expect("a thread id")
        .to_owned();

    // Writers in flight: twenty "add" messages at once; kill the process as soon as one of
    // their streams has started.
    let (started, mut first) = tokio::sync::mpsc::channel(20);
    let mut open = Vec::new();
    for n in 0..20 {
        let (client, url, body, started) = (
            client.clone(),
            server.url.clone(),
            say(&thread_id, &format!("add task {n}")),
            started.clone(),
        );
        open.push(tokio::spawn(async move {
            let Ok(mut response) = client
                .post(&url)
                .header("x-user-id", "alice")
                .json(&body)
                .send()
                .await
            else {
                return;
            };
            if let Ok(Some(_)) = response.chunk().await {
                let _ = started.send(()).await;
                // Hold the stream open until the server dies.
                while let Ok(Some(_)) = response.chunk().await {}
            }
        }));
    }
    let mut server = server;
    let streaming = tokio::time::timeout(Duration::from_secs(10), first.recv()).await;
    assert!(matches!(streaming, Ok(Some(()))), "a stream started");
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    for task in open {
        let _ = task.await;
    }

    // The file is a sound SQLite database.
    {
        let connection = rusqlite::Connection::open(&db.0).expect("open the file");
        let check: String = connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("integrity_check");
        assert_eq!(check, "ok");
    }

    // Restarted on the same file, the backend reads everything back.
    let server = Process::start(&binary, &db.0);
    let response = server
        .post(&client, &json!({"type": "threads.list", "params": {}}))
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let threads: Value = response.json().await.expect("JSON");
    assert_eq!(threads["data"][0]["id"], thread_id.as_str());
    let response = server
        .post(
            &client,
            &json!({"type": "items.list", "params": {"thread_id": thread_id, "order": "asc", "limit": 100}}),
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let items: Value = response.json().await.expect("JSON");
    let items = items["data"].as_array().expect("items");
    assert_eq!(items[0]["type"], "user_message");
    // Every item is whole: each has an id, a type and this thread's id.
    for item in items {
        assert_eq!(item["thread_id"], thread_id.as_str(), "{item}");
        assert!(
            item["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{item}"
        );
    }
    // And the thread takes new work: the list is still a list.
    let text = server
        .post(&client, &say(&thread_id, "list"))
        .await
        .text()
        .await
        .expect("stream");
    assert!(text.contains("You have"), "{text}");
    assert!(!text.contains(r#""type":"error""#), "{text}");
}

/// A SQLite file in the temp directory, removed when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        let path =
            std::env::temp_dir().join(format!("chatkit-faults-{}-{name}.db", std::process::id()));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}
