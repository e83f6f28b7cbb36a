use chatkit_actions::handler::{ActionContext, HandlerError};
use chatkit_actions::model::ToolOutput;
use chatkit_actions::{Tools, tool_handler};

#[derive(Tools, Debug)]
enum TodoTool {
    /// Adds a todo.
    AddTodo { title: String },
    /// Lists the todos.
    ListTodos,
    /// Completes a todo.
    CompleteTodo { id: u64, note: Option<String> },
    /// Asks the user for a color.
    #[tool(client)]
    PickColor { prompt: String },
}

struct Session;
struct Todos;

#[tool_handler(TodoTool, context = Session)]
impl Todos {
    async fn list_todos(&self, cx: &mut ActionContext<Session>) -> Result<ToolOutput, HandlerError> {
        let _ = cx;
        Ok(ToolOutput::text("none"))
    }
}

fn main() {}
