//! [`Chart`] (Python SDK only) and its [`Series`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::style::{Color, FloatOrString, IntOrString, tokens};

/// One value of a chart data row: a category (string) or a number.
///
/// Integers and floats are kept apart, so `5` stays `5` and `4.5` stays `4.5`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChartValue {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A category or label.
    Text(String),
}

/// The x axis of a [`Chart`]: the data key it reads, or a full [`XAxisConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum XAxis {
    /// The data key of the x values.
    Key(String),
    /// The data key and display options.
    Config(XAxisConfig),
}

conversions! {
    ChartValue {
        i64 => |value| ChartValue::Int(value),
        i32 => |value| ChartValue::Int(i64::from(value)),
        f64 => |value| ChartValue::Float(value),
        String | &str => |value| ChartValue::Text(value),
    }
    XAxis {
        String | &str => |key| XAxis::Key(key),
        XAxisConfig => |config| XAxis::Config(config),
    }
}

component! {
    /// The x axis options: `{dataKey, hide?, labels?}`.
    #[derive(Eq)]
    pub struct XAxisConfig {
        /// The data key of the x values.
        required data_key: String,
        /// Hides the axis.
        hide: bool,
        /// Display labels by x value.
        custom #[serde(default, skip_serializing_if = "Option::is_none")]
        labels: Option<BTreeMap<String, String>>,
    }
    /// An axis reading `data_key`.
    fn new;
}

impl XAxisConfig {
    /// Sets the display label of one x value.
    #[must_use]
    pub fn label(mut self, value: impl Into<String>, label: impl Into<String>) -> Self {
        self.labels
            .get_or_insert_with(BTreeMap::new)
            .insert(value.into(), label.into());
        self
    }
}

tokens! {
    /// The interpolation of an area or line series.
    CurveType {
        Basis = "basis", BasisClosed = "basisClosed", BasisOpen = "basisOpen", BumpX = "bumpX",
        BumpY = "bumpY", Bump = "bump", Linear = "linear", LinearClosed = "linearClosed",
        Natural = "natural", MonotoneX = "monotoneX", MonotoneY = "monotoneY",
        Monotone = "monotone", Step = "step", StepBefore = "stepBefore", StepAfter = "stepAfter",
    }
}

component! {
    /// A bar series.
    #[derive(Eq)]
    pub struct BarSeries {
        /// Legend label. The SDK requires the key but allows `null`, and then omits it.
        label: String,
        /// The data key of the values.
        required data_key: String,
        /// Stack id: series with the same id stack.
        stack: String,
        /// Color (chart tokens `blue`, `purple`, `orange`, `green`, `red`, `yellow`, `pink`, or
        /// CSS).
        color: Color,
    }
}

component! {
    /// An area series.
    #[derive(Eq)]
    pub struct AreaSeries {
        /// Legend label. The SDK requires the key but allows `null`, and then omits it.
        label: String,
        /// The data key of the values.
        required data_key: String,
        /// Stack id: series with the same id stack.
        stack: String,
        /// Color (chart tokens or CSS).
        color: Color,
        /// Interpolation.
        curve_type: CurveType,
    }
}

component! {
    /// A line series.
    #[derive(Eq)]
    pub struct LineSeries {
        /// Legend label. The SDK requires the key but allows `null`, and then omits it.
        label: String,
        /// The data key of the values.
        required data_key: String,
        /// Color (chart tokens or CSS).
        color: Color,
        /// Interpolation.
        curve_type: CurveType,
    }
}

/// One series of a [`Chart`], tagged by `type` (`bar`, `area`, `line`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Series {
    /// Bars.
    Bar(BarSeries),
    /// A filled area.
    Area(AreaSeries),
    /// A line.
    Line(LineSeries),
}

impl Series {
    /// A bar series reading `data_key`, labelled `label` in the legend.
    #[must_use]
    pub fn bar(label: impl Into<String>, data_key: impl Into<String>) -> Self {
        Series::Bar(BarSeries {
            label: Some(label.into()),
            data_key: data_key.into(),
            stack: None,
            color: None,
        })
    }

    /// An area series reading `data_key`, labelled `label` in the legend.
    #[must_use]
    pub fn area(label: impl Into<String>, data_key: impl Into<String>) -> Self {
        Series::Area(AreaSeries {
            label: Some(label.into()),
            data_key: data_key.into(),
            stack: None,
            color: None,
            curve_type: None,
        })
    }

    /// A line series reading `data_key`, labelled `label` in the legend.
    #[must_use]
    pub fn line(label: impl Into<String>, data_key: impl Into<String>) -> Self {
        Series::Line(LineSeries {
            label: Some(label.into()),
            data_key: data_key.into(),
            color: None,
            curve_type: None,
        })
    }

    /// Sets the series color.
    #[must_use]
    pub fn color(mut self, color: impl Into<Color>) -> Self {
        let color = Some(color.into());
        match &mut self {
            Series::Bar(series) => series.color = color,
            Series::Area(series) => series.color = color,
            Series::Line(series) => series.color = color,
        }
        self
    }
}

component! {
    /// A chart of bar, area and line series over rows of data (`Chart`, Python SDK only).
    ///
    /// ```
    /// use chatkit_actions::widget::{Chart, CurveType, Series, LineSeries};
    /// use serde_json::json;
    ///
    /// let chart = Chart::new("month")
    ///     .row([("month", "Jan".into()), ("sales", 10.into())])
    ///     .row([("month", "Feb".into()), ("sales", 12.into())])
    ///     .series(Series::bar("Sales", "sales").color("blue"))
    ///     .series(Series::Line(LineSeries {
    ///         label: None,
    ///         data_key: "sales".into(),
    ///         color: None,
    ///         curve_type: Some(CurveType::Monotone),
    ///     }))
    ///     .height(200);
    /// assert_eq!(
    ///     serde_json::to_value(&chart)?,
    ///     json!({
    ///         "type": "Chart",
    ///         "data": [{"month": "Jan", "sales": 10}, {"month": "Feb", "sales": 12}],
    ///         "series": [
    ///             {"type": "bar", "label": "Sales", "dataKey": "sales", "color": "blue"},
    ///             {"type": "line", "dataKey": "sales", "curveType": "monotone"},
    ///         ],
    ///         "xAxis": "month",
    ///         "height": 200,
    ///     })
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct Chart as "Chart" {
        /// The rows: one map of data key to value per x value (always written).
        custom data: Vec<BTreeMap<String, ChartValue>>,
        /// The series drawn (always written).
        custom series: Vec<Series>,
        /// The x axis.
        required x_axis: XAxis,
        /// Shows the y axis.
        show_y_axis: bool,
        /// Shows the legend.
        show_legend: bool,
        /// Shows a tooltip on hover.
        show_tooltip: bool,
        /// Gap between bars of one category, in pixels.
        bar_gap: i64,
        /// Gap between categories, in pixels.
        bar_category_gap: i64,
        /// Flex growth factor, or a CSS `flex` value.
        flex: IntOrString,
        /// Height in pixels or CSS.
        height: IntOrString,
        /// Width in pixels or CSS.
        width: IntOrString,
        /// Width and height in pixels or CSS.
        size: IntOrString,
        min_max,
        /// Aspect ratio as a number or CSS.
        aspect_ratio: FloatOrString,
    }
    /// A chart with no data or series, reading x values from `x_axis`.
    fn new;
}

impl Chart {
    /// Appends one data row.
    #[must_use]
    pub fn row(mut self, row: impl IntoIterator<Item = (impl Into<String>, ChartValue)>) -> Self {
        self.data.push(
            row.into_iter()
                .map(|(key, value)| (key.into(), value))
                .collect(),
        );
        self
    }

    /// Appends one series.
    #[must_use]
    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }
}
