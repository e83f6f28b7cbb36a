use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Refresh,
}

struct App;

#[action_handler(AppAction)]
impl App {
    fn refresh(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx;
        Ok(())
    }
}

fn main() {}
