use chatkit_actions::Action;

#[derive(Action)]
#[action(handler = "client")]
enum AppAction {
    #[action(rename_all = "kebab-case")]
    Save,
}

fn main() {}
