use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    #[action(typed)]
    Save { id: i64 },
}

fn main() {}
