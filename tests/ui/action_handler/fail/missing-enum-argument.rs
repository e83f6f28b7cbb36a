use chatkit_actions::action_handler;

struct App;

#[action_handler]
impl App {}

fn main() {}
