//! Content components: [`Badge`], [`Icon`], [`Image`], [`Button`].

use super::style::{
    Color, ControlSize, ControlVariant, FloatOrString, IconSize, IntOrString, Radius, SpacingValue,
    tokens,
};

tokens! {
    /// The color of a [`Badge`].
    BadgeColor {
        Secondary = "secondary", Success = "success", Danger = "danger", Warning = "warning",
        Info = "info", Discovery = "discovery",
    }

    /// The visual variant of a [`Badge`].
    BadgeVariant { Solid = "solid", Soft = "soft", Outline = "outline" }

    /// The size of a [`Badge`].
    BadgeSize { Sm = "sm", Md = "md", Lg = "lg" }

    /// How an [`Image`] fills its box (CSS `object-fit`).
    ImageFit { Cover = "cover", Contain = "contain", Fill = "fill", ScaleDown = "scale-down", None = "none" }

    /// Where an [`Image`] sits in its box (CSS `object-position`).
    ImagePosition {
        TopLeft = "top left", Top = "top", TopRight = "top right", Left = "left",
        Center = "center", Right = "right", BottomLeft = "bottom left", Bottom = "bottom",
        BottomRight = "bottom right",
    }

    /// The style of a [`Button`].
    ButtonStyle { Primary = "primary", Secondary = "secondary" }

    /// The size of a [`Button`]'s icons.
    ButtonIconSize { Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xxl = "2xl" }

    /// The color of a [`Button`].
    ButtonColor {
        Primary = "primary", Secondary = "secondary", Info = "info", Discovery = "discovery",
        Success = "success", Caution = "caution", Warning = "warning", Danger = "danger",
    }
}

component! {
    /// A small label such as a status or a count (`Badge`).
    pub struct Badge as "Badge" {
        /// The text.
        required label: String,
        /// Color.
        color: BadgeColor,
        /// Visual variant.
        variant: BadgeVariant,
        /// Size.
        size: BadgeSize,
        /// Fully rounded ends.
        pill: bool,
    }
    /// A `Badge` with the required fields; everything else unset.
    fn new;
}

component! {
    /// An icon (`Icon`).
    ///
    /// `name` is an icon name such as `"calendar"` or `"check-circle"`, or a prefixed name
    /// (`"lucide:rocket"`, `"vendor:…"`). The set is large and open-ended (prefixed names), so it
    /// stays a string.
    pub struct Icon as "Icon" {
        /// The icon name.
        required name: String,
        /// Icon color (text tokens, or CSS).
        color: Color,
        /// Icon size.
        size: IconSize,
    }
    /// A `Icon` with the required fields; everything else unset.
    fn new;
}

component! {
    /// An image (`Image`).
    pub struct Image as "Image" {
        /// Image URL.
        required src: String,
        /// Alternative text.
        alt: String,
        /// How the image fills its box (CSS `object-fit`).
        fit: ImageFit,
        /// Where the image sits in its box (CSS `object-position`).
        position: ImagePosition,
        /// Corner radius.
        radius: Radius,
        /// Draws a frame around the image.
        frame: bool,
        /// Extends the image to the container's edges, ignoring its padding.
        flush: bool,
        /// Height in pixels or CSS.
        height: IntOrString,
        /// Width in pixels or CSS.
        width: IntOrString,
        /// Width and height in pixels or CSS.
        size: IntOrString,
        min_max,
        /// Outer spacing (integer spacing units, CSS, or per side).
        margin: SpacingValue<i64>,
        /// Background color (Python SDK only).
        background: Color,
        /// Aspect ratio as a number or CSS.
        aspect_ratio: FloatOrString,
        /// Flex growth factor, or a CSS `flex` value (Python SDK only).
        flex: IntOrString,
    }
    /// A `Image` with the required fields; everything else unset.
    fn new;
}

component! {
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
    #[derive(Default)]
    pub struct Button as "Button" {
        /// Submits the enclosing form.
        submit: bool,
        /// The label; a button may be icon-only.
        label: String,
        /// Action triggered on click.
        action on_click_action,
        /// Icon before the label (an icon name, see [`Icon`]).
        icon_start: String,
        /// Icon after the label (an icon name, see [`Icon`]).
        icon_end: String,
        /// Primary or secondary style.
        style: ButtonStyle,
        /// Size of the icons.
        icon_size: ButtonIconSize,
        /// Color.
        color: ButtonColor,
        /// Visual variant.
        variant: ControlVariant,
        /// Size.
        size: ControlSize,
        /// Fully rounded ends.
        pill: bool,
        /// Equal width and height (for icon buttons).
        uniform: bool,
        /// Takes the full width of its container.
        block: bool,
        /// Disables the button.
        disabled: bool,
    }
}

impl Button {
    /// A Button with a label. For an icon-only button, start from `Button::default()`.
    #[must_use]
    pub fn new(label: impl Into<String>) -> Self {
        Button {
            label: Some(label.into()),
            ..Button::default()
        }
    }
}
