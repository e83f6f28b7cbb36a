use chatkit_actions::{Action, ActionTypes};

#[derive(Action)]
#[action(type = "rate")]
struct Rate {
    stars: u8,
}

#[derive(Action, ActionTypes)]
enum ShopAction {
    #[action(typed)]
    Rate(Rate),
}

fn main() {}
