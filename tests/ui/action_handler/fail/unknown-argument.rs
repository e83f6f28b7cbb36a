use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    #[action(handler = "client")]
    Copy,
}

struct App;

#[action_handler(AppAction, ctx = ())]
impl App {}

fn main() {}
