//! [`Limits`]: how much a request may ask of the server, checked before anything runs.

use std::io;

use crate::request::{ActionRequest, ChatKitRequest};

use super::ProcessError;

/// Size and shape limits on requests, checked before a request is parsed (body size, JSON
/// nesting depth) or before it runs (action payload size, page size). The defaults are safe
/// for a public endpoint; [`ChatKitServer::limits`](super::ChatKitServer::limits) sets others.
///
/// | limit | default | over it |
/// |---|---|---|
/// | [`body_bytes`](Limits::body_bytes) | 2 MiB | `413`, code `payload_too_large` |
/// | [`depth`](Limits::depth) | 64 levels of `[`/`{` | `400`, code `too_deep` |
/// | [`payload_bytes`](Limits::payload_bytes) | 64 KiB of an action's payload JSON text | `413`, code `payload_too_large` |
/// | [`page_size`](Limits::page_size) | 100 | `limit` lowered to it (the page says `has_more`) |
///
/// A rejected request writes nothing and is logged at warn level.
///
/// ```
/// use chatkit_actions::server::Limits;
///
/// let limits = Limits::default().body_bytes(256 * 1024).depth(32);
/// assert_eq!(limits.max_body_bytes(), 256 * 1024);
/// assert_eq!(limits.max_depth(), 32);
/// assert_eq!(limits.max_payload_bytes(), 64 * 1024);
/// assert_eq!(limits.max_page_size(), 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    body_bytes: usize,
    depth: usize,
    payload_bytes: usize,
    page_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: Limits::DEFAULT_BODY_BYTES,
            depth: Limits::DEFAULT_DEPTH,
            payload_bytes: Limits::DEFAULT_PAYLOAD_BYTES,
            page_size: Limits::DEFAULT_PAGE_SIZE,
        }
    }
}

impl Limits {
    /// The default body limit: 2 MiB, axum's own default.
    pub const DEFAULT_BODY_BYTES: usize = 2 * 1024 * 1024;
    /// The default nesting depth limit: 64 levels.
    pub const DEFAULT_DEPTH: usize = 64;
    /// The default payload limit of one action: 64 KiB.
    pub const DEFAULT_PAYLOAD_BYTES: usize = 64 * 1024;
    /// The default largest page of `threads.list` and `items.list`: 100.
    pub const DEFAULT_PAGE_SIZE: usize = 100;

    /// Sets the largest request body, in bytes. The axum router of
    /// [`http`](crate::http) sets its `DefaultBodyLimit` to it, and
    /// [`ChatKitServer::process`](super::ChatKitServer::process) checks it too.
    #[must_use]
    pub fn body_bytes(mut self, bytes: usize) -> Self {
        self.body_bytes = bytes;
        self
    }

    /// Sets the deepest nesting of JSON arrays and objects in a request body (the request
    /// object itself is level 1). Checked by a scan of the bytes before they are parsed.
    #[must_use]
    pub fn depth(mut self, levels: usize) -> Self {
        self.depth = levels;
        self
    }

    /// Sets the largest action payload, in bytes of its JSON text as the client sent it (of
    /// its compact JSON for a request given to
    /// [`ChatKitServer::process_request`](super::ChatKitServer::process_request) already
    /// parsed).
    #[must_use]
    pub fn payload_bytes(mut self, bytes: usize) -> Self {
        self.payload_bytes = bytes;
        self
    }

    /// Sets the largest page a list request gets; a larger `limit` is lowered to it.
    #[must_use]
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// The largest request body, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.body_bytes
    }

    /// The deepest nesting of arrays and objects.
    pub fn max_depth(&self) -> usize {
        self.depth
    }

    /// The largest action payload, in bytes.
    pub fn max_payload_bytes(&self) -> usize {
        self.payload_bytes
    }

    /// The largest page of a list request.
    pub fn max_page_size(&self) -> usize {
        self.page_size
    }

    /// Checks a raw body's size and nesting depth, before it is parsed.
    pub(crate) fn check_body(&self, body: &[u8]) -> Result<(), ProcessError> {
        if body.len() > self.body_bytes {
            tracing::warn!(
                bytes = body.len(),
                limit = self.body_bytes,
                "request body over the size limit"
            );
            return Err(ProcessError::TooLarge(format!(
                "the request body has {} bytes; the limit is {}",
                body.len(),
                self.body_bytes
            )));
        }
        if exceeds_depth(body, self.depth) {
            tracing::warn!(limit = self.depth, "request body nested too deeply");
            return Err(ProcessError::TooDeep(format!(
                "the request body nests arrays and objects more than {} levels deep",
                self.depth
            )));
        }
        Ok(())
    }

    /// Checks the payload size of an action read from the body: the length of its JSON text
    /// as sent.
    pub(crate) fn check_action(&self, request: &ActionRequest<'_>) -> Result<(), ProcessError> {
        let action = &request.params.action;
        match action.payload {
            Some(payload) if payload.get().len() > self.payload_bytes => {
                Err(self.payload_too_large(&action.action_type, &request.params.thread_id))
            }
            _ => Ok(()),
        }
    }

    fn payload_too_large(&self, action_type: &str, thread_id: &str) -> ProcessError {
        tracing::warn!(
            action = %action_type,
            thread = %thread_id,
            limit = self.payload_bytes,
            "action payload over the size limit"
        );
        ProcessError::TooLarge(format!(
            "the payload of action `{action_type}` is larger than {} bytes",
            self.payload_bytes
        ))
    }

    /// Checks a parsed request: the action payload's size (of its compact JSON, the payload
    /// being a JSON value here); lowers a list's page size.
    pub(crate) fn check_request(&self, request: &mut ChatKitRequest) -> Result<(), ProcessError> {
        match request {
            ChatKitRequest::ThreadsCustomAction { params, .. }
            | ChatKitRequest::ThreadsSyncCustomAction { params, .. } => {
                if let Some(payload) = &params.action.payload
                    && json_len_exceeds(payload, self.payload_bytes)
                {
                    return Err(
                        self.payload_too_large(&params.action.action_type, &params.thread_id)
                    );
                }
            }
            ChatKitRequest::ThreadsList { params, .. } if params.page_size() > self.page_size => {
                params.limit = Some(u32::try_from(self.page_size).unwrap_or(u32::MAX));
            }
            ChatKitRequest::ItemsList { params, .. } if params.page_size() > self.page_size => {
                params.limit = Some(u32::try_from(self.page_size).unwrap_or(u32::MAX));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Whether `body` nests `[`/`{` (outside strings) more than `limit` levels deep. Invalid JSON
/// is left to the parser: this only bounds what the parser would recurse into.
pub(crate) fn exceeds_depth(body: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Whether the compact JSON of `value` is longer than `limit` bytes, without building it (the
/// count stops at the limit).
fn json_len_exceeds(value: &serde_json::Value, limit: usize) -> bool {
    struct Counter {
        len: usize,
        limit: usize,
    }
    impl io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.len = self.len.saturating_add(buf.len());
            if self.len > self.limit {
                Err(io::Error::other("over the limit"))
            } else {
                Ok(buf.len())
            }
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter { len: 0, limit };
    serde_json::to_writer(&mut counter, value).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_counts_brackets_outside_strings() {
        assert!(!exceeds_depth(br#"{"a":[1,{"b":2}]}"#, 3));
        assert!(exceeds_depth(br#"{"a":[1,{"b":2}]}"#, 2));
        // Brackets inside strings, escaped quotes included, do not count.
        assert!(!exceeds_depth(br#"{"a":"[[[[{{{{\"[[[["}"#, 1));
        assert!(exceeds_depth(br#"{"a":"\\",  "b":[]}"#, 1));
        assert!(!exceeds_depth(b"", 0));
        // Unbalanced closers never underflow.
        assert!(!exceeds_depth(b"]]]]{", 1));
    }

    #[test]
    fn payload_length_is_the_compact_json_length() {
        let value = json!({"id": 1, "title": "abc"});
        let len = serde_json::to_vec(&value).map_or(0, |v| v.len());
        assert!(!json_len_exceeds(&value, len));
        assert!(json_len_exceeds(&value, len - 1));
    }
}
