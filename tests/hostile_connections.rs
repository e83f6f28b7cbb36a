//! Hostile connections against the todo backend, served by `chatkit_actions::serve`: half-open
//! requests, a dripping body, more connections than the open-files limit holds, a client
//! that stops reading, one user opening too many streams, and `SIGTERM` with all of that
//! open. Loopback only; every loop is bounded; the timeouts are set short (a second or two)
//! so each case runs in seconds, and every wait allows a few seconds of slack for a loaded
//! machine.
//!
//! The process cases run the todo example binary (for its own open-files limit and its
//! signals); the stream cases serve the todo backend in-process with a slow responder in
//! place of its instant one (a model stand-in), to hold streams open as long as needed.

mod support;
use support::todo_binary;

use std::io::{BufRead, BufReader};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chatkit_actions::handler::{ActionContext, HandlerError, HandlerResult, Respond};
use chatkit_actions::http::StreamLimit;
use chatkit_actions::serve::ServeConfig;
use chatkit_actions::server::ChatKitServer;
use chatkit_actions::store::{MemoryStore, Store, StoreItemType};
use chatkit_actions::thread::{
    AssistantMessageItem, SortOrder, ThreadItem, ThreadItemUpdate, ThreadStreamEvent,
    UserMessageItem,
};
use chatkit_examples::todo::server::{ENDPOINT, RunningServer, start_app};
use chatkit_examples::todo::{Session, TodoApp};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Slack on top of a timeout before a test calls it missed: the machine may be loaded.
const SLACK: Duration = Duration::from_secs(4);

/// A todo backend process, its address, and the file its log goes to.
struct Process {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Process {
    /// Starts the todo binary on a free port with `args`, with at most `open_files` open
    /// files if given (`ulimit -n`, soft and hard).
    fn start(name: &str, args: &[&str], open_files: Option<u32>) -> Process {
        let binary = todo_binary();
        let log =
            std::env::temp_dir().join(format!("chatkit-hostile-{name}-{}.log", std::process::id()));
        let mut command = if let Some(limit) = open_files {
            let mut shell = Command::new("sh");
            shell
                .arg("-c")
                .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                .arg(&binary);
            shell
        } else {
            Command::new(&binary)
        };
        command
            .args(["--port", "0", "--db", ":memory:", "--rate-limit", "0"])
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("the log file"));
        let mut child = command.spawn().expect("start the todo backend");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut banner = String::new();
        BufReader::new(stdout)
            .read_line(&mut banner)
            .expect("the banner line");
        let url = banner
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("a URL in the banner: {banner:?}"));
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches(ENDPOINT)
            .to_owned();
        Process { child, addr, log }
    }

    fn url(&self) -> String {
        format!("http://{}{ENDPOINT}", self.addr)
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A client without pooled connections, so each request opens its own (as a new user's).
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client")
}

/// `threads.list` as `user`: the status and the body, or why it failed.
async fn list_threads(
    client: &reqwest::Client,
    url: &str,
    user: &str,
) -> Result<(u16, String), String> {
    let response = client
        .post(url)
        .header("x-user-id", user)
        .json(&json!({ "type": "threads.list", "params": {} }))
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|error| error.to_string())?;
    Ok((status, body))
}

/// Opens `count` connections that send a request line and one header, then nothing.
async fn half_open(addr: &str, count: usize) -> Vec<TcpStream> {
    let mut open = Vec::with_capacity(count);
    for _ in 0..count {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"POST /chatkit HTTP/1.1\r\nhost: localhost\r\n")
            .await
            .expect("the first header");
        open.push(stream);
    }
    open
}

/// Whether the server closed `stream` within `within`: a read sees the end or a reset.
async fn closed_within(mut stream: TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + within;
    // Bounded: each read either ends the loop or returns bytes (a server answer such as 408),
    // and the deadline bounds the waiting.
    for _ in 0..64 {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_requests_and_a_dripping_body_are_closed_while_others_are_served() {
    const HALF_OPEN: usize = 1000;
    let timeout = Duration::from_secs(2);
    let server = Process::start(
        "half-open",
        &["--header-timeout", "2", "--body-timeout", "2"],
        None,
    );
    let started = Instant::now();
    let hostile = half_open(&server.addr, HALF_OPEN).await;
    let opened = started.elapsed();

    // A body announced as 100 bytes, dripped one byte every half second.
    let mut drip = TcpStream::connect(&server.addr).await.expect("connect");
    drip.write_all(
        b"POST /chatkit HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n",
    )
    .await
    .expect("the head");
    let (mut drip_read, mut drip_write) = drip.into_split();
    let dripping = tokio::spawn(async move {
        for _ in 0..100 {
            if drip_write.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    let drip_started = Instant::now();

    // Normal requests, each on a new connection, keep succeeding meanwhile.
    let client = fresh_client();
    for _ in 0..5 {
        let asked = Instant::now();
        let (status, body) = list_threads(&client, &server.url(), "alice")
            .await
            .expect("a normal request is answered");
        assert_eq!(status, 200, "{body}");
        assert!(asked.elapsed() < Duration::from_secs(2), "answered at once");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The dripping body: a 408 within the body timeout, then the close.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(timeout + SLACK, async {
        let mut buf = [0u8; 1024];
        for _ in 0..64 {
            match drip_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the dripping body was still being read");
    assert!(
        drip_started.elapsed() < timeout + SLACK,
        "answered within the body timeout"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "a 408: {answer}");
    // The body may be lost: a drip byte reaching the closed socket resets the connection,
    // and the reset discards what this side had not read yet.
    if let Some((_, body)) = answer.split_once("\r\n\r\n")
        && !body.is_empty()
    {
        assert!(body.contains("\"code\":\"request_timeout\""), "{answer}");
        assert!(body.contains("within 2000 ms"), "{answer}");
    }
    dripping.abort();

    // Every half-open connection is closed within the header timeout (counted from when the
    // last one was opened).
    let within = (timeout + SLACK).saturating_sub(started.elapsed().saturating_sub(opened));
    let checks: Vec<_> = hostile
        .into_iter()
        .map(|stream| tokio::spawn(closed_within(stream, within.max(SLACK))))
        .collect();
    let mut closed = 0;
    for check in checks {
        closed += usize::from(check.await.expect("a check"));
    }
    assert_eq!(closed, HALF_OPEN, "every half-open connection was closed");

    let (status, _) = list_threads(&client, &server.url(), "alice")
        .await
        .expect("still serving");
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_open_files_limit_sheds_hostile_connections_and_serves_again() {
    // 512 files: the cap is 448 connections (an eighth kept in reserve); 700 half-open
    // connections are more than the process could hold.
    const HOSTILE: usize = 700;
    let timeout = Duration::from_secs(2);
    let mut server = Process::start("low-limit", &["--header-timeout", "2"], Some(512));
    let _hostile = half_open(&server.addr, HOSTILE).await;
    let flooded = Instant::now();

    // A normal request waits behind the flood at most until the first wave times out.
    let client = fresh_client();
    let answered = tokio::time::timeout(
        2 * timeout + SLACK,
        list_threads(&client, &server.url(), "alice"),
    )
    .await;
    let Ok(Ok((status, body))) = answered else {
        panic!(
            "no answer within the header timeout: {answered:?}\n{}",
            server.log()
        );
    };
    assert_eq!(status, 200, "{body}");
    assert!(flooded.elapsed() < 2 * timeout + SLACK);

    // The flood is shed: a little later requests are answered at once again.
    tokio::time::sleep(2 * timeout).await;
    let asked = Instant::now();
    let (status, _) = list_threads(&client, &server.url(), "alice")
        .await
        .expect("serving again");
    assert_eq!(status, 200);
    assert!(asked.elapsed() < Duration::from_secs(2), "answered at once");
    assert!(server.alive(), "the server is still running");
    let log = server.log();
    assert!(log.contains("max_connections=448"), "{log}");
    assert!(log.contains("connection cap reached"), "{log}");
    assert!(!log.contains("accepting a connection failed"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_hostile_connections_open_exits_within_the_shutdown_deadline() {
    let deadline = Duration::from_secs(2);
    // A header timeout far longer than the deadline: only the deadline can close them.
    let mut server = Process::start(
        "sigterm",
        &["--header-timeout", "60", "--shutdown-timeout", "2"],
        None,
    );
    let _hostile = half_open(&server.addr, 50).await;
    let client = fresh_client();
    let (status, _) = list_threads(&client, &server.url(), "alice")
        .await
        .expect("serving");
    assert_eq!(status, 200);

    let signalled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let mut exited = None;
    for _ in 0..200 {
        if let Ok(Some(status)) = server.child.try_wait() {
            exited = Some(status);
            break;
        }
        if signalled.elapsed() > deadline + SLACK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = exited.unwrap_or_else(|| {
        panic!(
            "still running {:?} after SIGTERM\n{}",
            signalled.elapsed(),
            server.log()
        )
    });
    assert!(status.success(), "a clean exit: {status}");
    assert!(
        server.log().contains("shutdown deadline passed"),
        "{}",
        server.log()
    );
}

// ---------------------------------------------------------------------------------------------
// Streams: the todo backend with a slow responder

/// A model stand-in: `slow N` answers with N progress updates a quarter second apart, then a
/// message; `flood` streams 64 KiB text deltas until the client is gone (at most 2000); any
/// other message gets `ok`.
#[derive(Clone, Default)]
struct SlowResponder {
    cancelled: Arc<AtomicBool>,
}

impl Respond<Session> for SlowResponder {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<Session>,
    ) -> HandlerResult {
        let text = input.map(UserMessageItem::text).unwrap_or_default();
        let result = if let Some(ticks) = text.strip_prefix("slow ") {
            let ticks: u32 = ticks.parse().unwrap_or(1);
            slow(cx, ticks).await
        } else if text == "flood" {
            flood(cx).await
        } else {
            cx.add_assistant_message("ok").await.map(drop)
        };
        if result.as_ref().is_err_and(HandlerError::is_cancelled) {
            self.cancelled.store(true, Ordering::SeqCst);
        }
        result
    }
}

async fn slow(cx: &mut ActionContext<Session>, ticks: u32) -> HandlerResult {
    for tick in 0..ticks {
        tokio::time::sleep(Duration::from_millis(250)).await;
        cx.emit(ThreadStreamEvent::progress_update(format!("tick {tick}")))
            .await?;
    }
    cx.add_assistant_message(format!("done after {ticks} ticks"))
        .await
        .map(drop)
}

async fn flood(cx: &mut ActionContext<Session>) -> HandlerResult {
    let id = cx.new_item_id(StoreItemType::Message);
    let message = AssistantMessageItem::empty(id.clone(), cx.thread().id.clone());
    cx.emit(ThreadStreamEvent::item_added(message)).await?;
    let delta = "x".repeat(64 * 1024);
    for _ in 0..2000 {
        let update = ThreadItemUpdate::text_delta(0, delta.clone());
        cx.emit(ThreadStreamEvent::item_updated(id.clone(), update))
            .await?;
    }
    Err(HandlerError::custom("the client kept reading 128 MiB"))
}

/// The todo backend with [`SlowResponder`], served in-process with one-second timeouts and a
/// cap of two streams per user.
struct Slow {
    server: RunningServer,
    store: Arc<MemoryStore>,
    cancelled: Arc<AtomicBool>,
}

const SECOND: Duration = Duration::from_secs(1);

impl Slow {
    async fn start() -> Slow {
        let store = Arc::new(MemoryStore::new());
        let responder = SlowResponder::default();
        let cancelled = Arc::clone(&responder.cancelled);
        let shared: Arc<dyn Store<Session>> = store.clone();
        let chatkit = ChatKitServer::with_shared_store(shared, TodoApp).respond_with(responder);
        let limit = StreamLimit::per_user(NonZeroUsize::new(2).expect("2"), |session: &Session| {
            Some(session.user.clone())
        })
        .retry_after(Duration::from_secs(3));
        let app = chatkit_actions::http::router_with_stream_limit(chatkit, ENDPOINT, limit);
        let config = ServeConfig::default()
            .header_read_timeout(SECOND)
            .body_read_timeout(SECOND)
            .send_timeout(SECOND)
            .shutdown_timeout(SECOND);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let server = start_app(listener, app, config).expect("serve");
        Slow {
            server,
            store,
            cancelled,
        }
    }

    fn url(&self) -> String {
        self.server.endpoint_url()
    }

    async fn items(&self, thread_id: &str, user: &str) -> Vec<ThreadItem> {
        let session = Session {
            user: user.to_owned(),
        };
        self.store
            .load_thread_items(thread_id, None, 1000, SortOrder::Asc, &session)
            .await
            .expect("load items")
            .data
    }
}

fn create(text: &str) -> Value {
    json!({
        "type": "threads.create",
        "params": { "input": {
            "content": [{ "type": "input_text", "text": text }],
            "attachments": [], "inference_options": {},
        }},
    })
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

async fn post(client: &reqwest::Client, url: &str, user: &str, body: &Value) -> reqwest::Response {
    client
        .post(url)
        .header("x-user-id", user)
        .json(body)
        .send()
        .await
        .expect("the request reaches the server")
}

/// The number of seconds a long honest stream lasts: `CHATKIT_LONG_STREAM_SECS`, else 12
/// (twelve times every timeout of the server under test).
fn long_stream() -> Duration {
    std::env::var("CHATKIT_LONG_STREAM_SECS")
        .ok()
        .and_then(|secs| secs.parse().ok())
        .map_or(Duration::from_secs(12), Duration::from_secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_long_stream_is_not_cut_by_the_timeouts() {
    let slow = Slow::start().await;
    let client = reqwest::Client::new();
    let ticks = u32::try_from(long_stream().as_millis() / 250).unwrap_or(u32::MAX);
    let started = Instant::now();
    let mut response = post(
        &client,
        &slow.url(),
        "alice",
        &create(&format!("slow {ticks}")),
    )
    .await;
    assert_eq!(response.status(), 200);
    let mut body = Vec::new();
    // Bounded by the number of chunks a stream of `ticks` events can take, and by time.
    let read = tokio::time::timeout(long_stream() + SLACK * 4, async {
        for _ in 0..(ticks * 4 + 64) {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => return Ok(()),
                Err(error) => return Err(error.to_string()),
            }
        }
        Err("more chunks than events".to_owned())
    })
    .await;
    assert_eq!(read, Ok(Ok(())), "the stream ran to its end");
    let body = String::from_utf8_lossy(&body);
    assert!(started.elapsed() >= long_stream().saturating_sub(SECOND));
    assert!(body.contains(&format!("tick {}", ticks - 1)), "{body}");
    assert!(
        body.contains(&format!("done after {ticks} ticks")),
        "{body}"
    );
    assert!(!body.contains("\"type\":\"error\""), "{body}");
    assert!(!slow.cancelled.load(Ordering::SeqCst));
    slow.server.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_and_its_thread_stays_consistent() {
    let slow = Slow::start().await;
    let body = create("flood").to_string();
    let mut stream = TcpStream::connect(slow.server.addr())
        .await
        .expect("connect");
    let request = format!(
        "POST {ENDPOINT} HTTP/1.1\r\nhost: localhost\r\nx-user-id: alice\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request");
    // Read until the thread's id has come, then stop reading (and keep the socket open).
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let thread_id = loop {
        assert!(seen.len() < 4 << 20, "no thread.created in the first MiB");
        let n = tokio::time::timeout(SLACK, stream.read(&mut buf))
            .await
            .expect("the stream starts")
            .expect("read");
        assert!(n > 0, "the stream ended early");
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen);
        if let Some(start) = text.find("data: {\"type\":\"thread.created\"") {
            let frame = &text[start + "data: ".len()..];
            if let Some(end) = frame.find("\n\n") {
                let event: Value = serde_json::from_str(&frame[..end]).expect("an event");
                break event["thread"]["id"]
                    .as_str()
                    .expect("a thread id")
                    .to_owned();
            }
        }
    };

    // The send buffers fill up; a second later the server drops the connection and the
    // responder sees the cancellation, as on a disconnect.
    let stopped = Instant::now();
    let mut cancelled = false;
    for _ in 0..400 {
        if slow.cancelled.load(Ordering::SeqCst) {
            cancelled = true;
            break;
        }
        if stopped.elapsed() > SECOND + SLACK * 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(cancelled, "the stalled client was not dropped");

    // The cancellation handling ran: the thread keeps the user message, the assistant
    // message as far as it went, and the cancellation note; and it takes new messages.
    let mut items = Vec::new();
    for _ in 0..200 {
        items = slow.items(&thread_id, "alice").await;
        if items
            .iter()
            .any(|item| matches!(item, ThreadItem::SdkHiddenContext(_)))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        matches!(items.first(), Some(ThreadItem::UserMessage(_))),
        "{items:?}"
    );
    assert!(
        items
            .iter()
            .any(|item| matches!(item, ThreadItem::SdkHiddenContext(_))),
        "the cancellation note"
    );
    drop(stream);
    let client = reqwest::Client::new();
    let response = post(&client, &slow.url(), "alice", &say(&thread_id, "hello")).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("the stream");
    assert!(text.contains("\"ok\""), "{text}");
    assert!(!text.contains("\"type\":\"error\""), "{text}");
    slow.server.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_over_the_stream_cap_gets_429_and_others_are_unaffected() {
    let slow = Slow::start().await;
    let client = reqwest::Client::new();
    // Alice opens her two streams (each 4 s long) and keeps them open.
    let mut open = Vec::new();
    for _ in 0..2 {
        let response = post(&client, &slow.url(), "alice", &create("slow 16")).await;
        assert_eq!(response.status(), 200);
        open.push(response);
    }

    // The third is refused at once, with Retry-After and a JSON error.
    let refused = post(&client, &slow.url(), "alice", &create("slow 1")).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok()),
        Some("3")
    );
    let error: Value = refused.json().await.expect("a JSON error");
    assert_eq!(error["error"]["code"], "too_many_streams", "{error}");
    // Requests that do not stream are not counted.
    let (status, _) = list_threads(&client, &slow.url(), "alice")
        .await
        .expect("threads.list");
    assert_eq!(status, 200);

    // Bob is unaffected.
    let bob = post(&client, &slow.url(), "bob", &create("slow 1")).await;
    assert_eq!(bob.status(), 200);
    let text = bob.text().await.expect("bob's stream");
    assert!(text.contains("done after 1 ticks"), "{text}");

    // Alice leaves one stream: its slot is free again (as soon as the server sees it go).
    drop(open.pop());
    let mut status = 0;
    for _ in 0..100 {
        let response = post(&client, &slow.url(), "alice", &create("slow 1")).await;
        status = response.status().as_u16();
        if status == 200 {
            let text = response.text().await.expect("the stream");
            assert!(text.contains("done after 1 ticks"), "{text}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "a slot was freed by the disconnect");
    drop(open);
    slow.server.stop().await.expect("stop");
}
