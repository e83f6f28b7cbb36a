//! A counter as a ChatKit backend: the workload of the Python SDK baseline
//! (`../shared/anchors/python-chatkit/server.py`), rebuilt on this crate for the server
//! benchmark (`docs/benchmarks.md`).
//!
//! - `respond`: one assistant message ("You said: …", or "Hello!" without text);
//! - `increment {count}`: stores a hidden context item ("User set the counter to N"), then
//!   replaces the sender widget with [`counter_widget`]`(count + 1)` (`thread.item.replaced`),
//!   or, when the action has no sender, adds a new counter card (`thread.item.done`);
//! - `reset`: the same with the count 0;
//! - `increment_sync` and `reset_sync`: the same update answered through
//!   `threads.sync_custom_action` as `{"updated_item": …}` JSON. The SDK routes one action to
//!   `action()` or `sync_action()` by request type; here a type string is streamed or not by
//!   declaration, so the synchronous forms are their own variants.
//!
//! The load tool replays one request body, so every action is `#[action(client_payload)]`:
//! any count the client sends is accepted and answered with the successful response.
//!
//! Run it with `cargo run --release --example counter -- --port 8000 --store memory`.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use chatkit_actions::handler::{
    ActionContext, HandlerResult, Respond, SyncActionContext, SyncResult,
};
use chatkit_actions::server::ChatKitServer;
use chatkit_actions::store::{MemoryStore, PostgresStore, SqliteStore, Store, StoreError};
use chatkit_actions::thread::UserMessageItem;
use chatkit_actions::widget::{Button, ButtonStyle, Card, FontWeight, Text, TextSize};
use chatkit_actions::{Action, action_handler};
use clap::{Parser, ValueEnum};
use tokio::net::TcpListener;

/// The path of the ChatKit endpoint (the Python baseline's too).
pub const ENDPOINT: &str = "/chatkit";

/// The counter's actions. Every one may be built by the client (`client_payload`): the
/// benchmark sends the same `increment` again and again, whatever the widget now shows.
#[derive(Action, Debug, Clone, PartialEq, Eq)]
pub enum CounterAction {
    /// Sets the counter to `count + 1`: `{"type": "increment", "payload": {"count": 1}}`.
    #[action(client_payload)]
    Increment {
        /// The count the widget showed.
        count: i64,
    },
    /// Sets the counter to 0.
    #[action(client_payload)]
    Reset,
    /// `increment`, answered synchronously (`threads.sync_custom_action`).
    #[action(client_payload, streaming = false)]
    IncrementSync {
        /// The count the widget showed.
        count: i64,
    },
    /// `reset`, answered synchronously (`threads.sync_custom_action`).
    #[action(client_payload, streaming = false)]
    ResetSync,
}

/// The counter card: a Text with the count and a Button whose action is the next
/// `increment` (the Python baseline's `counter_widget`).
pub fn counter_widget(count: i64) -> Card {
    Card::new()
        .key("counter")
        .child(
            Text::new(format!("Count: {count}"))
                .id("count")
                .size(TextSize::Lg)
                .weight(FontWeight::Semibold),
        )
        .child(
            Button::new("Increment")
                .style(ButtonStyle::Primary)
                .on_click_action(CounterAction::Increment { count }),
        )
}

/// The hidden note for the model after a change.
fn note(count: i64) -> String {
    format!("User set the counter to {count}")
}

/// The handler of [`CounterAction`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Counter;

impl Counter {
    /// The streamed update: the note, then the sender replaced or a new card added.
    async fn show(count: i64, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_hidden_context(note(count)).await?;
        if cx.sender().is_some() {
            cx.replace_sender(counter_widget(count)).await
        } else {
            cx.add_widget(counter_widget(count)).await.map(drop)
        }
    }

    /// The synchronous update: the note and the updated (or new) item, both saved.
    async fn show_sync(count: i64, cx: &mut SyncActionContext<()>) -> SyncResult {
        cx.add_hidden_context(note(count)).await?;
        if cx.sender().is_some() {
            cx.replace_sender(counter_widget(count)).await.map(Some)
        } else {
            Ok(Some(cx.add_widget(counter_widget(count)).await?.into()))
        }
    }
}

#[action_handler(CounterAction)]
impl Counter {
    async fn increment(&self, count: i64, cx: &mut ActionContext<()>) -> HandlerResult {
        Self::show(count.saturating_add(1), cx).await
    }

    async fn reset(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        Self::show(0, cx).await
    }

    async fn increment_sync(&self, count: i64, cx: &mut SyncActionContext<()>) -> SyncResult {
        Self::show_sync(count.saturating_add(1), cx).await
    }

    async fn reset_sync(&self, cx: &mut SyncActionContext<()>) -> SyncResult {
        Self::show_sync(0, cx).await
    }
}

/// The answer to a user message: one assistant message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

impl Respond<()> for Echo {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        let said = input.map(UserMessageItem::text).unwrap_or_default();
        let text = if said.is_empty() {
            "Hello!".to_owned()
        } else {
            format!("You said: {said}")
        };
        cx.add_assistant_message(text).await.map(drop)
    }
}

/// Where the counter keeps its threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// [`MemoryStore`]: gone at exit.
    Memory,
    /// [`SqliteStore`] in the file `--db`.
    Sqlite,
    /// [`PostgresStore`] at the URL `--db` (`postgres://…`); several replicas may share it.
    Postgres,
}

/// The counter ChatKit backend: `POST http://127.0.0.1:PORT/chatkit`.
///
/// Logs go to stderr at `warn` unless `RUST_LOG` says otherwise (a line per request would
/// measure the terminal, not the server).
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "counter", version)]
pub struct Args {
    /// The port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// The store.
    #[arg(long, value_enum, default_value_t = StoreKind::Memory)]
    pub store: StoreKind,
    /// The `SQLite` file of `--store sqlite`, created if missing (`:memory:` keeps nothing),
    /// or the URL of `--store postgres` (`postgres://user@127.0.0.1:5432/db`).
    #[arg(long, default_value = "counter.db")]
    pub db: String,
    /// The connection limits.
    #[command(flatten)]
    pub serve: crate::serving::ServeArgs,
}

/// Opens the store `args` ask for.
///
/// # Errors
///
/// When the `SQLite` file cannot be opened, or the PostgreSQL database reached.
pub async fn open_store(args: &Args) -> Result<Arc<dyn Store<()>>, StoreError> {
    Ok(match args.store {
        StoreKind::Memory => Arc::new(MemoryStore::new()),
        StoreKind::Sqlite if args.db == ":memory:" => Arc::new(SqliteStore::in_memory()?),
        StoreKind::Sqlite => Arc::new(SqliteStore::open(&args.db)?),
        StoreKind::Postgres => Arc::new(PostgresStore::connect(&args.db).await?),
    })
}

/// The HTTP application over `store`: the ChatKit endpoint at [`ENDPOINT`].
pub fn app(store: Arc<dyn Store<()>>) -> axum::Router {
    let server = ChatKitServer::with_shared_store(store, Counter).respond_with(Echo);
    chatkit_actions::http::router(server, ENDPOINT)
}

/// Runs the backend: opens the store, binds `127.0.0.1:PORT`, prints one line, and serves
/// until Ctrl-C or `SIGTERM`.
///
/// # Errors
///
/// When the store cannot be opened, the port cannot be bound, or serving fails.
pub async fn run(args: Args) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = open_store(&args).await?;
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port))).await?;
    println!(
        "counter backend listening on http://{}{ENDPOINT} (store: {:?})",
        listener.local_addr()?,
        args.store
    );
    // `serve` sets `TCP_NODELAY`: an event stream is written frame by frame, and Nagle's
    // algorithm would hold each small frame back until the client's delayed ACK.
    chatkit_actions::serve::serve(
        listener,
        app(store),
        args.serve.config(),
        chatkit_actions::serve::shutdown_signal(),
    )
    .await?;
    Ok(())
}

/// Sends logs to stderr, filtered by `RUST_LOG` (`warn` when unset).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use chatkit_actions::server::Processed;
    use chatkit_actions::thread::ThreadStreamEvent;

    use super::*;

    fn server() -> ChatKitServer<Counter> {
        ChatKitServer::new(MemoryStore::new(), Counter).respond_with(Echo)
    }

    async fn events(server: &ChatKitServer<Counter>, body: &str) -> Vec<serde_json::Value> {
        let Ok(Processed::Stream(stream)) = server.process(body.as_bytes(), ()).await else {
            panic!("a stream for {body}");
        };
        stream
            .collect_events()
            .await
            .iter()
            .map(|event: &ThreadStreamEvent| serde_json::to_value(event).unwrap_or_default())
            .collect()
    }

    fn find<'a>(events: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
        events
            .iter()
            .find(|event| event["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {events:?}"))
    }

    #[tokio::test]
    async fn increments_the_sender_and_answers_every_count() {
        let server = server();
        let created = events(
            &server,
            r#"{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}}}}"#,
        )
        .await;
        let thread = find(&created, "thread.created")["thread"]["id"].clone();
        let message = &find(&created, "thread.item.done")["item"];
        assert_eq!(message["type"], "user_message");
        assert!(
            created
                .iter()
                .any(|e| e["item"]["content"][0]["text"] == "You said: hi")
        );

        let first = events(
            &server,
            &format!(r#"{{"type":"threads.custom_action","params":{{"thread_id":{thread},"action":{{"type":"increment","payload":{{"count":0}}}}}}}}"#),
        )
        .await;
        let card = &find(&first, "thread.item.done")["item"];
        assert_eq!(card["widget"]["children"][0]["value"], "Count: 1");
        let item = card["id"].clone();

        // The same body again and again: always the replaced card, never an error.
        for _ in 0..3 {
            let again = events(
                &server,
                &format!(r#"{{"type":"threads.custom_action","params":{{"thread_id":{thread},"item_id":{item},"action":{{"type":"increment","payload":{{"count":41}}}}}}}}"#),
            )
            .await;
            assert!(again.iter().all(|e| e["type"] != "error"), "{again:?}");
            let replaced = &find(&again, "thread.item.replaced")["item"];
            assert_eq!(replaced["id"], item);
            assert_eq!(replaced["widget"]["children"][0]["value"], "Count: 42");
            assert_eq!(
                replaced["widget"]["children"][1]["onClickAction"]["payload"]["count"],
                42
            );
        }

        let sync = server
            .process(
                format!(r#"{{"type":"threads.sync_custom_action","params":{{"thread_id":{thread},"item_id":{item},"action":{{"type":"reset_sync"}}}}}}"#)
                    .as_bytes(),
                (),
            )
            .await;
        let Ok(Processed::Json(body)) = sync else {
            panic!("a JSON answer: {sync:?}");
        };
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(
            body["updated_item"]["widget"]["children"][0]["value"],
            "Count: 0"
        );
    }
}
