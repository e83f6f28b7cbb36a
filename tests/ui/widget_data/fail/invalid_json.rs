use chatkit_actions::widget::WidgetData;

#[derive(serde::Serialize, WidgetData)]
#[widget(file = "invalid.widget")]
struct Todos {
    count: u32,
    todos: Vec<serde_json::Value>,
    refresh: serde_json::Value,
}

fn main() {}
