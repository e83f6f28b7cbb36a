//! Text components: [`Text`] (optionally an inline editable field), [`Title`], [`Caption`],
//! [`Markdown`].

use serde::de::{self, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::style::{CaptionSize, Color, FloatOrString, FontWeight, TextAlign, TextSize, TitleSize};

/// The options of an editable [`Text`]: it becomes an inline input, a form field named `name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditableProps {
    /// Field name: the key of its value in the action payload (dotted names nest).
    pub name: String,
    /// Focuses the input when it appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_focus: Option<bool>,
    /// Selects the whole text on focus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_select: Option<bool>,
    /// The HTML `autocomplete` hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_complete: Option<String>,
    /// Lets browser autofill extensions fill the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_autofill_extensions: Option<bool>,
    /// A regular expression the value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// The form can't be submitted while the input is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl EditableProps {
    /// Editing options for a field named `name`.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        EditableProps {
            name: name.into(),
            auto_focus: None,
            auto_select: None,
            auto_complete: None,
            allow_autofill_extensions: None,
            pattern: None,
            placeholder: None,
            required: None,
        }
    }

    setters!(auto_complete: String, pattern: String, placeholder: String);
    setters!(plain auto_focus: bool, auto_select: bool, allow_autofill_extensions: bool, required: bool);
}

/// `Text.editable`: `false`, or the [`EditableProps`] of an inline input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Editable {
    /// Not editable (`false` on the wire).
    No,
    /// Editable, as the form field these props describe.
    Field(EditableProps),
}

impl From<EditableProps> for Editable {
    fn from(props: EditableProps) -> Self {
        Editable::Field(props)
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Text", rename_all = "camelCase")]
pub struct Text {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The text.
    pub value: String,
    /// Animates incremental updates while the text streams in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<bool>,
    /// Italic style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub italic: Option<bool>,
    /// Line-through decoration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_through: Option<bool>,
    /// Text color (tokens such as `secondary`, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Font weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<FontWeight>,
    /// Width of the text box in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<FloatOrString>,
    /// Text size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<TextSize>,
    /// Horizontal alignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_align: Option<TextAlign>,
    /// Truncates overflowing text with an ellipsis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Reserves space for at least this many lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lines: Option<u32>,
    /// Clamps the text to this many lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lines: Option<u32>,
    /// Makes the text an inline input whose value is submitted with the enclosing form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable: Option<Editable>,
}

impl Text {
    /// A `Text` with the required fields; everything else unset.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Text {
            key: None,
            id: None,
            value: value.into(),
            streaming: None,
            italic: None,
            line_through: None,
            color: None,
            weight: None,
            width: None,
            size: None,
            text_align: None,
            truncate: None,
            min_lines: None,
            max_lines: None,
            editable: None,
        }
    }

    setters!(key: String, id: String, color: Color, weight: FontWeight, width: FloatOrString, size: TextSize, text_align: TextAlign, editable: Editable);
    setters!(plain streaming: bool, italic: bool, line_through: bool, truncate: bool, min_lines: u32, max_lines: u32);
}

/// A headline (`Title`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Title", rename_all = "camelCase")]
pub struct Title {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The text.
    pub value: String,
    /// Text color (tokens such as `secondary`, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Font weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<FontWeight>,
    /// Title size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<TitleSize>,
    /// Horizontal alignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_align: Option<TextAlign>,
    /// Truncates overflowing text with an ellipsis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Clamps the text to this many lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lines: Option<u32>,
}

impl Title {
    /// A `Title` with the required fields; everything else unset.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Title {
            key: None,
            id: None,
            value: value.into(),
            color: None,
            weight: None,
            size: None,
            text_align: None,
            truncate: None,
            max_lines: None,
        }
    }

    setters!(key: String, id: String, color: Color, weight: FontWeight, size: TitleSize, text_align: TextAlign);
    setters!(plain truncate: bool, max_lines: u32);
}

/// Secondary, smaller text (`Caption`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Caption", rename_all = "camelCase")]
pub struct Caption {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The text.
    pub value: String,
    /// Text color (tokens such as `tertiary`, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Font weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<FontWeight>,
    /// Caption size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<CaptionSize>,
    /// Horizontal alignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_align: Option<TextAlign>,
    /// Truncates overflowing text with an ellipsis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Clamps the text to this many lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lines: Option<u32>,
}

impl Caption {
    /// A `Caption` with the required fields; everything else unset.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Caption {
            key: None,
            id: None,
            value: value.into(),
            color: None,
            weight: None,
            size: None,
            text_align: None,
            truncate: None,
            max_lines: None,
        }
    }

    setters!(key: String, id: String, color: Color, weight: FontWeight, size: CaptionSize, text_align: TextAlign);
    setters!(plain truncate: bool, max_lines: u32);
}

/// Rendered Markdown (`Markdown`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Markdown", rename_all = "camelCase")]
pub struct Markdown {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The Markdown source.
    pub value: String,
    /// Animates incremental updates while the text streams in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<bool>,
}

impl Markdown {
    /// A `Markdown` with the required fields; everything else unset.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Markdown {
            key: None,
            id: None,
            value: value.into(),
            streaming: None,
        }
    }

    setters!(key: String, id: String);
    setters!(plain streaming: bool);
}
