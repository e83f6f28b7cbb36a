use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    #[action(loading = "spinner")]
    Save,
}

fn main() {}
