//! Widgets: typed builders for every component, wire-compatible with the official
//! Python SDK (`chatkit.widgets`) and the JS types (`@openai/chatkit`).
//!
//! A widget is a tree: a [`WidgetRoot`] ([`Card`], [`ListView`] or [`Basic`]) holding
//! [`WidgetComponent`]s. Every component is a plain struct with `pub` fields and a builder:
//!
//! ```
//! use chatkit_actions::widget::{Button, ButtonStyle, Card, Text, WidgetRoot};
//! use chatkit_actions::ActionConfig;
//! use serde_json::json;
//!
//! let root: WidgetRoot = Card::new()
//!     .key("counter")
//!     .child(Text::new("Count: 0").id("count-label"))
//!     .child(
//!         Button::new("Increment")
//!             .on_click_action(ActionConfig::new("increment").payload(json!({"count": 0})))
//!             .style(ButtonStyle::Primary),
//!     )
//!     .into();
//! let wire = serde_json::to_value(&root)?;
//! assert_eq!(wire["children"][0], json!({"type": "Text", "id": "count-label", "value": "Count: 0"}));
//! assert_eq!(serde_json::from_value::<WidgetRoot>(wire)?, root);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! Every action slot (`on_click_action`, `on_submit_action`, `on_change_action`, Card
//! `confirm`/`cancel`) takes `impl Into<ActionConfig>`, so a typed action
//! (`#[derive(Action)]`) can be passed directly.
//!
//! # Wire format
//!
//! Keys are camelCase, `type` is always written, an unset field is absent (never `null`), and
//! `children` is written whenever it was given, even empty. Numbers keep the SDK's types: a
//! field the SDK types `float` is a [`FloatOrString`] and is written `4.0`, an `int` field is
//! an [`IntOrString`] or an integer. As in the SDK, an action inside a widget loses every
//! `null` of its payload, at any depth (a standalone [`ActionConfig`](crate::ActionConfig)
//! keeps them).
//!
//! Closed token sets (sizes, variants, alignments…) are enums; colors ([`Color`]) and icon names
//! are open-ended and stay strings.
//!
//! Parsing follows the SDK: a node of a known `type` is parsed into its typed struct; a node of
//! an unknown `type`, or a known one whose fields don't fit the typed model, is kept as JSON in
//! [`WidgetComponent::Dynamic`] (the SDK's `DynamicWidgetComponent`), and so are all children of
//! a [`Basic`] root. Dynamic nodes serialize back exactly as they were read, minus `null`s.
//!
//! # Checking and walking a tree
//!
//! [`WidgetRoot::check`] reports form values the client would silently drop because the
//! action's payload already has their key. [`WidgetRoot::action_sites`] lists every action slot
//! with the form fields it receives, and [`WidgetRoot::for_each_component`] visits every node.
//!
//! # Streaming a widget
//!
//! [`diff_widget`](crate::thread::diff_widget) (in [`thread`](crate::thread), beside the item
//! updates it produces) computes what the client needs to go from one state of a widget to the
//! next, by the SDK's rules: deltas for text that grows, a whole new root otherwise.
//! [`ActionContext::stream_widget`](crate::handler::ActionContext::stream_widget) and
//! [`ActionContext::update_sender`](crate::handler::ActionContext::update_sender) send them.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Builder setters for optional fields: `field(value)` sets `Some(value.into())`, or, after
/// `plain`, `Some(value)` (for `bool` and integers, so literals infer).
macro_rules! setters {
    (plain $($field:ident: $ty:ty),* $(,)?) => {$(
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, $field: $ty) -> Self {
            self.$field = Some($field);
            self
        }
    )*};
    ($($field:ident: $ty:ty),* $(,)?) => {$(
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, $field: impl Into<$ty>) -> Self {
            self.$field = Some($field.into());
            self
        }
    )*};
}

/// The builder setter of an action slot: takes an `ActionConfig` or any typed action.
macro_rules! action_setter {
    ($field:ident) => {
        #[doc = concat!(
            "Sets `", stringify!($field), "`: an [`ActionConfig`](crate::ActionConfig) or any ",
            "typed action (`#[derive(Action)]`)."
        )]
        #[must_use]
        pub fn $field(mut self, action: impl Into<crate::config::ActionConfig>) -> Self {
            self.$field = Some(action.into());
            self
        }
    };
}

/// `child`/`children` (or `option`/`options`) builder methods for a list field, required
/// (`vec`) or optional (`opt`).
macro_rules! children_methods {
    (vec $field:ident, $one:ident: $item:ty) => {
        #[doc = concat!("Appends one entry to `", stringify!($field), "`.")]
        #[must_use]
        pub fn $one(mut self, $one: impl Into<$item>) -> Self {
            self.$field.push($one.into());
            self
        }

        #[doc = concat!("Appends entries to `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, $field: impl IntoIterator<Item = impl Into<$item>>) -> Self {
            self.$field.extend($field.into_iter().map(Into::into));
            self
        }
    };
    (opt $field:ident, $one:ident: $item:ty) => {
        #[doc = concat!("Appends one entry to `", stringify!($field), "` (creating the list).")]
        #[must_use]
        pub fn $one(mut self, $one: impl Into<$item>) -> Self {
            self.$field.get_or_insert_with(Vec::new).push($one.into());
            self
        }

        #[doc = concat!(
                    "Appends entries to `", stringify!($field), "` (creating the list, so even no ",
                    "entries write `[]`)."
                )]
        #[must_use]
        pub fn $field(mut self, $field: impl IntoIterator<Item = impl Into<$item>>) -> Self {
            self.$field
                .get_or_insert_with(Vec::new)
                .extend($field.into_iter().map(Into::into));
            self
        }
    };
}

mod chart;
mod check;
mod content;
mod form;
mod layout;
mod list;
mod style;
mod table;
mod text;

pub use chart::{
    AreaSeries, BarSeries, Chart, ChartValue, CurveType, LineSeries, Series, XAxis, XAxisConfig,
};
pub use check::{ActionSite, ActionSlot, FieldKind, FormField, FormKind, FormScope, WidgetIssue};
pub use content::{
    Badge, BadgeColor, BadgeSize, BadgeVariant, Button, ButtonColor, ButtonIconSize, ButtonStyle,
    Icon, Image, ImageFit, ImagePosition,
};
pub use form::{
    Checkbox, DatePicker, Form, GutterSize, Input, InputType, InputVariant, Label, PopoverAlign,
    PopoverSide, RadioGroup, RadioOption, Select, SelectOption, Textarea,
};
pub use layout::{Basic, Box, Card, CardAction, CardSize, Col, Divider, Row, Spacer, Transition};
pub use list::{ListLimit, ListView, ListViewItem};
pub use style::{
    Alignment, Border, BorderSide, BorderStyle, BorderValue, Borders, CaptionSize, Color,
    ControlSize, ControlVariant, Direction, FloatOrString, FontWeight, IconSize, IntOrString,
    Justification, Radius, Spacing, SpacingValue, TextAlign, TextSize, Theme, ThemeColor,
    TitleSize, WidgetStatus, Wrap,
};
pub use table::{CellAlign, ColSize, Table, TableCell, TableRow};
pub use text::{Caption, Editable, EditableProps, Markdown, Text, Title};

/// The top of a widget tree: what a `WidgetItem` carries and `widget.root.updated` replaces.
///
/// Serialized with its `type` tag (`"Card"`, `"ListView"`, `"Basic"`). Build one from a root
/// with `.into()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[expect(
    clippy::large_enum_variant,
    reason = "a widget has one root; boxing the Card would only make building and matching clumsier"
)]
pub enum WidgetRoot {
    /// A [`Card`].
    Card(Card),
    /// A [`ListView`].
    ListView(ListView),
    /// A [`Basic`] root.
    Basic(Basic),
    /// A `Card`, `ListView` or `Basic` root the typed models reject, kept as JSON (the SDK's
    /// `DynamicWidgetRoot`, which templates can produce).
    Dynamic(DynamicComponent),
}

/// Any widget node below the root, tagged by `type`.
///
/// Every typed component converts into it with `.into()`, so builders accept them directly.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum WidgetComponent {
    /// A [`Box`].
    Box(Box),
    /// A [`Row`].
    Row(Row),
    /// A [`Col`].
    Col(Col),
    /// A [`Form`].
    Form(Form),
    /// A [`Spacer`].
    Spacer(Spacer),
    /// A [`Divider`].
    Divider(Divider),
    /// A [`Transition`].
    Transition(Transition),
    /// A [`Title`].
    Title(Title),
    /// A [`Caption`].
    Caption(Caption),
    /// A [`Text`].
    Text(Text),
    /// A [`Markdown`].
    Markdown(Markdown),
    /// A [`Badge`].
    Badge(Badge),
    /// A [`Icon`].
    Icon(Icon),
    /// A [`Image`].
    Image(Image),
    /// A [`Button`].
    Button(Button),
    /// A [`Table`].
    Table(Table),
    /// A [`TableRow`].
    TableRow(TableRow),
    /// A [`TableCell`].
    TableCell(TableCell),
    /// A [`Input`].
    Input(Input),
    /// A [`Textarea`].
    Textarea(Textarea),
    /// A [`Select`].
    Select(Select),
    /// A [`DatePicker`].
    DatePicker(DatePicker),
    /// A [`Checkbox`].
    Checkbox(Checkbox),
    /// A [`RadioGroup`].
    RadioGroup(RadioGroup),
    /// A [`Label`].
    Label(Label),
    /// A [`Chart`].
    Chart(Chart),
    /// A [`ListViewItem`].
    ListViewItem(ListViewItem),
    /// A component of an unknown `type`, or a known one the typed model rejects, kept as JSON.
    Dynamic(DynamicComponent),
}

macro_rules! component_from {
    ($($variant:ident),+ $(,)?) => {$(
        impl From<$variant> for WidgetComponent {
            fn from(component: $variant) -> Self {
                WidgetComponent::$variant(component)
            }
        }
    )+};
}

component_from!(
    Box,
    Row,
    Col,
    Form,
    Spacer,
    Divider,
    Transition,
    Title,
    Caption,
    Text,
    Markdown,
    Badge,
    Icon,
    Image,
    Button,
    Table,
    TableRow,
    TableCell,
    Input,
    Textarea,
    Select,
    DatePicker,
    Checkbox,
    RadioGroup,
    Label,
    Chart,
    ListViewItem,
);

impl From<DynamicComponent> for WidgetComponent {
    fn from(component: DynamicComponent) -> Self {
        WidgetComponent::Dynamic(component)
    }
}

impl From<Card> for WidgetRoot {
    fn from(root: Card) -> Self {
        WidgetRoot::Card(root)
    }
}

impl From<ListView> for WidgetRoot {
    fn from(root: ListView) -> Self {
        WidgetRoot::ListView(root)
    }
}

impl From<Basic> for WidgetRoot {
    fn from(root: Basic) -> Self {
        WidgetRoot::Basic(root)
    }
}

impl WidgetRoot {
    /// The root's `type`: `"Card"`, `"ListView"` or `"Basic"`.
    #[must_use]
    pub fn root_type(&self) -> &str {
        match self {
            WidgetRoot::Card(_) => "Card",
            WidgetRoot::ListView(_) => "ListView",
            WidgetRoot::Basic(_) => "Basic",
            WidgetRoot::Dynamic(dynamic) => &dynamic.component_type,
        }
    }
}

impl WidgetComponent {
    /// The component's `type` on the wire, such as `"Button"` or `"Table.Row"`.
    #[must_use]
    pub fn component_type(&self) -> &str {
        match self {
            WidgetComponent::Box(_) => "Box",
            WidgetComponent::Row(_) => "Row",
            WidgetComponent::Col(_) => "Col",
            WidgetComponent::Form(_) => "Form",
            WidgetComponent::Spacer(_) => "Spacer",
            WidgetComponent::Divider(_) => "Divider",
            WidgetComponent::Transition(_) => "Transition",
            WidgetComponent::Title(_) => "Title",
            WidgetComponent::Caption(_) => "Caption",
            WidgetComponent::Text(_) => "Text",
            WidgetComponent::Markdown(_) => "Markdown",
            WidgetComponent::Badge(_) => "Badge",
            WidgetComponent::Icon(_) => "Icon",
            WidgetComponent::Image(_) => "Image",
            WidgetComponent::Button(_) => "Button",
            WidgetComponent::Table(_) => "Table",
            WidgetComponent::TableRow(_) => "Table.Row",
            WidgetComponent::TableCell(_) => "Table.Cell",
            WidgetComponent::Input(_) => "Input",
            WidgetComponent::Textarea(_) => "Textarea",
            WidgetComponent::Select(_) => "Select",
            WidgetComponent::DatePicker(_) => "DatePicker",
            WidgetComponent::Checkbox(_) => "Checkbox",
            WidgetComponent::RadioGroup(_) => "RadioGroup",
            WidgetComponent::Label(_) => "Label",
            WidgetComponent::Chart(_) => "Chart",
            WidgetComponent::ListViewItem(_) => "ListViewItem",
            WidgetComponent::Dynamic(dynamic) => &dynamic.component_type,
        }
    }

    /// Parses one node the way the SDK does: typed when the `type` is known and the fields
    /// fit, [`WidgetComponent::Dynamic`] otherwise.
    fn from_object(object: &Value) -> Result<Self, String> {
        fn typed<'a, T: Deserialize<'a>>(
            object: &'a Value,
            variant: fn(T) -> WidgetComponent,
        ) -> Option<WidgetComponent> {
            T::deserialize(object).ok().map(variant)
        }
        let component_type = object_type(object)?;
        let parsed = match component_type {
            "Box" => typed(object, WidgetComponent::Box),
            "Row" => typed(object, WidgetComponent::Row),
            "Col" => typed(object, WidgetComponent::Col),
            "Form" => typed(object, WidgetComponent::Form),
            "Spacer" => typed(object, WidgetComponent::Spacer),
            "Divider" => typed(object, WidgetComponent::Divider),
            "Transition" => typed(object, WidgetComponent::Transition),
            "Title" => typed(object, WidgetComponent::Title),
            "Caption" => typed(object, WidgetComponent::Caption),
            "Text" => typed(object, WidgetComponent::Text),
            "Markdown" => typed(object, WidgetComponent::Markdown),
            "Badge" => typed(object, WidgetComponent::Badge),
            "Icon" => typed(object, WidgetComponent::Icon),
            "Image" => typed(object, WidgetComponent::Image),
            "Button" => typed(object, WidgetComponent::Button),
            "Table" => typed(object, WidgetComponent::Table),
            "Table.Row" => typed(object, WidgetComponent::TableRow),
            "Table.Cell" => typed(object, WidgetComponent::TableCell),
            "Input" => typed(object, WidgetComponent::Input),
            "Textarea" => typed(object, WidgetComponent::Textarea),
            "Select" => typed(object, WidgetComponent::Select),
            "DatePicker" => typed(object, WidgetComponent::DatePicker),
            "Checkbox" => typed(object, WidgetComponent::Checkbox),
            "RadioGroup" => typed(object, WidgetComponent::RadioGroup),
            "Label" => typed(object, WidgetComponent::Label),
            "Chart" => typed(object, WidgetComponent::Chart),
            "ListViewItem" => typed(object, WidgetComponent::ListViewItem),
            _ => None,
        };
        match parsed {
            Some(component) => Ok(component),
            None => DynamicComponent::from_value(object).map(WidgetComponent::Dynamic),
        }
    }
}

/// The string `type` of a JSON object, or why there is none.
fn object_type(value: &Value) -> Result<&str, String> {
    let Value::Object(object) = value else {
        return Err(format!(
            "a widget node must be a JSON object, found {value}"
        ));
    };
    match object.get("type") {
        Some(Value::String(component_type)) => Ok(component_type),
        Some(other) => Err(format!(
            "a widget node's `type` must be a string, found {other}"
        )),
        None => Err("missing field `type`".to_owned()),
    }
}

impl<'de> Deserialize<'de> for WidgetComponent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        WidgetComponent::from_object(&value).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for WidgetRoot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let root_type = object_type(&value).map_err(D::Error::custom)?;
        let typed = match root_type {
            "Card" => Card::deserialize(&value).ok().map(WidgetRoot::Card),
            "ListView" => ListView::deserialize(&value).ok().map(WidgetRoot::ListView),
            "Basic" => Basic::deserialize(&value).ok().map(WidgetRoot::Basic),
            other => {
                return Err(D::Error::custom(format_args!(
                    "unknown widget root type `{other}`, expected one of `Card`, `ListView`, `Basic`"
                )));
            }
        };
        match typed {
            Some(root) => Ok(root),
            None => DynamicComponent::from_value(&value)
                .map(WidgetRoot::Dynamic)
                .map_err(D::Error::custom),
        }
    }
}

/// A widget node kept as JSON: its `type` and its other properties, exactly as read.
///
/// This is the SDK's `DynamicWidgetComponent`. It holds nodes of types this crate doesn't know,
/// nodes of known types whose fields the typed model rejects, and the children of a [`Basic`]
/// root. It serializes back as `{"type": …, …props}`, with every `null` removed.
///
/// ```
/// use chatkit_actions::widget::{DynamicComponent, WidgetComponent};
/// use serde_json::json;
///
/// let node: WidgetComponent = serde_json::from_value(json!({"type": "Sparkline", "points": [1, 2]}))?;
/// let WidgetComponent::Dynamic(dynamic) = &node else { panic!("expected a dynamic node") };
/// assert_eq!(dynamic.component_type, "Sparkline");
/// assert_eq!(
///     serde_json::to_value(DynamicComponent::new("Sparkline").prop("points", json!([1, null, 2])))?,
///     json!({"type": "Sparkline", "points": [1, 2]})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DynamicComponent {
    /// The node's `type`.
    pub component_type: String,
    /// Every other property, `children` included. A `type` key here is ignored.
    pub props: Map<String, Value>,
}

impl DynamicComponent {
    /// A node of the given type with no properties.
    #[must_use]
    pub fn new(component_type: impl Into<String>) -> Self {
        DynamicComponent {
            component_type: component_type.into(),
            props: Map::new(),
        }
    }

    /// Sets one property.
    #[must_use]
    pub fn prop(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.props.insert(key.into(), value.into());
        self
    }

    /// The node as a JSON object with its `type`, `null`s removed: what it serializes to.
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        object.insert(
            "type".to_owned(),
            Value::String(self.component_type.clone()),
        );
        for (key, value) in &self.props {
            if key != "type" && !value.is_null() {
                object.insert(key.clone(), drop_nulls(value));
            }
        }
        Value::Object(object)
    }

    fn from_value(value: &Value) -> Result<Self, String> {
        let component_type = object_type(value)?.to_owned();
        let mut props = match value {
            Value::Object(object) => object.clone(),
            _ => Map::new(),
        };
        props.remove("type");
        Ok(DynamicComponent {
            component_type,
            props,
        })
    }
}

impl Serialize for DynamicComponent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DynamicComponent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        DynamicComponent::from_value(&value).map_err(D::Error::custom)
    }
}

/// A copy of `value` without `null` object members and `null` array elements, at every depth
/// (the SDK's `_drop_none` over a widget subtree).
fn drop_nulls(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(key, member)| (key.clone(), drop_nulls(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|item| !item.is_null())
                .map(drop_nulls)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn contains_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(object) => object.values().any(contains_null),
        Value::Array(items) => items.iter().any(contains_null),
        _ => false,
    }
}

/// `serialize_with` helpers for action slots: the action as the SDK writes it inside a
/// widget, without the `null`s of its payload.
mod action_slot {
    use serde::{Serialize, Serializer};

    use super::{contains_null, drop_nulls};
    use crate::config::ActionConfig;

    #[expect(
        clippy::ref_option,
        reason = "the signature serde's `serialize_with` calls"
    )]
    pub(super) fn serialize<S: Serializer>(
        action: &Option<ActionConfig>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match action {
            Some(action) => serialize_required(action, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn serialize_required<S: Serializer>(
        action: &ActionConfig,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match &action.payload {
            Some(payload) if contains_null(payload) => {
                let mut action = action.clone();
                action.payload = if payload.is_null() {
                    None
                } else {
                    Some(drop_nulls(payload))
                };
                action.serialize(serializer)
            }
            _ => action.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests;
