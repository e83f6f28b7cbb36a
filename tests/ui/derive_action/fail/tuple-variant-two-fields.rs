use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    Move(i64, i64),
}

fn main() {}
