use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    AddTodo(String),
    UpdateTodo { id: String, title: String },
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn add_todo(&self, title: String, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (title, cx);
        Ok(())
    }
}

fn main() {}
