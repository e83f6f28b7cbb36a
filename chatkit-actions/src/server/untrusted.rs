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
//! For a widget-issued action, the submitted values of the slot's form fields are checked as
//! the browser checks them before submitting (disabled fields are skipped, as the browser
//! does not submit them): `required` fields present and non-empty (a required checkbox
//! checked), `pattern` matching the whole value, `Select` and `RadioGroup` values among the
//! declared options, `DatePicker` values within `min`/`max`. Dotted names nest (`todo.title`
//! is `payload.todo.title`). Messages name the field and the rule, never the value.
//!
//! Patterns compile as `^(?:pattern)$` with the `regex` crate, as the browser compiles the
//! `pattern` attribute (with the `v` flag). `\d`, `\D`, `\w` and `\W` are rewritten to their
//! ASCII classes, as in JavaScript. The gaps: lookaround (`(?=…)`, `(?<!…)`) and
//! backreferences (`\1`, `\k<name>`) do not exist in the `regex` crate, and `\b` is
//! Unicode-aware there but ASCII in JavaScript. A pattern that does not compile is the
//! application's mistake, not the client's: it is logged at `warn` and skipped (the browser
//! still enforces it), rather than making the form impossible to submit.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

use crate::action::{Action, ActionSpec, RawAction};
use crate::config::{ActionConfig, Handler};
use crate::handler::{ActionHandler, HandlerError};
use crate::telemetry;
use crate::thread::WidgetItem;
use crate::widget::{ActionSite, ActionSlot, FieldKind, FormField};

/// Runs every gate for `action` (`None` for an unknown type going to the fallback handler):
/// provenance and form constraints against `sender`, then the handler's validation hook.
pub(crate) fn admit<H: ActionHandler>(
    handler: &H,
    action: Option<&H::Action>,
    raw: &RawAction,
    sender: Option<&WidgetItem>,
    thread_id: &str,
    refused: &dyn Fn(telemetry::Refusal),
) -> Result<(), HandlerError> {
    let spec = action.map(Action::spec);
    if let Err(refusal) = check_origin(spec, raw, sender) {
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

/// Provenance and form constraints.
fn check_origin(
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
    let spec_fields = spec.map_or(&[][..], |spec| spec.form_fields);
    let mut tampered = None;
    let mut broken = None;
    for site in &sites {
        let fields = site_fields(sender, site);
        if !client_payload {
            let exempt = |path: &str| {
                spec_fields.contains(&path) || fields.iter().any(|field| field.name == path)
            };
            let nested = |path: &str| {
                fields.iter().any(|field| {
                    field
                        .name
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('.'))
                })
            };
            if let Err(field) = same_payload(&site.action, raw.payload.as_ref(), &exempt, &nested) {
                tampered.get_or_insert(field);
                continue;
            }
        }
        match check_form(&fields, raw.payload.as_ref()) {
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

/// The fields whose values the client merges into the site's payload: its form's, and for an
/// `onChangeAction` the control's own.
fn site_fields(sender: &WidgetItem, site: &ActionSite) -> Vec<FormField> {
    let mut fields = site
        .form
        .as_ref()
        .map(|form| form.fields.clone())
        .unwrap_or_default();
    let own = matches!(
        site.slot,
        ActionSlot::SelectChange
            | ActionSlot::CheckboxChange
            | ActionSlot::RadioGroupChange
            | ActionSlot::DatePickerChange
    );
    if own && !fields.iter().any(|field| field.pointer == site.pointer) {
        sender.widget.for_each_component(|component, pointer| {
            if pointer == site.pointer {
                fields.extend(FormField::of(component, pointer));
            }
        });
    }
    fields
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

fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|value| !value.is_null())
}

fn as_object(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
}

/// The submitted value of a form field (`todo.title` → `payload.todo.title`).
fn lookup<'v>(payload: Option<&'v Value>, field: &FormField) -> Option<&'v Value> {
    let mut current = payload?;
    for segment in field.path() {
        current = current.get(segment)?;
    }
    present(Some(current))
}

/// The first form constraint the submitted values break, as the message for the client.
fn check_form(fields: &[FormField], payload: Option<&Value>) -> Result<(), String> {
    for field in fields.iter().filter(|field| !field.disabled) {
        let name = &field.name;
        let value = lookup(payload, field);
        let empty = match value {
            None => true,
            Some(Value::String(text)) => text.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            Some(Value::Bool(checked)) => field.kind == FieldKind::Checkbox && !checked,
            Some(_) => false,
        };
        if empty {
            if field.required {
                return Err(format!("form field `{name}` is required"));
            }
            continue;
        }
        let Some(value) = value else { continue };
        match field.kind {
            FieldKind::Input | FieldKind::Textarea | FieldKind::EditableText => {
                if let Some(pattern) = &field.pattern {
                    check_pattern(name, pattern, value)?;
                }
            }
            FieldKind::Select | FieldKind::RadioGroup => {
                if let Some(options) = &field.options {
                    let values = match value {
                        Value::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    let listed = values.iter().all(|value| {
                        value
                            .as_str()
                            .is_some_and(|value| options.iter().any(|option| option == value))
                    });
                    if !listed {
                        return Err(format!("form field `{name}` is not one of its options"));
                    }
                }
            }
            FieldKind::DatePicker => check_date(field, value)?,
            FieldKind::Checkbox => {}
        }
    }
    Ok(())
}

fn check_pattern(name: &str, pattern: &str, value: &Value) -> Result<(), String> {
    let Value::String(text) = value else {
        return Err(format!("form field `{name}` must be text"));
    };
    let source = format!("^(?:{})$", ascii_classes(pattern));
    match regex::RegexBuilder::new(&source)
        .size_limit(1 << 20)
        .build()
    {
        Ok(regex) if regex.is_match(text) => Ok(()),
        Ok(_) => Err(format!(
            "form field `{name}` does not match its pattern `{pattern}`"
        )),
        Err(error) => {
            tracing::warn!(field = %name, %pattern, %error, "form pattern not checked on the server: the regex crate cannot compile it");
            Ok(())
        }
    }
}

/// JavaScript's `\d` and `\w` are ASCII; the `regex` crate's are Unicode. Escaped backslashes
/// are kept as they are.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A date or a date and time, as a `DatePicker` sends it or a widget declares its bounds.
#[derive(Clone, Copy)]
enum When {
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

impl When {
    fn parse(text: &str) -> Option<When> {
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(When::Date(date));
        }
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return Some(When::DateTime(time.naive_utc()));
        }
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(When::DateTime)
    }

    /// Compares as dates when either side is a date alone, else as date-times.
    fn cmp(self, other: When) -> std::cmp::Ordering {
        match (self, other) {
            (When::DateTime(a), When::DateTime(b)) => a.cmp(&b),
            (a, b) => a.date().cmp(&b.date()),
        }
    }

    fn date(self) -> NaiveDate {
        match self {
            When::Date(date) => date,
            When::DateTime(time) => time.date(),
        }
    }
}

/// A `min` or `max` of a `DatePicker`, parsed; one that does not parse is logged and skipped.
fn bound<'t>(name: &str, text: Option<&'t str>) -> Option<(When, &'t str)> {
    let text = text?;
    let parsed = When::parse(text);
    if parsed.is_none() {
        tracing::warn!(field = %name, bound = %text, "DatePicker bound not checked on the server: not an ISO 8601 date");
    }
    parsed.map(|parsed| (parsed, text))
}

fn check_date(field: &FormField, value: &Value) -> Result<(), String> {
    let name = &field.name;
    let Some(when) = value.as_str().and_then(When::parse) else {
        return Err(format!("form field `{name}` is not a date"));
    };
    if let Some((min, text)) = bound(name, field.min.as_deref())
        && when.cmp(min).is_lt()
    {
        return Err(format!("form field `{name}` is before its minimum {text}"));
    }
    if let Some((max, text)) = bound(name, field.max.as_deref())
        && when.cmp(max).is_gt()
    {
        return Err(format!("form field `{name}` is after its maximum {text}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widget::WidgetComponent;
    use serde_json::json;

    fn field(name: &str, kind: FieldKind) -> FormField {
        let mut field = FormField::of(
            &WidgetComponent::Input(crate::widget::Input::new(name)),
            "/children/0",
        )
        .unwrap_or_else(|| unreachable!());
        field.kind = kind;
        field
    }

    #[test]
    fn patterns_match_the_whole_value_with_ascii_digits() {
        let mut code = field("code", FieldKind::Input);
        code.pattern = Some(r"\d{3}".to_owned());
        let fields = [code];
        assert!(check_form(&fields, Some(&json!({"code": "123"}))).is_ok());
        assert!(check_form(&fields, Some(&json!({"code": "1234"}))).is_err());
        assert!(check_form(&fields, Some(&json!({"code": "١٢٣"}))).is_err());
        assert_eq!(ascii_classes(r"\\d\w"), r"\\d[0-9A-Za-z_]");
    }

    #[test]
    fn a_pattern_the_regex_crate_cannot_compile_is_skipped() {
        let mut code = field("code", FieldKind::Input);
        code.pattern = Some(r"(a)\1".to_owned());
        assert!(check_form(&[code], Some(&json!({"code": "zz"}))).is_ok());
    }

    #[test]
    fn dates_compare_as_dates_or_date_times() {
        let mut due = field("due", FieldKind::DatePicker);
        due.min = Some("2024-01-01".to_owned());
        due.max = Some("2024-12-31T12:00:00Z".to_owned());
        let fields = [due];
        assert!(check_form(&fields, Some(&json!({"due": "2024-06-01"}))).is_ok());
        assert!(check_form(&fields, Some(&json!({"due": "2024-12-31T08:00"}))).is_ok());
        assert!(check_form(&fields, Some(&json!({"due": "2023-12-31"}))).is_err());
        assert!(check_form(&fields, Some(&json!({"due": "2025-01-01"}))).is_err());
        assert!(check_form(&fields, Some(&json!({"due": "soon"}))).is_err());
    }

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
