//! Forms and their fields: [`Form`], [`Input`], [`Textarea`], [`Select`], [`DatePicker`],
//! [`Checkbox`], [`RadioGroup`], and the field [`Label`].
//!
//! Each field has a `name`. Inside a [`Form`], or a [`Card`](super::Card) with `asForm`, the
//! client merges every field's value into the payload of every action triggered inside it.

use serde::{Deserialize, Serialize};

use super::WidgetComponent;
use super::style::{
    Alignment, BorderValue, Color, ControlSize, ControlVariant, Direction, FloatOrString,
    FontWeight, IntOrString, Justification, Radius, SpacingValue, TextAlign, TextSize, Wrap,
    tokens,
};
use crate::config::ActionConfig;

tokens! {
    /// The HTML type of an [`Input`].
    InputType {
        Number = "number", Email = "email", Text = "text", Password = "password", Tel = "tel",
        Url = "url",
    }
}

tokens! {
    /// The visual variant of an [`Input`] or [`Textarea`].
    InputVariant { Soft = "soft", Outline = "outline" }
}

tokens! {
    /// The horizontal inner padding of an [`Input`] or [`Textarea`].
    GutterSize { Xxs = "2xs", Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl" }
}

tokens! {
    /// The side of a [`DatePicker`] its calendar opens on.
    PopoverSide { Top = "top", Bottom = "bottom", Left = "left", Right = "right" }
}

tokens! {
    /// The alignment of a [`DatePicker`]'s calendar along its side.
    PopoverAlign { Start = "start", Center = "center", End = "end" }
}

/// One choice of a [`Select`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SelectOption {
    /// The value submitted when chosen.
    pub value: String,
    /// The text shown.
    pub label: String,
    /// Makes the choice unavailable (Python SDK only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// A secondary line under the label (Python SDK only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl SelectOption {
    /// A choice with its value and label.
    #[must_use]
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        SelectOption {
            value: value.into(),
            label: label.into(),
            disabled: None,
            description: None,
        }
    }

    setters!(description: String);
    setters!(plain disabled: bool);
}

/// One choice of a [`RadioGroup`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RadioOption {
    /// The text shown.
    pub label: String,
    /// The value submitted when chosen.
    pub value: String,
    /// Makes the choice unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

impl RadioOption {
    /// A choice with its value and label (in that order, as for [`SelectOption`]).
    #[must_use]
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        RadioOption {
            label: label.into(),
            value: value.into(),
            disabled: None,
        }
    }

    setters!(plain disabled: bool);
}

/// A flex container that is an HTML form (`Form`).
///
/// The values of the form fields inside it (`Input`, `Textarea`, `Select`, `DatePicker`,
/// `Checkbox`, `RadioGroup`, editable `Text`) are merged into the payload of every action triggered inside it,
/// under each field's `name`; a dotted name nests (`todo.title` → `payload.todo.title`). A form
/// value whose key the payload already has is dropped by the client: see
/// [`WidgetRoot::check`](super::WidgetRoot::check).
///
/// ```
/// use chatkit_actions::widget::{Button, Form, Input};
/// use chatkit_actions::ActionConfig;
/// use serde_json::json;
///
/// let form = Form::new()
///     .on_submit_action(ActionConfig::new("todo.save").payload(json!({"id": "t1"})))
///     .child(Input::new("todo.title").required(true))
///     .child(Button::new("Save").submit(true));
/// let value = serde_json::to_value(&form)?;
/// assert_eq!(value["onSubmitAction"]["type"], "todo.save");
/// assert_eq!(value["children"][0], json!({"type": "Input", "name": "todo.title", "required": true}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Form", rename_all = "camelCase")]
pub struct Form {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Action triggered when the form is submitted (by a `submit` Button).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::action_slot::serialize"
    )]
    pub on_submit_action: Option<ActionConfig>,
    /// Main axis (`row` or `col`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Child components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<WidgetComponent>>,
    /// Cross-axis alignment of the children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<Alignment>,
    /// Main-axis distribution of the children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justify: Option<Justification>,
    /// Whether children wrap onto several lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap: Option<Wrap>,
    /// Flex growth factor, or a CSS `flex` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flex: Option<IntOrString>,
    /// Gap between children, in spacing units or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<IntOrString>,
    /// Height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<FloatOrString>,
    /// Width in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<FloatOrString>,
    /// Width and height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<FloatOrString>,
    /// Minimum height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_height: Option<IntOrString>,
    /// Minimum width in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_width: Option<IntOrString>,
    /// Minimum width and height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<IntOrString>,
    /// Maximum height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_height: Option<IntOrString>,
    /// Maximum width in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_width: Option<IntOrString>,
    /// Maximum width and height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<IntOrString>,
    /// Inner spacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<SpacingValue>,
    /// Outer spacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<SpacingValue>,
    /// Border on every side or per side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub border: Option<BorderValue>,
    /// Corner radius.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<Radius>,
    /// Background color (tokens such as `surface-secondary`, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Color>,
    /// Aspect ratio as a number (`1.5`) or CSS (`"16 / 9"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<FloatOrString>,
}

impl Form {
    /// An empty Form.
    #[must_use]
    pub fn new() -> Self {
        Form {
            key: None,
            id: None,
            on_submit_action: None,
            direction: None,
            children: None,
            align: None,
            justify: None,
            wrap: None,
            flex: None,
            gap: None,
            height: None,
            width: None,
            size: None,
            min_height: None,
            min_width: None,
            min_size: None,
            max_height: None,
            max_width: None,
            max_size: None,
            padding: None,
            margin: None,
            border: None,
            radius: None,
            background: None,
            aspect_ratio: None,
        }
    }

    setters!(key: String, id: String, direction: Direction, align: Alignment, justify: Justification, wrap: Wrap, flex: IntOrString, gap: IntOrString, height: FloatOrString, width: FloatOrString, size: FloatOrString, min_height: IntOrString, min_width: IntOrString, min_size: IntOrString, max_height: IntOrString, max_width: IntOrString, max_size: IntOrString, padding: SpacingValue, margin: SpacingValue, border: BorderValue, radius: Radius, background: Color, aspect_ratio: FloatOrString);
    action_setter!(on_submit_action);
    children_methods!(opt children, child: WidgetComponent);
}

/// A single-line text input (`Input`); a form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Input", rename_all = "camelCase")]
pub struct Input {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field name: the key of its value in the action payload (dotted names nest).
    pub name: String,
    /// The HTML input type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_type: Option<InputType>,
    /// Initial value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    /// The form can't be submitted while the field is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// A regular expression the value must match (HTML `pattern`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Lets browser autofill and password extensions fill the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_autofill_extensions: Option<bool>,
    /// Selects the whole value on focus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_select: Option<bool>,
    /// Focuses the field when it appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_focus: Option<bool>,
    /// Disables the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Visual variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<InputVariant>,
    /// Size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ControlSize>,
    /// Horizontal inner padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gutter_size: Option<GutterSize>,
    /// Fully rounded ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pill: Option<bool>,
}

impl Input {
    /// A `Input` with the required fields; everything else unset.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Input {
            key: None,
            id: None,
            name: name.into(),
            input_type: None,
            default_value: None,
            required: None,
            pattern: None,
            placeholder: None,
            allow_autofill_extensions: None,
            auto_select: None,
            auto_focus: None,
            disabled: None,
            variant: None,
            size: None,
            gutter_size: None,
            pill: None,
        }
    }

    setters!(key: String, id: String, input_type: InputType, default_value: String, pattern: String, placeholder: String, variant: InputVariant, size: ControlSize, gutter_size: GutterSize);
    setters!(plain required: bool, allow_autofill_extensions: bool, auto_select: bool, auto_focus: bool, disabled: bool, pill: bool);
}

/// A multi-line text input (`Textarea`); a form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Textarea", rename_all = "camelCase")]
pub struct Textarea {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field name: the key of its value in the action payload (dotted names nest).
    pub name: String,
    /// Initial value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    /// The form can't be submitted while the field is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// A regular expression the value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Selects the whole value on focus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_select: Option<bool>,
    /// Focuses the field when it appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_focus: Option<bool>,
    /// Disables the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Visual variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<InputVariant>,
    /// Size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ControlSize>,
    /// Horizontal inner padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gutter_size: Option<GutterSize>,
    /// Number of visible rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u32>,
    /// Grows with its content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_resize: Option<bool>,
    /// Maximum rows when auto-resizing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<u32>,
    /// Lets browser autofill extensions fill the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_autofill_extensions: Option<bool>,
}

impl Textarea {
    /// A `Textarea` with the required fields; everything else unset.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Textarea {
            key: None,
            id: None,
            name: name.into(),
            default_value: None,
            required: None,
            pattern: None,
            placeholder: None,
            auto_select: None,
            auto_focus: None,
            disabled: None,
            variant: None,
            size: None,
            gutter_size: None,
            rows: None,
            auto_resize: None,
            max_rows: None,
            allow_autofill_extensions: None,
        }
    }

    setters!(key: String, id: String, default_value: String, pattern: String, placeholder: String, variant: InputVariant, size: ControlSize, gutter_size: GutterSize);
    setters!(plain required: bool, auto_select: bool, auto_focus: bool, disabled: bool, rows: u32, auto_resize: bool, max_rows: u32, allow_autofill_extensions: bool);
}

/// A drop-down list (`Select`); a form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Select", rename_all = "camelCase")]
pub struct Select {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field name: the key of its value in the action payload (dotted names nest).
    pub name: String,
    /// The choices (always written, even when empty).
    pub options: Vec<SelectOption>,
    /// Action triggered when the selection changes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::action_slot::serialize"
    )]
    pub on_change_action: Option<ActionConfig>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Initially selected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    /// Visual variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<ControlVariant>,
    /// Size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ControlSize>,
    /// Fully rounded ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pill: Option<bool>,
    /// Takes the full width of its container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<bool>,
    /// Shows a control that clears the selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clearable: Option<bool>,
    /// Disables the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Shows a search box (Python SDK only; on by default above 15 options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searchable: Option<bool>,
}

impl Select {
    /// A `Select` with the required fields; everything else unset.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Select {
            key: None,
            id: None,
            name: name.into(),
            options: Vec::new(),
            on_change_action: None,
            placeholder: None,
            default_value: None,
            variant: None,
            size: None,
            pill: None,
            block: None,
            clearable: None,
            disabled: None,
            searchable: None,
        }
    }

    setters!(key: String, id: String, placeholder: String, default_value: String, variant: ControlVariant, size: ControlSize);
    setters!(plain pill: bool, block: bool, clearable: bool, disabled: bool, searchable: bool);
    action_setter!(on_change_action);
    children_methods!(vec options, option: SelectOption);
}

/// A date picker (`DatePicker`); a form field.
///
/// Dates are ISO 8601 strings, kept exactly as written (`"2025-01-15T00:00:00"`, with or
/// without an offset or fraction), as the SDK writes Python datetimes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "DatePicker", rename_all = "camelCase")]
pub struct DatePicker {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field name: the key of its value in the action payload (dotted names nest).
    pub name: String,
    /// Action triggered when the date changes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::action_slot::serialize"
    )]
    pub on_change_action: Option<ActionConfig>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Initial date (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    /// Earliest selectable date (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    /// Latest selectable date (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    /// Visual variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<ControlVariant>,
    /// Size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ControlSize>,
    /// Side of the field the calendar opens on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<PopoverSide>,
    /// Alignment of the calendar along that side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<PopoverAlign>,
    /// Fully rounded ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pill: Option<bool>,
    /// Takes the full width of its container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<bool>,
    /// Shows a control that clears the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clearable: Option<bool>,
    /// Disables the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

impl DatePicker {
    /// A `DatePicker` with the required fields; everything else unset.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        DatePicker {
            key: None,
            id: None,
            name: name.into(),
            on_change_action: None,
            placeholder: None,
            default_value: None,
            min: None,
            max: None,
            variant: None,
            size: None,
            side: None,
            align: None,
            pill: None,
            block: None,
            clearable: None,
            disabled: None,
        }
    }

    setters!(key: String, id: String, placeholder: String, default_value: String, min: String, max: String, variant: ControlVariant, size: ControlSize, side: PopoverSide, align: PopoverAlign);
    setters!(plain pill: bool, block: bool, clearable: bool, disabled: bool);
    action_setter!(on_change_action);
}

/// A checkbox (`Checkbox`); a form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Checkbox", rename_all = "camelCase")]
pub struct Checkbox {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field name: the key of its value in the action payload (dotted names nest).
    pub name: String,
    /// Label shown next to the box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Initially checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_checked: Option<bool>,
    /// Action triggered when the box is toggled.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::action_slot::serialize"
    )]
    pub on_change_action: Option<ActionConfig>,
    /// Disables the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// The form can't be submitted while the box is unchecked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl Checkbox {
    /// A `Checkbox` with the required fields; everything else unset.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Checkbox {
            key: None,
            id: None,
            name: name.into(),
            label: None,
            default_checked: None,
            on_change_action: None,
            disabled: None,
            required: None,
        }
    }

    setters!(key: String, id: String, label: String);
    setters!(plain default_checked: bool, disabled: bool, required: bool);
    action_setter!(on_change_action);
}

/// A set of radio buttons (`RadioGroup`); a form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "RadioGroup", rename_all = "camelCase")]
pub struct RadioGroup {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field name: the key of its value in the action payload (dotted names nest).
    pub name: String,
    /// The choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<RadioOption>>,
    /// Accessible label of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aria_label: Option<String>,
    /// Action triggered when the choice changes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::action_slot::serialize"
    )]
    pub on_change_action: Option<ActionConfig>,
    /// Initially selected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    /// Lays the options out in a row or a column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Disables the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// The form can't be submitted without a choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl RadioGroup {
    /// A `RadioGroup` with the required fields; everything else unset.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        RadioGroup {
            key: None,
            id: None,
            name: name.into(),
            options: None,
            aria_label: None,
            on_change_action: None,
            default_value: None,
            direction: None,
            disabled: None,
            required: None,
        }
    }

    setters!(key: String, id: String, aria_label: String, default_value: String, direction: Direction);
    setters!(plain disabled: bool, required: bool);
    action_setter!(on_change_action);
    children_methods!(opt options, option: RadioOption);
}

/// The label of a form field (`Label`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Label", rename_all = "camelCase")]
pub struct Label {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The text.
    pub value: String,
    /// The `name` of the field it labels.
    pub field_name: String,
    /// Text size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<TextSize>,
    /// Font weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<FontWeight>,
    /// Horizontal alignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_align: Option<TextAlign>,
    /// Text color (tokens such as `secondary`, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
}

impl Label {
    /// A `Label` with the required fields; everything else unset.
    #[must_use]
    pub fn new(value: impl Into<String>, field_name: impl Into<String>) -> Self {
        Label {
            key: None,
            id: None,
            value: value.into(),
            field_name: field_name.into(),
            size: None,
            weight: None,
            text_align: None,
            color: None,
        }
    }

    setters!(key: String, id: String, size: TextSize, weight: FontWeight, text_align: TextAlign, color: Color);
}
