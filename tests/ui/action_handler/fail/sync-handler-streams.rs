// A `streaming = false` action is answered with one JSON value: its handler gets a
// `SyncActionContext` and returns the updated item, so it cannot stream events.
use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    #[action(streaming = false)]
    Toggle { id: String },
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn toggle(&self, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (id, cx);
        Ok(())
    }
}

fn main() {}
