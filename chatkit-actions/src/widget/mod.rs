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
//! `confirm`/`cancel`) takes [`impl IntoActionConfig`](crate::IntoActionConfig), so a typed
//! action (`#[derive(Action)]`) can be passed directly. The setters never fail: a typed payload
//! that cannot be serialized is kept in the slot's config and reported by
//! [`WidgetRoot::check`] and by serializing the widget (see
//! [`ActionConfig`](crate::ActionConfig#a-payload-that-cannot-be-serialized)).
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
//! action's payload already has their key, and typed payloads that could not be serialized.
//! [`WidgetRoot::action_sites`] lists every action slot with the form fields it receives
//! ([`ActionSite::fields`]), and [`WidgetRoot::for_each_component`] visits every node. The
//! rules about form fields (which values an action receives, which payload keys they occupy,
//! the constraints the browser enforces) are in [`fields`], shared by this check and the
//! server's provenance gate.
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

use node::Node;

/// Declares a widget type: the struct, its serde attributes, `new()` and one builder method
/// per field, from a list of fields in wire order.
///
/// `pub struct Name as "Type" { … }` declares a component: tagged with its wire `type`, with
/// `key` and `id` first. `pub struct Name { … }` declares a property object (no tag, no
/// `key`/`id`). Both are `camelCase` on the wire and derive `Debug`, `Clone`, `PartialEq`,
/// `Serialize` and `Deserialize`; attributes before `pub struct` (docs, more derives) are kept.
/// After the braces, `fn new;` (with its docs) generates `new` taking the `required` fields in
/// order, every other field unset.
///
/// Each field has its docs, then one of:
///
/// | written | field | builder |
/// |---|---|---|
/// | `name: T` | `Option<T>`, absent when unset | `name(impl Into<T>)` |
/// | `name: bool` (or `u32`, `i64`) | `Option<T>`, absent when unset | `name(T)`, so literals infer |
/// | `required name: T` | `T`, always written | an argument of `new` |
/// | `action name` | `Option<ActionConfig>`, written as the SDK writes actions in widgets | `name(impl IntoActionConfig)` |
/// | `vec name(one): T` | `Vec<T>`, always written | `one(impl Into<T>)`, `name(iter)` |
/// | `vec #[attrs] name(one): T` | the same, with more attributes | the same |
/// | `list name(one): T` | `Option<Vec<T>>`, absent until an entry is added | `one(impl Into<T>)`, `name(iter)` |
/// | `list #[attrs] name(one): T` | the same, with more attributes | the same |
/// | `custom #[attrs] name: T` | `T` with the given attributes | none |
///
/// `layout,` stands for the flex container fields Box, Row, Col and Form share (`align` …
/// `aspectRatio`), `min_max,` for the six `min…`/`max…` sizes, `text_entry,` for the options
/// Input and Textarea share (`autoSelect` … `gutterSize`). Everything expands to plain
/// fields and methods: the wire form is flat and nothing is added at run time.
macro_rules! component {
    (@ctor [$(#[$doc:meta])* fn new;] $name:ident {$($init:tt)*} {$($param:tt)*}) => {
        $(#[$doc])*
        #[must_use]
        pub fn new($($param)*) -> Self {
            $name { $($init)* }
        }
    };
    (@ctor [] $name:ident $init:tt $param:tt) => {};
    (@append $f:ident($one:ident): $item:ty, $creating:literal) => {
        #[doc = concat!("Appends one entry to `", stringify!($f), "`", $creating, ".")]
        #[must_use]
        pub fn $one(mut self, $one: impl Into<$item>) -> Self {
            $crate::widget::ListField::entries(&mut self.$f).push($one.into());
            self
        }

        #[doc = concat!("Appends entries to `", stringify!($f), "`", $creating, ".")]
        #[must_use]
        pub fn $f(mut self, $f: impl IntoIterator<Item = impl Into<$item>>) -> Self {
            let entries = $crate::widget::ListField::entries(&mut self.$f);
            entries.extend($f.into_iter().map(Into::into));
            self
        }
    };

    // Every field is read: emit the struct and its methods.
    (@munch [$(#[$meta:meta])*] $serde:tt $name:ident $ctor:tt
        {$($field:tt)*} {$($method:tt)*} $init:tt $param:tt) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde $serde]
        pub struct $name {
            $($field)*
        }

        impl $name {
            component!(@ctor $ctor $name $init $param);
            $($method)*
        }
    };

    // The field groups.
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt $field:tt $method:tt $init:tt $param:tt
        layout, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor $field $method $init $param
            /// Cross-axis alignment of the children.
            align: $crate::widget::Alignment,
            /// Main-axis distribution of the children.
            justify: $crate::widget::Justification,
            /// Whether children wrap onto several lines.
            wrap: $crate::widget::Wrap,
            /// Flex growth factor, or a CSS `flex` value.
            flex: $crate::widget::IntOrString,
            /// Gap between children, in spacing units or CSS.
            gap: $crate::widget::IntOrString,
            /// Height in pixels or CSS.
            height: $crate::widget::FloatOrString,
            /// Width in pixels or CSS.
            width: $crate::widget::FloatOrString,
            /// Width and height in pixels or CSS.
            size: $crate::widget::FloatOrString,
            min_max,
            /// Inner spacing.
            padding: $crate::widget::SpacingValue,
            /// Outer spacing.
            margin: $crate::widget::SpacingValue,
            /// Border on every side or per side.
            border: $crate::widget::BorderValue,
            /// Corner radius.
            radius: $crate::widget::Radius,
            /// Background color (tokens such as `surface-secondary`, or CSS).
            background: $crate::widget::Color,
            /// Aspect ratio as a number (`1.5`) or CSS (`"16 / 9"`).
            aspect_ratio: $crate::widget::FloatOrString,
            $($rest)*
        );
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt $field:tt $method:tt $init:tt $param:tt
        text_entry, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor $field $method $init $param
            /// Selects the whole value on focus.
            auto_select: bool,
            /// Focuses the field when it appears.
            auto_focus: bool,
            /// Disables the field.
            disabled: bool,
            /// Visual variant.
            variant: $crate::widget::InputVariant,
            /// Size.
            size: $crate::widget::ControlSize,
            /// Horizontal inner padding.
            gutter_size: $crate::widget::GutterSize,
            $($rest)*
        );
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt $field:tt $method:tt $init:tt $param:tt
        min_max, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor $field $method $init $param
            /// Minimum height in pixels or CSS.
            min_height: $crate::widget::IntOrString,
            /// Minimum width in pixels or CSS.
            min_width: $crate::widget::IntOrString,
            /// Minimum width and height in pixels or CSS.
            min_size: $crate::widget::IntOrString,
            /// Maximum height in pixels or CSS.
            max_height: $crate::widget::IntOrString,
            /// Maximum width in pixels or CSS.
            max_width: $crate::widget::IntOrString,
            /// Maximum width and height in pixels or CSS.
            max_size: $crate::widget::IntOrString,
            $($rest)*
        );
    };

    // The field kinds.
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt {$($field:tt)*} $method:tt {$($init:tt)*}
        {$($param:tt)*} $(#[$doc:meta])* required $f:ident: $ty:ty, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor
            {$($field)* $(#[$doc])* pub $f: $ty,}
            $method
            {$($init)* $f: $f.into(),}
            {$($param)* $f: impl Into<$ty>,}
            $($rest)*);
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt {$($field:tt)*} {$($method:tt)*}
        {$($init:tt)*} $param:tt $(#[$doc:meta])* action $f:ident, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor
            {$($field)*
                $(#[$doc])*
                #[serde(
                    default,
                    skip_serializing_if = "Option::is_none",
                    serialize_with = "crate::widget::action_slot::serialize"
                )]
                pub $f: Option<$crate::config::ActionConfig>,
            }
            {$($method)*
                #[doc = concat!(
                    "Sets `", stringify!($f), "`: an [`ActionConfig`](crate::ActionConfig) or any ",
                    "typed action (`#[derive(Action)]`); see [`IntoActionConfig`](crate::IntoActionConfig)."
                )]
                #[must_use]
                pub fn $f(mut self, action: impl $crate::config::IntoActionConfig) -> Self {
                    self.$f = Some(action.into_action_config());
                    self
                }
            }
            {$($init)* $f: None,}
            $param
            $($rest)*);
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt {$($field:tt)*} {$($method:tt)*}
        {$($init:tt)*} $param:tt $(#[$doc:meta])* vec $(#[$attr:meta])* $f:ident($one:ident):
        $item:ty, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor
            {$($field)* $(#[$doc])* $(#[$attr])* pub $f: Vec<$item>,}
            {$($method)* component!(@append $f($one): $item, "");}
            {$($init)* $f: Vec::new(),}
            $param
            $($rest)*);
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt {$($field:tt)*} {$($method:tt)*}
        {$($init:tt)*} $param:tt $(#[$doc:meta])* list $(#[$attr:meta])* $f:ident($one:ident):
        $item:ty, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor
            {$($field)*
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                $(#[$attr])*
                pub $f: Option<Vec<$item>>,
            }
            {$($method)* component!(@append $f($one): $item, " (creating the list)");}
            {$($init)* $f: None,}
            $param
            $($rest)*);
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt {$($field:tt)*} $method:tt {$($init:tt)*}
        $param:tt $(#[$doc:meta])* custom $(#[$attr:meta])* $f:ident: $ty:ty, $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor
            {$($field)* $(#[$doc])* $(#[$attr])* pub $f: $ty,}
            $method
            {$($init)* $f: Default::default(),}
            $param
            $($rest)*);
    };
    // `bool` and integers take their value as is, so literals infer.
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt $field:tt $method:tt $init:tt $param:tt
        $(#[$doc:meta])* $f:ident: bool, $($rest:tt)*) => {
        component!(@optional $meta $serde $name $ctor $field $method $init $param
            [$(#[$doc])*] $f: bool, ($f: bool) ($f), $($rest)*);
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt $field:tt $method:tt $init:tt $param:tt
        $(#[$doc:meta])* $f:ident: u32, $($rest:tt)*) => {
        component!(@optional $meta $serde $name $ctor $field $method $init $param
            [$(#[$doc])*] $f: u32, ($f: u32) ($f), $($rest)*);
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt $field:tt $method:tt $init:tt $param:tt
        $(#[$doc:meta])* $f:ident: i64, $($rest:tt)*) => {
        component!(@optional $meta $serde $name $ctor $field $method $init $param
            [$(#[$doc])*] $f: i64, ($f: i64) ($f), $($rest)*);
    };
    (@munch $meta:tt $serde:tt $name:ident $ctor:tt $field:tt $method:tt $init:tt $param:tt
        $(#[$doc:meta])* $f:ident: $ty:ty, $($rest:tt)*) => {
        component!(@optional $meta $serde $name $ctor $field $method $init $param
            [$(#[$doc])*] $f: $ty, ($f: impl Into<$ty>) ($f.into()), $($rest)*);
    };
    (@optional $meta:tt $serde:tt $name:ident $ctor:tt {$($field:tt)*} {$($method:tt)*}
        {$($init:tt)*} $param:tt [$(#[$doc:meta])*] $f:ident: $ty:ty, ($($arg:tt)*)
        ($($value:tt)*), $($rest:tt)*) => {
        component!(@munch $meta $serde $name $ctor
            {$($field)*
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $f: Option<$ty>,
            }
            {$($method)*
                #[doc = concat!("Sets `", stringify!($f), "`.")]
                #[must_use]
                pub fn $f(mut self, $($arg)*) -> Self {
                    self.$f = Some($($value)*);
                    self
                }
            }
            {$($init)* $f: None,}
            $param
            $($rest)*);
    };

    // A component: tagged with its wire `type`, `key` and `id` first.
    ($(#[$meta:meta])* pub struct $name:ident as $wire:literal { $($fields:tt)* } $($ctor:tt)*) => {
        component!(@munch [$(#[$meta])*] (tag = "type", rename = $wire, rename_all = "camelCase")
            $name [$($ctor)*] {} {} {} {}
            /// Stable identity among siblings, used by the client to diff updates.
            key: String,
            /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
            id: String,
            $($fields)*);
    };
    // A property object.
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* } $($ctor:tt)*) => {
        component!(@munch [$(#[$meta])*] (rename_all = "camelCase") $name [$($ctor)*] {} {} {} {}
            $($fields)*);
    };
}

/// A list field of a widget: a `Vec`, or an `Option<Vec>` its first entry creates (so even
/// appending no entries writes `[]`).
trait ListField<T> {
    fn entries(&mut self) -> &mut Vec<T>;
}

impl<T> ListField<T> for Vec<T> {
    fn entries(&mut self) -> &mut Vec<T> {
        self
    }
}

impl<T> ListField<T> for Option<Vec<T>> {
    fn entries(&mut self) -> &mut Vec<T> {
        self.get_or_insert_with(Vec::new)
    }
}

/// `From` conversions into the value types: `Target { Source => |value| expression, … }`, and
/// `for<N> Target<N> { … }` for a generic target. `String | &str => …` also converts a `&str`
/// as its owned `String`.
macro_rules! conversions {
    (@one $generic:tt $target:ty;) => {};
    (@one [$($generic:ident)?] $target:ty; String | &str => |$value:ident| $make:expr, $($rest:tt)*) => {
        conversions!(@one [$($generic)?] $target; String => |$value| $make,);
        impl<$($generic)?> From<&str> for $target {
            fn from($value: &str) -> Self {
                Self::from($value.to_owned())
            }
        }
        conversions!(@one [$($generic)?] $target; $($rest)*);
    };
    (@one [$($generic:ident)?] $target:ty; $source:ty => |$value:ident| $make:expr, $($rest:tt)*) => {
        impl<$($generic)?> From<$source> for $target {
            fn from($value: $source) -> Self {
                $make
            }
        }
        conversions!(@one [$($generic)?] $target; $($rest)*);
    };
    () => {};
    (for<$generic:ident> $target:ty { $($body:tt)* } $($rest:tt)*) => {
        conversions!(@one [$generic] $target; $($body)*);
        conversions!($($rest)*);
    };
    ($target:ty { $($body:tt)* } $($rest:tt)*) => {
        conversions!(@one [] $target; $($body)*);
        conversions!($($rest)*);
    };
}

mod chart;
mod check;
mod content;
mod direct;
pub mod fields;
mod form;
mod layout;
mod list;
mod node;
mod style;
mod table;
mod template;
mod text;

pub use chart::{
    AreaSeries, BarSeries, Chart, ChartValue, CurveType, LineSeries, Series, XAxis, XAxisConfig,
};
/// Derives [`WidgetData`]: see there.
pub use chatkit_actions_derive::WidgetData;
pub use check::{ActionSite, FormKind, FormScope, WidgetIssue};
pub use content::{
    Badge, BadgeColor, BadgeSize, BadgeVariant, Button, ButtonColor, ButtonIconSize, ButtonStyle,
    Icon, Image, ImageFit, ImagePosition,
};
pub use fields::{ActionSlot, FieldKind, FormField};
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
#[doc(hidden)]
pub use template::checks as __template_checks;
pub use template::{TemplateError, WIDGET_FORMAT_VERSION, WidgetData, WidgetTemplate};
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

/// Declares [`WidgetComponent`] from the list of typed components and their wire `type`s:
/// the enum, `From` each component, [`WidgetComponent::component_type`] and the typed parse.
macro_rules! components {
    // A component whose `children` field lists components: they are read from the node's
    // buffer by `read_with_children`, not copied once more by the typed model.
    (@read $variant:ident $node:ident $children:ident) => {
        read_with_children($node, |component: &mut $variant| &mut component.$children)
    };
    (@read $variant:ident $node:ident) => {
        $variant::deserialize($node.replay::<ReplayError>()).ok()
    };
    ($($variant:ident = $wire:literal $(with $children:ident)?,)+) => {
        /// Any widget node below the root, tagged by `type`.
        ///
        /// Every typed component converts into it with `.into()`, so builders accept them directly.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum WidgetComponent {
            $(
                #[doc = concat!("A [`", stringify!($variant), "`] (`\"", $wire, "\"`).")]
                $variant($variant),
            )+
            /// A component of an unknown `type`, or a known one the typed model rejects, kept as JSON.
            Dynamic(DynamicComponent),
        }

        $(conversions! {
            WidgetComponent {
                $variant => |component| WidgetComponent::$variant(component),
            }
        })+

        impl WidgetComponent {
            /// The component's `type` on the wire, such as `"Button"` or `"Table.Row"`.
            #[must_use]
            pub fn component_type(&self) -> &str {
                match self {
                    $(WidgetComponent::$variant(_) => $wire,)+
                    WidgetComponent::Dynamic(dynamic) => &dynamic.component_type,
                }
            }

            /// The typed component of wire type `component_type`, if it is one and `node`
            /// fits its model.
            fn typed(component_type: &str, node: &Node<'_>) -> Option<WidgetComponent> {
                match component_type {
                    $($wire => components!(@read $variant node $($children)?)
                        .map(WidgetComponent::$variant),)+
                    _ => None,
                }
            }

            /// The typed component of wire type `component_type` read from the rest of its
            /// object by the direct reader; an error when `component_type` is not typed.
            fn direct<'de, A: serde::de::MapAccess<'de>>(
                component_type: &str,
                rest: direct::TypeFirst<'de, A>,
            ) -> Result<WidgetComponent, A::Error> {
                match component_type {
                    $($wire => direct::typed(rest).map(WidgetComponent::$variant),)+
                    _ => Err(direct::handed_over()),
                }
            }

            /// [`WidgetComponent::direct`], appending the component to `list` (a component
            /// is large: it is moved once, into place, rather than returned through every
            /// layer of the reader).
            fn push_direct<'de, A: serde::de::MapAccess<'de>>(
                component_type: &str,
                rest: direct::TypeFirst<'de, A>,
                list: &mut Vec<WidgetComponent>,
            ) -> Result<(), A::Error> {
                match component_type {
                    $($wire => {
                        list.push(WidgetComponent::$variant(direct::typed(rest)?));
                        Ok(())
                    })+
                    _ => Err(direct::handed_over()),
                }
            }
        }
    };
}

components! {
    Box = "Box" with children,
    Row = "Row" with children,
    Col = "Col" with children,
    Form = "Form" with children,
    Spacer = "Spacer",
    Divider = "Divider",
    Transition = "Transition",
    Title = "Title",
    Caption = "Caption",
    Text = "Text",
    Markdown = "Markdown",
    Badge = "Badge",
    Icon = "Icon",
    Image = "Image",
    Button = "Button",
    Table = "Table",
    TableRow = "Table.Row",
    TableCell = "Table.Cell" with children,
    Input = "Input",
    Textarea = "Textarea",
    Select = "Select",
    DatePicker = "DatePicker",
    Checkbox = "Checkbox",
    RadioGroup = "RadioGroup",
    Label = "Label",
    Chart = "Chart",
    ListViewItem = "ListViewItem" with children,
}

conversions! {
    WidgetComponent {
        DynamicComponent => |component| WidgetComponent::Dynamic(component),
    }
    WidgetRoot {
        Card => |root| WidgetRoot::Card(root),
        ListView => |root| WidgetRoot::ListView(root),
        Basic => |root| WidgetRoot::Basic(root),
    }
}

impl WidgetRoot {
    /// Reads a widget root from JSON text: the same result, or the same error, as
    /// `serde_json::from_str::<WidgetRoot>(text)`, faster when every node is typed and has its
    /// `type` first (as in the widgets templates render).
    pub(crate) fn from_json_text(text: &str) -> Result<WidgetRoot, serde_json::Error> {
        match direct::read_root(text) {
            Some(root) => Ok(root),
            None => serde_json::from_str(text),
        }
    }

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
    /// Parses one node the way the SDK does: typed when the `type` is known and the fields
    /// fit, [`WidgetComponent::Dynamic`] otherwise.
    fn from_node(node: &Node<'_>) -> Result<Self, String> {
        let component_type = node.object_type()?;
        Ok(
            WidgetComponent::typed(component_type, node).unwrap_or_else(|| {
                WidgetComponent::Dynamic(DynamicComponent::from_node(component_type, node))
            }),
        )
    }

    /// Parses one node of a JSON value, as [`WidgetComponent::from_node`].
    fn from_object(value: &Value) -> Result<Self, String> {
        let node = Node::deserialize(value).map_err(|error| error.to_string())?;
        WidgetComponent::from_node(&node)
    }
}

/// The typed component `T` of a node whose `children` are a list of components: its own fields
/// read from the buffer with `children` as `[]`, then each child from the buffer, so that a
/// subtree is not copied again at every level. As when the typed model reads the list itself,
/// the node is typed only if its fields fit and every child is a widget node.
fn read_with_children<T, L>(node: &Node<'_>, children: impl FnOnce(&mut T) -> &mut L) -> Option<T>
where
    T: for<'de> Deserialize<'de>,
    L: ListField<WidgetComponent>,
{
    let Some(items) = node.children_list() else {
        return T::deserialize(node.replay::<ReplayError>()).ok();
    };
    let mut typed = T::deserialize(node.replay_without_children::<ReplayError>()).ok()?;
    let list = children(&mut typed).entries();
    list.reserve_exact(items.len());
    for item in items {
        list.push(WidgetComponent::from_node(item).ok()?);
    }
    Some(typed)
}

/// The error of a typed parse from a buffered node: only whether it failed matters, as the
/// node is then kept as a dynamic one.
type ReplayError = serde::de::value::Error;

/// A node is read once: its `type` found in the buffer, the typed component
/// deserialized from it, or the dynamic one made from it.
///
/// While `WidgetRoot::from_json_text` reads a text the direct way, nodes are read straight
/// from it instead (see `direct`).
impl<'de> Deserialize<'de> for WidgetComponent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if direct::active() {
            return direct::component(deserializer);
        }
        let node = Node::deserialize(deserializer)?;
        WidgetComponent::from_node(&node).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for WidgetRoot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(deserializer)?;
        let root_type = node.object_type().map_err(D::Error::custom)?;
        let replay = node.replay::<ReplayError>();
        let typed = match root_type {
            "Card" => read_with_children(&node, |card: &mut Card| &mut card.children)
                .map(WidgetRoot::Card),
            "ListView" => ListView::deserialize(replay).ok().map(WidgetRoot::ListView),
            "Basic" => Basic::deserialize(replay).ok().map(WidgetRoot::Basic),
            other => {
                return Err(D::Error::custom(format_args!(
                    "unknown widget root type `{other}`, expected one of `Card`, `ListView`, `Basic`"
                )));
            }
        };
        Ok(typed
            .unwrap_or_else(|| WidgetRoot::Dynamic(DynamicComponent::from_node(root_type, &node))))
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

    /// The dynamic node of a buffered object of type `component_type`.
    fn from_node(component_type: &str, node: &Node<'_>) -> Self {
        DynamicComponent {
            component_type: component_type.to_owned(),
            props: node.props(),
        }
    }
}

impl Serialize for DynamicComponent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DynamicComponent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(deserializer)?;
        let component_type = node.object_type().map_err(D::Error::custom)?;
        Ok(DynamicComponent::from_node(component_type, &node))
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
