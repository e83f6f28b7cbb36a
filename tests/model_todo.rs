//! The todo backend with its model, end to end over HTTP against a Responses API stand-in
//! on loopback: "add buy milk" → the model calls `add_todo` → the todo's card → the model's
//! answer streamed in deltas; the todo persists, and the second request carries the tool's
//! output and the card.

mod model_support;

use std::sync::Arc;
use std::time::Duration;

use chatkit_actions::model::ModelConfig;
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_examples::todo::Session;
use chatkit_examples::todo::assistant::{INSTRUCTIONS, model_server};
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
