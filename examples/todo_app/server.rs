//! Serving: the command line ([`Args`]), the store, and the HTTP server, which the example
//! binary runs until Ctrl-C and the tests start in-process ([`start`]).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chatkit_actions::attachments::object_store::memory::InMemory;
use chatkit_actions::attachments::{
    Blobs, LocalDisk, ObjectStorage, UploadPolicy, UploadStore, routes,
};
use chatkit_actions::transcribe::{OpenAiTranscriber, Unavailable};

use chatkit_actions::http::StreamLimit;
use chatkit_actions::serve::ServeConfig;
use chatkit_actions::server::{ChatKitServer, RateLimit};
use chatkit_actions::store::{PostgresStore, SqliteStore, Store, StoreError};
use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::actions::TodoApp;
use super::assistant::TodoAssistant;
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
    /// The most requests a user may send per minute (0: no limit); more get `429`.
    #[arg(long, env = "CHATKIT_RATE_LIMIT", default_value_t = DEFAULT_RATE_LIMIT)]
    pub rate_limit: u32,
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

/// The HTTP application: the ChatKit endpoint at [`ENDPOINT`] and the playground page at
/// [`PLAYGROUND`], with a limit of `rate_limit`
/// requests a minute (0: none) per user, or per peer address for anonymous requests (the
/// library's [`RateLimit`]: a burst of `rate_limit`, then one every `60 s / rate_limit`;
/// beyond it `429 Too Many Requests` with `Retry-After`), and of `streams_per_user` response
/// streams open at once (0: none; the library's [`StreamLimit`], same users).
///
/// Attachments are kept in memory; [`app_with`] takes an attachment store.
pub fn app(store: SharedStore, rate_limit: u32, streams_per_user: usize) -> axum::Router {
    let uploads = UploadStore::new(
        ObjectStorage::new(Arc::new(InMemory::new()), ""),
        upload_policy(ATTACHMENTS),
    );
    app_with(store, rate_limit, streams_per_user, uploads)
}

/// [`app`] with attachments in `uploads`, whose routes it serves at [`ATTACHMENTS`].
pub fn app_with<B: Blobs>(
    store: SharedStore,
    rate_limit: u32,
    streams_per_user: usize,
    uploads: UploadStore<B>,
) -> axum::Router {
    let attachments = routes::router(uploads.clone(), Arc::clone(&store));
    let mut server = chatkit_server(store).attachment_store(uploads);
    if let Some(per_minute) = NonZeroU32::new(rate_limit) {
        server = server.rate_limit(RateLimit::per_minute(per_minute), user_key);
    }
    let endpoint = match NonZeroUsize::new(streams_per_user) {
        Some(max) => chatkit_actions::http::router_with_stream_limit(
            server,
            ENDPOINT,
            StreamLimit::per_user(max, user_key),
        ),
        None => chatkit_actions::http::router(server, ENDPOINT),
    };
    endpoint
        .merge(chatkit_actions::playground::router(PLAYGROUND, ENDPOINT))
        .nest(ATTACHMENTS, attachments)
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
    let store = open_db(&args.db).await?;
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port))).await?;
    // Upload and preview URLs are absolute: the ChatKit client may run on another origin.
    let base_url = format!("http://{}{ATTACHMENTS}", listener.local_addr()?);
    let app = if let Some(dir) = attachments_dir(&args.db, args.attachments.as_deref()) {
        let uploads = UploadStore::new(LocalDisk::new(&dir)?, upload_policy(&base_url));
        // Uploads never attached to a message go after a day (the policy's TTL).
        uploads.spawn_sweeper(Duration::from_mins(10));
        app_with(store, args.rate_limit, args.streams_per_user, uploads)
    } else {
        let bucket = ObjectStorage::new(Arc::new(InMemory::new()), "");
        let uploads = UploadStore::new(bucket, upload_policy(&base_url));
        app_with(store, args.rate_limit, args.streams_per_user, uploads)
    };
    let server = start_app(listener, app, args.serve.config())?;
    println!("{}", banner(server.addr(), &args.db));
    chatkit_actions::serve::shutdown_signal().await;
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
                streams_per_user: DEFAULT_STREAMS_PER_USER,
                serve: ServeArgs::default(),
                attachments: None,
                migrate_only: false,
            })
        );
        assert!(Args::try_parse_from(["todo", "--port", "http"]).is_err());
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
