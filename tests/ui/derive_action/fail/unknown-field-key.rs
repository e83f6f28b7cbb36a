use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    UpdateTodo {
        id: String,
        #[action(from_form)]
        title: String,
    },
}

fn main() {}
