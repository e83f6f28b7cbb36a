use chatkit_actions::ActionTypes;

#[derive(ActionTypes)]
enum ShopAction {
    Buy { id: u64 },
}

fn main() {}
