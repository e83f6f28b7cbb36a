// A payload struct that carries its own type string, alone and inside an enum.
use chatkit_actions::{Action, ActionConfig, SingleAction};

#[derive(Action, Debug, PartialEq)]
#[action(type = "example", loading = "self")]
struct ExamplePayload {
    id: i64,
}

#[derive(Action, Debug, PartialEq)]
#[action(rename_all = "kebab-case")]
enum AppAction {
    #[action(typed)]
    Example(ExamplePayload),
    OtherThing,
}

fn main() {
    assert_eq!(ExamplePayload::SPEC.action_type, "example");
    let config = ActionConfig::create(ExamplePayload { id: 123 });
    assert_eq!(config.action_type, "example");
    assert_eq!(AppAction::TYPES, ["example", "other-thing"]);
    let config = ActionConfig::create(AppAction::Example(ExamplePayload { id: 1 }));
    assert_eq!(config.loading_behavior, chatkit_actions::LoadingBehavior::SelfNode);
}
