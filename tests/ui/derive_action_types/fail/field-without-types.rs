use chatkit_actions::{Action, ActionTypes};

// Described for TypeScript, but not for JSON Schema.
#[derive(serde::Serialize, serde::Deserialize, ts_rs::TS)]
struct Money(u64);

#[derive(Action, ActionTypes)]
enum ShopAction {
    Pay { amount: Money },
}

fn main() {}
