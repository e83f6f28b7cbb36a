use chatkit_actions::Action;

#[derive(Action)]
union AppAction {
    a: u32,
    b: f32,
}

fn main() {}
