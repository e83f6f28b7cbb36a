use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum WizardAction {
    Continue,
    Move { to: String },
}

struct Wizard;

#[action_handler(WizardAction)]
impl Wizard {}

fn main() {}
