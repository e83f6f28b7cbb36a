use chatkit_actions::Action;

#[derive(Action)]
struct ExamplePayload {
    id: i64,
}

fn main() {}
