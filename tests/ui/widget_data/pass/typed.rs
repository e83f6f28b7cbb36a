//! The data of `todo.widget`, typed: the struct matches the schema, the nested struct is
//! checked at its schema path, the literal actions are types of `TodoAction` and the form
//! field is one of `AddTodo`'s form fields.

use chatkit_actions::widget::{WidgetData, WidgetRoot};
use chatkit_actions::{Action, ActionConfig};

#[derive(Action, Debug)]
enum TodoAction {
    Toggle {
        id: u64,
    },
    Refresh,
    AddTodo {
        #[action(form)]
        #[serde(default)]
        title: String,
    },
}

#[derive(serde::Serialize, WidgetData)]
#[widget(file = "../todo.widget", actions = TodoAction)]
struct Todos {
    title: Option<String>,
    count: u32,
    todos: Vec<Todo>,
    refresh: ActionConfig,
}

#[derive(serde::Serialize, WidgetData)]
#[widget(file = "../todo.widget", schema = "/$defs/todo")]
struct Todo {
    id: u64,
    title: String,
    done: bool,
}

fn main() {
    let data = Todos {
        title: None,
        count: 1,
        todos: vec![Todo { id: 7, title: "Milk".into(), done: false }],
        refresh: ActionConfig::create(TodoAction::Refresh),
    };
    let root = data.build().expect("builds");
    let WidgetRoot::Card(card) = &root else { panic!("a Card") };
    assert_eq!(card.children.len(), 5);
    let types: Vec<String> = root.action_sites().into_iter().map(|site| site.action.action_type).collect();
    assert_eq!(types, ["toggle", "refresh", "add_todo"]);
    assert_eq!(root.check(), Ok(()));
}
