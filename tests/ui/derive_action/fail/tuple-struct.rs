use chatkit_actions::Action;

#[derive(Action)]
#[action(type = "example")]
struct ExamplePayload(i64);

fn main() {}
