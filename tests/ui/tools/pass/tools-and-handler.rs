use chatkit_actions::handler::{ActionContext, HandlerError};
use chatkit_actions::model::{ToolHandler, ToolOutput, Tools as _};

mod app {
    // The crate under another name, as a re-exporting crate names it.
    pub extern crate chatkit_actions as kit;
}

#[derive(serde::Deserialize, schemars::JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
struct Search {
    query: String,
}

#[derive(app::kit::Tools, Debug)]
#[tool(crate = "app::kit")]
enum TodoTool {
    /// Adds a todo.
    AddTodo {
        /// The title.
        title: String,
        note: Option<String>,
    },
    /// Finds todos.
    Search(Search),
    #[tool(description = "Lists the todos.", rename = "list")]
    ListTodos,
    /// Asks the user for a color.
    #[tool(client)]
    PickColor { prompt: String },
}

struct Session;

struct Todos;

#[app::kit::tool_handler(TodoTool, context = Session, crate = "app::kit")]
impl Todos {
    async fn add_todo(
        &self,
        title: String,
        _note: Option<String>,
        cx: &mut ActionContext<Session>,
    ) -> Result<ToolOutput, HandlerError> {
        let _ = cx;
        Ok(ToolOutput::text(title))
    }

    async fn search(
        &self,
        arguments: Search,
        _: &mut ActionContext<Session>,
    ) -> Result<ToolOutput, HandlerError> {
        Ok(ToolOutput::text(arguments.query))
    }

    async fn list_todos(&self, _cx: &mut ActionContext<Session>) -> Result<ToolOutput, HandlerError> {
        Ok(ToolOutput::text("none"))
    }
}

fn handles<H: ToolHandler<Session, Tools = TodoTool>>(_: H) {}

fn main() {
    handles(Todos);
    assert_eq!(TodoTool::definitions().len(), 4);
}
