//! [`Attachment`]s (files and images sent with user messages) and [`ForStore`], the
//! serialization that keeps their server-private `metadata`.

use std::cell::Cell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// A file or image attached to a user message (tagged by `type`).
///
/// `metadata` is integration-private: it deserializes normally, but plain serialization never
/// writes it, so responses, stream events and user messages in `items.list` never show it.
/// A store that persists attachments as JSON serializes them through [`ForStore`], which keeps
/// it.
///
/// ```
/// use chatkit_actions::thread::{Attachment, ForStore};
/// use serde_json::json;
///
/// let mut attachment = Attachment::file("atc_1", "notes.txt", "text/plain");
/// attachment.set_metadata(json!({"bucket": "b1"}).as_object().cloned());
/// let response = serde_json::to_value(&attachment)?;
/// assert_eq!(response, json!({"type": "file", "id": "atc_1", "name": "notes.txt", "mime_type": "text/plain"}));
/// let stored = serde_json::to_value(ForStore(&attachment))?;
/// assert_eq!(stored["metadata"], json!({"bucket": "b1"}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Attachment {
    /// `file`.
    File(FileAttachment),
    /// `image`: a file with a preview.
    Image(ImageAttachment),
}

/// The same expression on the fields of either kind of attachment, which share their base
/// fields.
macro_rules! either {
    ($attachment:expr, $kind:ident => $expr:expr) => {
        match $attachment {
            Attachment::File($kind) => $expr,
            Attachment::Image($kind) => $expr,
        }
    };
}

impl Attachment {
    /// A file attachment with no upload descriptor, thread or metadata.
    pub fn file(
        id: impl Into<String>,
        name: impl Into<String>,
        mime_type: impl Into<String>,
    ) -> Self {
        Self::File(FileAttachment::bare(id, name, mime_type))
    }

    /// An image attachment with no upload descriptor, thread or metadata.
    pub fn image(
        id: impl Into<String>,
        name: impl Into<String>,
        mime_type: impl Into<String>,
        preview_url: impl Into<String>,
    ) -> Self {
        Self::Image(ImageAttachment::bare(
            id,
            name,
            mime_type,
            preview_url.into(),
        ))
    }

    /// The attachment id.
    #[must_use]
    pub fn id(&self) -> &str {
        either!(self, kind => &kind.id)
    }

    /// The file name.
    #[must_use]
    pub fn name(&self) -> &str {
        either!(self, kind => &kind.name)
    }

    /// The MIME type.
    #[must_use]
    pub fn mime_type(&self) -> &str {
        either!(self, kind => &kind.mime_type)
    }

    /// The two-phase upload instructions, if any.
    #[must_use]
    pub fn upload_descriptor(&self) -> Option<&UploadDescriptor> {
        either!(self, kind => kind.upload_descriptor.as_ref())
    }

    /// Sets or clears the upload instructions.
    pub fn set_upload_descriptor(&mut self, descriptor: Option<UploadDescriptor>) {
        either!(self, kind => kind.upload_descriptor = descriptor);
    }

    /// The thread of the user message that references the attachment, once there is one.
    #[must_use]
    pub fn thread_id(&self) -> Option<&str> {
        either!(self, kind => kind.thread_id.as_deref())
    }

    /// Sets the thread (the server does this when a user message references the attachment).
    pub fn set_thread_id(&mut self, thread_id: impl Into<String>) {
        either!(self, kind => kind.thread_id = Some(thread_id.into()));
    }

    /// The integration-private metadata.
    #[must_use]
    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        either!(self, kind => kind.metadata.as_ref())
    }

    /// Sets or clears the integration-private metadata.
    pub fn set_metadata(&mut self, metadata: Option<Map<String, Value>>) {
        either!(self, kind => kind.metadata = metadata);
    }

    /// The preview URL of an image.
    #[must_use]
    pub fn preview_url(&self) -> Option<&str> {
        match self {
            Self::File(_) => None,
            Self::Image(image) => Some(&image.preview_url),
        }
    }
}

/// Declares the fields of a kind of attachment: the SDK's attachment-base fields (`id`, `name`,
/// `mime_type`, `upload_descriptor`, `thread_id`, `metadata`), then the kind's own, with a
/// `bare` constructor that takes the required ones and leaves the optional base fields unset.
macro_rules! attachment_kind {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            /// The attachment id.
            pub id: String,
            /// The file name.
            pub name: String,
            /// The MIME type.
            pub mime_type: String,
            /// Two-phase upload instructions; absent once uploaded or for direct upload.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub upload_descriptor: Option<UploadDescriptor>,
            /// The thread of the user message that references the attachment.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub thread_id: Option<String>,
            /// Integration-private; written only through [`ForStore`].
            #[serde(default, skip_serializing_if = "omit_metadata")]
            pub metadata: Option<Map<String, Value>>,
            $($(#[$attr])* pub $field: $ty,)*
        }

        impl $name {
            /// The attachment with no upload descriptor, thread or metadata.
            fn bare(
                id: impl Into<String>,
                name: impl Into<String>,
                mime_type: impl Into<String>,
                $($field: $ty,)*
            ) -> Self {
                Self {
                    id: id.into(),
                    name: name.into(),
                    mime_type: mime_type.into(),
                    upload_descriptor: None,
                    thread_id: None,
                    metadata: None,
                    $($field,)*
                }
            }
        }
    };
}

attachment_kind! {
    /// The fields of a `file` attachment.
    pub struct FileAttachment {}
}

attachment_kind! {
    /// The fields of an `image` attachment.
    pub struct ImageAttachment {
        /// The URL of the preview the client shows.
        preview_url: String,
    }
}

/// Two-phase upload instructions: the client sends the bytes to `url` with `method` and
/// `headers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadDescriptor {
    /// Where to upload.
    pub url: String,
    /// `POST` or `PUT`.
    pub method: UploadMethod,
    /// Headers to send; always written, `{}` by default.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl UploadDescriptor {
    /// Instructions with no extra headers.
    pub fn new(url: impl Into<String>, method: UploadMethod) -> Self {
        Self {
            url: url.into(),
            method,
            headers: BTreeMap::new(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }
}

/// The HTTP method of a two-phase upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum UploadMethod {
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
}

thread_local! {
    /// Set while a [`ForStore`] serializes on this thread.
    static KEEP_PRIVATE_FIELDS: Cell<bool> = const { Cell::new(false) };
}

#[expect(
    clippy::ref_option,
    reason = "serde's skip_serializing_if passes the field by reference"
)]
fn omit_metadata(metadata: &Option<Map<String, Value>>) -> bool {
    metadata.is_none() || !KEEP_PRIVATE_FIELDS.with(Cell::get)
}

/// Serializes the wrapped value as a store persists it: like plain serialization, but keeping
/// the server-private fields that responses never carry (attachment `metadata`, also inside
/// the attachments of user messages).
///
/// Deserialization always reads those fields, so a store reads its JSON back with the plain
/// types. Use it for anything a store writes: an [`Attachment`], a
/// [`ThreadItem`](super::ThreadItem), a [`Page`](super::Page) of items.
#[derive(Debug, Clone, Copy)]
pub struct ForStore<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for ForStore<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// Restores the previous mode even if serialization unwinds.
        struct Restore(bool);

        impl Drop for Restore {
            fn drop(&mut self) {
                KEEP_PRIVATE_FIELDS.with(|keep| keep.set(self.0));
            }
        }

        let _restore = Restore(KEEP_PRIVATE_FIELDS.with(|keep| keep.replace(true)));
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::thread::{ThreadItem, Timestamp, UserMessageContent, UserMessageItem};

    fn with_metadata() -> Attachment {
        let mut attachment = Attachment::image(
            "atc_1",
            "cat.png",
            "image/png",
            "https://example.com/cat.png",
        );
        attachment.set_metadata(json!({"key": "s3://b/cat.png"}).as_object().cloned());
        attachment.set_upload_descriptor(Some(
            UploadDescriptor::new("https://upload.example.com", UploadMethod::Put)
                .header("x-token", "t"),
        ));
        attachment
    }

    #[test]
    fn metadata_is_never_serialized_plainly() {
        let attachment = with_metadata();
        assert_eq!(
            serde_json::to_value(&attachment).unwrap(),
            json!({
                "type": "image",
                "id": "atc_1",
                "name": "cat.png",
                "mime_type": "image/png",
                "upload_descriptor": {"url": "https://upload.example.com", "method": "PUT", "headers": {"x-token": "t"}},
                "preview_url": "https://example.com/cat.png",
            })
        );
    }

    #[test]
    fn for_store_keeps_metadata_and_reads_back() {
        let attachment = with_metadata();
        let stored = serde_json::to_value(ForStore(&attachment)).unwrap();
        assert_eq!(stored["metadata"], json!({"key": "s3://b/cat.png"}));
        let back: Attachment = serde_json::from_value(stored).unwrap();
        assert_eq!(back, attachment);
        // The mode ends with the wrapper.
        assert!(
            serde_json::to_value(&attachment)
                .unwrap()
                .get("metadata")
                .is_none()
        );
    }

    #[test]
    fn metadata_inside_user_messages() {
        let mut item = UserMessageItem::new(
            "msg_1",
            "thr_1",
            vec![UserMessageContent::text("see attached")],
        )
        .created_at(Timestamp::parse("2025-01-15T12:00:00").unwrap());
        let mut attachment = with_metadata();
        attachment.set_thread_id("thr_1");
        item.attachments.push(attachment);
        let item = ThreadItem::from(item);
        let plain = serde_json::to_value(&item).unwrap();
        assert!(plain["attachments"][0].get("metadata").is_none());
        assert_eq!(plain["attachments"][0]["thread_id"], "thr_1");
        let stored = serde_json::to_string(&ForStore(&item)).unwrap();
        assert!(stored.contains("s3://b/cat.png"));
        assert_eq!(serde_json::from_str::<ThreadItem>(&stored).unwrap(), item);
    }

    #[test]
    fn upload_method_is_uppercase() {
        let descriptor: UploadDescriptor =
            serde_json::from_value(json!({"url": "u", "method": "POST"})).unwrap();
        assert_eq!(descriptor, UploadDescriptor::new("u", UploadMethod::Post));
        assert_eq!(
            serde_json::to_value(&descriptor).unwrap(),
            json!({"url": "u", "method": "POST", "headers": {}})
        );
    }
}
