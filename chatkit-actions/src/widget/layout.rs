//! Roots and layout containers: [`Card`], [`Basic`], [`Box`], [`Row`], [`Col`], and
//! [`Spacer`], [`Divider`], [`Transition`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::style::{
    Alignment, BorderValue, Color, Direction, FloatOrString, IntOrString, Justification, Radius,
    SpacingValue, Theme, WidgetStatus, Wrap, tokens,
};
use super::{DynamicComponent, WidgetComponent};
use crate::config::{ActionConfig, IntoActionConfig};

tokens! {
    /// The size of a [`Card`].
    CardSize { Sm = "sm", Md = "md", Lg = "lg", Full = "full" }
}

/// A button in a [`Card`]'s footer: `{label, action}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardAction {
    /// The button's label.
    pub label: String,
    /// The action it triggers. With `asForm`, it receives the Card's form values.
    #[serde(serialize_with = "super::action_slot::serialize_required")]
    pub action: ActionConfig,
}

impl CardAction {
    /// A footer button; the action may be an [`ActionConfig`] or any typed action.
    #[must_use]
    pub fn new(label: impl Into<String>, action: impl IntoActionConfig) -> Self {
        CardAction {
            label: label.into(),
            action: action.into_action_config(),
        }
    }
}

/// A Card root: a bordered container, optionally acting as a form with confirm and cancel
/// buttons in its footer.
///
/// With [`as_form(true)`](Card::as_form), the values of the Card's form fields are merged into
/// the payload of every action triggered inside it, the `confirm` and `cancel` actions included.
///
/// ```
/// use chatkit_actions::widget::{Card, Input, Text, WidgetRoot};
/// use chatkit_actions::ActionConfig;
/// use serde_json::json;
///
/// let card = Card::new()
///     .child(Text::new("Rename item"))
///     .child(Input::new("title").required(true))
///     .confirm("Save", ActionConfig::new("item.rename").payload(json!({"item": "i1"})))
///     .as_form(true);
/// assert_eq!(
///     serde_json::to_value(WidgetRoot::from(card))?,
///     json!({
///         "type": "Card",
///         "asForm": true,
///         "children": [
///             {"type": "Text", "value": "Rename item"},
///             {"type": "Input", "name": "title", "required": true},
///         ],
///         "confirm": {
///             "label": "Save",
///             "action": {
///                 "type": "item.rename",
///                 "payload": {"item": "i1"},
///                 "handler": "server",
///                 "loadingBehavior": "auto",
///                 "streaming": true,
///             },
///         },
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Card", rename_all = "camelCase")]
pub struct Card {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Makes the Card a form: its footer actions and the actions inside it get its field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_form: Option<bool>,
    /// Child components (always written, even when empty).
    pub children: Vec<WidgetComponent>,
    /// Background color (tokens such as `surface-elevated`, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Color>,
    /// Border (JS types only; the Python SDK has no `Card.border`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub border: Option<BorderValue>,
    /// Visual size of the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<CardSize>,
    /// Inner spacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<SpacingValue>,
    /// Status header shown above the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WidgetStatus>,
    /// Collapses the body once the main action has completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collapsed: Option<bool>,
    /// Confirm button in the footer. Set it with [`Card::confirm`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<CardAction>,
    /// Cancel button in the footer. Set it with [`Card::cancel`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<CardAction>,
    /// Forces the light or dark theme on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
}

impl Card {
    /// An empty Card (`children: []`).
    #[must_use]
    pub fn new() -> Self {
        Card {
            key: None,
            id: None,
            as_form: None,
            children: Vec::new(),
            background: None,
            border: None,
            size: None,
            padding: None,
            status: None,
            collapsed: None,
            confirm: None,
            cancel: None,
            theme: None,
        }
    }

    setters!(key: String, id: String, background: Color, border: BorderValue, size: CardSize, padding: SpacingValue, status: WidgetStatus, theme: Theme);
    setters!(plain as_form: bool, collapsed: bool);
    children_methods!(vec children, child: WidgetComponent);
    /// Sets the footer's confirm button: its label and the action it triggers.
    #[must_use]
    pub fn confirm(mut self, label: impl Into<String>, action: impl IntoActionConfig) -> Self {
        self.confirm = Some(CardAction::new(label, action));
        self
    }

    /// Sets the footer's cancel button: its label and the action it triggers.
    #[must_use]
    pub fn cancel(mut self, label: impl Into<String>, action: impl IntoActionConfig) -> Self {
        self.cancel = Some(CardAction::new(label, action));
        self
    }
}

/// A flex container laid out as a row or a column (`Box`).
///
/// Named after the SDK component; it shadows [`std::boxed::Box`] when glob-imported, so prefer
/// the `widget::Box` path.
///
/// ```
/// use chatkit_actions::widget::{self, Row, Text, Title};
/// use serde_json::json;
///
/// let header = widget::Box::new()
///     .direction(widget::Direction::Col)
///     .padding(4)
///     .child(Row::new().child(Title::new("Orders")))
///     .child(Text::new("3 new"));
/// assert_eq!(
///     serde_json::to_value(&header)?,
///     json!({
///         "type": "Box",
///         "direction": "col",
///         "padding": 4.0,
///         "children": [
///             {"type": "Row", "children": [{"type": "Title", "value": "Orders"}]},
///             {"type": "Text", "value": "3 new"},
///         ],
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Box", rename_all = "camelCase")]
pub struct Box {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
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
    /// Main axis (`row` or `col`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

impl Box {
    /// An empty Box (no `children` key until a child is added).
    #[must_use]
    pub fn new() -> Self {
        Box {
            key: None,
            id: None,
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
            direction: None,
        }
    }

    setters!(key: String, id: String, align: Alignment, justify: Justification, wrap: Wrap, flex: IntOrString, gap: IntOrString, height: FloatOrString, width: FloatOrString, size: FloatOrString, min_height: IntOrString, min_width: IntOrString, min_size: IntOrString, max_height: IntOrString, max_width: IntOrString, max_size: IntOrString, padding: SpacingValue, margin: SpacingValue, border: BorderValue, radius: Radius, background: Color, aspect_ratio: FloatOrString, direction: Direction);
    children_methods!(opt children, child: WidgetComponent);
}

/// A horizontal flex container (`Row`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Row", rename_all = "camelCase")]
pub struct Row {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
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

impl Row {
    /// An empty Row.
    #[must_use]
    pub fn new() -> Self {
        Row {
            key: None,
            id: None,
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

    setters!(key: String, id: String, align: Alignment, justify: Justification, wrap: Wrap, flex: IntOrString, gap: IntOrString, height: FloatOrString, width: FloatOrString, size: FloatOrString, min_height: IntOrString, min_width: IntOrString, min_size: IntOrString, max_height: IntOrString, max_width: IntOrString, max_size: IntOrString, padding: SpacingValue, margin: SpacingValue, border: BorderValue, radius: Radius, background: Color, aspect_ratio: FloatOrString);
    children_methods!(opt children, child: WidgetComponent);
}

/// A vertical flex container (`Col`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Col", rename_all = "camelCase")]
pub struct Col {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
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

impl Col {
    /// An empty Col.
    #[must_use]
    pub fn new() -> Self {
        Col {
            key: None,
            id: None,
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

    setters!(key: String, id: String, align: Alignment, justify: Justification, wrap: Wrap, flex: IntOrString, gap: IntOrString, height: FloatOrString, width: FloatOrString, size: FloatOrString, min_height: IntOrString, min_width: IntOrString, min_size: IntOrString, max_height: IntOrString, max_width: IntOrString, max_size: IntOrString, padding: SpacingValue, margin: SpacingValue, border: BorderValue, radius: Radius, background: Color, aspect_ratio: FloatOrString);
    children_methods!(opt children, child: WidgetComponent);
}

/// Flexible empty space that pushes its siblings apart (`Spacer`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Spacer", rename_all = "camelCase")]
pub struct Spacer {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Minimum size in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<IntOrString>,
}

impl Spacer {
    /// A Spacer.
    #[must_use]
    pub fn new() -> Self {
        Spacer {
            key: None,
            id: None,
            min_size: None,
        }
    }

    setters!(key: String, id: String, min_size: IntOrString);
}

/// A horizontal rule (`Divider`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Divider", rename_all = "camelCase")]
pub struct Divider {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Line color (border tokens `default`, `subtle`, `strong`, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Line thickness in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<IntOrString>,
    /// Space above and below, in spacing units or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spacing: Option<IntOrString>,
    /// Extends the line to the container's edges, ignoring its padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flush: Option<bool>,
}

impl Divider {
    /// A Divider.
    #[must_use]
    pub fn new() -> Self {
        Divider {
            key: None,
            id: None,
            color: None,
            size: None,
            spacing: None,
            flush: None,
        }
    }

    setters!(key: String, id: String, color: Color, size: IntOrString, spacing: IntOrString);
    setters!(plain flush: bool);
}

/// Animates layout changes of its single child (`Transition`).
///
/// The SDK requires the `children` key but allows `null`; an absent key reads as `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Transition", rename_all = "camelCase")]
pub struct Transition {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The animated child: one component, not a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<std::boxed::Box<WidgetComponent>>,
}

impl Transition {
    /// A Transition around `child`.
    #[must_use]
    pub fn new(child: impl Into<WidgetComponent>) -> Self {
        Transition {
            key: None,
            id: None,
            children: Some(std::boxed::Box::new(child.into())),
        }
    }

    setters!(key: String, id: String);
}

/// A Basic root: a bare container without a card's chrome, used for entity previews.
///
/// The Python SDK treats it as dynamic: it accepts any property and keeps its children as JSON.
/// This struct types the properties the JS types define and keeps any other in `props`; its
/// children are parsed as [`WidgetComponent::Dynamic`] nodes, so they serialize back exactly as
/// read. Children built in Rust may be typed components.
///
/// ```
/// use chatkit_actions::widget::{Basic, Direction, Text, WidgetRoot};
/// use serde_json::json;
///
/// let basic = Basic::new().direction(Direction::Row).gap(2).child(Text::new("Preview"));
/// assert_eq!(
///     serde_json::to_value(WidgetRoot::from(basic))?,
///     json!({"type": "Basic", "direction": "row", "gap": 2, "children": [{"type": "Text", "value": "Preview"}]})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Basic", rename_all = "camelCase")]
pub struct Basic {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Child components; the JS types also allow roots here, which parse as dynamic nodes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "dynamic_children"
    )]
    pub children: Option<Vec<WidgetComponent>>,
    /// Forces the light or dark theme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
    /// Main axis (`row` or `col`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Gap between children, in spacing units or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<IntOrString>,
    /// Inner spacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<SpacingValue>,
    /// Cross-axis alignment of the children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<Alignment>,
    /// Main-axis distribution of the children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justify: Option<Justification>,
    /// Any other property, kept as JSON (`null`s are dropped when serializing).
    #[serde(
        flatten,
        serialize_with = "serialize_props",
        deserialize_with = "deserialize_props"
    )]
    pub props: Map<String, Value>,
}

impl Basic {
    /// An empty Basic root (no `children` key until a child is added).
    #[must_use]
    pub fn new() -> Self {
        Basic::default()
    }

    setters!(
        key: String,
        id: String,
        theme: Theme,
        direction: Direction,
        gap: IntOrString,
        padding: SpacingValue,
        align: Alignment,
        justify: Justification,
    );
    children_methods!(opt children, child: WidgetComponent);

    /// Sets a property the typed fields don't cover.
    #[must_use]
    pub fn prop(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.props.insert(key.into(), value.into());
        self
    }
}

/// Basic's children are dynamic in the SDK, whatever their type.
fn dynamic_children<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<WidgetComponent>>, D::Error> {
    let children = Option::<Vec<DynamicComponent>>::deserialize(deserializer)?;
    Ok(children.map(|children| children.into_iter().map(WidgetComponent::Dynamic).collect()))
}

fn serialize_props<S: Serializer>(
    props: &Map<String, Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let kept: Map<String, Value> = props
        .iter()
        .filter(|(key, value)| key.as_str() != "type" && !value.is_null())
        .map(|(key, value)| (key.clone(), super::drop_nulls(value)))
        .collect();
    kept.serialize(serializer)
}

fn deserialize_props<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Map<String, Value>, D::Error> {
    let mut props = Map::deserialize(deserializer)?;
    props.remove("type");
    Ok(props)
}
