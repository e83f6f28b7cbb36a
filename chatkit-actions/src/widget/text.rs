//! Text components: [`Text`] (optionally an inline editable field), [`Title`], [`Caption`],
//! [`Markdown`].

use serde::de::{self, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::style::{CaptionSize, Color, FloatOrString, FontWeight, TextAlign, TextSize, TitleSize};

component! {
    /// The options of an editable [`Text`]: it becomes an inline input, a form field named `name`.
    #[derive(Eq, Hash)]
    pub struct EditableProps {
        /// Field name: the key of its value in the action payload (dotted names nest).
        required name: String,
        /// Focuses the input when it appears.
        auto_focus: bool,
        /// Selects the whole text on focus.
        auto_select: bool,
        /// The HTML `autocomplete` hint.
        auto_complete: String,
        /// Lets browser autofill extensions fill the input.
        allow_autofill_extensions: bool,
        /// A regular expression the value must match.
        pattern: String,
        /// Placeholder text.
        placeholder: String,
        /// The form can't be submitted while the input is empty.
        required: bool,
    }
    /// Editing options for a field named `name`.
    fn new;
}

/// `Text.editable`: `false`, or the [`EditableProps`] of an inline input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Editable {
    /// Not editable (`false` on the wire).
    No,
    /// Editable, as the form field these props describe.
    Field(EditableProps),
}

conversions! {
    Editable {
        EditableProps => |props| Editable::Field(props),
    }
}

impl Serialize for Editable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Editable::No => serializer.serialize_bool(false),
            Editable::Field(props) => props.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Editable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EditableVisitor;

        impl<'de> Visitor<'de> for EditableVisitor {
            type Value = Editable;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("`false` or an object with a `name`")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Editable, E> {
                if value {
                    Err(E::invalid_value(Unexpected::Bool(true), &self))
                } else {
                    Ok(Editable::No)
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Editable, A::Error> {
                EditableProps::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Editable::Field)
            }
        }

        deserializer.deserialize_any(EditableVisitor)
    }
}

component! {
    /// Plain text with typography options (`Text`); optionally an inline editable form field.
    ///
    /// ```
    /// use chatkit_actions::widget::{EditableProps, Text};
    /// use serde_json::json;
    ///
    /// let title = Text::new("Buy milk").editable(EditableProps::new("todo.title").required(true).pattern("[a-z ]+"));
    /// assert_eq!(
    ///     serde_json::to_value(&title)?,
    ///     json!({
    ///         "type": "Text",
    ///         "value": "Buy milk",
    ///         "editable": {"name": "todo.title", "required": true, "pattern": "[a-z ]+"},
    ///     })
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct Text as "Text" {
        /// The text.
        required value: String,
        /// Animates incremental updates while the text streams in.
        streaming: bool,
        /// Italic style.
        italic: bool,
        /// Line-through decoration.
        line_through: bool,
        /// Text color (tokens such as `secondary`, or CSS).
        color: Color,
        /// Font weight.
        weight: FontWeight,
        /// Width of the text box in pixels or CSS.
        width: FloatOrString,
        /// Text size.
        size: TextSize,
        /// Horizontal alignment.
        text_align: TextAlign,
        /// Truncates overflowing text with an ellipsis.
        truncate: bool,
        /// Reserves space for at least this many lines.
        min_lines: u32,
        /// Clamps the text to this many lines.
        max_lines: u32,
        /// Makes the text an inline input whose value is submitted with the enclosing form.
        editable: Editable,
    }
    /// A `Text` with the required fields; everything else unset.
    fn new;
}

component! {
    /// A headline (`Title`).
    pub struct Title as "Title" {
        /// The text.
        required value: String,
        /// Text color (tokens such as `secondary`, or CSS).
        color: Color,
        /// Font weight.
        weight: FontWeight,
        /// Title size.
        size: TitleSize,
        /// Horizontal alignment.
        text_align: TextAlign,
        /// Truncates overflowing text with an ellipsis.
        truncate: bool,
        /// Clamps the text to this many lines.
        max_lines: u32,
    }
    /// A `Title` with the required fields; everything else unset.
    fn new;
}

component! {
    /// Secondary, smaller text (`Caption`).
    pub struct Caption as "Caption" {
        /// The text.
        required value: String,
        /// Text color (tokens such as `tertiary`, or CSS).
        color: Color,
        /// Font weight.
        weight: FontWeight,
        /// Caption size.
        size: CaptionSize,
        /// Horizontal alignment.
        text_align: TextAlign,
        /// Truncates overflowing text with an ellipsis.
        truncate: bool,
        /// Clamps the text to this many lines.
        max_lines: u32,
    }
    /// A `Caption` with the required fields; everything else unset.
    fn new;
}

component! {
    /// Rendered Markdown (`Markdown`).
    pub struct Markdown as "Markdown" {
        /// The Markdown source.
        required value: String,
        /// Animates incremental updates while the text streams in.
        streaming: bool,
    }
    /// A `Markdown` with the required fields; everything else unset.
    fn new;
}
