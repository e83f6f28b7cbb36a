use chatkit_actions::widget::WidgetData;

// `count` is required by the schema.
#[derive(serde::Serialize, WidgetData)]
#[widget(file = "../todo.widget")]
struct Todos {
    title: String,
    todos: Vec<serde_json::Value>,
    refresh: serde_json::Value,
}

fn main() {}
