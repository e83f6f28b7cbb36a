//! Serializing a realistic todo list widget: a Card with a title, 20 rows (a checkbox-like
//! toggle button, the title, a caption, a badge and a delete button, each button with its
//! typed action) and a "new todo" form. Measured against serializing the same tree held as
//! an untyped `serde_json::Value` (what a dynamic widget model writes).
//!
//! `cargo bench --bench widgets -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chatkit_actions::Action;
use chatkit_actions::widget::{
    Badge, BadgeColor, Button, ButtonStyle, Caption, Card, Col, ControlSize, ControlVariant,
    Divider, Form, Input, Row, Spacer, Text, Title, WidgetRoot,
};
use criterion::{Criterion, Throughput};

#[derive(Action, Debug)]
enum TodoAction {
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

fn todo_list(count: u64) -> WidgetRoot {
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
    let form = Form::new()
        .on_submit_action(TodoAction::AddTodo {
            title: String::new(),
        })
        .direction(chatkit_actions::widget::Direction::Row)
        .gap(2)
        .child(
            Input::new("title")
                .placeholder("What needs doing?")
                .required(true)
                .pattern(r"\S.*"),
        )
        .child(Button::new("Add").submit(true).style(ButtonStyle::Primary));
    Card::new()
        .key("todo-list")
        .child(Title::new("Todos"))
        .children(rows)
        .child(Divider::new())
        .child(form)
        .into()
}

fn bench(c: &mut Criterion) {
    let widget = todo_list(20);
    let Ok(json) = serde_json::to_string(&widget) else {
        return;
    };
    let Ok(value) = serde_json::to_value(&widget) else {
        return;
    };
    // The untyped tree writes the same JSON (its keys sorted, so compare lengths).
    assert_eq!(
        serde_json::to_string(&value).map(|s| s.len()).ok(),
        Some(json.len())
    );

    let mut group = c.benchmark_group("widgets");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("typed/to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&widget)));
    });
    group.bench_function("json_value/to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&value)));
    });
    group.bench_function("typed/build_and_to_vec", |b| {
        b.iter(|| serde_json::to_vec(&todo_list(black_box(20))));
    });
    group.finish();
    println!("todo list widget: {} bytes of JSON", json.len());
}

// `criterion_group!` would define an undocumented public fn; this is what it expands to.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
