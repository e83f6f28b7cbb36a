//! The [`ListView`] root and its rows, [`ListViewItem`].

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::WidgetComponent;
use super::style::{Alignment, IntOrString, Theme, WidgetStatus};

/// How many rows a [`ListView`] shows before a "show more" control: a count, or `"auto"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListLimit {
    /// Show this many rows.
    Count(i64),
    /// Let the client decide (`"auto"`).
    Auto,
}

conversions! {
    ListLimit {
        i64 => |count| ListLimit::Count(count),
        i32 => |count| ListLimit::Count(i64::from(count)),
    }
}

impl Serialize for ListLimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ListLimit::Count(count) => serializer.serialize_i64(*count),
            ListLimit::Auto => serializer.serialize_str("auto"),
        }
    }
}

impl<'de> Deserialize<'de> for ListLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LimitVisitor;

        impl Visitor<'_> for LimitVisitor {
            type Value = ListLimit;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("an integer or \"auto\"")
            }

            fn visit_i64<E: de::Error>(self, count: i64) -> Result<ListLimit, E> {
                Ok(ListLimit::Count(count))
            }

            fn visit_u64<E: de::Error>(self, count: u64) -> Result<ListLimit, E> {
                i64::try_from(count)
                    .map(ListLimit::Count)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(count), &self))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<ListLimit, E> {
                if text == "auto" {
                    Ok(ListLimit::Auto)
                } else {
                    Err(E::invalid_value(Unexpected::Str(text), &self))
                }
            }
        }

        deserializer.deserialize_any(LimitVisitor)
    }
}

component! {
    /// A `ListView` root: a list of clickable rows, with a "show more" control past `limit`.
    ///
    /// ```
    /// use chatkit_actions::widget::{Caption, ListView, ListViewItem, Text, WidgetRoot};
    /// use chatkit_actions::ActionConfig;
    /// use serde_json::json;
    ///
    /// let list = ListView::new().limit(3).children((0..2).map(|i| {
    ///     ListViewItem::new()
    ///         .key(format!("row-{i}"))
    ///         .on_click_action(ActionConfig::new("row.select").payload(json!({"row_id": i})))
    ///         .child(Text::new(format!("Row {i}")))
    ///         .child(Caption::new("2m"))
    /// }));
    /// let value = serde_json::to_value(WidgetRoot::from(list))?;
    /// assert_eq!(value["limit"], 3);
    /// assert_eq!(value["children"][1]["onClickAction"]["payload"], json!({"row_id": 1}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Default)]
    pub struct ListView as "ListView" {
        /// The rows (always written, even when empty).
        vec children(child): ListViewItem,
        /// How many rows are shown before a `show more` control.
        limit: ListLimit,
        /// Status header shown above the list.
        status: WidgetStatus,
        /// Forces the light or dark theme on the list.
        theme: Theme,
    }
    /// An empty `ListView` (`children: []`).
    fn new;
}

component! {
    /// One clickable row of a [`ListView`].
    #[derive(Default)]
    pub struct ListViewItem as "ListViewItem" {
        /// Content of the row (always written, even when empty).
        vec #[serde(deserialize_with = "super::direct::children")] children(child): WidgetComponent,
        /// Action triggered when the row is clicked.
        action on_click_action,
        /// Gap between children, in spacing units or CSS.
        gap: IntOrString,
        /// Cross-axis alignment of the children.
        align: Alignment,
    }
    /// An empty row (`children: []`).
    fn new;
}
