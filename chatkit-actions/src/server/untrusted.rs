//! The gates an action passes after typed parsing and before its handler: provenance, form
//! constraints and the application's validation hook. Each refusal is an error event (a 422
//! for `threads.sync_custom_action`) and a `warn` log line; nothing runs, nothing is written.
//!
//! # Provenance (strict by default)
//!
//! - An action that names a widget item (`item_id`) must have a type that widget offers in
//!   one of its action slots; otherwise it is forged ("forged action" in the log).
//! - The payload fields the server put into that slot's [`ActionConfig`] must come back
//!   unchanged, and no other field may be added, except the fields the client fills in from
//!   the slot's form (its [`FormScope`], the control's own `name` for an `onChangeAction`)
//!   and the action's `#[action(form)]` fields. A `null` member counts as absent, as widgets
//!   drop them. When several slots offer the type (one "complete" button per row), the action
//!   must match one of them.
//! - An action without `item_id` (the client's imperative `sendCustomAction`) has no widget
//!   to be checked against, so it is accepted only when its type is declared
//!   `#[action(client_payload)]`. Such actions also skip both checks above when they do name
//!   a widget: a client handler built their payload (the seed's chaining example).
//! - Actions of unknown types that go to a `fallback` handler are checked against the widget
//!   they name as above; without `item_id` they pass (the app opted out of typing for them).
//! - `handler = "client"` actions are left to the dispatcher, which refuses them.
//!
//! # Form constraints
//!
//! For a widget-issued action, the submitted values of the fields the slot receives are
//! checked as the browser checks them before submitting (`required`, `pattern`, options,
//! `DatePicker` bounds); the rules, and what each message says, are those of
//! [`widget::fields`](crate::widget::fields).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::action::{Action, ActionSpec, Handler};
use crate::config::ActionConfig;
use crate::handler::{ActionHandler, HandlerError};
use crate::request::wire::RawAction;
use crate::telemetry;
use crate::thread::WidgetItem;
use crate::widget::ActionSite;
use crate::widget::fields::{FormKeys, present};

/// Checks that `action` (`None` for an unknown type going to the fallback handler) was offered
/// by `sender` unchanged (provenance), that its form values keep their fields' constraints, and
/// that it passes the handler's validation hook. `raw` is the action as sent, its payload the
/// JSON text of the request body: the checks read the members they compare from it.
pub(crate) fn check_offered_and_valid<H: ActionHandler>(
    handler: &H,
    action: Option<&H::Action>,
    raw: &RawAction<'_>,
    sender: Option<&WidgetItem>,
    thread_id: &str,
    refused: &dyn Fn(telemetry::Refusal),
) -> Result<(), HandlerError> {
    let spec = action.map(Action::spec);
    if let Err(refusal) = check_offered(spec, raw, sender) {
        refused(match refusal {
            Refusal::Form(_) => telemetry::Refusal::FormConstraint,
            Refusal::Forged { .. } | Refusal::Tampered { .. } | Refusal::NoWidget { .. } => {
                telemetry::Refusal::Provenance
            }
        });
        tracing::warn!(
            action = %raw.action_type,
            thread = %thread_id,
            item = sender.map_or("", |item| item.id.as_str()),
            reason = %refusal,
            "{}",
            refusal.log_message()
        );
        return Err(HandlerError::rejected(refusal.to_string()));
    }
    if let Some(action) = action
        && let Err(error) = handler.validate(action)
    {
        refused(telemetry::Refusal::Validation);
        let reason = format!("action `{}` is invalid: {error}", raw.action_type);
        tracing::warn!(action = %raw.action_type, thread = %thread_id, %reason, "action failed validation");
        return Err(HandlerError::rejected(reason));
    }
    Ok(())
}

/// Why an action is refused before its handler.
#[derive(Debug)]
enum Refusal {
    /// The widget offers no action of this type.
    Forged { action_type: String, item: String },
    /// A server-set payload field changed, or a field was added.
    Tampered {
        action_type: String,
        item: String,
        field: String,
    },
    /// No `item_id`, and the type is not `client_payload`.
    NoWidget { action_type: String },
    /// A form value breaks its field's constraint.
    Form(String),
}

impl Refusal {
    fn log_message(&self) -> &'static str {
        match self {
            Refusal::Forged { .. } => "forged action",
            Refusal::Tampered { .. } => "tampered action",
            Refusal::NoWidget { .. } => "action without a widget",
            Refusal::Form(_) => "form constraint violated",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Forged { action_type, item } => write!(
                f,
                "action `{action_type}` is not offered by widget `{item}` (the widget may have changed since it was shown)"
            ),
            Refusal::Tampered {
                action_type,
                item,
                field,
            } => write!(
                f,
                "action `{action_type}` does not match what widget `{item}` offered: payload field `{field}` was changed"
            ),
            Refusal::NoWidget { action_type } => write!(
                f,
                "action `{action_type}` must come from a widget: send it with the `item_id` of the widget that offered it"
            ),
            Refusal::Form(message) => f.write_str(message),
        }
    }
}

/// Provenance and form constraints, against one walk of the sender widget.
fn check_offered(
    spec: Option<&ActionSpec>,
    raw: &RawAction<'_>,
    sender: Option<&WidgetItem>,
) -> Result<(), Refusal> {
    if spec.is_some_and(|spec| spec.handler == Handler::Client) {
        return Ok(());
    }
    let client_payload = spec.is_some_and(|spec| spec.client_payload);
    let Some(sender) = sender else {
        return if client_payload || spec.is_none() {
            Ok(())
        } else {
            Err(Refusal::NoWidget {
                action_type: raw.action_type.clone().into_owned(),
            })
        };
    };
    let sites: Vec<ActionSite> = sender
        .widget
        .action_sites()
        .into_iter()
        .filter(|site| site.action.action_type == raw.action_type)
        .collect();
    if sites.is_empty() {
        return if client_payload {
            Ok(())
        } else {
            Err(Refusal::Forged {
                action_type: raw.action_type.clone().into_owned(),
                item: sender.id.clone(),
            })
        };
    }
    let declared = spec.map_or(&[][..], |spec| spec.form_fields);
    // The payload's members, read once for every site.
    let sent = Sent::new(raw.payload);
    let mut tampered = None;
    let mut broken = None;
    for site in &sites {
        let keys = FormKeys::new(site.fields(), declared);
        if !client_payload {
            let exempt = |path: &str| keys.is_form_key(path);
            let nested = |path: &str| keys.holds_form_key(path);
            if let Err(field) = same_payload(&site.action, &sent, &exempt, &nested) {
                tampered.get_or_insert(field);
                continue;
            }
        }
        let values = form_values(&sent, &|path| keys.is_form_key(path), &|path| {
            keys.holds_form_key(path)
        });
        match keys.check_values(values.as_ref()) {
            Ok(()) => return Ok(()),
            Err(message) => {
                broken.get_or_insert(message);
            }
        }
    }
    match (broken, tampered) {
        (Some(message), _) => Err(Refusal::Form(message)),
        (None, field) => Err(Refusal::Tampered {
            action_type: raw.action_type.clone().into_owned(),
            item: sender.id.clone(),
            field: field.unwrap_or_default(),
        }),
    }
}

/// A member name of a JSON object read from its text: borrowed unless it has escapes.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a>(Cow<'a, str>);

impl std::borrow::Borrow<str> for Key<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A JSON object read from its text: each member's JSON text by name, nothing of the values
/// parsed. Of duplicate names the last is kept, as a `serde_json::Value` keeps it; the
/// members iterate in name order, as a `serde_json::Map` does.
type RawObject<'a> = BTreeMap<Key<'a>, &'a RawValue>;

/// The members of `raw` when it is an object (`None` when it is anything else).
fn raw_object(raw: &RawValue) -> Option<RawObject<'_>> {
    if raw.get().starts_with('{') {
        serde_json::from_str(raw.get()).ok()
    } else {
        None
    }
}

/// `raw` unless it is `null`: widgets drop `null` members, so one counts as absent.
fn present_raw(raw: Option<&RawValue>) -> Option<&RawValue> {
    raw.filter(|raw| raw.get() != "null")
}

fn is_object(raw: Option<&RawValue>) -> bool {
    raw.is_none_or(|raw| raw.get().starts_with('{'))
}

/// A sent payload: its text (`None` when absent or `null`), and its members when it is an
/// object.
struct Sent<'a> {
    text: Option<&'a RawValue>,
    object: Option<RawObject<'a>>,
}

impl<'a> Sent<'a> {
    fn new(payload: Option<&'a RawValue>) -> Self {
        let text = present_raw(payload);
        Sent {
            text,
            object: text.and_then(raw_object),
        }
    }
}

/// `Err` with the dotted path of the first payload field that differs from the config's
/// payload, other than the `exempt` ones; `nested` paths hold exempt fields deeper down. The
/// sent payload is JSON text: only the members compared are read from it.
fn same_payload(
    config: &ActionConfig,
    sent: &Sent<'_>,
    exempt: &dyn Fn(&str) -> bool,
    nested: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let offered = present(config.payload.as_ref());
    if matches!(offered, None | Some(Value::Object(_))) && is_object(sent.text) {
        let empty_map = Map::new();
        let empty_object = RawObject::new();
        let object = match (sent.text, &sent.object) {
            (None, _) => &empty_object,
            (Some(_), Some(object)) => object,
            (Some(_), None) => return Err("payload".to_owned()),
        };
        return same_object(
            as_object(offered).unwrap_or(&empty_map),
            object,
            "",
            exempt,
            nested,
        );
    }
    // A payload that is not an object (rare): compared whole, as JSON values.
    let sent: Option<Value> = match sent.text.map(|raw| serde_json::from_str(raw.get())) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(_)) => return Err("payload".to_owned()),
    };
    if offered == sent.as_ref() {
        Ok(())
    } else {
        Err("payload".to_owned())
    }
}

fn same_object(
    offered: &Map<String, Value>,
    sent: &RawObject<'_>,
    prefix: &str,
    exempt: &dyn Fn(&str) -> bool,
    nested: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let sent_only = sent
        .keys()
        .map(|key| &*key.0)
        .filter(|key| !offered.contains_key(*key));
    for key in offered.keys().map(String::as_str).chain(sent_only) {
        let path = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        if exempt(&path) {
            continue;
        }
        let a = present(offered.get(key));
        let b = present_raw(sent.get(key).copied());
        if nested(&path) && matches!(a, None | Some(Value::Object(_))) && is_object(b) {
            let empty = Map::new();
            let b = match b.map(raw_object) {
                None => RawObject::new(),
                Some(Some(object)) => object,
                Some(None) => return Err(path),
            };
            same_object(as_object(a).unwrap_or(&empty), &b, &path, exempt, nested)?;
        } else if !same_value(a, b) {
            return Err(path);
        }
    }
    Ok(())
}

/// Deep equality of a JSON value and JSON text, where a `null` object member is the same as
/// an absent one. Objects and arrays are read member by member; only scalars are parsed.
fn same_value(a: Option<&Value>, b: Option<&RawValue>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Value::Object(a)), Some(b)) => raw_object(b).is_some_and(|b| {
            a.keys()
                .map(String::as_str)
                .chain(b.keys().map(|key| &*key.0))
                .all(|key| same_value(present(a.get(key)), present_raw(b.get(key).copied())))
        }),
        (Some(Value::Array(a)), Some(b)) => {
            b.get().starts_with('[')
                && serde_json::from_str::<Vec<&RawValue>>(b.get()).is_ok_and(|b| {
                    a.len() == b.len()
                        && a.iter()
                            .zip(b)
                            .all(|(a, b)| same_value(present(Some(a)), present_raw(Some(b))))
                })
        }
        (Some(a), Some(b)) => {
            !b.get().starts_with(['{', '['])
                && serde_json::from_str::<Value>(b.get()).is_ok_and(|b| *a == b)
        }
        _ => false,
    }
}

fn as_object(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
}

/// The form values of a sent payload as a JSON value, for the form constraints: the members
/// whose dotted path is a form key (`exempt`), and the objects on the way to deeper ones
/// (`nested`); nothing else of the payload is parsed. `None` when there is no object payload.
fn form_values(
    payload: &Sent<'_>,
    exempt: &dyn Fn(&str) -> bool,
    nested: &dyn Fn(&str) -> bool,
) -> Option<Value> {
    fn collect(
        object: &RawObject<'_>,
        prefix: &str,
        exempt: &dyn Fn(&str) -> bool,
        nested: &dyn Fn(&str) -> bool,
    ) -> Map<String, Value> {
        let mut values = Map::new();
        for (key, raw) in object {
            let path = if prefix.is_empty() {
                key.0.clone().into_owned()
            } else {
                format!("{prefix}.{}", key.0)
            };
            if exempt(&path) {
                if let Ok(value) = serde_json::from_str(raw.get()) {
                    values.insert(key.0.clone().into_owned(), value);
                }
            } else if nested(&path)
                && let Some(inner) = raw_object(raw)
            {
                let inner = collect(&inner, &path, exempt, nested);
                values.insert(key.0.clone().into_owned(), Value::Object(inner));
            }
        }
        values
    }
    let object = payload.object.as_ref()?;
    Some(Value::Object(collect(object, "", exempt, nested)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_set_fields_must_come_back_unchanged() {
        let config =
            ActionConfig::new("save").payload(json!({"id": 1, "todo": {"id": 2}, "gone": null}));
        let exempt = |path: &str| path == "todo.title";
        let nested = |path: &str| path == "todo";
        let same = |sent: Value| {
            let text = serde_json::to_string(&sent).unwrap();
            let raw: &RawValue = serde_json::from_str(&text).unwrap();
            same_payload(&config, &Sent::new(Some(raw)), &exempt, &nested)
        };
        assert_eq!(
            same(json!({"id": 1, "todo": {"id": 2, "title": "x"}})),
            Ok(())
        );
        assert_eq!(
            same(json!({"id": 2, "todo": {"id": 2}})),
            Err("id".to_owned())
        );
        assert_eq!(
            same(json!({"id": 1, "todo": {"id": 3}})),
            Err("todo.id".to_owned())
        );
        assert_eq!(
            same(json!({"id": 1, "todo": {"id": 2}, "admin": true})),
            Err("admin".to_owned())
        );
    }
}
