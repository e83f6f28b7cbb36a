//! [`Blobs`]: the byte storage under an [`UploadStore`](super::UploadStore).

use bytes::Bytes;
use futures_util::stream::BoxStream;

/// A stored object's bytes, as a stream of chunks.
pub type BlobStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BlobError(#[source] Box<dyn std::error::Error + Send + Sync>);

impl BlobError {
    /// Wraps the backend's error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        BlobError(error.into())
    }
}

/// Flat key-value storage of byte objects, keyed by `/`-separated paths such as
/// `atc_1a2b/data`. [`LocalDisk`](super::LocalDisk) and, with the `object-store` feature,
/// [`ObjectStorage`](super::ObjectStorage) implement it.
///
/// Every write is all or nothing: an object is visible at its key only once completely
/// written, so a reader never sees half an upload.
#[async_trait::async_trait]
pub trait Blobs: Send + Sync + 'static {
    /// A writer for a new object at `key`; the object appears when the writer
    /// [finishes](BlobWriter::finish), replacing any object there. Dropping the writer, or
    /// [aborting](BlobWriter::abort) it, leaves nothing.
    async fn writer(&self, key: &str) -> Result<Box<dyn BlobWriter>, BlobError>;

    /// Writes a small object at once, replacing any object there.
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError>;

    /// Writes a small object only if none is at `key`; `false` (and nothing written) if one
    /// is. Atomic: of two concurrent calls, one gets `true`, even across processes where the
    /// backend allows it.
    async fn put_new(&self, key: &str, bytes: Bytes) -> Result<bool, BlobError>;

    /// A small object's bytes, `None` if there is none.
    async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError>;

    /// An object's size and bytes as a stream, `None` if there is none.
    async fn read(&self, key: &str) -> Result<Option<(u64, BlobStream)>, BlobError>;

    /// Deletes an object; a missing one is no error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;

    /// The first path segments of every object under the store (the attachment ids).
    async fn list_top(&self) -> Result<Vec<String>, BlobError>;
}

/// An object being written by [`Blobs::writer`].
#[async_trait::async_trait]
pub trait BlobWriter: Send {
    /// Appends a chunk.
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError>;

    /// Completes the object: it becomes visible at its key.
    async fn finish(self: Box<Self>) -> Result<(), BlobError>;

    /// Discards everything written.
    async fn abort(self: Box<Self>) -> Result<(), BlobError>;
}
