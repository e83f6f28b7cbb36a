//! [`serve`]: an HTTP server for the ChatKit router with safe limits, so slow, half-open or
//! stalled clients cannot take it down.
//!
//! `axum::serve` leaves every limit to the application: a client that sends half a request
//! head and then nothing holds its connection (and a file descriptor) forever, and enough of
//! them lock every other user out. [`serve`] runs the same router on hyper's HTTP/1
//! connections with these limits, each set in [`ServeConfig`] (`docs/operations.md` says why
//! each default is what it is):
//!
//! | limit | default | what happens past it |
//! | --- | --- | --- |
//! | [header read timeout](ServeConfig::header_read_timeout) | 10 s | the connection is closed; it also bounds how long a kept-alive connection may stay idle |
//! | [body read timeout](ServeConfig::body_read_timeout) | 30 s | `408 Request Timeout`, and the connection is closed |
//! | [send timeout](ServeConfig::send_timeout) | 30 s | a client that stops reading while its send buffer is full is dropped; its response pipeline is cancelled as on a disconnect |
//! | [connection cap](ServeConfig::max_connections) | the open-files limit less a reserve | new connections wait in the listen backlog until one closes |
//! | [accept backoff](ServeConfig::accept_backoff) | up to 1 s | an accept error (`EMFILE`, …) is logged and the next accept waits, doubling from 10 ms |
//! | [shutdown deadline](ServeConfig::shutdown_timeout) | 20 s | connections still open are closed |
//!
//! Response streams have no time limit: an event stream that a client reads stays open as
//! long as the handler produces events, however long that takes. Only a client that stops
//! reading is dropped, once a write has waited for it longer than the send timeout.
//!
//! ```no_run
//! # use chatkit_actions::{Action, action_handler};
//! # use chatkit_actions::handler::{ActionContext, HandlerResult};
//! # use chatkit_actions::server::ChatKitServer;
//! # use chatkit_actions::store::MemoryStore;
//! # #[derive(Action, Debug)] enum AppAction { Ping }
//! # struct App;
//! # #[action_handler(AppAction)]
//! # impl App {
//! #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
//! # }
//! use chatkit_actions::serve::{ServeConfig, serve, shutdown_signal};
//!
//! # async fn run() -> std::io::Result<()> {
//! let server = ChatKitServer::new(MemoryStore::new(), App);
//! let app = chatkit_actions::http::router(server, "/chatkit");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! // Until Ctrl-C or SIGTERM; then open connections get 20 s to finish.
//! serve(listener, app, ServeConfig::default(), shutdown_signal()).await
//! # }
//! ```

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tokio_io_timeout::TimeoutStream;
use tower::ServiceExt;

use crate::http::BodyTimeout;

/// The limits of [`serve`]. Every one has a safe default; see the [module](self) docs.
///
/// ```
/// use std::time::Duration;
/// use chatkit_actions::serve::ServeConfig;
///
/// let config = ServeConfig::default()
///     .header_read_timeout(Duration::from_secs(5))
///     .max_connections(1000);
/// assert_eq!(config.header_read_timeout_value(), Duration::from_secs(5));
/// // Never more than the open-files limit leaves room for.
/// assert!(config.connection_cap() <= 1000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    send_timeout: Duration,
    max_connections: Option<usize>,
    accept_backoff: Duration,
    shutdown_timeout: Duration,
    nodelay: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            send_timeout: Duration::from_secs(30),
            max_connections: None,
            accept_backoff: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(20),
            nodelay: true,
        }
    }
}

/// The first pause after an accept error; each further error in a row doubles it, up to
/// [`ServeConfig::accept_backoff`].
const FIRST_ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// The connection cap when the open-files limit cannot be read (or is unlimited).
const CAP_WITHOUT_LIMIT: usize = 65_536;

/// The least time between two log lines saying the connection cap is reached.
const CAP_WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// After the shutdown deadline, how long the connections get to let go once told to close.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

impl ServeConfig {
    /// The time a client has to send a request's complete head (request line and headers),
    /// from the moment the server waits for it: when the connection opens, and after each
    /// response on a kept-alive connection, so it is also the idle keep-alive timeout. Past
    /// it the connection is closed. 10 s by default.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The time a client has to send a request's whole body, from the end of its head. Past
    /// it the body read fails, the ChatKit endpoint answers `408 Request Timeout` and the
    /// connection is closed. 30 s by default.
    #[must_use]
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// How long one write may wait for a client that does not read (its socket's send
    /// buffer full). Past it the connection is dropped, and a response stream on it is
    /// cancelled as on a disconnect. Honest streams are not affected: the clock only runs
    /// while a write is blocked. 30 s by default.
    #[must_use]
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout;
        self
    }

    /// The most connections open at once. Whatever is set, the cap stays below the
    /// process's open-files limit, read at start, less a reserve for the store, logs and
    /// the listener (see [`ServeConfig::connection_cap`]). Past it, new connections wait in
    /// the kernel's listen backlog until one closes.
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max);
        self
    }

    /// The longest pause after an accept error such as `EMFILE` (too many open files): the
    /// first is 10 ms, each further error in a row doubles it up to this. 1 s by default.
    #[must_use]
    pub fn accept_backoff(mut self, max: Duration) -> Self {
        self.accept_backoff = max;
        self
    }

    /// How long the open connections get to finish once shutdown begins; then they are
    /// closed (and their response streams cancelled). 20 s by default.
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Whether accepted sockets get `TCP_NODELAY` (on by default): events are small writes,
    /// and with Nagle's algorithm each waits for the client's acknowledgement of the
    /// previous one (about 40 ms on Linux).
    #[must_use]
    pub fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// The header read timeout.
    pub fn header_read_timeout_value(&self) -> Duration {
        self.header_read_timeout
    }

    /// The body read timeout.
    pub fn body_read_timeout_value(&self) -> Duration {
        self.body_read_timeout
    }

    /// The send timeout.
    pub fn send_timeout_value(&self) -> Duration {
        self.send_timeout
    }

    /// The shutdown deadline.
    pub fn shutdown_timeout_value(&self) -> Duration {
        self.shutdown_timeout
    }

    /// The connection cap in force: [`ServeConfig::max_connections`] if set, but never more
    /// than the open-files limit leaves room for ([`open_files_limit`] less
    /// [`reserved_files`]); without a readable limit, the setting or 65 536. At least 1.
    pub fn connection_cap(&self) -> usize {
        let room = open_files_limit().map(|limit| {
            let room = limit.saturating_sub(reserved_files(limit));
            usize::try_from(room).unwrap_or(usize::MAX)
        });
        let cap = match (self.max_connections, room) {
            (Some(max), Some(room)) => max.min(room),
            (Some(max), None) => max,
            (None, Some(room)) => room.min(CAP_WITHOUT_LIMIT * 16),
            (None, None) => CAP_WITHOUT_LIMIT,
        };
        // A semaphore holds at most `u32::MAX >> 3` permits; no server gets near it.
        cap.clamp(1, 1 << 28)
    }
}

/// The process's soft limit on open files (`RLIMIT_NOFILE`), or `None` where it cannot be
/// read or is unlimited.
pub fn open_files_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        match rlimit::getrlimit(rlimit::Resource::NOFILE) {
            Ok((soft, _)) if soft != rlimit::INFINITY => Some(soft),
            _ => None,
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The files kept free for everything but connections, out of an open-files limit of
/// `limit`: an eighth of it, between 32 and 1024 (64 of 512, 128 of 1024). The store (a
/// SQLite file and its journal, a PostgreSQL pool), the listener, logs and the runtime need
/// them, and an accept needs one free descriptor to take a connection out of the backlog.
pub fn reserved_files(limit: u64) -> u64 {
    (limit / 8).clamp(32, 1024).min(limit.saturating_sub(1))
}

/// What the connections are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Serving.
    Running,
    /// Shutdown began: finish the request in flight, then close.
    Draining,
    /// The shutdown deadline passed: close now.
    Closing,
}

/// Serves `app` on `listener` with the limits of `config` until `shutdown` completes, then
/// stops accepting, lets open connections finish for at most the shutdown deadline, and
/// closes the rest.
///
/// Each request carries `ConnectInfo<SocketAddr>` (the peer address) in its extensions, as
/// with axum's `into_make_service_with_connect_info`, so the rate limit can fall back to it.
/// HTTP/1.1 only (behind a TLS-terminating proxy, as ChatKit backends usually are).
///
/// # Errors
///
/// Only when the listener has no local address; accept errors are logged and retried.
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    config: ServeConfig,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let addr = listener.local_addr()?;
    let cap = config.connection_cap();
    let slots = Arc::new(Semaphore::new(cap));
    let (phase, phase_rx) = watch::channel(Phase::Running);
    tracing::info!(
        %addr,
        max_connections = cap,
        open_files_limit = open_files_limit(),
        header_read_timeout_ms = config.header_read_timeout.as_millis(),
        body_read_timeout_ms = config.body_read_timeout.as_millis(),
        send_timeout_ms = config.send_timeout.as_millis(),
        shutdown_timeout_ms = config.shutdown_timeout.as_millis(),
        "serving"
    );
    let connection = Arc::new(ConnectionConfig::new(&config, app));

    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff: Option<Duration> = None;
    let mut cap_warned: Option<Instant> = None;
    loop {
        // A free slot first, so a full server leaves new connections in the backlog rather
        // than accepting them without a descriptor to spare.
        let permit = if let Ok(permit) = Arc::clone(&slots).try_acquire_owned() {
            permit
        } else {
            // Under a flood the cap is reached again each time a slot frees: say it at most
            // once per interval.
            if cap_warned.is_none_or(|at| at.elapsed() >= CAP_WARNING_INTERVAL) {
                cap_warned = Some(Instant::now());
                tracing::warn!(
                    max_connections = cap,
                    "connection cap reached; new connections wait until one closes"
                );
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            }
        };
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((tcp, peer)) => {
                backoff = None;
                let connection = Arc::clone(&connection);
                let phase = phase_rx.clone();
                tokio::spawn(async move {
                    connection.serve(tcp, peer, phase).await;
                    drop(permit);
                });
            }
            Err(error) if is_connection_error(&error) => {
                tracing::debug!(%error, "a connection failed before it was accepted");
            }
            Err(error) => {
                let pause = next_backoff(backoff, config.accept_backoff);
                backoff = Some(pause);
                tracing::error!(
                    %error,
                    pause_ms = pause.as_millis(),
                    "accepting a connection failed; pausing before the next accept"
                );
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }

    drop(listener);
    drain(&slots, cap, &phase, config.shutdown_timeout).await;
    Ok(())
}

/// Tells the connections to finish, waits for them until `deadline`, then tells those left
/// to close.
async fn drain(slots: &Semaphore, cap: usize, phase: &watch::Sender<Phase>, deadline: Duration) {
    let open = cap - slots.available_permits();
    tracing::info!(
        open_connections = open,
        deadline_ms = deadline.as_millis(),
        "shutting down: no new connections; open ones may finish until the deadline"
    );
    let _ = phase.send(Phase::Draining);
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    if tokio::time::timeout(deadline, slots.acquire_many(all))
        .await
        .is_err()
    {
        let open = cap - slots.available_permits();
        tracing::warn!(
            open_connections = open,
            "shutdown deadline passed; closing the open connections"
        );
        let _ = phase.send(Phase::Closing);
        let _ = tokio::time::timeout(CLOSE_GRACE, slots.acquire_many(all)).await;
    }
}

/// Waits for Ctrl-C, or for `SIGTERM` on Unix (what `kill`, container runtimes and service
/// managers send): the usual `shutdown` future of [`serve`]. If a signal handler cannot be
/// installed, that signal is not waited for (and the failure is logged).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The pause after an accept error, when the last one in a row was `last`: 10 ms first,
/// then twice the last, at most `max`.
fn next_backoff(last: Option<Duration>, max: Duration) -> Duration {
    last.map_or(FIRST_ACCEPT_BACKOFF, |last| last.saturating_mul(2))
        .min(max)
}

/// Accept errors that concern one connection only (it was reset before the accept): the
/// next accept can go on at once.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// What every connection is served with.
struct ConnectionConfig {
    http: http1::Builder,
    app: Router,
    body_read_timeout: Duration,
    send_timeout: Duration,
    nodelay: bool,
}

impl ConnectionConfig {
    fn new(config: &ServeConfig, app: Router) -> Self {
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout)
            .keep_alive(true);
        ConnectionConfig {
            http,
            app,
            body_read_timeout: config.body_read_timeout,
            send_timeout: config.send_timeout,
            nodelay: config.nodelay,
        }
    }

    /// Serves one connection until it ends, or until the shutdown says to close it.
    async fn serve(&self, tcp: TcpStream, peer: SocketAddr, mut phase: watch::Receiver<Phase>) {
        if self.nodelay
            && let Err(error) = tcp.set_nodelay(true)
        {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
        let mut io = TimeoutStream::new(tcp);
        io.set_write_timeout(Some(self.send_timeout));
        let io = TokioIo::new(Box::pin(io));
        let app = self.app.clone();
        let body_read_timeout = self.body_read_timeout;
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let mut request =
                request.map(|body| Body::new(DeadlineBody::new(body, body_read_timeout)));
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = self.http.serve_connection(io, service);
        let mut connection = std::pin::pin!(connection);
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        log_connection_error(&error, peer, self.send_timeout);
                    }
                    return;
                }
                changed = phase.changed() => {
                    // The sender is gone only once `serve` has returned: close.
                    let now = if changed.is_ok() { *phase.borrow_and_update() } else { Phase::Closing };
                    match now {
                        Phase::Running => {}
                        Phase::Draining => connection.as_mut().graceful_shutdown(),
                        // Dropping the connection closes the socket and drops a response
                        // stream in flight: its pipeline is cancelled as on a disconnect.
                        Phase::Closing => return,
                    }
                }
            }
        }
    }
}

/// Logs why a connection ended in error: at `info` for a client dropped for not reading,
/// at `debug` for the rest (timeouts of half-open connections, resets: the client's doing).
fn log_connection_error(error: &hyper::Error, peer: SocketAddr, send_timeout: Duration) {
    let timed_out_writing = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<io::Error>())
        .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut);
    if timed_out_writing {
        tracing::info!(
            %peer,
            send_timeout_ms = send_timeout.as_millis(),
            "dropped a client that stopped reading"
        );
    } else if error.is_timeout() {
        tracing::debug!(%peer, "closed a connection that sent no complete request head in time");
    } else {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}

/// A request body that fails with [`BodyTimeout`] once `timeout` has passed since the end of
/// the request head, before the body's end. The timer is only set when the body is not all
/// there at once.
struct DeadlineBody {
    inner: Incoming,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    timeout: Duration,
    expired: bool,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        DeadlineBody {
            inner,
            deadline: Instant::now() + timeout,
            sleep: None,
            timeout,
            expired: false,
        }
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.expired {
            return Poll::Ready(Some(Err(BodyTimeout::new(this.timeout).into())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|frame| frame.map_err(Into::into))),
            Poll::Pending => {
                let deadline = this.deadline;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.expired = true;
                        Poll::Ready(Some(Err(BodyTimeout::new(this.timeout).into())))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_leaves_room_below_the_open_files_limit() {
        assert_eq!(reserved_files(512), 64);
        assert_eq!(reserved_files(1024), 128);
        assert_eq!(reserved_files(100), 32);
        assert_eq!(reserved_files(1_000_000), 1024);
        // Even a tiny limit leaves one descriptor for a connection.
        assert_eq!(reserved_files(8), 7);
        assert_eq!(reserved_files(0), 0);
    }

    #[test]
    fn the_cap_stays_below_the_limit_whatever_is_configured() {
        let config = ServeConfig::default().max_connections(usize::MAX);
        let cap = config.connection_cap();
        assert!(cap >= 1);
        if let Some(limit) = open_files_limit() {
            let room = limit - reserved_files(limit);
            assert!(u64::try_from(cap).is_ok_and(|cap| cap <= room));
        }
        assert_eq!(
            ServeConfig::default().max_connections(3).connection_cap(),
            3
        );
        assert_eq!(
            ServeConfig::default().max_connections(0).connection_cap(),
            1
        );
    }

    #[test]
    fn accept_errors_back_off_from_10_ms_doubling_to_the_maximum() {
        let max = Duration::from_secs(1);
        let mut pauses = Vec::new();
        let mut last = None;
        for _ in 0..10 {
            let pause = next_backoff(last, max);
            pauses.push(pause.as_millis());
            last = Some(pause);
        }
        assert_eq!(pauses, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        assert_eq!(next_backoff(None, Duration::from_millis(5)).as_millis(), 5);
    }

    #[test]
    fn connection_errors_are_told_from_resource_errors() {
        assert!(is_connection_error(&io::Error::from(
            io::ErrorKind::ConnectionAborted
        )));
        // EMFILE: the process is out of descriptors; pause before the next accept.
        assert!(!is_connection_error(&io::Error::from_raw_os_error(24)));
    }
}
