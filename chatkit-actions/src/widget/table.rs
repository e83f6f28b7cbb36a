//! Tables: [`Table`], [`TableRow`] (`Table.Row`) and [`TableCell`] (`Table.Cell`).
//!
//! These come from the JS types; the Python SDK has no typed model for them and passes them
//! through as dynamic components, with exactly the keys given.

use serde::{Deserialize, Serialize};

use super::WidgetComponent;
use super::style::{FloatOrString, Spacing, tokens};

tokens! {
    /// The alignment of a [`TableCell`]'s content.
    CellAlign { Start = "start", Center = "center", End = "end" }
}

tokens! {
    /// The width token of a table column.
    ColSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl" }
}

/// A table (`Table`; JS types only, the Python SDK keeps it as a dynamic component).
///
/// ```
/// use chatkit_actions::widget::{Table, TableCell, TableRow, Text};
/// use serde_json::json;
///
/// let table = Table::new()
///     .child(TableRow::new().header(true).child(TableCell::new().child(Text::new("Name"))))
///     .child(TableRow::new().child(TableCell::new().col_span(2).child(Text::new("Ada"))));
/// assert_eq!(
///     serde_json::to_value(&table)?,
///     json!({"type": "Table", "children": [
///         {"type": "Table.Row", "header": true, "children": [
///             {"type": "Table.Cell", "children": [{"type": "Text", "value": "Name"}]},
///         ]},
///         {"type": "Table.Row", "children": [
///             {"type": "Table.Cell", "colSpan": 2, "children": [{"type": "Text", "value": "Ada"}]},
///         ]},
///     ]})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Table", rename_all = "camelCase")]
pub struct Table {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<TableRow>>,
}

impl Table {
    /// An empty Table.
    #[must_use]
    pub fn new() -> Self {
        Table {
            key: None,
            id: None,
            children: None,
        }
    }

    setters!(key: String, id: String);
    children_methods!(opt children, child: TableRow);
}

/// A row of a [`Table`] (`Table.Row`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Table.Row", rename_all = "camelCase")]
pub struct TableRow {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<TableCell>>,
    /// Renders the row as a header row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<bool>,
}

impl TableRow {
    /// An empty row.
    #[must_use]
    pub fn new() -> Self {
        TableRow {
            key: None,
            id: None,
            children: None,
            header: None,
        }
    }

    setters!(key: String, id: String);
    setters!(plain header: bool);
    children_methods!(opt children, child: TableCell);
}

/// A cell of a [`TableRow`] (`Table.Cell`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Table.Cell", rename_all = "camelCase")]
pub struct TableCell {
    /// Stable identity among siblings, used by the client to diff updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifier that streaming updates (`widget.component.updated`, text deltas) target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Content of the cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<WidgetComponent>>,
    /// Width in pixels or CSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<FloatOrString>,
    /// Inner spacing per side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<Spacing>,
    /// Number of columns the cell spans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub col_span: Option<u32>,
    /// Number of rows the cell spans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_span: Option<u32>,
    /// Horizontal alignment of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<CellAlign>,
    /// Vertical alignment of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v_align: Option<CellAlign>,
    /// Width token of the cell's column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub col_size: Option<ColSize>,
}

impl TableCell {
    /// An empty cell.
    #[must_use]
    pub fn new() -> Self {
        TableCell {
            key: None,
            id: None,
            children: None,
            width: None,
            padding: None,
            col_span: None,
            row_span: None,
            align: None,
            v_align: None,
            col_size: None,
        }
    }

    setters!(key: String, id: String, width: FloatOrString, padding: Spacing, align: CellAlign, v_align: CellAlign, col_size: ColSize);
    setters!(plain col_span: u32, row_span: u32);
    children_methods!(opt children, child: WidgetComponent);
}
