//! Property tests: arbitrary actions round-trip through serde and `from_raw`, arbitrary widget
//! trees round-trip through JSON, widget JSON of any shape reads as the SDK's rule says (typed
//! where the model fits, dynamic otherwise) from every kind of deserializer, and arbitrary
//! request bytes never make `ChatKitServer::process` panic (a 4xx, a 501, a JSON answer or a
//! stream, never a 500).

use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::server::{ChatKitServer, Limits, Processed};
use chatkit_actions::store::{MemoryStore, Store};
use chatkit_actions::thread::{ThreadMetadata, Timestamp};
use chatkit_actions::widget::{
    Badge, Basic, Box as WidgetBox, Button, Caption, Card, Chart, Checkbox, Col, DatePicker,
    Divider, DynamicComponent, Form, Icon, Image, Input, Label, ListView, ListViewItem, Markdown,
    RadioGroup, Row, Select, Spacer, Table, TableCell, TableRow, Text, Textarea, Title, Transition,
    WidgetComponent, WidgetRoot,
};
use chatkit_actions::{Action, ActionConfig, RawAction, action_handler};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Line {
    label: String,
    qty: u32,
}

/// Strings, numbers, options and lists, in every variant shape.
#[derive(Action, Debug, Clone, PartialEq)]
enum PropAction {
    #[action(client_payload)]
    Refresh,
    #[action(client_payload)]
    SetCount(i64),
    #[action(client_payload)]
    Rename { title: String, note: Option<String> },
    #[action(client_payload, rename = "cart.update")]
    Cart {
        lines: Vec<Line>,
        ratio: f64,
        flags: Vec<bool>,
        id: Option<u64>,
    },
}

fn line() -> impl Strategy<Value = Line> {
    (any::<String>(), any::<u32>()).prop_map(|(label, qty)| Line { label, qty })
}

fn prop_action() -> impl Strategy<Value = PropAction> {
    prop_oneof![
        Just(PropAction::Refresh),
        any::<i64>().prop_map(PropAction::SetCount),
        (any::<String>(), proptest::option::of(any::<String>()))
            .prop_map(|(title, note)| PropAction::Rename { title, note }),
        (
            proptest::collection::vec(line(), 0..4),
            // JSON has no NaN or infinities.
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            proptest::collection::vec(any::<bool>(), 0..4),
            proptest::option::of(any::<u64>()),
        )
            .prop_map(|(lines, ratio, flags, id)| PropAction::Cart {
                lines,
                ratio,
                flags,
                id
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn actions_round_trip_through_serde_and_from_raw(action in prop_action()) {
        let json = serde_json::to_string(&action).expect("serialize");
        let back: PropAction = serde_json::from_str(&json).expect("deserialize");
        prop_assert_eq!(&back, &action);

        let raw = action.to_raw().expect("to_raw");
        let wire: RawAction = serde_json::from_str(&serde_json::to_string(&raw).expect("raw JSON"))
            .expect("raw back");
        prop_assert_eq!(&PropAction::from_raw(wire).expect("from_raw"), &action);

        // The same action inside a widget's ActionConfig survives the trip too.
        let config = ActionConfig::create(action.clone());
        let config_json = serde_json::to_value(&config).expect("config JSON");
        let raw = RawAction {
            action_type: config_json["type"].as_str().unwrap_or_default().to_owned(),
            payload: config_json.get("payload").cloned().filter(|p| !p.is_null()),
        };
        prop_assert_eq!(&PropAction::from_raw(raw).expect("from the config"), &action);
    }
}

// ---------------------------------------------------------------------------------------------
// Widgets

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, quotes and backslashes included.
    "\\PC{0,12}"
}

fn leaf() -> impl Strategy<Value = WidgetComponent> {
    prop_oneof![
        (text(), proptest::option::of(any::<bool>())).prop_map(|(value, streaming)| {
            let mut text = Text::new(value);
            text.streaming = streaming;
            text.into()
        }),
        text().prop_map(|value| Title::new(value).into()),
        text().prop_map(|value| Caption::new(value).into()),
        text().prop_map(|label| Badge::new(label).into()),
        (text(), prop_action())
            .prop_map(|(label, action)| Button::new(label).on_click_action(action).into()),
        (text(), proptest::option::of(text())).prop_map(|(name, placeholder)| {
            let mut input = Input::new(name);
            input.placeholder = placeholder;
            input.into()
        }),
        Just(Divider::new().into()),
        Just(Spacer::new().into()),
    ]
}

fn component() -> impl Strategy<Value = WidgetComponent> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        let children = proptest::collection::vec(inner, 0..4);
        prop_oneof![
            (children.clone(), proptest::option::of(text())).prop_map(|(children, key)| {
                let mut row = Row::new().children(children);
                row.key = key;
                row.into()
            }),
            children
                .clone()
                .prop_map(|children| Col::new().children(children).into()),
            children
                .clone()
                .prop_map(|children| WidgetBox::new().children(children).into()),
            (children, prop_action()).prop_map(|(children, action)| Form::new()
                .children(children)
                .on_submit_action(action)
                .into()),
        ]
    })
}

fn widget() -> impl Strategy<Value = WidgetRoot> {
    (
        proptest::collection::vec(component(), 0..4),
        proptest::option::of(any::<bool>()),
        proptest::option::of(prop_action()),
    )
        .prop_map(|(children, as_form, confirm)| {
            let mut card = Card::new().children(children);
            card.as_form = as_form;
            if let Some(action) = confirm {
                card = card.confirm("OK", action);
            }
            card.into()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn widget_trees_round_trip_through_json(widget in widget()) {
        let json = serde_json::to_string(&widget).expect("serialize");
        let back: WidgetRoot = serde_json::from_str(&json).expect("deserialize");
        // Equal as JSON, and stable: the tree may differ only where the SDK's rule drops the
        // `null` members of an action slot's payload (an absent `Option` reads back as `None`).
        prop_assert_eq!(
            serde_json::to_value(&back).expect("back"),
            serde_json::to_value(&widget).expect("widget")
        );
        prop_assert_eq!(serde_json::to_string(&back).expect("again"), json);
    }
}

// ---------------------------------------------------------------------------------------------
// Widget JSON of any shape

/// The widget reader against the rule it implements, node by node: a node of a known `type` is
/// typed when its model accepts the node as a `serde_json::Value` (the reference below), and
/// dynamic otherwise.
macro_rules! reference_typed {
    ($value:expr, $component_type:expr; $($wire:literal => $typed:ident),+ $(,)?) => {
        match $component_type {
            $($wire => $typed::deserialize($value).ok().map(WidgetComponent::from),)+
            _ => None,
        }
    };
}

/// The reference reading of one node: `type` checked, typed through `serde_json::Value`,
/// dynamic otherwise.
fn reference_component(value: &Value) -> Result<WidgetComponent, String> {
    let Value::Object(object) = value else {
        return Err(format!(
            "a widget node must be a JSON object, found {value}"
        ));
    };
    let component_type = match object.get("type") {
        Some(Value::String(component_type)) => component_type.as_str(),
        Some(other) => {
            return Err(format!(
                "a widget node's `type` must be a string, found {other}"
            ));
        }
        None => return Err("missing field `type`".to_owned()),
    };
    let typed = reference_typed!(value, component_type;
        "Box" => WidgetBox, "Row" => Row, "Col" => Col, "Form" => Form, "Spacer" => Spacer,
        "Divider" => Divider, "Transition" => Transition, "Title" => Title,
        "Caption" => Caption, "Text" => Text, "Markdown" => Markdown, "Badge" => Badge,
        "Icon" => Icon, "Image" => Image, "Button" => Button, "Table" => Table,
        "Table.Row" => TableRow, "Table.Cell" => TableCell, "Input" => Input,
        "Textarea" => Textarea, "Select" => Select, "DatePicker" => DatePicker,
        "Checkbox" => Checkbox, "RadioGroup" => RadioGroup, "Label" => Label,
        "Chart" => Chart, "ListViewItem" => ListViewItem,
    );
    Ok(typed.unwrap_or_else(|| {
        let mut props = object.clone();
        props.remove("type");
        WidgetComponent::Dynamic(DynamicComponent {
            component_type: component_type.to_owned(),
            props,
        })
    }))
}

/// The reference reading of a root.
fn reference_root(value: &Value) -> Result<WidgetRoot, String> {
    let typed = match value.get("type").and_then(Value::as_str) {
        Some("Card") => Card::deserialize(value).ok().map(WidgetRoot::from),
        Some("ListView") => ListView::deserialize(value).ok().map(WidgetRoot::from),
        Some("Basic") => Basic::deserialize(value).ok().map(WidgetRoot::from),
        Some(other) => {
            return Err(format!(
                "unknown widget root type `{other}`, expected one of `Card`, `ListView`, `Basic`"
            ));
        }
        None => None,
    };
    match typed {
        Some(root) => Ok(root),
        None => match reference_component(value)? {
            WidgetComponent::Dynamic(dynamic) => Ok(WidgetRoot::Dynamic(dynamic)),
            _ => unreachable!("roots are not components"),
        },
    }
}

const NODE_TYPES: &[&str] = &[
    "Card",
    "ListView",
    "Basic",
    "Box",
    "Row",
    "Col",
    "Form",
    "Spacer",
    "Divider",
    "Transition",
    "Title",
    "Caption",
    "Text",
    "Markdown",
    "Badge",
    "Icon",
    "Image",
    "Button",
    "Table",
    "Table.Row",
    "Table.Cell",
    "Input",
    "Textarea",
    "Select",
    "DatePicker",
    "Checkbox",
    "RadioGroup",
    "Label",
    "Chart",
    "ListViewItem",
    "Sparkline",
];

const NODE_KEYS: &[&str] = &[
    "key",
    "id",
    "value",
    "label",
    "name",
    "size",
    "gap",
    "padding",
    "margin",
    "border",
    "color",
    "variant",
    "style",
    "streaming",
    "truncate",
    "editable",
    "limit",
    "direction",
    "align",
    "src",
    "flex",
    "weight",
    "options",
    "data",
    "series",
    "status",
    "custom",
];

/// Property values: ones the typed models accept, and ones of the wrong type.
fn node_prop() -> impl Strategy<Value = Value> {
    let action = (
        prop_oneof![Just(json!("refresh")), Just(json!(3)), Just(Value::Null)],
        proptest::option::of(prop_oneof![
            Just(json!({"id": 1, "note": null})),
            Just(json!([1, null])),
            Just(json!("p")),
        ]),
        prop_oneof![
            Just(json!("server")),
            Just(json!("client")),
            Just(json!("nowhere"))
        ],
    )
        .prop_map(|(action_type, payload, handler)| {
            let mut action = json!({"type": action_type, "handler": handler});
            if let Some(payload) = payload {
                action["payload"] = payload;
            }
            action
        });
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop_oneof![Just(0_i64), Just(2), Just(-1), Just(i64::MIN)].prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        prop_oneof![Just(1.5_f64), Just(4.0), Just(-0.5)].prop_map(Value::from),
        proptest::sample::select(
            &[
                "sm",
                "md",
                "lg",
                "primary",
                "outline",
                "secondary",
                "auto",
                "4px",
                "row",
                "center",
                "success",
                "dashed",
                "off"
            ][..]
        )
        .prop_map(Value::from),
        text().prop_map(Value::from),
        action.clone(),
        (action, "[a-z]{1,6}").prop_map(|(action, key)| json!({ key: action })),
        Just(json!({"size": 1, "style": "dashed"})),
        Just(json!({"x": 1.0, "top": "4px"})),
        Just(json!({"name": "n", "autoComplete": "off"})),
        Just(json!([{"label": "A", "value": "a"}, {"label": "B", "value": 2}])),
    ]
}

/// A widget node as its members, keys possibly repeated (written as they are in the text).
fn node_members() -> impl Strategy<Value = Vec<(String, Value)>> {
    let members = || {
        proptest::collection::vec(
            (
                proptest::sample::select(NODE_KEYS).prop_map(str::to_owned),
                node_prop(),
            ),
            0..5,
        )
    };
    let leaf = (
        proptest::option::of(prop_oneof![
            proptest::sample::select(NODE_TYPES).prop_map(Value::from),
            Just(json!(7)),
        ]),
        members(),
    )
        .prop_map(|(component_type, mut members)| {
            if let Some(component_type) = component_type {
                members.insert(0, ("type".to_owned(), component_type));
            }
            members
        });
    leaf.prop_recursive(4, 24, 4, move |inner| {
        let child = prop_oneof![
            8 => inner.clone().prop_map(|members| object(&members)),
            1 => Just(json!(42)),
        ];
        (
            inner,
            prop_oneof![
                proptest::collection::vec(child.clone(), 0..4).prop_map(Value::from),
                child,
                Just(Value::Null),
            ],
        )
            .prop_map(|(mut members, children)| {
                members.push(("children".to_owned(), children));
                members
            })
    })
}

/// The members as a JSON object, as a JSON parser reads them (the last of repeated keys).
fn object(members: &[(String, Value)]) -> Value {
    Value::Object(members.iter().cloned().collect())
}

/// The members as JSON text, repeated keys included.
fn object_text(members: &[(String, Value)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(key, value)| format!("{}:{value}", Value::from(key.as_str())))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// A widget node inside a message whose `kind` tag serde reads first, so that the node is read
/// from serde's own buffer, as a stored thread item's widget is.
#[derive(Debug, serde::Deserialize)]
#[serde(tag = "kind")]
enum Envelope {
    Node { node: WidgetComponent },
    Root { root: WidgetRoot },
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn widget_json_of_any_shape_reads_as_the_reference(members in node_members()) {
        let text = object_text(&members);
        let value = object(&members);

        let expected = reference_component(&value);
        let read = serde_json::from_str::<WidgetComponent>(&text).map_err(|error| error.to_string());
        prop_assert_eq!(read.as_ref().map_err(|error| strip_position(error)), expected.as_ref().map_err(String::as_str));
        let owned = serde_json::from_value::<WidgetComponent>(value.clone()).map_err(|error| error.to_string());
        prop_assert_eq!(&owned, &expected);
        let borrowed = WidgetComponent::deserialize(&value).map_err(|error| error.to_string());
        prop_assert_eq!(&borrowed, &expected);
        let enveloped = serde_json::from_value::<Envelope>(json!({"kind": "Node", "node": value}))
            .map_err(|error| error.to_string());
        match (&enveloped, &expected) {
            (Ok(Envelope::Node { node }), Ok(expected)) => prop_assert_eq!(node, expected),
            (Err(error), Err(expected)) => prop_assert_eq!(error, expected),
            (other, expected) => prop_assert!(false, "{other:?} against {expected:?}"),
        }
        if let Ok(component) = &expected {
            // What is read writes back as it was read, and reads back the same.
            let written = serde_json::to_string(component).expect("serializes");
            let again: WidgetComponent = serde_json::from_str(&written).expect("reads back");
            prop_assert_eq!(serde_json::to_string(&again).expect("serializes"), written);
        }

        let expected = reference_root(&value);
        let read = serde_json::from_str::<WidgetRoot>(&text).map_err(|error| error.to_string());
        prop_assert_eq!(read.as_ref().map_err(|error| strip_position(error)), expected.as_ref().map_err(String::as_str));
        let enveloped = serde_json::from_value::<Envelope>(json!({"kind": "Root", "root": value}))
            .map_err(|error| error.to_string());
        match (&enveloped, &expected) {
            (Ok(Envelope::Root { root }), Ok(expected)) => prop_assert_eq!(root, expected),
            (Err(error), Err(expected)) => prop_assert_eq!(error, expected),
            (other, expected) => prop_assert!(false, "{other:?} against {expected:?}"),
        }
    }
}

/// A `serde_json` error's message without its position.
fn strip_position(error: &str) -> &str {
    error.split(" at line ").next().unwrap_or(error)
}

// ---------------------------------------------------------------------------------------------
// Request parsing

struct App;

#[action_handler(PropAction)]
impl App {
    async fn refresh(&self, _cx: &mut ActionContext<()>) -> HandlerResult {
        Ok(())
    }
    async fn set_count(&self, _count: i64, _cx: &mut ActionContext<()>) -> HandlerResult {
        Ok(())
    }
    async fn rename(
        &self,
        _title: String,
        _note: Option<String>,
        _cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        Ok(())
    }
    async fn cart(
        &self,
        _lines: Vec<Line>,
        _ratio: f64,
        _flags: Vec<bool>,
        _id: Option<u64>,
        _cx: &mut ActionContext<()>,
    ) -> HandlerResult {
        Ok(())
    }
}

const REQUEST_TYPES: &[&str] = &[
    "threads.create",
    "threads.add_user_message",
    "threads.add_client_tool_output",
    "threads.add_structured_input",
    "threads.retry_after_item",
    "threads.custom_action",
    "threads.sync_custom_action",
    "threads.get_by_id",
    "threads.list",
    "threads.update",
    "threads.delete",
    "items.list",
    "items.feedback",
    "attachments.create",
    "attachments.delete",
    "input.transcribe",
    "nope",
];

/// Arbitrary JSON, biased toward the keys the requests use.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("thread_id".to_owned()),
        Just("item_id".to_owned()),
        Just("action".to_owned()),
        Just("type".to_owned()),
        Just("payload".to_owned()),
        Just("input".to_owned()),
        Just("content".to_owned()),
        Just("limit".to_owned()),
        Just("title".to_owned()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(json!("thr_1")),
        Just(json!("refresh")),
        Just(json!("set_count")),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            proptest::collection::btree_map(key.clone(), inner, 0..5)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Bodies: arbitrary bytes, or a request-shaped object with arbitrary params, or such an
/// object with bytes flipped.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let request = || {
        (proptest::sample::select(REQUEST_TYPES), json_value()).prop_map(
            |(request_type, params)| {
                json!({"type": request_type, "params": params})
                    .to_string()
                    .into_bytes()
            },
        )
    };
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        request(),
        (request(), any::<usize>(), any::<u8>()).prop_map(|(mut body, at, byte)| {
            if !body.is_empty() {
                let at = at % body.len();
                body[at] = byte;
            }
            body
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_request_bytes_never_panic_the_server(body in body()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let store = MemoryStore::new();
            let thread = ThreadMetadata::new("thr_1", Timestamp::now());
            store.save_thread(&thread, &()).await.expect("save");
            let server = ChatKitServer::new(store, App)
                .limits(Limits::default().body_bytes(4096).depth(8));
            match server.process(&body, ()).await {
                Ok(Processed::Stream(stream)) => {
                    let _ = stream.collect_events().await;
                }
                Ok(Processed::Json(json)) => {
                    prop_assert!(serde_json::from_slice::<Value>(&json).is_ok());
                }
                Err(error) => {
                    let status = error.status();
                    prop_assert!(
                        (400..500).contains(&status) || status == 501,
                        "{} {}", status, error
                    );
                }
            }
            Ok(())
        })?;
    }
}
