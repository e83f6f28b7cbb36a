//! The [`Action`] trait that `#[derive(Action)]` implements, the untyped [`RawAction`] a
//! client sends, and the errors of turning one into the other.

use std::fmt;

use serde::de::Deserializer;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// Where an action is handled.
///
/// On the wire: `"server"` (the default) or `"client"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Handler {
    /// The client sends the action to the backend (`threads.custom_action`, or
    /// `threads.sync_custom_action` when `streaming` is false).
    #[default]
    Server,
    /// The action goes to the page's `widgets.onAction` callback; nothing reaches the server
    /// unless that callback forwards it.
    Client,
}

impl Handler {
    /// The wire name: `"server"` or `"client"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Handler::Server => "server",
            Handler::Client => "client",
        }
    }
}

/// Which part of the widget shows a loading state while the action runs.
///
/// On the wire: `"auto"` (the default), `"none"`, `"self"` or `"container"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadingBehavior {
    /// Chosen by the binding: a Button's click shows it on the button, a Select's change
    /// shows none, a Card's confirm shows it on the whole card.
    #[default]
    Auto,
    /// No loading state.
    None,
    /// The loading state is shown on the node that triggered the action (`"self"` on the wire).
    #[serde(rename = "self")]
    SelfNode,
    /// The whole widget fades and becomes inert.
    Container,
}

impl LoadingBehavior {
    /// The wire name: `"auto"`, `"none"`, `"self"` or `"container"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            LoadingBehavior::Auto => "auto",
            LoadingBehavior::None => "none",
            LoadingBehavior::SelfNode => "self",
            LoadingBehavior::Container => "container",
        }
    }
}

/// One action type of an action union: its type string and the defaults its
/// [`ActionConfig`](crate::ActionConfig) gets from
/// [`ActionConfig::create`](crate::ActionConfig::create).
///
/// `#[derive(Action)]` emits one per variant in [`Action::SPECS`], in declaration order, for
/// routing, documentation and code generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionSpec {
    /// The type string on the wire, such as `"update_todo"`.
    pub action_type: &'static str,
    /// The Rust name of the variant (or of the struct, for a single typed action).
    pub variant: &'static str,
    /// Where the action is handled by default.
    pub handler: Handler,
    /// Its default loading behavior.
    pub loading_behavior: LoadingBehavior,
    /// `false` when the action is answered synchronously (`threads.sync_custom_action`).
    pub streaming: bool,
    /// `true` when the client may build this action itself (`#[action(client_payload)]`), so
    /// the server does not require it to match an action a widget offered.
    pub client_payload: bool,
    /// The payload keys filled in by form inputs (`#[action(form)]` fields): the server
    /// never writes them into a widget's payload, and accepts them in a widget-issued action
    /// even where the widget's payload had none.
    pub form_fields: &'static [&'static str],
    /// The payload keys whose values are secret (`#[action(sensitive)]` fields): a parse
    /// error inside one of them says "invalid value (redacted)" instead of quoting the value,
    /// in the error event and in the log.
    pub sensitive: &'static [&'static str],
}

impl ActionSpec {
    /// A spec with the given type string and variant name and the default options: handled
    /// on the server, `loadingBehavior: "auto"`, streaming, widget-issued only, no form and
    /// no sensitive fields.
    #[must_use]
    pub const fn new(action_type: &'static str, variant: &'static str) -> Self {
        ActionSpec {
            action_type,
            variant,
            handler: Handler::Server,
            loading_behavior: LoadingBehavior::Auto,
            streaming: true,
            client_payload: false,
            form_fields: &[],
            sensitive: &[],
        }
    }
}

/// A set of typed actions: the discriminated union an application declares with
/// `#[derive(Action)]`.
///
/// The derive implements this trait; there is rarely a reason to implement it by hand. On an
/// enum, every variant is one action type, and the enum also gets `Serialize` and
/// `Deserialize` for the wire form `{"type": …, "payload": …}`. On a struct with
/// `#[action(type = "…")]`, the struct is the payload of its single action type (see
/// [`SingleAction`]).
///
/// ```
/// use chatkit_actions::{Action, RawAction};
///
/// #[derive(Action, Debug, PartialEq)]
/// enum AppAction {
///     Example { id: i64 },
///     Other,
/// }
///
/// let raw: RawAction = serde_json::from_str(r#"{"type":"example","payload":{"id":123}}"#)?;
/// assert_eq!(AppAction::from_raw(raw)?, AppAction::Example { id: 123 });
/// assert_eq!(AppAction::TYPES, ["example", "other"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Action: Sized {
    /// Every action type of the union, in declaration order.
    const SPECS: &'static [ActionSpec];
    /// The type strings of [`Action::SPECS`], in the same order.
    const TYPES: &'static [&'static str];

    /// The spec of this value's action type.
    fn spec(&self) -> &'static ActionSpec;

    /// This value's type string.
    fn action_type(&self) -> &'static str {
        self.spec().action_type
    }

    /// Deserializes the payload of the action whose type string is `action_type`.
    ///
    /// Returns `Ok(None)` when `action_type` is none of [`Action::TYPES`]. An absent payload
    /// is passed as `null`.
    ///
    /// # Errors
    ///
    /// Fails with the deserializer's error when the payload does not fit the action's type.
    fn deserialize_payload<'de, D: Deserializer<'de>>(
        action_type: &str,
        payload: D,
    ) -> Result<Option<Self>, D::Error>;

    /// Whether this value has a payload to send (unit variants have none).
    fn has_payload(&self) -> bool;

    /// Serializes this value's payload (`null` for an action without one).
    ///
    /// # Errors
    ///
    /// Fails with the serializer's error.
    fn serialize_payload<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// The spec of the action type `action_type`, if the union has it.
    #[must_use]
    fn spec_for(action_type: &str) -> Option<&'static ActionSpec> {
        Self::SPECS
            .iter()
            .find(|spec| spec.action_type == action_type)
    }

    /// The payload as a JSON value, `None` for an action without one.
    ///
    /// # Errors
    ///
    /// Fails when the payload's `Serialize` implementation fails.
    fn to_payload_value(&self) -> Result<Option<serde_json::Value>, serde_json::Error> {
        if self.has_payload() {
            self.serialize_payload(serde_json::value::Serializer)
                .map(Some)
        } else {
            Ok(None)
        }
    }

    /// Consumes the action and returns its payload as a JSON value.
    ///
    /// # Errors
    ///
    /// Fails when the payload's `Serialize` implementation fails.
    fn into_payload(self) -> Result<Option<serde_json::Value>, serde_json::Error> {
        self.to_payload_value()
    }

    /// The untyped form of this action.
    ///
    /// # Errors
    ///
    /// Fails when the payload's `Serialize` implementation fails.
    fn to_raw(&self) -> Result<RawAction, serde_json::Error> {
        Ok(RawAction {
            action_type: self.action_type().to_owned(),
            payload: self.to_payload_value()?,
        })
    }

    /// Parses an untyped action into this union.
    ///
    /// # Errors
    ///
    /// [`ActionParseError::UnknownType`] when the type string is none of the union's (the
    /// error lists them), [`ActionParseError::InvalidPayload`] with the JSON path of the
    /// offending field when the payload does not fit.
    fn from_raw(raw: RawAction) -> Result<Self, ActionParseError> {
        Self::from_parts(&raw.action_type, raw.payload)
    }

    /// Parses an action from its type string and its payload as a JSON value.
    ///
    /// # Errors
    ///
    /// As [`Action::from_raw`].
    fn from_parts(
        action_type: &str,
        payload: Option<serde_json::Value>,
    ) -> Result<Self, ActionParseError> {
        let result = match payload {
            None => absent_payload(action_type),
            Some(value) => {
                let mut track = serde_path_to_error::Track::new();
                let deserializer = serde_path_to_error::Deserializer::new(value, &mut track);
                Self::deserialize_payload(action_type, deserializer)
                    .map_err(|error| (error, track.path().to_string()))
            }
        };
        finish::<Self>(action_type, result)
    }

    /// Parses an action from its type string and the JSON text of its payload, without
    /// building an intermediate `serde_json::Value`. The server uses this path.
    ///
    /// # Errors
    ///
    /// As [`Action::from_raw`].
    fn from_json_parts(
        action_type: &str,
        payload: Option<&RawValue>,
    ) -> Result<Self, ActionParseError> {
        let result = match payload {
            None => absent_payload(action_type),
            Some(raw) => {
                let mut track = serde_path_to_error::Track::new();
                let mut json = serde_json::Deserializer::from_str(raw.get());
                let deserializer = serde_path_to_error::Deserializer::new(&mut json, &mut track);
                match Self::deserialize_payload(action_type, deserializer) {
                    Ok(parsed) => json.end().map(|()| parsed).map_err(|e| (e, String::new())),
                    Err(error) => Err((error, track.path().to_string())),
                }
            }
        };
        finish::<Self>(action_type, result)
    }
}

/// Parses the action `action_type` without a payload, as with a `null` one.
fn absent_payload<A: Action>(action_type: &str) -> Result<Option<A>, (serde_json::Error, String)> {
    A::deserialize_payload(action_type, serde_json::Value::Null)
        .map_err(|error| (error, String::new()))
}

fn finish<A: Action>(
    action_type: &str,
    result: Result<Option<A>, (serde_json::Error, String)>,
) -> Result<A, ActionParseError> {
    match result {
        Ok(Some(action)) => Ok(action),
        Ok(None) => Err(ActionParseError::UnknownType {
            found: action_type.to_owned(),
            expected: A::TYPES,
        }),
        Err((error, path)) => {
            // `serde_path_to_error` writes `.` for the root.
            let path = if path.is_empty() || path == "." {
                "payload".to_owned()
            } else {
                format!("payload.{path}")
            };
            let spec = A::spec_for(action_type);
            let message = if spec.is_some_and(|spec| inside_sensitive(spec, &path)) {
                REDACTED.to_owned()
            } else {
                strip_position(&error)
            };
            Err(ActionParseError::InvalidPayload {
                action_type: spec.map_or("?", |spec| spec.action_type),
                path,
                message,
            })
        }
    }
}

/// What a parse error inside a sensitive field says instead of serde's message, which may
/// quote the value (`invalid type: string "hunter2", expected u64`).
const REDACTED: &str = "invalid value (redacted)";

/// Whether `path` (`payload.password`, `payload.card.number`) is a sensitive field of `spec`
/// or inside one.
fn inside_sensitive(spec: &ActionSpec, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("payload.") else {
        return false;
    };
    spec.sensitive.iter().any(|name| {
        rest.strip_prefix(name)
            .is_some_and(|tail| tail.is_empty() || tail.starts_with(['.', '[']))
    })
}

/// `serde_json` appends " at line 1 column 12" to syntax and data errors; the path already
/// says where, and the column of a re-parsed payload would only mislead.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) if error.line() > 0 => text[..at].to_owned(),
        _ => text,
    }
}

/// A single typed action: a payload struct that carries its own type string.
///
/// `#[derive(Action)]` with `#[action(type = "…")]` on a struct implements it, the Rust form
/// of the Python SDK's `Action[Literal["example"], ExamplePayload]`. An enum variant that
/// wraps such a struct and says `#[action(typed)]` takes its type string and defaults from it.
///
/// The derive also gives the struct its `Serialize` and `Deserialize` (the payload object;
/// serde attributes on the fields apply), so it needs no serde derive of its own.
///
/// ```
/// use chatkit_actions::{Action, ActionConfig, RawAction, SingleAction};
///
/// #[derive(Action, Debug, PartialEq)]
/// #[action(type = "example")]
/// struct ExamplePayload {
///     id: i64,
/// }
///
/// assert_eq!(ExamplePayload::SPEC.action_type, "example");
/// let config = ActionConfig::create(ExamplePayload { id: 123 });
/// assert_eq!(config.payload, Some(serde_json::json!({ "id": 123 })));
/// let raw: RawAction = serde_json::from_str(r#"{"type":"example","payload":{"id":123}}"#)?;
/// assert_eq!(ExamplePayload::from_raw(raw)?, ExamplePayload { id: 123 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SingleAction: Action {
    /// The action type's spec.
    const SPEC: ActionSpec;
}

/// An action as the client sends it: `{"type": …, "payload": …}` with an untyped payload.
///
/// This is `params.action` of `threads.custom_action` and `threads.sync_custom_action`.
/// Unknown keys (`handler`, `loadingBehavior`, … when a client echoes the whole config) are
/// ignored, as the SDK ignores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawAction {
    /// The type string.
    #[serde(rename = "type")]
    pub action_type: String,
    /// The payload, absent when null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

impl RawAction {
    /// Parses this action into the typed union `A`.
    ///
    /// # Errors
    ///
    /// As [`Action::from_raw`].
    pub fn parse<A: Action>(self) -> Result<A, ActionParseError> {
        A::from_raw(self)
    }
}

/// Why an untyped action is not one of the union's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionParseError {
    /// The type string is none of the union's.
    #[error("unknown action type `{found}`, expected {}", OneOf(expected))]
    UnknownType {
        /// The type string that was sent.
        found: String,
        /// The type strings the union knows.
        expected: &'static [&'static str],
    },
    /// The payload does not fit the action's type.
    #[error("invalid payload for action `{action_type}` at `{path}`: {message}")]
    InvalidPayload {
        /// The action's type string.
        action_type: &'static str,
        /// The JSON path of the offending value, such as `payload.items[2].title`.
        path: String,
        /// What is wrong with it, with the expected type.
        message: String,
    },
}

struct OneOf(&'static [&'static str]);

impl fmt::Display for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("no action type (the union is empty)"),
            [only] => write!(f, "`{only}`"),
            types => {
                f.write_str("one of ")?;
                for (i, ty) in types.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{ty}`")?;
                }
                Ok(())
            }
        }
    }
}
