use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    #[action(streaming = "false")]
    Save,
}

fn main() {}
