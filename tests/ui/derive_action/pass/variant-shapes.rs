// Unit, newtype and struct variants, options on each, and the wire form of each.
use chatkit_actions::{Action, ActionConfig, Handler, LoadingBehavior};

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Todo {
    title: String,
}

#[derive(Action, Debug, PartialEq)]
enum AppAction {
    Refresh,
    AddTodo(Todo),
    UpdateTodo {
        id: String,
        #[serde(default)]
        title: String,
    },
    #[action(handler = "client", loading = "container", streaming = false)]
    CopyText(String),
}

fn main() {
    let action: AppAction = serde_json::from_str(r#"{"type":"refresh"}"#).unwrap();
    assert_eq!(action, AppAction::Refresh);
    let action: AppAction =
        serde_json::from_str(r#"{"payload":{"id":"t1"},"type":"update_todo"}"#).unwrap();
    assert_eq!(action, AppAction::UpdateTodo { id: "t1".into(), title: String::new() });
    let config = ActionConfig::create(AppAction::CopyText("hi".into()));
    assert_eq!(config.handler, Handler::Client);
    assert_eq!(config.loading_behavior, LoadingBehavior::Container);
    assert!(!config.streaming);
    assert_eq!(AppAction::TYPES, ["refresh", "add_todo", "update_todo", "copy_text"]);
}
