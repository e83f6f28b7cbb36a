use chatkit_actions::widget::WidgetData;

// The schema's `todos` items are objects (`$defs/todo`), not strings.
#[derive(serde::Serialize, WidgetData)]
#[widget(file = "../todo.widget")]
struct Todos {
    count: u32,
    todos: Vec<String>,
    refresh: serde_json::Value,
}

fn main() {}
