//! Request parsing: any bytes into `ChatKitServer::process` (over `MemoryStore`, one thread
//! `thr_1` present) must give a 4xx, a 501, JSON or a stream, never a panic or a 500.
#![no_main]

use std::sync::OnceLock;

use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::server::{ChatKitServer, Processed};
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_actions::thread::{ThreadMetadata, Timestamp};
use chatkit_actions::{Action, action_handler};
use libfuzzer_sys::fuzz_target;

#[derive(Action, Debug)]
enum FuzzAction {
    #[action(client_payload)]
    Increment { count: i64 },
    #[action(client_payload)]
    Rename { title: String, note: Option<String> },
    #[action(client_payload)]
    Refresh,
}

struct App;

#[action_handler(FuzzAction)]
impl App {
    async fn increment(&self, count: i64, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.thread_mut()
            .metadata
            .insert("count".to_owned(), count.into());
        Ok(())
    }
    async fn rename(
        &self,
        title: String,
        _note: Option<String>,
        cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        cx.thread_mut().title = Some(title);
        Ok(())
    }
    async fn refresh(&self, _cx: &mut ActionContext<()>) -> HandlerResult {
        Ok(())
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|body: &[u8]| {
    runtime().block_on(async {
        let store = MemoryStore::new();
        let thread = ThreadMetadata::new("thr_1", Timestamp::now());
        store.save_thread(&thread, &()).await.expect("save");
        let server = ChatKitServer::new(store, App);
        match server.process(body, ()).await {
            Ok(Processed::Stream(stream)) => {
                let _ = stream.collect_events().await;
            }
            Ok(Processed::Json(json)) => {
                assert!(serde_json::from_slice::<serde_json::Value>(&json).is_ok());
            }
            Err(error) => {
                let status = error.status();
                assert!(
                    (400..500).contains(&status) || status == 501,
                    "{status} {error}"
                );
            }
        }
    });
});
