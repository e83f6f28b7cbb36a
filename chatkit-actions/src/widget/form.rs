//! Forms and their fields: [`Form`], [`Input`], [`Textarea`], [`Select`], [`DatePicker`],
//! [`Checkbox`], [`RadioGroup`], and the field [`Label`].
//!
//! Each field has a `name`. Inside a [`Form`], or a [`Card`](super::Card) with `asForm`, the
//! client merges every field's value into the payload of every action triggered inside it.

use super::WidgetComponent;
use super::style::{
    Color, ControlSize, ControlVariant, Direction, FontWeight, TextAlign, TextSize, tokens,
};

tokens! {
    /// The HTML type of an [`Input`].
    InputType {
        Number = "number", Email = "email", Text = "text", Password = "password", Tel = "tel",
        Url = "url",
    }

    /// The visual variant of an [`Input`] or [`Textarea`].
    InputVariant { Soft = "soft", Outline = "outline" }

    /// The horizontal inner padding of an [`Input`] or [`Textarea`].
    GutterSize { Xxs = "2xs", Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl" }

    /// The side of a [`DatePicker`] its calendar opens on.
    PopoverSide { Top = "top", Bottom = "bottom", Left = "left", Right = "right" }

    /// The alignment of a [`DatePicker`]'s calendar along its side.
    PopoverAlign { Start = "start", Center = "center", End = "end" }
}

component! {
    /// One choice of a [`Select`].
    #[derive(Eq, Hash)]
    pub struct SelectOption {
        /// The value submitted when chosen.
        required value: String,
        /// The text shown.
        required label: String,
        /// Makes the choice unavailable (Python SDK only).
        disabled: bool,
        /// A secondary line under the label (Python SDK only).
        description: String,
    }
    /// A choice with its value and label.
    fn new;
}

component! {
    /// One choice of a [`RadioGroup`].
    #[derive(Eq, Hash)]
    pub struct RadioOption {
        /// The text shown.
        custom label: String,
        /// The value submitted when chosen.
        custom value: String,
        /// Makes the choice unavailable.
        disabled: bool,
    }
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
}

component! {
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
    #[derive(Default)]
    pub struct Form as "Form" {
        /// Action triggered when the form is submitted (by a `submit` Button).
        action on_submit_action,
        /// Main axis (`row` or `col`).
        direction: Direction,
        /// Child components.
        list #[serde(deserialize_with = "super::direct::optional_children")] children(child): WidgetComponent,
        layout,
    }
    /// An empty Form.
    fn new;
}

component! {
    /// A single-line text input (`Input`); a form field.
    pub struct Input as "Input" {
        /// Field name: the key of its value in the action payload (dotted names nest).
        required name: String,
        /// The HTML input type.
        input_type: InputType,
        /// Initial value.
        default_value: String,
        /// The form can't be submitted while the field is empty.
        required: bool,
        /// A regular expression the value must match (HTML `pattern`).
        pattern: String,
        /// Placeholder text.
        placeholder: String,
        /// Lets browser autofill and password extensions fill the field.
        allow_autofill_extensions: bool,
        text_entry,
        /// Fully rounded ends.
        pill: bool,
    }
    /// A `Input` with the required fields; everything else unset.
    fn new;
}

component! {
    /// A multi-line text input (`Textarea`); a form field.
    pub struct Textarea as "Textarea" {
        /// Field name: the key of its value in the action payload (dotted names nest).
        required name: String,
        /// Initial value.
        default_value: String,
        /// The form can't be submitted while the field is empty.
        required: bool,
        /// A regular expression the value must match.
        pattern: String,
        /// Placeholder text.
        placeholder: String,
        text_entry,
        /// Number of visible rows.
        rows: u32,
        /// Grows with its content.
        auto_resize: bool,
        /// Maximum rows when auto-resizing.
        max_rows: u32,
        /// Lets browser autofill extensions fill the field.
        allow_autofill_extensions: bool,
    }
    /// A `Textarea` with the required fields; everything else unset.
    fn new;
}

component! {
    /// A drop-down list (`Select`); a form field.
    pub struct Select as "Select" {
        /// Field name: the key of its value in the action payload (dotted names nest).
        required name: String,
        /// The choices (always written, even when empty).
        vec options(option): SelectOption,
        /// Action triggered when the selection changes.
        action on_change_action,
        /// Placeholder text.
        placeholder: String,
        /// Initially selected value.
        default_value: String,
        /// Visual variant.
        variant: ControlVariant,
        /// Size.
        size: ControlSize,
        /// Fully rounded ends.
        pill: bool,
        /// Takes the full width of its container.
        block: bool,
        /// Shows a control that clears the selection.
        clearable: bool,
        /// Disables the field.
        disabled: bool,
        /// Shows a search box (Python SDK only; on by default above 15 options).
        searchable: bool,
    }
    /// A `Select` with the required fields; everything else unset.
    fn new;
}

component! {
    /// A date picker (`DatePicker`); a form field.
    ///
    /// Dates are ISO 8601 strings, kept exactly as written (`"2025-01-15T00:00:00"`, with or
    /// without an offset or fraction), as the SDK writes Python datetimes.
    pub struct DatePicker as "DatePicker" {
        /// Field name: the key of its value in the action payload (dotted names nest).
        required name: String,
        /// Action triggered when the date changes.
        action on_change_action,
        /// Placeholder text.
        placeholder: String,
        /// Initial date (ISO 8601).
        default_value: String,
        /// Earliest selectable date (ISO 8601).
        min: String,
        /// Latest selectable date (ISO 8601).
        max: String,
        /// Visual variant.
        variant: ControlVariant,
        /// Size.
        size: ControlSize,
        /// Side of the field the calendar opens on.
        side: PopoverSide,
        /// Alignment of the calendar along that side.
        align: PopoverAlign,
        /// Fully rounded ends.
        pill: bool,
        /// Takes the full width of its container.
        block: bool,
        /// Shows a control that clears the date.
        clearable: bool,
        /// Disables the field.
        disabled: bool,
    }
    /// A `DatePicker` with the required fields; everything else unset.
    fn new;
}

component! {
    /// A checkbox (`Checkbox`); a form field.
    pub struct Checkbox as "Checkbox" {
        /// Field name: the key of its value in the action payload (dotted names nest).
        required name: String,
        /// Label shown next to the box.
        label: String,
        /// Initially checked.
        default_checked: bool,
        /// Action triggered when the box is toggled.
        action on_change_action,
        /// Disables the field.
        disabled: bool,
        /// The form can't be submitted while the box is unchecked.
        required: bool,
    }
    /// A `Checkbox` with the required fields; everything else unset.
    fn new;
}

component! {
    /// A set of radio buttons (`RadioGroup`); a form field.
    pub struct RadioGroup as "RadioGroup" {
        /// Field name: the key of its value in the action payload (dotted names nest).
        required name: String,
        /// The choices.
        list options(option): RadioOption,
        /// Accessible label of the group.
        aria_label: String,
        /// Action triggered when the choice changes.
        action on_change_action,
        /// Initially selected value.
        default_value: String,
        /// Lays the options out in a row or a column.
        direction: Direction,
        /// Disables the field.
        disabled: bool,
        /// The form can't be submitted without a choice.
        required: bool,
    }
    /// A `RadioGroup` with the required fields; everything else unset.
    fn new;
}

component! {
    /// The label of a form field (`Label`).
    pub struct Label as "Label" {
        /// The text.
        required value: String,
        /// The `name` of the field it labels.
        required field_name: String,
        /// Text size.
        size: TextSize,
        /// Font weight.
        weight: FontWeight,
        /// Horizontal alignment.
        text_align: TextAlign,
        /// Text color (tokens such as `secondary`, or CSS).
        color: Color,
    }
    /// A `Label` with the required fields; everything else unset.
    fn new;
}
