//! The [`ListView`] root and its rows, [`ListViewItem`].

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::WidgetComponent;
use super::style::{Alignment, IntOrString, Theme, WidgetStatus};
use crate::config::ActionConfig;

/// How many rows a [`ListView`] shows before a "show more" control: a count, or `"auto"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListLimit {
    /// Show this many rows.
    Count(i64),
    /// Let the client decide (`"auto"`).
    Auto,
}

impl From<i64> for ListLimit {
    fn from(count: i64) -> Self {
        ListLimit::Count(count)
    }
}

impl From<i32> for ListLimit {
    fn from(count: i32) -> Self {
        ListLimit::Count(i64::from(count))
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "ListView", rename_all = "camelCase")]
pub struct ListView {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rows (always written, even when empty).
    pub children: Vec<ListViewItem>,
    /// How many rows are shown before a `show more` control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<ListLimit>,
    /// Status header shown above the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WidgetStatus>,
    /// Forces the light or dark theme on the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
}

impl ListView {
    /// An empty `ListView` (`children: []`).
    #[must_use]
    pub fn new() -> Self {
        ListView {
            key: None,
            id: None,
            children: Vec::new(),
            limit: None,
            status: None,
            theme: None,
        }
    }

    setters!(key: String, id: String, limit: ListLimit, status: WidgetStatus, theme: Theme);
    children_methods!(vec children, child: ListViewItem);
}

/// One clickable row of a [`ListView`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "ListViewItem", rename_all = "camelCase")]
pub struct ListViewItem {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Content of the row (always written, even when empty).
    pub children: Vec<WidgetComponent>,
    /// Action triggered when the row is clicked.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::action_slot::serialize"
    )]
    pub on_click_action: Option<ActionConfig>,
    /// Gap between children, in spacing units or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<IntOrString>,
    /// Cross-axis alignment of the children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<Alignment>,
}

impl ListViewItem {
    /// An empty row (`children: []`).
    #[must_use]
    pub fn new() -> Self {
        ListViewItem {
            key: None,
            id: None,
            children: Vec::new(),
            on_click_action: None,
            gap: None,
            align: None,
        }
    }

    setters!(key: String, id: String, gap: IntOrString, align: Alignment);
    action_setter!(on_click_action);
    children_methods!(vec children, child: WidgetComponent);
}
