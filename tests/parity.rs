//! The protocol's attachment and dictation requests end to end over HTTP, as a ChatKit web
//! client sends them: `attachments.create`, the upload to its URL, a user message
//! referencing the attachment, `attachments.delete`; `input.transcribe` through OpenAI's
//! transcription endpoint (a loopback stand-in) and without a key; `threads.add_structured_input`;
//! the requests, their answers and their events validated by the official Python SDK (the
//! oracle of `tests/support/oracle.rs`, when `CHATKIT_ORACLE_VENV` is set).

#[path = "support/oracle.rs"]
mod oracle;
#[path = "support/uploads.rs"]
mod uploads;

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use chatkit_actions::attachments::object_store::memory::InMemory;
use chatkit_actions::attachments::{ObjectStorage, UploadPolicy, UploadStore, routes};
use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::server::ChatKitServer;
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_actions::transcribe::{OpenAiTranscriber, TranscribeError};
use chatkit_actions::{Action, action_handler};
use reqwest::StatusCode;
use serde_json::{Value, json};

use oracle::Oracle;
use uploads::{PNG, User};

#[derive(Action, Debug)]
enum AppAction {
    Ping,
}

struct App;

#[action_handler(AppAction, context = User)]
impl App {
    async fn ping(&self, cx: &mut ActionContext<User>) -> HandlerResult {
        cx.add_assistant_message("pong").await.map(drop)
    }
}

/// A dictation service that is not configured, as the todo example runs without a key.
struct NoKey;

#[chatkit_actions::async_trait]
impl chatkit_actions::transcribe::Transcriber<User> for NoKey {
    async fn transcribe(
        &self,
        _audio: chatkit_actions::transcribe::AudioInput,
        _context: &User,
    ) -> Result<chatkit_actions::transcribe::TranscriptionResult, TranscribeError> {
        Err(TranscribeError::NotConfigured(
            "dictation needs an OpenAI API key: set OPENAI_API_KEY on the server".to_owned(),
        ))
    }
}

struct Served {
    base: String,
    store: Arc<MemoryStore>,
}

async fn serve(configure: impl FnOnce(ChatKitServer<App>) -> ChatKitServer<App>) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let store = Arc::new(MemoryStore::new());
    let uploads = UploadStore::new(
        ObjectStorage::new(Arc::new(InMemory::new()), ""),
        UploadPolicy::default().base_url(format!("{base}/attachments")),
    );
    let shared: Arc<dyn Store<User>> = store.clone();
    let server = configure(
        ChatKitServer::with_shared_store(Arc::clone(&shared), App)
            .attachment_store(uploads.clone()),
    );
    let app = chatkit_actions::http::router(server, "/chatkit")
        .nest("/attachments", routes::router(uploads, shared));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Served { base, store }
}

impl Served {
    async fn call(&self, user: &str, body: &Value) -> (StatusCode, String) {
        let response = reqwest::Client::new()
            .post(format!("{}/chatkit", self.base))
            .header("x-user", user)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn json(&self, user: &str, body: &Value) -> (StatusCode, Value) {
        let (status, text) = self.call(user, body).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The events of a streamed answer.
    async fn events(&self, user: &str, body: &Value) -> Vec<Value> {
        let (status, text) = self.call(user, body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        text.lines()
            .filter_map(|line| line.strip_prefix("data: "))
            .map(|data| serde_json::from_str(data).unwrap())
            .collect()
    }
}

fn user() -> User {
    User(Some("alice".to_owned()))
}

#[tokio::test]
async fn attachments_end_to_end() {
    let served = serve(|server| server).await;
    let create = json!({"type": "attachments.create", "params": {"name": "dot.png", "size": PNG.len(), "mime_type": "image/png"}});
    let (status, attachment) = served.json("alice", &create).await;
    assert_eq!(status, StatusCode::OK, "{attachment}");
    assert_eq!(attachment["type"], "image");
    assert!(attachment.get("metadata").is_none());
    let id = attachment["id"].as_str().unwrap().to_owned();
    let url = attachment["upload_descriptor"]["url"].as_str().unwrap();
    assert_eq!(attachment["upload_descriptor"]["method"], "POST");
    assert!(
        attachment["preview_url"]
            .as_str()
            .unwrap()
            .starts_with(&served.base)
    );
    // Saved by the server, with its upload instructions until the upload.
    let stored = served.store.load_attachment(&id, &user()).await.unwrap();
    assert!(stored.upload_descriptor().is_some());

    // Before the upload, no message can reference it.
    let message = |attachments: Value| {
        json!({"type": "threads.create", "params": {"input": {
            "content": [{"type": "input_text", "text": "look"}],
            "attachments": attachments, "inference_options": {},
        }}})
    };
    let (status, body) = served.json("alice", &message(json!([id]))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let response = reqwest::Client::new()
        .post(url)
        .header("x-user", "alice")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // Someone else can neither attach nor delete it.
    let (status, _) = served.json("mallory", &message(json!([id]))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let delete = json!({"type": "attachments.delete", "params": {"attachment_id": id}});
    let (status, _) = served.json("mallory", &delete).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let events = served.events("alice", &message(json!([id]))).await;
    let thread_id = events[0]["thread"]["id"].as_str().unwrap();
    let user_message = events
        .iter()
        .find(|event| event["item"]["type"] == "user_message")
        .unwrap();
    assert_eq!(user_message["item"]["attachments"][0]["id"], id);
    assert_eq!(
        user_message["item"]["attachments"][0]["thread_id"],
        thread_id
    );
    assert!(
        user_message["item"]["attachments"][0]
            .get("upload_descriptor")
            .is_none()
    );

    let (status, body) = served.json("alice", &delete).await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    assert!(served.store.load_attachment(&id, &user()).await.is_err());
    let response = reqwest::Client::new()
        .get(format!("{}/attachments/{id}", served.base))
        .header("x-user", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // A second delete.
    let (status, body) = served.json("alice", &delete).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn attachments_create_refusals() {
    let served = serve(|server| server).await;
    for (params, status) in [
        (
            json!({"name": "big.png", "size": 100_000_000, "mime_type": "image/png"}),
            413,
        ),
        (
            json!({"name": "x.exe", "size": 3, "mime_type": "application/x-msdownload"}),
            415,
        ),
        (
            json!({"name": "x", "size": 3, "mime_type": "not a type"}),
            400,
        ),
        (
            json!({"name": "", "size": 3, "mime_type": "text/plain"}),
            400,
        ),
    ] {
        let body = json!({"type": "attachments.create", "params": params});
        let (got, answer) = served.json("alice", &body).await;
        assert_eq!(got.as_u16(), status, "{params}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let page = served
        .store
        .load_threads(10, None, chatkit_actions::thread::SortOrder::Desc, &user())
        .await
        .unwrap();
    assert!(page.data.is_empty());
}

/// A stand-in of OpenAI's transcription endpoint.
async fn stand_in() -> String {
    let app = Router::new().route(
        "/v1/audio/transcriptions",
        post(|| async {
            (
                [("content-type", "application/json")],
                r#"{"text":"buy milk"}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn input_transcribe_end_to_end() {
    let openai = stand_in().await;
    let served =
        serve(move |server| server.transcriber(OpenAiTranscriber::new("sk-test", openai))).await;
    let body = json!({"type": "input.transcribe", "params": {"audio_base64": "GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibQ==", "mime_type": "audio/webm;codecs=opus"}});
    let (status, answer) = served.json("alice", &body).await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({"text": "buy milk"}))
    );

    // Bad audio: not base64, not audio, over the limit.
    for (params, status) in [
        (
            json!({"audio_base64": "%%%", "mime_type": "audio/webm"}),
            400,
        ),
        (
            json!({"audio_base64": "AAAA", "mime_type": "text/plain"}),
            415,
        ),
        (
            json!({"audio_base64": "A".repeat(40_000_000), "mime_type": "audio/webm"}),
            413,
        ),
    ] {
        let body = json!({"type": "input.transcribe", "params": params});
        let (got, answer) = served.json("alice", &body).await;
        assert_eq!(got.as_u16(), status, "{answer}");
    }
}

#[tokio::test]
async fn input_transcribe_without_a_key_says_so() {
    let served = serve(|server| server.transcriber(NoKey)).await;
    let body = json!({"type": "input.transcribe", "params": {"audio_base64": "AAAA", "mime_type": "audio/webm"}});
    let (status, answer) = served.json("alice", &body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["error"]["code"], "transcription_not_configured");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY"),
        "{answer}"
    );
}

/// Every new request end to end over HTTP as a ChatKit client sends it, with the requests
/// themselves, their JSON answers and their events validated by the Python SDK's models and
/// serializer: `attachments.create` (an `Attachment`), the upload, a message with the
/// attachment (its events), `threads.add_structured_input` (its events),
/// `input.transcribe` (a `TranscriptionResult`) and `attachments.delete` (the SDK's `{}`).
#[tokio::test]
async fn the_python_sdk_accepts_the_new_requests_and_answers() {
    use chatkit_actions::thread::{
        FreeformInput, MultipleChoiceInput, StructuredInput, StructuredInputItem, ThreadItem,
    };

    let Some(oracle) = Oracle::from_env("parity_oracle") else {
        return;
    };
    let openai = stand_in().await;
    let served =
        serve(move |server| server.transcriber(OpenAiTranscriber::new("sk-test", openai))).await;
    let mut requests = String::new();
    let mut sse = String::new();
    let mut call = async |body: Value| {
        requests.push_str(&body.to_string());
        requests.push('\n');
        let (status, answer) = served.call("alice", &body).await;
        assert_eq!(status, StatusCode::OK, "{body}: {answer}");
        answer
    };

    let create = json!({"type": "attachments.create", "params": {"name": "dot.png", "size": PNG.len(), "mime_type": "image/png"}});
    let attachment = call(create).await;
    oracle.validate("Attachment", "attachment.json", attachment.as_bytes());
    let attachment: Value = serde_json::from_str(&attachment).unwrap();
    let id = attachment["id"].as_str().unwrap().to_owned();
    let response = reqwest::Client::new()
        .post(attachment["upload_descriptor"]["url"].as_str().unwrap())
        .header("x-user", "alice")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let message = json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": "look"}],
        "attachments": [id], "inference_options": {},
    }}});
    let events = call(message).await;
    let thread_id = events
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str::<Value>(data).unwrap())
        .and_then(|event| event["thread"]["id"].as_str().map(str::to_owned))
        .expect("thread.created first");
    assert!(events.contains(r#""type":"image""#), "{events}");
    sse.push_str(&events);

    let item = StructuredInputItem::new(
        "si_1",
        thread_id.clone(),
        vec![
            StructuredInput::MultipleChoice(MultipleChoiceInput::new("size", "Size?", ["S", "M"])),
            StructuredInput::Freeform(FreeformInput::new("note", "Anything else?")),
        ],
    );
    served
        .store
        .add_thread_item(&thread_id, &ThreadItem::from(item), &user())
        .await
        .unwrap();
    let submit = json!({"type": "threads.add_structured_input", "params": {
        "thread_id": thread_id, "item_id": "si_1",
        "input": {"status": "answered", "answers": {"size": {"values": ["M"]}}},
    }});
    let events = call(submit).await;
    assert!(events.contains("thread.item.replaced"), "{events}");
    sse.push_str(&events);

    let transcribe = json!({"type": "input.transcribe", "params": {"audio_base64": "GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibQ==", "mime_type": "audio/webm;codecs=opus"}});
    let transcription = call(transcribe).await;
    oracle.python(
        "import json, sys\n\
         from chatkit.types import TranscriptionResult\n\
         raw = sys.stdin.read()\n\
         result = TranscriptionResult.model_validate_json(raw, strict=True)\n\
         again = json.loads(result.model_dump_json(by_alias=True, exclude_none=True))\n\
         assert again == json.loads(raw), (raw, again)\n",
        transcription.as_bytes(),
    );

    let delete = json!({"type": "attachments.delete", "params": {"attachment_id": id}});
    // The SDK's answer, byte for byte.
    assert_eq!(call(delete).await, "{}");

    oracle.validate("ThreadStreamEvent", "events.sse", sse.as_bytes());
    oracle.validate("ChatKitReq", "requests.jsonl", requests.as_bytes());
}
