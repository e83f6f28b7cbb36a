use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    #[action(handler = "browser")]
    Copy,
}

fn main() {}
