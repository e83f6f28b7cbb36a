//! Widget templates (`.widget` files, `widget::WidgetTemplate`): rendering parity with the
//! official Python SDK's `WidgetTemplate`, clear errors for every way a template or its data
//! can be wrong, template-built widgets through the form check, action sites and
//! `diff_widget`, and a property test feeding arbitrary data to every template.
//!
//! The `.widget` files and the data sets are in `tests/templates` (`cases.json`); the SDK side
//! is `tests/templates/sdk_templates.py`, run with the oracle virtualenv's interpreter when
//! `CHATKIT_ORACLE_VENV` is set (the parity test skips itself, saying so, otherwise).

use std::path::{Path, PathBuf};
use std::process::Command;

use chatkit_actions::thread::{ThreadItemUpdate, diff_widget};
use chatkit_actions::widget::{
    TemplateError, WidgetComponent, WidgetIssue, WidgetRoot, WidgetTemplate,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/templates")
}

fn template(file: &str) -> WidgetTemplate {
    WidgetTemplate::from_file(folder().join(file))
        .unwrap_or_else(|error| panic!("{file} compiles: {error}"))
}

/// The data sets of `cases.json`: a name, a `.widget` file, the data, and whether building
/// must fail.
fn cases() -> Vec<(String, String, Value, bool)> {
    let text = std::fs::read_to_string(folder().join("cases.json")).expect("cases.json");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("cases.json is JSON");
    cases
        .into_iter()
        .map(|case| {
            (
                case["name"].as_str().expect("a name").to_owned(),
                case["widget"].as_str().expect("a widget").to_owned(),
                case["data"].clone(),
                case["error"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// `value` without `null` members and elements (the SDK's dump drops them), every number as an
/// `f64` (JSON has one number type: `4` and `4.0` are the same value to the client).
fn normalized(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(key, member)| (key.clone(), normalized(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|item| !item.is_null())
                .map(normalized)
                .collect(),
        ),
        Value::Number(number) => json!(number.as_f64().expect("a finite number")),
        other => other.clone(),
    }
}

#[test]
fn every_case_builds_or_fails_as_expected() {
    for (name, widget, data, fails) in cases() {
        let template = template(&widget);
        let built = template.build(&data);
        assert_eq!(built.is_err(), fails, "{name}: {built:?}");
        if let Err(error) = built {
            let message = error.to_string();
            assert!(message.contains(&widget), "{name}: {message}");
            assert!(error.line().is_some(), "{name}: {message}");
        }
    }
}

#[test]
fn rendering_matches_the_python_sdk() {
    let Some(venv) = std::env::var_os("CHATKIT_ORACLE_VENV") else {
        println!(
            "skipped: CHATKIT_ORACLE_VENV is not set (run scripts/oracle-setup.sh, then set it to target/chatkit-sdk)"
        );
        return;
    };
    let python = Path::new(&venv).join("bin/python");
    let output = Command::new(&python)
        .arg(folder().join("sdk_templates.py"))
        .arg("render")
        .arg(folder().join("cases.json"))
        .output()
        .unwrap_or_else(|error| panic!("run {}: {error}", python.display()));
    assert!(
        output.status.success(),
        "the SDK script failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON answer a line"))
        .collect();
    let cases = cases();
    assert_eq!(answers.len(), cases.len());
    for ((name, widget, data, fails), answer) in cases.iter().zip(&answers) {
        assert_eq!(answer["name"], json!(name));
        let template = template(widget);
        if let Some(sdk_error) = answer.get("error") {
            let error = template.build(data).expect_err(name);
            assert!(
                *fails,
                "{name}: the SDK fails ({sdk_error}), we did too: {error}"
            );
            println!("{name}: both fail; SDK: {sdk_error}; here: {error}");
            continue;
        }
        assert!(!fails, "{name}: the SDK builds it");
        // The rendered JSON: what the SDK's `build` returns.
        let rendered = template.build_value(data).expect(name);
        assert_eq!(
            normalized(&rendered),
            normalized(&answer["dynamic"]),
            "{name}: rendered JSON"
        );
        // The typed widget: what the SDK's typed models make of the same JSON.
        let root = template.build(data).expect(name);
        let typed = serde_json::to_value(&root).expect("a widget serializes");
        let expected = if answer["strict"].is_null() {
            &answer["dynamic"]
        } else {
            &answer["strict"]
        };
        assert_eq!(
            normalized(&typed),
            normalized(expected),
            "{name}: typed widget"
        );
    }
    println!(
        "{} cases rendered as the Python SDK renders them",
        answers.len()
    );
}

// `TodoAction`, `todo_data` and `todo_builders`: the todo list of `todo_list.widget`, built
// with the builders (shared with the templates benchmark).
include!("templates/todo_builders.rs");
use todo::{todo_builders, todo_data};

#[test]
fn the_template_builds_what_the_builders_build() {
    let template = template("todo_list.widget");
    for count in [0, 1, 20] {
        let built = template.build(&todo_data(count)).expect("builds");
        assert_eq!(built, todo_builders(count), "{count} todos");
        // Typed, not dynamic: every node has a model here.
        let WidgetRoot::Card(card) = &built else {
            panic!("a Card")
        };
        assert!(
            card.children
                .iter()
                .all(|child| !matches!(child, WidgetComponent::Dynamic(_)))
        );
    }
}

#[test]
fn template_widgets_go_through_the_form_check_and_action_sites() {
    let template = template("todo_list.widget");
    let root = template.build(&todo_data(2)).expect("builds");
    assert_eq!(root.check(), Ok(()));
    let types: Vec<String> = root
        .action_sites()
        .into_iter()
        .map(|site| site.action.action_type)
        .collect();
    assert_eq!(
        types,
        ["toggle", "delete", "toggle", "delete", "add_todo"].map(String::from)
    );

    // A form whose action's payload already holds the input's name: the client would drop the
    // typed value, and the check says so, as for a builder-built widget.
    let colliding = WidgetTemplate::new(
        "Rename",
        r#"{"type": "Card", "children": [{"type": "Form",
            "onSubmitAction": {"type": "rename", "payload": {"title": {{ title | tojson }}}},
            "children": [{"type": "Input", "name": "title"}]}]}"#,
        json!({}),
    )
    .expect("compiles");
    let root = colliding.build(&json!({"title": "old"})).expect("builds");
    let issues = root.check().expect_err("a collision");
    assert!(
        matches!(&issues[..], [WidgetIssue::FormValueCollision { field_name, .. }] if field_name == "title"),
        "{issues:?}"
    );
}

#[test]
fn template_widgets_stream_through_diff_widget() {
    let template = WidgetTemplate::new(
        "Answer",
        r#"{"type": "Card", "children": [
            {"type": "Title", "value": {{ title | tojson }}},
            {"type": "Markdown", "id": "answer", "value": {{ answer | tojson }}, "streaming": {{ streaming | tojson }}}
        ]}"#,
        json!({}),
    )
    .expect("compiles");
    let before = template
        .build(&json!({"title": "Q", "answer": "The", "streaming": true}))
        .expect("builds");
    let after = template
        .build(&json!({"title": "Q", "answer": "The answer", "streaming": true}))
        .expect("builds");
    let updates = diff_widget(&before, &after).expect("cumulative");
    assert_eq!(
        serde_json::to_value(&updates).expect("serializes"),
        json!([{"type": "widget.streaming_text.value_delta", "component_id": "answer", "delta": " answer", "done": false}])
    );
    let retitled = template
        .build(&json!({"title": "Another", "answer": "The answer", "streaming": true}))
        .expect("builds");
    let updates = diff_widget(&after, &retitled).expect("a replace");
    assert!(
        matches!(&updates[..], [ThreadItemUpdate::WidgetRootUpdated { widget }] if widget == &retitled),
        "{updates:?}"
    );
}

#[test]
fn unknown_components_are_kept_as_dynamic_nodes() {
    let root = template("status.widget")
        .build(&json!({"label": "p99", "points": [1, 2], "meta": {}}))
        .expect("builds");
    let wire = serde_json::to_value(&root).expect("serializes");
    assert_eq!(wire["type"], "Basic");
    assert_eq!(
        wire["children"][0],
        json!({"type": "Sparkline", "points": [1, 2]})
    );
}

#[test]
fn definitions_read_as_the_sdk_reads_them() {
    let template = template("weather.widget");
    assert_eq!(template.name(), "Weather");
    assert_eq!(template.data_schema()["required"][0], "city");
    assert!(template.source().contains("forecast"));

    // No `jsonSchema`, extra keys: fine.
    let bare = WidgetTemplate::from_json(
        r#"{"version": "1.0", "name": "Bare", "template": "{\"type\": \"Card\", \"children\": []}", "encodedWidget": "…", "outputJsonPreview": {}}"#,
    )
    .expect("reads");
    assert_eq!(bare.data_schema(), &json!({}));
    assert_eq!(
        serde_json::to_value(bare.build(&()).expect("no data needed")).expect("serializes"),
        json!({"type": "Card", "children": []})
    );
    assert!(bare.build(&None::<Value>).is_ok());
}

fn error_of(result: Result<impl std::fmt::Debug, TemplateError>) -> (TemplateError, String) {
    let error = result.expect_err("an error");
    let message = error.to_string();
    (error, message)
}

#[test]
fn a_wrong_version_is_refused() {
    for version in [r#""2.0""#, r#""1""#, "1.0", "null"] {
        let (error, message) = error_of(WidgetTemplate::from_json(&format!(
            r#"{{"version": {version}, "name": "Old", "template": "{{}}"}}"#
        )));
        assert!(matches!(error, TemplateError::Version { .. }), "{error:?}");
        assert_eq!(
            message,
            format!(
                "widget template `Old`: unsupported .widget version {version} (this crate reads version \"1.0\")"
            )
        );
    }
    let (error, _) = error_of(WidgetTemplate::from_json(
        r#"{"name": "None", "template": "{}"}"#,
    ));
    assert!(
        matches!(&error, TemplateError::Definition { message, .. } if message.contains("version")),
        "{error:?}"
    );
}

#[test]
fn definition_errors_say_what_is_wrong() {
    let (error, message) = error_of(WidgetTemplate::from_json("{not json"));
    assert!(matches!(error, TemplateError::Definition { .. }));
    assert!(message.contains("not JSON"), "{message}");
    let (_, message) = error_of(WidgetTemplate::from_json(
        r#"{"version": "1.0", "name": "NoTemplate"}"#,
    ));
    assert!(
        message.starts_with(
            "widget template `NoTemplate`: not a .widget definition: missing field `template`"
        ),
        "{message}"
    );
    let (error, message) = error_of(WidgetTemplate::from_file(folder().join("absent.widget")));
    assert!(matches!(error, TemplateError::Io { .. }));
    assert!(message.contains("absent.widget"), "{message}");
}

#[test]
fn a_jinja_syntax_error_names_the_line() {
    let (error, message) = error_of(WidgetTemplate::new(
        "Broken",
        "{\"type\": \"Card\",\n \"children\": [\n {% for item in items %}{}\n]}",
        json!({}),
    ));
    assert!(matches!(error, TemplateError::Syntax { .. }), "{error:?}");
    // The line of the `for` that is never closed.
    assert_eq!(error.line(), Some(3), "{message}");
    assert!(
        message.starts_with("widget template `Broken`, line 3: syntax error:"),
        "{message}"
    );
}

#[test]
fn bad_data_names_the_template_and_the_line() {
    let template = template("todo_list.widget");
    // A value the template reads is missing.
    let (error, message) =
        error_of(template.build(&json!({"todos": [{"id": 1, "title": "t", "done": false}]})));
    assert!(matches!(error, TemplateError::Render { .. }), "{error:?}");
    assert!(error.line().is_some_and(|line| line > 1), "{message}");
    assert!(message.contains("todo_list.widget"), "{message}");
    assert!(message.contains("undefined value"), "{message}");
    // A value of the wrong type.
    let (error, message) = error_of(template.build(&json!({"todos": 3})));
    assert!(matches!(error, TemplateError::Render { .. }), "{error:?}");
    assert!(
        message.contains("not iterable") || message.contains("cannot"),
        "{message}"
    );
    // Data that is not a map.
    let (error, message) = error_of(template.build(&json!([1, 2])));
    assert!(matches!(error, TemplateError::Data { .. }), "{error:?}");
    assert!(message.contains("must be a struct or a map"), "{message}");
}

#[test]
fn invalid_json_output_names_the_output_line() {
    let template = WidgetTemplate::new(
        "Unquoted",
        "{\"type\": \"Card\",\n \"children\": [\n  {\"type\": \"Text\", \"value\": {{ text }}}\n]}",
        json!({}),
    )
    .expect("compiles");
    let (error, message) = error_of(template.build(&json!({"text": "hello world"})));
    assert!(
        matches!(&error, TemplateError::Output { line: 3, excerpt, .. } if excerpt.contains("hello world")),
        "{error:?}"
    );
    assert!(
        message.starts_with(
            "widget template `Unquoted` rendered invalid JSON: expected value, at line 3, column"
        ),
        "{message}"
    );

    let template = WidgetTemplate::new("Leaf", r#"{"type": "Text", "value": "x"}"#, json!({}))
        .expect("compiles");
    let (error, message) = error_of(template.build(&()));
    assert!(matches!(error, TemplateError::Widget { .. }), "{error:?}");
    assert!(
        message.contains("unknown widget root type `Text`"),
        "{message}"
    );
}

/// `build` reads a text without the indentation of the template's text: the widget it gives is
/// the one the template's own output reads as, and when that output does not read, the error
/// is the one its own text gives (a line break inside a JSON string, indented).
#[test]
fn build_reads_what_the_rendered_text_reads() {
    for (name, widget, data, fails) in cases() {
        if fails {
            continue;
        }
        let template = template(&widget);
        let rendered = template.render(&data).expect("renders");
        let read: WidgetRoot = serde_json::from_str(&rendered).expect("reads");
        assert_eq!(template.build(&data).expect("builds"), read, "{name}");
    }

    let template = WidgetTemplate::new(
        "Broken",
        "{\"type\": \"Card\", \"children\": [\n  {\"type\": \"Text\", \"value\": \"{{ first }}\n      {{ second }}\"}\n]}",
        json!({}),
    )
    .expect("compiles");
    let data = json!({"first": "one", "second": "two"});
    let rendered = template.render(&data).expect("renders");
    let expected = serde_json::from_str::<Value>(&rendered).expect_err("not JSON");
    let (error, _) = error_of(template.build(&data));
    assert!(
        matches!(&error, TemplateError::Output { line, column, .. }
            if *line == expected.line() && *column == expected.column()),
        "{error:?} against {expected}"
    );
}

/// Arbitrary JSON: any data a caller (or a model) could hand a template.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("todos".to_owned()),
                    Just("title".to_owned()),
                    Just("id".to_owned()),
                    Just("done".to_owned()),
                    Just("added".to_owned()),
                    Just("forecast".to_owned()),
                    Just("label".to_owned()),
                    Just("points".to_owned()),
                    Just("meta".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..5
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the data, building answers: a widget, or an error naming the template; and
    /// the widget is the one the template's own output reads as (`build` renders the template
    /// without its indentation, its `tojson` emits printed by the formatter).
    #[test]
    fn arbitrary_data_never_panics(data in arbitrary_json()) {
        for file in ["todo_list.widget", "weather.widget", "status.widget", "greeting.widget"] {
            let template = template(file);
            match template.build(&data) {
                Ok(root) => {
                    let rendered = template.render(&data).expect("renders as written too");
                    let read: WidgetRoot = serde_json::from_str(&rendered).expect("reads as written too");
                    prop_assert_eq!(root, read);
                }
                Err(error) => {
                    prop_assert!(error.to_string().contains(file), "{}", error);
                    let read = template.render(&data).ok().and_then(|rendered| serde_json::from_str::<WidgetRoot>(&rendered).ok());
                    prop_assert!(read.is_none(), "{} builds as written: {:?}", error, read);
                }
            }
        }
    }

    /// Any text in the data comes out of the widget exactly as it went in (`tojson` escapes
    /// it), and any number of todos renders.
    #[test]
    fn arbitrary_text_round_trips(titles in prop::collection::vec(any::<String>(), 0..6), title in any::<String>()) {
        let todos: Vec<Value> = titles.iter().enumerate().map(|(id, text)| {
            json!({"id": id, "title": text, "added": text, "done": id % 2 == 0})
        }).collect();
        let root = template("todo_list.widget").build(&json!({"todos": todos, "title": title})).expect("builds");
        let wire = serde_json::to_value(&root).expect("serializes");
        prop_assert_eq!(&wire["children"][0]["value"], &json!(title));
        for (index, text) in titles.iter().enumerate() {
            let row = &wire["children"][index + 1];
            prop_assert_eq!(&row["children"][1]["children"][0]["value"], &json!(text));
            prop_assert_eq!(&row["children"][1]["children"][1]["value"], &json!(format!("Added on {text}")));
        }
    }
}

/// Widget JSON text of any shape, as a template may render it: nodes of typed and unknown
/// types, `type` first or not, repeated keys, props the typed models accept or reject, nested
/// children of every kind (a list, one node, a `Transition`'s child, `Table` rows, `ListView`
/// items).
fn widget_text() -> impl Strategy<Value = String> {
    const TYPES: &[&str] = &[
        "Card",
        "ListView",
        "Basic",
        "Row",
        "Col",
        "Box",
        "Text",
        "Title",
        "Button",
        "Badge",
        "Transition",
        "Table",
        "Table.Row",
        "Table.Cell",
        "ListViewItem",
        "Form",
        "Input",
        "Sparkline",
    ];
    let prop_value = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("3".to_owned()),
        Just("-1".to_owned()),
        Just("2.5".to_owned()),
        Just(r#""sm""#.to_owned()),
        Just(r#""outline""#.to_owned()),
        Just(r#""a\"b\u00e9""#.to_owned()),
        Just(r#"{"type": "save", "payload": {"id": 1, "id": null}}"#.to_owned()),
        Just(r#"{"type": 3}"#.to_owned()),
        Just("[1, null]".to_owned()),
        "[a-z<&']{0,8}".prop_map(|text| Value::from(text).to_string()),
    ];
    let key = prop_oneof![
        Just("key"),
        Just("value"),
        Just("label"),
        Just("size"),
        Just("variant"),
        Just("gap"),
        Just("onClickAction"),
        Just("streaming"),
        Just("name"),
        Just("limit"),
        Just("other"),
        Just("type"),
    ];
    let member = (key, prop_value).prop_map(|(key, value)| format!("\"{key}\": {value}"));
    let node_type = prop_oneof![
        8 => proptest::sample::select(TYPES).prop_map(|name| format!("\"{name}\"")),
        1 => Just("7".to_owned()),
        1 => Just(r#""Te\u0078t""#.to_owned()),
    ];
    // A node: its type (first, after its other members, or missing) and members.
    let leaf = (
        proptest::option::of(node_type),
        any::<bool>(),
        prop::collection::vec(member, 0..4),
    )
        .prop_map(|(node_type, first, mut members)| {
            if let Some(node_type) = node_type {
                let member = format!("\"type\": {node_type}");
                if first {
                    members.insert(0, member);
                } else {
                    members.push(member);
                }
            }
            members
        });
    leaf.prop_recursive(4, 32, 4, |inner| {
        let node = inner
            .clone()
            .prop_map(|members: Vec<String>| format!("{{{}}}", members.join(", ")));
        (
            inner,
            prop_oneof![Just("children"), Just("items")],
            prop_oneof![
                4 => prop::collection::vec(node.clone(), 0..4)
                    .prop_map(|nodes| format!("[{}]", nodes.join(", "))),
                1 => node,
                1 => Just("[42]".to_owned()),
            ],
        )
            .prop_map(|(mut members, key, children)| {
                members.push(format!("\"{key}\": {children}"));
                members
            })
    })
    .prop_map(|members| format!("{{{}}}", members.join(", ")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `build` reads the rendered text (straight into the typed components when it can) as
    /// `serde_json::from_str::<WidgetRoot>` reads it: the same widget, or the same error.
    #[test]
    fn built_widgets_read_as_serde_json_reads_them(text in widget_text()) {
        let template = WidgetTemplate::new("Echo", "{{ text }}", json!({})).expect("compiles");
        let built = template.build(&json!({"text": text}));
        match (built, serde_json::from_str::<WidgetRoot>(&text)) {
            (Ok(built), Ok(expected)) => prop_assert_eq!(built, expected),
            (Err(TemplateError::Widget { message, .. }), Err(expected)) => {
                let expected = expected.to_string();
                prop_assert_eq!(Some(message.as_str()), expected.split(" at line ").next());
            }
            (built, expected) => prop_assert!(false, "{text}: {built:?} against {expected:?}"),
        }
    }
}
