//! Typed tools: an enum whose variants are the model's tools ([`Tools`]), and the handler that
//! runs the server tools with an exhaustive `match` ([`ToolHandler`]).

use std::future::Future;

use serde_json::{Map, Value, json};

use crate::handler::{ActionContext, HandlerError};

/// One tool as the Responses API declares it: `{"type": "function", "name", "description",
/// "parameters", "strict"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDefinition {
    /// The tool name the model calls (the variant's name in `snake_case`).
    pub name: &'static str,
    /// What the tool does, for the model (the variant's doc comment).
    pub description: &'static str,
    /// The JSON Schema of the arguments: an object schema valid for strict mode (see
    /// [`check_strict_schema`]).
    pub parameters: Value,
    /// Whether the model must follow the schema exactly (`strict: true`).
    pub strict: bool,
    /// Whether the browser runs the tool (a `client_tool_call` item pauses the run).
    pub client: bool,
}

impl ToolDefinition {
    /// A server tool in strict mode.
    pub fn new(name: &'static str, description: &'static str, parameters: Value) -> Self {
        ToolDefinition {
            name,
            description,
            parameters,
            strict: true,
            client: false,
        }
    }

    /// Marks the tool as run by the client.
    #[must_use]
    pub fn client(mut self) -> Self {
        self.client = true;
        self
    }

    /// Sets strict mode.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The tool as the request's `tools` array holds it.
    #[must_use]
    pub fn to_request(&self) -> Value {
        json!({
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
            "strict": self.strict,
        })
    }
}

/// Why a call from the model could not become a tool: sent back to the model as the call's
/// output, so it can correct itself. Never a panic, never an error event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolCallError {
    /// The model called a tool that is not declared.
    #[error("unknown tool `{name}`; the tools are: {}", expected.join(", "))]
    UnknownTool {
        /// The name the model used.
        name: String,
        /// The declared names.
        expected: Vec<&'static str>,
    },
    /// The arguments are not valid JSON, or do not match the tool's parameters.
    #[error("invalid arguments for `{tool}`: {message}")]
    InvalidArguments {
        /// The tool.
        tool: &'static str,
        /// Where and why, such as `title: invalid type: integer, expected a string`.
        message: String,
    },
}

impl ToolCallError {
    /// The function call output sent to the model: `{"error": "<message>"}`.
    #[must_use]
    pub fn to_output(&self) -> ToolOutput {
        ToolOutput::error(self.to_string())
    }
}

/// Parses a tool's arguments (a JSON string from the model, which must be an object; empty
/// means `{}`) into `T`, with the path of the first bad field in the error. The helper hand-written and derived [`Tools::parse`] use.
///
/// # Errors
///
/// [`ToolCallError::InvalidArguments`] with serde's message at its path.
pub fn parse_arguments<T: serde::de::DeserializeOwned>(
    tool: &'static str,
    arguments: &str,
) -> Result<T, ToolCallError> {
    // An empty string is what some servers send for a tool without parameters.
    let arguments = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    // A function's arguments are an object; serde's derived structs would also take an array
    // of their fields in order, which no model means.
    if !arguments.trim_start().starts_with('{') {
        return Err(ToolCallError::InvalidArguments {
            tool,
            message: "the arguments must be a JSON object".to_owned(),
        });
    }
    let deserializer = &mut serde_json::Deserializer::from_str(arguments);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        };
        ToolCallError::InvalidArguments { tool, message }
    })
}

/// The tools a model may call, as one enum: one variant per tool.
///
/// `#[derive(Tools)]` (planned) generates this; by hand it is four short functions. The names
/// are the variants' in `snake_case`, the descriptions their doc comments, the parameters a
/// strict JSON Schema of their fields.
///
/// ```
/// use chatkit_actions::model::{ToolCallError, ToolDefinition, Tools, parse_arguments};
/// use serde_json::{Map, Value, json};
///
/// #[derive(Debug, serde::Deserialize)]
/// struct AddTodo { title: String }
///
/// #[derive(Debug)]
/// enum TodoTools {
///     /// Adds a todo.
///     AddTodo(AddTodo),
/// }
///
/// impl Tools for TodoTools {
///     fn definitions() -> Vec<ToolDefinition> {
///         vec![ToolDefinition::new("add_todo", "Adds a todo.", json!({
///             "type": "object",
///             "properties": {"title": {"type": "string"}},
///             "required": ["title"],
///             "additionalProperties": false,
///         }))]
///     }
///     fn parse(name: &str, arguments: &str) -> Result<Self, ToolCallError> {
///         match name {
///             "add_todo" => parse_arguments("add_todo", arguments).map(TodoTools::AddTodo),
///             _ => Err(ToolCallError::UnknownTool { name: name.into(), expected: vec!["add_todo"] }),
///         }
///     }
///     fn name(&self) -> &'static str { "add_todo" }
///     fn is_client(&self) -> bool { false }
/// }
///
/// assert!(TodoTools::parse("add_todo", r#"{"title": 3}"#).is_err());
/// ```
pub trait Tools: Sized + Send + 'static {
    /// Every tool, in declaration order (the request's `tools`).
    fn definitions() -> Vec<ToolDefinition>;

    /// Parses a call from the model: the tool's `name` and its `arguments` (a JSON string,
    /// untrusted).
    ///
    /// # Errors
    ///
    /// An unknown name or bad arguments, as a [`ToolCallError`] the model gets back.
    fn parse(name: &str, arguments: &str) -> Result<Self, ToolCallError>;

    /// The tool's name.
    fn name(&self) -> &'static str;

    /// Whether the client runs this tool: the run stops with a `client_tool_call` item.
    fn is_client(&self) -> bool;
}

/// A model without tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoTools {}

impl Tools for NoTools {
    fn definitions() -> Vec<ToolDefinition> {
        Vec::new()
    }

    fn parse(name: &str, _: &str) -> Result<Self, ToolCallError> {
        Err(ToolCallError::UnknownTool {
            name: name.to_owned(),
            expected: Vec::new(),
        })
    }

    fn name(&self) -> &'static str {
        match *self {}
    }

    fn is_client(&self) -> bool {
        match *self {}
    }
}

/// What a tool gives back to the model: the `output` of its `function_call_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput(String);

impl ToolOutput {
    /// Text as it is.
    pub fn text(text: impl Into<String>) -> Self {
        ToolOutput(text.into())
    }

    /// A JSON value, serialized.
    pub fn json(value: &impl serde::Serialize) -> Self {
        // A `Serialize` type that fails (a map with non-string keys) says so to the model.
        ToolOutput(serde_json::to_string(value).unwrap_or_else(|error| {
            json!({"error": format!("the tool's output could not be serialized: {error}")})
                .to_string()
        }))
    }

    /// An error the model can act on: `{"error": "<message>"}`.
    pub fn error(message: impl Into<String>) -> Self {
        ToolOutput(json!({"error": message.into()}).to_string())
    }

    /// The output string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The output string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Runs the server tools of a [`Tools`] enum: one `match` over its variants, so a tool
/// without its arm does not compile. A handler has the same context as an action handler:
/// it can add widgets and hidden context, read the store and the request.
///
/// Client tools never reach [`call`](ToolHandler::call): the run turns them into
/// `client_tool_call` items first.
///
/// Return [`ToolOutput::error`] for a failure the model should hear about (no such todo);
/// an `Err` ends the run with an error event, as an action handler's does.
pub trait ToolHandler<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// The tool enum.
    type Tools: Tools;

    /// Runs one server tool.
    fn call(
        &self,
        tool: Self::Tools,
        cx: &mut ActionContext<C>,
    ) -> impl Future<Output = Result<ToolOutput, HandlerError>> + Send;
}

/// The handler of [`NoTools`].
impl<C: Send + Sync + 'static> ToolHandler<C> for () {
    type Tools = NoTools;

    async fn call(
        &self,
        tool: NoTools,
        _: &mut ActionContext<C>,
    ) -> Result<ToolOutput, HandlerError> {
        match tool {}
    }
}

/// Makes a generated JSON Schema one strict mode accepts, and checks it: every object schema
/// gets `"additionalProperties": false`, its `properties` (`{}` when it has none) and all of
/// them in `required` (an `Option` field stays nullable: its type allows `null`). The
/// generator's `$schema` and `title` are dropped, as the Responses API has no use for them.
/// What `#[derive(Tools)]` runs on the schema schemars generates from a tool's fields.
///
/// ```
/// use chatkit_actions::model::{check_strict_schema, strict_schema};
/// use serde_json::json;
///
/// let schema = strict_schema(json!({
///     "$schema": "https://json-schema.org/draft/2020-12/schema",
///     "title": "Args",
///     "type": "object",
///     "properties": {"note": {"type": ["string", "null"]}},
/// }));
/// assert_eq!(schema, json!({
///     "type": "object",
///     "properties": {"note": {"type": ["string", "null"]}},
///     "required": ["note"],
///     "additionalProperties": false,
/// }));
/// assert_eq!(check_strict_schema(&schema), Ok(()));
/// ```
#[must_use]
pub fn strict_schema(mut schema: Value) -> Value {
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
    }
    make_strict(&mut schema);
    schema
}

fn make_strict(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let is_object = object.get("type").is_some_and(|kind| {
        kind == "object"
            || kind
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "object"))
    });
    // schemars' integer formats (`uint32`, `int64`, …) are no strict-mode keyword: the
    // bounds of the narrow ones become `minimum`/`maximum` (schemars writes the unsigned
    // types' `minimum: 0` itself).
    let is_number = object.get("type").is_some_and(|kind| {
        kind == "integer"
            || kind == "number"
            || kind
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "integer" || k == "number"))
    });
    if is_number && let Some(format) = object.remove("format") {
        let bounds: Option<(i64, i64)> = match format.as_str() {
            Some("int8") => Some((i8::MIN.into(), i8::MAX.into())),
            Some("int16") => Some((i16::MIN.into(), i16::MAX.into())),
            Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
            Some("uint8") => Some((0, u8::MAX.into())),
            Some("uint16") => Some((0, u16::MAX.into())),
            Some("uint32") => Some((0, u32::MAX.into())),
            _ => None,
        };
        if let Some((min, max)) = bounds {
            object.entry("minimum").or_insert_with(|| min.into());
            object.entry("maximum").or_insert_with(|| max.into());
        }
    }
    if is_object {
        let properties = object
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        let names: Vec<Value> = properties
            .as_object()
            .map(|p| p.keys().cloned().map(Value::String).collect())
            .unwrap_or_default();
        if let Some(properties) = properties.as_object_mut() {
            properties.values_mut().for_each(make_strict);
        }
        object.insert("required".to_owned(), Value::Array(names));
        object.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    if let Some(items) = object.get_mut("items") {
        make_strict(items);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = object.get_mut(key).and_then(Value::as_array_mut) {
            branches.iter_mut().for_each(make_strict);
        }
    }
    for key in ["$defs", "definitions"] {
        if let Some(definitions) = object.get_mut(key).and_then(Value::as_object_mut) {
            definitions.values_mut().for_each(make_strict);
        }
    }
}

/// Checks the rules strict mode sets for a tool's `parameters`: every object schema has
/// `"additionalProperties": false` and lists all its properties in `required` (an optional
/// field is a required one whose type allows `null`). Recurses into `properties`, `items`,
/// `anyOf`, `$defs` and `definitions`.
///
/// # Errors
///
/// The JSON pointer of the first object schema that breaks a rule, and which.
pub fn check_strict_schema(schema: &Value) -> Result<(), String> {
    check_strict_at(schema, "")
}

fn check_strict_at(schema: &Value, at: &str) -> Result<(), String> {
    let Some(object) = schema.as_object() else {
        return Ok(());
    };
    let is_object = object.get("type").is_some_and(|kind| {
        kind == "object"
            || kind
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "object"))
    });
    if is_object {
        if object.get("additionalProperties") != Some(&Value::Bool(false)) {
            return Err(format!(
                "{at}: an object needs \"additionalProperties\": false"
            ));
        }
        let empty = Map::new();
        let properties = object
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(missing) = properties
            .keys()
            .find(|name| !required.contains(&name.as_str()))
        {
            return Err(format!("{at}: property `{missing}` is not in \"required\""));
        }
        for (name, property) in properties {
            check_strict_at(property, &format!("{at}/properties/{name}"))?;
        }
    }
    if let Some(items) = object.get("items") {
        check_strict_at(items, &format!("{at}/items"))?;
    }
    if let Some(any_of) = object.get("anyOf").and_then(Value::as_array) {
        for (index, branch) in any_of.iter().enumerate() {
            check_strict_at(branch, &format!("{at}/anyOf/{index}"))?;
        }
    }
    for key in ["$defs", "definitions"] {
        if let Some(definitions) = object.get(key).and_then(Value::as_object) {
            for (name, definition) in definitions {
                check_strict_at(definition, &format!("{at}/{key}/{name}"))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ToolCallError, check_strict_schema, parse_arguments};

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Args {
        title: String,
    }

    #[test]
    fn bad_arguments_say_where() {
        assert_eq!(
            parse_arguments::<Args>("add", r#"{"title": "x"}"#),
            Ok(Args { title: "x".into() })
        );
        let error = parse_arguments::<Args>("add", r#"{"title": 3}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid arguments for `add`: title: invalid type: integer `3`, expected a string at line 1 column 11"
        );
        let error = parse_arguments::<Args>("add", "{not json").unwrap_err();
        assert!(
            matches!(error, ToolCallError::InvalidArguments { .. }),
            "{error}"
        );
        assert_eq!(
            parse_arguments::<Args>("add", r#"["x"]"#)
                .unwrap_err()
                .to_string(),
            "invalid arguments for `add`: the arguments must be a JSON object"
        );
        assert_eq!(
            error.to_output().as_str(),
            json!({"error": error.to_string()}).to_string()
        );
    }

    #[test]
    fn strict_schema_rules() {
        let good = json!({
            "type": "object",
            "properties": {"tags": {"type": "array", "items": {
                "type": "object", "properties": {"x": {"type": ["string", "null"]}},
                "required": ["x"], "additionalProperties": false,
            }}},
            "required": ["tags"],
            "additionalProperties": false,
        });
        assert_eq!(check_strict_schema(&good), Ok(()));
        let mut open = good.clone();
        open["properties"]["tags"]["items"]
            .as_object_mut()
            .unwrap()
            .remove("additionalProperties");
        assert_eq!(
            check_strict_schema(&open),
            Err("/properties/tags/items: an object needs \"additionalProperties\": false".into())
        );
        let mut optional = good;
        optional["required"] = json!([]);
        assert_eq!(
            check_strict_schema(&optional),
            Err(": property `tags` is not in \"required\"".into())
        );
    }
}
