// Handler parameters carry the payload's field names, in order; a leading `_` marks a field
// the handler does not use, and the context may be named freely.
use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Rename { id: String, title: String },
    Move { id: String, from: i64, to: i64 },
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn rename(&self, id: String, title: String, context: &mut ActionContext<()>) -> HandlerResult {
        context.add_hidden_context(format!("{id}: {title}")).await
    }

    async fn r#move(&self, id: String, _from: i64, mut to: i64, _cx: &mut ActionContext<()>) -> HandlerResult {
        to += 1;
        let _ = (id, to);
        Ok(())
    }
}

fn main() {}
