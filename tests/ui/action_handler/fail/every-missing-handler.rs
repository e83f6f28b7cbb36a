use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Refresh,
    AddTodo(String),
    #[action(rename = "todo.archive")]
    Archive { id: String },
    #[action(streaming = false)]
    Toggle { id: String, done: bool },
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn refresh(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx;
        Ok(())
    }
}

fn main() {}
