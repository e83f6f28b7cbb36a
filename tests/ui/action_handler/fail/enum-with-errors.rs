// A mistake in the enum is reported once, by the derive: the handler impl adds no error.
use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    #[action(loading = "spinner")]
    Refresh,
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn refresh(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx;
        Ok(())
    }
}

fn main() {
    let _ = App::refresh;
}
