use chatkit_actions::Tools;

#[derive(Tools, Debug)]
enum TodoTool {
    /// Adds a todo.
    #[tool(clinet)]
    AddTodo { title: String },
    /// Lists the todos.
    #[tool(rename = "list", strict = false, name = "todos")]
    ListTodos,
}

fn main() {}
