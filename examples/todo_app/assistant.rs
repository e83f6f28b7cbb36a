//! [`TodoAssistant`]: the answer to user messages. With `OPENAI_API_KEY` set it is a model
//! ([`TodoModel`]: the thread, the `<USER_ACTION>` notes included, is its input, and it has
//! the tools `add_todo`, `list_todos` and `complete_todo`); without it, a small deterministic
//! command reader, so the example needs nothing to run.

use std::sync::{Arc, OnceLock};

use chatkit_actions::attachments::AttachmentReader;
use chatkit_actions::handler::{ActionContext, HandlerError, HandlerResult, Respond};
use chatkit_actions::model::{
    Agent, AttachmentConverter, ModelClient, ModelConfig, ModelError, ToolOutput,
};
use chatkit_actions::server::ChatKitServer;
use chatkit_actions::store::Store;
use chatkit_actions::thread::UserMessageItem;
use chatkit_actions::{Tools, tool_handler};
use serde_json::{Value, json};

use super::actions::TodoApp;

use super::session::Session;
use super::state::{Description, Title, TodoList};
use super::widgets;

/// The title a thread gets when it has none.
pub const THREAD_TITLE: &str = "Todos";

/// What the assistant understands.
pub const HELP: &str = "I keep a todo list for this conversation. Try:\n\
- **add** *title*: add a todo (**add** alone opens a form)\n\
- **list**: show the list; click a todo to edit it\n\
- **done** *n*: mark todo #*n* done\n\
- **clear done**: remove the done todos\n\
- **help**: this message";

/// The key of the conversation's counter in a thread's `metadata` (the `count` command, left
/// out of [`HELP`]: it is there for the replica tests, which send a thousand of them).
pub const COUNT_KEY: &str = "count";

/// A user message, read as a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `add <title>`.
    Add(String),
    /// `add` without a title: show the form.
    AddForm,
    /// `list`.
    List,
    /// `done <n>`.
    Done(u64),
    /// `done` followed by something that is not a todo number.
    DoneWithoutNumber,
    /// `clear done`.
    ClearDone,
    /// `count`: one more on the conversation's counter (a read-modify-write of the thread,
    /// as a click on a counter widget is; the replica tests send a thousand of them).
    Count,
    /// `help`, or anything else.
    Help,
}

impl Command {
    /// Reads a message: the first word is the command (in any case), the rest its argument.
    pub fn parse(text: &str) -> Command {
        let text = text.trim();
        let (word, rest) = text
            .split_once(char::is_whitespace)
            .map_or((text, ""), |(word, rest)| (word, rest.trim()));
        match word.to_ascii_lowercase().as_str() {
            "add" if rest.is_empty() => Command::AddForm,
            "add" => Command::Add(rest.to_owned()),
            "list" | "ls" | "show" => Command::List,
            "done" | "complete" => rest
                .trim_start_matches('#')
                .parse()
                .map_or(Command::DoneWithoutNumber, Command::Done),
            "clear" if rest.eq_ignore_ascii_case("done") => Command::ClearDone,
            "count" if rest.is_empty() => Command::Count,
            _ => Command::Help,
        }
    }
}

/// The todo backend's responder: reads commands from user messages and, after an action
/// hands over (`cx.respond()`), sums up the list.
#[derive(Debug, Clone, Copy, Default)]
pub struct TodoAssistant;

impl Respond<Session> for TodoAssistant {
    async fn respond(
        &self,
        input: Option<&UserMessageItem>,
        cx: &mut ActionContext<Session>,
    ) -> HandlerResult {
        if let Some(model) = TodoModel::from_env() {
            return model.respond(input, cx).await;
        }
        if cx.thread().title.is_none() {
            cx.thread_mut().title = Some(THREAD_TITLE.to_owned());
        }
        let Some(input) = input else {
            return summarize(cx).await;
        };
        let command = Command::parse(&input.text());
        tracing::debug!(user = %cx.request().user, ?command, "user message");
        let mut list = TodoList::load(&cx.thread().metadata);
        match command {
            Command::Add(title) => {
                let added =
                    Title::parse(&title).and_then(|title| list.add(title, Description::default()));
                match added {
                    Ok(todo) => {
                        list.save(&mut cx.thread_mut().metadata);
                        cx.add_assistant_message(format!(
                            "Added todo #{}: “{}”.",
                            todo.id, todo.title
                        ))
                        .await?;
                        cx.add_widget(widgets::todo_card(&todo)).await?;
                    }
                    Err(error) => {
                        cx.add_assistant_message(format!("I can't add that: {error}."))
                            .await?;
                    }
                }
            }
            Command::AddForm => {
                cx.add_widget(widgets::new_todo_card().map_err(HandlerError::internal)?)
                    .await?;
            }
            Command::Count => {
                let metadata = &mut cx.thread_mut().metadata;
                let count = metadata
                    .get(COUNT_KEY)
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
                    + 1;
                metadata.insert(COUNT_KEY.to_owned(), count.into());
                cx.add_assistant_message(format!("Count: {count}.")).await?;
            }
            Command::List => {
                cx.add_assistant_message(summary(&list)).await?;
                cx.add_widget(widgets::list_widget(&list)).await?;
            }
            Command::Done(id) => {
                let Some(todo) = list.get_mut(id) else {
                    cx.add_assistant_message(format!(
                        "There is no todo #{id}. Say “list” to see the numbers."
                    ))
                    .await?;
                    return Ok(());
                };
                let message = if todo.done {
                    format!("“{}” was already done.", todo.title)
                } else {
                    todo.done = true;
                    format!("Marked “{}” done.", todo.title)
                };
                list.save(&mut cx.thread_mut().metadata);
                cx.add_assistant_message(message).await?;
            }
            Command::DoneWithoutNumber => {
                cx.add_assistant_message("Which one? Say “done 2” to mark todo #2 done.")
                    .await?;
            }
            Command::ClearDone => match list.done_count() {
                0 => {
                    cx.add_assistant_message("No todo is done yet, so there is nothing to clear.")
                        .await?;
                }
                done => {
                    cx.add_widget(widgets::clear_done_card(done)).await?;
                }
            },
            Command::Help => {
                cx.add_assistant_message(HELP).await?;
            }
        }
        Ok(())
    }
}

/// The answer after an action handed over: where the list stands.
async fn summarize(cx: &mut ActionContext<Session>) -> HandlerResult {
    let list = TodoList::load(&cx.thread().metadata);
    cx.add_assistant_message(summary(&list)).await.map(drop)
}

/// "You have 2 open todos and 1 done."
pub fn summary(list: &TodoList) -> String {
    fn todos(n: usize) -> String {
        if n == 1 {
            "1 todo".to_owned()
        } else {
            format!("{n} todos")
        }
    }
    match (list.open_count(), list.done_count()) {
        (0, 0) => "Your list is empty. Say “add <title>” to add a todo.".to_owned(),
        (open, 0) => format!("You have {} open.", todos(open)),
        (0, done) => format!("All done: {} finished.", todos(done)),
        (open, done) => format!("You have {} open and {done} done.", todos(open)),
    }
}

// ---------------------------------------------------------------------------------------------
// The model

/// The model used when `OPENAI_MODEL` is not set.
pub const DEFAULT_MODEL: &str = "gpt-4.1-mini";

/// What the model is told about its job.
pub const INSTRUCTIONS: &str = "You keep the user's todo list in this conversation. Use the \
tools to add, list and complete todos; each tool shows the user a widget, so do not repeat \
the whole list in text. Notes in <USER_ACTION> tags say what the user did with the widgets. \
Answer briefly.";

/// The model's tools: one variant per tool, its name the variant's in `snake_case`, its
/// description the doc comment, its parameters a strict JSON Schema of its fields; the
/// model's untrusted arguments are checked by the derived
/// [`Tools::parse`](chatkit_actions::model::Tools::parse).
#[derive(Debug, Clone, PartialEq, Eq, Tools)]
pub enum TodoTool {
    /// Adds a todo with this title, and shows its card.
    AddTodo {
        /// The title.
        title: String,
    },
    /// Shows the todo list.
    ListTodos,
    /// Marks the todo with this number done.
    CompleteTodo {
        /// The todo's number.
        id: u64,
    },
}

/// The tools' handler: the same list, validation and widgets as the commands and the widget
/// actions. A failure the model can fix (a blank title, a todo that does not exist) goes
/// back to it as the tool's output.
#[derive(Debug, Clone, Copy, Default)]
pub struct TodoTools;

#[tool_handler(TodoTool, context = Session)]
impl TodoTools {
    async fn add_todo(
        &self,
        title: String,
        cx: &mut ActionContext<Session>,
    ) -> Result<ToolOutput, HandlerError> {
        let mut list = TodoList::load(&cx.thread().metadata);
        let added = Title::parse(&title).and_then(|title| list.add(title, Description::default()));
        let todo = match added {
            Ok(todo) => todo,
            Err(error) => return Ok(ToolOutput::error(error.to_string())),
        };
        tracing::info!(user = %cx.request().user, todo = todo.id, "todo added by the model");
        list.save(&mut cx.thread_mut().metadata);
        cx.add_widget(widgets::todo_card(&todo)).await?;
        Ok(ToolOutput::json(
            &json!({"added": {"id": todo.id, "title": todo.title}}),
        ))
    }

    async fn list_todos(
        &self,
        cx: &mut ActionContext<Session>,
    ) -> Result<ToolOutput, HandlerError> {
        let list = TodoList::load(&cx.thread().metadata);
        cx.add_widget(widgets::list_widget(&list)).await?;
        let todos: Vec<Value> = list
            .iter()
            .map(|todo| json!({"id": todo.id, "title": todo.title, "done": todo.done}))
            .collect();
        Ok(ToolOutput::json(
            &json!({"todos": todos, "summary": summary(&list)}),
        ))
    }

    async fn complete_todo(
        &self,
        id: u64,
        cx: &mut ActionContext<Session>,
    ) -> Result<ToolOutput, HandlerError> {
        let mut list = TodoList::load(&cx.thread().metadata);
        let Some(todo) = list.get_mut(id) else {
            return Ok(ToolOutput::error(format!("there is no todo #{id}")));
        };
        if todo.done {
            return Ok(ToolOutput::json(&json!({"already_done": id})));
        }
        todo.done = true;
        let title = todo.title.clone();
        tracing::info!(user = %cx.request().user, todo = id, "todo completed by the model");
        list.save(&mut cx.thread_mut().metadata);
        if let Some(todo) = list.get(id) {
            cx.add_widget(widgets::todo_card(todo)).await?;
        }
        Ok(ToolOutput::json(
            &json!({"completed": {"id": id, "title": title}}),
        ))
    }
}

/// The model-backed assistant: an [`Agent`] with [`TodoTool`].
#[derive(Debug, Clone)]
pub struct TodoModel {
    agent: Arc<Agent<TodoTools>>,
}

impl TodoModel {
    /// The assistant on the model `config` names.
    ///
    /// # Errors
    ///
    /// The HTTP client could not be built.
    pub fn new(config: ModelConfig) -> Result<TodoModel, ModelError> {
        let agent = Agent::new(ModelClient::new(config)?)
            .instructions(INSTRUCTIONS)
            .tools(TodoTools);
        Ok(TodoModel {
            agent: Arc::new(agent),
        })
    }

    /// The assistant on the model `config` names, sending the bytes of attachments read from
    /// `attachments` (the server's attachment store): files as `input_file`, images as
    /// `input_image`.
    ///
    /// # Errors
    ///
    /// The HTTP client could not be built.
    pub fn with_attachments(
        config: ModelConfig,
        attachments: impl AttachmentReader,
    ) -> Result<TodoModel, ModelError> {
        let agent = Agent::new(ModelClient::new(config)?)
            .instructions(INSTRUCTIONS)
            .converter(AttachmentConverter::new(attachments))
            .tools(TodoTools);
        Ok(TodoModel {
            agent: Arc::new(agent),
        })
    }

    /// The model's configuration when `OPENAI_API_KEY` is set (with `OPENAI_BASE_URL` and
    /// `OPENAI_MODEL` if set).
    pub fn config_from_env() -> Option<ModelConfig> {
        let model = std::env::var("OPENAI_MODEL")
            .ok()
            .filter(|model| !model.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_MODEL.to_owned());
        ModelConfig::from_env(model)
    }

    /// The assistant of this process when `OPENAI_API_KEY` is set (with `OPENAI_BASE_URL`
    /// and `OPENAI_MODEL` if set), read once.
    pub fn from_env() -> Option<&'static TodoModel> {
        static MODEL: OnceLock<Option<TodoModel>> = OnceLock::new();
        MODEL
            .get_or_init(|| {
                let config = TodoModel::config_from_env()?;
                match TodoModel::new(config) {
                    Ok(model) => Some(model),
                    Err(error) => {
                        tracing::error!(%error, "OPENAI_API_KEY is set but the model client failed; using the command reader");
                        None
                    }
                }
            })
            .as_ref()
    }
}

impl Respond<Session> for TodoModel {
    async fn respond(
        &self,
        _: Option<&UserMessageItem>,
        cx: &mut ActionContext<Session>,
    ) -> HandlerResult {
        if cx.thread().title.is_none() {
            cx.thread_mut().title = Some(THREAD_TITLE.to_owned());
        }
        self.agent.run(cx).await
    }
}

/// The todo backend's ChatKit server with [`TodoModel`] as its assistant, whatever the
/// environment says (the tests point it at a local Responses API stand-in).
///
/// # Errors
///
/// The HTTP client could not be built.
pub fn model_server(
    store: Arc<dyn Store<Session>>,
    config: ModelConfig,
) -> Result<ChatKitServer<TodoApp>, ModelError> {
    Ok(ChatKitServer::with_shared_store(store, TodoApp).respond_with(TodoModel::new(config)?))
}

/// [`model_server`] with attachments kept in `uploads` (its attachment store), whose bytes
/// the model receives ([`TodoModel::with_attachments`]). Serve the upload routes next to it
/// (`chatkit_actions::attachments::routes`).
///
/// # Errors
///
/// The HTTP client could not be built.
pub fn model_server_with_uploads<B: chatkit_actions::attachments::Blobs>(
    store: Arc<dyn Store<Session>>,
    config: ModelConfig,
    uploads: chatkit_actions::attachments::UploadStore<B>,
) -> Result<ChatKitServer<TodoApp>, ModelError> {
    let model = TodoModel::with_attachments(config, uploads.clone())?;
    Ok(ChatKitServer::with_shared_store(store, TodoApp)
        .attachment_store(uploads)
        .respond_with(model))
}

#[cfg(test)]
mod tests {
    use chatkit_actions::model::Tools;

    use super::*;

    #[test]
    fn commands_are_read_from_the_first_word() {
        assert_eq!(
            Command::parse("add buy milk"),
            Command::Add("buy milk".to_owned())
        );
        assert_eq!(
            Command::parse("  ADD   buy  milk "),
            Command::Add("buy  milk".to_owned())
        );
        assert_eq!(Command::parse("add"), Command::AddForm);
        assert_eq!(Command::parse("Count"), Command::Count);
        assert_eq!(Command::parse("count me in"), Command::Help);
        assert_eq!(Command::parse("List"), Command::List);
        assert_eq!(Command::parse("done #3"), Command::Done(3));
        assert_eq!(Command::parse("done three"), Command::DoneWithoutNumber);
        assert_eq!(Command::parse("clear DONE"), Command::ClearDone);
        assert_eq!(Command::parse("clear"), Command::Help);
        assert_eq!(Command::parse("what can you do?"), Command::Help);
        assert_eq!(Command::parse(""), Command::Help);
    }

    #[test]
    fn tool_arguments_are_checked() {
        assert_eq!(
            TodoTool::parse("add_todo", r#"{"title": "Buy milk"}"#),
            Ok(TodoTool::AddTodo {
                title: "Buy milk".to_owned()
            })
        );
        assert_eq!(TodoTool::parse("list_todos", ""), Ok(TodoTool::ListTodos));
        assert_eq!(
            TodoTool::parse("complete_todo", r#"{"id": 2}"#),
            Ok(TodoTool::CompleteTodo { id: 2 })
        );
        for (name, raw) in [
            ("add_todo", r#"{"title": 1}"#),
            ("add_todo", "{}"),
            ("add_todo", r#"{"title": "x", "due": "now"}"#),
            ("complete_todo", r#"{"id": -1}"#),
            ("complete_todo", "[1]"),
            ("delete_everything", "{}"),
        ] {
            assert!(TodoTool::parse(name, raw).is_err(), "{name} {raw}");
        }
        for tool in TodoTool::definitions() {
            chatkit_actions::model::check_strict_schema(&tool.parameters).unwrap();
        }
    }
}
