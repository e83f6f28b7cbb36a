//! Value types shared by several components: colors, lengths, spacing, borders and the closed
//! token sets (alignment, sizes, variants).
//!
//! Numbers follow the SDK's field types: a field the SDK types `float | str` uses
//! [`FloatOrString`] (serialized `4.0`), a field typed `int | str` uses [`IntOrString`]
//! (serialized `4`).

use serde::{Deserialize, Serialize};

/// A number or a CSS string, for fields the SDK types `float | str` (`padding`, `height`,
/// `width`, `size`, `aspectRatio`, `Text.width`, [`Spacing`] sides…).
///
/// Integers convert into it, so `.height(200)` works; the number is written as a float
/// (`200.0`), as the SDK writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FloatOrString {
    /// A number: spacing units for spacing fields, pixels for sizes.
    Number(f64),
    /// A CSS value such as `"8px"` or `"50%"`.
    Css(String),
}

/// A number or a CSS string, for fields the SDK types `int | str` (`gap`, `flex`, `minHeight`,
/// Image sizes, `Divider.size`…).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// A number: spacing units for `gap`, a flex factor for `flex`, pixels for sizes.
    Number(i64),
    /// A CSS value such as `"8px"` or `"1 1 auto"`.
    Css(String),
}

/// A color for the light and the dark theme: `{"light": …, "dark": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThemeColor {
    /// The color used when the theme is light.
    pub light: String,
    /// The color used when the theme is dark.
    pub dark: String,
}

impl ThemeColor {
    /// A color with one value per theme.
    #[must_use]
    pub fn new(light: impl Into<String>, dark: impl Into<String>) -> Self {
        ThemeColor {
            light: light.into(),
            dark: dark.into(),
        }
    }
}

/// A color: a token, a primitive token (`"red-100"`, `"gray-500"`), any CSS color, or a
/// [`ThemeColor`].
///
/// The accepted tokens depend on the field (text tokens such as `"secondary"`, background
/// tokens such as `"surface-elevated"`, border tokens such as `"subtle"`, chart tokens such as
/// `"blue"`). The set is open (any CSS color is valid), so tokens stay strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Color {
    /// A token or CSS color.
    Token(String),
    /// One color per theme (boxed: it is large and rare).
    Theme(std::boxed::Box<ThemeColor>),
}

component! {
    /// Per-side spacing: `{top?, right?, bottom?, left?, x?, y?}`, each a spacing unit or a CSS
    /// string.
    #[derive(Default)]
    pub struct Spacing {
        /// Top spacing.
        top: FloatOrString,
        /// Right spacing.
        right: FloatOrString,
        /// Bottom spacing.
        bottom: FloatOrString,
        /// Left spacing.
        left: FloatOrString,
        /// Horizontal (left and right) spacing.
        x: FloatOrString,
        /// Vertical (top and bottom) spacing.
        y: FloatOrString,
    }
    /// No spacing set on any side.
    fn new;
}

/// A `padding` or `margin` value: a number, a CSS string, or per-side [`Spacing`].
///
/// `N` is the number type the SDK uses for the field: `f64` almost everywhere, `i64` for
/// `Image.margin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SpacingValue<N = f64> {
    /// The same spacing on every side, in spacing units.
    Number(N),
    /// A CSS value such as `"8px 12px"`.
    Css(String),
    /// Per-side spacing (boxed: it is large and rare).
    Sides(std::boxed::Box<Spacing>),
}

component! {
    /// One border: `{size, color?, style?}`.
    #[derive(Eq, Hash)]
    pub struct Border {
        /// Thickness in pixels.
        required size: i64,
        /// Border color; border tokens are `default`, `subtle` and `strong`.
        color: Color,
        /// Line style.
        style: BorderStyle,
    }
    /// A border of the given thickness in pixels.
    fn new;
}

/// One side of [`Borders`]: a thickness in pixels or a full [`Border`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BorderSide {
    /// Thickness in pixels.
    Width(i64),
    /// A full border definition.
    Border(Border),
}

component! {
    /// Per-side borders: `{top?, right?, bottom?, left?, x?, y?}`.
    #[derive(Default, Eq, Hash)]
    pub struct Borders {
        /// Top border.
        top: BorderSide,
        /// Right border.
        right: BorderSide,
        /// Bottom border.
        bottom: BorderSide,
        /// Left border.
        left: BorderSide,
        /// Left and right borders.
        x: BorderSide,
        /// Top and bottom borders.
        y: BorderSide,
    }
    /// No border on any side.
    fn new;
}

/// A `border` value: a thickness in pixels, one [`Border`] for every side, or [`Borders`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BorderValue {
    /// The same thickness in pixels on every side.
    Width(i64),
    /// The same border on every side. Tried before `Sides`, as it requires `size`.
    Border(Border),
    /// Per-side borders (boxed: they are large and rare).
    Sides(std::boxed::Box<Borders>),
}

/// Declares closed sets of string tokens, each as a unit-only enum with serde renames.
macro_rules! tokens {
    ($(
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }
    )+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("`\"", $wire, "\"` on the wire.")]
                #[serde(rename = $wire)]
                $variant,
            )+
        }

        impl $name {
            /// The wire name of the token.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }
    )+};
}
pub(crate) use tokens;

tokens! {
    /// The line style of a [`Border`].
    BorderStyle {
        Solid = "solid", Dashed = "dashed", Dotted = "dotted", Double = "double",
        Groove = "groove", Ridge = "ridge", Inset = "inset", Outset = "outset",
    }

    /// A corner radius token.
    Radius {
        Xxs = "2xs", Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xxl = "2xl",
        Xxxl = "3xl", Xxxxl = "4xl", Full = "full", Percent100 = "100%", None = "none",
    }

    /// Cross-axis alignment of a flex container's children.
    Alignment { Start = "start", Center = "center", End = "end", Baseline = "baseline", Stretch = "stretch" }

    /// Main-axis distribution of a flex container's children.
    Justification {
        Start = "start", Center = "center", End = "end", Between = "between",
        Around = "around", Evenly = "evenly", Stretch = "stretch",
    }

    /// How a flex container wraps its children.
    Wrap { NoWrap = "nowrap", Wrap = "wrap", WrapReverse = "wrap-reverse" }

    /// The main axis of a `Box`, `Form`, `Basic` root or `RadioGroup`.
    Direction { Row = "row", Col = "col" }

    /// Forces the light or dark theme on a subtree.
    Theme { Light = "light", Dark = "dark" }

    /// Horizontal text alignment.
    TextAlign { Start = "start", Center = "center", End = "end" }

    /// Body text size (Text, Label).
    TextSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl" }

    /// Title size.
    TitleSize {
        Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xxl = "2xl", Xxxl = "3xl", Xxxxl = "4xl",
        Xxxxxl = "5xl",
    }

    /// Caption size.
    CaptionSize { Sm = "sm", Md = "md", Lg = "lg" }

    /// Icon size.
    IconSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xxl = "2xl", Xxxl = "3xl" }

    /// Font weight.
    FontWeight { Normal = "normal", Medium = "medium", Semibold = "semibold", Bold = "bold" }

    /// Visual variant of a `Button`, `Select` or `DatePicker`.
    ControlVariant { Solid = "solid", Soft = "soft", Outline = "outline", Ghost = "ghost" }

    /// Size of a control (`Button`, `Input`, `Textarea`, `Select`, `DatePicker`).
    ControlSize {
        Xxxs = "3xs", Xxs = "2xs", Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl",
        Xxl = "2xl", Xxxl = "3xl",
    }
}

component! {
    /// A status header shown above a `Card` or `ListView`: text, with a favicon or an icon.
    ///
    /// The SDK types it as an untagged union of `{text, favicon?, frame?}` and `{text, icon?}`;
    /// this one struct holds either form losslessly. Set a favicon or an icon, not both.
    #[derive(Eq, Hash)]
    pub struct WidgetStatus {
        /// Status text.
        required text: String,
        /// URL of a favicon shown before the text.
        favicon: String,
        /// Draws a frame around the favicon.
        frame: bool,
        /// Icon name shown before the text (see [`Icon`](super::Icon) for the names).
        icon: String,
    }
    /// A status with text only.
    fn new;
}

// What lets builders take plain values: `.padding(4)`, `.height("50%")`, `.color("blue")`,
// `.border(1)`.
conversions! {
    FloatOrString {
        f64 => |value| FloatOrString::Number(value),
        i32 => |value| FloatOrString::Number(f64::from(value)),
        String | &str => |value| FloatOrString::Css(value),
    }
    IntOrString {
        i64 => |value| IntOrString::Number(value),
        i32 => |value| IntOrString::Number(i64::from(value)),
        String | &str => |value| IntOrString::Css(value),
    }
    Color {
        String | &str => |value| Color::Token(value),
        ThemeColor => |value| Color::Theme(std::boxed::Box::new(value)),
    }
    SpacingValue<f64> {
        f64 => |value| SpacingValue::Number(value),
        i32 => |value| SpacingValue::Number(f64::from(value)),
    }
    SpacingValue<i64> {
        i64 => |value| SpacingValue::Number(value),
        i32 => |value| SpacingValue::Number(i64::from(value)),
    }
    for<N> SpacingValue<N> {
        String | &str => |value| SpacingValue::Css(value),
        Spacing => |value| SpacingValue::Sides(std::boxed::Box::new(value)),
    }
    BorderSide {
        i64 => |value| BorderSide::Width(value),
        i32 => |value| BorderSide::Width(i64::from(value)),
        Border => |value| BorderSide::Border(value),
    }
    BorderValue {
        i64 => |value| BorderValue::Width(value),
        i32 => |value| BorderValue::Width(i64::from(value)),
        Border => |value| BorderValue::Border(value),
        Borders => |value| BorderValue::Sides(std::boxed::Box::new(value)),
    }
}
