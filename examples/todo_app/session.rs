//! [`Session`]: who is asking, from the `x-user-id` header.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chatkit_actions::store::StoreScope;

/// The header naming the user. A real deployment would verify a token or a session cookie
/// here instead; the todo example trusts the header, which is enough to show the isolation.
pub const USER_HEADER: &str = "x-user-id";

/// The user of a request without [`USER_HEADER`].
pub const ANONYMOUS: &str = "anonymous";

/// The longest user id accepted, in bytes.
pub const MAX_USER_LEN: usize = 64;

/// The request context of the todo backend: the user the request acts for.
///
/// It is an axum extractor (the ChatKit endpoint gets one per request) and a
/// [`StoreScope`]: the stores file every thread under its creator, so a user sees only their
/// own threads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Session {
    /// The user id: 1 to [`MAX_USER_LEN`] ASCII letters, digits, `-`, `_`, `.` or `@`.
    pub user: String,
}

impl Session {
    /// A session for `user`, when it is a valid user id.
    ///
    /// # Errors
    ///
    /// [`InvalidUser`] when it is empty, too long, or holds other characters.
    pub fn new(user: &str) -> Result<Session, InvalidUser> {
        let valid = !user.is_empty()
            && user.len() <= MAX_USER_LEN
            && user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
        if valid {
            Ok(Session {
                user: user.to_owned(),
            })
        } else {
            Err(InvalidUser)
        }
    }

    /// The session of a request with these headers: [`ANONYMOUS`] without [`USER_HEADER`].
    ///
    /// # Errors
    ///
    /// [`InvalidUser`] when the header is present but not a valid user id.
    pub fn from_header(value: Option<&HeaderValue>) -> Result<Session, InvalidUser> {
        match value {
            None => Ok(Session {
                user: ANONYMOUS.to_owned(),
            }),
            Some(value) => Session::new(value.to_str().map_err(|_| InvalidUser)?),
        }
    }
}

impl StoreScope for Session {
    fn scope(&self) -> Option<&str> {
        Some(&self.user)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = InvalidUser;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Session::from_header(parts.headers.get(USER_HEADER))
    }
}

/// The `x-user-id` header is not a valid user id: answered with `400 Bad Request` and the
/// ChatKit endpoint's JSON error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUser;

impl std::fmt::Display for InvalidUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid `{USER_HEADER}` header: expected 1 to {MAX_USER_LEN} ASCII letters, digits, `-`, `_`, `.` or `@`"
        )
    }
}

impl std::error::Error for InvalidUser {}

impl IntoResponse for InvalidUser {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": "invalid_user", "message": self.to_string() },
        });
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_checked() {
        assert_eq!(
            Session::from_header(None).map(|s| s.user),
            Ok(ANONYMOUS.to_owned())
        );
        let alice = HeaderValue::from_static("alice@example.com");
        assert_eq!(
            Session::from_header(Some(&alice)).map(|s| s.user),
            Ok("alice@example.com".to_owned())
        );
        for bad in ["", "two words", "ünïcode", &"x".repeat(MAX_USER_LEN + 1)] {
            assert_eq!(Session::new(bad), Err(InvalidUser), "{bad:?}");
        }
        let opaque = HeaderValue::from_bytes(b"\xffbob").unwrap_or(HeaderValue::from_static(""));
        assert_eq!(Session::from_header(Some(&opaque)), Err(InvalidUser));
    }
}
