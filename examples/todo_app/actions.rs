//! [`TodoAction`], every action the todo widgets carry, and [`TodoApp`], its handler.
//!
//! The wire form of each is `{"type": "<snake_case name>", "payload": {…}}`; the payloads are
//! untrusted, so every handler re-reads the todo from the thread, validates text, and answers
//! an action on a todo that no longer exists with a friendly error event.

use chatkit_actions::handler::{
    ActionContext, HandlerError, HandlerResult, SyncActionContext, SyncResult,
};
use chatkit_actions::widget::WidgetRoot;
use chatkit_actions::{Action, ActionTypes, action_handler};

use super::session::Session;
use super::state::{Description, Title, TodoList, ValidationError};
use super::widgets;

/// The todo backend's actions: a discriminated union on `type`, checked by the compiler at
/// both ends (widgets build them, [`TodoApp`] must handle every server one). `ActionTypes`
/// describes them for the browser: `examples/todo_app/generated` holds the TypeScript module
/// and JSON Schemas made from this enum (`cargo run --example todo-types`).
#[derive(Action, ActionTypes, Debug, Clone, PartialEq, Eq)]
pub enum TodoAction {
    /// Marks a todo done (the "Mark done" button): `{"type": "complete", "payload": {"id": 1}}`.
    /// The loading state shows on the button alone.
    #[action(loading = "self")]
    Complete {
        /// The todo's number.
        id: u64,
    },
    /// Deletes a todo (the "Delete" button). The whole card fades while it runs.
    #[action(loading = "container")]
    Delete {
        /// The todo's number.
        id: u64,
    },
    /// Saves the edit form of a todo's card. The widget's payload holds only the id: the
    /// `#[action(form)]` fields are filled in by the client from the form's inputs of the same
    /// names, so the server never writes them (a payload key would shadow the form's value).
    /// A missing one is empty, and validation answers it.
    UpdateTodo {
        /// The todo's number.
        id: u64,
        /// The new title, from the form (required by the form, checked again here).
        #[action(form)]
        #[serde(default)]
        title: String,
        /// The new description, from the form.
        #[action(form)]
        #[serde(default)]
        description: String,
    },
    /// Opens a todo's card (a click on its row in the list). `client_payload`: the page may
    /// also send it itself, without an item id, after the client-handled `copy_title` (the
    /// seed's chaining); the handler checks the id against the thread either way. The other
    /// actions are strict: only as a widget offered them.
    #[action(client_payload)]
    SelectTodo {
        /// The todo's number.
        id: u64,
    },
    /// Adds a todo: the confirm button of the "new todo" card, a Card acting as a form, whose
    /// fields fill the payload.
    AddTodo {
        /// The title, from the card's `title` field.
        #[action(form)]
        #[serde(default)]
        title: String,
        /// The description, from the card's `description` field.
        #[action(form)]
        #[serde(default)]
        description: String,
    },
    /// Removes every done todo: the confirm button of the "clear done todos?" card.
    ClearDone,
    /// The cancel button of a card: closes it. A struct variant without fields, so the form
    /// values a Card acting as a form adds to its cancel action are accepted and ignored.
    Dismiss {},
    /// Toggles a todo in the list, answered synchronously (`threads.sync_custom_action`)
    /// with the redrawn list instead of a stream of events.
    #[action(streaming = false)]
    Toggle {
        /// The todo's number.
        id: u64,
    },
    /// Copies a todo's title to the clipboard. Handled by the page's `widgets.onAction`
    /// (`handler: "client"`): it never reaches the server, and [`TodoApp`] has no method for it.
    /// The page may chain a server action after it, as the seed's "Chaining Actions" does:
    /// `chatKit.sendAction({type: "select_todo", payload: {id}})` arrives without an item id
    /// (accepted because `SelectTodo` is `client_payload`), and the handler then has no
    /// sender to redraw.
    #[action(handler = "client")]
    CopyTitle {
        /// The text to copy.
        title: String,
    },
}

/// The server side of [`TodoAction`]. `#[action_handler]` checks at compile time that every
/// server action has its method here.
#[derive(Debug, Clone, Copy, Default)]
pub struct TodoApp;

/// The error of an action on a todo that is gone (deleted in another widget, or cleared).
fn gone(id: u64) -> HandlerError {
    HandlerError::custom(format!(
        "Todo #{id} no longer exists: it was deleted or cleared. Say “list” to see your todos."
    ))
}

/// Leaves the model a note of what the user did (the seed's `<USER_ACTION>` hidden context).
async fn note(cx: &mut ActionContext<Session>, what: &str) -> HandlerResult {
    cx.add_hidden_context(format!("<USER_ACTION>{what}</USER_ACTION>"))
        .await
}

/// Commits a change: saves `list` into the thread (the runtime stores the thread and sends
/// `thread.updated` with the next event), leaves the model a note of `what` the user did, and
/// redraws the widget the action came from, if it shows the list or one of its todos.
async fn commit(cx: &mut ActionContext<Session>, list: &TodoList, what: &str) -> HandlerResult {
    list.save(&mut cx.thread_mut().metadata);
    note(cx, what).await?;
    let redrawn = cx
        .sender()
        .and_then(|sender| widgets::redraw(&sender.widget, list));
    match redrawn {
        Some(widget) => cx.replace_sender(widget).await,
        None => Ok(()),
    }
}

/// Replaces the sender with `widget` when the action came from a widget.
async fn replace_if_sent(
    cx: &mut ActionContext<Session>,
    widget: impl Into<WidgetRoot>,
) -> HandlerResult {
    if cx.sender().is_some() {
        cx.replace_sender(widget).await?;
    }
    Ok(())
}

/// Answers a payload that failed validation with a message, not an error: the user can fix
/// the input and try again (the seed's `ValidationError` branch).
async fn reject(cx: &mut ActionContext<Session>, error: ValidationError) -> HandlerResult {
    tracing::info!(user = %cx.request().user, %error, "todo input rejected");
    cx.add_assistant_message(format!("Validation error: {error}."))
        .await
        .map(drop)
}

#[action_handler(TodoAction, context = Session)]
impl TodoApp {
    async fn complete(&self, id: u64, cx: &mut ActionContext<Session>) -> HandlerResult {
        let mut list = TodoList::load(&cx.thread().metadata);
        let todo = list.get_mut(id).ok_or_else(|| gone(id))?;
        // A conditional action: the answer depends on the state, not only on the action.
        if todo.done {
            let message = format!("“{}” was already done.", todo.title);
            note(
                cx,
                &format!("Completed todo #{id} again; it was already done"),
            )
            .await?;
            cx.add_assistant_message(message).await?;
            return Ok(());
        }
        todo.done = true;
        let title = todo.title.clone();
        tracing::info!(user = %cx.request().user, todo = id, "todo completed");
        commit(cx, &list, &format!("Completed todo #{id} “{title}”")).await?;
        let open = list.open_count();
        cx.add_assistant_message(format!(
            "Done: “{title}”. {open} open todo{} left.",
            if open == 1 { "" } else { "s" }
        ))
        .await?;
        Ok(())
    }

    async fn delete(&self, id: u64, cx: &mut ActionContext<Session>) -> HandlerResult {
        let mut list = TodoList::load(&cx.thread().metadata);
        let todo = list.remove(id).ok_or_else(|| gone(id))?;
        tracing::info!(user = %cx.request().user, todo = id, "todo deleted");
        commit(cx, &list, &format!("Deleted todo #{id} “{}”", todo.title)).await?;
        cx.add_assistant_message(format!("Deleted “{}”.", todo.title))
            .await?;
        Ok(())
    }

    async fn update_todo(
        &self,
        id: u64,
        title: String,
        description: String,
        cx: &mut ActionContext<Session>,
    ) -> HandlerResult {
        let mut list = TodoList::load(&cx.thread().metadata);
        let todo = list.get_mut(id).ok_or_else(|| gone(id))?;
        let (title, description) = match (Title::parse(&title), Description::parse(&description)) {
            (Ok(title), Ok(description)) => (title, description),
            (Err(error), _) | (_, Err(error)) => return reject(cx, error).await,
        };
        title.as_str().clone_into(&mut todo.title);
        description.as_str().clone_into(&mut todo.description);
        tracing::info!(user = %cx.request().user, todo = id, "todo updated");
        let what = format!(
            "Edited todo #{id}: title “{}”, description “{}”",
            title.as_str(),
            description.as_str()
        );
        commit(cx, &list, &what).await?;
        // Hand over to the assistant, as the seed's handler calls `self.generate(…)`.
        cx.respond().await
    }

    async fn select_todo(&self, id: u64, cx: &mut ActionContext<Session>) -> HandlerResult {
        let list = TodoList::load(&cx.thread().metadata);
        let todo = list.get(id).ok_or_else(|| gone(id))?;
        note(cx, &format!("Opened todo #{id} “{}”", todo.title)).await?;
        cx.add_widget(widgets::todo_card(todo)).await?;
        Ok(())
    }

    async fn add_todo(
        &self,
        title: String,
        description: String,
        cx: &mut ActionContext<Session>,
    ) -> HandlerResult {
        let mut list = TodoList::load(&cx.thread().metadata);
        let added = Title::parse(&title).and_then(|title| {
            let description = Description::parse(&description)?;
            list.add(title, description)
        });
        let todo = match added {
            Ok(todo) => todo,
            Err(error) => return reject(cx, error).await,
        };
        tracing::info!(user = %cx.request().user, todo = todo.id, "todo added");
        list.save(&mut cx.thread_mut().metadata);
        note(cx, &format!("Added todo #{} “{}”", todo.id, todo.title)).await?;
        // The form's work is done: its card becomes the new todo's card.
        replace_if_sent(cx, widgets::todo_card(&todo)).await?;
        cx.respond().await
    }

    async fn clear_done(&self, cx: &mut ActionContext<Session>) -> HandlerResult {
        let mut list = TodoList::load(&cx.thread().metadata);
        let cleared = list.clear_done();
        // A conditional action: between the question and the click, the done todos may be
        // gone (reopened with the list's toggle, or cleared from another card).
        if cleared == 0 {
            note(cx, "Confirmed clearing the done todos, but none was done").await?;
            replace_if_sent(cx, widgets::note_card("Nothing was cleared.")).await?;
            cx.add_assistant_message("There is no done todo to clear.")
                .await?;
            return Ok(());
        }
        tracing::info!(user = %cx.request().user, cleared, "done todos cleared");
        list.save(&mut cx.thread_mut().metadata);
        note(cx, &format!("Cleared {cleared} done todos")).await?;
        replace_if_sent(
            cx,
            widgets::note_card(format!(
                "Cleared {cleared} done todo{}.",
                if cleared == 1 { "" } else { "s" }
            )),
        )
        .await?;
        cx.respond().await
    }

    async fn dismiss(&self, cx: &mut ActionContext<Session>) -> HandlerResult {
        note(cx, "Dismissed a card without changing anything").await?;
        replace_if_sent(cx, widgets::note_card("Cancelled.")).await
    }

    async fn toggle(&self, id: u64, cx: &mut SyncActionContext<Session>) -> SyncResult {
        let mut list = TodoList::load(&cx.thread().metadata);
        let todo = list.get_mut(id).ok_or_else(|| gone(id))?;
        todo.done = !todo.done;
        let what = format!(
            "{} todo #{id} “{}” in the list",
            if todo.done { "Checked" } else { "Reopened" },
            todo.title
        );
        tracing::info!(user = %cx.request().user, todo = id, "todo toggled");

        // Nothing streams here: the list goes into the thread (saved when the handler
        // returns), the note for the model is saved now, and `replace_sender` saves the
        // redrawn widget.
        list.save(&mut cx.thread_mut().metadata);
        cx.add_hidden_context(format!("<USER_ACTION>{what}</USER_ACTION>"))
            .await?;
        match cx
            .sender()
            .and_then(|sender| widgets::redraw(&sender.widget, &list))
        {
            Some(widget) => cx.replace_sender(widget).await.map(Some),
            None => Ok(None),
        }
    }
}
