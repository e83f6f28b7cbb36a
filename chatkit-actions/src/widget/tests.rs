//! Unit tests of the widget module: the SDK's conformance cases round-trip, the builders
//! write what the SDK writes, payload nulls are dropped in widgets, and the form check.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;
use crate::config::{ActionConfig, Handler, LoadingBehavior};

/// The conformance cases kept in the repository.
fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/cases")
}

/// Every case whose file name starts with one of `prefixes`: (name, kind, json, expected).
fn cases(prefixes: &[&str]) -> Vec<(String, String, Value, Value)> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(cases_dir()).expect("the conformance cases exist");
    for entry in entries {
        let path = entry.expect("readable directory").path();
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default()
            .to_owned();
        if !prefixes.iter().any(|prefix| name.starts_with(prefix)) {
            continue;
        }
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable case"))
                .expect("JSON case");
        let kind = case["kind"].as_str().expect("a kind").to_owned();
        let expected = case.get("roundtrip").unwrap_or(&case["json"]).clone();
        found.push((name, kind, case["json"].clone(), expected));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn case_json(name: &str) -> Value {
    let path = cases_dir().join(format!("{name}.json"));
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("case exists")).expect("JSON");
    case["json"].clone()
}

/// `input` parsed as `T`, or a panic naming the case.
fn parse<T: serde::de::DeserializeOwned>(name: &str, input: Value) -> T {
    serde_json::from_value(input).unwrap_or_else(|error| panic!("{name}: does not parse: {error}"))
}

/// Asserts that `value` serializes to the `json` of the conformance case `name`.
fn assert_writes_case(value: &impl serde::Serialize, name: &str) {
    assert_eq!(
        serde_json::to_value(value).expect("serializes"),
        case_json(name),
        "{name}"
    );
}

fn dynamic_nodes(root: &WidgetRoot) -> Vec<String> {
    let mut dynamic = Vec::new();
    root.for_each_component(|component, pointer| {
        if let WidgetComponent::Dynamic(node) = component {
            dynamic.push(format!("{} at {pointer}", node.component_type));
        }
    });
    dynamic
}

#[test]
fn conformance_widget_cases_round_trip_through_typed_models() {
    let cases = cases(&["widget-"]);
    assert_eq!(cases.len(), 11, "all widget cases are found");
    for (name, kind, input, expected) in cases {
        let output = match kind.as_str() {
            "WidgetRoot" => {
                let root: WidgetRoot = parse(&name, input);
                assert!(
                    !matches!(root, WidgetRoot::Dynamic(_)),
                    "{name}: the root fell back to dynamic"
                );
                assert_eq!(
                    dynamic_nodes(&root),
                    Vec::<String>::new(),
                    "{name}: untyped nodes"
                );
                if name == "widget-basic-root" {
                    let WidgetRoot::Basic(basic) = &root else {
                        panic!("{name}: not a Basic root")
                    };
                    let children = basic.children.as_deref().unwrap_or_default();
                    assert!(
                        children
                            .iter()
                            .all(|child| matches!(child, WidgetComponent::Dynamic(_)))
                    );
                } else {
                    assert!(
                        matches!(root, WidgetRoot::Card(_) | WidgetRoot::ListView(_)),
                        "{name}: unexpected root {root:?}"
                    );
                }
                serde_json::to_value(&root).expect("serializes")
            }
            "WidgetComponent" => {
                let component: WidgetComponent = parse(&name, input);
                assert!(
                    !matches!(component, WidgetComponent::Dynamic(_)),
                    "{name}: dynamic"
                );
                serde_json::to_value(&component).expect("serializes")
            }
            other => panic!("{name}: unexpected kind {other}"),
        };
        assert_eq!(output, expected, "{name}: round trip differs");
    }
}

#[test]
fn conformance_action_config_cases_round_trip() {
    let cases = cases(&["action-config-", "action-create-"]);
    assert_eq!(cases.len(), 10, "all ActionConfig cases are found");
    for (name, kind, input, expected) in cases {
        assert_eq!(kind, "ActionConfig", "{name}");
        let config: ActionConfig = serde_json::from_value(input)
            .unwrap_or_else(|error| panic!("{name}: does not parse: {error}"));
        assert_eq!(
            serde_json::to_value(&config).expect("serializes"),
            expected,
            "{name}"
        );
    }
}

#[test]
fn action_nulls_are_dropped_inside_a_widget_but_kept_standalone() {
    let config: ActionConfig =
        serde_json::from_value(case_json("action-config-dict-payload-with-null")).expect("parses");
    let standalone = serde_json::to_value(&config).expect("serializes");
    assert_eq!(standalone["payload"]["page"], Value::Null);
    assert_eq!(standalone["payload"]["ids"], json!([1, null, 3]));

    let button = Button::new("Filter").on_click_action(config.clone());
    assert_eq!(
        serde_json::to_value(&button).expect("serializes"),
        json!({
            "type": "Button",
            "label": "Filter",
            "onClickAction": {
                "type": "filter",
                "payload": {"query": "shoes", "ids": [1, 3], "nested": {}},
                "handler": "server",
                "loadingBehavior": "auto",
                "streaming": true,
            },
        })
    );
    // The same in every other slot, down to a Card footer.
    let card = Card::new()
        .confirm("Go", config.clone())
        .cancel("No", ActionConfig::new("x").payload(Value::Null));
    let card = serde_json::to_value(WidgetRoot::from(card)).expect("serializes");
    assert_eq!(card["confirm"]["action"]["payload"]["ids"], json!([1, 3]));
    assert!(
        card["cancel"]["action"].get("payload").is_none(),
        "a null payload is omitted"
    );
    let select = Select::new("s").on_change_action(config);
    assert_eq!(
        serde_json::to_value(&select).expect("serializes")["onChangeAction"]["payload"]["ids"],
        json!([1, 3])
    );
}

#[test]
fn builders_write_the_card_button_case() {
    let root: WidgetRoot = Card::new()
        .key("counter")
        .child(
            Text::new("Count: 0")
                .id("count-label")
                .weight(FontWeight::Semibold)
                .size(TextSize::Lg),
        )
        .child(
            Button::new("Increment")
                .on_click_action(ActionConfig::new("increment").payload(json!({"count": 0})))
                .style(ButtonStyle::Primary),
        )
        .into();
    assert_writes_case(&root, "widget-card-button");
}

#[test]
fn builders_write_the_form_case() {
    let form = Form::new()
        .gap(3)
        .direction(Direction::Col)
        .on_submit_action(
            ActionConfig::new("profile.save")
                .payload(json!({"user_id": "u_42"}))
                .loading_behavior(LoadingBehavior::Container),
        )
        .child(Title::new("Edit profile").size(TitleSize::Md))
        .child(
            Text::new("Ada Lovelace").editable(
                EditableProps::new("profile.name")
                    .pattern("^[A-Za-z ]+$")
                    .placeholder("Your name")
                    .required(true),
            ),
        )
        .child(Label::new("Email", "profile.email"))
        .child(
            Input::new("profile.email")
                .input_type(InputType::Email)
                .required(true)
                .placeholder("you@example.com"),
        )
        .child(
            Textarea::new("profile.bio")
                .default_value("Hello")
                .rows(3)
                .auto_resize(true)
                .max_rows(6),
        )
        .child(
            Select::new("profile.role")
                .option(SelectOption::new("admin", "Admin"))
                .option(SelectOption::new("user", "User").description("Regular access"))
                .default_value("user")
                .clearable(true),
        )
        .child(
            Checkbox::new("profile.newsletter")
                .label("Subscribe")
                .default_checked(true),
        )
        .child(
            RadioGroup::new("profile.plan")
                .options([
                    RadioOption::new("free", "Free"),
                    RadioOption::new("pro", "Pro").disabled(true),
                ])
                .default_value("free")
                .direction(Direction::Row),
        )
        .child(
            DatePicker::new("profile.birthday")
                .default_value("1990-01-15T00:00:00")
                .min("1900-01-01T00:00:00")
                .max("2025-12-31T00:00:00"),
        )
        .child(
            Row::new()
                .justify(Justification::End)
                .child(Button::new("Save").submit(true).style(ButtonStyle::Primary)),
        );
    let root = WidgetRoot::from(Card::new().child(form));
    assert_writes_case(&root, "widget-form-all-fields");
}

#[test]
fn builders_write_the_list_view_case() {
    let list = ListView::new()
        .children((0..3).map(|i| {
            ListViewItem::new()
                .key(format!("row-{i}"))
                .child(Text::new(format!("Row {i}")))
                .child(Spacer::new())
                .child(Caption::new("2m"))
                .on_click_action(
                    ActionConfig::new("row.select").payload(json!({"row_id": format!("r{i}")})),
                )
                .gap(2)
                .align(Alignment::Center)
        }))
        .limit(3)
        .status(WidgetStatus::new("Inbox").favicon("https://example.com/favicon.ico"));
    assert_eq!(
        serde_json::to_value(WidgetRoot::from(list)).expect("serializes"),
        case_json("widget-listview-items")
    );
}

#[test]
fn builders_write_the_nested_layout_case() {
    let inner = super::Box::new()
        .direction(Direction::Col)
        .gap(2)
        .padding(4)
        .border(1)
        .radius(Radius::Lg)
        .background(ThemeColor::new("white", "gray-900"))
        .child(
            Row::new()
                .align(Alignment::Center)
                .justify(Justification::Between)
                .child(Title::new("Orders"))
                .child(Badge::new("3 new").color(BadgeColor::Info).pill(true)),
        )
        .child(
            Col::new()
                .flex(1)
                .gap("8px")
                .children([Text::new("First"), Text::new("Second")]),
        );
    let root = WidgetRoot::from(Card::new().child(inner));
    let wire = serde_json::to_value(&root).expect("serializes");
    assert_eq!(wire, case_json("widget-nested-box-row-col"));
    assert_eq!(
        wire["children"][0]["padding"].to_string(),
        "4.0",
        "a float field is written as a float"
    );
}

#[test]
fn builders_write_the_chart_and_confirm_cancel_cases() {
    let chart = Chart::new(XAxisConfig::new("month"))
        .row([
            ("month", "Jan".into()),
            ("sales", 10.into()),
            ("cost", 4.5.into()),
        ])
        .row([
            ("month", "Feb".into()),
            ("sales", 12.into()),
            ("cost", 5.into()),
        ])
        .series(Series::bar("Sales", "sales").color("blue"))
        .series(Series::Line(LineSeries {
            label: None,
            data_key: "cost".into(),
            color: None,
            curve_type: Some(CurveType::Monotone),
        }))
        .show_legend(true)
        .height(200);
    assert_eq!(
        serde_json::to_value(WidgetRoot::from(Card::new().child(chart))).expect("serializes"),
        case_json("widget-chart")
    );

    let card = Card::new()
        .as_form(true)
        .child(Text::new("Rename item").weight(FontWeight::Medium))
        .child(
            Input::new("title")
                .default_value("Old title")
                .required(true),
        )
        .size(CardSize::Md)
        .confirm(
            "Save",
            ActionConfig::new("item.rename").payload(json!({"item": "i1"})),
        )
        .cancel(
            "Cancel",
            ActionConfig::new("item.cancel").handler(Handler::Client),
        );
    assert_eq!(
        serde_json::to_value(WidgetRoot::from(card)).expect("serializes"),
        case_json("widget-card-as-form-confirm-cancel")
    );
}

#[test]
#[allow(
    non_upper_case_globals,
    reason = "the derive's generated constants currently trip this lint; not this module's code"
)]
fn typed_actions_go_straight_into_action_slots() {
    #[derive(crate::Action, Debug)]
    enum AppAction {
        Increment { count: i64 },
    }
    let button = Button::new("+1").on_click_action(AppAction::Increment { count: 2 });
    let item = ListViewItem::new().on_click_action(AppAction::Increment { count: 3 });
    let card = Card::new().confirm("Ok", AppAction::Increment { count: 4 });
    assert_eq!(
        button.on_click_action.map(|action| action.payload),
        Some(Some(json!({"count": 2})))
    );
    assert_eq!(
        item.on_click_action.map(|action| action.action_type),
        Some("increment".to_owned())
    );
    assert_eq!(
        card.confirm.map(|confirm| confirm.action.payload),
        Some(Some(json!({"count": 4})))
    );
}

#[test]
fn an_unserializable_payload_is_kept_and_reported_never_sent() {
    use std::collections::BTreeMap;

    #[derive(crate::Action, Debug)]
    enum AppAction {
        // A JSON object's keys are strings: a map keyed by pairs has no JSON form.
        Plot(BTreeMap<(i32, i32), String>),
        Refresh,
    }
    let plot = || AppAction::Plot(BTreeMap::from([((1, 2), "a".to_owned())]));

    // Building never panics; the error is kept in the slot's config.
    let root = WidgetRoot::from(
        Card::new()
            .child(Button::new("Plot").on_click_action(plot()))
            .confirm("Refresh", AppAction::Refresh),
    );
    let WidgetRoot::Card(card) = &root else {
        unreachable!()
    };
    let WidgetComponent::Button(button) = &card.children[0] else {
        unreachable!()
    };
    let config = button.on_click_action.as_ref().expect("the slot is set");
    assert_eq!(config.action_type, "plot");
    assert_eq!(config.payload, None);
    let error = config.payload_error().expect("the error is kept");
    assert_eq!(error.action_type(), "plot");

    // The check reports it, with where it is.
    let issues = root.check().expect_err("the check reports it");
    assert!(
        matches!(
            &issues[..],
            [WidgetIssue::PayloadNotSerializable { action_type, slot: ActionSlot::ButtonClick, action_pointer, message }]
                if action_type == "plot" && action_pointer == "/children/0" && message == error.message()
        ),
        "{issues:?}"
    );
    assert!(
        issues[0]
            .to_string()
            .contains("cannot be serialized to JSON")
    );

    // Serializing refuses: no client gets the action without its payload.
    let refused = serde_json::to_string(&root).expect_err("serializing fails");
    assert!(
        refused
            .to_string()
            .contains("the payload of action `plot` cannot be serialized to JSON"),
        "{refused}"
    );

    // `try_create` gives the same error at once; a payload set later replaces it.
    assert_eq!(ActionConfig::try_create(plot()).as_ref().err(), Some(error));
    assert!(ActionConfig::try_create(AppAction::Refresh).is_ok());
    // The derive's `TryFrom` is the same conversion.
    assert_eq!(ActionConfig::try_from(plot()).as_ref().err(), Some(error));
    assert_eq!(
        ActionConfig::try_from(AppAction::Refresh).ok(),
        Some(ActionConfig::create(AppAction::Refresh))
    );
    let fixed = ActionConfig::create(plot()).payload(json!({"points": []}));
    assert_eq!(fixed.payload_error(), None);
    assert!(serde_json::to_string(&fixed).is_ok());
}

#[test]
fn unknown_and_invalid_nodes_are_kept_as_dynamic() {
    let input = json!({"type": "Card", "children": [
        {"type": "Sparkline", "points": [1, null, 2], "children": {"type": "Text", "value": "x"}},
        {"type": "Button", "label": 42},
    ]});
    let root: WidgetRoot = serde_json::from_value(input).expect("parses");
    let WidgetRoot::Card(card) = &root else {
        panic!("a typed card")
    };
    assert!(
        matches!(&card.children[0], WidgetComponent::Dynamic(node) if node.component_type == "Sparkline")
    );
    assert!(
        matches!(&card.children[1], WidgetComponent::Dynamic(node) if node.component_type == "Button")
    );
    assert_eq!(
        serde_json::to_value(&root).expect("serializes"),
        json!({"type": "Card", "children": [
            {"type": "Sparkline", "points": [1, 2], "children": {"type": "Text", "value": "x"}},
            {"type": "Button", "label": 42},
        ]})
    );
    let mut seen = Vec::new();
    root.for_each_component(|component, pointer| {
        seen.push(format!("{}@{pointer}", component.component_type()));
    });
    assert_eq!(
        seen,
        [
            "Sparkline@/children/0",
            "Text@/children/0/children",
            "Button@/children/1"
        ]
    );

    let error =
        serde_json::from_value::<WidgetRoot>(json!({"type": "Panel", "children": []})).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unknown widget root type `Panel`"),
        "{error}"
    );
    let error = serde_json::from_value::<WidgetComponent>(json!({"value": "no type"})).unwrap_err();
    assert!(
        error.to_string().contains("missing field `type`"),
        "{error}"
    );
    // A Card root the typed model rejects is kept, as the SDK's DynamicWidgetRoot does.
    let root: WidgetRoot =
        serde_json::from_value(json!({"type": "Card", "size": "huge", "children": []}))
            .expect("parses");
    assert!(matches!(root, WidgetRoot::Dynamic(_)));
}

#[test]
fn malformed_nodes_give_clear_errors_or_dynamic_parents() {
    // The node being read must be an object with a string `type`: anything else is an error
    // naming what was found, wherever the node comes from.
    for (text, message) in [
        ("[1, 2]", "a widget node must be a JSON object, found [1,2]"),
        (
            "\"Card\"",
            "a widget node must be a JSON object, found \"Card\"",
        ),
        (
            r#"{"type": 3, "value": "x"}"#,
            "a widget node's `type` must be a string, found 3",
        ),
        (
            r#"{"type": null}"#,
            "a widget node's `type` must be a string, found null",
        ),
        (r#"{"value": "x"}"#, "missing field `type`"),
    ] {
        let error = serde_json::from_str::<WidgetComponent>(text).unwrap_err();
        assert_eq!(
            error.to_string().split(" at line ").next(),
            Some(message),
            "{text}"
        );
        let error = serde_json::from_str::<WidgetRoot>(text).unwrap_err();
        assert_eq!(
            error.to_string().split(" at line ").next(),
            Some(message),
            "{text}"
        );
        let value: Value = serde_json::from_str(text).expect("JSON");
        let error = serde_json::from_value::<WidgetComponent>(value).unwrap_err();
        assert_eq!(error.to_string(), message, "{text}");
    }
    // Not JSON at all: serde_json's syntax error, with its position.
    let error =
        serde_json::from_str::<WidgetRoot>(r#"{"type": "Card", "children": [}"#).unwrap_err();
    assert!(error.is_syntax(), "{error}");
    assert_eq!(error.to_string(), "expected value at line 1 column 31");

    // A malformed child is kept in its parent, which the typed model then rejects: the parent
    // is a dynamic node holding the child as it was, as in the SDK.
    let root: WidgetRoot = serde_json::from_str(
        r#"{"type": "Card", "children": [{"type": "Text", "value": "ok"}, 42, {"value": "no type"}]}"#,
    )
    .expect("parses");
    let WidgetRoot::Dynamic(card) = &root else {
        panic!("a dynamic card: {root:?}")
    };
    assert_eq!(card.component_type, "Card");
    assert_eq!(
        card.props["children"],
        json!([{"type": "Text", "value": "ok"}, 42, {"value": "no type"}])
    );
    let row: WidgetComponent =
        serde_json::from_str(r#"{"type": "Row", "children": [{"type": 7}]}"#).expect("parses");
    assert!(matches!(&row, WidgetComponent::Dynamic(node) if node.component_type == "Row"));
}

#[test]
fn nodes_read_as_serde_json_reads_them() {
    // The last of repeated keys wins, as in a `serde_json::Value` (and a Python dict).
    let text =
        r#"{"type": "Sparkline", "type": "Text", "value": 1, "value": "two", "streaming": true}"#;
    let component: WidgetComponent = serde_json::from_str(text).expect("parses");
    assert_eq!(
        component,
        WidgetComponent::Text(Text::new("two").streaming(true))
    );
    // In a dynamic node too, at any depth.
    let text =
        r#"{"type": "Sparkline", "points": [1], "points": [2], "style": {"a": 1, "a": null}}"#;
    let WidgetComponent::Dynamic(node) = serde_json::from_str(text).expect("parses") else {
        panic!("a dynamic node")
    };
    assert_eq!(node.props["points"], json!([2]));
    assert_eq!(node.props["style"], json!({"a": null}));
    // Many keys, repeated: the last value, once.
    let mut members: Vec<String> = (0..40)
        .map(|index| format!(r#""k{index}": {index}"#))
        .collect();
    members.push(r#""k3": "last""#.to_owned());
    let text = format!(r#"{{"type": "Sparkline", {}}}"#, members.join(", "));
    let WidgetComponent::Dynamic(node) = serde_json::from_str(&text).expect("parses") else {
        panic!("a dynamic node")
    };
    assert_eq!(node.props.len(), 40);
    assert_eq!(node.props["k3"], json!("last"));

    // Escaped strings (which the reader copies rather than borrows), numbers of every kind.
    let text = r#"{"type": "Card", "key": "a\"b\u00e9", "children": [
        {"type": "Text", "value": "line\nbreak"},
        {"type": "Box", "flex": -1, "width": 1.5, "height": "50%"},
        {"type": "Image", "src": "s", "size": 64, "aspectRatio": 2.5},
        {"type": "Sparkline", "n": 18446744073709551615, "m": -5, "f": 0.1, "e": ""}
    ]}"#;
    let from_text: WidgetRoot = serde_json::from_str(text).expect("parses");
    let value: Value = serde_json::from_str(text).expect("JSON");
    assert_eq!(
        serde_json::from_value::<WidgetRoot>(value.clone()).expect("parses"),
        from_text
    );
    assert_eq!(WidgetRoot::deserialize(&value).expect("parses"), from_text);
    assert_eq!(
        serde_json::from_slice::<WidgetRoot>(text.as_bytes()).expect("parses"),
        from_text
    );
    assert_eq!(
        serde_json::from_reader::<_, WidgetRoot>(text.as_bytes()).expect("parses"),
        from_text
    );
    let WidgetRoot::Card(card) = &from_text else {
        panic!("a typed card: {from_text:?}")
    };
    assert_eq!(card.key.as_deref(), Some("a\"b\u{e9}"));
    assert!(
        card.children[..3]
            .iter()
            .all(|child| !matches!(child, WidgetComponent::Dynamic(_))),
        "{card:?}"
    );
    assert_eq!(serde_json::to_value(&from_text).expect("serializes"), value);
}

#[test]
fn special_values_round_trip() {
    for value in [
        json!({"type": "Text", "value": "v", "editable": false}),
        json!({"type": "Text", "value": "v", "editable": {"name": "n", "autoComplete": "off"}}),
        json!({"type": "Transition", "children": {"type": "Spacer", "minSize": "8px"}}),
        json!({"type": "Transition"}),
        json!({"type": "Image", "src": "a.png", "margin": 2, "aspectRatio": 1.5, "position": "top left"}),
        json!({"type": "Box", "border": {"size": 1, "style": "dashed"}, "padding": {"x": 1.0, "top": "4px"}}),
        json!({"type": "Row", "border": {"top": 1, "bottom": {"size": 2, "color": {"light": "a", "dark": "b"}}}, "children": []}),
        json!({"type": "Table", "children": [{"type": "Table.Row", "children": [{"type": "Table.Cell", "vAlign": "center", "colSize": "md", "padding": {"y": 2.0}}]}]}),
    ] {
        let component: WidgetComponent = serde_json::from_value(value.clone()).expect("parses");
        assert!(
            !matches!(component, WidgetComponent::Dynamic(_)),
            "typed: {value}"
        );
        assert_eq!(serde_json::to_value(&component).expect("serializes"), value);
    }
    let list: WidgetRoot =
        serde_json::from_value(json!({"type": "ListView", "children": [], "limit": "auto"}))
            .expect("parses");
    assert!(matches!(&list, WidgetRoot::ListView(view) if view.limit == Some(ListLimit::Auto)));
    let basic = json!({"type": "Basic", "gap": 2, "custom": {"a": 1}, "children": []});
    let root: WidgetRoot = serde_json::from_value(basic.clone()).expect("parses");
    assert!(
        matches!(&root, WidgetRoot::Basic(node) if node.props.get("custom") == Some(&json!({"a": 1})))
    );
    assert_eq!(serde_json::to_value(&root).expect("serializes"), basic);
    assert_eq!(
        serde_json::to_value(Text::new("x").editable(Editable::No)).expect("serializes"),
        json!({"type": "Text", "value": "x", "editable": false})
    );
}

fn issues(root: impl Into<WidgetRoot>) -> Vec<WidgetIssue> {
    root.into().check().err().unwrap_or_default()
}

fn save(payload: Value) -> ActionConfig {
    ActionConfig::new("save").payload(payload)
}

#[test]
fn check_accepts_forms_whose_payload_leaves_room_for_the_fields() {
    let root = Card::new().child(
        Form::new()
            .on_submit_action(save(
                json!({"id": "t1", "todo": {"done": false}, "title": null}),
            ))
            .child(Input::new("todo.title"))
            .child(Input::new("title"))
            .child(Button::new("Go").on_click_action(ActionConfig::new("plain"))),
    );
    assert_eq!(issues(root), []);
    // Outside a form, a payload key equal to a field name is fine.
    let root = Card::new()
        .child(Input::new("id"))
        .child(Button::new("Go").on_click_action(save(json!({"id": 1}))));
    assert_eq!(issues(root), []);
    assert!(WidgetRoot::from(Card::new()).check().is_ok());
}

#[test]
fn check_reports_each_colliding_field_with_its_action() {
    let root = Card::new().child(
        Form::new()
            .on_submit_action(save(
                json!({"title": "old", "todo": {"title": "x"}, "meta": 3}),
            ))
            .child(Input::new("title"))
            .child(Text::new("t").editable(EditableProps::new("todo.title")))
            .child(Select::new("meta.kind").option(SelectOption::new("a", "A")))
            .child(Checkbox::new("done")),
    );
    let found = issues(root);
    let summary: Vec<(String, String, String, String)> = found
        .iter()
        .map(|issue| match issue {
            WidgetIssue::FormValueCollision {
                action_type,
                field_name,
                payload_key,
                field_pointer,
                ..
            } => (
                action_type.clone(),
                field_name.clone(),
                payload_key.clone(),
                field_pointer.clone(),
            ),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "save".into(),
                "title".into(),
                "title".into(),
                "/children/0/children/0".into()
            ),
            (
                "save".into(),
                "todo.title".into(),
                "todo.title".into(),
                "/children/0/children/1".into()
            ),
            (
                "save".into(),
                "meta.kind".into(),
                "meta".into(),
                "/children/0/children/2".into()
            ),
        ]
    );
    let message = found[0].to_string();
    assert!(
        message.contains("form field `title`") && message.contains("Form.onSubmitAction"),
        "{message}"
    );
}

#[test]
fn check_covers_as_form_cards_buttons_and_nested_forms() {
    let root = Card::new()
        .as_form(true)
        .child(Input::new("name"))
        .child(
            Form::new()
                .on_submit_action(save(json!({"name": "inner ok", "code": 1})))
                .child(Input::new("code")),
        )
        .child(Button::new("Rename").on_click_action(save(json!({"name": "x"}))))
        .confirm("Save", save(json!({"name": "y"})))
        .cancel("Cancel", ActionConfig::new("cancel"));
    let found = issues(root);
    let sites: Vec<(ActionSlot, String, String)> = found
        .iter()
        .map(|issue| match issue {
            WidgetIssue::FormValueCollision {
                slot,
                action_pointer,
                field_name,
                ..
            } => (*slot, action_pointer.clone(), field_name.clone()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        sites,
        [
            (ActionSlot::CardConfirm, String::new(), "name".to_owned()),
            (
                ActionSlot::FormSubmit,
                "/children/1".to_owned(),
                "code".to_owned()
            ),
            (
                ActionSlot::ButtonClick,
                "/children/2".to_owned(),
                "name".to_owned()
            ),
        ]
    );
}

#[test]
fn check_reports_a_non_object_payload_inside_a_form() {
    let root = Card::new()
        .as_form(true)
        .child(Input::new("a"))
        .confirm("Go", ActionConfig::new("count").payload(json!(42)));
    assert!(matches!(
        &issues(root)[..],
        [WidgetIssue::PayloadNotObject { action_type, field_names, .. }] if action_type == "count" && field_names == &["a"]
    ));
}

#[test]
fn action_sites_list_fields_and_constraints_of_the_enclosing_form() {
    let root: WidgetRoot =
        serde_json::from_value(case_json("widget-form-all-fields")).expect("parses");
    let sites = root.action_sites();
    assert_eq!(sites.len(), 1);
    let site = &sites[0];
    assert_eq!(
        (
            site.slot,
            site.pointer.as_str(),
            site.action.action_type.as_str()
        ),
        (ActionSlot::FormSubmit, "/children/0", "profile.save")
    );
    let form = site.form.as_ref().expect("inside its own form");
    assert_eq!(
        (form.kind, form.pointer.as_str()),
        (FormKind::Form, "/children/0")
    );
    let names: Vec<&str> = form
        .fields
        .iter()
        .map(|field| field.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "profile.name",
            "profile.email",
            "profile.bio",
            "profile.role",
            "profile.newsletter",
            "profile.plan",
            "profile.birthday"
        ]
    );
    let field = |name: &str| {
        form.fields
            .iter()
            .find(|field| field.name == name)
            .expect("field")
    };
    assert!(field("profile.name").required);
    assert_eq!(
        field("profile.name").pattern.as_deref(),
        Some("^[A-Za-z ]+$")
    );
    assert_eq!(field("profile.name").kind, FieldKind::EditableText);
    assert_eq!(
        field("profile.role").options,
        Some(vec!["admin".to_owned(), "user".to_owned()])
    );
    assert_eq!(
        field("profile.plan").options,
        Some(vec!["free".to_owned(), "pro".to_owned()])
    );
    assert_eq!(
        field("profile.birthday").min.as_deref(),
        Some("1900-01-01T00:00:00")
    );
    assert_eq!(
        field("profile.email").path().collect::<Vec<_>>(),
        ["profile", "email"]
    );
    assert_eq!(
        root.clone().check(),
        Ok(()),
        "the SDK's own example has no collisions"
    );

    // onChange actions outside any form have no form scope.
    let root: WidgetRoot =
        serde_json::from_value(case_json("widget-onchange-controls")).expect("parses");
    let slots: Vec<ActionSlot> = root.action_sites().iter().map(|site| site.slot).collect();
    assert_eq!(
        slots,
        [
            ActionSlot::SelectChange,
            ActionSlot::CheckboxChange,
            ActionSlot::RadioGroupChange,
            ActionSlot::DatePickerChange
        ]
    );
    assert!(root.action_sites().iter().all(|site| site.form.is_none()));
}

#[test]
fn action_sites_see_through_basic_roots_and_list_views() {
    let root: WidgetRoot = serde_json::from_value(case_json("widget-basic-root")).expect("parses");
    let sites = root.action_sites();
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].slot, ActionSlot::ButtonClick);
    assert_eq!(sites[0].action.payload, Some(json!({"to": "/home"})));

    let root: WidgetRoot =
        serde_json::from_value(case_json("widget-listview-items")).expect("parses");
    let pointers: Vec<String> = root
        .action_sites()
        .into_iter()
        .map(|site| site.pointer)
        .collect();
    assert_eq!(pointers, ["/children/0", "/children/1", "/children/2"]);
}

#[test]
fn change_slots_receive_their_control_once() {
    let root = WidgetRoot::from(
        Card::new()
            .child(
                Select::new("color")
                    .option(SelectOption::new("red", "Red"))
                    .on_change_action(ActionConfig::new("recolor")),
            )
            .child(
                Form::new()
                    .on_submit_action(ActionConfig::new("save"))
                    .child(Input::new("title"))
                    .child(Checkbox::new("done").on_change_action(ActionConfig::new("toggle"))),
            ),
    );
    let sites = root.action_sites();
    let fields = |slot: ActionSlot| -> Vec<String> {
        let site = sites
            .iter()
            .find(|site| site.slot == slot)
            .expect("the slot");
        site.fields().map(|field| field.name.clone()).collect()
    };
    // Outside a form, an onChangeAction still sends its control's value.
    assert!(ActionSlot::SelectChange.sends_own_value());
    assert_eq!(fields(ActionSlot::SelectChange), ["color"]);
    // Inside one, the control is one of the form's fields: it is listed once.
    assert_eq!(fields(ActionSlot::CheckboxChange), ["title", "done"]);
    // A submit receives the form's fields only.
    assert!(!ActionSlot::FormSubmit.sends_own_value());
    assert_eq!(fields(ActionSlot::FormSubmit), ["title", "done"]);
    let select = sites
        .iter()
        .find(|site| site.slot == ActionSlot::SelectChange);
    assert_eq!(
        select
            .and_then(|site| site.control.as_ref())
            .map(|field| field.kind),
        Some(FieldKind::Select)
    );
}

#[test]
fn the_direct_reader_reads_typed_trees_and_hands_the_rest_over() {
    // Every node typed, `type` first: read straight from the text.
    let typed = r#"{"type": "Card", "key": "k", "children": [
        {"type": "Row", "gap": 3, "children": [
            {"type": "Button", "label": "Done", "onClickAction": {"type": "toggle", "payload": {"id": 1, "id": 2}}},
            {"type": "Transition", "children": {"type": "Text", "value": "a\"b\u00e9"}},
            {"type": "Table", "children": [{"type": "Table.Row", "children": [
                {"type": "Table.Cell", "children": [{"type": "Badge", "label": "x"}]}]}]}
        ]}
    ]}"#;
    let list = r#"{"type": "ListView", "children": [{"type": "ListViewItem", "children": [{"type": "Caption", "value": "c"}]}]}"#;
    for text in [typed, list] {
        let direct = super::direct::read_root(text).expect("read directly");
        assert_eq!(
            direct,
            serde_json::from_str::<WidgetRoot>(text).expect("parses")
        );
        assert_eq!(WidgetRoot::from_json_text(text).expect("parses"), direct);
    }

    // What only the general reader handles: it reads the text again, with the same result or
    // error as `serde_json::from_str`.
    for text in [
        // `type` not first, repeated, escaped the same.
        r#"{"type": "Card", "children": [{"value": "v", "type": "Text"}]}"#,
        r#"{"type": "Card", "children": [{"type": "Sparkline", "type": "Text", "value": "v"}]}"#,
        r#"{"type": "Card", "children": [{"type": "Text", "value": "v", "type": "Title"}]}"#,
        // A node the typed model rejects, an unknown type, a malformed child.
        r#"{"type": "Card", "children": [{"type": "Button", "label": 42}]}"#,
        r#"{"type": "Card", "children": [{"type": "Sparkline", "points": [1]}]}"#,
        r#"{"type": "Card", "children": [{"type": "Text", "value": "ok"}, 42]}"#,
        r#"{"type": "Card", "size": "huge", "children": []}"#,
        // A repeated field of a typed model, a Basic root, a wrong root.
        r#"{"type": "Card", "children": [{"type": "Text", "value": "a", "value": "b"}]}"#,
        r#"{"type": "Basic", "children": [{"type": "Text", "value": "v"}]}"#,
        r#"{"type": "Text", "value": "v"}"#,
        // Not JSON, or more than one value.
        r#"{"type": "Card", "children": [}"#,
        r#"{"type": "Card", "children": []} {}"#,
        "[]",
    ] {
        assert_eq!(super::direct::read_root(text), None, "{text}");
        let expected = serde_json::from_str::<WidgetRoot>(text).map_err(|error| error.to_string());
        assert_eq!(
            WidgetRoot::from_json_text(text).map_err(|error| error.to_string()),
            expected,
            "{text}"
        );
    }
    // The flag is down again: nodes read the general way, even after a failed direct read.
    assert!(!super::direct::active());
    let node: WidgetComponent =
        serde_json::from_str(r#"{"value": "v", "type": "Text"}"#).expect("parses");
    assert_eq!(node, WidgetComponent::Text(Text::new("v")));
}

#[test]
fn deeply_nested_text_reads_on_a_small_stack() {
    // A node and its children list are two levels of JSON; serde_json refuses more than 128.
    let nested = |depth: usize, leaf: &str| {
        let open = r#"{"type": "Row", "children": ["#.repeat(depth);
        let close = "]}".repeat(depth);
        format!(r#"{{"type": "Card", "children": [{open}{leaf}{close}]}}"#)
    };
    let text = r#"{"type": "Text", "value": "x"}"#;
    let shallow = nested(20, text);
    let deep = nested(40, text);
    let dynamic = nested(40, r#"{"type": "Text", "value": 1}"#);
    let too_deep = nested(70, text);
    // 2 MiB, the stack of tokio's worker threads: the direct reader hands deep texts over
    // before its large frames fill it, and the general reader reads them.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            assert!(super::direct::read_root(&shallow).is_some());
            assert_eq!(super::direct::read_root(&deep), None);
            for text in [shallow, deep, dynamic, too_deep] {
                let expected =
                    serde_json::from_str::<WidgetRoot>(&text).map_err(|error| error.to_string());
                assert_eq!(
                    WidgetRoot::from_json_text(&text).map_err(|error| error.to_string()),
                    expected
                );
            }
            assert!(WidgetRoot::from_json_text(&nested(70, text)).is_err());
        })
        .expect("spawns")
        .join()
        .expect("no overflow");
}
