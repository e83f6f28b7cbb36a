use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Refresh,
}

// The item is kept as written, so its uses add no error.
#[action_handler(AppAction)]
fn refresh() {}

fn main() {
    refresh();
}
