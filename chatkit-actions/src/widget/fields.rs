//! Form fields and every rule about them, in one place: what a field is ([`FormField`]), which
//! values an action receives from the client (its form's fields, plus the control's own value
//! for an `onChangeAction`: [`ActionSlot::sends_own_value`], gathered by
//! [`ActionSite::fields`](super::ActionSite::fields)), which payload keys those values occupy,
//! and the constraints the browser enforces before submitting.
//!
//! Two checks use these rules: [`WidgetRoot::check`](super::WidgetRoot::check) (a form value
//! the client would drop because the action's payload already has its key) and the server's
//! provenance gate (the form values an incoming action carries: which payload keys the client
//! may fill in, and whether each value keeps its field's constraints).
//!
//! # Constraints
//!
//! A submitted value is checked as the browser checks it before submitting (disabled fields
//! are skipped, as the browser does not submit them): `required` fields present and non-empty
//! (a required checkbox checked), `pattern` matching the whole value, `Select` and
//! `RadioGroup` values among the declared options, `DatePicker` values within `min`/`max`.
//! Dotted names nest (`todo.title` is `payload.todo.title`). Messages name the field and the
//! rule, never the value.
//!
//! Patterns compile as `^(?:pattern)$` with the `regex` crate, as the browser compiles the
//! `pattern` attribute (with the `v` flag). `\d`, `\D`, `\w` and `\W` are rewritten to their
//! ASCII classes, as in JavaScript. The gaps: lookaround (`(?=…)`, `(?<!…)`) and
//! backreferences (`\1`, `\k<name>`) do not exist in the `regex` crate, and `\b` is
//! Unicode-aware there but ASCII in JavaScript. A pattern that does not compile is the
//! application's mistake, not the client's: it is logged at `warn` and skipped (the browser
//! still enforces it), rather than making the form impossible to submit.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::{Editable, WidgetComponent};

/// The component a form field comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// An [`Input`](super::Input): a string.
    Input,
    /// A [`Textarea`](super::Textarea): a string.
    Textarea,
    /// A [`Select`](super::Select): one of its option values.
    Select,
    /// A [`DatePicker`](super::DatePicker): an ISO 8601 date.
    DatePicker,
    /// A [`Checkbox`](super::Checkbox): a boolean.
    Checkbox,
    /// A [`RadioGroup`](super::RadioGroup): one of its option values.
    RadioGroup,
    /// A [`Text`](super::Text) with `editable`: a string.
    EditableText,
}

/// A form field and the constraints the client enforces before submitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// The field's `name`; a dotted name nests in the payload (`todo.title`).
    pub name: String,
    /// The component it comes from.
    pub kind: FieldKind,
    /// Where the component is (a JSON Pointer from the root).
    pub pointer: String,
    /// `required` is set.
    pub required: bool,
    /// `disabled` is set.
    pub disabled: bool,
    /// The `pattern` regular expression (Input, Textarea, editable Text).
    pub pattern: Option<String>,
    /// The allowed values (`Select`, and `RadioGroup` when it lists options).
    pub options: Option<Vec<String>>,
    /// The earliest date (`DatePicker`).
    pub min: Option<String>,
    /// The latest date (`DatePicker`).
    pub max: Option<String>,
}

impl FormField {
    /// The payload path of the value: the name split at dots.
    pub fn path(&self) -> impl Iterator<Item = &str> {
        self.name.split('.')
    }

    fn new(name: &str, kind: FieldKind, pointer: &str) -> Self {
        FormField {
            name: name.to_owned(),
            kind,
            pointer: pointer.to_owned(),
            required: false,
            disabled: false,
            pattern: None,
            options: None,
            min: None,
            max: None,
        }
    }

    /// The field a component contributes to its form, if it is one.
    pub(crate) fn of(component: &WidgetComponent, pointer: &str) -> Option<Self> {
        let flag = |value: Option<bool>| value == Some(true);
        let field = match component {
            WidgetComponent::Input(input) => FormField {
                required: flag(input.required),
                disabled: flag(input.disabled),
                pattern: input.pattern.clone(),
                ..FormField::new(&input.name, FieldKind::Input, pointer)
            },
            WidgetComponent::Textarea(textarea) => FormField {
                required: flag(textarea.required),
                disabled: flag(textarea.disabled),
                pattern: textarea.pattern.clone(),
                ..FormField::new(&textarea.name, FieldKind::Textarea, pointer)
            },
            WidgetComponent::Select(select) => FormField {
                disabled: flag(select.disabled),
                options: Some(select.options.iter().map(|o| o.value.clone()).collect()),
                ..FormField::new(&select.name, FieldKind::Select, pointer)
            },
            WidgetComponent::DatePicker(picker) => FormField {
                disabled: flag(picker.disabled),
                min: picker.min.clone(),
                max: picker.max.clone(),
                ..FormField::new(&picker.name, FieldKind::DatePicker, pointer)
            },
            WidgetComponent::Checkbox(checkbox) => FormField {
                required: flag(checkbox.required),
                disabled: flag(checkbox.disabled),
                ..FormField::new(&checkbox.name, FieldKind::Checkbox, pointer)
            },
            WidgetComponent::RadioGroup(group) => FormField {
                required: flag(group.required),
                disabled: flag(group.disabled),
                options: group
                    .options
                    .as_ref()
                    .map(|options| options.iter().map(|o| o.value.clone()).collect()),
                ..FormField::new(&group.name, FieldKind::RadioGroup, pointer)
            },
            WidgetComponent::Text(text) => match &text.editable {
                Some(Editable::Field(props)) => FormField {
                    required: flag(props.required),
                    pattern: props.pattern.clone(),
                    ..FormField::new(&props.name, FieldKind::EditableText, pointer)
                },
                _ => return None,
            },
            _ => return None,
        };
        Some(field)
    }

    /// The payload key that stops this field's value from being merged into `payload`: the
    /// full dotted path when the payload already has it, or a prefix holding a non-object
    /// value. `null` members count as absent, since widgets drop them before the client sees
    /// the payload.
    pub(crate) fn collision(&self, payload: &Value) -> Option<String> {
        let segments: Vec<&str> = self.path().collect();
        let mut current = payload;
        for (depth, segment) in segments.iter().enumerate() {
            let Value::Object(object) = current else {
                return Some(segments[..depth].join("."));
            };
            current = present(object.get(*segment))?;
        }
        Some(self.name.clone())
    }

    /// The submitted value (`todo.title` → `payload.todo.title`), `null` counting as absent.
    fn value<'v>(&self, payload: Option<&'v Value>) -> Option<&'v Value> {
        let mut current = payload?;
        for segment in self.path() {
            current = current.get(segment)?;
        }
        present(Some(current))
    }

    /// Checks the value this field submitted into `payload` against its constraints.
    fn check(&self, payload: Option<&Value>) -> Result<(), String> {
        let name = &self.name;
        let value = self.value(payload);
        let empty = match value {
            None => true,
            Some(Value::String(text)) => text.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            Some(Value::Bool(checked)) => self.kind == FieldKind::Checkbox && !checked,
            Some(_) => false,
        };
        let Some(value) = value.filter(|_| !empty) else {
            return if self.required {
                Err(format!("form field `{name}` is required"))
            } else {
                Ok(())
            };
        };
        match self.kind {
            FieldKind::Input | FieldKind::Textarea | FieldKind::EditableText => self
                .pattern
                .as_ref()
                .map_or(Ok(()), |pattern| check_pattern(name, pattern, value)),
            FieldKind::Select | FieldKind::RadioGroup => {
                let Some(options) = &self.options else {
                    return Ok(());
                };
                let values = match value {
                    Value::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                let listed = values.iter().all(|value| {
                    value
                        .as_str()
                        .is_some_and(|value| options.iter().any(|option| option == value))
                });
                if listed {
                    Ok(())
                } else {
                    Err(format!("form field `{name}` is not one of its options"))
                }
            }
            FieldKind::DatePicker => self.check_date(value),
            FieldKind::Checkbox => Ok(()),
        }
    }

    fn check_date(&self, value: &Value) -> Result<(), String> {
        let name = &self.name;
        let Some(when) = value.as_str().and_then(When::parse) else {
            return Err(format!("form field `{name}` is not a date"));
        };
        if let Some((min, text)) = bound(name, self.min.as_deref())
            && when.cmp(min).is_lt()
        {
            return Err(format!("form field `{name}` is before its minimum {text}"));
        }
        if let Some((max, text)) = bound(name, self.max.as_deref())
            && when.cmp(max).is_gt()
        {
            return Err(format!("form field `{name}` is after its maximum {text}"));
        }
        Ok(())
    }
}

/// Which slot of which component holds an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionSlot {
    /// `Button.onClickAction`.
    ButtonClick,
    /// `ListViewItem.onClickAction`.
    ListViewItemClick,
    /// `Form.onSubmitAction`.
    FormSubmit,
    /// `Card.confirm.action`.
    CardConfirm,
    /// `Card.cancel.action`.
    CardCancel,
    /// `Select.onChangeAction`.
    SelectChange,
    /// `Checkbox.onChangeAction`.
    CheckboxChange,
    /// `RadioGroup.onChangeAction`.
    RadioGroupChange,
    /// `DatePicker.onChangeAction`.
    DatePickerChange,
}

impl ActionSlot {
    /// The slot as written in the widget, such as `"Button.onClickAction"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ActionSlot::ButtonClick => "Button.onClickAction",
            ActionSlot::ListViewItemClick => "ListViewItem.onClickAction",
            ActionSlot::FormSubmit => "Form.onSubmitAction",
            ActionSlot::CardConfirm => "Card.confirm.action",
            ActionSlot::CardCancel => "Card.cancel.action",
            ActionSlot::SelectChange => "Select.onChangeAction",
            ActionSlot::CheckboxChange => "Checkbox.onChangeAction",
            ActionSlot::RadioGroupChange => "RadioGroup.onChangeAction",
            ActionSlot::DatePickerChange => "DatePicker.onChangeAction",
        }
    }
}

impl fmt::Display for ActionSlot {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl ActionSlot {
    /// Whether the slot is a control's `onChangeAction`, which the client sends with the
    /// control's own value under its `name` even outside a form.
    #[must_use]
    pub const fn sends_own_value(self) -> bool {
        matches!(
            self,
            ActionSlot::SelectChange
                | ActionSlot::CheckboxChange
                | ActionSlot::RadioGroupChange
                | ActionSlot::DatePickerChange
        )
    }
}

/// The payload keys a client fills in for one action site: the names of the fields it
/// receives and the action's `#[action(form)]` fields. Every other key is the server's and
/// must come back as the widget offered it.
pub(crate) struct FormKeys<'a> {
    fields: Vec<&'a FormField>,
    declared: &'a [&'static str],
}

impl<'a> FormKeys<'a> {
    /// The keys of `fields` (an action site's, see
    /// [`ActionSite::fields`](super::ActionSite::fields)) and of the `declared` form fields.
    pub(crate) fn new(
        fields: impl Iterator<Item = &'a FormField>,
        declared: &'a [&'static str],
    ) -> Self {
        FormKeys {
            fields: fields.collect(),
            declared,
        }
    }

    /// Whether the dotted `path` is a form value's key.
    pub(crate) fn is_form_key(&self, path: &str) -> bool {
        self.declared.contains(&path) || self.fields.iter().any(|field| field.name == path)
    }

    /// Whether the dotted `path` holds a form value's key deeper down (`todo` for
    /// `todo.title`).
    pub(crate) fn holds_form_key(&self, path: &str) -> bool {
        self.fields.iter().any(|field| {
            let rest = field.name.strip_prefix(path);
            rest.is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// The first constraint the submitted values break, as the message for the client.
    pub(crate) fn check_values(&self, payload: Option<&Value>) -> Result<(), String> {
        self.fields
            .iter()
            .filter(|field| !field.disabled)
            .try_for_each(|field| field.check(payload))
    }
}

/// `value` unless it is `null`: widgets drop `null` members, so one counts as absent.
pub(crate) fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|value| !value.is_null())
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str, kind: FieldKind) -> FormField {
        FormField::new(name, kind, "/children/0")
    }

    /// The first constraint `fields` break in `payload`.
    fn check_form(fields: &[FormField], payload: Option<&Value>) -> Result<(), String> {
        fields.iter().try_for_each(|field| field.check(payload))
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
    fn required_options_and_checkboxes() {
        let mut color = field("color", FieldKind::Select);
        color.options = Some(vec!["red".to_owned(), "blue".to_owned()]);
        let mut agree = field("agree", FieldKind::Checkbox);
        agree.required = true;
        let fields = [color, agree];
        assert!(check_form(&fields, Some(&json!({"color": "red", "agree": true}))).is_ok());
        assert_eq!(
            check_form(&fields, Some(&json!({"color": "green", "agree": true}))),
            Err("form field `color` is not one of its options".to_owned())
        );
        assert_eq!(
            check_form(&fields, Some(&json!({"color": "red", "agree": false}))),
            Err("form field `agree` is required".to_owned())
        );
    }

    #[test]
    fn collisions_name_the_key_in_the_way() {
        let title = field("todo.title", FieldKind::Input);
        assert_eq!(title.collision(&json!({"todo": {"id": 1}})), None);
        assert_eq!(title.collision(&json!({"todo": {"title": null}})), None);
        assert_eq!(
            title.collision(&json!({"todo": {"title": "old"}})),
            Some("todo.title".to_owned())
        );
        assert_eq!(
            title.collision(&json!({"todo": 3})),
            Some("todo".to_owned())
        );
    }
}
