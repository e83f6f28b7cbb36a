//! The raw-to-typed conversion on untrusted input: every way a client can send a bad action,
//! and the exact error it gets. None of them panics.

use chatkit_actions::request::ChatKitRequest;
use chatkit_actions::{Action, ActionConfig, ActionParseError, RawAction};
use serde_json::{Value, json};

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Item {
    title: String,
    done: bool,
}

#[derive(Action, Debug, PartialEq)]
enum AppAction {
    /// A realistic payload: strings, a number, an optional field, a list.
    UpdateTodo {
        id: String,
        title: String,
        priority: u8,
        #[serde(default)]
        note: Option<String>,
        items: Vec<Item>,
    },
    SetCount(i64),
    Refresh,
    #[action(rename = "todo.delete")]
    Delete {
        id: String,
    },
}

/// A union whose payload nests as deep as the JSON does.
#[derive(Action, Debug)]
enum Nested {
    Any(serde_json::Value),
}

fn parse(json: &Value) -> Result<AppAction, ActionParseError> {
    let raw: RawAction = serde_json::from_value(json.clone()).expect("a raw action");
    AppAction::from_raw(raw)
}

fn error_text(json: &Value) -> String {
    parse(json).expect_err("must be rejected").to_string()
}

#[test]
fn a_valid_action_in_both_key_orders() {
    let type_first = json!({"type": "update_todo", "payload": {"id": "t1", "title": "Milk", "priority": 2, "items": []}});
    let payload_first: AppAction = serde_json::from_str(
        r#"{"payload":{"id":"t1","title":"Milk","priority":2,"items":[]},"type":"update_todo"}"#,
    )
    .unwrap();
    let expected = AppAction::UpdateTodo {
        id: "t1".into(),
        title: "Milk".into(),
        priority: 2,
        note: None,
        items: vec![],
    };
    assert_eq!(parse(&type_first).unwrap(), expected);
    assert_eq!(payload_first, expected);
    assert_eq!(
        serde_json::from_value::<AppAction>(type_first).unwrap(),
        expected
    );
}

#[test]
fn unknown_top_level_keys_are_ignored_as_the_sdk_does() {
    let action: AppAction = serde_json::from_str(
        r#"{"handler":"server","type":"set_count","loadingBehavior":"auto","payload":3}"#,
    )
    .unwrap();
    assert_eq!(action, AppAction::SetCount(3));
}

#[test]
fn unit_actions_accept_an_absent_or_null_payload_only() {
    assert_eq!(
        parse(&json!({"type": "refresh"})).unwrap(),
        AppAction::Refresh
    );
    assert_eq!(
        parse(&json!({"type": "refresh", "payload": null})).unwrap(),
        AppAction::Refresh
    );
    assert_eq!(
        error_text(&json!({"type": "refresh", "payload": {"x": 1}})),
        "invalid payload for action `refresh` at `payload`: invalid type: map, expected unit"
    );
}

#[test]
fn an_unknown_type_lists_the_known_ones() {
    assert_eq!(
        error_text(&json!({"type": "update_tdo", "payload": {}})),
        "unknown action type `update_tdo`, expected one of `update_todo`, `set_count`, `refresh`, `todo.delete`"
    );
    let serde_error = serde_json::from_str::<AppAction>(r#"{"type":"nope"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        serde_error.starts_with("unknown action type `nope`, expected one of `update_todo`"),
        "{serde_error}"
    );
}

#[test]
fn a_missing_type_is_an_error() {
    let error = serde_json::from_str::<AppAction>(r#"{"payload":3}"#)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("missing field `type`"), "{error}");
    let error = serde_json::from_str::<RawAction>(r#"{"payload":3}"#)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("missing field `type`"), "{error}");
}

#[test]
fn a_missing_payload_field_is_named() {
    assert_eq!(
        error_text(
            &json!({"type": "update_todo", "payload": {"id": "t1", "priority": 1, "items": []}})
        ),
        "invalid payload for action `update_todo` at `payload`: missing field `title`"
    );
    assert_eq!(
        error_text(&json!({"type": "update_todo"})),
        "invalid payload for action `update_todo` at `payload`: invalid type: null, expected the payload of action `update_todo`"
    );
}

#[test]
fn a_wrong_json_type_names_the_path_and_the_expected_type() {
    assert_eq!(
        error_text(
            &json!({"type": "update_todo", "payload": {"id": 7, "title": "x", "priority": 1, "items": []}})
        ),
        "invalid payload for action `update_todo` at `payload.id`: invalid type: integer `7`, expected a string"
    );
    assert_eq!(
        error_text(
            &json!({"type": "update_todo", "payload": {"id": "t", "title": "x", "priority": 1, "items": [{"title": "a", "done": true}, {"title": "b", "done": "yes"}]}})
        ),
        "invalid payload for action `update_todo` at `payload.items[1].done`: invalid type: string \"yes\", expected a boolean"
    );
    assert_eq!(
        error_text(&json!({"type": "set_count", "payload": "3"})),
        "invalid payload for action `set_count` at `payload`: invalid type: string \"3\", expected i64"
    );
    assert_eq!(
        error_text(&json!({"type": "todo.delete", "payload": ["t1"]})),
        "invalid payload for action `todo.delete` at `payload`: invalid type: sequence, expected the payload of action `todo.delete`"
    );
}

#[test]
fn huge_numbers_are_rejected_not_wrapped() {
    assert_eq!(
        error_text(
            &json!({"type": "update_todo", "payload": {"id": "t", "title": "x", "priority": 300, "items": []}})
        ),
        "invalid payload for action `update_todo` at `payload.priority`: invalid value: integer `300`, expected u8"
    );
    assert_eq!(
        error_text(&json!({"type": "set_count", "payload": u64::MAX})),
        "invalid payload for action `set_count` at `payload`: invalid value: integer `18446744073709551615`, expected i64"
    );
    assert_eq!(
        error_text(&json!({"type": "set_count", "payload": 1.5})),
        "invalid payload for action `set_count` at `payload`: invalid type: floating point `1.5`, expected i64"
    );
    // 1e400 is not a finite f64: serde_json refuses it while reading the request.
    let error =
        serde_json::from_str::<RawAction>(r#"{"type":"set_count","payload":1e400}"#).unwrap_err();
    assert!(
        error.to_string().starts_with("number out of range"),
        "{error}"
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let body = format!(r#"{{"type":"set_count","payload":{deep}}}"#);
    let error = serde_json::from_str::<RawAction>(&body).unwrap_err();
    assert!(
        error.to_string().starts_with("recursion limit exceeded"),
        "{error}"
    );
    // The typed parse reads the payload straight into an `i64`: it fails at the first `[`.
    let error = serde_json::from_str::<AppAction>(&body).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid type: sequence, expected i64"),
        "{error}"
    );
    // A payload sent before the type is kept as JSON text, scanned without recursion, then
    // parsed into its type like the type-first one: the same error, at the first `[`.
    let body = format!(r#"{{"payload":{deep},"type":"set_count"}}"#);
    let error = serde_json::from_str::<AppAction>(&body).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid type: sequence, expected i64"),
        "{error}"
    );
    // A payload type that does nest (any JSON value) meets serde_json's recursion limit in
    // either key order.
    for body in [
        format!(r#"{{"type":"any","payload":{deep}}}"#),
        format!(r#"{{"payload":{deep},"type":"any"}}"#),
    ] {
        let error = serde_json::from_str::<Nested>(&body).unwrap_err();
        assert!(
            error.to_string().starts_with("recursion limit exceeded"),
            "{error}"
        );
    }
}

#[test]
fn duplicate_keys_are_rejected() {
    let error =
        serde_json::from_str::<AppAction>(r#"{"type":"refresh","type":"set_count","payload":1}"#)
            .unwrap_err()
            .to_string();
    assert!(error.starts_with("duplicate field `type`"), "{error}");
    let error =
        serde_json::from_str::<AppAction>(r#"{"type":"set_count","payload":1,"payload":2}"#)
            .unwrap_err()
            .to_string();
    assert!(error.starts_with("duplicate field `payload`"), "{error}");
}

#[test]
fn the_json_text_path_gives_the_same_errors() {
    let raw = serde_json::value::RawValue::from_string(r#"{"id": 7}"#.to_owned()).unwrap();
    let error = AppAction::from_json_parts("todo.delete", Some(&raw)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid payload for action `todo.delete` at `payload.id`: invalid type: integer `7`, expected a string"
    );
    let raw = serde_json::value::RawValue::from_string("3".to_owned()).unwrap();
    assert_eq!(
        AppAction::from_json_parts("set_count", Some(&raw)).unwrap(),
        AppAction::SetCount(3)
    );
    assert_eq!(
        AppAction::from_json_parts("refresh", None).unwrap(),
        AppAction::Refresh
    );
}

#[test]
fn round_trips_through_raw_action_and_action_config() {
    for action in [
        AppAction::SetCount(-4),
        AppAction::Refresh,
        AppAction::Delete { id: "t9".into() },
        AppAction::UpdateTodo {
            id: "t1".into(),
            title: "T".into(),
            priority: 1,
            note: Some("n".into()),
            items: vec![Item {
                title: "a".into(),
                done: false,
            }],
        },
    ] {
        let raw = action.to_raw().unwrap();
        let config = ActionConfig::create(AppAction::from_raw(raw.clone()).unwrap());
        assert_eq!(config.action_type, raw.action_type);
        assert_eq!(config.payload, raw.payload);
        let wire = serde_json::to_string(&action).unwrap();
        assert_eq!(serde_json::from_str::<AppAction>(&wire).unwrap(), action);
    }
    assert_eq!(
        serde_json::to_string(&AppAction::Refresh).unwrap(),
        r#"{"type":"refresh"}"#
    );
}

#[test]
fn the_specs_list_every_action_with_its_defaults() {
    let specs = AppAction::SPECS;
    assert_eq!(specs.len(), 4);
    assert_eq!(specs[3].action_type, "todo.delete");
    assert_eq!(specs[3].variant, "Delete");
    assert!(specs.iter().all(|spec| spec.streaming));
    assert_eq!(
        AppAction::spec_for("set_count").map(|s| s.variant),
        Some("SetCount")
    );
    assert_eq!(AppAction::spec_for("nope"), None);
}

#[test]
fn a_bad_payload_gives_the_same_error_in_either_key_order() {
    // The derived `Deserialize`: the payload sent first is kept as text, then parsed; its
    // error carries one position, the body's.
    for body in [
        r#"{"type":"todo.delete","payload":{"id":7}}"#,
        r#"{"payload":{"id":7},"type":"todo.delete"}"#,
    ] {
        let error = serde_json::from_str::<AppAction>(body)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("invalid type: integer `7`, expected a string at line 1 column "),
            "{body}: {error}"
        );
        assert_eq!(error.matches(" at line ").count(), 1, "{error}");
    }
    // The server's path: the request, then the action it holds, names the JSON path.
    for action in [
        r#"{"type":"todo.delete","payload":{"id":7}}"#,
        r#"{"payload":{"id":7},"type":"todo.delete"}"#,
    ] {
        for body in [
            format!(
                r#"{{"type":"threads.custom_action","params":{{"thread_id":"t","action":{action}}}}}"#
            ),
            format!(
                r#"{{"params":{{"action":{action},"thread_id":"t"}},"type":"threads.custom_action"}}"#
            ),
        ] {
            let request: ChatKitRequest = serde_json::from_str(&body).unwrap();
            let ChatKitRequest::ThreadsCustomAction { params, .. } = request else {
                panic!("{body}")
            };
            assert_eq!(
                AppAction::from_raw_ref(&params.action)
                    .unwrap_err()
                    .to_string(),
                "invalid payload for action `todo.delete` at `payload.id`: invalid type: integer `7`, expected a string",
                "{body}"
            );
        }
    }
}

#[test]
fn an_action_that_is_not_an_object_is_refused() {
    for body in [r#""refresh""#, "[\"refresh\"]", "null", "1"] {
        let error = serde_json::from_str::<AppAction>(body)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("invalid type: ")
                && error.contains("expected an action object with `type` and `payload`"),
            "{body}: {error}"
        );
    }
    // Unknown keys beside `type` and `payload` are ignored in either order; the payload may be
    // any JSON the type accepts, including one with strings that need unescaping.
    let action: AppAction = serde_json::from_str(
        r#"{"handler":"server","payload":{"id":"a\"b"},"type":"todo.delete","x":[1]}"#,
    )
    .unwrap();
    assert_eq!(action, AppAction::Delete { id: "a\"b".into() });
}
