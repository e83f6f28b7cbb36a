use chatkit_actions::handler::{ActionContext, HandlerError};
use chatkit_actions::model::ToolOutput;
use chatkit_actions::{Tools, tool_handler};

#[derive(Tools, Debug)]
enum TodoTool {
    /// Adds a todo.
    AddTodo { title: String, due: Option<String> },
}

struct Todos;

#[tool_handler(TodoTool)]
impl Todos {
    async fn add_todo(
        &self,
        name: String,
        due: Option<String>,
        cx: &mut ActionContext<()>,
    ) -> Result<ToolOutput, HandlerError> {
        let _ = (name, due, cx);
        Ok(ToolOutput::text("added"))
    }
}

fn main() {}
