use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Rename { id: String, title: String },
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn rename(&self, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_hidden_context(id).await
    }
}

fn main() {}
