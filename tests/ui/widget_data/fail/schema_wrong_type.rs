use chatkit_actions::widget::WidgetData;

#[derive(serde::Serialize, WidgetData)]
#[widget(file = "../todo.widget")]
struct Todos {
    title: String,
    count: String,
    todos: Vec<serde_json::Value>,
    refresh: serde_json::Value,
}

fn main() {}
