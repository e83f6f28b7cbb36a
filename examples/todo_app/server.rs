//! Serving: the command line ([`Args`]), the store, and the HTTP server, which the example
//! binary runs until Ctrl-C and the tests start in-process ([`start`]).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chatkit_actions::attachments::object_store::memory::InMemory;
use chatkit_actions::attachments::{
    Blobs, LocalDisk, ObjectStorage, UploadPolicy, UploadStore, routes,
};
use chatkit_actions::transcribe::{OpenAiTranscriber, Unavailable};

use chatkit_actions::handler::{ActionContext, HandlerResult, Respond};
use chatkit_actions::health::Health;
use chatkit_actions::http::StreamLimit;
use chatkit_actions::limiter::{PostgresLimiter, Quota};
use chatkit_actions::serve::ServeConfig;
use chatkit_actions::server::{ChatKitServer, RateLimit};
use chatkit_actions::store::{PostgresStore, SqliteStore, Store, StoreError};
use chatkit_actions::telemetry::{
    PrometheusHandle, RefusalMonitor, install_prometheus, metrics_router,
};
use chatkit_actions::thread::{SortOrder, UserMessageItem};
use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::actions::TodoApp;
use super::assistant::{TodoAssistant, TodoModel};
use super::session::{ANONYMOUS, Session};
use crate::serving::ServeArgs;

/// The path of the ChatKit endpoint.
pub const ENDPOINT: &str = "/chatkit";

/// The path of the playground page (`chatkit_actions::playground`).
pub const PLAYGROUND: &str = "/playground";

/// The path of the attachment routes (uploads, downloads, previews).
pub const ATTACHMENTS: &str = "/attachments";

/// The `--db` value that keeps everything in memory (gone at exit).
pub const IN_MEMORY: &str = ":memory:";

/// The todo ChatKit backend: a ChatKit endpoint at `http://127.0.0.1:PORT/chatkit`, and the
/// playground page at `http://127.0.0.1:PORT/playground`.
///
/// The user of a request is the `x-user-id` header ("anonymous" without it); each user sees
/// only their own threads. Logs go to stderr; set `RUST_LOG` (default `info`).
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "todo", version)]
pub struct Args {
    /// The port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, env = "CHATKIT_PORT", default_value_t = 8000)]
    pub port: u16,
    /// The SQLite database file, created if missing (`:memory:` keeps nothing), or a
    /// PostgreSQL URL (`postgres://user@host:5432/db`), which several replicas may share.
    #[arg(long, env = "CHATKIT_DB", default_value = "todo.db")]
    pub db: String,
    /// The most requests a user may send per minute (0: no limit); more get `429`. On a
    /// PostgreSQL database the limit is shared by every replica on it.
    #[arg(long, env = "CHATKIT_RATE_LIMIT", default_value_t = DEFAULT_RATE_LIMIT)]
    pub rate_limit: u32,
    /// The most requests a user may send at once after a quiet spell (at most
    /// `--rate-limit`); the minute's quota then refills evenly.
    #[arg(long, env = "CHATKIT_RATE_BURST", default_value_t = DEFAULT_RATE_BURST)]
    pub rate_burst: u32,
    /// Milliseconds the assistant pauses before answering a message, as a model would (for
    /// demos of streaming and shutdown; 0 answers at once).
    #[arg(long, env = "CHATKIT_THINK_MS", default_value_t = 0)]
    pub think_ms: u64,
    /// The most response streams a user may have open at once (0: no cap); more get `429`.
    #[arg(long, env = "CHATKIT_STREAMS_PER_USER", default_value_t = DEFAULT_STREAMS_PER_USER)]
    pub streams_per_user: usize,
    /// The connection limits.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// The directory of uploaded attachments; by default next to the SQLite file
    /// (`todo.db-attachments`), in memory with `--db :memory:`, and `attachments` for a
    /// PostgreSQL URL (give a directory all replicas share).
    #[arg(long, env = "CHATKIT_ATTACHMENTS")]
    pub attachments: Option<PathBuf>,
    /// Bring the database's schema up to date, print its version, and exit without serving.
    #[arg(long)]
    pub migrate_only: bool,
}

/// The default of `--rate-limit`: requests per user and minute.
pub const DEFAULT_RATE_LIMIT: u32 = 600;

/// The default of `--rate-burst`: requests a user may send at once. A person clicking
/// through widgets sends a few requests a second at most, and a page load a handful; 20 lets
/// all of that through and stops a script after 20, where a burst of the whole minute's
/// quota (600) would let it send 600 in a second.
pub const DEFAULT_RATE_BURST: u32 = 20;

/// A user whose requests are refused this many times within [`REFUSAL_WINDOW`] is logged as
/// an unusual pattern.
pub const REFUSAL_THRESHOLD: usize = 20;

/// The window of [`REFUSAL_THRESHOLD`].
pub const REFUSAL_WINDOW: Duration = Duration::from_mins(1);

/// The default of `--streams-per-user`: enough for a user's tabs and a load test from one
/// account, far below the connection cap, so one user cannot hold every connection.
pub const DEFAULT_STREAMS_PER_USER: usize = 64;

/// Opens the SQLite store at `db` ([`IN_MEMORY`] for a database in memory).
///
/// # Errors
///
/// When the file cannot be opened or is not a store's database.
pub fn open_store(db: &str) -> Result<SqliteStore, StoreError> {
    if db == IN_MEMORY {
        SqliteStore::in_memory()
    } else {
        SqliteStore::open(db)
    }
}

/// Whether `--db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Opens the store `--db` names: a PostgreSQL database for a `postgres://` URL (its schema
/// migrated), else the SQLite file, as [`open_store`].
///
/// # Errors
///
/// When the database cannot be reached or opened, or its schema is newer than this build.
pub async fn open_db(db: &str) -> Result<SharedStore, StoreError> {
    if is_postgres_url(db) {
        Ok(Arc::new(PostgresStore::connect(db).await?))
    } else {
        Ok(Arc::new(open_store(db)?))
    }
}

/// A store shared between the server and whoever else reads it (the tests do).
pub type SharedStore = Arc<dyn Store<Session>>;

/// The ChatKit server of the todo backend over `store`: [`TodoApp`] handles the actions,
/// [`TodoAssistant`] answers messages, and dictation goes to OpenAI when `OPENAI_API_KEY` is
/// set (`OPENAI_BASE_URL` is honoured); without a key, `input.transcribe` answers `503`
/// saying so.
pub fn chatkit_server(store: SharedStore) -> ChatKitServer<TodoApp> {
    let server = ChatKitServer::with_shared_store(store, TodoApp).respond_with(TodoAssistant);
    match OpenAiTranscriber::from_env() {
        Ok(transcriber) => server.transcriber(transcriber),
        Err(error) => server.transcriber(Unavailable::new(error.to_string())),
    }
}

/// Where `--db` and `--attachments` put uploaded attachments: the directory given, else next
/// to the SQLite file (`todo.db` keeps them in `todo.db-attachments`), `attachments` for a
/// PostgreSQL URL, and `None` (in memory) for [`IN_MEMORY`].
pub fn attachments_dir(db: &str, explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return Some(dir.to_owned());
    }
    if db == IN_MEMORY {
        None
    } else if is_postgres_url(db) {
        Some(PathBuf::from("attachments"))
    } else {
        Some(PathBuf::from(format!("{db}-attachments")))
    }
}

/// The upload checks of the todo backend, its routes reached at `base_url`.
pub fn upload_policy(base_url: &str) -> UploadPolicy {
    UploadPolicy::default().base_url(base_url)
}

/// The HTTP application of [`app_with`] with `rate_limit` requests a minute per user (0:
/// none), the default burst ([`DEFAULT_RATE_BURST`], or `rate_limit` when lower), counted in
/// the process, and `streams_per_user` open streams per user (0: none). Attachments are kept
/// in memory; [`app_with`] takes an attachment store.
pub fn app(store: SharedStore, rate_limit: u32, streams_per_user: usize) -> axum::Router {
    let config = AppConfig {
        rate_limit,
        streams_per_user,
        ..AppConfig::default()
    };
    app_with(store, &config, in_memory_uploads(ATTACHMENTS)).0
}

/// An attachment store in memory, its routes reached at `base_url`.
pub fn in_memory_uploads(base_url: &str) -> UploadStore<ObjectStorage> {
    UploadStore::new(
        ObjectStorage::new(Arc::new(InMemory::new()), ""),
        upload_policy(base_url),
    )
}

/// How the todo backend serves, beyond its store.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Requests a minute per user (0: no limit).
    pub rate_limit: u32,
    /// Requests at once per user (at most `rate_limit`).
    pub rate_burst: u32,
    /// Response streams open at once per user (0: no cap).
    pub streams_per_user: usize,
    /// How long the assistant pauses before answering.
    pub think: Duration,
    /// The limiter shared by the replicas on one PostgreSQL database; `None` counts in the
    /// process.
    pub shared_limiter: Option<Arc<PostgresLimiter>>,
    /// The Prometheus metrics served at `/metrics`; `None` serves none.
    pub metrics: Option<PrometheusHandle>,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            rate_limit: DEFAULT_RATE_LIMIT,
            rate_burst: DEFAULT_RATE_BURST,
            streams_per_user: DEFAULT_STREAMS_PER_USER,
            think: Duration::ZERO,
            shared_limiter: None,
            metrics: None,
        }
    }
}

impl AppConfig {
    /// The quota of `rate_limit` a minute with a burst of `rate_burst` (at least 1, at most
    /// `rate_limit`), or `None` without a limit.
    pub fn quota(&self) -> Option<Quota> {
        let per_minute = NonZeroU32::new(self.rate_limit)?;
        let burst =
            NonZeroU32::new(self.rate_burst.min(self.rate_limit)).unwrap_or(NonZeroU32::MIN);
        Some(Quota::per_minute(per_minute).allow_burst(burst))
    }
}

/// The HTTP application: the ChatKit endpoint at [`ENDPOINT`], the playground page at
/// [`PLAYGROUND`], `/healthz` and `/readyz` (ready while the store answers a query), and
/// `/metrics` when `config` has a Prometheus handle; with the rate limit of `config` per
/// user, or per peer address for anonymous requests (beyond it `429 Too Many Requests` with
/// `Retry-After`), shared through PostgreSQL when `config` has a shared limiter, and a cap of
/// `streams_per_user` response streams open at once (the library's [`StreamLimit`], same
/// users). Also returns the [`Health`], whose shutdown flag `/readyz` answers.
pub fn app_with<B: Blobs>(
    store: SharedStore,
    config: &AppConfig,
    uploads: UploadStore<B>,
) -> (axum::Router, Health) {
    let health = Health::new().check_fn("store", {
        let store = Arc::clone(&store);
        move || {
            let store = Arc::clone(&store);
            async move {
                // A query as cheap as any: the newest thread of nobody.
                let probe = Session {
                    user: ANONYMOUS.to_owned(),
                };
                store
                    .load_threads(1, None, SortOrder::Desc, &probe)
                    .await
                    .map(drop)
                    .map_err(|error| error.to_string())
            }
        }
    });
    let attachments = routes::router(uploads.clone(), Arc::clone(&store));
    // With a model, it reads the attachments' bytes from the same store.
    let model = TodoModel::config_from_env().and_then(|model| {
        TodoModel::with_attachments(model, uploads.clone())
            .inspect_err(|error| tracing::error!(%error, "the model client failed; using the command reader"))
            .ok()
    });
    let mut server = chatkit_server(store)
        .attachment_store(uploads)
        .respond_with(Thinking {
            pause: config.think,
            model,
        })
        .monitor_refusals(
            RefusalMonitor::new(REFUSAL_THRESHOLD, REFUSAL_WINDOW),
            user_key,
        );
    match (config.quota(), &config.shared_limiter) {
        (Some(_), Some(shared)) => server = server.rate_limiter(Arc::clone(shared), user_key),
        (Some(quota), None) => server = server.rate_limit(RateLimit::new(quota), user_key),
        (None, _) => {}
    }
    let endpoint = match NonZeroUsize::new(config.streams_per_user) {
        Some(max) => chatkit_actions::http::router_with_stream_limit(
            server,
            ENDPOINT,
            StreamLimit::per_user(max, user_key),
        ),
        None => chatkit_actions::http::router(server, ENDPOINT),
    };
    let mut app = endpoint
        .merge(chatkit_actions::playground::router(PLAYGROUND, ENDPOINT))
        .merge(health.router())
        .nest(ATTACHMENTS, attachments);
    if let Some(handle) = &config.metrics {
        app = app.merge(metrics_router(handle.clone()));
    }
    (app, health)
}

/// The process's Prometheus metrics: the recorder installed on the first call (one per
/// process), its handle after; `None` when another recorder was installed first.
pub fn metrics() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match install_prometheus() {
            Ok(handle) => Some(handle),
            Err(error) => {
                tracing::warn!(%error, "no Prometheus metrics");
                None
            }
        })
        .clone()
}

/// [`TodoAssistant`], after a pause, as a model would take; the model, with the bytes of
/// attachments, when `OPENAI_API_KEY` is set.
struct Thinking {
    pause: Duration,
    model: Option<TodoModel>,
}

impl Respond<Session> for Thinking {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<Session>,
    ) -> HandlerResult {
        if !self.pause.is_zero() {
            tokio::time::sleep(self.pause).await;
        }
        match &self.model {
            Some(model) => model.respond(input, cx).await,
            None => TodoAssistant.respond(input, cx).await,
        }
    }
}

/// The user a limit counts against: the `x-user-id` of a signed-in user; anonymous requests
/// are counted by peer address.
fn user_key(session: &Session) -> Option<String> {
    (session.user != ANONYMOUS).then(|| session.user.clone())
}

/// A server running in the background, until [`RunningServer::stop`].
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of its ChatKit endpoint, such as `http://127.0.0.1:8000/chatkit`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}{ENDPOINT}", self.addr)
    }

    /// The URL of its playground page, such as `http://127.0.0.1:8000/playground`.
    pub fn playground_url(&self) -> String {
        format!("http://{}{PLAYGROUND}", self.addr)
    }

    /// Stops accepting connections, waits for the open ones to finish (until the shutdown
    /// deadline), and drops the store.
    ///
    /// # Errors
    ///
    /// When serving failed, or the server task panicked.
    pub async fn stop(self) -> io::Result<()> {
        // The task may be gone already; then its result says why.
        let _ = self.shutdown.send(());
        self.task.await.map_err(io::Error::other)?
    }
}

/// Serves the todo backend on `listener` over `store`, in a background task, with a limit of
/// `rate_limit` requests per user and minute (0: none), the default stream cap and the
/// library's default connection limits.
///
/// # Errors
///
/// When the listener has no local address.
pub fn start(
    listener: TcpListener,
    store: SharedStore,
    rate_limit: u32,
) -> io::Result<RunningServer> {
    let app = app(store, rate_limit, DEFAULT_STREAMS_PER_USER);
    start_app(listener, app, ServeConfig::default())
}

/// [`start`] with the attachments kept in `uploads` (its routes reached at [`ATTACHMENTS`] on
/// the page's origin): files on disk with [`LocalDisk`], as `run` keeps them next to the
/// SQLite file.
///
/// # Errors
///
/// When the listener has no local address.
pub fn start_with_uploads<B: Blobs>(
    listener: TcpListener,
    store: SharedStore,
    uploads: UploadStore<B>,
) -> io::Result<RunningServer> {
    let config = AppConfig {
        rate_limit: 0,
        ..AppConfig::default()
    };
    let (app, _) = app_with(store, &config, uploads);
    start_app(listener, app, ServeConfig::default())
}

/// Serves `app` on `listener` in a background task with `chatkit_actions::serve` and the
/// limits of `config` (`TCP_NODELAY` included: events are small writes).
///
/// # Errors
///
/// When the listener has no local address.
pub fn start_app(
    listener: TcpListener,
    app: axum::Router,
    config: ServeConfig,
) -> io::Result<RunningServer> {
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(chatkit_actions::serve::serve(
        listener,
        app,
        config,
        async {
            let _ = stopped.await;
        },
    ));
    Ok(RunningServer {
        addr,
        shutdown,
        task,
    })
}

/// The line printed once the server listens. A PostgreSQL URL is not repeated (it may hold
/// a password).
pub fn banner(addr: SocketAddr, db: &str) -> String {
    let store = if is_postgres_url(db) {
        "PostgreSQL".to_owned()
    } else {
        format!("SQLite: {db}")
    };
    format!(
        "todo backend listening on http://{addr}{ENDPOINT} — playground: http://{addr}{PLAYGROUND} ({store})"
    )
}

/// Runs the backend as the binary does: opens the store, binds `127.0.0.1:PORT`, prints the
/// [`banner`], and serves until Ctrl-C (or `SIGTERM`).
///
/// # Errors
///
/// When the store cannot be opened, the port cannot be bound, or serving fails.
pub async fn run(args: Args) -> Result<(), std::boxed::Box<dyn std::error::Error + Send + Sync>> {
    if args.migrate_only {
        if is_postgres_url(&args.db) {
            let version = PostgresStore::connect(&args.db).await?.migrate().await?;
            println!("PostgreSQL schema at version {version}");
        } else {
            open_store(&args.db)?;
            println!("SQLite schema up to date: {}", args.db);
        }
        return Ok(());
    }
    let mut config = AppConfig {
        rate_limit: args.rate_limit,
        rate_burst: args.rate_burst,
        streams_per_user: args.streams_per_user,
        think: Duration::from_millis(args.think_ms),
        shared_limiter: None,
        metrics: metrics(),
    };
    let store: SharedStore = if is_postgres_url(&args.db) {
        let store = PostgresStore::connect(&args.db).await?;
        if let Some(quota) = config.quota() {
            // The replicas on this database share one limit.
            let limiter = PostgresLimiter::from_store(&store, quota);
            limiter.create_table().await?;
            config.shared_limiter = Some(Arc::new(limiter));
        }
        Arc::new(store)
    } else {
        Arc::new(open_store(&args.db)?)
    };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port))).await?;
    // Upload and preview URLs are absolute: the ChatKit client may run on another origin.
    let base_url = format!("http://{}{ATTACHMENTS}", listener.local_addr()?);
    let (app, health) = if let Some(dir) = attachments_dir(&args.db, args.attachments.as_deref()) {
        let uploads = UploadStore::new(LocalDisk::new(&dir)?, upload_policy(&base_url));
        // Uploads never attached to a message go after a day (the policy's TTL).
        uploads.spawn_sweeper(Duration::from_mins(10));
        app_with(store, &config, uploads)
    } else {
        app_with(store, &config, in_memory_uploads(&base_url))
    };
    let server = start_app(listener, app, args.serve.config())?;
    println!("{}", banner(server.addr(), &args.db));
    chatkit_actions::serve::shutdown_signal().await;
    // Not ready from now on: a balancer stops sending, while the streams in flight finish.
    health.begin_shutdown();
    tracing::info!("shutting down");
    server.stop().await?;
    Ok(())
}

/// Sends logs to stderr, filtered by `RUST_LOG` (`info` when unset).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_have_defaults() {
        let args = Args::try_parse_from(["todo"]);
        // The environment may set CHATKIT_PORT / CHATKIT_DB; only check what it leaves alone.
        let env = [
            "CHATKIT_PORT",
            "CHATKIT_DB",
            "CHATKIT_RATE_LIMIT",
            "CHATKIT_RATE_BURST",
            "CHATKIT_THINK_MS",
            "CHATKIT_STREAMS_PER_USER",
            "CHATKIT_HEADER_TIMEOUT",
            "CHATKIT_BODY_TIMEOUT",
            "CHATKIT_SEND_TIMEOUT",
            "CHATKIT_SHUTDOWN_TIMEOUT",
            "CHATKIT_MAX_CONNECTIONS",
            "CHATKIT_ATTACHMENTS",
        ];
        if env.iter().all(|name| std::env::var_os(name).is_none()) {
            assert_eq!(
                args.ok(),
                Some(Args {
                    port: 8000,
                    db: "todo.db".to_owned(),
                    rate_limit: DEFAULT_RATE_LIMIT,
                    rate_burst: DEFAULT_RATE_BURST,
                    think_ms: 0,
                    streams_per_user: DEFAULT_STREAMS_PER_USER,
                    serve: ServeArgs::default(),
                    attachments: None,
                    migrate_only: false,
                })
            );
        }
        let args = Args::try_parse_from([
            "todo",
            "--port",
            "0",
            "--db",
            IN_MEMORY,
            "--rate-limit",
            "0",
        ]);
        assert_eq!(
            args.ok(),
            Some(Args {
                port: 0,
                db: IN_MEMORY.to_owned(),
                rate_limit: 0,
                rate_burst: DEFAULT_RATE_BURST,
                think_ms: 0,
                streams_per_user: DEFAULT_STREAMS_PER_USER,
                serve: ServeArgs::default(),
                attachments: None,
                migrate_only: false,
            })
        );
        assert!(Args::try_parse_from(["todo", "--port", "http"]).is_err());
    }

    #[test]
    fn the_default_burst_is_a_person_s_not_the_minute_s() {
        let config = AppConfig::default();
        let quota = config.quota().expect("a limit by default");
        assert_eq!(quota.burst_size().get(), DEFAULT_RATE_BURST);
        assert_eq!(
            quota.replenish_interval(),
            Duration::from_mins(1) / DEFAULT_RATE_LIMIT
        );
        // A limit below the burst is its own burst.
        let three = AppConfig {
            rate_limit: 3,
            ..AppConfig::default()
        };
        assert_eq!(three.quota().map(|quota| quota.burst_size().get()), Some(3));
        let none = AppConfig {
            rate_limit: 0,
            ..AppConfig::default()
        };
        assert!(none.quota().is_none());
    }

    #[test]
    fn attachments_live_next_to_the_database() {
        assert_eq!(
            attachments_dir("data/todo.db", None),
            Some(PathBuf::from("data/todo.db-attachments"))
        );
        assert_eq!(attachments_dir(IN_MEMORY, None), None);
        assert_eq!(
            attachments_dir("postgres://u@h/db", None),
            Some(PathBuf::from("attachments"))
        );
        assert_eq!(
            attachments_dir(IN_MEMORY, Some(Path::new("/srv/uploads"))),
            Some(PathBuf::from("/srv/uploads"))
        );
    }

    #[test]
    fn banner_names_the_endpoint_and_the_database() {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 8000));
        assert_eq!(
            banner(addr, "todo.db"),
            "todo backend listening on http://127.0.0.1:8000/chatkit — playground: http://127.0.0.1:8000/playground (SQLite: todo.db)"
        );
        assert!(
            banner(addr, "postgres://app:secret@db/todo").ends_with("(PostgreSQL)"),
            "no password in the banner"
        );
    }
}
