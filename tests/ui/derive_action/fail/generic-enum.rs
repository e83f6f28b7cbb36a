use chatkit_actions::Action;

#[derive(Action)]
enum AppAction<T> {
    Save(T),
}

fn main() {}
