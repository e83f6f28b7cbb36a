use chatkit_actions::{Action, ActionTypes};

#[derive(serde::Serialize, serde::Deserialize)]
struct Coupon {
    code: String,
}

#[derive(Action, ActionTypes)]
enum ShopAction {
    Apply(Coupon),
}

fn main() {}
