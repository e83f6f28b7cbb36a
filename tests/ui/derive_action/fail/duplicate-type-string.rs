use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    Save,
    #[action(rename = "save")]
    SaveAgain,
}

fn main() {}
