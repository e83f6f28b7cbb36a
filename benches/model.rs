//! The model in the loop: mapping 1,000 upstream `response.output_text.delta` events into
//! ChatKit SSE frames, against the floor of only parsing the same events with `serde_json`;
//! and the time to first token through the framework against a plain HTTP client, both on
//! the loopback Responses API stand-in of the tests.
//!
//! `cargo bench --bench model -- --warm-up-time 1 --measurement-time 3`

#[path = "../tests/model_support/mod.rs"]
mod model_support;

use std::hint::black_box;
use std::time::Duration;

use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::model::{Agent, ModelClient, ModelConfig, ResponseMapper, UpstreamEvent};
use chatkit_actions::server::{ChatKitServer, Processed, sse_frame};
use chatkit_actions::store::{MemoryStore, StoreItemType};
use chatkit_actions::thread::ThreadStreamEvent;
use chatkit_actions::{Action, action_handler};
use criterion::{Criterion, Throughput};
use model_support::{StandIn, text_delta, text_reply};
use serde::Deserialize;
use serde_json::Value;

const EVENTS: usize = 1_000;

/// A typed floor: the fields of a text delta, borrowed.
#[derive(Deserialize)]
#[expect(dead_code, reason = "only parsed")]
struct TextDeltaFloor<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    item_id: &'a str,
    content_index: usize,
    #[serde(borrow)]
    delta: std::borrow::Cow<'a, str>,
    sequence_number: u64,
}

/// The `data:` of 1,000 deltas of a few words each, as the API sends them.
fn deltas() -> Vec<String> {
    (0..EVENTS)
        .map(|n| {
            let mut event = text_delta("msg_68a1f0c2e4b88193a5d2", &format!(" word{n} and"));
            event["sequence_number"] = n.into();
            event.to_string()
        })
        .collect()
}

/// A mapper with the message already open, and its id generator.
fn open_mapper() -> ResponseMapper {
    let mut mapper = ResponseMapper::new("thr_1");
    let added = UpstreamEvent::parse(
        "response.output_item.added",
        &model_support::message_added("msg_68a1f0c2e4b88193a5d2", 0).to_string(),
    )
    .unwrap();
    let mut out = Vec::new();
    mapper
        .map(added, &mut |_| "msg_1".to_owned(), &mut out)
        .unwrap();
    mapper
}

fn mapping(c: &mut Criterion) {
    let data = deltas();
    // The mapping produces one text delta frame per event.
    let mut mapper = open_mapper();
    let mut out = Vec::new();
    for json in &data {
        let event = UpstreamEvent::parse("response.output_text.delta", json).unwrap();
        mapper
            .map(event, &mut |_| unreachable!(), &mut out)
            .unwrap();
    }
    assert_eq!(out.len(), EVENTS);
    assert!(
        sse_frame(&out[0])
            .unwrap()
            .starts_with(b"data: {\"type\":\"thread.item.updated\"")
    );

    let mut group = c.benchmark_group("model_mapping");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("floor_parse_value", |b| {
        b.iter(|| {
            for json in &data {
                black_box(serde_json::from_str::<Value>(black_box(json)).unwrap());
            }
        });
    });
    group.bench_function("floor_parse_typed", |b| {
        b.iter(|| {
            for json in &data {
                black_box(serde_json::from_str::<TextDeltaFloor<'_>>(black_box(json)).unwrap());
            }
        });
    });
    group.bench_function("map_to_sse_frames", |b| {
        let mut mapper = open_mapper();
        let mut out = Vec::with_capacity(1);
        b.iter(|| {
            for json in &data {
                let event =
                    UpstreamEvent::parse("response.output_text.delta", black_box(json)).unwrap();
                mapper
                    .map(event, &mut |_| unreachable!(), &mut out)
                    .unwrap();
                for event in out.drain(..) {
                    black_box(sse_frame(&event).unwrap());
                }
            }
        });
    });
    group.finish();
}

#[derive(Action, Debug)]
enum NoAction {
    Nothing,
}

struct App;

#[action_handler(NoAction)]
impl App {
    async fn nothing(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx.new_item_id(StoreItemType::Message);
        Ok(())
    }
}

/// Time to first token: a new thread's message through the framework until the first
/// `text_delta` event, against a plain HTTP client reading the stand-in's first delta.
fn first_token(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (stand_in, server, http) = runtime.block_on(async {
        let stand_in = StandIn::repeating(|| text_reply(&["Hi", " there"])).await;
        let config = ModelConfig::new("gpt-test")
            .api_key("sk-test")
            .base_url(&stand_in.base_url)
            .timeout(Duration::from_secs(5));
        let agent = Agent::new(ModelClient::new(config).unwrap());
        let server = ChatKitServer::new(MemoryStore::new(), App).respond_with(agent);
        (stand_in, server, reqwest::Client::new())
    });
    let create = serde_json::json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": "hi"}], "attachments": [], "inference_options": {},
    }}})
    .to_string();
    let url = format!("{}/responses", stand_in.base_url);
    let body = serde_json::json!({"model": "gpt-test", "input": "hi", "stream": true}).to_string();

    let framework = || async {
        let Processed::Stream(mut events) = server.process(create.as_bytes(), ()).await.unwrap()
        else {
            unreachable!()
        };
        while let Some(event) = events.next_event().await {
            if matches!(event, ThreadStreamEvent::ItemUpdated { .. })
                && serde_json::to_value(&event).unwrap()["update"]["type"]
                    == "assistant_message.content_part.text_delta"
            {
                return;
            }
        }
        panic!("no text delta");
    };
    let raw = || async {
        let mut response = http.post(&url).body(body.clone()).send().await.unwrap();
        let mut seen = Vec::new();
        while let Some(chunk) = response.chunk().await.unwrap() {
            seen.extend_from_slice(&chunk);
            if seen.windows(17).any(|w| w == b"output_text.delta") {
                return;
            }
        }
        panic!("no text delta");
    };
    runtime.block_on(framework());
    runtime.block_on(raw());

    let mut group = c.benchmark_group("model_first_token");
    group.bench_function("raw_http_client", |b| b.iter(|| runtime.block_on(raw())));
    group.bench_function("framework", |b| b.iter(|| runtime.block_on(framework())));
    group.finish();
}

// `criterion_group!` would define an undocumented public fn; this is what it expands to.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    mapping(&mut criterion);
    first_token(&mut criterion);
    criterion.final_summary();
}
