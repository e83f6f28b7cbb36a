//! [`UploadStore`]: the attachment store on [`Blobs`], with its upload checks.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};

use super::blobs::{BlobError, BlobStream, Blobs};
use super::{AttachmentError, AttachmentReader, AttachmentStore, sniff};
use crate::request::AttachmentCreateParams;
use crate::store::{StoreItemType, StoreScope, default_id};
use crate::thread::{Attachment, UploadDescriptor, UploadMethod};

/// The checks and lifetimes of uploads.
///
/// ```
/// use std::time::Duration;
/// use chatkit_actions::attachments::UploadPolicy;
///
/// let policy = UploadPolicy::default()
///     .max_bytes(5 * 1024 * 1024)
///     .allow(["image/*", "application/pdf"])
///     .upload_url_ttl(Duration::from_secs(300))
///     .base_url("https://chat.example.com/attachments");
/// assert_eq!(policy.get_max_bytes(), 5 * 1024 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct UploadPolicy {
    max_bytes: u64,
    allowed_types: Vec<String>,
    upload_url_ttl: Duration,
    unattached_ttl: Duration,
    base_url: String,
}

impl Default for UploadPolicy {
    /// 20 MiB; images, PDF, plain text, Markdown, CSV and JSON; upload URLs valid for 15
    /// minutes; uploads never attached removed after 24 hours; routes under `/attachments`.
    fn default() -> Self {
        UploadPolicy {
            max_bytes: 20 * 1024 * 1024,
            allowed_types: [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "application/pdf",
                "text/plain",
                "text/markdown",
                "text/csv",
                "application/json",
            ]
            .map(str::to_owned)
            .to_vec(),
            upload_url_ttl: Duration::from_mins(15),
            unattached_ttl: Duration::from_hours(24),
            base_url: "/attachments".to_owned(),
        }
    }
}

impl UploadPolicy {
    /// The size limit of one file, in bytes.
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The MIME types accepted, replacing the list: exact types (`application/pdf`), a whole
    /// kind (`image/*`), or anything (`*/*`).
    #[must_use]
    pub fn allow<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.allowed_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// How long an upload URL stays valid after `attachments.create`.
    #[must_use]
    pub fn upload_url_ttl(mut self, ttl: Duration) -> Self {
        self.upload_url_ttl = ttl;
        self
    }

    /// How long an upload that no message references is kept before
    /// [`UploadStore::sweep`] removes it.
    #[must_use]
    pub fn unattached_ttl(mut self, ttl: Duration) -> Self {
        self.unattached_ttl = ttl;
        self
    }

    /// The URL the [`routes`](super::routes) are served under, as the client reaches them
    /// (`https://chat.example.com/attachments`, or a path on the page's origin); upload and
    /// preview URLs start with it.
    #[must_use]
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        base_url
            .into()
            .trim_end_matches('/')
            .clone_into(&mut self.base_url);
        self
    }

    /// The size limit, in bytes.
    pub fn get_max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The MIME types accepted.
    pub fn allowed_types(&self) -> &[String] {
        &self.allowed_types
    }

    /// The URL prefix of the routes.
    pub fn get_base_url(&self) -> &str {
        &self.base_url
    }
}

/// What a two-phase upload was promised, kept from `attachments.create` until the upload.
#[derive(Debug, Serialize, Deserialize)]
struct Ticket {
    owner: Option<String>,
    name: String,
    mime_type: String,
    size: u64,
    token: String,
    preview_token: String,
    /// Milliseconds since the epoch.
    expires_at: i64,
}

/// A complete upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    owner: Option<String>,
    name: String,
    mime_type: String,
    size: u64,
    preview_token: String,
    /// Milliseconds since the epoch.
    created_at: i64,
    thread_id: Option<String>,
}

/// A completely uploaded attachment, as the download route serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The attachment id.
    pub id: String,
    /// The file name.
    pub name: String,
    /// The MIME type, as declared.
    pub mime_type: String,
    /// The size in bytes.
    pub size: u64,
    /// The thread of the message that references it, once one does.
    pub thread_id: Option<String>,
}

/// The attachment store on [`Blobs`]: two-phase and direct uploads, checked while they
/// stream, with single-use expiring upload URLs, per-user ownership and preview URLs for
/// images.
///
/// Per attachment it keeps, under the attachment id: the upload ticket (until the upload),
/// the bytes, and a small record (owner, name, type, size, the message's thread). Everything
/// lives in the [`Blobs`], so replicas sharing the storage share the attachments: one may
/// take the upload and another serve it.
///
/// Ownership follows the request context's [`StoreScope`], as for threads: another user's
/// attachment is not found.
pub struct UploadStore<B> {
    blobs: Arc<B>,
    policy: UploadPolicy,
}

impl<B> Clone for UploadStore<B> {
    fn clone(&self) -> Self {
        UploadStore {
            blobs: Arc::clone(&self.blobs),
            policy: self.policy.clone(),
        }
    }
}

impl<B> std::fmt::Debug for UploadStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadStore")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Compares secrets without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// An attachment id from a URL: letters, digits, `_` and `-`, at most 100.
fn check_id(id: &str) -> Result<(), AttachmentError> {
    let valid = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(AttachmentError::NotFound(id.chars().take(100).collect()))
    }
}

fn key(id: &str, part: &str) -> String {
    format!("{id}/{part}")
}

fn to_json<T: Serialize>(value: &T) -> Result<Bytes, AttachmentError> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|error| AttachmentError::Storage(BlobError::new(error)))
}

impl<B: Blobs> UploadStore<B> {
    /// An attachment store on `blobs`, checking uploads against `policy`.
    pub fn new(blobs: B, policy: UploadPolicy) -> Self {
        UploadStore {
            blobs: Arc::new(blobs),
            policy,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &UploadPolicy {
        &self.policy
    }

    /// The storage.
    pub fn blobs(&self) -> &B {
        &self.blobs
    }

    async fn load<T: for<'de> Deserialize<'de>>(
        &self,
        id: &str,
        part: &str,
    ) -> Result<Option<T>, AttachmentError> {
        match self.blobs.get(&key(id, part)).await? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| AttachmentError::Storage(BlobError::new(error))),
            None => Ok(None),
        }
    }

    /// The declared type, checked: well-formed and on the allow-list; normalized.
    fn check_type(&self, mime_type: &str) -> Result<String, AttachmentError> {
        let media = sniff::normalize(mime_type);
        if !sniff::is_well_formed(&media) {
            return Err(AttachmentError::Invalid(format!(
                "`{}` is not a MIME type",
                mime_type.chars().take(100).collect::<String>()
            )));
        }
        if !sniff::allowed(&self.policy.allowed_types, &media) {
            return Err(AttachmentError::TypeNotAllowed(media));
        }
        Ok(media)
    }

    fn check_name(name: &str) -> Result<(), AttachmentError> {
        if name.trim().is_empty() || name.len() > 1024 || name.chars().any(char::is_control) {
            return Err(AttachmentError::Invalid(
                "an attachment needs a file name of at most 1024 bytes, without control characters"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    fn attachment(&self, id: &str, name: &str, mime_type: &str, preview_token: &str) -> Attachment {
        if sniff::normalize(mime_type).starts_with("image/") {
            let preview = format!(
                "{}/{id}/preview?token={preview_token}",
                self.policy.base_url
            );
            Attachment::image(id, name, mime_type, preview)
        } else {
            Attachment::file(id, name, mime_type)
        }
    }

    /// A new attachment for a two-phase upload by `owner`: its upload descriptor is a
    /// single-use URL under the policy's base URL, valid for the policy's upload TTL. Checks
    /// the name, the type against the allow-list and the size against the limit; saves only
    /// the upload ticket (the server saves the attachment in its store).
    ///
    /// # Errors
    ///
    /// A check fails, or the storage does.
    pub async fn create(
        &self,
        params: &AttachmentCreateParams,
        owner: Option<&str>,
    ) -> Result<Attachment, AttachmentError> {
        Self::check_name(&params.name)?;
        let media = self.check_type(&params.mime_type)?;
        if params.size > self.policy.max_bytes {
            return Err(AttachmentError::TooLarge {
                limit: self.policy.max_bytes,
            });
        }
        let id = default_id(StoreItemType::Attachment);
        let ticket = Ticket {
            owner: owner.map(str::to_owned),
            name: params.name.clone(),
            mime_type: media,
            size: params.size,
            token: token(),
            preview_token: token(),
            expires_at: now_ms().saturating_add(millis(self.policy.upload_url_ttl)),
        };
        self.blobs
            .put(&key(&id, "ticket"), to_json(&ticket)?)
            .await?;
        let mut attachment =
            self.attachment(&id, &params.name, &params.mime_type, &ticket.preview_token);
        let url = format!(
            "{}/{id}/upload?token={}",
            self.policy.base_url, ticket.token
        );
        attachment.set_upload_descriptor(Some(UploadDescriptor::new(url, UploadMethod::Post)));
        Ok(attachment)
    }

    /// Takes the bytes of a two-phase upload, streamed: `token` is the one of its upload URL,
    /// `owner` the uploading user. The URL is used up by the first upload that starts, whether
    /// it succeeds or not. The bytes must be the declared size and type, within the limit;
    /// otherwise, or if `body` fails (the client went away), nothing is stored.
    ///
    /// # Errors
    ///
    /// Unknown id or token, or another owner: [`AttachmentError::NotFound`]; a used URL:
    /// [`AttachmentError::UploadUsed`]; an expired one: [`AttachmentError::UploadExpired`];
    /// the checks of the bytes; the storage.
    pub async fn upload<S, E>(
        &self,
        id: &str,
        token: &str,
        owner: Option<&str>,
        body: S,
    ) -> Result<Uploaded, AttachmentError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        check_id(id)?;
        let Some(ticket) = self.load::<Ticket>(id, "ticket").await? else {
            return Err(match self.load::<Record>(id, "record").await? {
                Some(record) if record.owner.as_deref() == owner => {
                    AttachmentError::UploadUsed(id.to_owned())
                }
                _ => AttachmentError::NotFound(id.to_owned()),
            });
        };
        if ticket.owner.as_deref() != owner || !same_secret(&ticket.token, token) {
            return Err(AttachmentError::NotFound(id.to_owned()));
        }
        if now_ms() > ticket.expires_at {
            return Err(AttachmentError::UploadExpired(id.to_owned()));
        }
        if !self.blobs.put_new(&key(id, "claim"), Bytes::new()).await? {
            return Err(AttachmentError::UploadUsed(id.to_owned()));
        }
        let size = self
            .ingest(id, &ticket.mime_type, Some(ticket.size), body)
            .await?;
        let record = Record {
            owner: ticket.owner,
            name: ticket.name,
            mime_type: ticket.mime_type,
            size,
            preview_token: ticket.preview_token,
            created_at: now_ms(),
            thread_id: None,
        };
        self.blobs
            .put(&key(id, "record"), to_json(&record)?)
            .await?;
        self.blobs.delete(&key(id, "ticket")).await?;
        self.blobs.delete(&key(id, "claim")).await?;
        Ok(Uploaded {
            id: id.to_owned(),
            name: record.name,
            mime_type: record.mime_type,
            size,
            thread_id: None,
        })
    }

    /// A direct upload by `owner`: a new attachment with these bytes, checked against the
    /// declared type and the limit while they stream. Returns the attachment to save in the
    /// store and answer the client with.
    ///
    /// # Errors
    ///
    /// A check fails (nothing is stored), or the storage does.
    pub async fn upload_direct<S, E>(
        &self,
        name: &str,
        mime_type: &str,
        owner: Option<&str>,
        body: S,
    ) -> Result<Attachment, AttachmentError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        Self::check_name(name)?;
        let media = self.check_type(mime_type)?;
        let id = default_id(StoreItemType::Attachment);
        let size = self.ingest(&id, &media, None, body).await?;
        let record = Record {
            owner: owner.map(str::to_owned),
            name: name.to_owned(),
            mime_type: media,
            size,
            preview_token: token(),
            created_at: now_ms(),
            thread_id: None,
        };
        self.blobs
            .put(&key(&id, "record"), to_json(&record)?)
            .await?;
        Ok(self.attachment(&id, name, mime_type, &record.preview_token))
    }

    /// Streams `body` into the attachment's data, checking it as it comes; publishes it only
    /// when every check passed.
    async fn ingest<S, E>(
        &self,
        id: &str,
        media: &str,
        expected: Option<u64>,
        body: S,
    ) -> Result<u64, AttachmentError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let mut writer = self.blobs.writer(&key(id, "data")).await?;
        let mut body = std::pin::pin!(body);
        let mut head = Vec::new();
        let mut sniffed = false;
        let mut size: u64 = 0;
        let failure = loop {
            let chunk = match body.next().await {
                None => break None,
                Some(Err(error)) => {
                    break Some(AttachmentError::Invalid(format!(
                        "the upload was interrupted: {error}"
                    )));
                }
                Some(Ok(chunk)) => chunk,
            };
            size = size.saturating_add(chunk.len() as u64);
            if size > self.policy.max_bytes {
                break Some(AttachmentError::TooLarge {
                    limit: self.policy.max_bytes,
                });
            }
            if let Some(expected) = expected.filter(|expected| size > *expected) {
                break Some(AttachmentError::Mismatch(format!(
                    "the file is larger than the declared {expected} bytes"
                )));
            }
            if !sniffed {
                let take = (sniff::SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if head.len() == sniff::SNIFF_BYTES {
                    sniffed = true;
                    if let Err(message) = sniff::check(media, &head, false) {
                        break Some(AttachmentError::Mismatch(message));
                    }
                }
            }
            if let Err(error) = writer.write(chunk).await {
                break Some(error.into());
            }
        };
        let failure = failure.or_else(|| match expected {
            Some(expected) if size != expected => Some(AttachmentError::Mismatch(format!(
                "the file has {size} bytes, not the declared {expected}"
            ))),
            _ if !sniffed => sniff::check(media, &head, true)
                .err()
                .map(AttachmentError::Mismatch),
            _ => None,
        });
        if let Some(error) = failure {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(attachment = id, error = %abort, "aborting an upload failed");
            }
            return Err(error);
        }
        writer.finish().await?;
        Ok(size)
    }

    /// The record of a complete upload visible to `owner`.
    async fn record(&self, id: &str, owner: Option<&str>) -> Result<Record, AttachmentError> {
        check_id(id)?;
        match self.load::<Record>(id, "record").await? {
            Some(record) if record.owner.as_deref() == owner => Ok(record),
            _ => Err(AttachmentError::NotFound(id.to_owned())),
        }
    }

    async fn open_data(
        &self,
        id: &str,
        record: Record,
    ) -> Result<(Uploaded, BlobStream), AttachmentError> {
        let Some((size, stream)) = self.blobs.read(&key(id, "data")).await? else {
            return Err(AttachmentError::NotFound(id.to_owned()));
        };
        let uploaded = Uploaded {
            id: id.to_owned(),
            name: record.name,
            mime_type: record.mime_type,
            size,
            thread_id: record.thread_id,
        };
        Ok((uploaded, stream))
    }

    /// The bytes of `owner`'s uploaded attachment, streamed.
    ///
    /// # Errors
    ///
    /// Not uploaded, missing or another user's: [`AttachmentError::NotFound`]; the storage.
    pub async fn open(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> Result<(Uploaded, BlobStream), AttachmentError> {
        let record = self.record(id, owner).await?;
        self.open_data(id, record).await
    }

    /// The bytes of an attachment referenced by a message of `thread_id`, whole, when there
    /// are at most `max_bytes` (for the model's input: see [`AttachmentReader`]).
    ///
    /// # Errors
    ///
    /// Missing, not uploaded, or attached to no message of `thread_id`:
    /// [`AttachmentError::NotFound`]; more than `max_bytes`: [`AttachmentError::TooLarge`];
    /// the storage.
    pub async fn read_attached(
        &self,
        id: &str,
        thread_id: &str,
        max_bytes: u64,
    ) -> Result<Bytes, AttachmentError> {
        check_id(id)?;
        let record = match self.load::<Record>(id, "record").await? {
            Some(record) if record.thread_id.as_deref() == Some(thread_id) => record,
            _ => return Err(AttachmentError::NotFound(id.to_owned())),
        };
        let too_large = AttachmentError::TooLarge { limit: max_bytes };
        if record.size > max_bytes {
            return Err(too_large);
        }
        let (uploaded, mut stream) = self.open_data(id, record).await?;
        if uploaded.size > max_bytes {
            return Err(too_large);
        }
        let mut bytes = Vec::with_capacity(usize::try_from(uploaded.size).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    }

    /// The bytes of an uploaded image, for its preview URL (whose token stands for the
    /// owner, so that an `<img>` tag can load it).
    ///
    /// # Errors
    ///
    /// Not an image, a wrong token, or missing: [`AttachmentError::NotFound`]; the storage.
    pub async fn open_preview(
        &self,
        id: &str,
        token: &str,
    ) -> Result<(Uploaded, BlobStream), AttachmentError> {
        check_id(id)?;
        match self.load::<Record>(id, "record").await? {
            Some(record)
                if record.mime_type.starts_with("image/")
                    && same_secret(&record.preview_token, token) =>
            {
                self.open_data(id, record).await
            }
            _ => Err(AttachmentError::NotFound(id.to_owned())),
        }
    }

    /// Deletes `owner`'s attachment: its bytes, record and upload ticket.
    ///
    /// # Errors
    ///
    /// Missing (or deleted already) or another user's: [`AttachmentError::NotFound`]; the
    /// storage.
    pub async fn delete(&self, id: &str, owner: Option<&str>) -> Result<(), AttachmentError> {
        check_id(id)?;
        let record_owner = match self.load::<Record>(id, "record").await? {
            Some(record) => Some(record.owner),
            None => self
                .load::<Ticket>(id, "ticket")
                .await?
                .map(|ticket| ticket.owner),
        };
        match record_owner {
            Some(record_owner) if record_owner.as_deref() == owner => self.remove(id).await,
            _ => Err(AttachmentError::NotFound(id.to_owned())),
        }
    }

    /// Removes everything of an attachment; the bytes first, the record (which makes it
    /// visible) last but one, the ticket last.
    async fn remove(&self, id: &str) -> Result<(), AttachmentError> {
        for part in ["data", "record", "claim", "ticket"] {
            self.blobs.delete(&key(id, part)).await?;
        }
        Ok(())
    }

    /// Marks `owner`'s uploaded attachment as referenced by a message of `thread_id`: it is
    /// kept from then on.
    ///
    /// # Errors
    ///
    /// Not uploaded, missing or another user's: [`AttachmentError::NotFound`]; the storage.
    pub async fn mark_attached(
        &self,
        id: &str,
        thread_id: &str,
        owner: Option<&str>,
    ) -> Result<(), AttachmentError> {
        let mut record = self.record(id, owner).await?;
        if record.thread_id.as_deref() != Some(thread_id) {
            record.thread_id = Some(thread_id.to_owned());
            self.blobs
                .put(&key(id, "record"), to_json(&record)?)
                .await?;
        }
        Ok(())
    }

    /// Removes uploads that no message references once the policy's unattached TTL has
    /// passed (since the upload, or since the upload URL expired for one never uploaded).
    /// Returns how many attachments were removed. Run it now and then
    /// ([`spawn_sweeper`](Self::spawn_sweeper) does); any replica may.
    ///
    /// # Errors
    ///
    /// The storage failed.
    pub async fn sweep(&self) -> Result<usize, AttachmentError> {
        let now = now_ms();
        let ttl = millis(self.policy.unattached_ttl);
        let mut removed = 0;
        for id in self.blobs.list_top().await? {
            if check_id(&id).is_err() {
                continue;
            }
            let since = match self.load::<Record>(&id, "record").await? {
                Some(record) if record.thread_id.is_some() => continue,
                Some(record) => Some(record.created_at),
                None => self
                    .load::<Ticket>(&id, "ticket")
                    .await?
                    .map(|ticket| ticket.expires_at),
            };
            // Neither record nor ticket: the leftovers of a removal cut short.
            if since.is_none_or(|since| now.saturating_sub(since) > ttl) {
                self.remove(&id).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Runs [`sweep`](Self::sweep) every `period` on the tokio runtime, until the handle is
    /// aborted.
    pub fn spawn_sweeper(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                interval.tick().await;
                match store.sweep().await {
                    Ok(0) => {}
                    Ok(removed) => tracing::info!(removed, "removed unattached uploads"),
                    Err(error) => tracing::warn!(%error, "sweeping unattached uploads failed"),
                }
            }
        })
    }
}

#[async_trait::async_trait]
impl<C, B> AttachmentStore<C> for UploadStore<B>
where
    C: StoreScope + Send + Sync + 'static,
    B: Blobs,
{
    async fn create_attachment(
        &self,
        params: &AttachmentCreateParams,
        context: &C,
    ) -> Result<Attachment, AttachmentError> {
        self.create(params, context.scope()).await
    }

    async fn delete_attachment(
        &self,
        attachment_id: &str,
        context: &C,
    ) -> Result<(), AttachmentError> {
        self.delete(attachment_id, context.scope()).await
    }

    async fn attached(
        &self,
        attachment_id: &str,
        thread_id: &str,
        context: &C,
    ) -> Result<(), AttachmentError> {
        self.mark_attached(attachment_id, thread_id, context.scope())
            .await
    }
}

#[async_trait::async_trait]
impl<B: Blobs> AttachmentReader for UploadStore<B> {
    async fn read_attachment(
        &self,
        attachment: &Attachment,
        max_bytes: u64,
    ) -> Result<Bytes, AttachmentError> {
        let Some(thread_id) = attachment.thread_id() else {
            return Err(AttachmentError::NotFound(attachment.id().to_owned()));
        };
        self.read_attached(attachment.id(), thread_id, max_bytes)
            .await
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{TryStreamExt, stream};

    use super::*;
    use crate::attachments::LocalDisk;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";

    fn body(chunks: &[&[u8]]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
        let chunks: Vec<_> = chunks
            .iter()
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        stream::iter(chunks)
    }

    fn params(name: &str, size: usize, mime_type: &str) -> AttachmentCreateParams {
        AttachmentCreateParams {
            name: name.to_owned(),
            size: size as u64,
            mime_type: mime_type.to_owned(),
        }
    }

    fn token_of(attachment: &Attachment) -> String {
        let url = &attachment.upload_descriptor().unwrap().url;
        url.split("token=").nth(1).unwrap().to_owned()
    }

    /// Both flows and every refusal, on one backend.
    #[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
    async fn suite<B: Blobs>(blobs: B) {
        let uploads = UploadStore::new(blobs, UploadPolicy::default().max_bytes(1000));
        let alice = Some("alice");

        // Two-phase, in several chunks.
        let created = uploads
            .create(&params("pic.png", PNG.len(), "image/png"), alice)
            .await
            .unwrap();
        assert!(
            created
                .preview_url()
                .unwrap()
                .starts_with("/attachments/atc_")
        );
        let descriptor = created.upload_descriptor().unwrap();
        assert_eq!(descriptor.method, UploadMethod::Post);
        let token = token_of(&created);
        // Another user cannot use the URL, nor a wrong token.
        let wrong = uploads
            .upload(created.id(), &token, Some("bob"), body(&[PNG]))
            .await;
        assert_eq!(wrong.err().unwrap().status(), 404);
        let wrong = uploads
            .upload(created.id(), "nope", alice, body(&[PNG]))
            .await;
        assert_eq!(wrong.err().unwrap().status(), 404);
        let uploaded = uploads
            .upload(created.id(), &token, alice, body(&[&PNG[..5], &PNG[5..]]))
            .await
            .unwrap();
        assert_eq!(uploaded.size, PNG.len() as u64);
        // Single use.
        let again = uploads
            .upload(created.id(), &token, alice, body(&[PNG]))
            .await;
        assert_eq!(again.err().unwrap().status(), 409);
        // Read by its owner only; the preview by its token.
        let (file, stream) = uploads.open(created.id(), alice).await.unwrap();
        assert_eq!(file.mime_type, "image/png");
        let bytes: Vec<Bytes> = stream.try_collect().await.unwrap();
        assert_eq!(bytes.concat(), PNG);
        assert_eq!(
            uploads
                .open(created.id(), Some("bob"))
                .await
                .err()
                .unwrap()
                .status(),
            404
        );
        let preview_token = created
            .preview_url()
            .unwrap()
            .split("token=")
            .nth(1)
            .unwrap();
        assert!(
            uploads
                .open_preview(created.id(), preview_token)
                .await
                .is_ok()
        );
        assert!(uploads.open_preview(created.id(), "x").await.is_err());
        // Delete: not someone else's, then once.
        assert_eq!(
            uploads
                .delete(created.id(), Some("bob"))
                .await
                .err()
                .unwrap()
                .status(),
            404
        );
        uploads.delete(created.id(), alice).await.unwrap();
        assert_eq!(
            uploads
                .delete(created.id(), alice)
                .await
                .err()
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            uploads
                .open(created.id(), alice)
                .await
                .err()
                .unwrap()
                .status(),
            404
        );

        // Direct upload.
        let direct = uploads
            .upload_direct("a.txt", "text/plain", alice, body(&[b"hello"]))
            .await
            .unwrap();
        assert!(direct.upload_descriptor().is_none());
        assert_eq!(uploads.open(direct.id(), alice).await.unwrap().0.size, 5);

        // Refusals, each storing nothing.
        let before = uploads.blobs().list_top().await.unwrap();
        let refused = uploads
            .create(&params("big.png", 1001, "image/png"), alice)
            .await;
        assert_eq!(refused.err().unwrap().status(), 413);
        let refused = uploads
            .create(&params("a.exe", 3, "application/x-msdownload"), alice)
            .await;
        assert_eq!(refused.err().unwrap().status(), 415);
        let refused = uploads
            .upload_direct("big.txt", "text/plain", alice, body(&[&[b'a'; 1001]]))
            .await;
        assert_eq!(refused.err().unwrap().status(), 413);
        let refused = uploads
            .upload_direct("fake.png", "image/png", alice, body(&[b"not png"]))
            .await;
        assert_eq!(refused.err().unwrap().status(), 422);
        assert_eq!(uploads.blobs().list_top().await.unwrap(), before);

        for (bytes, why) in [
            (
                &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01extra"[..],
                "longer",
            ),
            (&PNG[..10], "shorter"),
            (
                b"GIF89a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                "another type",
            ),
        ] {
            let created = uploads
                .create(&params("pic.png", PNG.len(), "image/png"), alice)
                .await
                .unwrap();
            let refused = uploads
                .upload(created.id(), &token_of(&created), alice, body(&[bytes]))
                .await;
            assert_eq!(refused.err().unwrap().status(), 422, "{why}");
            assert_eq!(
                uploads
                    .open(created.id(), alice)
                    .await
                    .err()
                    .unwrap()
                    .status(),
                404
            );
            uploads.delete(created.id(), alice).await.unwrap();
        }

        // A cut upload (the body fails) leaves nothing to read or attach.
        let created = uploads
            .create(&params("pic.png", PNG.len(), "image/png"), alice)
            .await
            .unwrap();
        let cut = stream::iter(vec![
            Ok(Bytes::copy_from_slice(&PNG[..8])),
            Err(std::io::Error::other("connection reset")),
        ]);
        let refused = uploads
            .upload(created.id(), &token_of(&created), alice, cut)
            .await;
        assert_eq!(refused.err().unwrap().status(), 400);
        assert!(
            uploads
                .blobs()
                .get(&key(created.id(), "data"))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            uploads
                .mark_attached(created.id(), "thr_1", alice)
                .await
                .err()
                .unwrap()
                .status(),
            404
        );
        uploads.delete(created.id(), alice).await.unwrap();

        // Attached uploads stay; the others go once the TTL has passed.
        uploads
            .mark_attached(direct.id(), "thr_1", alice)
            .await
            .unwrap();
        // The model's reader: the bytes of an attachment of that thread only, within a cap.
        assert_eq!(
            uploads
                .read_attached(direct.id(), "thr_1", 5)
                .await
                .unwrap(),
            Bytes::from_static(b"hello")
        );
        assert_eq!(
            uploads
                .read_attached(direct.id(), "thr_1", 4)
                .await
                .err()
                .unwrap()
                .status(),
            413
        );
        assert_eq!(
            uploads
                .read_attached(direct.id(), "thr_2", 5)
                .await
                .err()
                .unwrap()
                .status(),
            404
        );
        let mut in_thread = direct.clone();
        in_thread.set_thread_id("thr_1");
        assert_eq!(
            uploads.read_attachment(&in_thread, 100).await.unwrap(),
            Bytes::from_static(b"hello")
        );
        assert_eq!(
            uploads
                .read_attachment(&direct, 100)
                .await
                .err()
                .unwrap()
                .status(),
            404,
            "an attachment of no thread is not read"
        );
        let loose = uploads
            .upload_direct("b.txt", "text/plain", alice, body(&[b"bye"]))
            .await
            .unwrap();
        assert_eq!(uploads.sweep().await.unwrap(), 0);
        let expiring = UploadStore {
            blobs: Arc::clone(&uploads.blobs),
            policy: uploads
                .policy
                .clone()
                .unattached_ttl(Duration::ZERO)
                .upload_url_ttl(Duration::ZERO),
        };
        let stale = expiring
            .create(&params("c.txt", 1, "text/plain"), alice)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let expired = expiring
            .upload(stale.id(), &token_of(&stale), alice, body(&[b"c"]))
            .await;
        assert_eq!(expired.err().unwrap().status(), 410);
        assert_eq!(expiring.sweep().await.unwrap(), 2);
        assert!(uploads.open(loose.id(), alice).await.is_err());
        assert!(uploads.open(direct.id(), alice).await.is_ok());
    }

    #[tokio::test]
    async fn local_disk() {
        let dir = tempfile::tempdir().unwrap();
        suite(LocalDisk::new(dir.path()).unwrap()).await;
    }

    #[cfg(feature = "object-store")]
    #[tokio::test]
    async fn object_store_in_memory() {
        let bucket = Arc::new(object_store::memory::InMemory::new());
        suite(crate::attachments::ObjectStorage::new(bucket, "uploads")).await;
    }

    #[cfg(feature = "object-store")]
    #[tokio::test]
    async fn object_store_local() {
        let dir = tempfile::tempdir().unwrap();
        let bucket =
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir.path()).unwrap());
        suite(crate::attachments::ObjectStorage::new(bucket, "")).await;
    }
}
