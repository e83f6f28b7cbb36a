use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    #[action(renmae = "x")]
    Example,
}

fn main() {}
