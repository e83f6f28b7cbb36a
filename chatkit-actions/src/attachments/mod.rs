//! Attachments: the [`AttachmentStore`] a server keeps uploaded bytes in (the SDK's
//! `AttachmentStore`), and [`UploadStore`], the one this crate ships, with the axum
//! [`routes`] a `ChatKit` client uploads to and downloads from.
//!
//! The [`Store`](crate::store::Store) keeps an attachment's metadata (the [`Attachment`]
//! object); the attachment store keeps its bytes. `attachments.create` asks the attachment
//! store for a new attachment (with its upload URL, for the client's two-phase upload), and
//! `attachments.delete` asks it to delete the bytes before the store deletes the metadata.
//!
//! With the `attachments` feature, [`UploadStore`] puts the bytes on [`Blobs`]: [`LocalDisk`] (a directory) or, with the
//! `object-store` feature, [`ObjectStorage`] (S3, GCS, Azure, a local file system, in memory,
//! through the `object_store` crate), so several replicas share one bucket. Every upload is
//! checked against an [`UploadPolicy`] while it streams: the size limit, the MIME allow-list,
//! the declared size and the declared type against the file's magic bytes. Nothing of an
//! upload that fails a check, or that the client cuts, can be attached. See
//! `docs/attachments.md`.

mod blobs;
#[cfg(feature = "attachments")]
mod local;
#[cfg(feature = "object-store")]
mod object;
#[cfg(feature = "attachments")]
pub mod routes;
#[cfg(feature = "attachments")]
mod sniff;
#[cfg(feature = "attachments")]
mod uploads;

use bytes::Bytes;

use crate::request::AttachmentCreateParams;
use crate::store::{StoreItemType, default_id};
use crate::thread::Attachment;

pub use blobs::{BlobError, BlobStream, BlobWriter, Blobs};
#[cfg(feature = "attachments")]
pub use local::LocalDisk;
#[cfg(feature = "object-store")]
pub use object::ObjectStorage;
/// The `object_store` crate, for its backends (`memory::InMemory`, `local::LocalFileSystem`,
/// and S3, GCS or Azure with that crate's features).
#[cfg(feature = "object-store")]
pub use object_store;
#[cfg(feature = "attachments")]
pub use uploads::{UploadPolicy, UploadStore, Uploaded};

/// Where an attachment's bytes live: the SDK's `AttachmentStore`.
///
/// The server calls [`create_attachment`](Self::create_attachment) for `attachments.create`
/// and saves the attachment it returns in the [`Store`](crate::store::Store) itself; it calls
/// [`delete_attachment`](Self::delete_attachment) for `attachments.delete`, then deletes the
/// metadata; and [`attached`](Self::attached) when a user message references the attachment.
/// The trait is object safe (`Arc<dyn AttachmentStore<C>>`); implement it with
/// [`async_trait`](crate::async_trait).
#[async_trait::async_trait]
pub trait AttachmentStore<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// A new attachment id; `atc_` and 16 hex digits by default. A helper for
    /// implementations: the server never calls it.
    fn generate_attachment_id(&self, mime_type: &str, context: &C) -> String {
        let _ = (mime_type, context);
        default_id(StoreItemType::Attachment)
    }

    /// A new attachment for the upload the client announces: with an
    /// [`upload_descriptor`](Attachment::upload_descriptor) saying where to send the bytes, and
    /// a preview URL for an image. It must not save the attachment in the store: the server
    /// does.
    async fn create_attachment(
        &self,
        params: &AttachmentCreateParams,
        context: &C,
    ) -> Result<Attachment, AttachmentError>;

    /// Deletes the attachment's bytes. An attachment that does not exist, or that belongs to
    /// another user, is [`AttachmentError::NotFound`].
    async fn delete_attachment(
        &self,
        attachment_id: &str,
        context: &C,
    ) -> Result<(), AttachmentError>;

    /// Called when a user message of `thread_id` references the attachment: from then on it is
    /// kept until deleted (uploads never attached are removed after a while). The default does
    /// nothing.
    async fn attached(
        &self,
        attachment_id: &str,
        thread_id: &str,
        context: &C,
    ) -> Result<(), AttachmentError> {
        let _ = (attachment_id, thread_id, context);
        Ok(())
    }
}

/// Reads the bytes of an attachment of a thread, for the model's input: with the `openai`
/// feature, `model::AttachmentConverter` sends them as `input_file` or `input_image` parts. [`UploadStore`] implements it (with the
/// `attachments` feature); implement it for bytes kept elsewhere. Object safe
/// (`Arc<dyn AttachmentReader>`).
///
/// The attachment comes from a user message the server loaded for the thread being answered,
/// so the reader does not check the user: it should check that the attachment belongs to the
/// thread the attachment names ([`Attachment::thread_id`]), as [`UploadStore`] does.
#[async_trait::async_trait]
pub trait AttachmentReader: Send + Sync + 'static {
    /// The attachment's bytes, whole, when there are at most `max_bytes`.
    ///
    /// # Errors
    ///
    /// [`AttachmentError::TooLarge`] (with `max_bytes` as its limit) when there are more;
    /// [`AttachmentError::NotFound`] when the bytes are missing or belong to no message of the
    /// attachment's thread; [`AttachmentError::Storage`] when the storage fails.
    async fn read_attachment(
        &self,
        attachment: &Attachment,
        max_bytes: u64,
    ) -> Result<Bytes, AttachmentError>;
}

#[async_trait::async_trait]
impl<R: AttachmentReader + ?Sized> AttachmentReader for std::sync::Arc<R> {
    async fn read_attachment(
        &self,
        attachment: &Attachment,
        max_bytes: u64,
    ) -> Result<Bytes, AttachmentError> {
        (**self).read_attachment(attachment, max_bytes).await
    }
}

/// Why an attachment operation failed. Each variant has the HTTP status it is answered with
/// ([`status`](Self::status)); the message is safe to show the client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttachmentError {
    /// The request is malformed (a bad id, a multipart body without a `file` field): 400.
    #[error("{0}")]
    Invalid(String),
    /// No such attachment or upload URL, or not this user's: 404.
    #[error("attachment `{0}` not found")]
    NotFound(String),
    /// The upload URL was used already: 409.
    #[error("the upload URL of attachment `{0}` was used already")]
    UploadUsed(String),
    /// The upload URL has expired: 410.
    #[error("the upload URL of attachment `{0}` has expired")]
    UploadExpired(String),
    /// The file is over the size limit: 413.
    #[error("the file is over the size limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The MIME type is not on the allow-list: 415.
    #[error("files of type `{0}` are not accepted")]
    TypeNotAllowed(String),
    /// The bytes do not match what was declared (size or type): 422.
    #[error("{0}")]
    Mismatch(String),
    /// This server stores no attachments: 501.
    #[error("{0}")]
    Unsupported(String),
    /// The storage failed: 500.
    #[error("attachment storage error: {0}")]
    Storage(#[from] BlobError),
}

impl AttachmentError {
    /// The HTTP status code this error is answered with.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            AttachmentError::Invalid(_) => 400,
            AttachmentError::NotFound(_) => 404,
            AttachmentError::UploadUsed(_) => 409,
            AttachmentError::UploadExpired(_) => 410,
            AttachmentError::TooLarge { .. } => 413,
            AttachmentError::TypeNotAllowed(_) => 415,
            AttachmentError::Mismatch(_) => 422,
            AttachmentError::Unsupported(_) => 501,
            AttachmentError::Storage(_) => 500,
        }
    }

    /// A short machine-readable code for the JSON error body.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            AttachmentError::Invalid(_) => "invalid_request",
            AttachmentError::NotFound(_) => "not_found",
            AttachmentError::UploadUsed(_) => "upload_used",
            AttachmentError::UploadExpired(_) => "upload_expired",
            AttachmentError::TooLarge { .. } => "payload_too_large",
            AttachmentError::TypeNotAllowed(_) => "unsupported_media_type",
            AttachmentError::Mismatch(_) => "upload_mismatch",
            AttachmentError::Unsupported(_) => "unsupported",
            AttachmentError::Storage(_) => "storage_error",
        }
    }
}
