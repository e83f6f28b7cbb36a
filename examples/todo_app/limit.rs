//! [`RateLimit`]: at most so many requests per user and minute, answered `429 Too Many
//! Requests` beyond that (the seed's "implement rate limiting for actions").

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::session::Session;

/// The length of a rate-limit window.
const WINDOW: Duration = Duration::from_mins(1);

/// How many users are tracked before windows that are over get dropped.
const PRUNE_ABOVE: usize = 10_000;

/// A fixed-window limit on the requests of each user.
#[derive(Debug)]
pub struct RateLimit {
    per_minute: u32,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl RateLimit {
    /// A limit of `per_minute` requests per user and minute; 0 means no limit.
    pub fn per_minute(per_minute: u32) -> Arc<RateLimit> {
        Arc::new(RateLimit {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        })
    }

    /// Counts a request of `user` and says whether it is within the limit.
    pub fn allow(&self, user: &str) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let now = Instant::now();
        // The map stays consistent whatever a panicking holder did, so a poisoned lock is
        // still usable.
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, window| now.duration_since(window.started) < WINDOW);
        }
        let window = windows.entry(user.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        window.count = window.count.saturating_add(1);
        window.count <= self.per_minute
    }
}

/// The axum middleware applying a [`RateLimit`] to every request, by [`Session`] user.
pub async fn enforce(
    State(limit): State<Arc<RateLimit>>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if limit.allow(&session.user) {
        return next.run(request).await;
    }
    tracing::warn!(user = %session.user, "rate limit exceeded");
    let body = serde_json::json!({
        "error": {
            "code": "rate_limited",
            "message": format!("too many requests: at most {} a minute", limit.per_minute),
        },
    });
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::RETRY_AFTER, WINDOW.as_secs().to_string()),
        ],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_user() {
        let limit = RateLimit::per_minute(2);
        assert!(limit.allow("alice"));
        assert!(limit.allow("alice"));
        assert!(!limit.allow("alice"));
        assert!(limit.allow("bob"));
        let unlimited = RateLimit::per_minute(0);
        assert!((0..1_000).all(|_| unlimited.allow("alice")));
    }
}
