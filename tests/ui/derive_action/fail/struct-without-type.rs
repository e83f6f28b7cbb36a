use chatkit_actions::Action;

#[derive(Action, serde::Serialize, serde::Deserialize)]
struct ExamplePayload {
    id: i64,
}

fn main() {}
