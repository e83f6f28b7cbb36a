use chatkit_actions::Action;

struct NotSerde;

#[derive(Action)]
enum AppAction {
    Save(NotSerde),
}

fn main() {}
