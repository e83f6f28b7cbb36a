//! [`WidgetTemplate`]: widgets from `.widget` files, the format of ChatKit's widget builder and
//! of the Python SDK's `WidgetTemplate`.
//!
//! A `.widget` file is a JSON object:
//!
//! - `version`: the format's version, `"1.0"` (the only one there is; another is refused);
//! - `name`: the widget's name;
//! - `template`: a Jinja template that renders the widget's JSON;
//! - `jsonSchema`: the JSON Schema of the data the template reads (optional).
//!
//! Other keys (the builder writes a few, such as `outputJsonPreview` or `encodedWidget`) are
//! ignored. The template is compiled once, when the file is read; [`WidgetTemplate::build`]
//! renders it with the data, parses the output as JSON and then as a [`WidgetRoot`], as the
//! SDK's `build` does.
//!
//! The Jinja environment is the SDK's: undefined values are errors (Jinja's
//! `StrictUndefined`), nothing is HTML-escaped, and the filters, tests and global functions are
//! Jinja's builtins (`tojson`, `default`, `join`, `length`, `truncate`, `wordcount`,
//! `filesizeformat`, `urlencode`, `range`, `dict`, `namespace`, `cycler`, `joiner`…), with the
//! Python methods templates call on strings and dicts (`.items()`, `.get()`, `.upper()`…).

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use minijinja::{Environment, ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::WidgetRoot;

#[doc(hidden)]
pub mod checks;
mod compact;
mod data;
mod jinja;

/// The one version of the `.widget` format.
pub const WIDGET_FORMAT_VERSION: &str = "1.0";

/// The name the compiled template has in its environment.
const TEMPLATE: &str = "template";

/// A compiled `.widget` template: render it with data to get a [`WidgetRoot`].
///
/// ```
/// use chatkit_actions::widget::{WidgetRoot, WidgetTemplate};
/// use serde_json::json;
///
/// let template = WidgetTemplate::from_json(
///     r#"{
///         "version": "1.0",
///         "name": "Greeting",
///         "template": "{\"type\": \"Card\", \"children\": [{\"type\": \"Text\", \"value\": {{ (\"Hello, \" ~ name) | tojson }}}]}",
///         "jsonSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
///     }"#,
/// )?;
/// let root: WidgetRoot = template.build(&json!({"name": "Ada"}))?;
/// assert_eq!(
///     serde_json::to_value(&root)?,
///     json!({"type": "Card", "children": [{"type": "Text", "value": "Hello, Ada"}]})
/// );
///
/// // A value the template reads is missing: a clear error, naming the template and the line.
/// let error = template.build(&json!({})).unwrap_err();
/// assert_eq!(error.to_string(), "widget template `Greeting`, line 1: undefined value");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WidgetTemplate {
    name: String,
    origin: String,
    data_schema: Value,
    source: String,
    env: Environment<'static>,
    /// The environment of the template [`WidgetTemplate::build`] renders, when there is one:
    /// the source without the indentation of its text (see [`compact`]), its `tojson` emits
    /// printed by the environment's formatter when they can be (see [`compact::json_emits`]).
    fast: Option<Environment<'static>>,
}

impl fmt::Debug for WidgetTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WidgetTemplate")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .field("data_schema", &self.data_schema)
            .finish_non_exhaustive()
    }
}

/// The keys of a `.widget` file this crate reads; the others are ignored.
#[derive(Deserialize)]
struct Definition {
    version: Value,
    name: String,
    template: String,
    #[serde(rename = "jsonSchema", default)]
    json_schema: Option<Value>,
}

impl WidgetTemplate {
    /// Reads and compiles a `.widget` file. Errors name the file.
    ///
    /// # Errors
    ///
    /// [`TemplateError::Io`] when the file cannot be read, and every error of
    /// [`WidgetTemplate::from_json`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TemplateError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Io {
            path: origin.clone(),
            message: source.to_string(),
        })?;
        Self::parse(&text, &origin)
    }

    /// Compiles the text of a `.widget` file. Errors name the template by its `name`.
    ///
    /// # Errors
    ///
    /// [`TemplateError::Definition`] when the text is not a `.widget` definition (not JSON,
    /// `name` or `template` missing or not strings), [`TemplateError::Version`] when its
    /// `version` is not `"1.0"`, and [`TemplateError::Syntax`] when the template is not valid
    /// Jinja.
    pub fn from_json(text: &str) -> Result<Self, TemplateError> {
        Self::parse(text, "")
    }

    /// Compiles the text of a `.widget` file that came from `origin` (a file name, say), which
    /// errors name instead of the template's `name`.
    ///
    /// # Errors
    ///
    /// As [`WidgetTemplate::from_json`].
    pub fn parse(text: &str, origin: &str) -> Result<Self, TemplateError> {
        let describe = |name: Option<&str>| match (origin, name) {
            ("", Some(name)) => format!("`{name}`"),
            ("", None) => "(unnamed)".to_owned(),
            (origin, _) => format!("`{origin}`"),
        };
        let raw: Value = serde_json::from_str(text).map_err(|error| TemplateError::Definition {
            template: describe(None),
            message: format!("not JSON: {error}"),
        })?;
        let name = raw.get("name").and_then(Value::as_str);
        let template = describe(name);
        let definition =
            Definition::deserialize(&raw).map_err(|error| TemplateError::Definition {
                template: template.clone(),
                message: error.to_string(),
            })?;
        if definition.version != Value::String(WIDGET_FORMAT_VERSION.to_owned()) {
            return Err(TemplateError::Version {
                template,
                found: definition.version.to_string(),
            });
        }
        Self::compile(
            definition.name,
            template,
            definition.template,
            definition
                .json_schema
                .unwrap_or_else(|| Value::Object(serde_json::Map::new())),
        )
    }

    /// A template made of its parts: the widget's `name`, its Jinja `source` and the JSON Schema
    /// of its data (`{}` when there is none). Errors name the template by `name`.
    ///
    /// # Errors
    ///
    /// [`TemplateError::Syntax`] when `source` is not valid Jinja.
    pub fn new(
        name: impl Into<String>,
        source: impl Into<String>,
        data_schema: Value,
    ) -> Result<Self, TemplateError> {
        let name = name.into();
        let origin = format!("`{name}`");
        Self::compile(name, origin, source.into(), data_schema)
    }

    fn compile(
        name: String,
        origin: String,
        source: String,
        data_schema: Value,
    ) -> Result<Self, TemplateError> {
        let mut env = jinja::environment();
        env.add_template_owned(TEMPLATE, source.clone())
            .map_err(|error| TemplateError::from_jinja(&origin, &error, true))?;
        // Without it (a tag that uses the text as a value, nothing to gain), `build` renders
        // the template as written.
        let fast = compact::compact_source(&source).and_then(|compact| {
            let (mut env, source) = match compact::json_emits(&compact) {
                Some(json) => (jinja::json_environment(), json),
                None => (jinja::environment(), compact),
            };
            env.add_template_owned(TEMPLATE, source).ok().map(|()| env)
        });
        Ok(WidgetTemplate {
            name,
            origin,
            data_schema,
            source,
            env,
            fast,
        })
    }

    /// The widget's `name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The JSON Schema of the data (the file's `jsonSchema`; `{}` when it has none). It is not
    /// checked at run time, as in the SDK; a data struct deriving the template checks itself
    /// against it at compile time.
    pub fn data_schema(&self) -> &Value {
        &self.data_schema
    }

    /// The template's Jinja source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the template with `data` (a struct or a map; `()` or `None` for no data): the
    /// widget's JSON text, not parsed.
    ///
    /// # Errors
    ///
    /// [`TemplateError::Data`] when `data` is not a map, [`TemplateError::Render`] when the
    /// template fails on it (an undefined value, a filter given the wrong type…).
    pub fn render<T: Serialize + ?Sized>(&self, data: &T) -> Result<String, TemplateError> {
        self.render_in(&self.env, data)
    }

    /// Renders the template of `env` with `data`, as [`WidgetTemplate::render`].
    fn render_in<T: Serialize + ?Sized>(
        &self,
        env: &Environment<'static>,
        data: &T,
    ) -> Result<String, TemplateError> {
        let context = data::context(data);
        if !matches!(
            context.kind(),
            minijinja::value::ValueKind::Map
                | minijinja::value::ValueKind::None
                | minijinja::value::ValueKind::Undefined
        ) {
            return Err(TemplateError::Data {
                template: self.origin.clone(),
                message: format!(
                    "the data must be a struct or a map of names to values, found {}",
                    context.kind()
                ),
            });
        }
        let context = if context.is_none() || context.is_undefined() {
            minijinja::context! {}
        } else {
            context
        };
        let template = env
            .get_template(TEMPLATE)
            .map_err(|error| TemplateError::from_jinja(&self.origin, &error, false))?;
        template
            .render(context)
            .map_err(|error| TemplateError::from_jinja(&self.origin, &error, false))
    }

    /// Renders the template with `data` and parses the output: the widget's JSON.
    ///
    /// # Errors
    ///
    /// Those of [`WidgetTemplate::render`], and [`TemplateError::Output`] when the output is not
    /// JSON.
    pub fn build_value<T: Serialize + ?Sized>(&self, data: &T) -> Result<Value, TemplateError> {
        let rendered = self.render(data)?;
        serde_json::from_str(&rendered).map_err(|error| self.output_error(&rendered, &error))
    }

    /// Renders the template with `data` and parses the output as a widget, as the SDK's
    /// `WidgetTemplate.build`: a `Card`, `ListView` or `Basic` root; nodes of types this crate
    /// doesn't know, or whose fields its typed models reject, are kept as
    /// [`DynamicComponent`](super::DynamicComponent)s.
    ///
    /// It renders the template less the indentation of its text (the spaces after its line
    /// breaks, outside tags), which reads as the same JSON and spares the reader skipping it,
    /// unless the template uses its text as a value (a block `set`, a macro…). When that
    /// output does not read, the template as written gives the error.
    ///
    /// # Errors
    ///
    /// Those of [`WidgetTemplate::render`], [`TemplateError::Output`] when the output is not
    /// JSON, and [`TemplateError::Widget`] when it is JSON but not a widget root.
    pub fn build<T: Serialize + ?Sized>(&self, data: &T) -> Result<WidgetRoot, TemplateError> {
        if let Some(fast) = &self.fast {
            // The output without its indentation reads as the same widget, when it reads at
            // all; when not, the template as written is rendered and read, and gives the
            // error, with the line and column of its own output.
            let compact = self.render_in(fast, data);
            if let Some(root) = compact
                .ok()
                .and_then(|rendered| WidgetRoot::from_json_text(&rendered).ok())
            {
                return Ok(root);
            }
        }
        let rendered = self.render(data)?;
        // One pass over the text: a syntax error is the template's output, a data error is
        // JSON that is not a widget.
        WidgetRoot::from_json_text(&rendered).map_err(|error| match error.classify() {
            serde_json::error::Category::Data => TemplateError::Widget {
                template: self.origin.clone(),
                message: strip_position(&error),
            },
            _ => self.output_error(&rendered, &error),
        })
    }

    fn output_error(&self, rendered: &str, error: &serde_json::Error) -> TemplateError {
        let line = error.line();
        let text = rendered
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or_default();
        let excerpt: String = text.chars().take(120).collect();
        let ellipsis = if text.chars().count() > 120 {
            "…"
        } else {
            ""
        };
        let message = strip_position(error);
        TemplateError::Output {
            template: self.origin.clone(),
            line,
            column: error.column(),
            message,
            excerpt: format!("{}{ellipsis}", excerpt.trim()),
        }
    }
}

/// The error's message without the position `serde_json` appends (` at line L column C`).
fn strip_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

/// The data of a `.widget` template, typed: `#[derive(WidgetData)]` on a struct names the file,
/// checks the struct against the file's `jsonSchema` and the template's literal actions
/// against the app's action union at compile time, and embeds the template.
///
/// ```
/// use chatkit_actions::Action;
/// use chatkit_actions::widget::WidgetData;
///
/// #[derive(Action, Debug)]
/// enum GreetAction {
///     Wave,
/// }
///
/// /// `{"type": "Card", "children": [{"type": "Text", "value": {{ name | tojson }}},
/// ///  {"type": "Button", "label": "Wave", "onClickAction": {"type": "wave"}}]}`,
/// /// with a schema requiring a string `name`.
/// #[derive(serde::Serialize, WidgetData)]
/// #[widget(file = "../tests/templates/greeting.widget", actions = GreetAction)]
/// struct Greeting {
///     name: String,
/// }
///
/// let root = Greeting { name: "Ada".into() }.build()?;
/// assert_eq!(serde_json::to_value(&root)?["children"][0]["value"], "Ada");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait WidgetData: Serialize {
    /// The embedded template, compiled on first use.
    ///
    /// # Errors
    ///
    /// None in practice: the derive compiled it already, at compile time.
    fn template() -> Result<&'static WidgetTemplate, &'static TemplateError>;

    /// Renders the template with this data.
    ///
    /// # Errors
    ///
    /// Those of [`WidgetTemplate::build`].
    fn build(&self) -> Result<WidgetRoot, TemplateError> {
        Self::template().map_err(Clone::clone)?.build(self)
    }
}

/// Why a widget template could not be read or rendered. Every variant names the template (by
/// its file, or its `name`) and says what went wrong; those about the Jinja source give its
/// line.
///
/// ```
/// use chatkit_actions::widget::{TemplateError, WidgetTemplate};
///
/// let error = WidgetTemplate::from_json(r#"{"version": "2.0", "name": "Card", "template": "{}"}"#)
///     .unwrap_err();
/// assert!(matches!(error, TemplateError::Version { .. }));
/// assert_eq!(
///     error.to_string(),
///     "widget template `Card`: unsupported .widget version \"2.0\" (this crate reads version \"1.0\")"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The `.widget` file could not be read.
    #[error("widget template `{path}`: cannot read the file: {message}")]
    Io {
        /// The file's path.
        path: String,
        /// What the system said.
        message: String,
    },
    /// The text is not a `.widget` definition: not JSON, or `name` or `template` missing or
    /// not strings.
    #[error("widget template {template}: not a .widget definition: {message}")]
    Definition {
        /// The template: its file or its name, quoted.
        template: String,
        /// What is wrong.
        message: String,
    },
    /// The definition's `version` is not `"1.0"`.
    #[error(
        "widget template {template}: unsupported .widget version {found} (this crate reads version \"1.0\")"
    )]
    Version {
        /// The template: its file or its name, quoted.
        template: String,
        /// The version found, as JSON.
        found: String,
    },
    /// The Jinja source does not compile.
    #[error("widget template {template}, line {line}: {message}")]
    Syntax {
        /// The template: its file or its name, quoted.
        template: String,
        /// The line of the Jinja source (from 1; 0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The data is not a struct or a map.
    #[error("widget template {template}: {message}")]
    Data {
        /// The template: its file or its name, quoted.
        template: String,
        /// What is wrong.
        message: String,
    },
    /// Rendering failed: a value the template reads is undefined, a filter got a value it
    /// cannot take…
    #[error("widget template {template}, line {line}: {message}")]
    Render {
        /// The template: its file or its name, quoted.
        template: String,
        /// The line of the Jinja source (from 1; 0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The template rendered text that is not JSON.
    #[error(
        "widget template {template} rendered invalid JSON: {message}, at line {line}, column {column} of its output: {excerpt}"
    )]
    Output {
        /// The template: its file or its name, quoted.
        template: String,
        /// The line of the rendered output (from 1).
        line: usize,
        /// The column in that line (from 1).
        column: usize,
        /// What the JSON parser said.
        message: String,
        /// The output's line (its first 120 characters).
        excerpt: String,
    },
    /// The template rendered JSON that is not a widget root (`Card`, `ListView` or `Basic`).
    #[error("widget template {template} rendered JSON that is not a widget: {message}")]
    Widget {
        /// The template: its file or its name, quoted.
        template: String,
        /// What is wrong.
        message: String,
    },
}

impl TemplateError {
    fn from_jinja(template: &str, error: &minijinja::Error, compiling: bool) -> Self {
        let kind: Cow<'static, str> = match error.kind() {
            ErrorKind::UndefinedError => "undefined value".into(),
            kind => kind.to_string().into(),
        };
        let message = match error.detail() {
            Some(detail) => format!("{kind}: {detail}"),
            None => kind.into_owned(),
        };
        let line = error.line().unwrap_or(0);
        let template = template.to_owned();
        if compiling || error.kind() == ErrorKind::SyntaxError {
            TemplateError::Syntax {
                template,
                line,
                message,
            }
        } else {
            TemplateError::Render {
                template,
                line,
                message,
            }
        }
    }

    /// The line of the Jinja source the error is about, when it is about one.
    pub fn line(&self) -> Option<usize> {
        match self {
            TemplateError::Syntax { line, .. } | TemplateError::Render { line, .. }
                if *line > 0 =>
            {
                Some(*line)
            }
            _ => None,
        }
    }
}
