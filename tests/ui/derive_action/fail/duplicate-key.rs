use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    #[action(rename = "a", rename = "b")]
    Save,
}

fn main() {}
