//! Content components: [`Badge`], [`Icon`], [`Image`], [`Button`].

use serde::{Deserialize, Serialize};

use super::style::{
    Color, ControlSize, ControlVariant, FloatOrString, IconSize, IntOrString, Radius, SpacingValue,
    tokens,
};
use crate::config::ActionConfig;

tokens! {
    /// The color of a [`Badge`].
    BadgeColor {
        Secondary = "secondary", Success = "success", Danger = "danger", Warning = "warning",
        Info = "info", Discovery = "discovery",
    }
}

tokens! {
    /// The visual variant of a [`Badge`].
    BadgeVariant { Solid = "solid", Soft = "soft", Outline = "outline" }
}

tokens! {
    /// The size of a [`Badge`].
    BadgeSize { Sm = "sm", Md = "md", Lg = "lg" }
}

tokens! {
    /// How an [`Image`] fills its box (CSS `object-fit`).
    ImageFit { Cover = "cover", Contain = "contain", Fill = "fill", ScaleDown = "scale-down", None = "none" }
}

tokens! {
    /// Where an [`Image`] sits in its box (CSS `object-position`).
    ImagePosition {
        TopLeft = "top left", Top = "top", TopRight = "top right", Left = "left",
        Center = "center", Right = "right", BottomLeft = "bottom left", Bottom = "bottom",
        BottomRight = "bottom right",
    }
}

tokens! {
    /// The style of a [`Button`].
    ButtonStyle { Primary = "primary", Secondary = "secondary" }
}

tokens! {
    /// The size of a [`Button`]'s icons.
    ButtonIconSize { Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xxl = "2xl" }
}

tokens! {
    /// The color of a [`Button`].
    ButtonColor {
        Primary = "primary", Secondary = "secondary", Info = "info", Discovery = "discovery",
        Success = "success", Caution = "caution", Warning = "warning", Danger = "danger",
    }
}

/// A small label such as a status or a count (`Badge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Badge", rename_all = "camelCase")]
pub struct Badge {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The text.
    pub label: String,
    /// Color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<BadgeColor>,
    /// Visual variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<BadgeVariant>,
    /// Size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<BadgeSize>,
    /// Fully rounded ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pill: Option<bool>,
}

impl Badge {
    /// A `Badge` with the required fields; everything else unset.
    #[must_use]
    pub fn new(label: impl Into<String>) -> Self {
        Badge {
            key: None,
            id: None,
            label: label.into(),
            color: None,
            variant: None,
            size: None,
            pill: None,
        }
    }

    setters!(key: String, id: String, color: BadgeColor, variant: BadgeVariant, size: BadgeSize);
    setters!(plain pill: bool);
}

/// An icon (`Icon`).
///
/// `name` is an icon name such as `"calendar"` or `"check-circle"`, or a prefixed name
/// (`"lucide:rocket"`, `"vendor:…"`). The set is large and open-ended (prefixed names), so it
/// stays a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Icon", rename_all = "camelCase")]
pub struct Icon {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The icon name.
    pub name: String,
    /// Icon color (text tokens, or CSS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Icon size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<IconSize>,
}

impl Icon {
    /// A `Icon` with the required fields; everything else unset.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Icon {
            key: None,
            id: None,
            name: name.into(),
            color: None,
            size: None,
        }
    }

    setters!(key: String, id: String, color: Color, size: IconSize);
}

/// An image (`Image`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Image", rename_all = "camelCase")]
pub struct Image {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Image URL.
    pub src: String,
    /// Alternative text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    /// How the image fills its box (CSS `object-fit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<ImageFit>,
    /// Where the image sits in its box (CSS `object-position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<ImagePosition>,
    /// Corner radius.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<Radius>,
    /// Draws a frame around the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<bool>,
    /// Extends the image to the container's edges, ignoring its padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flush: Option<bool>,
    /// Height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<IntOrString>,
    /// Width in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<IntOrString>,
    /// Width and height in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<IntOrString>,
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
    /// Outer spacing (integer spacing units, CSS, or per side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<SpacingValue<i64>>,
    /// Background color (Python SDK only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Color>,
    /// Aspect ratio as a number or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<FloatOrString>,
    /// Flex growth factor, or a CSS `flex` value (Python SDK only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flex: Option<IntOrString>,
}

impl Image {
    /// A `Image` with the required fields; everything else unset.
    #[must_use]
    pub fn new(src: impl Into<String>) -> Self {
        Image {
            key: None,
            id: None,
            src: src.into(),
            alt: None,
            fit: None,
            position: None,
            radius: None,
            frame: None,
            flush: None,
            height: None,
            width: None,
            size: None,
            min_height: None,
            min_width: None,
            min_size: None,
            max_height: None,
            max_width: None,
            max_size: None,
            margin: None,
            background: None,
            aspect_ratio: None,
            flex: None,
        }
    }

    setters!(key: String, id: String, alt: String, fit: ImageFit, position: ImagePosition, radius: Radius, height: IntOrString, width: IntOrString, size: IntOrString, min_height: IntOrString, min_width: IntOrString, min_size: IntOrString, max_height: IntOrString, max_width: IntOrString, max_size: IntOrString, margin: SpacingValue<i64>, background: Color, aspect_ratio: FloatOrString, flex: IntOrString);
    setters!(plain frame: bool, flush: bool);
}

/// A button (`Button`).
///
/// A Button triggers its `onClickAction`; with [`submit(true)`](Button::submit) it submits the
/// enclosing Form instead, which triggers the Form's `onSubmitAction`.
///
/// ```
/// use chatkit_actions::widget::{Button, ButtonStyle};
/// use chatkit_actions::{ActionConfig, LoadingBehavior};
/// use serde_json::json;
///
/// let button = Button::new("Increment")
///     .on_click_action(ActionConfig::new("increment").payload(json!({"count": 0})))
///     .style(ButtonStyle::Primary);
/// assert_eq!(
///     serde_json::to_value(&button)?,
///     json!({
///         "type": "Button",
///         "label": "Increment",
///         "onClickAction": {
///             "type": "increment",
///             "payload": {"count": 0},
///             "handler": "server",
///             "loadingBehavior": "auto",
///             "streaming": true,
///         },
///         "style": "primary",
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Button", rename_all = "camelCase")]
pub struct Button {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Submits the enclosing form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit: Option<bool>,
    /// The label; a button may be icon-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Action triggered on click.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::action_slot::serialize"
    )]
    pub on_click_action: Option<ActionConfig>,
    /// Icon before the label (an icon name, see [`Icon`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_start: Option<String>,
    /// Icon after the label (an icon name, see [`Icon`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_end: Option<String>,
    /// Primary or secondary style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<ButtonStyle>,
    /// Size of the icons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_size: Option<ButtonIconSize>,
    /// Color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<ButtonColor>,
    /// Visual variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<ControlVariant>,
    /// Size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ControlSize>,
    /// Fully rounded ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pill: Option<bool>,
    /// Equal width and height (for icon buttons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniform: Option<bool>,
    /// Takes the full width of its container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<bool>,
    /// Disables the button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

impl Button {
    /// A Button with a label. For an icon-only button, start from `Button::default()`.
    #[must_use]
    pub fn new(label: impl Into<String>) -> Self {
        Button {
            key: None,
            id: None,
            submit: None,
            label: Some(label.into()),
            on_click_action: None,
            icon_start: None,
            icon_end: None,
            style: None,
            icon_size: None,
            color: None,
            variant: None,
            size: None,
            pill: None,
            uniform: None,
            block: None,
            disabled: None,
        }
    }

    setters!(key: String, id: String, label: String, icon_start: String, icon_end: String, style: ButtonStyle, icon_size: ButtonIconSize, color: ButtonColor, variant: ControlVariant, size: ControlSize);
    setters!(plain submit: bool, pill: bool, uniform: bool, block: bool, disabled: bool);
    action_setter!(on_click_action);
}
