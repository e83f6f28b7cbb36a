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

use serde_json::{Map, Value};

use crate::action::{Action, ActionSpec, Handler, RawAction};
use crate::config::ActionConfig;
use crate::handler::{ActionHandler, HandlerError};
use crate::thread::WidgetItem;
use crate::widget::ActionSite;
use crate::widget::fields::{FormKeys, present};

/// Checks that `action` (`None` for an unknown type going to the fallback handler) was offered
/// by `sender` unchanged (provenance), that its form values keep their fields' constraints, and
/// that it passes the handler's validation hook.
pub(crate) fn check_offered_and_valid<H: ActionHandler>(
    handler: &H,
    action: Option<&H::Action>,
    raw: &RawAction,
    sender: Option<&WidgetItem>,
    thread_id: &str,
) -> Result<(), HandlerError> {
    let spec = action.map(Action::spec);
    if let Err(refusal) = check_offered(spec, raw, sender) {
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
    raw: &RawAction,
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
                action_type: raw.action_type.clone(),
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
                action_type: raw.action_type.clone(),
                item: sender.id.clone(),
            })
        };
    }
    let declared = spec.map_or(&[][..], |spec| spec.form_fields);
    let mut tampered = None;
    let mut broken = None;
    for site in &sites {
        let keys = FormKeys::new(site.fields(), declared);
        if !client_payload {
            let exempt = |path: &str| keys.is_form_key(path);
            let nested = |path: &str| keys.holds_form_key(path);
            if let Err(field) = same_payload(&site.action, raw.payload.as_ref(), &exempt, &nested) {
                tampered.get_or_insert(field);
                continue;
            }
        }
        match keys.check_values(raw.payload.as_ref()) {
            Ok(()) => return Ok(()),
            Err(message) => {
                broken.get_or_insert(message);
            }
        }
    }
    match (broken, tampered) {
        (Some(message), _) => Err(Refusal::Form(message)),
        (None, field) => Err(Refusal::Tampered {
            action_type: raw.action_type.clone(),
            item: sender.id.clone(),
            field: field.unwrap_or_default(),
        }),
    }
}

/// `Err` with the dotted path of the first payload field that differs from the config's
/// payload, other than the `exempt` ones; `nested` paths hold exempt fields deeper down.
fn same_payload(
    config: &ActionConfig,
    sent: Option<&Value>,
    exempt: &dyn Fn(&str) -> bool,
    nested: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let offered = present(config.payload.as_ref());
    let sent = present(sent);
    match (offered, sent) {
        (None | Some(Value::Object(_)), None | Some(Value::Object(_))) => {
            let empty = Map::new();
            same_object(
                as_object(offered).unwrap_or(&empty),
                as_object(sent).unwrap_or(&empty),
                "",
                exempt,
                nested,
            )
        }
        (offered, sent) if offered == sent => Ok(()),
        _ => Err("payload".to_owned()),
    }
}

fn same_object(
    offered: &Map<String, Value>,
    sent: &Map<String, Value>,
    prefix: &str,
    exempt: &dyn Fn(&str) -> bool,
    nested: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    for key in offered
        .keys()
        .chain(sent.keys().filter(|key| !offered.contains_key(*key)))
    {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if exempt(&path) {
            continue;
        }
        let (a, b) = (present(offered.get(key)), present(sent.get(key)));
        if nested(&path)
            && matches!(a, None | Some(Value::Object(_)))
            && matches!(b, None | Some(Value::Object(_)))
        {
            let empty = Map::new();
            same_object(
                as_object(a).unwrap_or(&empty),
                as_object(b).unwrap_or(&empty),
                &path,
                exempt,
                nested,
            )?;
        } else if !same_value(a, b) {
            return Err(path);
        }
    }
    Ok(())
}

/// Deep equality where a `null` object member is the same as an absent one.
fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Value::Object(a)), Some(Value::Object(b))) => a
            .keys()
            .chain(b.keys())
            .all(|key| same_value(present(a.get(key)), present(b.get(key)))),
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(a, b)| same_value(present(Some(a)), present(Some(b))))
        }
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn as_object(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
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
        let same = |sent: Value| same_payload(&config, Some(&sent), &exempt, &nested);
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
