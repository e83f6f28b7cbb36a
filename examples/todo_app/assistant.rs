//! [`TodoAssistant`]: the answer to user messages. No model is reachable, so it is a small
//! deterministic command reader; a real backend would call a model here, with the thread's
//! items (the `<USER_ACTION>` notes included) as its input.

use chatkit_actions::handler::{ActionContext, HandlerError, HandlerResult, Respond};
use chatkit_actions::thread::UserMessageItem;

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

#[cfg(test)]
mod tests {
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
}
