//! Running the todo backend in production, as an operator would see it: its `/metrics`
//! scraped over HTTP and parsed as Prometheus text after a scripted session, label values
//! bounded under 10,000 forged action types, two processes on one PostgreSQL database sharing
//! one rate limit, readiness following the database down and back, and `SIGTERM` during a
//! stream letting the stream finish.
//!
//! Each test runs the example binary (`cargo build --example todo`) as its own process, so
//! each has a fresh metrics recorder. The PostgreSQL tests need `CHATKIT_POSTGRES_URL`
//! (`scripts/test.sh` starts a server); without it they say so and check nothing.

mod support;
use support::todo_binary;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chatkit_actions::Action;
use chatkit_examples::todo::TodoAction;
use futures_util::StreamExt;
use prometheus_parse::{Scrape, Value as Metric};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

// ---------------------------------------------------------------------------------------------
// The todo binary

/// A todo backend process and its base URL (`http://127.0.0.1:PORT`).
struct Todo {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Todo {
    /// Starts the todo binary on a free port with `args`.
    fn start(args: &[&str]) -> Todo {
        let mut child = Command::new(todo_binary())
            .args(["--port", "0"])
            .args(args)
            // Warnings would be one per forged action: errors only.
            .env("RUST_LOG", "error")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
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
            .unwrap_or_else(|| panic!("a URL in the banner: {banner:?}"));
        let base = url.trim_end_matches("/chatkit").to_owned();
        Todo {
            child,
            base,
            http: reqwest::Client::new(),
        }
    }

    async fn post(&self, user: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(format!("{}/chatkit", self.base))
            .header("x-user-id", user)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the request reaches the server")
    }

    /// A request's status and body text.
    async fn call(&self, user: &str, body: &Value) -> (u16, String) {
        let response = self.post(user, body.to_string()).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// A streaming request's events.
    async fn stream(&self, user: &str, body: &Value) -> Vec<Value> {
        let (status, text) = self.call(user, body).await;
        assert_eq!(status, 200, "{body}: {text}");
        events(&text)
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the request reaches the server");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// `/metrics`, parsed as Prometheus text.
    async fn metrics(&self) -> Scrape {
        let (status, text) = self.get("/metrics").await;
        assert_eq!(status, 200, "{text}");
        Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("Prometheus text")
    }
}

impl Drop for Todo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The events of an SSE body.
fn events(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|frame| frame.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).expect("an event"))
        .collect()
}

fn input(text: &str) -> Value {
    json!({"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}})
}

/// The value of the counter or gauge `name` with exactly `labels`, 0 when absent: a count,
/// a whole number.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> u64 {
    let sum = sum(scrape, name, labels);
    assert!(
        sum >= 0.0 && sum.fract().abs() < f64::EPSILON,
        "{name}: {sum} is no count"
    );
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a whole, non-negative number, checked above"
    )]
    let count = sum as u64;
    count
}

fn sum(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == name)
        .filter(|sample| {
            sample.labels.len() == labels.len()
                && labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(key) == Some(*value))
        })
        .map(|sample| match sample.value {
            Metric::Counter(value) | Metric::Gauge(value) | Metric::Untyped(value) => value,
            _ => panic!("{name} is no counter or gauge"),
        })
        .sum()
}

/// The values of label `label` across the samples of `name`.
fn label_values(scrape: &Scrape, name: &str, label: &str) -> HashSet<String> {
    scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == name)
        .filter_map(|sample| sample.labels.get(label).map(str::to_owned))
        .collect()
}

/// The first action of type `action_type` in a widget of `events`: the widget item's id and
/// the action (`type` and `payload`).
fn widget_action(events: &[Value], action_type: &str) -> Option<(String, Value)> {
    fn find(value: &Value, action_type: &str) -> Option<Value> {
        match value {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some(action_type)
                    && map.contains_key("payload")
                {
                    return Some(json!({"type": action_type, "payload": map["payload"]}));
                }
                map.values().find_map(|value| find(value, action_type))
            }
            Value::Array(values) => values.iter().find_map(|value| find(value, action_type)),
            _ => None,
        }
    }
    events.iter().find_map(|event| {
        let item = event.get("item")?;
        if item.get("type")?.as_str()? != "widget" {
            return None;
        }
        let action = find(item.get("widget")?, action_type)?;
        Some((item.get("id")?.as_str()?.to_owned(), action))
    })
}

// ---------------------------------------------------------------------------------------------
// Metrics

/// Messages, actions and each kind of refusal the todo backend can meet: a real action, a
/// forged type, an action naming a message, an action without its widget, a body that is not
/// JSON, one over 2 MiB, one request over the rate limit, and a missing thread.
async fn scripted_session(todo: &Todo) {
    // A thread with a todo: a message, answered with the list widget.
    let created = todo
        .stream(
            "alice",
            &json!({"type": "threads.create", "params": {"input": input("add buy milk")}}),
        )
        .await;
    let thread = created[0]["thread"]["id"]
        .as_str()
        .expect("a thread id")
        .to_owned();
    let (widget, complete) = widget_action(&created, "complete").expect("a `complete` action");
    let assistant = created
        .iter()
        .filter_map(|event| event.get("item"))
        .find(|item| item["type"] == "assistant_message")
        .and_then(|item| item["id"].as_str())
        .expect("an assistant message")
        .to_owned();
    let action = |item: Option<&str>, action: Value| json!({"type": "threads.custom_action", "params": {"thread_id": thread, "item_id": item, "action": action}});
    // A real action, from its widget.
    let done = todo
        .stream("alice", &action(Some(&widget), complete.clone()))
        .await;
    assert!(
        done.iter().all(|event| event["type"] != "error"),
        "{done:?}"
    );
    // Refused: a forged type (parse), an action naming a message (provenance), an action
    // without its widget (provenance).
    let forged = todo
        .stream(
            "alice",
            &action(Some(&widget), json!({"type": "drop_tables"})),
        )
        .await;
    assert_eq!(
        forged.last().map(|event| event["type"].clone()),
        Some(json!("error"))
    );
    let not_a_widget = todo
        .stream("alice", &action(Some(&assistant), complete.clone()))
        .await;
    assert_eq!(not_a_widget.len(), 1, "{not_a_widget:?}");
    assert!(
        not_a_widget[0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("not a widget")),
        "{not_a_widget:?}"
    );
    let no_widget = todo.stream("alice", &action(None, complete)).await;
    assert_eq!(
        no_widget.last().map(|event| event["type"].clone()),
        Some(json!("error"))
    );
    // Refused before the server: a body that is not JSON (parse), one over 2 MiB (limits).
    assert_eq!(todo.post("alice", "{").await.status().as_u16(), 400);
    let huge = format!(
        r#"{{"type":"threads.list","params":{{"x":"{}"}}}}"#,
        "a".repeat(3 << 20)
    );
    // The server answers 413 without reading the rest, and may close the connection while
    // the client still sends: the refusal is then checked in the metrics alone.
    // A client of its own, so no connection the server closed goes back to the shared pool.
    let oversized = reqwest::Client::new()
        .post(format!("{}/chatkit", todo.base))
        .header("x-user-id", "alice")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await;
    match oversized {
        Ok(response) => assert_eq!(response.status().as_u16(), 413),
        Err(error) => assert!(error.is_request(), "{error}"),
    }
    // Over the rate limit: a burst of 10, then 429 (mallory's own budget).
    let list = json!({"type": "threads.list", "params": {}});
    let mut limited = 0;
    for _ in 0..11 {
        let (status, _) = todo.call("mallory", &list).await;
        limited += u32::from(status == 429);
    }
    assert_eq!(limited, 1);
    // Not found.
    let (status, _) = todo
        .call(
            "alice",
            &json!({"type": "items.list", "params": {"thread_id": "thr_missing"}}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_after_a_scripted_session_hold_the_expected_counts() {
    let todo = Todo::start(&[
        "--db",
        ":memory:",
        "--rate-limit",
        "600",
        "--rate-burst",
        "10",
    ]);
    scripted_session(&todo).await;
    let scrape = todo.metrics().await;
    let requests = |kind: &str, outcome: &str| {
        value(
            &scrape,
            "chatkit_requests_total",
            &[("type", kind), ("outcome", outcome)],
        )
    };
    assert_eq!(requests("threads.create", "ok"), 1);
    // The real action succeeded; the three refused ones ended with an error event.
    assert_eq!(requests("threads.custom_action", "ok"), 1);
    assert_eq!(requests("threads.custom_action", "error"), 3);
    assert_eq!(requests("threads.list", "ok"), 10);
    assert_eq!(requests("threads.list", "refused"), 1);
    assert_eq!(requests("items.list", "not_found"), 1);
    // The bodies refused before their type was read.
    assert_eq!(requests("unknown", "refused"), 2);
    let actions = |kind: &str, outcome: &str| {
        value(
            &scrape,
            "chatkit_actions_total",
            &[("action_type", kind), ("outcome", outcome)],
        )
    };
    assert_eq!(actions("complete", "ok"), 1);
    assert_eq!(actions("complete", "refused"), 2);
    assert_eq!(actions("unknown", "refused"), 1);
    let refusals = |reason: &str| value(&scrape, "chatkit_refusals_total", &[("reason", reason)]);
    assert_eq!(refusals("parse"), 2, "the forged type and the broken body");
    assert_eq!(refusals("provenance"), 2);
    assert_eq!(refusals("limits"), 1);
    assert_eq!(refusals("rate_limit"), 1);
    assert_eq!(refusals("authorization"), 0);
    assert_eq!(value(&scrape, "chatkit_open_streams", &[]), 0);
    for histogram in [
        "chatkit_request_duration_seconds",
        "chatkit_first_event_seconds",
        "chatkit_handler_duration_seconds",
        "chatkit_store_commit_seconds",
    ] {
        assert!(
            scrape
                .samples
                .iter()
                .any(|sample| sample.metric == histogram
                    && matches!(&sample.value, Metric::Histogram(buckets) if !buckets.is_empty())),
            "{histogram} is a histogram"
        );
    }
    // `respond` ran for the message, the action handler for `complete` and the refusals.
    assert!(
        label_values(&scrape, "chatkit_handler_duration_seconds", "handler")
            .is_superset(&HashSet::from(["respond".to_owned(), "action".to_owned()]))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_forged_action_types_add_no_label_values() {
    const FORGED: usize = 10_000;
    const THREADS: usize = 8;
    let todo = Arc::new(Todo::start(&["--db", ":memory:", "--rate-limit", "0"]));
    let mut threads = Vec::new();
    for _ in 0..THREADS {
        let created = todo
            .stream(
                "eve",
                &json!({"type": "threads.create", "params": {"input": input("list")}}),
            )
            .await;
        threads.push(
            created[0]["thread"]["id"]
                .as_str()
                .expect("an id")
                .to_owned(),
        );
    }
    let threads = Arc::new(threads);
    let statuses = futures_util::stream::iter(0..FORGED)
        .map(|index| {
            let todo = Arc::clone(&todo);
            let threads = Arc::clone(&threads);
            async move {
                let body = json!({"type": "threads.custom_action", "params": {
                    "thread_id": threads[index % THREADS],
                    "item_id": null,
                    "action": {"type": format!("forged_{index}")},
                }});
                todo.call("eve", &body).await.0
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<u16>>()
        .await;
    assert!(statuses.iter().all(|status| *status == 200));
    let (status, text) = todo.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(!text.contains("forged_"), "no forged type became a label");
    let scrape =
        Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("Prometheus text");
    let mut known: HashSet<String> = TodoAction::TYPES.iter().map(|t| (*t).to_owned()).collect();
    known.insert("unknown".to_owned());
    known.insert(String::new());
    for metric in ["chatkit_actions_total", "chatkit_handler_duration_seconds"] {
        let values = label_values(&scrape, metric, "action_type");
        assert!(values.is_subset(&known), "{metric}: {values:?}");
    }
    assert_eq!(
        value(
            &scrape,
            "chatkit_actions_total",
            &[("action_type", "unknown"), ("outcome", "refused")]
        ),
        FORGED as u64
    );
    // One user refused 10,000 times within a minute: one unusual pattern, logged once.
    assert_eq!(
        value(&scrape, "chatkit_unusual_refusal_patterns_total", &[]),
        1
    );
    assert!(
        scrape.samples.len() < 200,
        "a bounded set of series: {}",
        scrape.samples.len()
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the shared limit, readiness

/// The database URL with a fresh schema for one test (created), or `None` without a server.
async fn fresh_schema(test: &str) -> Option<String> {
    let Ok(url) = std::env::var("CHATKIT_POSTGRES_URL") else {
        eprintln!("skipped: CHATKIT_POSTGRES_URL is not set (see docs/postgres.md)");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let schema = format!("ops_{test}_{}_{nanos}", std::process::id());
    chatkit_actions::store::PostgresStore::connect_in_schema(&url, &schema, 1)
        .await
        .expect("connect to CHATKIT_POSTGRES_URL");
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!(
        "{url}{separator}options=-c%20search_path%3D{schema}"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_share_the_rate_limit() {
    let Some(db) = fresh_schema("shared").await else {
        return;
    };
    // 10 a minute, all at once: one more every 6 s.
    let args = [
        "--db",
        db.as_str(),
        "--rate-limit",
        "10",
        "--rate-burst",
        "10",
    ];
    let replicas = [Todo::start(&args), Todo::start(&args)];
    let list = json!({"type": "threads.list", "params": {}});
    let started = Instant::now();
    let mut allowed = 0_u64;
    let mut waits = Vec::new();
    for index in 0..30 {
        let response = replicas[index % 2].post("dave", list.to_string()).await;
        match response.status().as_u16() {
            200 => allowed += 1,
            429 => waits.push(
                response
                    .headers()
                    .get("retry-after")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse::<u64>().ok())
                    .expect("a Retry-After in seconds"),
            ),
            other => panic!("status {other}"),
        }
    }
    // The quota in total, and no more than what refilled meanwhile.
    let refilled = started.elapsed().as_secs() / 6;
    assert!(
        (10..=10 + refilled).contains(&allowed),
        "{allowed} allowed in {:?}",
        started.elapsed()
    );
    assert_eq!(allowed + waits.len() as u64, 30);
    assert!(waits.iter().all(|wait| (1..=6).contains(wait)), "{waits:?}");
    // Another user has a budget of their own, on either replica.
    assert_eq!(
        replicas[1].post("erin", list.to_string()).await.status(),
        200
    );
}

/// A TCP proxy in front of the database, which the test takes down and brings back.
struct Proxy {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (accept_up, accept_links) = (Arc::clone(&up), Arc::clone(&links));
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                accept_links.lock().await.push(link);
            }
        });
        Proxy { addr, up, links }
    }

    /// Cuts every connection and refuses new ones.
    async fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn back(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `/readyz` until it answers `status`, for at most 20 s; its last body.
async fn ready_until(todo: &Todo, status: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (got, body) = todo.get("/readyz").await;
        if got == status || Instant::now() > deadline {
            assert_eq!(got, status, "{body}");
            return body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_while_the_database_is_down_and_recovers() {
    let Some(db) = fresh_schema("ready").await else {
        return;
    };
    // postgres://user@HOST:PORT/db?… → the proxy's address in place of HOST:PORT.
    let (scheme_user, rest) = db.split_once('@').expect("a user in the URL");
    let (upstream, path) = rest.split_once('/').expect("a database in the URL");
    let proxy = Proxy::start(upstream.to_owned()).await;
    let via_proxy = format!("{scheme_user}@{}/{path}", proxy.addr);
    let todo = Todo::start(&["--db", &via_proxy, "--rate-limit", "0"]);
    let body = ready_until(&todo, 200).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).ok(),
        Some(json!({"status": "ready", "checks": {"store": "ok"}}))
    );
    proxy.down().await;
    let body = ready_until(&todo, 503).await;
    let body: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["status"], "not_ready");
    assert_ne!(body["checks"]["store"], "ok");
    // Liveness does not follow the database.
    assert_eq!(todo.get("/healthz").await.0, 200);
    proxy.back();
    ready_until(&todo, 200).await;
    let (status, _) = todo
        .call("frank", &json!({"type": "threads.list", "params": {}}))
        .await;
    assert_eq!(status, 200, "serving again");
}

// ---------------------------------------------------------------------------------------------
// Shutdown

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_stream_lets_it_finish() {
    // The assistant thinks 1.5 s before answering: the stream is in flight at SIGTERM.
    let mut todo = Todo::start(&[
        "--db",
        ":memory:",
        "--rate-limit",
        "0",
        "--think-ms",
        "1500",
    ]);
    let response = todo
        .post(
            "grace",
            json!({"type": "threads.create", "params": {"input": input("add water plants")}})
                .to_string(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mut body = response;
    let mut text = String::new();
    // The first events (thread.created, the user message) arrive before the assistant's.
    while !text.contains("thread.created") {
        let chunk = body.chunk().await.expect("bytes").expect("a first chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &todo.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    // Not ready any more, or not accepting at all: either way no new work.
    tokio::time::sleep(Duration::from_millis(200)).await;
    match todo.http.get(format!("{}/readyz", todo.base)).send().await {
        Ok(response) => assert_eq!(response.status().as_u16(), 503),
        Err(error) => assert!(error.is_connect() || error.is_request(), "{error}"),
    }
    while let Some(chunk) = body.chunk().await.expect("the stream continues") {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let events = events(&text);
    assert!(
        events
            .iter()
            .any(|event| event["type"] == "thread.item.done"
                && event["item"]["type"] == "assistant_message"),
        "the answer arrived in full: {events:?}"
    );
    assert!(
        events.iter().all(|event| event["type"] != "error"),
        "{events:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(Some(status)) = todo.child.try_wait() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}
