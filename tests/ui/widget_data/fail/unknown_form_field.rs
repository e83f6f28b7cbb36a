use chatkit_actions::Action;
use chatkit_actions::widget::WidgetData;

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
#[widget(file = "typo_field.widget", actions = TodoAction)]
struct Todos {
    count: u32,
    todos: Vec<serde_json::Value>,
    refresh: serde_json::Value,
}

fn main() {}
