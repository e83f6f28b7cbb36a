use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Refresh,
}

struct App;

// The bad argument is reported once, and the impl is still checked and implemented.
#[action_handler(AppAction, context = (), context = ())]
impl App {
    async fn refresh(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx;
        Ok(())
    }
}

fn assert_handler<H: chatkit_actions::handler::ActionHandler>() {}

fn main() {
    assert_handler::<App>();
}
