//! The todo list of a thread, and the rules its fields follow.
//!
//! The list lives in the thread's server-private `metadata` (a JSON map the store keeps and
//! thread responses never show), under one key:
//!
//! ```json
//! {"todos": {"next_id": 3, "items": [{"id": 1, "title": "Buy milk", "description": "", "done": false}]}}
//! ```
//!
//! A handler changes it through `ActionContext::thread_mut`; the runtime then saves the thread
//! and sends `thread.updated`, so the list survives a restart with a persistent store. Ids are
//! per thread, start at 1 and are never reused, so "#2" keeps naming the same todo after
//! others are deleted.

use std::fmt;

use serde_json::{Map, Value, json};

/// The key of the todo list in a thread's `metadata`.
pub const METADATA_KEY: &str = "todos";

/// The longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 120;

/// The longest description accepted, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;

/// The most todos one thread may hold.
pub const MAX_TODOS: usize = 200;

/// The HTML `pattern` of title inputs: a title starts with a non-blank character. The
/// server enforces the same rule by trimming and rejecting a blank title, since the payload
/// is untrusted (a client need not run the browser's validation).
pub const TITLE_PATTERN: &str = r"\S.*";

/// One todo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    /// Its number in the thread, from 1, never reused.
    pub id: u64,
    /// What to do; never blank.
    pub title: String,
    /// Details; may be empty.
    pub description: String,
    /// Whether it is done.
    pub done: bool,
}

impl Todo {
    /// The todo as its metadata entry.
    fn to_value(&self) -> Value {
        json!({
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "done": self.done,
        })
    }

    /// A todo from its metadata entry; `None` for an entry that is not one.
    fn from_value(value: &Value) -> Option<Todo> {
        Some(Todo {
            id: value.get("id")?.as_u64()?,
            title: value.get("title")?.as_str()?.to_owned(),
            description: value
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            done: value.get("done").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

/// A thread's todos, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TodoList {
    todos: Vec<Todo>,
    next_id: u64,
}

impl TodoList {
    /// The list stored in a thread's `metadata`; empty when there is none. Entries that are
    /// not todos are skipped rather than failing the request.
    pub fn load(metadata: &Map<String, Value>) -> TodoList {
        let Some(stored) = metadata.get(METADATA_KEY) else {
            return TodoList::default();
        };
        let todos: Vec<Todo> = stored
            .get("items")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Todo::from_value).collect())
            .unwrap_or_default();
        let highest = todos.iter().map(|todo| todo.id).max().unwrap_or(0);
        let next_id = stored
            .get("next_id")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(highest + 1);
        TodoList { todos, next_id }
    }

    /// Writes the list into a thread's `metadata`.
    pub fn save(&self, metadata: &mut Map<String, Value>) {
        let items: Vec<Value> = self.todos.iter().map(Todo::to_value).collect();
        metadata.insert(
            METADATA_KEY.to_owned(),
            json!({ "next_id": self.next_id.max(1), "items": items }),
        );
    }

    /// Adds an open todo and returns (a copy of) it.
    ///
    /// # Errors
    ///
    /// [`ValidationError::TooMany`] when the list is full.
    pub fn add(&mut self, title: Title, description: Description) -> Result<Todo, ValidationError> {
        if self.todos.len() >= MAX_TODOS {
            return Err(ValidationError::TooMany);
        }
        let id = self.next_id.max(1);
        self.next_id = id + 1;
        let todo = Todo {
            id,
            title: title.0,
            description: description.0,
            done: false,
        };
        self.todos.push(todo.clone());
        Ok(todo)
    }

    /// The todo numbered `id`.
    pub fn get(&self, id: u64) -> Option<&Todo> {
        self.todos.iter().find(|todo| todo.id == id)
    }

    /// The todo numbered `id`, to change.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Todo> {
        self.todos.iter_mut().find(|todo| todo.id == id)
    }

    /// Removes the todo numbered `id` and returns it.
    pub fn remove(&mut self, id: u64) -> Option<Todo> {
        let index = self.todos.iter().position(|todo| todo.id == id)?;
        Some(self.todos.remove(index))
    }

    /// Removes every done todo and returns how many there were.
    pub fn clear_done(&mut self) -> usize {
        let before = self.todos.len();
        self.todos.retain(|todo| !todo.done);
        before - self.todos.len()
    }

    /// The todos, in the order they were added.
    pub fn iter(&self) -> std::slice::Iter<'_, Todo> {
        self.todos.iter()
    }

    /// How many todos there are.
    pub fn len(&self) -> usize {
        self.todos.len()
    }

    /// Whether there is no todo.
    pub fn is_empty(&self) -> bool {
        self.todos.is_empty()
    }

    /// How many todos are done.
    pub fn done_count(&self) -> usize {
        self.todos.iter().filter(|todo| todo.done).count()
    }

    /// How many todos are open.
    pub fn open_count(&self) -> usize {
        self.len() - self.done_count()
    }
}

impl<'a> IntoIterator for &'a TodoList {
    type Item = &'a Todo;
    type IntoIter = std::slice::Iter<'a, Todo>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A checked title: trimmed, not blank, at most [`MAX_TITLE_CHARS`] characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// Checks untrusted text as a title.
    ///
    /// # Errors
    ///
    /// Why the text is not a title.
    pub fn parse(raw: &str) -> Result<Title, ValidationError> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(ValidationError::BlankTitle);
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(ValidationError::TitleTooLong);
        }
        if title.chars().any(char::is_control) {
            return Err(ValidationError::ControlCharacters);
        }
        Ok(Title(title.to_owned()))
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A checked description: trimmed, at most [`MAX_DESCRIPTION_CHARS`] characters; line breaks
/// and tabs are the only control characters kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    /// Checks untrusted text as a description.
    ///
    /// # Errors
    ///
    /// Why the text is not a description.
    pub fn parse(raw: &str) -> Result<Description, ValidationError> {
        let description = raw.trim();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(ValidationError::DescriptionTooLong);
        }
        if description
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(ValidationError::ControlCharacters);
        }
        Ok(Description(description.to_owned()))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a title, a description or a new todo was refused. The message is meant for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationError {
    /// The title is empty or only whitespace.
    BlankTitle,
    /// The title is longer than [`MAX_TITLE_CHARS`].
    TitleTooLong,
    /// The description is longer than [`MAX_DESCRIPTION_CHARS`].
    DescriptionTooLong,
    /// The text holds control characters.
    ControlCharacters,
    /// The thread already holds [`MAX_TODOS`] todos.
    TooMany,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationError::BlankTitle => f.write_str("a todo needs a title"),
            ValidationError::TitleTooLong => {
                write!(f, "a title has at most {MAX_TITLE_CHARS} characters")
            }
            ValidationError::DescriptionTooLong => write!(
                f,
                "a description has at most {MAX_DESCRIPTION_CHARS} characters"
            ),
            ValidationError::ControlCharacters => f.write_str("the text holds control characters"),
            ValidationError::TooMany => write!(
                f,
                "this list already has {MAX_TODOS} todos: clear the done ones first"
            ),
        }
    }
}

impl std::error::Error for ValidationError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_metadata_and_never_reuses_ids() {
        let mut list = TodoList::default();
        let milk = Title::parse("  Buy milk ")
            .map(|title| list.add(title, Description::default()).map(|todo| todo.id));
        assert_eq!(milk, Ok(Ok(1)));
        let eggs = Title::parse("Eggs")
            .map(|title| list.add(title, Description::default()).map(|todo| todo.id));
        assert_eq!(eggs, Ok(Ok(2)));
        assert_eq!(
            list.remove(2).map(|todo| todo.title),
            Some("Eggs".to_owned())
        );

        let mut metadata = Map::new();
        list.save(&mut metadata);
        let mut loaded = TodoList::load(&metadata);
        assert_eq!(loaded, list);
        assert_eq!(
            loaded.get(1).map(|todo| todo.title.as_str()),
            Some("Buy milk")
        );
        let next = Title::parse("Bread").map(|title| {
            loaded
                .add(title, Description::default())
                .map(|todo| todo.id)
        });
        assert_eq!(next, Ok(Ok(3)));
    }

    #[test]
    fn malformed_metadata_is_an_empty_or_partial_list() {
        let metadata: Map<String, Value> = serde_json::from_str(
            r#"{"todos": {"items": [{"id": 4, "title": "ok"}, {"title": "no id"}, 7]}}"#,
        )
        .unwrap_or_default();
        let list = TodoList::load(&metadata);
        assert_eq!(list.len(), 1);
        assert_eq!(list.next_id, 5);
        assert!(TodoList::load(&Map::new()).is_empty());
    }

    #[test]
    fn untrusted_text_is_checked() {
        assert_eq!(Title::parse(" \t "), Err(ValidationError::BlankTitle));
        assert_eq!(
            Title::parse(&"x".repeat(MAX_TITLE_CHARS + 1)),
            Err(ValidationError::TitleTooLong)
        );
        assert_eq!(
            Title::parse("a\u{0}b"),
            Err(ValidationError::ControlCharacters)
        );
        assert_eq!(
            Description::parse("line one\nline two").map(|d| d.as_str().to_owned()),
            Ok("line one\nline two".to_owned())
        );
    }
}
