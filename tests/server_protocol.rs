//! The server runtime against the acceptance checklist of the protocol reference (§9.2): one
//! test per checklist line about the requests this server supports, each one driving
//! [`ChatKitServer::process`] with raw JSON bodies, exactly as the HTTP layer does.
//!
//! Every test runs over [`MemoryStore`] (`memory::…`), an in-memory [`SqliteStore`]
//! (`sqlite::…`) and, when `CHATKIT_POSTGRES_URL` names a server, a [`PostgresStore`] in a
//! fresh schema (`postgres::…`; without the variable those say so and check nothing), each
//! wrapped in a [`Spy`] that records the store calls.
//!
//! The test application answers user messages with a script written in the message text:
//! `;`-separated commands such as `title:Trip;stream:Hello, |World!` (see [`run_script`]).
//! Lines about attachments, transcription and structured input check the clear "not
//! supported" error (501) this server answers with instead.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chatkit_actions::handler::{
    ActionContext, HandlerError, HandlerResult, Respond, SyncActionContext, SyncResult,
};
use chatkit_actions::request::FeedbackKind;
use chatkit_actions::server::{ChatKitServer, EventStream, ProcessError, Processed};
use chatkit_actions::store::{
    MemoryStore, PostgresStore, SqliteStore, Store, StoreError, StoreItemType, StoreScope,
    StoreTransaction,
};
use chatkit_actions::thread::{
    AssistantMessageContent, AssistantMessageItem, Attachment, ClientToolCallItem, CustomTask,
    Page, SdkHiddenContextItem, SortOrder, ThreadItem, ThreadItemUpdate, ThreadMetadata,
    ThreadStatus, ThreadStreamEvent, UserMessageItem, WidgetItem, Workflow, WorkflowItem,
};
use chatkit_actions::widget::{Card, Text, WidgetRoot};
use chatkit_actions::{Action, action_handler, async_trait};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

// ---------------------------------------------------------------------------------------------
// The test application
// ---------------------------------------------------------------------------------------------

/// The request context: the user asking. The built-in stores keep each user's data apart.
#[derive(Debug, Clone)]
struct User(String);

impl StoreScope for User {
    fn scope(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// The test application's actions. The protocol tests send them to arbitrary widgets, or to
/// none, so all are `client_payload` (no provenance check; `tests/untrusted_actions.rs` tests
/// that).
#[derive(Action, Debug)]
enum TestAction {
    /// Streams `widget.root.updated` for the sender: a card showing `label` (or, without a
    /// sender, says so in an assistant message).
    #[action(rename = "widget.update", client_payload)]
    Update { label: String },
    /// Replaces the sender widget with a card showing `label` (`thread.item.replaced`).
    #[action(rename = "widget.replace", client_payload)]
    Replace { label: String },
    /// Runs a script, as a user message would.
    #[action(rename = "script", client_payload)]
    Script(String),
    /// Synchronous: returns the sender with a card showing `label`, or nothing when `label`
    /// is empty. Saves nothing.
    #[action(rename = "widget.sync", streaming = false, client_payload)]
    Sync { label: String },
}

/// What the application saw, for the tests to check.
#[derive(Default)]
struct Log {
    /// Every call of the responder: its input and the user of the request context.
    responds: Mutex<Vec<(Option<UserMessageItem>, String)>>,
    /// Every action handled: its type, the sender widget's id, the user.
    actions: Mutex<Vec<(&'static str, Option<String>, String)>>,
    /// Every `items.feedback`: thread id, item ids, kind, user.
    feedback: Mutex<Vec<Feedback>>,
    /// What the `wait` command waits for.
    gate: Notify,
}

/// One `items.feedback` call: thread id, item ids, kind, user.
type Feedback = (String, Vec<String>, FeedbackKind, String);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The action handler.
struct App {
    log: Arc<Log>,
}

impl App {
    fn record(&self, action: &'static str, sender: Option<&WidgetItem>, user: &User) {
        lock(&self.log.actions).push((action, sender.map(|w| w.id.clone()), user.0.clone()));
    }
}

#[action_handler(TestAction, context = User)]
impl App {
    async fn update(&self, label: String, cx: &mut ActionContext<User>) -> HandlerResult {
        self.record("widget.update", cx.sender(), cx.request());
        match cx.sender().map(|sender| sender.id.clone()) {
            Some(id) => {
                let update = ThreadItemUpdate::widget_root_updated(card(&label));
                cx.emit(ThreadStreamEvent::item_updated(id, update)).await
            }
            None => cx
                .add_assistant_message(format!("no sender: {label}"))
                .await
                .map(drop),
        }
    }

    async fn replace(&self, label: String, cx: &mut ActionContext<User>) -> HandlerResult {
        self.record("widget.replace", cx.sender(), cx.request());
        cx.replace_sender(card(&label)).await
    }

    async fn script(&self, script: String, cx: &mut ActionContext<User>) -> HandlerResult {
        self.record("script", cx.sender(), cx.request());
        run_script(&script, cx, &self.log).await
    }

    async fn sync(&self, label: String, cx: &mut SyncActionContext<User>) -> SyncResult {
        self.record("widget.sync", cx.sender(), cx.request());
        if label.is_empty() {
            return Ok(None);
        }
        let Some(sender) = cx.sender() else {
            return Err(HandlerError::custom("no sender"));
        };
        let mut item = sender.clone();
        *item.widget = card(&label);
        Ok(Some(ThreadItem::Widget(item)))
    }
}

/// The responder: runs the user message's text as a script; without a user message (after a
/// client tool output), says `after tool`.
struct Scripted {
    log: Arc<Log>,
}

impl Respond<User> for Scripted {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<User>,
    ) -> HandlerResult {
        lock(&self.log.responds).push((input.cloned(), cx.request().0.clone()));
        let script = input.map_or_else(|| "say:after tool".to_owned(), UserMessageItem::text);
        run_script(&script, cx, &self.log).await
    }
}

/// A card with one text.
fn card(label: &str) -> WidgetRoot {
    Card::new().child(Text::new(label)).into()
}

/// Runs `;`-separated commands, each `name` or `name:argument`:
///
/// | command | does |
/// |---|---|
/// | `title:T`, `meta:k=v`, `lock:reason`, `domains:a,b` | changes the thread |
/// | `say:X` | one assistant message (`thread.item.done`) |
/// | `added`, `delta:X`, `done` | an assistant message streamed by parts |
/// | `stream:A\|B` | `added`, `delta:A`, `delta:B`, `done` |
/// | `progress:X` | a `progress_update` |
/// | `hidden:X`, `sdk-hidden:X` | a hidden context item (`thread.item.done`) |
/// | `tool:name` | a pending client tool call (`thread.item.done`) |
/// | `widget:X` | a widget item (card showing X) |
/// | `workflow` | a workflow added, a task added by an update, done with that one task |
/// | `remove:id` | `thread.item.removed` |
/// | `replace:id` | `thread.item.replaced`: the item becomes a widget, same id and time |
/// | `wait` | waits for the test to open [`Log::gate`] |
/// | `fail:X`, `custom-error:X`, `stream-error:code` | fails |
#[expect(clippy::too_many_lines, reason = "one arm per script command")]
async fn run_script(script: &str, cx: &mut ActionContext<User>, log: &Log) -> HandlerResult {
    let thread_id = cx.thread().id.clone();
    let mut streaming: Option<AssistantMessageItem> = None;
    let commands = script
        .split(';')
        .flat_map(|command| match command.split_once(':') {
            Some(("stream", parts)) => {
                let mut expanded = vec!["added".to_owned()];
                expanded.extend(parts.split('|').map(|part| format!("delta:{part}")));
                expanded.push("done".to_owned());
                expanded
            }
            _ => vec![command.to_owned()],
        });
    for command in commands {
        let (name, arg) = command.split_once(':').unwrap_or((&command, ""));
        match name {
            "title" => cx.thread_mut().title = Some(arg.to_owned()),
            "meta" => {
                let (key, value) = arg.split_once('=').expect("meta:key=value");
                cx.thread_mut()
                    .metadata
                    .insert(key.to_owned(), Value::from(value));
            }
            "lock" => cx.thread_mut().status = ThreadStatus::locked(arg),
            "domains" => {
                cx.thread_mut().allowed_image_domains =
                    Some(arg.split(',').map(str::to_owned).collect());
            }
            "say" => {
                cx.add_assistant_message(arg).await?;
            }
            "added" => {
                let id = cx.new_item_id(StoreItemType::Message);
                let message = AssistantMessageItem::empty(id, thread_id.clone());
                cx.emit(ThreadStreamEvent::item_added(message.clone()))
                    .await?;
                streaming = Some(message);
            }
            "delta" => {
                let message = streaming.as_mut().expect("`added` before `delta`");
                if message.content.is_empty() {
                    message.content.push(AssistantMessageContent::new(""));
                }
                message.content[0].text.push_str(arg);
                let update = ThreadItemUpdate::text_delta(0, arg);
                let id = message.id.clone();
                cx.emit(ThreadStreamEvent::item_updated(id, update)).await?;
            }
            "done" => {
                let message = streaming.take().expect("`added` before `done`");
                cx.emit(ThreadStreamEvent::item_done(message)).await?;
            }
            "progress" => cx.emit(ThreadStreamEvent::progress_update(arg)).await?,
            "hidden" => cx.add_hidden_context(arg).await?,
            "sdk-hidden" => {
                let id = cx.new_item_id(StoreItemType::SdkHiddenContext);
                let item = SdkHiddenContextItem::new(id, thread_id.clone(), arg);
                cx.emit(ThreadStreamEvent::item_done(item)).await?;
            }
            "tool" => {
                let id = cx.new_item_id(StoreItemType::ToolCall);
                let call_id = format!("call_{id}");
                let item = ClientToolCallItem::new(id, thread_id.clone(), call_id, arg, Map::new());
                cx.emit(ThreadStreamEvent::item_done(item)).await?;
            }
            "widget" => {
                cx.add_widget(card(arg)).await?;
            }
            "workflow" => {
                let id = cx.new_item_id(StoreItemType::Workflow);
                let mut item = WorkflowItem::new(id.clone(), thread_id.clone(), Workflow::custom());
                cx.emit(ThreadStreamEvent::item_added(item.clone())).await?;
                let task = CustomTask::new("step");
                let update = ThreadItemUpdate::task_added(0, task.clone());
                cx.emit(ThreadStreamEvent::item_updated(id, update)).await?;
                item.workflow.tasks.push(task.into());
                cx.emit(ThreadStreamEvent::item_done(item)).await?;
            }
            "remove" => cx.emit(ThreadStreamEvent::item_removed(arg)).await?,
            "replace" => {
                let old = cx.store().load_item(&thread_id, arg, cx.request()).await?;
                let mut widget = WidgetItem::new(arg, thread_id.clone(), card("replaced"));
                widget.created_at = old.created_at().clone();
                cx.emit(ThreadStreamEvent::item_replaced(widget)).await?;
            }
            "wait" => log.gate.notified().await,
            "panic" => panic!("{arg}"),
            "fail" => {
                return Err(HandlerError::internal(std::io::Error::other(
                    arg.to_owned(),
                )));
            }
            "custom-error" => return Err(HandlerError::custom(arg).allow_retry(true)),
            "stream-error" => return Err(HandlerError::stream(arg)),
            "" => {}
            other => panic!("unknown script command `{other}`"),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The store spy
// ---------------------------------------------------------------------------------------------

/// A store that delegates to a built-in one and records every call: its name and the user of
/// its context. It can also generate its own ids, as an application overriding
/// `generate_thread_id` / `generate_item_id` does.
///
/// It passes units of work on ([`Store::begin`]): the transaction of the store it wraps is
/// wrapped in a spy too, sharing the record, so the calls an action makes through its unit
/// are recorded like the others.
struct Spy {
    inner: Arc<dyn Store<User>>,
    /// When this spy wraps a unit of work: that unit.
    transaction: Option<Arc<dyn StoreTransaction<User>>>,
    custom_ids: bool,
    next_id: Arc<AtomicUsize>,
    calls: Arc<Mutex<Vec<(&'static str, String)>>>,
    /// The id of the thread or item each write was about, in order.
    written: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl Spy {
    fn new(inner: Arc<dyn Store<User>>, custom_ids: bool) -> Self {
        Spy {
            inner,
            transaction: None,
            custom_ids,
            next_id: Arc::new(AtomicUsize::new(1)),
            calls: Arc::default(),
            written: Arc::default(),
        }
    }

    fn call(&self, method: &'static str, context: &User) {
        lock(&self.calls).push((method, context.0.clone()));
    }

    fn wrote(&self, method: &'static str, id: &str) {
        lock(&self.written).push((method, id.to_owned()));
    }

    /// Whether a write `method` about `id` reached the store (or the unit of work) yet.
    fn has_written(&self, method: &str, id: &str) -> bool {
        lock(&self.written)
            .iter()
            .any(|(m, i)| *m == method && i == id)
    }

    /// How many writes reached the store so far.
    fn writes(&self) -> usize {
        lock(&self.calls)
            .iter()
            .filter(|(method, _)| {
                matches!(
                    *method,
                    "save_thread"
                        | "add_thread_item"
                        | "save_item"
                        | "delete_thread"
                        | "delete_thread_item"
                        | "save_attachment"
                        | "delete_attachment"
                )
            })
            .count()
    }
}

#[async_trait]
impl Store<User> for Spy {
    fn generate_thread_id(&self, context: &User) -> String {
        self.call("generate_thread_id", context);
        if self.custom_ids {
            format!(
                "custom-thread-{}",
                self.next_id.fetch_add(1, Ordering::Relaxed)
            )
        } else {
            self.inner.generate_thread_id(context)
        }
    }

    fn generate_item_id(
        &self,
        kind: StoreItemType,
        thread: &ThreadMetadata,
        context: &User,
    ) -> String {
        self.call("generate_item_id", context);
        if self.custom_ids {
            let n = self.next_id.fetch_add(1, Ordering::Relaxed);
            format!("custom-{kind}-{n}")
        } else {
            self.inner.generate_item_id(kind, thread, context)
        }
    }

    async fn load_thread(
        &self,
        thread_id: &str,
        context: &User,
    ) -> Result<ThreadMetadata, StoreError> {
        self.call("load_thread", context);
        self.inner.load_thread(thread_id, context).await
    }

    async fn save_thread(&self, thread: &ThreadMetadata, context: &User) -> Result<(), StoreError> {
        self.call("save_thread", context);
        self.wrote("save_thread", &thread.id);
        self.inner.save_thread(thread, context).await
    }

    async fn load_thread_items(
        &self,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: SortOrder,
        context: &User,
    ) -> Result<Page<ThreadItem>, StoreError> {
        self.call("load_thread_items", context);
        self.inner
            .load_thread_items(thread_id, after, limit, order, context)
            .await
    }

    async fn load_threads(
        &self,
        limit: usize,
        after: Option<&str>,
        order: SortOrder,
        context: &User,
    ) -> Result<Page<ThreadMetadata>, StoreError> {
        self.call("load_threads", context);
        self.inner.load_threads(limit, after, order, context).await
    }

    async fn add_thread_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &User,
    ) -> Result<(), StoreError> {
        self.call("add_thread_item", context);
        if item
            .as_assistant_message()
            .is_some_and(|message| message.text() == FAILING_TEXT)
        {
            return Err(StoreError::backend("the disk is full"));
        }
        self.wrote("add_thread_item", item.id());
        self.inner.add_thread_item(thread_id, item, context).await
    }

    async fn save_item(
        &self,
        thread_id: &str,
        item: &ThreadItem,
        context: &User,
    ) -> Result<(), StoreError> {
        self.call("save_item", context);
        self.wrote("save_item", item.id());
        self.inner.save_item(thread_id, item, context).await
    }

    async fn load_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &User,
    ) -> Result<ThreadItem, StoreError> {
        self.call("load_item", context);
        self.inner.load_item(thread_id, item_id, context).await
    }

    async fn delete_thread(&self, thread_id: &str, context: &User) -> Result<(), StoreError> {
        self.call("delete_thread", context);
        self.inner.delete_thread(thread_id, context).await
    }

    async fn delete_thread_item(
        &self,
        thread_id: &str,
        item_id: &str,
        context: &User,
    ) -> Result<(), StoreError> {
        self.call("delete_thread_item", context);
        self.wrote("delete_thread_item", item_id);
        self.inner
            .delete_thread_item(thread_id, item_id, context)
            .await
    }

    async fn save_attachment(
        &self,
        attachment: &Attachment,
        context: &User,
    ) -> Result<(), StoreError> {
        self.call("save_attachment", context);
        self.inner.save_attachment(attachment, context).await
    }

    async fn load_attachment(
        &self,
        attachment_id: &str,
        context: &User,
    ) -> Result<Attachment, StoreError> {
        self.call("load_attachment", context);
        self.inner.load_attachment(attachment_id, context).await
    }

    async fn delete_attachment(
        &self,
        attachment_id: &str,
        context: &User,
    ) -> Result<(), StoreError> {
        self.call("delete_attachment", context);
        self.inner.delete_attachment(attachment_id, context).await
    }

    async fn begin(
        &self,
        thread_id: &str,
        context: &User,
    ) -> Result<Option<Arc<dyn StoreTransaction<User>>>, StoreError> {
        self.call("begin", context);
        let Some(transaction) = self.inner.begin(thread_id, context).await? else {
            return Ok(None);
        };
        let inner: Arc<dyn Store<User>> = transaction.clone();
        Ok(Some(Arc::new(Spy {
            inner,
            transaction: Some(transaction),
            custom_ids: self.custom_ids,
            next_id: Arc::clone(&self.next_id),
            calls: Arc::clone(&self.calls),
            written: Arc::clone(&self.written),
        })))
    }
}

#[async_trait]
impl StoreTransaction<User> for Spy {
    async fn commit(&self) -> Result<(), StoreError> {
        let transaction = self.transaction.as_ref().expect("a unit of work");
        transaction.commit().await
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        let transaction = self.transaction.as_ref().expect("a unit of work");
        transaction.rollback().await
    }
}

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

/// Which built-in store backs the spy.
#[derive(Clone)]
enum Backend {
    Memory,
    Sqlite,
    /// A store in a fresh schema of the server at `CHATKIT_POSTGRES_URL`.
    Postgres(Arc<PostgresStore>),
}

impl Backend {
    /// A PostgreSQL store in a fresh schema, or `None` (said on stderr) without a server.
    async fn postgres() -> Option<Backend> {
        let Ok(url) = std::env::var("CHATKIT_POSTGRES_URL") else {
            eprintln!("skipped: CHATKIT_POSTGRES_URL is not set (see docs/postgres.md)");
            return None;
        };
        let schema = format!("protocol_{}", random_name());
        let store = PostgresStore::connect_in_schema(&url, &schema, 4)
            .await
            .expect("connect to CHATKIT_POSTGRES_URL");
        Some(Backend::Postgres(Arc::new(store)))
    }
}

/// 16 random lowercase hex digits, for a schema name.
fn random_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
    );
    format!("{:016x}", hasher.finish())
}

/// A server over a spied store, the application's log, and the user making requests.
struct Harness {
    server: ChatKitServer<App>,
    spy: Arc<Spy>,
    log: Arc<Log>,
    user: User,
}

impl Harness {
    fn new(backend: Backend) -> Self {
        Self::build(backend, false, |server| server)
    }

    fn build(
        backend: Backend,
        custom_ids: bool,
        configure: impl FnOnce(ChatKitServer<App>) -> ChatKitServer<App>,
    ) -> Self {
        let inner: Arc<dyn Store<User>> = match backend {
            Backend::Memory => Arc::new(MemoryStore::new()),
            Backend::Sqlite => Arc::new(SqliteStore::in_memory().expect("in-memory SQLite")),
            Backend::Postgres(store) => store,
        };
        let spy = Arc::new(Spy::new(inner, custom_ids));
        let log = Arc::new(Log::default());
        let feedback = Arc::clone(&log);
        let store: Arc<dyn Store<User>> = spy.clone();
        let server = ChatKitServer::with_shared_store(
            store,
            App {
                log: Arc::clone(&log),
            },
        )
        .respond_with(Scripted {
            log: Arc::clone(&log),
        })
        .on_feedback(move |thread_id, item_ids, kind, user: &User| {
            lock(&feedback.feedback).push((
                thread_id.to_owned(),
                item_ids.to_vec(),
                kind,
                user.0.clone(),
            ));
        });
        Harness {
            server: configure(server),
            spy,
            log,
            user: User("alice".to_owned()),
        }
    }

    /// The same server and store, seen by another user.
    fn as_user(&self, user: &str) -> Harness {
        Harness {
            server: self.server.clone(),
            spy: Arc::clone(&self.spy),
            log: Arc::clone(&self.log),
            user: User(user.to_owned()),
        }
    }

    async fn process(&self, body: &Value) -> Result<Processed, ProcessError> {
        self.server
            .process(body.to_string().as_bytes(), self.user.clone())
            .await
    }

    /// Starts a streaming request.
    async fn open(&self, body: &Value) -> EventStream {
        match self.process(body).await {
            Ok(Processed::Stream(events)) => events,
            Ok(Processed::Json(json)) => panic!("expected a stream, got JSON {json:?}"),
            Err(error) => panic!("expected a stream, got {error} ({})", error.status()),
        }
    }

    /// Every event of a streaming request, as JSON.
    async fn stream(&self, body: &Value) -> Vec<Value> {
        self.open(body)
            .await
            .collect_events()
            .await
            .iter()
            .map(to_json)
            .collect()
    }

    /// The JSON answer of a non-streaming request.
    async fn json(&self, body: &Value) -> Value {
        match self.process(body).await {
            Ok(Processed::Json(json)) => serde_json::from_slice(&json).expect("JSON body"),
            Ok(Processed::Stream(_)) => panic!("expected JSON, got a stream"),
            Err(error) => panic!("expected JSON, got {error} ({})", error.status()),
        }
    }

    /// The error of a request that must fail before answering.
    async fn fail(&self, body: &Value) -> ProcessError {
        match self.process(body).await {
            Ok(processed) => panic!("expected an error, got {processed:?}"),
            Err(error) => error,
        }
    }

    /// `threads.create` with `text`: the new thread's id and the events.
    async fn create(&self, text: &str) -> (String, Vec<Value>) {
        let events = self.stream(&create(text)).await;
        let id = events[0]["thread"]["id"]
            .as_str()
            .expect("thread.created first")
            .to_owned();
        (id, events)
    }

    /// `threads.add_user_message` with `text`.
    async fn send(&self, thread_id: &str, text: &str) -> Vec<Value> {
        self.stream(&add_user_message(thread_id, text)).await
    }

    /// Every stored item of a thread, hidden ones included, oldest first.
    async fn stored(&self, thread_id: &str) -> Vec<ThreadItem> {
        self.spy
            .inner
            .load_thread_items(thread_id, None, 1000, SortOrder::Asc, &self.user)
            .await
            .expect("load items")
            .data
    }

    /// The stored items as JSON.
    async fn stored_json(&self, thread_id: &str) -> Vec<Value> {
        self.stored(thread_id).await.iter().map(to_json).collect()
    }

    async fn stored_thread(&self, thread_id: &str) -> ThreadMetadata {
        self.spy
            .inner
            .load_thread(thread_id, &self.user)
            .await
            .expect("load thread")
    }

    /// Waits for the pipeline of a dropped stream to leave its cancellation note.
    async fn wait_for_cancellation(&self, thread_id: &str) -> Vec<ThreadItem> {
        for _ in 0..500 {
            let items = self.stored(thread_id).await;
            if items
                .iter()
                .any(|item| matches!(item, ThreadItem::SdkHiddenContext(_)))
            {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the cancellation was not handled within 5 s");
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializable")
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["type"].as_str().expect("type"))
        .collect()
}

/// The `type` of each event, with the item type for item events (`thread.item.done:user_message`).
fn shapes(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|event| match event["item"]["type"].as_str() {
            Some(item) => format!("{}:{item}", event["type"].as_str().unwrap_or("?")),
            None => event["type"].as_str().unwrap_or("?").to_owned(),
        })
        .collect()
}

fn input(text: &str) -> Value {
    json!({"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}})
}

fn create(text: &str) -> Value {
    json!({"type": "threads.create", "params": {"input": input(text)}})
}

fn add_user_message(thread_id: &str, text: &str) -> Value {
    json!({"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": input(text)}})
}

fn custom_action(thread_id: &str, item_id: Option<&str>, action: Value) -> Value {
    let mut params = json!({"thread_id": thread_id});
    params["action"] = action;
    if let Some(item_id) = item_id {
        params["item_id"] = json!(item_id);
    }
    json!({"type": "threads.custom_action", "params": params})
}

fn sync_custom_action(thread_id: &str, item_id: Option<&str>, action: Value) -> Value {
    let mut body = custom_action(thread_id, item_id, action);
    body["type"] = json!("threads.sync_custom_action");
    body
}

fn done_item<'a>(events: &'a [Value], item_type: &str) -> &'a Value {
    events
        .iter()
        .find(|event| event["type"] == "thread.item.done" && event["item"]["type"] == item_type)
        .map_or_else(
            || panic!("no done {item_type} in {events:#?}"),
            |event| &event["item"],
        )
}

fn id_of(item: &Value) -> String {
    item["id"].as_str().expect("id").to_owned()
}

fn item_types(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["type"].as_str().expect("type"))
        .collect()
}

const STREAM_OPTIONS: &str = r#"{"type":"stream_options","stream_options":{"allow_cancel":true}}"#;

fn stream_options() -> Value {
    serde_json::from_str(STREAM_OPTIONS).expect("JSON")
}

/// An assistant message with this text fails to save, with a backend error.
const FAILING_TEXT: &str = "the store fails on this one";

const CANCELLED: &str = "The user cancelled the stream. Stop responding to the prior request.";

// ---------------------------------------------------------------------------------------------
// Streaming requests and event order
// ---------------------------------------------------------------------------------------------

async fn threads_create_emits_thread_created_first(h: Harness) {
    let (id, events) = h.create("say:hi").await;
    let created = &events[0];
    assert_eq!(created["type"], "thread.created");
    let thread = created["thread"].as_object().expect("thread");
    assert!(!thread.contains_key("title"), "{thread:?}");
    assert!(!thread.contains_key("allowed_image_domains"), "{thread:?}");
    assert_eq!(thread["id"], json!(id));
    assert_eq!(thread["status"], json!({"type": "active"}));
    assert_eq!(thread["metadata"], json!({}));
    assert_eq!(thread["items"], json!({"data": [], "has_more": false}));
    assert!(thread["created_at"].is_string());
}

async fn threads_create_emits_user_message_then_stream_options_then_handler_events(h: Harness) {
    let (id, events) = h.create("say:Hello").await;
    assert_eq!(
        shapes(&events),
        [
            "thread.created",
            "thread.item.done:user_message",
            "stream_options",
            "thread.item.done:assistant_message",
        ]
    );
    let user = &events[1]["item"];
    assert_eq!(user["thread_id"], json!(id));
    assert_eq!(
        user["content"],
        json!([{"type": "input_text", "text": "say:Hello"}])
    );
    assert_eq!(events[2], stream_options());
    assert_eq!(events[3]["item"]["content"][0]["text"], "Hello");
}

async fn client_tool_call_on_create_produces_exactly_four_events(h: Harness) {
    let (_, events) = h.create("tool:get_location").await;
    assert_eq!(
        shapes(&events),
        [
            "thread.created",
            "thread.item.done:user_message",
            "stream_options",
            "thread.item.done:client_tool_call",
        ]
    );
    let call = &events[3]["item"];
    assert_eq!(call["status"], "pending");
    assert_eq!(call["name"], "get_location");
    assert_eq!(call["arguments"], json!({}));
    assert!(call.get("output").is_none(), "{call}");
}

async fn stream_options_allow_cancel_true_unless_overridden(backend: Backend) {
    let (_, events) = Harness::new(backend.clone()).create("").await;
    assert_eq!(events[2], stream_options());

    let h = Harness::build(backend, false, |server| server.allow_cancel(false));
    let (_, events) = h.create("").await;
    assert_eq!(
        events[2],
        json!({"type": "stream_options", "stream_options": {"allow_cancel": false}})
    );
}

async fn progress_update_is_forwarded_in_order_and_not_persisted(h: Harness) {
    let (id, events) = h
        .create("progress:Searching;say:Found it;progress:Done")
        .await;
    assert_eq!(
        shapes(&events)[2..],
        [
            "stream_options",
            "progress_update",
            "thread.item.done:assistant_message",
            "progress_update",
        ]
    );
    assert_eq!(
        events[3],
        json!({"type": "progress_update", "text": "Searching"})
    );
    assert_eq!(
        events[5],
        json!({"type": "progress_update", "text": "Done"})
    );
    let stored = h.stored_json(&id).await;
    assert_eq!(item_types(&stored), ["user_message", "assistant_message"]);
}

async fn user_message_keeps_quoted_text_and_inference_options(h: Harness) {
    let body = json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": "say:ok"}],
        "attachments": [],
        "quoted_text": "the part I mean",
        "inference_options": {"tool_choice": {"id": "search"}, "model": "fast"},
    }}});
    let events = h.stream(&body).await;
    let user = done_item(&events, "user_message");
    assert_eq!(user["quoted_text"], "the part I mean");
    assert_eq!(
        user["inference_options"],
        json!({"tool_choice": {"id": "search"}, "model": "fast"})
    );

    let responds = lock(&h.log.responds).clone();
    let (input, _) = &responds[0];
    let input = input.as_ref().expect("respond gets the user message");
    assert_eq!(to_json(&ThreadItem::UserMessage(input.clone())), *user);
    let thread_id = user["thread_id"].as_str().expect("thread id");
    assert_eq!(h.stored_json(thread_id).await[0], *user);
}

async fn request_context_reaches_respond_feedback_and_every_store_call(h: Harness) {
    let (id, _) = h.create("say:hi").await;
    let body = json!({"type": "items.feedback", "params": {"thread_id": id, "item_ids": ["x"], "kind": "positive"}});
    h.json(&body).await;
    h.json(&json!({"type": "threads.get_by_id", "params": {"thread_id": id}}))
        .await;

    assert_eq!(lock(&h.log.responds)[0].1, "alice");
    assert_eq!(lock(&h.log.feedback)[0].3, "alice");
    let calls = lock(&h.spy.calls).clone();
    assert!(calls.len() > 5, "{calls:?}");
    assert!(calls.iter().all(|(_, user)| user == "alice"), "{calls:?}");

    // The context scopes the store: another user does not see alice's thread.
    let bob = h.as_user("bob");
    let error = bob
        .fail(&json!({"type": "threads.get_by_id", "params": {"thread_id": id}}))
        .await;
    assert_eq!(error.status(), 404);
    assert!(lock(&h.spy.calls).iter().any(|(_, user)| user == "bob"));
    // Transcription has no hook to reach: it is not supported (501).
    let body = json!({"type": "input.transcribe", "params": {"audio_base64": "AAAA", "mime_type": "audio/webm;codecs=opus"}});
    assert_eq!(h.fail(&body).await.status(), 501);
}

async fn custom_thread_and_item_ids_are_used(backend: Backend) {
    let h = Harness::build(backend, true, |server| server);
    let (id, events) = h.create("say:hi").await;
    assert!(id.starts_with("custom-thread-"), "{id}");
    let user = done_item(&events, "user_message");
    assert!(
        user["id"].as_str().expect("id").starts_with("custom-msg-"),
        "{user}"
    );
    assert_eq!(user["thread_id"], json!(id));
    assert!(
        done_item(&events, "assistant_message")["id"]
            .as_str()
            .expect("id")
            .starts_with("custom-msg-")
    );
}

// ---------------------------------------------------------------------------------------------
// Persistence through events
// ---------------------------------------------------------------------------------------------

async fn item_done_inserts_and_item_added_alone_does_not_persist(h: Harness) {
    let (id, events) = h.create("added;delta:never done").await;
    assert_eq!(
        shapes(&events)[3..],
        ["thread.item.added:assistant_message", "thread.item.updated"]
    );
    assert_eq!(item_types(&h.stored_json(&id).await), ["user_message"]);

    let events = h.send(&id, "stream:all|done").await;
    let done = done_item(&events, "assistant_message");
    let stored = h.stored_json(&id).await;
    assert_eq!(
        item_types(&stored),
        ["user_message", "user_message", "assistant_message"]
    );
    assert_eq!(stored[2], *done);
    assert_eq!(done["content"][0]["text"], "alldone");
}

async fn item_removed_deletes_the_item_from_the_store(h: Harness) {
    let (id, events) = h.create("say:bye").await;
    let assistant = id_of(done_item(&events, "assistant_message"));

    let events = h.send(&id, &format!("remove:{assistant}")).await;
    assert!(
        events.contains(&json!({"type": "thread.item.removed", "item_id": assistant})),
        "{events:#?}"
    );
    let page = h
        .json(&json!({"type": "items.list", "params": {"thread_id": id}}))
        .await;
    let ids: Vec<&Value> = page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| &item["id"])
        .collect();
    assert_eq!(ids.len(), 2, "{page}");
    assert!(!ids.contains(&&json!(assistant)), "{page}");
}

async fn item_replaced_replaces_the_stored_item_in_place(h: Harness) {
    let (id, events) = h.create("say:first").await;
    let assistant = id_of(done_item(&events, "assistant_message"));
    h.send(&id, "say:second").await;

    // A different item type, same id: the widget takes the message's place.
    let events = h.send(&id, &format!("replace:{assistant}")).await;
    let replaced = events
        .iter()
        .find(|event| event["type"] == "thread.item.replaced")
        .expect("replaced");
    let stored = h.stored_json(&id).await;
    assert_eq!(
        item_types(&stored),
        [
            "user_message",
            "widget",
            "user_message",
            "assistant_message",
            "user_message"
        ]
    );
    assert_eq!(stored[1], replaced["item"]);
    assert_eq!(stored[1]["id"], json!(assistant));

    // A widget replaced by a custom action.
    let (id, events) = h.create("widget:before;say:after the widget").await;
    let widget = id_of(done_item(&events, "widget"));
    let action = json!({"type": "widget.replace", "payload": {"label": "after"}});
    let events = h.stream(&custom_action(&id, Some(&widget), action)).await;
    assert_eq!(
        shapes(&events),
        ["stream_options", "thread.item.replaced:widget"]
    );
    let stored = h.stored_json(&id).await;
    assert_eq!(
        item_types(&stored),
        ["user_message", "widget", "assistant_message"]
    );
    assert_eq!(stored[1], events[1]["item"]);
    assert_eq!(stored[1]["widget"], to_json(&card("after")));
}

/// Each event's write reaches the store (the request's unit of work) before the event is
/// forwarded, and everything is in the store once the stream has ended.
async fn store_writes_happen_before_events_are_forwarded(h: Harness) {
    let mut events = h
        .open(&create(
            "say:one;widget:w;added;title:Later;delta:x;done;remove:none",
        ))
        .await;
    let mut thread_id = String::new();
    let mut seen = Vec::new();
    let mut streamed = Vec::new();
    while let Some(event) = events.next_event().await {
        let json = to_json(&event);
        seen.push(json["type"].as_str().expect("type").to_owned());
        match &event {
            ThreadStreamEvent::ThreadCreated { thread } => {
                thread_id.clone_from(&thread.id);
                assert!(h.spy.has_written("save_thread", &thread_id), "{json}");
            }
            ThreadStreamEvent::ItemDone { item } => {
                assert!(h.spy.has_written("add_thread_item", item.id()), "{json}");
                streamed.push((item.id().to_owned(), to_json(item)));
            }
            ThreadStreamEvent::ItemReplaced { item } => {
                assert!(h.spy.has_written("save_item", item.id()), "{json}");
                streamed.push((item.id().to_owned(), to_json(item)));
            }
            ThreadStreamEvent::ItemRemoved { item_id } => {
                assert!(h.spy.has_written("delete_thread_item", item_id), "{json}");
            }
            ThreadStreamEvent::ThreadUpdated { .. } => {
                assert!(
                    lock(&h.spy.written)
                        .iter()
                        .filter(|(method, id)| *method == "save_thread" && *id == thread_id)
                        .count()
                        >= 2,
                    "{json}"
                );
            }
            _ => {}
        }
    }
    assert!(seen.contains(&"thread.updated".to_owned()), "{seen:?}");
    assert!(seen.contains(&"thread.item.removed".to_owned()), "{seen:?}");
    // The stream ends after the commit: all of it is in the store.
    for (id, item) in streamed {
        let stored = h.spy.inner.load_item(&thread_id, &id, &h.user).await;
        assert_eq!(stored.map(|s| to_json(&s)).ok(), Some(item), "{id}");
    }
    assert_eq!(
        h.stored_thread(&thread_id).await.title.as_deref(),
        Some("Later")
    );
}

async fn workflow_pending_copy_is_isolated(h: Harness) {
    let (id, events) = h.create("workflow").await;
    assert_eq!(
        shapes(&events)[3..],
        [
            "thread.item.added:workflow",
            "thread.item.updated",
            "thread.item.done:workflow"
        ]
    );
    assert_eq!(events[3]["item"]["workflow"]["tasks"], json!([]));
    let done = done_item(&events, "workflow");
    assert_eq!(
        done["workflow"]["tasks"].as_array().map(Vec::len),
        Some(1),
        "{done}"
    );
    let stored = h.stored_json(&id).await;
    assert_eq!(stored[1], *done);
}

// ---------------------------------------------------------------------------------------------
// Thread metadata
// ---------------------------------------------------------------------------------------------

async fn title_set_during_respond_is_saved_and_the_stream_ends_with_thread_updated(h: Harness) {
    let (id, events) = h.create("say:hi;title:Trip to Paris").await;
    let last = events.last().expect("events");
    assert_eq!(last["type"], "thread.updated");
    assert_eq!(last["thread"]["title"], "Trip to Paris");
    assert_eq!(
        last["thread"]["items"],
        json!({"data": [], "has_more": false})
    );
    assert_eq!(
        types(&events)
            .iter()
            .filter(|t| **t == "thread.updated")
            .count(),
        1
    );
    assert_eq!(
        h.stored_thread(&id).await.title.as_deref(),
        Some("Trip to Paris")
    );
}

async fn metadata_status_and_image_domain_changes_are_saved_and_announced(h: Harness) {
    let (id, events) = h
        .create("meta:plan=gold;lock:Busy;domains:img.example.com")
        .await;
    let updated = events.last().expect("events");
    assert_eq!(updated["type"], "thread.updated");
    assert_eq!(
        updated["thread"]["status"],
        json!({"type": "locked", "reason": "Busy"})
    );
    assert_eq!(
        updated["thread"]["allowed_image_domains"],
        json!(["img.example.com"])
    );
    assert_eq!(updated["thread"]["metadata"], json!({}));
    let stored = h.stored_thread(&id).await;
    assert_eq!(stored.metadata.get("plan"), Some(&json!("gold")));
    assert_eq!(stored.status, ThreadStatus::locked("Busy"));
    assert_eq!(
        stored.allowed_image_domains,
        Some(vec!["img.example.com".to_owned()])
    );

    // A metadata change alone is a change too.
    let events = h.send(&id, "meta:plan=silver").await;
    assert_eq!(types(&events).last(), Some(&"thread.updated"));
    assert_eq!(
        h.stored_thread(&id).await.metadata.get("plan"),
        Some(&json!("silver"))
    );
}

async fn mid_stream_change_yields_thread_updated_after_the_next_event(h: Harness) {
    let (id, events) = h.create("added;title:Mid;delta:Hi;delta: there;done").await;
    assert_eq!(
        shapes(&events)[2..],
        [
            "stream_options",
            "thread.item.added:assistant_message",
            "thread.item.updated",
            "thread.updated",
            "thread.item.updated",
            "thread.item.done:assistant_message",
        ]
    );
    assert_eq!(events[4]["update"]["delta"], "Hi");
    assert_eq!(events[5]["thread"]["title"], "Mid");
    assert_eq!(h.stored_thread(&id).await.title.as_deref(), Some("Mid"));
}

async fn thread_responses_never_include_metadata_and_omit_unset_image_domains(h: Harness) {
    let (id, events) = h.create("meta:secret=1;title:T").await;
    let mut threads: Vec<Value> = events
        .iter()
        .filter(|event| event["type"] == "thread.created" || event["type"] == "thread.updated")
        .map(|event| event["thread"].clone())
        .collect();
    assert_eq!(threads.len(), 2);
    threads.push(
        h.json(&json!({"type": "threads.get_by_id", "params": {"thread_id": id}}))
            .await,
    );
    threads.push(h.json(&json!({"type": "threads.list", "params": {}})).await["data"][0].clone());
    threads.push(
        h.json(&json!({"type": "threads.update", "params": {"thread_id": id, "title": "U"}}))
            .await,
    );
    for thread in &threads {
        assert_eq!(thread["metadata"], json!({}), "{thread}");
        assert!(thread.get("allowed_image_domains").is_none(), "{thread}");
    }
    assert_eq!(
        h.stored_thread(&id).await.metadata.get("secret"),
        Some(&json!("1"))
    );
}

// ---------------------------------------------------------------------------------------------
// Hidden context
// ---------------------------------------------------------------------------------------------

async fn hidden_context_items_are_persisted_but_not_streamed(h: Harness) {
    let (id, events) = h
        .create("hidden:for the model;sdk-hidden:sdk note;say:visible")
        .await;
    assert_eq!(
        shapes(&events)[2..],
        ["stream_options", "thread.item.done:assistant_message"]
    );
    let stored = h.stored_json(&id).await;
    assert_eq!(
        item_types(&stored),
        [
            "user_message",
            "hidden_context_item",
            "sdk_hidden_context",
            "assistant_message"
        ]
    );
    assert_eq!(stored[1]["content"], "for the model");
    assert_eq!(stored[2]["content"], "sdk note");
}

async fn hidden_items_are_filtered_from_items_list_get_by_id_and_thread_responses(h: Harness) {
    let (id, _) = h.create("hidden:a;say:visible;sdk-hidden:b").await;
    let page = h
        .json(&json!({"type": "items.list", "params": {"thread_id": id}}))
        .await;
    assert_eq!(
        item_types(page["data"].as_array().expect("data")),
        ["assistant_message", "user_message"]
    );
    let thread = h
        .json(&json!({"type": "threads.get_by_id", "params": {"thread_id": id}}))
        .await;
    assert_eq!(
        item_types(thread["items"]["data"].as_array().expect("items")),
        ["user_message", "assistant_message"]
    );
    assert_eq!(h.stored(&id).await.len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

async fn exception_in_respond_yields_one_stream_error_event_and_ends(h: Harness) {
    let (id, events) = h.create("say:partial;fail:database down;say:never").await;
    assert_eq!(
        shapes(&events)[2..],
        [
            "stream_options",
            "thread.item.done:assistant_message",
            "error"
        ]
    );
    assert_eq!(
        events.last(),
        Some(&json!({"type": "error", "code": "stream.error", "allow_retry": true}))
    );
    assert_eq!(
        item_types(&h.stored_json(&id).await),
        ["user_message", "assistant_message"]
    );
}

async fn custom_stream_error_and_stream_error_map_to_their_events(h: Harness) {
    let (id, events) = h.create("custom-error:That todo is gone.").await;
    assert_eq!(
        events.last(),
        Some(
            &json!({"type": "error", "code": "custom", "message": "That todo is gone.", "allow_retry": true})
        )
    );
    let events = h.send(&id, "stream-error:rate_limited").await;
    assert_eq!(
        events.last(),
        Some(&json!({"type": "error", "code": "rate_limited", "allow_retry": false}))
    );
    let events = h.send(&id, "stream-error:stream.error").await;
    assert_eq!(
        events.last(),
        Some(&json!({"type": "error", "code": "stream.error", "allow_retry": true}))
    );
    assert_eq!(types(&events).iter().filter(|t| **t == "error").count(), 1);
}

async fn custom_action_naming_a_non_widget_item_yields_only_stream_error(h: Harness) {
    let (id, events) = h.create("say:not a widget").await;
    let assistant = id_of(done_item(&events, "assistant_message"));
    let action = json!({"type": "script", "payload": "say:must not run"});
    let events = h
        .stream(&custom_action(&id, Some(&assistant), action))
        .await;
    // The SDK's one `stream.error` event, with a message saying what is wrong.
    assert_eq!(
        events,
        [json!({
            "type": "error",
            "code": "stream.error",
            "message": format!(
                "item `{assistant}` (of type `assistant_message`) is not a widget: \
                 an action's `item_id` names the widget it came from"
            ),
            "allow_retry": false
        })]
    );
    assert!(
        lock(&h.log.actions).is_empty(),
        "the handler must not be called"
    );
    assert_eq!(h.stored(&id).await.len(), 2);
}

async fn sync_custom_action_naming_a_non_widget_item_fails(h: Harness) {
    let (id, events) = h.create("say:not a widget").await;
    let assistant = id_of(done_item(&events, "assistant_message"));
    let action = json!({"type": "widget.sync", "payload": {"label": "x"}});
    let error = h
        .fail(&sync_custom_action(&id, Some(&assistant), action))
        .await;
    assert!(
        (400..500).contains(&error.status()),
        "{error}: {}",
        error.status()
    );
    assert!(error.to_string().contains("not a widget"), "{error}");
    assert!(
        lock(&h.log.actions).is_empty(),
        "the handler must not be called"
    );
}

async fn retry_after_item_on_a_non_user_message_fails(h: Harness) {
    let (id, events) = h.create("say:answer").await;
    let assistant = id_of(done_item(&events, "assistant_message"));
    let writes = h.spy.writes();
    let body = json!({"type": "threads.retry_after_item", "params": {"thread_id": id, "item_id": assistant}});
    let error = h.fail(&body).await;
    assert!(
        error.to_string().contains("is not a user message"),
        "{error}"
    );
    assert_eq!(h.spy.writes(), writes);
    assert_eq!(h.stored(&id).await.len(), 2);
}

async fn add_client_tool_output_without_a_pending_tool_call_fails(h: Harness) {
    let (id, _) = h.create("say:no tool").await;
    let body =
        json!({"type": "threads.add_client_tool_output", "params": {"thread_id": id, "result": 1}});
    let error = h.fail(&body).await;
    assert!((400..500).contains(&error.status()), "{error}");
    assert!(
        error
            .to_string()
            .contains("has no pending client tool call"),
        "{error}"
    );

    // A call answered already is not pending: the newest item is now the follow-up answer.
    let (id, _) = h.create("tool:locate").await;
    let body =
        json!({"type": "threads.add_client_tool_output", "params": {"thread_id": id, "result": 1}});
    h.stream(&body).await;
    let writes = h.spy.writes();
    assert_eq!(h.fail(&body).await.status(), 409);
    assert_eq!(h.spy.writes(), writes);
}

async fn attachments_without_an_attachment_store_fail(h: Harness) {
    let create = json!({"type": "attachments.create", "params": {"name": "a.txt", "size": 3, "mime_type": "text/plain"}});
    let delete = json!({"type": "attachments.delete", "params": {"attachment_id": "atc_1"}});
    for body in [create, delete] {
        let error = h.fail(&body).await;
        assert_eq!(error.status(), 501, "{error}");
        assert!(error.to_string().contains("not supported"), "{error}");
    }
    assert_eq!(h.spy.writes(), 0);
}

async fn get_by_id_of_a_deleted_thread_is_not_found(h: Harness) {
    let (id, _) = h.create("say:hi").await;
    assert_eq!(
        h.json(&json!({"type": "threads.delete", "params": {"thread_id": id}}))
            .await,
        json!({})
    );
    let error = h
        .fail(&json!({"type": "threads.get_by_id", "params": {"thread_id": id}}))
        .await;
    assert_eq!(error.status(), 404, "{error}");
    assert!(h.stored(&id).await.is_empty());
}

/// `items.list` answers a thread that is not there as `threads.get_by_id` does: `404`, not an
/// empty page.
async fn items_list_of_a_missing_thread_is_not_found_as_get_by_id(h: Harness) {
    let (id, _) = h.create("say:hi").await;
    let page = h
        .json(&json!({"type": "items.list", "params": {"thread_id": id}}))
        .await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2), "{page}");
    h.json(&json!({"type": "threads.delete", "params": {"thread_id": id}}))
        .await;
    for missing in [id.as_str(), "thr_never_was"] {
        let listed = h
            .fail(&json!({"type": "items.list", "params": {"thread_id": missing}}))
            .await;
        let got = h
            .fail(&json!({"type": "threads.get_by_id", "params": {"thread_id": missing}}))
            .await;
        assert_eq!(listed.status(), 404, "{listed}");
        assert_eq!(listed.status(), got.status());
        assert_eq!(listed.code(), "not_found");
    }
}

// ---------------------------------------------------------------------------------------------
// Units of work
// ---------------------------------------------------------------------------------------------

/// A handler that panics after two items and a new title leaves nothing of its action: not
/// the items, not the title, not the user message of that turn.
async fn a_panic_mid_action_leaves_nothing_of_it(h: Harness) {
    let (id, _) = h.create("say:first").await;
    let before = h.stored_json(&id).await;
    let events = h
        .send(&id, "say:one;widget:two;title:Changed;panic:boom")
        .await;
    assert_eq!(
        shapes(&events),
        [
            "thread.item.done:user_message",
            "stream_options",
            "thread.item.done:assistant_message",
            "thread.item.done:widget",
            "error"
        ]
    );
    assert_eq!(h.stored_json(&id).await, before);
    assert_eq!(h.stored_thread(&id).await.title, None);
    // The thread goes on.
    h.send(&id, "say:after").await;
    assert_eq!(
        item_types(&h.stored_json(&id).await),
        [
            "user_message",
            "assistant_message",
            "user_message",
            "assistant_message"
        ]
    );
}

/// A write that fails in the store mid-action rolls the whole action back, even when the
/// handler goes on after it.
async fn a_store_failure_mid_action_leaves_nothing_of_it(h: Harness) {
    let (id, _) = h.create("say:first").await;
    let before = h.stored_json(&id).await;
    let events = h
        .send(
            &id,
            &format!("say:one;title:Changed;say:{FAILING_TEXT};say:never"),
        )
        .await;
    assert_eq!(
        events.last(),
        Some(&json!({"type": "error", "code": "stream.error", "allow_retry": true}))
    );
    assert_eq!(h.stored_json(&id).await, before);
    assert_eq!(h.stored_thread(&id).await.title, None);
}

/// Other requests see an action's writes only once it has committed, which is before its
/// stream ends.
async fn an_action_is_seen_by_others_only_once_committed(h: Harness) {
    let (id, _) = h.create("say:first").await;
    let mut events = h.open(&add_user_message(&id, "say:mid;wait;say:end")).await;
    loop {
        let event = to_json(&events.next_event().await.expect("the stream goes on"));
        if event["type"] == "thread.item.done" && event["item"]["type"] == "assistant_message" {
            break;
        }
    }
    let page = h
        .json(&json!({"type": "items.list", "params": {"thread_id": id, "order": "asc"}}))
        .await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2), "{page}");
    h.log.gate.notify_one();
    events.collect_events().await;
    assert_eq!(h.stored(&id).await.len(), 5);
}

// ---------------------------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------------------------

/// Reads events until `count` `thread.item.updated`/`added` events of the streamed message
/// arrived, then disconnects and lets the handler go on.
async fn disconnect_after(h: &Harness, script: &str, item_events: usize) -> String {
    let mut events = h.open(&create(script)).await;
    let mut thread_id = String::new();
    let mut seen = 0;
    while seen < item_events {
        let event = events.next_event().await.expect("the stream goes on");
        match event {
            ThreadStreamEvent::ThreadCreated { thread } => thread_id = thread.id,
            ThreadStreamEvent::ItemAdded { .. } | ThreadStreamEvent::ItemUpdated { .. } => {
                seen += 1;
            }
            _ => {}
        }
    }
    drop(events);
    h.log.gate.notify_one();
    thread_id
}

async fn cancel_saves_pending_assistant_message_with_streamed_text(h: Harness) {
    let id = disconnect_after(
        &h,
        "added;delta:Hello, ;delta:World!;wait;delta: never seen;done",
        3,
    )
    .await;
    let stored = h.wait_for_cancellation(&id).await;
    let messages: Vec<&AssistantMessageItem> = stored
        .iter()
        .filter_map(ThreadItem::as_assistant_message)
        .collect();
    assert_eq!(messages.len(), 1, "{stored:#?}");
    assert_eq!(messages[0].text(), "Hello, World!");
}

async fn cancel_does_not_save_an_empty_pending_assistant_message(h: Harness) {
    let id = disconnect_after(&h, "added;wait;delta:never seen;done", 1).await;
    let stored = h.wait_for_cancellation(&id).await;
    let types: Vec<&str> = stored.iter().map(ThreadItem::item_type).collect();
    assert_eq!(types, ["user_message", "sdk_hidden_context"]);

    // Whitespace only is empty too, and pending widgets or workflows are never saved.
    let id = disconnect_after(&h, "added;delta:  ;wait;delta:never seen;done", 2).await;
    let stored = h.wait_for_cancellation(&id).await;
    let types: Vec<&str> = stored.iter().map(ThreadItem::item_type).collect();
    assert_eq!(types, ["user_message", "sdk_hidden_context"]);
}

async fn cancel_adds_the_sdk_hidden_context_note_last(h: Harness) {
    let id = disconnect_after(
        &h,
        "say:kept;added;delta:partial;wait;delta:never seen;done",
        2,
    )
    .await;
    let stored = h.wait_for_cancellation(&id).await;
    let types: Vec<&str> = stored.iter().map(ThreadItem::item_type).collect();
    assert_eq!(
        types,
        [
            "user_message",
            "assistant_message",
            "assistant_message",
            "sdk_hidden_context"
        ]
    );
    let note = to_json(stored.last().expect("note"));
    assert_eq!(note["content"], CANCELLED);
    assert!(
        note["id"].as_str().expect("id").starts_with("shcx_"),
        "{note}"
    );
    // The note is for the model only.
    let page = h
        .json(&json!({"type": "items.list", "params": {"thread_id": id}}))
        .await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(3));
}

// ---------------------------------------------------------------------------------------------
// Client tools
// ---------------------------------------------------------------------------------------------

async fn add_client_tool_output_completes_the_call_then_streams_respond(h: Harness) {
    let (id, events) = h.create("tool:get_location").await;
    let call = id_of(done_item(&events, "client_tool_call"));
    let body = json!({"type": "threads.add_client_tool_output", "params": {"thread_id": id, "result": {"lat": 48.85}}});
    let events = h.stream(&body).await;
    assert_eq!(
        shapes(&events),
        ["stream_options", "thread.item.done:assistant_message"]
    );
    assert_eq!(events[0], stream_options());
    assert_eq!(events[1]["item"]["content"][0]["text"], "after tool");

    let stored = h.stored_json(&id).await;
    assert_eq!(
        item_types(&stored),
        ["user_message", "client_tool_call", "assistant_message"]
    );
    assert_eq!(stored[1]["id"], json!(call));
    assert_eq!(stored[1]["status"], "completed");
    assert_eq!(stored[1]["output"], json!({"lat": 48.85}));
    let responds = lock(&h.log.responds).clone();
    assert!(
        responds.last().expect("respond").0.is_none(),
        "respond(None)"
    );
}

async fn other_pending_client_tool_calls_are_deleted(h: Harness) {
    let (id, events) = h.create("tool:first;tool:second").await;
    let calls: Vec<String> = events
        .iter()
        .filter(|event| event["item"]["type"] == "client_tool_call")
        .map(|event| id_of(&event["item"]))
        .collect();
    let body = json!({"type": "threads.add_client_tool_output", "params": {"thread_id": id, "result": null}});
    let events = h.stream(&body).await;
    assert!(
        !types(&events).contains(&"thread.item.removed"),
        "{events:#?}"
    );
    let stored = h.stored_json(&id).await;
    assert_eq!(
        item_types(&stored),
        ["user_message", "client_tool_call", "assistant_message"]
    );
    assert_eq!(stored[1]["id"], json!(calls[1]));
    assert_eq!(stored[1]["status"], "completed");
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

async fn custom_action_calls_the_handler_with_the_action_and_sender_widget(h: Harness) {
    let (id, events) = h.create("widget:Counter").await;
    let widget = id_of(done_item(&events, "widget"));
    let action = json!({"type": "widget.update", "payload": {"label": "Clicked"}});
    let events = h.stream(&custom_action(&id, Some(&widget), action)).await;
    assert_eq!(
        events,
        [
            stream_options(),
            json!({"type": "thread.item.updated", "item_id": widget, "update": {
                "type": "widget.root.updated", "widget": to_json(&card("Clicked")),
            }}),
        ]
    );
    assert_eq!(
        *lock(&h.log.actions),
        [("widget.update", Some(widget), "alice".to_owned())]
    );
}

async fn custom_action_without_item_id_has_no_sender(h: Harness) {
    let (id, _) = h.create("").await;
    let action = json!({"type": "widget.update", "payload": {"label": "x"}});
    let events = h.stream(&custom_action(&id, None, action)).await;
    assert_eq!(
        shapes(&events),
        ["stream_options", "thread.item.done:assistant_message"]
    );
    assert_eq!(events[1]["item"]["content"][0]["text"], "no sender: x");
    // An empty item id is no item id, as in the SDK (`if params.item_id`).
    let action = json!({"type": "widget.update", "payload": {"label": "y"}});
    h.stream(&custom_action(&id, Some(""), action)).await;
    let actions = lock(&h.log.actions).clone();
    assert_eq!(actions.len(), 2);
    assert!(
        actions.iter().all(|(_, sender, _)| sender.is_none()),
        "{actions:?}"
    );
}

async fn sync_custom_action_returns_the_handler_item_without_store_writes(h: Harness) {
    let (id, events) = h.create("widget:Before").await;
    let widget = done_item(&events, "widget").clone();
    let writes = h.spy.writes();

    let action = json!({"type": "widget.sync", "payload": {"label": "After"}});
    let answer = h
        .json(&sync_custom_action(&id, Some(&id_of(&widget)), action))
        .await;
    let mut expected = widget.clone();
    expected["widget"] = to_json(&card("After"));
    assert_eq!(answer, json!({"updated_item": expected}));

    let action = json!({"type": "widget.sync", "payload": {"label": ""}});
    let answer = h
        .json(&sync_custom_action(&id, Some(&id_of(&widget)), action))
        .await;
    assert_eq!(answer, json!({}));

    assert_eq!(
        h.spy.writes(),
        writes,
        "a synchronous action writes nothing itself"
    );
    assert_eq!(h.stored_json(&id).await[1], widget);
    assert_eq!(lock(&h.log.actions).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Retry
// ---------------------------------------------------------------------------------------------

async fn retry_deletes_newer_items_and_reruns_respond_with_the_same_user_message(h: Harness) {
    let (id, events) = h.create("say:answer;widget:w").await;
    let user = done_item(&events, "user_message").clone();
    let old_answer = id_of(done_item(&events, "assistant_message"));

    let body = json!({"type": "threads.retry_after_item", "params": {"thread_id": id, "item_id": user["id"]}});
    let events = h.stream(&body).await;
    assert_eq!(
        shapes(&events),
        [
            "stream_options",
            "thread.item.done:assistant_message",
            "thread.item.done:widget"
        ]
    );
    let stored = h.stored_json(&id).await;
    assert_eq!(
        item_types(&stored),
        ["user_message", "assistant_message", "widget"]
    );
    assert_eq!(stored[0], user);
    assert_ne!(stored[1]["id"], json!(old_answer));
    let responds = lock(&h.log.responds).clone();
    assert_eq!(responds.len(), 2);
    let input = responds[1].0.clone().map(ThreadItem::UserMessage);
    assert_eq!(input.as_ref().map(to_json), Some(user));
}

async fn retry_with_several_turns_replaces_only_items_after_the_chosen_message(h: Harness) {
    let (id, _) = h.create("say:a1").await;
    h.send(&id, "say:a2").await;
    h.send(&id, "say:a3").await;
    let before = h.stored_json(&id).await;
    assert_eq!(before.len(), 6);

    let body = json!({"type": "threads.retry_after_item", "params": {"thread_id": id, "item_id": before[2]["id"]}});
    let events = h.stream(&body).await;
    assert_eq!(
        shapes(&events),
        ["stream_options", "thread.item.done:assistant_message"]
    );
    let after = h.stored_json(&id).await;
    assert_eq!(after.len(), 4);
    assert_eq!(after[..3], before[..3]);
    assert_eq!(after[3]["content"][0]["text"], "a2");
    assert_ne!(after[3]["id"], before[3]["id"]);
}

async fn retry_with_an_unknown_item_id_produces_an_empty_stream(h: Harness) {
    let (id, _) = h.create("say:a1").await;
    let writes = h.spy.writes();
    let body = json!({"type": "threads.retry_after_item", "params": {"thread_id": id, "item_id": "msg_unknown"}});
    assert_eq!(h.stream(&body).await, Vec::<Value>::new());
    assert_eq!(h.spy.writes(), writes);
    assert_eq!(h.stored(&id).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Non-streaming
// ---------------------------------------------------------------------------------------------

async fn threads_list_defaults_to_20_newest_first_with_cursor_pagination(h: Harness) {
    let mut ids = Vec::new();
    for _ in 0..25 {
        ids.push(h.create("").await.0);
        // Distinct creation times, so the order does not depend on how a store breaks ties.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    ids.reverse();
    let first = h.json(&json!({"type": "threads.list", "params": {}})).await;
    let data = first["data"].as_array().expect("data");
    let page: Vec<String> = data.iter().map(id_of).collect();
    assert_eq!(page, ids[..20]);
    assert_eq!(first["has_more"], true);
    assert_eq!(first["after"], json!(ids[19]));
    assert!(
        data.iter()
            .all(|thread| thread["items"] == json!({"data": [], "has_more": false}))
    );

    let rest = h
        .json(&json!({"type": "threads.list", "params": {"after": first["after"], "limit": 0}}))
        .await;
    let page: Vec<String> = rest["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page, ids[20..]);
    assert_eq!(rest["has_more"], false);
    assert!(rest.get("after").is_none(), "{rest}");
}

async fn items_list_defaults_to_20_newest_first_with_cursor_pagination(h: Harness) {
    let script: Vec<String> = (1..=24).map(|n| format!("say:{n}")).collect();
    let (id, _) = h.create(&script.join(";")).await;
    let mut ids: Vec<String> = h
        .stored(&id)
        .await
        .iter()
        .map(|item| item.id().to_owned())
        .collect();
    assert_eq!(ids.len(), 25);
    ids.reverse();

    let first = h
        .json(&json!({"type": "items.list", "params": {"thread_id": id}}))
        .await;
    let page: Vec<String> = first["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page, ids[..20]);
    assert_eq!(first["has_more"], true);
    assert_eq!(first["after"], json!(ids[19]));

    let rest = h.json(&json!({"type": "items.list", "params": {"thread_id": id, "after": ids[19], "order": "desc"}})).await;
    let page: Vec<String> = rest["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page, ids[20..]);
    assert_eq!(rest["has_more"], false);
    assert!(rest.get("after").is_none(), "{rest}");

    let oldest = h
        .json(
            &json!({"type": "items.list", "params": {"thread_id": id, "limit": 2, "order": "asc"}}),
        )
        .await;
    let page: Vec<String> = oldest["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page, [ids[24].clone(), ids[23].clone()]);
}

async fn threads_get_by_id_returns_the_thread_with_its_items_oldest_first(h: Harness) {
    let (id, events) = h.create("say:a;say:b;title:T").await;
    let thread = h
        .json(&json!({"type": "threads.get_by_id", "params": {"thread_id": id}}))
        .await;
    assert_eq!(thread["id"], json!(id));
    assert_eq!(thread["title"], "T");
    assert_eq!(thread["created_at"], events[0]["thread"]["created_at"]);
    let items = thread["items"]["data"].as_array().expect("items");
    assert_eq!(
        item_types(items),
        ["user_message", "assistant_message", "assistant_message"]
    );
    assert_eq!(items[1]["content"][0]["text"], "a");
    assert_eq!(items[2]["content"][0]["text"], "b");
    assert_eq!(thread["items"]["has_more"], false);
}

async fn threads_update_returns_the_thread_with_the_new_title_and_persists_it(h: Harness) {
    let (id, _) = h.create("say:a").await;
    let body = json!({"type": "threads.update", "params": {"thread_id": id, "title": "Renamed"}});
    let thread = h.json(&body).await;
    assert_eq!(thread["id"], json!(id));
    assert_eq!(thread["title"], "Renamed");
    assert_eq!(thread["items"], json!({"data": [], "has_more": false}));
    assert_eq!(h.stored_thread(&id).await.title.as_deref(), Some("Renamed"));
    let error = h
        .fail(&json!({"type": "threads.update", "params": {"thread_id": "thr_nope", "title": "x"}}))
        .await;
    assert_eq!(error.status(), 404);
}

async fn threads_delete_returns_exactly_an_empty_object(h: Harness) {
    let (id, _) = h.create("say:a").await;
    let body = json!({"type": "threads.delete", "params": {"thread_id": id}});
    let Ok(Processed::Json(answer)) = h.process(&body).await else {
        panic!("JSON expected")
    };
    assert_eq!(answer.as_ref(), b"{}");
    assert!(h.spy.inner.load_thread(&id, &h.user).await.is_err());

    // As in the SDK, whose stores delete by id without looking: a thread that is not there
    // (deleted already, never created, another user's) is `{}` too, and nothing is deleted.
    assert_eq!(h.json(&body).await, json!({}));
    let (kept, _) = h.create("say:b").await;
    let bob = h.as_user("bob");
    assert_eq!(
        bob.json(&json!({"type": "threads.delete", "params": {"thread_id": kept}}))
            .await,
        json!({})
    );
    assert_eq!(h.stored(&kept).await.len(), 2);
}

async fn items_feedback_calls_the_hook_and_returns_an_empty_object(h: Harness) {
    let (id, events) = h.create("say:a").await;
    let item = id_of(done_item(&events, "assistant_message"));
    for kind in ["positive", "negative"] {
        let body = json!({"type": "items.feedback", "params": {"thread_id": id, "item_ids": [item], "kind": kind}});
        let Ok(Processed::Json(answer)) = h.process(&body).await else {
            panic!("JSON expected")
        };
        assert_eq!(answer.as_ref(), b"{}");
    }
    let feedback = lock(&h.log.feedback).clone();
    assert_eq!(
        feedback,
        [
            (
                id.clone(),
                vec![item.clone()],
                FeedbackKind::Positive,
                "alice".to_owned()
            ),
            (id, vec![item], FeedbackKind::Negative, "alice".to_owned()),
        ]
    );
}

async fn attachments_create_and_delete_are_not_supported(h: Harness) {
    let body = json!({"type": "attachments.create", "params": {"name": "cat.png", "size": 10, "mime_type": "image/png"}});
    let error = h.fail(&body).await;
    assert_eq!((error.status(), error.code()), (501, "unsupported"));
    assert!(error.to_string().contains("attachment"), "{error}");
    let body = json!({"type": "attachments.delete", "params": {"attachment_id": "atc_1"}});
    assert_eq!(h.fail(&body).await.status(), 501);
}

async fn user_message_attachments_are_stored_with_the_thread_id(h: Harness) {
    for id in ["atc_1", "atc_2"] {
        let mut attachment = Attachment::file(id, "notes.txt", "text/plain");
        attachment.set_metadata(json!({"bucket": "private"}).as_object().cloned());
        h.spy
            .inner
            .save_attachment(&attachment, &h.user)
            .await
            .expect("save");
    }
    let mut body = create("say:got it");
    body["params"]["input"]["attachments"] = json!(["atc_1"]);
    let events = h.stream(&body).await;
    let thread_id = events[0]["thread"]["id"].as_str().expect("id").to_owned();
    let user = done_item(&events, "user_message");
    assert_eq!(
        user["attachments"],
        json!([{"type": "file", "id": "atc_1", "name": "notes.txt", "mime_type": "text/plain", "thread_id": thread_id}])
    );
    let mut body = add_user_message(&thread_id, "say:again");
    body["params"]["input"]["attachments"] = json!(["atc_2"]);
    h.stream(&body).await;

    for id in ["atc_1", "atc_2"] {
        let stored = h
            .spy
            .inner
            .load_attachment(id, &h.user)
            .await
            .expect("attachment");
        let stored = to_json(&chatkit_actions::thread::ForStore(&stored));
        assert_eq!(stored["thread_id"], json!(thread_id), "{stored}");
        assert_eq!(stored["metadata"], json!({"bucket": "private"}), "{stored}");
    }
    let page = h
        .json(&json!({"type": "items.list", "params": {"thread_id": thread_id}}))
        .await;
    assert!(!page.to_string().contains("bucket"), "{page}");
}

async fn user_message_with_an_unknown_attachment_fails_without_writes(h: Harness) {
    let mut body = create("say:never");
    body["params"]["input"]["attachments"] = json!(["atc_missing"]);
    let error = h.fail(&body).await;
    assert_eq!(error.status(), 404, "{error}");
    assert_eq!(h.spy.writes(), 0, "{:?}", lock(&h.spy.calls));
    let threads = h.json(&json!({"type": "threads.list", "params": {}})).await;
    assert_eq!(threads, json!({"data": [], "has_more": false}));

    let (id, _) = h.create("").await;
    let writes = h.spy.writes();
    let mut attachment = Attachment::file("atc_1", "a.txt", "text/plain");
    attachment.set_metadata(None);
    h.spy
        .inner
        .save_attachment(&attachment, &h.user)
        .await
        .expect("save");
    let mut body = add_user_message(&id, "say:never");
    body["params"]["input"]["attachments"] = json!(["atc_1", "atc_missing"]);
    assert_eq!(h.fail(&body).await.status(), 404);
    assert_eq!(h.spy.writes(), writes, "{:?}", lock(&h.spy.calls));
    let stored = h
        .spy
        .inner
        .load_attachment("atc_1", &h.user)
        .await
        .expect("attachment");
    assert!(to_json(&stored).get("thread_id").is_none(), "{stored:?}");
}

async fn input_transcribe_is_not_supported(h: Harness) {
    let body = json!({"type": "input.transcribe", "params": {"audio_base64": "AAAA", "mime_type": "audio/webm;codecs=opus"}});
    let error = h.fail(&body).await;
    assert_eq!((error.status(), error.code()), (501, "unsupported"));
    assert!(error.to_string().contains("not supported"), "{error}");
}

/// Structured input, as the SDK's `_apply_structured_input_submission`: the answers applied
/// to the item (a single-choice question keeps the first value, a missing answer is a skip),
/// `stream_options` then the updated item as `thread.item.replaced`, saved, then the
/// responder. An unknown item is not found; a non-structured item, an answered one and an
/// answer to an unknown question are refused; none of them writes anything.
async fn structured_input_submission_updates_the_item_then_responds(h: Harness) {
    use chatkit_actions::thread::{
        FreeformInput, MultipleChoiceInput, StructuredInput, StructuredInputItem,
    };
    let (id, _) = h.create("").await;
    let item = StructuredInputItem::new(
        "si_1",
        id.clone(),
        vec![
            StructuredInput::MultipleChoice(MultipleChoiceInput::new("size", "Size?", ["S", "M"])),
            StructuredInput::Freeform(FreeformInput::new("note", "Anything else?")),
        ],
    );
    h.spy
        .inner
        .add_thread_item(&id, &ThreadItem::from(item), &h.user)
        .await
        .expect("add the item");
    let submit = |item_id: &str, answers: Value| {
        json!({"type": "threads.add_structured_input", "params": {
            "thread_id": id, "item_id": item_id, "input": {"status": "answered", "answers": answers},
        }})
    };
    let writes = h.spy.writes();
    let error = h.fail(&submit("si_nope", json!({}))).await;
    assert_eq!(
        (error.status(), error.code()),
        (404, "not_found"),
        "{error}"
    );
    let error = h
        .fail(&submit("si_1", json!({"colour": {"values": ["red"]}})))
        .await;
    assert_eq!(error.status(), 422, "{error}");
    assert!(error.to_string().contains("colour"), "{error}");
    let page = h
        .json(&json!({"type": "items.list", "params": {"thread_id": id, "order": "asc"}}))
        .await;
    let message_id = page["data"][0]["id"]
        .as_str()
        .expect("the user message")
        .to_owned();
    let error = h.fail(&submit(&message_id, json!({}))).await;
    assert_eq!(error.status(), 409, "{error}");
    assert!(
        error.to_string().contains("not structured input"),
        "{error}"
    );
    assert_eq!(h.spy.writes(), writes);

    let events = h
        .stream(&submit("si_1", json!({"size": {"values": ["M", "S"]}})))
        .await;
    assert_eq!(events[0]["type"], "stream_options", "{events:?}");
    assert_eq!(events[1]["type"], "thread.item.replaced", "{events:?}");
    let replaced = &events[1]["item"];
    assert_eq!(replaced["status"], "answered");
    assert_eq!(
        replaced["inputs"][0]["answer"],
        json!({"values": ["M"], "skipped": false})
    );
    assert_eq!(
        replaced["inputs"][1]["answer"],
        json!({"values": [], "skipped": true})
    );
    assert!(
        events
            .iter()
            .any(|event| event.to_string().contains("after tool")),
        "the responder runs: {events:?}"
    );
    let stored = h
        .spy
        .inner
        .load_item(&id, "si_1", &h.user)
        .await
        .expect("the item");
    assert_eq!(to_json(&stored), *replaced);

    let writes = h.spy.writes();
    let error = h.fail(&submit("si_1", json!({}))).await;
    assert_eq!(error.status(), 409, "answered already: {error}");
    assert_eq!(h.spy.writes(), writes);
}

/// Requests naming a thread that does not exist fail before streaming, with nothing written.
async fn requests_on_an_unknown_thread_are_not_found(h: Harness) {
    let bodies = [
        add_user_message("thr_nope", "say:x"),
        custom_action("thr_nope", None, json!({"type": "script", "payload": ""})),
        sync_custom_action(
            "thr_nope",
            None,
            json!({"type": "widget.sync", "payload": {"label": ""}}),
        ),
        json!({"type": "threads.retry_after_item", "params": {"thread_id": "thr_nope", "item_id": "m"}}),
        json!({"type": "threads.add_client_tool_output", "params": {"thread_id": "thr_nope", "result": 1}}),
        json!({"type": "threads.get_by_id", "params": {"thread_id": "thr_nope"}}),
    ];
    for body in &bodies {
        let error = h.fail(body).await;
        assert_eq!(error.status(), 404, "{body}: {error}");
    }
    assert_eq!(h.spy.writes(), 0);
    assert!(lock(&h.log.actions).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Every test, over both stores
// ---------------------------------------------------------------------------------------------

/// Runs each test over every store: `memory::<name>`, `sqlite::<name>` and
/// `postgres::<name>`. Tests taking a [`Harness`] get a fresh one; tests taking a [`Backend`]
/// build their own.
macro_rules! over_both_stores {
    (harness: [$($harness:ident),* $(,)?], backend: [$($backend:ident),* $(,)?] $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $harness() {
                    super::$harness(super::Harness::new(super::Backend::Memory)).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $backend() {
                    super::$backend(super::Backend::Memory).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test]
                async fn $harness() {
                    super::$harness(super::Harness::new(super::Backend::Sqlite)).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $backend() {
                    super::$backend(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $harness() {
                    let Some(backend) = super::Backend::postgres().await else {
                        return;
                    };
                    super::$harness(super::Harness::new(backend)).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $backend() {
                    let Some(backend) = super::Backend::postgres().await else {
                        return;
                    };
                    super::$backend(backend).await;
                }
            )*
        }
    };
}

over_both_stores! {
    harness: [
        // Streaming requests and event order
        threads_create_emits_thread_created_first,
        threads_create_emits_user_message_then_stream_options_then_handler_events,
        client_tool_call_on_create_produces_exactly_four_events,
        progress_update_is_forwarded_in_order_and_not_persisted,
        user_message_keeps_quoted_text_and_inference_options,
        request_context_reaches_respond_feedback_and_every_store_call,
        // Persistence through events
        item_done_inserts_and_item_added_alone_does_not_persist,
        item_removed_deletes_the_item_from_the_store,
        item_replaced_replaces_the_stored_item_in_place,
        store_writes_happen_before_events_are_forwarded,
        workflow_pending_copy_is_isolated,
        // Thread metadata
        title_set_during_respond_is_saved_and_the_stream_ends_with_thread_updated,
        metadata_status_and_image_domain_changes_are_saved_and_announced,
        mid_stream_change_yields_thread_updated_after_the_next_event,
        thread_responses_never_include_metadata_and_omit_unset_image_domains,
        // Hidden context
        hidden_context_items_are_persisted_but_not_streamed,
        hidden_items_are_filtered_from_items_list_get_by_id_and_thread_responses,
        // Errors
        exception_in_respond_yields_one_stream_error_event_and_ends,
        custom_stream_error_and_stream_error_map_to_their_events,
        custom_action_naming_a_non_widget_item_yields_only_stream_error,
        sync_custom_action_naming_a_non_widget_item_fails,
        retry_after_item_on_a_non_user_message_fails,
        add_client_tool_output_without_a_pending_tool_call_fails,
        attachments_without_an_attachment_store_fail,
        get_by_id_of_a_deleted_thread_is_not_found,
        items_list_of_a_missing_thread_is_not_found_as_get_by_id,
        // Units of work
        a_panic_mid_action_leaves_nothing_of_it,
        a_store_failure_mid_action_leaves_nothing_of_it,
        an_action_is_seen_by_others_only_once_committed,
        // Cancellation
        cancel_saves_pending_assistant_message_with_streamed_text,
        cancel_does_not_save_an_empty_pending_assistant_message,
        cancel_adds_the_sdk_hidden_context_note_last,
        // Client tools
        add_client_tool_output_completes_the_call_then_streams_respond,
        other_pending_client_tool_calls_are_deleted,
        // Structured input
        structured_input_submission_updates_the_item_then_responds,
        // Actions
        custom_action_calls_the_handler_with_the_action_and_sender_widget,
        custom_action_without_item_id_has_no_sender,
        sync_custom_action_returns_the_handler_item_without_store_writes,
        // Retry
        retry_deletes_newer_items_and_reruns_respond_with_the_same_user_message,
        retry_with_several_turns_replaces_only_items_after_the_chosen_message,
        retry_with_an_unknown_item_id_produces_an_empty_stream,
        // Non-streaming
        threads_list_defaults_to_20_newest_first_with_cursor_pagination,
        items_list_defaults_to_20_newest_first_with_cursor_pagination,
        threads_get_by_id_returns_the_thread_with_its_items_oldest_first,
        threads_update_returns_the_thread_with_the_new_title_and_persists_it,
        threads_delete_returns_exactly_an_empty_object,
        items_feedback_calls_the_hook_and_returns_an_empty_object,
        attachments_create_and_delete_are_not_supported,
        user_message_attachments_are_stored_with_the_thread_id,
        user_message_with_an_unknown_attachment_fails_without_writes,
        input_transcribe_is_not_supported,
        // Beyond the checklist
        requests_on_an_unknown_thread_are_not_found,
    ],
    backend: [
        stream_options_allow_cancel_true_unless_overridden,
        custom_thread_and_item_ids_are_used,
    ],
}
