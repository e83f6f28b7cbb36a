use chatkit_actions::{Action, ActionTypes};

#[derive(serde::Serialize, serde::Deserialize)]
struct Money(u64);

#[derive(Action, ActionTypes)]
enum ShopAction {
    Pay { amount: Money },
}

fn main() {}
