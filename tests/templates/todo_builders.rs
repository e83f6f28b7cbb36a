// The todo list `todo_list.widget` renders, built with the builders, and its data: shared by
// tests/templates.rs, benches/templates.rs and benches/widgets.rs (`include!`d).

/// `TodoAction`, `todo_data` and `todo_builders`.
mod todo {
    use chatkit_actions::Action;
    use chatkit_actions::widget::{
        Badge, BadgeColor, Button, ButtonStyle, Caption, Card, Col, ControlSize, ControlVariant,
        Direction, Divider, Form, Input, Row, Spacer, Text, Title, WidgetRoot,
    };
    use serde_json::{Value, json};

    /// The todo list of the widgets benchmark, built with the builders: the template
    /// `todo_list.widget` renders the very same widget.
    #[derive(Action, Debug)]
    pub(crate) enum TodoAction {
        #[action(loading = "self")]
        Toggle { id: u64 },
        #[action(loading = "container")]
        Delete { id: u64 },
        AddTodo {
            #[action(form)]
            #[serde(default)]
            title: String,
        },
    }

    #[allow(
        dead_code,
        reason = "benches/widgets.rs builds the widget only, without the template's data"
    )]
    pub(crate) fn todo_data(count: u64) -> Value {
        let todos: Vec<Value> = (1..=count)
            .map(|id| {
                json!({
                    "id": id,
                    "title": format!("Todo number {id}: buy milk and call Anna"),
                    "added": format!("2025-05-{:02}", id % 28 + 1),
                    "done": id % 3 == 0,
                })
            })
            .collect();
        json!({ "todos": todos })
    }

    pub(crate) fn todo_builders(count: u64) -> WidgetRoot {
        let rows = (1..=count).map(|id| {
            let done = id % 3 == 0;
            Row::new()
                .key(format!("todo-{id}"))
                .gap(3)
                .child(
                    Button::new(if done { "Reopen" } else { "Done" })
                        .on_click_action(TodoAction::Toggle { id })
                        .size(ControlSize::Sm)
                        .variant(ControlVariant::Outline),
                )
                .child(
                    Col::new()
                        .child(
                            Text::new(format!("Todo number {id}: buy milk and call Anna"))
                                .truncate(true),
                        )
                        .child(Caption::new(format!("Added on 2025-05-{:02}", id % 28 + 1))),
                )
                .child(Spacer::new())
                .child(
                    Badge::new(if done { "done" } else { "open" }).color(if done {
                        BadgeColor::Success
                    } else {
                        BadgeColor::Secondary
                    }),
                )
                .child(
                    Button::new("Delete")
                        .on_click_action(TodoAction::Delete { id })
                        .style(ButtonStyle::Secondary)
                        .size(ControlSize::Sm),
                )
        });
        Card::new()
            .key("todo-list")
            .child(Title::new("Todos"))
            .children(rows)
            .child(Divider::new())
            .child(
                Form::new()
                    .on_submit_action(TodoAction::AddTodo {
                        title: String::new(),
                    })
                    .direction(Direction::Row)
                    .gap(2)
                    .child(
                        Input::new("title")
                            .placeholder("What needs doing?")
                            .required(true)
                            .pattern(r"\S.*"),
                    )
                    .child(Button::new("Add").submit(true).style(ButtonStyle::Primary)),
            )
            .into()
    }
}
