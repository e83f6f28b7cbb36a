//! The axum routes of an [`UploadStore`]: uploads (two-phase and direct) and downloads, the
//! bodies streamed both ways, never held whole.
//!
//! Nest the [`router`] under the path of the policy's
//! [`base_url`](super::UploadPolicy::base_url), next to the `ChatKit` endpoint, with the same
//! state and context extractor:
//!
//! | route | what |
//! |---|---|
//! | `POST /` | direct upload: `multipart/form-data` with a `file` field; answers the attachment, saved in the store |
//! | `POST` or `PUT /{id}/upload?token=…` | two-phase upload to the URL of `attachments.create`: the raw bytes, or `multipart/form-data` with a `file` field |
//! | `GET /{id}` | the bytes, for their owner |
//! | `GET /{id}/preview?token=…` | an image's preview, by its token |
//!
//! Errors are answered with their status ([`AttachmentError::status`]) and the JSON body
//! `{"error": {"code": …, "message": …}}`.
//!
//! ```
//! use std::sync::Arc;
//! use axum::Router;
//! use chatkit_actions::attachments::{LocalDisk, UploadPolicy, UploadStore, routes};
//! use chatkit_actions::store::{MemoryStore, Store};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join("chatkit-attachments-doc");
//! let uploads = UploadStore::new(LocalDisk::new(&dir)?, UploadPolicy::default());
//! let store: Arc<dyn Store<()>> = Arc::new(MemoryStore::new());
//! let app: Router = Router::new().nest("/attachments", routes::router(uploads, store));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Query, Request,
};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::AttachmentError;
use super::blobs::{BlobStream, Blobs};
use super::uploads::{UploadStore, Uploaded};
use crate::store::{Store, StoreScope};

/// Room for the multipart framing around a file of the size limit.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// The routes of `uploads`, saving direct uploads in `store` and clearing the upload
/// descriptor of two-phase ones there once uploaded. `C` is the request context, extracted
/// as for the `ChatKit` endpoint; its [`StoreScope`] owns what it uploads.
pub fn router<C, B, S>(uploads: UploadStore<B>, store: Arc<dyn Store<C>>) -> Router<S>
where
    C: FromRequestParts<S> + StoreScope + Send + Sync + 'static,
    B: Blobs,
    S: Clone + Send + Sync + 'static,
{
    let limit = usize::try_from(
        uploads
            .policy()
            .get_max_bytes()
            .saturating_add(MULTIPART_OVERHEAD),
    )
    .unwrap_or(usize::MAX);
    let shared = Arc::new(Shared { uploads, store });
    let direct = {
        let shared = Arc::clone(&shared);
        move |context: C, request: Request| async move {
            shared
                .direct(context, request)
                .await
                .unwrap_or_else(|error| error_response(&error))
        }
    };
    let upload = {
        let shared = Arc::clone(&shared);
        move |context: C,
              Path(id): Path<String>,
              Query(query): Query<TokenQuery>,
              request: Request| async move {
            shared
                .upload(context, &id, &query.token, request)
                .await
                .unwrap_or_else(|error| error_response(&error))
        }
    };
    let download = {
        let shared = Arc::clone(&shared);
        move |context: C, Path(id): Path<String>| async move {
            match shared.uploads.open(&id, context.scope()).await {
                Ok(file) => file_response(file, "attachment"),
                Err(error) => error_response(&error),
            }
        }
    };
    let preview = {
        let shared = Arc::clone(&shared);
        move |Path(id): Path<String>, Query(query): Query<TokenQuery>| async move {
            match shared.uploads.open_preview(&id, &query.token).await {
                Ok(file) => file_response(file, "inline"),
                Err(error) => error_response(&error),
            }
        }
    };
    Router::new()
        .route("/", post(direct))
        .route("/{id}/upload", post(upload.clone()).put(upload))
        .route("/{id}", get(download))
        .route("/{id}/preview", get(preview))
        .layer(DefaultBodyLimit::max(limit))
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

struct Shared<C, B> {
    uploads: UploadStore<B>,
    store: Arc<dyn Store<C>>,
}

impl<C, B> Shared<C, B>
where
    C: StoreScope + Send + Sync + 'static,
    B: Blobs,
{
    async fn direct(&self, context: C, request: Request) -> Result<Response, AttachmentError> {
        let mut multipart = multipart(request).await?;
        while let Some(field) = next_field(&mut multipart).await? {
            if field.name() != Some("file") {
                continue;
            }
            let name = field.file_name().unwrap_or("file").to_owned();
            let mime_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let attachment = self
                .uploads
                .upload_direct(&name, &mime_type, context.scope(), field)
                .await?;
            if let Err(error) = self.store.save_attachment(&attachment, &context).await {
                // The bytes without metadata could never be attached or deleted.
                let _ = self.uploads.delete(attachment.id(), context.scope()).await;
                return Err(AttachmentError::Storage(super::BlobError::new(error)));
            }
            return Ok(axum::Json(attachment).into_response());
        }
        Err(AttachmentError::Invalid(
            "a direct upload is `multipart/form-data` with a `file` field".to_owned(),
        ))
    }

    async fn upload(
        &self,
        context: C,
        id: &str,
        token: &str,
        request: Request,
    ) -> Result<Response, AttachmentError> {
        let is_multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        let uploaded = if is_multipart {
            let mut multipart = multipart(request).await?;
            loop {
                let Some(field) = next_field(&mut multipart).await? else {
                    return Err(AttachmentError::Invalid(
                        "a multipart upload needs a `file` field".to_owned(),
                    ));
                };
                if field.name() == Some("file") {
                    break self
                        .uploads
                        .upload(id, token, context.scope(), field)
                        .await?;
                }
            }
        } else {
            let body = request.into_body().into_data_stream();
            self.uploads
                .upload(id, token, context.scope(), body)
                .await?
        };
        // The store's copy loses its upload instructions: the URL is used up.
        match self.store.load_attachment(&uploaded.id, &context).await {
            Ok(mut attachment) => {
                attachment.set_upload_descriptor(None);
                self.store
                    .save_attachment(&attachment, &context)
                    .await
                    .map_err(|error| AttachmentError::Storage(super::BlobError::new(error)))?;
                Ok(axum::Json(attachment).into_response())
            }
            Err(error) if error.is_not_found() => Ok(StatusCode::NO_CONTENT.into_response()),
            Err(error) => Err(AttachmentError::Storage(super::BlobError::new(error))),
        }
    }
}

async fn multipart(request: Request) -> Result<Multipart, AttachmentError> {
    Multipart::from_request(request, &())
        .await
        .map_err(|rejection| AttachmentError::Invalid(rejection.body_text()))
}

async fn next_field(
    multipart: &mut Multipart,
) -> Result<Option<axum::extract::multipart::Field<'_>>, AttachmentError> {
    multipart.next_field().await.map_err(|error| {
        AttachmentError::Invalid(format!("bad multipart body: {}", error.body_text()))
    })
}

/// The file's bytes, streamed, with its type, size and name.
fn file_response((file, stream): (Uploaded, BlobStream), disposition: &str) -> Response {
    let mut response = Body::from_stream(stream.map_err(std::io::Error::other)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.mime_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let safe_name: String = file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("{disposition}; filename=\"{safe_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn error_response(error: &AttachmentError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(%error, "attachment request failed");
    } else {
        tracing::warn!(%error, "attachment request refused");
    }
    let body =
        serde_json::json!({ "error": { "code": error.code(), "message": error.to_string() } });
    (status, axum::Json(body)).into_response()
}
