//! The todo backend's default configuration answers every request of the protocol (no
//! `501`): attachments kept on local disk next to its database, dictation refused with a
//! clear error without an API key; and two processes sharing the SQLite file and its
//! attachments, one taking the upload and the other serving it.

mod support;
use support::todo_binary;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use chatkit_actions::attachments::{LocalDisk, UploadStore};
use chatkit_actions::store::MemoryStore;
use chatkit_examples::todo::server::{
    ATTACHMENTS, AppConfig, ENDPOINT, app_with, start_app, upload_policy,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

async fn post(url: &str, body: &Value) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("x-user-id", "alice")
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

fn input(text: &str, attachments: &Value) -> Value {
    json!({"content": [{"type": "input_text", "text": text}], "attachments": attachments, "inference_options": {}})
}

fn first_event(text: &str) -> Value {
    let data = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .unwrap_or_else(|| panic!("an event in {text}"));
    serde_json::from_str(data).unwrap()
}

#[tokio::test]
async fn no_request_answers_501() {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let uploads = UploadStore::new(
        LocalDisk::new(dir.path()).unwrap(),
        upload_policy(&format!("{base}{ATTACHMENTS}")),
    );
    let config = AppConfig {
        rate_limit: 0,
        streams_per_user: 0,
        ..AppConfig::default()
    };
    let (app, _health) = app_with(Arc::new(MemoryStore::new()), &config, uploads);
    let server = start_app(
        listener,
        app,
        chatkit_actions::serve::ServeConfig::default(),
    )
    .unwrap();
    let endpoint = format!("{base}{ENDPOINT}");

    let (status, text) = post(
        &endpoint,
        &json!({"type": "threads.create", "params": {"input": input("hello", &json!([]))}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let thread_id = first_event(&text)["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Attachments: create, upload, attach, delete.
    let (status, text) = post(
        &endpoint,
        &json!({"type": "attachments.create", "params": {"name": "dot.png", "size": PNG.len(), "mime_type": "image/png"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let attachment: Value = serde_json::from_str(&text).unwrap();
    let id = attachment["id"].as_str().unwrap();
    let upload = reqwest::Client::new()
        .post(attachment["upload_descriptor"]["url"].as_str().unwrap())
        .header("x-user-id", "alice")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::OK);
    assert!(
        dir.path().join(id).join("data").is_file(),
        "kept on local disk"
    );
    let (status, text) = post(
        &endpoint,
        &json!({"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": input("see this", &json!([id]))}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains(id), "{text}");
    let preview = reqwest::get(attachment["preview_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);

    // Dictation: OpenAI when a key is set; without one, a clear error.
    let (status, text) = post(
        &endpoint,
        &json!({"type": "input.transcribe", "params": {"audio_base64": "GkXfow==", "mime_type": "audio/webm"}}),
    )
    .await;
    assert_ne!(status, StatusCode::NOT_IMPLEMENTED, "{text}");
    if std::env::var_os("OPENAI_API_KEY").is_none() {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
        assert!(text.contains("OPENAI_API_KEY"), "{text}");
    }

    // Every other request type: never 501.
    let requests = [
        json!({"type": "threads.add_structured_input", "params": {"thread_id": thread_id, "item_id": "si_x", "input": {}}}),
        json!({"type": "threads.get_by_id", "params": {"thread_id": thread_id}}),
        json!({"type": "threads.list", "params": {}}),
        json!({"type": "items.list", "params": {"thread_id": thread_id}}),
        json!({"type": "items.feedback", "params": {"thread_id": thread_id, "item_ids": [], "kind": "positive"}}),
        json!({"type": "threads.update", "params": {"thread_id": thread_id, "title": "t"}}),
        json!({"type": "threads.retry_after_item", "params": {"thread_id": thread_id, "item_id": "x"}}),
        json!({"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": 1}}),
        json!({"type": "threads.custom_action", "params": {"thread_id": thread_id, "action": {"type": "nope", "payload": {}}}}),
        json!({"type": "threads.sync_custom_action", "params": {"thread_id": thread_id, "action": {"type": "nope", "payload": {}}}}),
        json!({"type": "attachments.delete", "params": {"attachment_id": id}}),
        json!({"type": "threads.delete", "params": {"thread_id": thread_id}}),
    ];
    for body in requests {
        let (status, text) = post(&endpoint, &body).await;
        assert_ne!(status, StatusCode::NOT_IMPLEMENTED, "{body}: {text}");
        assert!(status.as_u16() < 500, "{body}: {status} {text}");
    }
    assert!(
        !dir.path().join(id).exists(),
        "the bytes go with the attachment"
    );
    server.stop().await.unwrap();
}

/// A todo backend process; its base URL (`http://127.0.0.1:PORT`).
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(binary: &Path, db: &Path) -> Process {
        let mut child = Command::new(binary)
            .args(["--port", "0", "--rate-limit", "0", "--db"])
            .arg(db)
            .env("RUST_LOG", "error")
            .env_remove("CHATKIT_ATTACHMENTS")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the todo backend");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut banner = String::new();
        BufReader::new(stdout)
            .read_line(&mut banner)
            .expect("the banner line");
        let endpoint = banner
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("a URL in the banner: {banner:?}"));
        let base = endpoint.trim_end_matches(ENDPOINT).to_owned();
        Process { child, base }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One process takes the upload; another, on the same SQLite file and so the same
/// attachment directory, serves it and lets a message reference it.
#[tokio::test]
async fn one_process_takes_the_upload_another_serves_it() {
    let binary = todo_binary();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("todo.db");
    let one = Process::start(&binary, &db);
    let two = Process::start(&binary, &db);

    let (status, text) = post(
        &format!("{}{ENDPOINT}", one.base),
        &json!({"type": "attachments.create", "params": {"name": "notes.txt", "size": 5, "mime_type": "text/plain"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let attachment: Value = serde_json::from_str(&text).unwrap();
    let id = attachment["id"].as_str().unwrap();
    let upload = reqwest::Client::new()
        .put(attachment["upload_descriptor"]["url"].as_str().unwrap())
        .header("x-user-id", "alice")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::OK);
    assert!(
        dir.path()
            .join("todo.db-attachments")
            .join(id)
            .join("data")
            .is_file()
    );

    let download = reqwest::Client::new()
        .get(format!("{}{ATTACHMENTS}/{id}", two.base))
        .header("x-user-id", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.text().await.unwrap(), "hello");
    let (status, text) = post(
        &format!("{}{ENDPOINT}", two.base),
        &json!({"type": "threads.create", "params": {"input": input("see notes", &json!([id]))}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains(id), "{text}");
    // Someone else gets nothing from either process.
    let other = reqwest::Client::new()
        .get(format!("{}{ATTACHMENTS}/{id}", one.base))
        .header("x-user-id", "mallory")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}
