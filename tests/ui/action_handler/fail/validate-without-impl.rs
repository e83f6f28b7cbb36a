use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Rename { title: String },
}

struct App;

#[action_handler(AppAction, validate)]
impl App {
    async fn rename(&self, title: String, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (title, cx);
        Ok(())
    }
}

fn main() {}
