//! The todo backend with its model, end to end over HTTP against a Responses API stand-in
//! on loopback: "add buy milk" → the model calls `add_todo` → the todo's card → the model's
//! answer streamed in deltas; the todo persists, and the second request carries the tool's
//! output and the card. Attachments uploaded to the backend reach the model with their bytes.

mod model_support;

use std::sync::Arc;
use std::time::Duration;

use chatkit_actions::attachments::routes;
use chatkit_actions::model::ModelConfig;
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_examples::todo::Session;
use chatkit_examples::todo::assistant::{INSTRUCTIONS, model_server, model_server_with_uploads};
use chatkit_examples::todo::server::in_memory_uploads;
use chatkit_examples::todo::state::TodoList;
use model_support::{StandIn, full, function_call, text_reply};
use serde_json::{Value, json};

fn sse_events(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter(|frame| !frame.is_empty())
        .map(|frame| {
            serde_json::from_str(frame.strip_prefix("data: ").expect("a data frame")).expect("JSON")
        })
        .collect()
}

#[tokio::test]
async fn add_buy_milk_goes_through_the_model_and_its_tool() {
    let stand_in = StandIn::start(vec![
        full(function_call(
            "call_1",
            "add_todo",
            r#"{"title":"Buy milk"}"#,
        )),
        text_reply(&["Added ", "“Buy milk”", "."]),
    ])
    .await;
    let store: Arc<dyn Store<Session>> = Arc::new(MemoryStore::new());
    let config = ModelConfig::new("gpt-test")
        .api_key("sk-test")
        .base_url(&stand_in.base_url)
        .retry_delay(Duration::from_millis(5));
    let server = model_server(Arc::clone(&store), config).expect("a client");
    let router = chatkit_actions::http::router(server, "/chatkit");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let body = json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": "add buy milk"}], "attachments": [], "inference_options": {},
    }}});
    let response = reqwest::Client::new()
        .post(format!("http://{address}/chatkit"))
        .header("content-type", "application/json")
        .header("x-user-id", "ada")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let events = sse_events(&response.text().await.unwrap());
    let kinds: Vec<String> = events
        .iter()
        .map(|event| {
            let kind = event["type"].as_str().unwrap();
            match event.get("item").or_else(|| event.get("update")) {
                Some(inner) => format!("{kind}:{}", inner["type"].as_str().unwrap()),
                None => kind.to_owned(),
            }
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "thread.created",
            "thread.item.done:user_message",
            "stream_options",
            "thread.item.done:widget",
            "thread.updated",
            "thread.item.added:assistant_message",
            "thread.item.updated:assistant_message.content_part.added",
            "thread.item.updated:assistant_message.content_part.text_delta",
            "thread.item.updated:assistant_message.content_part.text_delta",
            "thread.item.updated:assistant_message.content_part.text_delta",
            "thread.item.updated:assistant_message.content_part.done",
            "thread.item.done:assistant_message",
        ]
    );
    let card = serde_json::to_string(&events[3]["item"]["widget"]).unwrap();
    assert!(
        card.contains("Buy milk") && card.contains("\"type\":\"Card\""),
        "{card}"
    );
    assert_eq!(events[4]["thread"]["title"], "Todos");
    assert_eq!(
        events[11]["item"]["content"][0]["text"],
        "Added “Buy milk”."
    );

    // The todo persists in the thread.
    let thread_id = events[0]["thread"]["id"].as_str().unwrap();
    let thread = store
        .load_thread(thread_id, &Session::new("ada").unwrap())
        .await
        .unwrap();
    let list = TodoList::load(&thread.metadata);
    let titles: Vec<&str> = list.iter().map(|todo| todo.title.as_str()).collect();
    assert_eq!(titles, ["Buy milk"]);

    let requests = stand_in.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["instructions"], INSTRUCTIONS);
    let tools: Vec<&str> = requests[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["add_todo", "list_todos", "complete_todo"]);
    let input = requests[1]["input"].as_array().unwrap();
    assert_eq!(input[1]["type"], "function_call");
    assert_eq!(
        input[2]["output"],
        r#"{"added":{"id":1,"title":"Buy milk"}}"#
    );
    assert!(
        input[3]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Buy milk")
    );
}

/// The bytes of a PDF and a PNG a user uploads.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\xfc\xcf\xc0\x50\x0f\x00\x04\x85\x01\x80\x84\xa9\x8c\x21\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
/// Their base64, worked out independently of the crate.
const PDF_BASE64: &str = "JVBERi0xLjQKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyA+PgplbmRvYmoKdHJhaWxlcgo8PCAvUm9vdCAxIDAgUiA+PgolJUVPRgo=";
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

#[tokio::test]
async fn attachments_reach_the_model_as_input_file_and_input_image() {
    let stand_in = StandIn::start(vec![text_reply(&["Got ", "them."])]).await;
    let store: Arc<dyn Store<Session>> = Arc::new(MemoryStore::new());
    let config = ModelConfig::new("gpt-test")
        .api_key("sk-test")
        .base_url(&stand_in.base_url)
        .retry_delay(Duration::from_millis(5));
    let uploads = in_memory_uploads("/attachments");
    let server =
        model_server_with_uploads(Arc::clone(&store), config, uploads.clone()).expect("a client");
    let router = chatkit_actions::http::router(server, "/chatkit")
        .nest("/attachments", routes::router(uploads, Arc::clone(&store)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let post = |body: Value| {
        client
            .post(format!("http://{address}/chatkit"))
            .header("content-type", "application/json")
            .header("x-user-id", "ada")
            .body(body.to_string())
            .send()
    };

    // The two-phase upload of each file, as the ChatKit client does it.
    let mut ids = Vec::new();
    for (name, mime_type, bytes) in [
        ("report.pdf", "application/pdf", PDF),
        ("pixel.png", "image/png", PNG),
    ] {
        let created: Value = post(json!({"type": "attachments.create", "params": {
            "name": name, "size": bytes.len(), "mime_type": mime_type,
        }}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let url = created["upload_descriptor"]["url"]
            .as_str()
            .expect("an upload URL");
        let uploaded = client
            .post(format!("http://{address}{url}"))
            .header("x-user-id", "ada")
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert!(
            uploaded.status().is_success(),
            "{}",
            uploaded.text().await.unwrap()
        );
        ids.push(created["id"].as_str().unwrap().to_owned());
    }

    let response = post(json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": "what is in these?"}],
        "attachments": ids, "inference_options": {},
    }}}))
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let events = sse_events(&response.text().await.unwrap());
    assert_eq!(
        events.last().unwrap()["item"]["content"][0]["text"],
        "Got them."
    );

    // The model received the bytes: the PDF as `input_file`, the PNG as `input_image`.
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 1);
    let input = requests[0]["input"].as_array().unwrap();
    assert_eq!(
        input[0]["content"],
        json!([
            {"type": "input_text", "text": "what is in these?"},
            {
                "type": "input_file",
                "filename": "report.pdf",
                "file_data": format!("data:application/pdf;base64,{PDF_BASE64}"),
            },
            {
                "type": "input_image",
                "image_url": format!("data:image/png;base64,{PNG_BASE64}"),
                "detail": "auto",
            },
        ])
    );
}
