//! [`ObjectStorage`]: blobs on any `object_store` backend.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload, WriteMultipart};

use super::blobs::{BlobError, BlobStream, BlobWriter, Blobs};

/// [`Blobs`] on an [`ObjectStore`]: S3, GCS, Azure, a local file system or memory, under a
/// key prefix. Several replicas sharing a bucket share the attachments.
///
/// A write is a multipart upload, visible only once completed. [`put_new`](Blobs::put_new)
/// is a conditional put ([`PutMode::Create`]), which the in-memory and local backends support;
/// on S3 it needs conditional writes switched on in the store's configuration.
///
/// ```
/// use std::sync::Arc;
/// use chatkit_actions::attachments::{ObjectStorage, UploadPolicy, UploadStore};
///
/// let bucket = Arc::new(object_store::memory::InMemory::new());
/// let uploads = UploadStore::new(ObjectStorage::new(bucket, "attachments"), UploadPolicy::default());
/// # let _ = uploads;
/// ```
#[derive(Debug, Clone)]
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl ObjectStorage {
    /// Objects of `store` under `prefix` (`""` for the root).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into().trim_matches('/').to_owned();
        ObjectStorage { store, prefix }
    }

    fn path(&self, key: &str) -> Result<Path, BlobError> {
        let full = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        };
        Path::parse(&full).map_err(BlobError::new)
    }
}

struct ObjectWriter {
    upload: WriteMultipart,
}

#[async_trait::async_trait]
impl BlobWriter for ObjectWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        // Bounded buffering: wait for part uploads when too many are in flight.
        self.upload
            .wait_for_capacity(4)
            .await
            .map_err(BlobError::new)?;
        self.upload.put(chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<(), BlobError> {
        self.upload.finish().await.map(drop).map_err(BlobError::new)
    }

    async fn abort(self: Box<Self>) -> Result<(), BlobError> {
        self.upload.abort().await.map_err(BlobError::new)
    }
}

fn is_not_found(error: &object_store::Error) -> bool {
    matches!(error, object_store::Error::NotFound { .. })
}

#[async_trait::async_trait]
impl Blobs for ObjectStorage {
    async fn writer(&self, key: &str) -> Result<Box<dyn BlobWriter>, BlobError> {
        let upload = self
            .store
            .put_multipart(&self.path(key)?)
            .await
            .map_err(BlobError::new)?;
        Ok(Box::new(ObjectWriter {
            upload: WriteMultipart::new(upload),
        }))
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.store
            .put(&self.path(key)?, PutPayload::from_bytes(bytes))
            .await
            .map(drop)
            .map_err(BlobError::new)
    }

    async fn put_new(&self, key: &str, bytes: Bytes) -> Result<bool, BlobError> {
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match self
            .store
            .put_opts(&self.path(key)?, PutPayload::from_bytes(bytes), options)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(error) => Err(BlobError::new(error)),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        match self.store.get(&self.path(key)?).await {
            Ok(result) => result.bytes().await.map(Some).map_err(BlobError::new),
            Err(error) if is_not_found(&error) => Ok(None),
            Err(error) => Err(BlobError::new(error)),
        }
    }

    async fn read(&self, key: &str) -> Result<Option<(u64, BlobStream)>, BlobError> {
        match self.store.get(&self.path(key)?).await {
            Ok(result) => {
                let size = result.meta.size;
                Ok(Some((
                    size,
                    result.into_stream().map_err(BlobError::new).boxed(),
                )))
            }
            Err(error) if is_not_found(&error) => Ok(None),
            Err(error) => Err(BlobError::new(error)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(error) if is_not_found(&error) => Ok(()),
            Err(error) => Err(BlobError::new(error)),
        }
    }

    async fn list_top(&self) -> Result<Vec<String>, BlobError> {
        // Every object, not the "directories" of a delimited listing: a local file system
        // keeps empty directories, which hold nothing.
        let prefix = (!self.prefix.is_empty())
            .then(|| Path::parse(&self.prefix))
            .transpose()
            .map_err(BlobError::new)?;
        let skip = prefix.as_ref().map_or(0, |prefix| prefix.parts().count());
        let mut objects = self.store.list(prefix.as_ref());
        let mut names = std::collections::BTreeSet::new();
        while let Some(meta) = objects.try_next().await.map_err(BlobError::new)? {
            if let Some(first) = meta.location.parts().nth(skip) {
                names.insert(first.as_ref().to_owned());
            }
        }
        Ok(names.into_iter().collect())
    }
}
