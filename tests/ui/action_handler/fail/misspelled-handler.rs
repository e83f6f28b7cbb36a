use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Refresh,
    RefreshAll,
}

struct App;

#[action_handler(AppAction)]
impl App {
    async fn refresh(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx;
        Ok(())
    }

    async fn refesh_all(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx;
        Ok(())
    }
}

fn main() {}
