//! Attachments over HTTP: both upload flows, downloads and previews through the
//! `attachments::routes` router, on local disk and on `object_store`'s in-memory and local
//! backends; every bad upload refused with a clear 4xx and nothing stored; a client cut off
//! mid-upload; two replicas sharing one storage.

#[path = "support/uploads.rs"]
mod uploads;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use chatkit_actions::attachments::object_store::local::LocalFileSystem;
use chatkit_actions::attachments::object_store::memory::InMemory;
use chatkit_actions::attachments::{
    AttachmentStore, Blobs, LocalDisk, ObjectStorage, UploadPolicy, UploadStore, routes,
};
use chatkit_actions::request::AttachmentCreateParams;
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_actions::thread::Attachment;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use uploads::{PNG, User};

/// One replica: the attachment routes on its own listener, sharing `blobs`' storage and
/// `store` with any other replica made from the same.
struct Replica<B> {
    base: String,
    uploads: UploadStore<B>,
}

async fn replica<B: Blobs>(blobs: B, store: Arc<MemoryStore>, policy: UploadPolicy) -> Replica<B> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/attachments", listener.local_addr().unwrap());
    let uploads = UploadStore::new(blobs, policy.base_url(&base));
    let store: Arc<dyn Store<User>> = store;
    let app: Router = Router::new().nest("/attachments", routes::router(uploads.clone(), store));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Replica { base, uploads }
}

fn alice() -> User {
    User(Some("alice".to_owned()))
}

/// `attachments.create` as the server runs it: the attachment store makes the attachment,
/// the store saves it.
async fn create<B: Blobs>(
    replica: &Replica<B>,
    store: &MemoryStore,
    name: &str,
    size: usize,
    mime_type: &str,
) -> Attachment {
    let params = AttachmentCreateParams {
        name: name.to_owned(),
        size: size as u64,
        mime_type: mime_type.to_owned(),
    };
    let attachment = replica
        .uploads
        .create_attachment(&params, &alice())
        .await
        .unwrap();
    store.save_attachment(&attachment, &alice()).await.unwrap();
    attachment
}

fn multipart(name: &str, mime_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "chatkit-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn send(
    method: reqwest::Method,
    url: &str,
    user: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("content-type", content_type)
        .body(body);
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn get(url: &str, user: Option<&str>) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

fn upload_url(attachment: &Attachment) -> String {
    attachment.upload_descriptor().unwrap().url.clone()
}

/// Both flows end to end, then every refusal, on one storage.
async fn flows<B: Blobs>(blobs: B) {
    let store = Arc::new(MemoryStore::new());
    let policy = UploadPolicy::default().max_bytes(4096);
    let app = replica(blobs, Arc::clone(&store), policy).await;

    // Two-phase, raw body, with `POST` as the descriptor says.
    let image = create(&app, &store, "dot.png", PNG.len(), "image/png").await;
    assert_eq!(
        image.upload_descriptor().unwrap().method,
        chatkit_actions::thread::UploadMethod::Post
    );
    let (status, body) = send(
        reqwest::Method::POST,
        &upload_url(&image),
        Some("alice"),
        "image/png",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], image.id());
    assert!(body.get("upload_descriptor").is_none(), "{body}");
    let stored = store.load_attachment(image.id(), &alice()).await.unwrap();
    assert!(stored.upload_descriptor().is_none(), "the URL is used up");

    // Download by its owner; the preview by its URL; nobody else.
    let (status, content_type, bytes) =
        get(&format!("{}/{}", app.base, image.id()), Some("alice")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("image/png"));
    assert_eq!(bytes, PNG);
    let (status, _, bytes) = get(image.preview_url().unwrap(), None).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PNG));
    let (status, _, _) = get(&format!("{}/{}", app.base, image.id()), Some("mallory")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&format!("{}/{}", app.base, image.id()), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Two-phase as multipart with a `file` field, `PUT`.
    let text = create(&app, &store, "notes.txt", 5, "text/plain").await;
    let (content_type, body) = multipart("notes.txt", "text/plain", b"hello");
    let (status, body) = send(
        reqwest::Method::PUT,
        &upload_url(&text),
        Some("alice"),
        &content_type,
        body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, bytes) = get(&format!("{}/{}", app.base, text.id()), Some("alice")).await;
    assert_eq!(bytes, b"hello");

    // Direct upload: the answer is the attachment, saved in the store.
    let (content_type, body) = multipart("dot.png", "image/png", PNG);
    let (status, body) = send(
        reqwest::Method::POST,
        &app.base,
        Some("alice"),
        &content_type,
        body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "image");
    let id = body["id"].as_str().unwrap();
    let stored = store.load_attachment(id, &alice()).await.unwrap();
    assert_eq!(stored.name(), "dot.png");
    assert!(
        store
            .load_attachment(id, &User(Some("mallory".into())))
            .await
            .is_err()
    );

    // Delete by the owner only, once.
    let mallory = User(Some("mallory".to_owned()));
    let refused = app.uploads.delete_attachment(image.id(), &mallory).await;
    assert_eq!(refused.err().unwrap().status(), 404);
    app.uploads
        .delete_attachment(image.id(), &alice())
        .await
        .unwrap();
    let again = app.uploads.delete_attachment(image.id(), &alice()).await;
    assert_eq!(again.err().unwrap().status(), 404);
    let (status, _, _) = get(&format!("{}/{}", app.base, image.id()), Some("alice")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(image.preview_url().unwrap(), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    bad_uploads(&app, &store).await;
}

/// Each bad upload: a clear 4xx with a JSON error, and nothing readable afterwards.
#[expect(clippy::too_many_lines, reason = "one refusal after the other")]
async fn bad_uploads<B: Blobs>(app: &Replica<B>, store: &MemoryStore) {
    let listed = app.uploads.blobs().list_top().await.unwrap();

    // Over the limit, declared: refused at create.
    let params = AttachmentCreateParams {
        name: "big.png".to_owned(),
        size: 4097,
        mime_type: "image/png".to_owned(),
    };
    let refused = app.uploads.create_attachment(&params, &alice()).await;
    assert_eq!(refused.err().unwrap().status(), 413);
    // Outside the allow-list.
    let params = AttachmentCreateParams {
        name: "tool.exe".to_owned(),
        size: 10,
        mime_type: "application/x-msdownload".to_owned(),
    };
    let refused = app.uploads.create_attachment(&params, &alice()).await;
    assert_eq!(refused.err().unwrap().status(), 415);
    // Direct uploads: over the limit (not declared), outside the allow-list, a lying type.
    for (name, mime_type, bytes, expected) in [
        ("big.txt", "text/plain", vec![b'a'; 5000], 413),
        (
            "tool.exe",
            "application/x-msdownload",
            b"MZ\x90\0".to_vec(),
            415,
        ),
        ("fake.png", "image/png", b"just text".to_vec(), 422),
        ("real.txt", "text/plain", PNG.to_vec(), 422),
    ] {
        let (content_type, body) = multipart(name, mime_type, &bytes);
        let (status, body) = send(
            reqwest::Method::POST,
            &app.base,
            Some("alice"),
            &content_type,
            body,
        )
        .await;
        assert_eq!(status.as_u16(), expected, "{name}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    assert_eq!(app.uploads.blobs().list_top().await.unwrap(), listed);

    // Two-phase bodies that do not match the declaration.
    for (bytes, expected, why) in [
        ([PNG, b"more"].concat(), 422, "longer than declared"),
        (PNG[..12].to_vec(), 422, "shorter than declared"),
        (
            b"GIF89a\x01\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
            422,
            "another type",
        ),
        (vec![0; 5000], 413, "over the limit"),
    ] {
        let attachment = create(app, store, "dot.png", PNG.len(), "image/png").await;
        let (status, body) = send(
            reqwest::Method::POST,
            &upload_url(&attachment),
            Some("alice"),
            "image/png",
            bytes,
        )
        .await;
        assert_eq!(status.as_u16(), expected, "{why}: {body}");
        let (status, _, _) = get(&format!("{}/{}", app.base, attachment.id()), Some("alice")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}: nothing readable");
        let attach = app
            .uploads
            .attached(attachment.id(), "thr_1", &alice())
            .await;
        assert_eq!(
            attach.err().unwrap().status(),
            404,
            "{why}: nothing attachable"
        );
    }

    // Someone else's upload URL, an unknown one, a wrong token, a reused one.
    let attachment = create(app, store, "notes.txt", 2, "text/plain").await;
    let url = upload_url(&attachment);
    let (status, _) = send(
        reqwest::Method::POST,
        &url,
        Some("mallory"),
        "text/plain",
        b"hi".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let unknown = format!("{}/atc_0000000000000000/upload?token=x", app.base);
    let (status, _) = send(
        reqwest::Method::POST,
        &unknown,
        Some("alice"),
        "text/plain",
        b"hi".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let hostile = format!("{}/..%2F..%2Fetc/upload?token=x", app.base);
    let (status, _) = send(
        reqwest::Method::POST,
        &hostile,
        Some("alice"),
        "text/plain",
        b"hi".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let wrong = url.replace("token=", "token=0");
    let (status, _) = send(
        reqwest::Method::POST,
        &wrong,
        Some("alice"),
        "text/plain",
        b"hi".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        reqwest::Method::POST,
        &url,
        Some("alice"),
        "text/plain",
        b"hi".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(
        reqwest::Method::POST,
        &url,
        Some("alice"),
        "text/plain",
        b"hi".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "upload_used");
    // A multipart upload without a `file` field.
    let other = create(app, store, "notes.txt", 2, "text/plain").await;
    let boundary = "b";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhi\r\n--{boundary}--\r\n"
    );
    let (status, _) = send(
        reqwest::Method::POST,
        &upload_url(&other),
        Some("alice"),
        &format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn flows_on_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    flows(LocalDisk::new(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn flows_on_object_store_in_memory() {
    flows(ObjectStorage::new(Arc::new(InMemory::new()), "attachments")).await;
}

#[tokio::test]
async fn flows_on_object_store_local() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    flows(ObjectStorage::new(bucket, "")).await;
}

#[tokio::test]
async fn an_expired_upload_url_is_refused() {
    let store = Arc::new(MemoryStore::new());
    let policy = UploadPolicy::default().upload_url_ttl(Duration::ZERO);
    let app = replica(
        ObjectStorage::new(Arc::new(InMemory::new()), ""),
        Arc::clone(&store),
        policy,
    )
    .await;
    let attachment = create(&app, &store, "a.txt", 2, "text/plain").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, body) = send(
        reqwest::Method::POST,
        &upload_url(&attachment),
        Some("alice"),
        "text/plain",
        b"hi".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["code"], "upload_expired");
}

/// A client that sends half its body and disconnects leaves no file, on disk or attachable.
#[tokio::test]
async fn a_cut_upload_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let app = replica(
        LocalDisk::new(dir.path()).unwrap(),
        Arc::clone(&store),
        UploadPolicy::default(),
    )
    .await;
    let size = 64 * 1024;
    let attachment = create(&app, &store, "big.txt", size, "text/plain").await;
    let url = reqwest::Url::parse(&upload_url(&attachment)).unwrap();
    let mut socket = tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
        .await
        .unwrap();
    let head = format!(
        "POST {}?{} HTTP/1.1\r\nHost: x\r\nx-user: alice\r\nContent-Type: text/plain\r\nContent-Length: {size}\r\n\r\n",
        url.path(),
        url.query().unwrap()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&vec![b'a'; size / 2]).await.unwrap();
    socket.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(socket);

    // The server sees the body end early; wait for it to clean up.
    let partial = dir.path().join(".partial");
    let mut left = usize::MAX;
    for _ in 0..100 {
        left = std::fs::read_dir(&partial).unwrap().count();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, 0, "no temporary file is left");
    assert!(!dir.path().join(attachment.id()).join("data").exists());
    let (status, _, _) = get(&format!("{}/{}", app.base, attachment.id()), Some("alice")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let attach = app
        .uploads
        .attached(attachment.id(), "thr_1", &alice())
        .await;
    assert_eq!(attach.err().unwrap().status(), 404);
    // The URL is used up; the attachment can still be deleted.
    let (status, _) = send(
        reqwest::Method::POST,
        url.as_str(),
        Some("alice"),
        "text/plain",
        vec![b'a'; size],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.uploads
        .delete_attachment(attachment.id(), &alice())
        .await
        .unwrap();
}

/// Two replicas sharing one storage (and one store): one takes the upload, the other serves
/// it, previews it and deletes it.
async fn replicas<B: Blobs>(first: B, second: B) {
    let store = Arc::new(MemoryStore::new());
    let one = replica(first, Arc::clone(&store), UploadPolicy::default()).await;
    let two = replica(second, Arc::clone(&store), UploadPolicy::default()).await;
    let attachment = create(&one, &store, "dot.png", PNG.len(), "image/png").await;
    let (status, _) = send(
        reqwest::Method::POST,
        &upload_url(&attachment),
        Some("alice"),
        "image/png",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, bytes) = get(&format!("{}/{}", two.base, attachment.id()), Some("alice")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PNG));
    let preview = attachment
        .preview_url()
        .unwrap()
        .replace(&one.base, &two.base);
    let (status, _, _) = get(&preview, None).await;
    assert_eq!(status, StatusCode::OK);
    // The upload URL is used up on every replica.
    let reused = upload_url(&attachment).replace(&one.base, &two.base);
    let (status, _) = send(
        reqwest::Method::POST,
        &reused,
        Some("alice"),
        "image/png",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    two.uploads
        .delete_attachment(attachment.id(), &alice())
        .await
        .unwrap();
    let (status, _, _) = get(&format!("{}/{}", one.base, attachment.id()), Some("alice")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn replicas_share_local_disk() {
    let dir = tempfile::tempdir().unwrap();
    replicas(
        LocalDisk::new(dir.path()).unwrap(),
        LocalDisk::new(dir.path()).unwrap(),
    )
    .await;
}

#[tokio::test]
async fn replicas_share_an_object_store() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = || Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    replicas(
        ObjectStorage::new(bucket(), "a"),
        ObjectStorage::new(bucket(), "a"),
    )
    .await;
    let memory = Arc::new(InMemory::new());
    replicas(
        ObjectStorage::new(Arc::clone(&memory) as _, ""),
        ObjectStorage::new(memory, ""),
    )
    .await;
}
