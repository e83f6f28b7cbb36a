//! A Responses API stand-in on loopback: it records each request body and answers with the
//! next scripted reply, framed as the real API frames its stream (`event: <type>` then
//! `data: <json>` with a `sequence_number` counting from 0).

#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::stream;
use serde_json::{Value, json};

/// One scripted answer.
pub enum Reply {
    /// A 200 stream of these events (each has its `type`; the stand-in numbers them).
    Events(Vec<Value>),
    /// An HTTP error with the API's error body.
    Status(u16, &'static str),
    /// Text deltas every 10 ms until the client goes away.
    Endless,
}

#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Value>>,
    authorization: Mutex<Vec<String>>,
    sent: Mutex<Vec<Value>>,
    closed: AtomicBool,
    /// The reply once the script is exhausted (nothing is recorded then).
    repeat: Option<fn() -> Reply>,
}

/// The running stand-in.
pub struct StandIn {
    /// `http://127.0.0.1:<port>/v1`.
    pub base_url: String,
    script: Arc<Script>,
}

impl StandIn {
    /// Serves `replies` in order.
    pub async fn start(replies: Vec<Reply>) -> StandIn {
        StandIn::serve(Script {
            replies: Mutex::new(replies.into()),
            ..Script::default()
        })
        .await
    }

    /// Serves `reply()` to every request, recording nothing (for benchmarks).
    pub async fn repeating(reply: fn() -> Reply) -> StandIn {
        StandIn::serve(Script {
            repeat: Some(reply),
            ..Script::default()
        })
        .await
    }

    async fn serve(script: Script) -> StandIn {
        let script = Arc::new(script);
        let router = axum::Router::new()
            .route("/v1/responses", post(responses))
            .with_state(Arc::clone(&script));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        StandIn {
            base_url: format!("http://{address}/v1"),
            script,
        }
    }

    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.script.requests.lock().unwrap().clone()
    }

    /// The `Authorization` headers received so far.
    pub fn authorization(&self) -> Vec<String> {
        self.script.authorization.lock().unwrap().clone()
    }

    /// Every event sent in a scripted stream, numbered as sent.
    pub fn sent(&self) -> Vec<Value> {
        self.script.sent.lock().unwrap().clone()
    }

    /// Whether an endless stream's connection was closed by the client.
    pub fn closed(&self) -> bool {
        self.script.closed.load(Ordering::SeqCst)
    }
}

async fn responses(
    State(script): State<Arc<Script>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let body: Value = serde_json::from_str(&body).expect("the client sends JSON");
    if let Some(repeat) = script.repeat {
        let Reply::Events(events) = repeat() else {
            unreachable!("only event streams repeat")
        };
        let frames: String = events
            .into_iter()
            .enumerate()
            .map(|(sequence, event)| frame(event, sequence))
            .collect();
        return sse(Body::from(frames));
    }
    script.requests.lock().unwrap().push(body);
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        script.authorization.lock().unwrap().push(auth.to_owned());
    }
    let reply = script.replies.lock().unwrap().pop_front();
    match reply {
        None => (StatusCode::INTERNAL_SERVER_ERROR, "no reply scripted").into_response(),
        Some(Reply::Status(status, message)) => (
            StatusCode::from_u16(status).expect("a status"),
            [("content-type", "application/json")],
            json!({"error": {"message": message, "type": "requests", "code": "rate_limit_exceeded", "param": null}})
                .to_string(),
        )
            .into_response(),
        Some(Reply::Events(events)) => {
            let mut sent = script.sent.lock().unwrap();
            let frames: String = events
                .into_iter()
                .enumerate()
                .map(|(sequence, mut event)| {
                    event["sequence_number"] = json!(sequence);
                    sent.push(event.clone());
                    frame(event, sequence)
                })
                .collect();
            sse(Body::from(frames))
        }
        Some(Reply::Endless) => {
            let guard = CloseGuard(Arc::clone(&script));
            let start = [
                created(),
                message_added("msg_up", 0),
                part_added("msg_up", "output_text"),
            ];
            let head: String = start
                .into_iter()
                .enumerate()
                .map(|(sequence, event)| frame(event, sequence))
                .collect();
            let frames = stream::unfold((guard, 0usize), move |(guard, n)| {
                let head = head.clone();
                async move {
                    if n > 0 {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    let chunk = if n == 0 {
                        head
                    } else {
                        frame(text_delta("msg_up", "."), n + 2)
                    };
                    Some((Ok::<_, Infallible>(chunk), (guard, n + 1)))
                }
            });
            sse(Body::from_stream(frames))
        }
    }
}

/// Set when the endless stream is dropped: the client closed the connection.
struct CloseGuard(Arc<Script>);

impl Drop for CloseGuard {
    fn drop(&mut self) {
        self.0.closed.store(true, Ordering::SeqCst);
    }
}

fn sse(body: Body) -> Response {
    (
        [
            ("content-type", "text/event-stream"),
            ("cache-control", "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `event: <type>\ndata: <json with sequence_number>\n\n`.
pub fn frame(mut event: Value, sequence: usize) -> String {
    event["sequence_number"] = json!(sequence);
    let kind = event["type"].as_str().expect("a type").to_owned();
    format!("event: {kind}\ndata: {event}\n\n")
}

/// The `response` object of `response.created` / `.completed` / `.failed`.
pub fn response(status: &str, output: &Value) -> Value {
    json!({
        "id": "resp_1", "object": "response", "created_at": 1_760_000_000, "status": status,
        "model": "gpt-test", "output": output, "parallel_tool_calls": true,
        "tool_choice": "auto", "tools": [], "error": null, "incomplete_details": null,
        "instructions": null, "metadata": {}, "temperature": 1.0, "top_p": 1.0,
    })
}

pub fn created() -> Value {
    json!({"type": "response.created", "response": response("in_progress", &json!([]))})
}

pub fn in_progress() -> Value {
    json!({"type": "response.in_progress", "response": response("in_progress", &json!([]))})
}

pub fn completed() -> Value {
    let mut done = response("completed", &json!([]));
    done["usage"] = json!({"input_tokens": 10, "output_tokens": 5, "total_tokens": 15,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}});
    json!({"type": "response.completed", "response": done})
}

pub fn message_added(id: &str, output_index: usize) -> Value {
    json!({"type": "response.output_item.added", "output_index": output_index, "item": {
        "type": "message", "id": id, "role": "assistant", "status": "in_progress", "content": [],
    }})
}

pub fn part_added(id: &str, kind: &str) -> Value {
    let part = if kind == "refusal" {
        json!({"type": "refusal", "refusal": ""})
    } else {
        json!({"type": "output_text", "text": "", "annotations": []})
    };
    json!({"type": "response.content_part.added", "item_id": id, "output_index": 0, "content_index": 0, "part": part})
}

pub fn text_delta(id: &str, delta: &str) -> Value {
    json!({"type": "response.output_text.delta", "item_id": id, "output_index": 0,
        "content_index": 0, "delta": delta, "logprobs": []})
}

/// A complete message in deltas: added, part added, deltas, text done, part done, item done.
pub fn message(id: &str, deltas: &[&str], annotations: &[Value]) -> Vec<Value> {
    let text: String = deltas.concat();
    let part = json!({"type": "output_text", "text": text, "annotations": annotations});
    let mut events = vec![message_added(id, 0), part_added(id, "output_text")];
    events.extend(deltas.iter().map(|delta| text_delta(id, delta)));
    for (index, annotation) in annotations.iter().enumerate() {
        events.push(json!({"type": "response.output_text.annotation.added", "item_id": id,
            "output_index": 0, "content_index": 0, "annotation_index": index, "annotation": annotation}));
    }
    events.push(
        json!({"type": "response.output_text.done", "item_id": id, "output_index": 0,
        "content_index": 0, "text": text, "logprobs": []}),
    );
    events.push(
        json!({"type": "response.content_part.done", "item_id": id, "output_index": 0,
        "content_index": 0, "part": part}),
    );
    events.push(json!({"type": "response.output_item.done", "output_index": 0, "item": {
        "type": "message", "id": id, "role": "assistant", "status": "completed", "content": [part],
    }}));
    events
}

/// A function call streamed in two argument deltas.
pub fn function_call(call_id: &str, name: &str, arguments: &str) -> Vec<Value> {
    let id = format!("fc_{call_id}");
    let (first, second) = arguments.split_at(arguments.len() / 2);
    vec![
        json!({"type": "response.output_item.added", "output_index": 0, "item": {
            "type": "function_call", "id": id, "call_id": call_id, "name": name,
            "arguments": "", "status": "in_progress"}}),
        json!({"type": "response.function_call_arguments.delta", "item_id": id, "output_index": 0, "delta": first}),
        json!({"type": "response.function_call_arguments.delta", "item_id": id, "output_index": 0, "delta": second}),
        json!({"type": "response.function_call_arguments.done", "item_id": id, "output_index": 0, "arguments": arguments}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {
            "type": "function_call", "id": id, "call_id": call_id, "name": name,
            "arguments": arguments, "status": "completed"}}),
    ]
}

/// `created`, `in_progress`, the events, `completed`.
pub fn full(events: Vec<Value>) -> Reply {
    let mut all = vec![created(), in_progress()];
    all.extend(events);
    all.push(completed());
    Reply::Events(all)
}

/// A whole text answer.
pub fn text_reply(deltas: &[&str]) -> Reply {
    full(message("msg_up1", deltas, &[]))
}
