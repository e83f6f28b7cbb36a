use chatkit_actions::Action;

#[derive(Action)]
#[action(rename_all = "snake")]
enum AppAction {
    Save,
}

fn main() {}
