//! What the attachment tests share: a PNG header and a user named by a header.

use chatkit_actions::store::StoreScope;

/// A PNG header: enough for the upload's type check.
pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// The user named by the `x-user` header (no header: nobody), the scope of their threads and
/// attachments.
#[derive(Debug, Clone)]
pub(crate) struct User(pub(crate) Option<String>);

impl StoreScope for User {
    fn scope(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for User {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(User(
            parts
                .headers
                .get("x-user")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        ))
    }
}
