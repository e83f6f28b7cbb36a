//! The seed's widget patterns in Rust, printed as the JSON a ChatKit server sends.
//!
//! `cargo run --example widgets` prints one widget per pattern: a Button with a typed action,
//! a Form whose editable Text values arrive in the payload, a Card used as a form with confirm
//! and cancel, a client-handled action, a clickable `ListView`, and the `ActionConfig` the SDK's
//! `Action.create` would build. Every widget passes the form-collision check first.

use chatkit_actions::widget::{
    Badge, Button, ButtonStyle, Caption, Card, EditableProps, Form, ListView, ListViewItem, Row,
    Text, Title, WidgetRoot,
};
use chatkit_actions::{Action, ActionConfig, SingleAction};

/// The seed's `ExampleAction = Action[Literal["example"], ExamplePayload]`, as one struct.
#[derive(Action, Debug)]
#[action(type = "example", handler = "client")]
struct ExamplePayload {
    id: i64,
}

/// Every action these widgets can send.
#[derive(Action, Debug)]
enum DemoAction {
    /// The seed's widget-based action, with its `loadingBehavior`.
    #[action(loading = "container")]
    FormSubmit {
        #[serde(rename = "formData")]
        form_data: String,
    },
    /// The seed's form: `id` from the server, `title` and `description` from the form.
    UpdateTodo {
        id: String,
        #[action(form)]
        title: String,
        #[action(form)]
        #[serde(default)]
        description: String,
    },
    /// The seed's Card as form.
    CardSubmit {
        #[serde(rename = "cardId")]
        card_id: String,
    },
    /// Dismisses a card.
    Dismiss,
    /// The seed's client-side handling: the browser's `widgets.onAction` gets it.
    #[action(typed, handler = "client")]
    Example(ExamplePayload),
    /// A clickable list item.
    SelectTodo { id: String },
}

fn print(name: &str, widget: impl Into<WidgetRoot>) -> Result<(), Box<dyn std::error::Error>> {
    let widget = widget.into();
    if let Err(issues) = widget.check() {
        let issues: Vec<String> = issues.iter().map(ToString::to_string).collect();
        return Err(format!(
            "widget `{name}` fails the form check: {}",
            issues.join("; ")
        )
        .into());
    }
    println!("// {name}\n{}\n", serde_json::to_string_pretty(&widget)?);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    print(
        "Button with a typed action",
        Card::new().child(
            Button::new("Submit")
                .on_click_action(DemoAction::FormSubmit {
                    form_data: "value".into(),
                })
                .style(ButtonStyle::Primary),
        ),
    )?;

    print(
        "Form with editable Text: title and description arrive in the payload",
        Card::new().child(
            Form::new()
                .on_submit_action(DemoAction::offer_update_todo("todo_1".into()))
                .child(Title::new("Edit Todo"))
                .child(Text::new("Title").color("secondary"))
                .child(Text::new("Buy milk").editable(EditableProps::new("title").required(true)))
                .child(Text::new("Description").color("secondary"))
                .child(Text::new("2 litres").editable(EditableProps::new("description")))
                .child(Button::new("Save").submit(true)),
        ),
    )?;

    print(
        "Card as a form, with confirm and cancel",
        Card::new()
            .as_form(true)
            .child(
                Text::new("Comments")
                    .editable(EditableProps::new("comments").placeholder("Anything to add?")),
            )
            .confirm(
                "Submit",
                DemoAction::CardSubmit {
                    card_id: "xyz".into(),
                },
            )
            .cancel("Dismiss", DemoAction::Dismiss),
    )?;

    print(
        "A client-handled action",
        Card::new().child(
            Button::new("Example").on_click_action(DemoAction::Example(ExamplePayload { id: 123 })),
        ),
    )?;

    print(
        "A ListView whose items are clickable",
        ListView::new()
            .child(
                ListViewItem::new()
                    .on_click_action(DemoAction::SelectTodo {
                        id: "todo_1".into(),
                    })
                    .child(
                        Row::new()
                            .child(Text::new("Buy milk"))
                            .child(Badge::new("today")),
                    ),
            )
            .child(
                ListViewItem::new()
                    .on_click_action(DemoAction::SelectTodo {
                        id: "todo_2".into(),
                    })
                    .child(
                        Row::new()
                            .child(Text::new("Call Ada"))
                            .child(Caption::new("tomorrow")),
                    ),
            ),
    )?;

    let config = ActionConfig::create(ExamplePayload { id: 123 });
    println!(
        "// ExampleAction.create(ExamplePayload(id=123)), type {:?}\n{}",
        ExamplePayload::SPEC.action_type,
        serde_json::to_string_pretty(&config)?
    );
    Ok(())
}
