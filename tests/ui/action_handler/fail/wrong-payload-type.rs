use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    SetCount(i64),
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn set_count(&self, count: String, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (count, cx);
        Ok(())
    }
}

fn main() {}
