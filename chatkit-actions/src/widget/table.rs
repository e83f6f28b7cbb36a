//! Tables: [`Table`], [`TableRow`] (`Table.Row`) and [`TableCell`] (`Table.Cell`).
//!
//! These come from the JS types; the Python SDK has no typed model for them and passes them
//! through as dynamic components, with exactly the keys given.

use super::WidgetComponent;
use super::style::{FloatOrString, Spacing, tokens};

tokens! {
    /// The alignment of a [`TableCell`]'s content.
    CellAlign { Start = "start", Center = "center", End = "end" }

    /// The width token of a table column.
    ColSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl" }
}

component! {
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
    #[derive(Default)]
    pub struct Table as "Table" {
        /// The rows.
        list children(child): TableRow,
    }
    /// An empty Table.
    fn new;
}

component! {
    /// A row of a [`Table`] (`Table.Row`).
    #[derive(Default)]
    pub struct TableRow as "Table.Row" {
        /// The cells.
        list children(child): TableCell,
        /// Renders the row as a header row.
        header: bool,
    }
    /// An empty row.
    fn new;
}

component! {
    /// A cell of a [`TableRow`] (`Table.Cell`).
    #[derive(Default)]
    pub struct TableCell as "Table.Cell" {
        /// Content of the cell.
        list #[serde(deserialize_with = "super::direct::optional_children")] children(child): WidgetComponent,
        /// Width in pixels or CSS.
        width: FloatOrString,
        /// Inner spacing per side.
        padding: Spacing,
        /// Number of columns the cell spans.
        col_span: u32,
        /// Number of rows the cell spans.
        row_span: u32,
        /// Horizontal alignment of the content.
        align: CellAlign,
        /// Vertical alignment of the content.
        v_align: CellAlign,
        /// Width token of the cell's column.
        col_size: ColSize,
    }
    /// An empty cell.
    fn new;
}
