use chatkit_actions::Tools;

#[derive(Tools, Debug)]
enum TodoTool {
    /// Moves a todo.
    MoveTodo(u64, u64),
    AddTodo { title: String },
}

fn main() {}
