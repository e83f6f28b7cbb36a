// This impl handled every action of the enum until `Archive` was added to it: the build
// now fails, naming the new action, instead of the action failing in production.
use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Complete { id: String },
    Delete { id: String },
    #[action(rename = "todo.archive")]
    Archive { id: String },
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn complete(&self, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (id, cx);
        Ok(())
    }

    async fn delete(&self, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (id, cx);
        Ok(())
    }
}

fn main() {}
