// `#[action(form)]` fields are filled in by the client's form: the server never writes them
// into the payload it puts in a widget, and the handler receives them like any field.
use chatkit_actions::widget::{Card, EditableProps, Text, WidgetRoot};
use chatkit_actions::{Action, ActionConfig};

#[derive(Action, Debug, PartialEq)]
enum AppAction {
    UpdateTodo {
        id: String,
        #[action(form)]
        title: String,
    },
}

fn main() {
    let action = AppAction::UpdateTodo { id: "t1".into(), title: String::new() };
    let config = ActionConfig::create(action);
    assert_eq!(config.payload, Some(serde_json::json!({"id": "t1"})));
    let card: WidgetRoot = Card::new()
        .as_form(true)
        .child(Text::new("Buy milk").editable(EditableProps::new("title")))
        .confirm("Save", config)
        .into();
    assert!(card.check().is_ok());
    let sent: AppAction =
        serde_json::from_str(r#"{"type":"update_todo","payload":{"id":"t1","title":"Oat milk"}}"#).unwrap();
    assert_eq!(sent, AppAction::UpdateTodo { id: "t1".into(), title: "Oat milk".into() });
}
