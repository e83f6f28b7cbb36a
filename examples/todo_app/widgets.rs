//! The widgets of the todo backend. Every action slot gets a typed [`TodoAction`]; no type
//! string is written by hand.
//!
//! Each root has a `key` saying what it shows ([`LIST_KEY`], [`todo_key`], …), so a handler
//! can redraw the widget an action came from ([`redraw`]).

use chatkit_actions::widget::{
    Badge, BadgeColor, Button, ButtonColor, ButtonStyle, Caption, Card, ControlSize,
    ControlVariant, Divider, EditableProps, Form, ListView, ListViewItem, Row, Spacer,
    TemplateError, Text, TextSize, Title, TitleSize, WidgetData, WidgetRoot, WidgetStatus,
};
use chatkit_actions::{ActionConfig, LoadingBehavior};

use super::actions::TodoAction;
use super::state::{TITLE_PATTERN, Todo, TodoList};

/// The key of the list widget.
pub const LIST_KEY: &str = "todo-list";

/// The key of the "new todo" card.
pub const NEW_TODO_KEY: &str = "todo-new";

/// The key of the "clear done todos?" card.
pub const CLEAR_DONE_KEY: &str = "todo-clear-done";

/// The key of a card that only reports what happened (a widget whose work is over).
pub const NOTE_KEY: &str = "todo-note";

/// The key of the card of todo `id`.
pub fn todo_key(id: u64) -> String {
    format!("todo-{id}")
}

/// The id in a [`todo_key`].
fn todo_id_of_key(key: &str) -> Option<u64> {
    key.strip_prefix("todo-")?.parse().ok()
}

/// The list: one clickable row per todo (`select_todo` opens its card), with a button that
/// toggles it in place (`toggle`, a synchronous action answered with the redrawn list).
pub fn list_widget(list: &TodoList) -> ListView {
    let status = WidgetStatus::new(format!(
        "Todos · {} open · {} done",
        list.open_count(),
        list.done_count()
    ));
    let view = ListView::new().key(LIST_KEY).status(status);
    if list.is_empty() {
        return view.child(
            ListViewItem::new()
                .key("empty")
                .child(Text::new("No todos yet. Say “add <title>” to add one.").color("secondary")),
        );
    }
    view.children(list.iter().map(|todo| {
        let mut label = Text::new(format!("#{} {}", todo.id, todo.title))
            .key("title")
            .truncate(true);
        if todo.done {
            label = label.line_through(true).color("secondary");
        }
        let toggle = Button::new(if todo.done { "Reopen" } else { "Done" })
            .key("toggle")
            .on_click_action(TodoAction::Toggle { id: todo.id })
            .size(ControlSize::Sm)
            .variant(if todo.done {
                ControlVariant::Ghost
            } else {
                ControlVariant::Outline
            });
        ListViewItem::new()
            .key(todo_key(todo.id))
            .on_click_action(TodoAction::SelectTodo { id: todo.id })
            .gap(3)
            .child(label)
            .child(Spacer::new())
            .child(toggle)
    }))
}

/// The card of one todo: its status, an edit form (`update_todo`, the title `required` and
/// matching [`TITLE_PATTERN`]), and buttons to complete it, copy its title (a client-handled
/// action) and delete it.
pub fn todo_card(todo: &Todo) -> Card {
    let badge = if todo.done {
        Badge::new("Done").color(BadgeColor::Success)
    } else {
        Badge::new("Open").color(BadgeColor::Info)
    };
    let header = Row::new()
        .child(Caption::new(format!("Todo #{}", todo.id)))
        .child(Spacer::new())
        .child(badge);

    // The form's own action carries only the id: `title` and `description` are
    // `#[action(form)]` fields, which the client fills in from the inputs below (a payload key
    // of the same name would shadow them, which `WidgetRoot::check` reports).
    let form = Form::new()
        .key("edit")
        .gap(2)
        .on_submit_action(TodoAction::offer_update_todo(todo.id))
        .child(Text::new("Title").color("secondary").size(TextSize::Sm))
        .child(
            Text::new(todo.title.clone()).editable(
                EditableProps::new("title")
                    .required(true)
                    .pattern(TITLE_PATTERN)
                    .placeholder("What needs doing?"),
            ),
        )
        .child(
            Text::new("Description")
                .color("secondary")
                .size(TextSize::Sm),
        )
        .child(
            Text::new(todo.description.clone())
                .editable(EditableProps::new("description").placeholder("Add details")),
        )
        .child(
            Row::new().child(Spacer::new()).child(
                Button::new("Save")
                    .key("save")
                    .submit(true)
                    .size(ControlSize::Sm),
            ),
        );

    let mut buttons = Row::new().gap(2);
    if !todo.done {
        buttons = buttons.child(
            Button::new("Mark done")
                .key("complete")
                .on_click_action(TodoAction::Complete { id: todo.id })
                .style(ButtonStyle::Primary),
        );
    }
    buttons = buttons
        .child(
            Button::new("Copy title")
                .key("copy")
                .on_click_action(TodoAction::CopyTitle {
                    title: todo.title.clone(),
                })
                .variant(ControlVariant::Outline),
        )
        .child(Spacer::new())
        .child(
            Button::new("Delete")
                .key("delete")
                .on_click_action(TodoAction::Delete { id: todo.id })
                .color(ButtonColor::Danger)
                .variant(ControlVariant::Outline),
        );

    Card::new()
        .key(todo_key(todo.id))
        .child(header)
        .child(form)
        .child(Divider::new())
        .child(buttons)
}

/// The data of the "new todo" card, designed in ChatKit's widget builder: `new_todo.widget`,
/// a Card acting as a form (`asForm`), whose confirm button sends `add_todo` with the fields'
/// values and whose cancel button sends `dismiss`. The derive checks at compile time that this
/// struct is the template's data, that `add_todo` and `dismiss` are [`TodoAction`] types, and
/// that the card's fields (`title`, `description`) are `add_todo`'s form fields.
#[derive(serde::Serialize, WidgetData)]
#[widget(file = "examples/todo_app/new_todo.widget", actions = TodoAction)]
pub struct NewTodoCard {
    /// The pattern a title matches, checked by the browser: [`TITLE_PATTERN`].
    pub title_pattern: &'static str,
}

/// The "new todo" card, from its template.
///
/// # Errors
///
/// None in practice: the template and its data are checked at compile time.
pub fn new_todo_card() -> Result<WidgetRoot, TemplateError> {
    NewTodoCard {
        title_pattern: TITLE_PATTERN,
    }
    .build()
}

/// The confirmation card of "clear done". Clearing fades the whole card while it runs: the
/// loading behavior is set on the config here, overriding the action's default.
pub fn clear_done_card(done: usize) -> Card {
    let what = if done == 1 {
        "1 done todo".to_owned()
    } else {
        format!("{done} done todos")
    };
    Card::new()
        .key(CLEAR_DONE_KEY)
        .child(Title::new("Clear done todos?").size(TitleSize::Sm))
        .child(Text::new(format!("This removes {what} for good.")))
        .confirm(
            "Clear",
            ActionConfig::create(TodoAction::ClearDone)
                .loading_behavior(LoadingBehavior::Container),
        )
        .cancel("Keep them", TodoAction::Dismiss {})
}

/// A card that reports what happened, with nothing left to act on.
pub fn note_card(text: impl Into<String>) -> Card {
    Card::new()
        .key(NOTE_KEY)
        .child(Text::new(text).color("secondary"))
}

/// The current version of a widget the action came from, by its key: the list is redrawn,
/// a todo's card shows the todo as it is now (or that it was deleted). `None` for widgets
/// whose content does not depend on the list.
pub fn redraw(sender: &WidgetRoot, list: &TodoList) -> Option<WidgetRoot> {
    let key = match sender {
        WidgetRoot::ListView(view) => view.key.as_deref(),
        WidgetRoot::Card(card) => card.key.as_deref(),
        _ => None,
    }?;
    if key == LIST_KEY {
        return Some(list_widget(list).into());
    }
    let id = todo_id_of_key(key)?;
    Some(match list.get(id) {
        Some(todo) => todo_card(todo).into(),
        None => note_card(format!("Todo #{id} was deleted.")).into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::todo::state::{Description, Title as TodoTitle};

    fn sample() -> TodoList {
        let mut list = TodoList::default();
        for title in ["Buy milk", "Call Anna", "Water the plants"] {
            if let Ok(title) = TodoTitle::parse(title) {
                let _ = list.add(title, Description::default());
            }
        }
        if let Some(todo) = list.get_mut(2) {
            todo.done = true;
        }
        list
    }

    /// Every widget the example builds, in every state.
    fn every_widget() -> Vec<WidgetRoot> {
        let list = sample();
        let mut widgets: Vec<WidgetRoot> = vec![
            list_widget(&list).into(),
            list_widget(&TodoList::default()).into(),
            new_todo_card().expect("the template builds"),
            clear_done_card(1).into(),
            clear_done_card(2).into(),
            note_card("Done.").into(),
        ];
        widgets.extend(list.iter().map(|todo| WidgetRoot::from(todo_card(todo))));
        widgets
    }

    #[test]
    fn every_widget_passes_the_form_check() {
        for widget in every_widget() {
            assert_eq!(widget.check(), Ok(()), "{}", widget.root_type());
        }
    }

    /// The card from `new_todo.widget` is the one the builders make.
    #[test]
    fn the_new_todo_template_builds_what_the_builders_build() {
        use chatkit_actions::widget::{Input, Textarea};
        let built: WidgetRoot = Card::new()
            .key(NEW_TODO_KEY)
            .as_form(true)
            .child(Title::new("New todo").size(TitleSize::Sm))
            .child(
                Input::new("title")
                    .required(true)
                    .pattern(TITLE_PATTERN)
                    .placeholder("Title")
                    .auto_focus(true),
            )
            .child(Textarea::new("description").placeholder("Description (optional)"))
            .confirm("Add", TodoAction::offer_add_todo())
            .cancel("Cancel", TodoAction::Dismiss {})
            .into();
        assert_eq!(new_todo_card().expect("the template builds"), built);
    }

    #[test]
    fn form_actions_carry_only_the_id() {
        let card = WidgetRoot::from(todo_card(&Todo {
            id: 7,
            title: "Buy milk".to_owned(),
            description: String::new(),
            done: false,
        }));
        let sites = card.action_sites();
        let update = sites
            .iter()
            .find(|site| site.action.action_type == "update_todo");
        let payload = update.and_then(|site| site.action.payload.clone());
        assert_eq!(payload, Some(serde_json::json!({ "id": 7 })));
    }

    #[test]
    fn senders_are_redrawn_by_key() {
        let mut list = sample();
        let card = WidgetRoot::from(todo_card(list.get(1).cloned().as_ref().unwrap_or(&Todo {
            id: 1,
            title: String::new(),
            description: String::new(),
            done: false,
        })));
        let _ = list.remove(1);
        let redrawn = redraw(&card, &list);
        assert_eq!(redrawn, Some(note_card("Todo #1 was deleted.").into()));
        assert_eq!(
            redraw(&list_widget(&list).into(), &list),
            Some(list_widget(&list).into())
        );
        let new_todo = new_todo_card().expect("the template builds");
        assert_eq!(redraw(&new_todo, &list), None);
    }
}
