use chatkit_actions::handler::{ActionContext, HandlerError};
use chatkit_actions::model::ToolOutput;
use chatkit_actions::{Tools, tool_handler};

#[derive(Tools, Debug)]
enum TodoTool {
    /// Lists the todos.
    ListTodos,
    /// Asks the user for a color.
    #[tool(client)]
    PickColor { prompt: String },
}

struct Todos;

#[tool_handler(TodoTool)]
impl Todos {
    async fn list_todo(&self, cx: &mut ActionContext<()>) -> Result<ToolOutput, HandlerError> {
        let _ = cx;
        Ok(ToolOutput::text("none"))
    }

    async fn pick_color(
        &self,
        prompt: String,
        cx: &mut ActionContext<()>,
    ) -> Result<ToolOutput, HandlerError> {
        let _ = (prompt, cx);
        Ok(ToolOutput::text("red"))
    }
}

fn main() {}
