//! Liveness and readiness routes for a load balancer or an orchestrator.
//!
//! - `GET /healthz`, liveness: `200 {"status":"ok"}` while the process serves HTTP at all.
//!   A failing liveness probe restarts the process, so it checks nothing else: a database
//!   down is no reason to restart every replica.
//! - `GET /readyz`, readiness: runs every [`ReadinessCheck`] (the store: can it answer a
//!   query?) concurrently, each within a timeout (2 s unless set), and answers `200` when all
//!   pass, `503 Service Unavailable` when one fails, with each check's result:
//!   `{"status":"ready","checks":{"store":"ok"}}`. It also answers `503` with
//!   `"status":"shutting_down"` once the shutdown has begun
//!   ([`Health::shutdown_signal`]), so the balancer stops sending new requests while the
//!   streams in flight finish.
//!
//! ```no_run
//! use chatkit_actions::health::Health;
//! use chatkit_actions::serve::{ServeConfig, serve, shutdown_signal};
//!
//! # async fn run(chatkit: axum::Router) -> std::io::Result<()> {
//! let health = Health::new().check_fn("store", || async {
//!     // A cheap query on the application's store.
//!     Ok::<(), String>(())
//! });
//! let app = chatkit.merge(health.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! serve(listener, app, ServeConfig::default(), health.shutdown_signal(shutdown_signal())).await
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::join_all;

/// One condition of readiness: the store answers, a dependency is reachable.
#[async_trait]
pub trait ReadinessCheck: Send + Sync + 'static {
    /// `Ok` when ready.
    ///
    /// # Errors
    ///
    /// Why not, in words for the operator (shown in the `/readyz` answer and logged).
    async fn ready(&self) -> Result<(), String>;
}

type CheckFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A [`ReadinessCheck`] of a closure returning a future.
struct FnCheck<F>(F);

#[async_trait]
impl<F> ReadinessCheck for FnCheck<F>
where
    F: Fn() -> CheckFuture + Send + Sync + 'static,
{
    async fn ready(&self) -> Result<(), String> {
        (self.0)().await
    }
}

/// The readiness checks and the shutdown flag behind `/healthz` and `/readyz`. Clones share
/// the flag.
#[derive(Clone)]
pub struct Health {
    checks: Vec<(&'static str, Arc<dyn ReadinessCheck>)>,
    timeout: Duration,
    shutting_down: Arc<AtomicBool>,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health")
            .field(
                "checks",
                &self
                    .checks
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .field("shutting_down", &self.is_shutting_down())
            .finish()
    }
}

impl Default for Health {
    fn default() -> Self {
        Health::new()
    }
}

/// How long one readiness check may take unless set: a probe's own timeout is usually 1 to
/// 5 s.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

impl Health {
    /// No checks: ready until the shutdown begins.
    pub fn new() -> Self {
        Health {
            checks: Vec::new(),
            timeout: CHECK_TIMEOUT,
            shutting_down: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Adds the check `check` named `name` (the key in the `/readyz` answer).
    #[must_use]
    pub fn check(mut self, name: &'static str, check: impl ReadinessCheck) -> Self {
        self.checks.push((name, Arc::new(check)));
        self
    }

    /// Adds a check made of an async closure.
    #[must_use]
    pub fn check_fn<F, Fut>(self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.check(name, FnCheck(move || -> CheckFuture { Box::pin(check()) }))
    }

    /// How long each check may take before it counts as failed.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether the shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Marks the shutdown as begun: `/readyz` answers `503` from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }

    /// `signal`, which also marks the shutdown as begun when it fires: pass it to
    /// [`serve`](crate::serve::serve) in place of `signal`.
    pub fn shutdown_signal(
        &self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = ()> + Send + 'static {
        let health = self.clone();
        async move {
            signal.await;
            health.begin_shutdown();
        }
    }

    /// Runs every check; `(ready, results)`, the results by check name (`"ok"` or why not).
    pub async fn readiness(&self) -> (bool, Vec<(&'static str, Result<(), String>)>) {
        let timeout = self.timeout;
        let results = join_all(self.checks.iter().map(|(name, check)| async move {
            let result = match tokio::time::timeout(timeout, check.ready()).await {
                Ok(result) => result,
                Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
            };
            (*name, result)
        }))
        .await;
        let ready = results.iter().all(|(_, result)| result.is_ok());
        (ready, results)
    }

    /// The router of `GET /healthz` and `GET /readyz`.
    pub fn router(&self) -> Router {
        let health = self.clone();
        Router::new()
            .route(
                "/healthz",
                get(|| async { json(StatusCode::OK, "ok", None) }),
            )
            .route(
                "/readyz",
                get(move || {
                    let health = health.clone();
                    async move { health.readyz().await }
                }),
            )
    }

    async fn readyz(&self) -> Response {
        let (ready, results) = self.readiness().await;
        let mut checks = serde_json::Map::new();
        for (name, result) in results {
            let value = match result {
                Ok(()) => "ok".to_owned(),
                Err(why) => {
                    tracing::warn!(check = name, error = %why, "readiness check failed");
                    why
                }
            };
            checks.insert(name.to_owned(), serde_json::Value::String(value));
        }
        let (status, word) = if self.is_shutting_down() {
            (StatusCode::SERVICE_UNAVAILABLE, "shutting_down")
        } else if ready {
            (StatusCode::OK, "ready")
        } else {
            (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
        };
        json(status, word, Some(checks))
    }
}

fn json(
    status: StatusCode,
    word: &str,
    checks: Option<serde_json::Map<String, serde_json::Value>>,
) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("status".to_owned(), word.into());
    if let Some(checks) = checks {
        body.insert("checks".to_owned(), checks.into());
    }
    (
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::Value::Object(body)),
    )
        .into_response()
}

#[cfg(all(test, feature = "serve"))]
mod tests {
    use std::sync::atomic::AtomicBool;

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn get(router: &Router, path: &str) -> (StatusCode, serde_json::Value) {
        let response = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[tokio::test]
    async fn readiness_follows_its_checks_and_the_shutdown() {
        let up = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&up);
        let health = Health::new()
            .check_fn("store", move || {
                let up = flag.load(Ordering::Relaxed);
                async move {
                    if up {
                        Ok(())
                    } else {
                        Err("connection refused".to_owned())
                    }
                }
            })
            .check_fn("slow", || async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Ok(())
            })
            .timeout(Duration::from_secs(1));
        let router = health.router();
        let (status, body) = get(&router, "/readyz").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            serde_json::json!({"status": "ready", "checks": {"store": "ok", "slow": "ok"}})
        );
        up.store(false, Ordering::Relaxed);
        let (status, body) = get(&router, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"], "not_ready");
        assert_eq!(body["checks"]["store"], "connection refused");
        // Liveness does not depend on the store.
        assert_eq!(
            get(&router, "/healthz").await,
            (StatusCode::OK, serde_json::json!({"status": "ok"}))
        );
        up.store(true, Ordering::Relaxed);
        assert_eq!(get(&router, "/readyz").await.0, StatusCode::OK);
        health.shutdown_signal(async {}).await;
        let (status, body) = get(&router, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"], "shutting_down");
    }

    #[tokio::test]
    async fn a_check_that_hangs_fails_within_the_timeout() {
        let health = Health::new()
            .check_fn("stuck", std::future::pending::<Result<(), String>>)
            .timeout(Duration::from_millis(50));
        let (ready, results) = health.readiness().await;
        assert!(!ready);
        assert_eq!(results[0].1, Err("no answer within 50 ms".to_owned()));
    }
}
