//! Roots and layout containers: [`Card`], [`Basic`], [`Box`], [`Row`], [`Col`], and
//! [`Spacer`], [`Divider`], [`Transition`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::style::{
    Alignment, BorderValue, Color, Direction, IntOrString, Justification, SpacingValue, Theme,
    WidgetStatus, tokens,
};
use super::{DynamicComponent, WidgetComponent};
use crate::config::{ActionConfig, IntoActionConfig};

tokens! {
    /// The size of a [`Card`].
    CardSize { Sm = "sm", Md = "md", Lg = "lg", Full = "full" }
}

component! {
    /// A button in a [`Card`]'s footer: `{label, action}`.
    pub struct CardAction {
        /// The button's label.
        custom label: String,
        /// The action it triggers. With `asForm`, it receives the Card's form values.
        custom #[serde(serialize_with = "super::action_slot::serialize_required")]
        action: ActionConfig,
    }
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

component! {
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
    #[derive(Default)]
    pub struct Card as "Card" {
        /// Makes the Card a form: its footer actions and the actions inside it get its field values.
        as_form: bool,
        /// Child components (always written, even when empty).
        vec #[serde(deserialize_with = "super::direct::children")] children(child): WidgetComponent,
        /// Background color (tokens such as `surface-elevated`, or CSS).
        background: Color,
        /// Border (JS types only; the Python SDK has no `Card.border`).
        border: BorderValue,
        /// Visual size of the card.
        size: CardSize,
        /// Inner spacing.
        padding: SpacingValue,
        /// Status header shown above the card.
        status: WidgetStatus,
        /// Collapses the body once the main action has completed.
        collapsed: bool,
        /// Confirm button in the footer. Set it with [`Card::confirm`].
        custom #[serde(default, skip_serializing_if = "Option::is_none")]
        confirm: Option<CardAction>,
        /// Cancel button in the footer. Set it with [`Card::cancel`].
        custom #[serde(default, skip_serializing_if = "Option::is_none")]
        cancel: Option<CardAction>,
        /// Forces the light or dark theme on the card.
        theme: Theme,
    }
    /// An empty Card (`children: []`).
    fn new;
}

impl Card {
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

component! {
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
    #[derive(Default)]
    pub struct Box as "Box" {
        /// Child components.
        list #[serde(deserialize_with = "super::direct::optional_children")] children(child): WidgetComponent,
        layout,
        /// Main axis (`row` or `col`).
        direction: Direction,
    }
    /// An empty Box (no `children` key until a child is added).
    fn new;
}

component! {
    /// A horizontal flex container (`Row`).
    #[derive(Default)]
    pub struct Row as "Row" {
        /// Child components.
        list #[serde(deserialize_with = "super::direct::optional_children")] children(child): WidgetComponent,
        layout,
    }
    /// An empty Row.
    fn new;
}

component! {
    /// A vertical flex container (`Col`).
    #[derive(Default)]
    pub struct Col as "Col" {
        /// Child components.
        list #[serde(deserialize_with = "super::direct::optional_children")] children(child): WidgetComponent,
        layout,
    }
    /// An empty Col.
    fn new;
}

component! {
    /// Flexible empty space that pushes its siblings apart (`Spacer`).
    #[derive(Default)]
    pub struct Spacer as "Spacer" {
        /// Minimum size in pixels or CSS.
        min_size: IntOrString,
    }
    /// A Spacer.
    fn new;
}

component! {
    /// A horizontal rule (`Divider`).
    #[derive(Default)]
    pub struct Divider as "Divider" {
        /// Line color (border tokens `default`, `subtle`, `strong`, or CSS).
        color: Color,
        /// Line thickness in pixels or CSS.
        size: IntOrString,
        /// Space above and below, in spacing units or CSS.
        spacing: IntOrString,
        /// Extends the line to the container's edges, ignoring its padding.
        flush: bool,
    }
    /// A Divider.
    fn new;
}

component! {
    /// Animates layout changes of its single child (`Transition`).
    ///
    /// The SDK requires the `children` key but allows `null`; an absent key reads as `None`.
    #[derive(Default)]
    pub struct Transition as "Transition" {
        /// The animated child: one component, not a list.
        custom #[serde(default, skip_serializing_if = "Option::is_none")]
        children: Option<std::boxed::Box<WidgetComponent>>,
    }
}

impl Transition {
    /// A Transition around `child`.
    #[must_use]
    pub fn new(child: impl Into<WidgetComponent>) -> Self {
        Transition {
            children: Some(std::boxed::Box::new(child.into())),
            ..Transition::default()
        }
    }
}

component! {
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
    #[derive(Default)]
    pub struct Basic as "Basic" {
        /// Child components; the JS types also allow roots here, which parse as dynamic nodes.
        list #[serde(deserialize_with = "dynamic_children")] children(child): WidgetComponent,
        /// Forces the light or dark theme.
        theme: Theme,
        /// Main axis (`row` or `col`).
        direction: Direction,
        /// Gap between children, in spacing units or CSS.
        gap: IntOrString,
        /// Inner spacing.
        padding: SpacingValue,
        /// Cross-axis alignment of the children.
        align: Alignment,
        /// Main-axis distribution of the children.
        justify: Justification,
        /// Any other property, kept as JSON (`null`s are dropped when serializing).
        custom #[serde(
            flatten,
            serialize_with = "serialize_props",
            deserialize_with = "deserialize_props"
        )]
        props: Map<String, Value>,
    }
    /// An empty Basic root (no `children` key until a child is added).
    fn new;
}

impl Basic {
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
