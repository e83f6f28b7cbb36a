use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    SetCount { count: i64 },
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn set_count(&self, amount: i64, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_hidden_context(format!("{amount}")).await
    }
}

fn main() {}
