use chatkit_actions::{Action, SingleAction};

#[derive(Action, Debug)]
#[action(type = "sign_in")]
struct SignIn {
    user: String,
    #[action(sensitive, form)]
    #[serde(rename = "pwd")]
    password: String,
}

#[derive(Action, Debug)]
enum AppAction {
    #[action(typed)]
    SignIn(SignIn),
    Pay {
        #[action(sensitive)]
        card_number: String,
        #[action(form)]
        note: String,
    },
}

fn main() {
    assert_eq!(SignIn::SPEC.sensitive, ["pwd"]);
    assert_eq!(SignIn::SPEC.form_fields, ["pwd"]);
    assert_eq!(AppAction::SPECS[0].sensitive, ["pwd"]);
    assert_eq!(AppAction::SPECS[1].sensitive, ["card_number"]);
    assert_eq!(AppAction::SPECS[1].form_fields, ["note"]);
}
