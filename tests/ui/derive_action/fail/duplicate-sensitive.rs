use chatkit_actions::Action;

#[derive(Action)]
enum AppAction {
    SignIn {
        user: String,
        #[action(sensitive, sensitive)]
        password: String,
    },
}

fn main() {}
