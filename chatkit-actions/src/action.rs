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

    /// Parses an untyped action it borrows into this union, reading the payload in place
    /// (nothing is cloned). The server uses this path: the raw action stays available for the
    /// checks that compare it with what the widget offered.
    ///
    /// # Errors
    ///
    /// As [`Action::from_raw`].
    fn from_raw_ref(raw: &RawAction) -> Result<Self, ActionParseError> {
        let result = match &raw.payload {
            None => absent_payload(&raw.action_type),
            // Parsed without tracking the path first: only a payload that fails is read
            // again, tracked, for the path of its error.
            Some(value) => Self::deserialize_payload(&raw.action_type, value).or_else(|_| {
                let mut track = serde_path_to_error::Track::new();
                let deserializer = serde_path_to_error::Deserializer::new(value, &mut track);
                Self::deserialize_payload(&raw.action_type, deserializer)
                    .map_err(|error| (error, track.path().to_string()))
            }),
        };
        finish::<Self>(&raw.action_type, result)
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
    /// building an intermediate `serde_json::Value`: the path for a payload borrowed from
    /// the request body as a [`RawValue`].
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
            // Parsed without tracking the path first: only a payload that fails is read again,
            // tracked, for the path of its error.
            // An unknown type (`Ok(None)`) reads none of the payload: its end is not checked.
            Some(raw) => {
                let mut json = serde_json::Deserializer::from_str(raw.get());
                match Self::deserialize_payload(action_type, &mut json) {
                    Ok(None) => Ok(None),
                    Ok(Some(parsed)) => json
                        .end()
                        .map(|()| Some(parsed))
                        .map_err(|e| (e, String::new())),
                    Err(_) => {
                        let mut track = serde_path_to_error::Track::new();
                        let mut json = serde_json::Deserializer::from_str(raw.get());
                        let deserializer =
                            serde_path_to_error::Deserializer::new(&mut json, &mut track);
                        match Self::deserialize_payload(action_type, deserializer) {
                            Ok(parsed) => {
                                json.end().map(|()| parsed).map_err(|e| (e, String::new()))
                            }
                            Err(error) => Err((error, track.path().to_string())),
                        }
                    }
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
pub(crate) fn strip_position(error: &serde_json::Error) -> String {
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

/// A JSON value read before the code that parses it knows its type: an action's payload sent
/// before its `type`, a request's `params` sent before its `type`.
///
/// From `serde_json`'s own deserializer it is the value's JSON text (borrowed from the input
/// when the input is a string or bytes), captured as `serde_json` captures a
/// [`RawValue`]: the text is only scanned, nothing is allocated for its keys and values, and
/// the value is parsed once, straight into its type, when the type is known. From any other
/// deserializer it falls back to a `serde_json::Value`.
pub(crate) enum Buffered<'de> {
    /// JSON text borrowed from the input.
    Borrowed(&'de str),
    /// JSON text the deserializer could not lend (a reader, a `serde_json::Value`).
    Owned(String),
    /// A value from a deserializer that is not `serde_json`'s.
    Value(serde_json::Value),
}

impl Buffered<'_> {
    /// Parses the buffered value with `seed`, checking that nothing follows it.
    ///
    /// # Errors
    ///
    /// `seed`'s errors; their position, if any, is within the buffered text.
    pub(crate) fn parse_with<T, S>(self, seed: S) -> Result<T, serde_json::Error>
    where
        S: for<'a> serde::de::DeserializeSeed<'a, Value = T>,
    {
        fn from_text<T, S: for<'a> serde::de::DeserializeSeed<'a, Value = T>>(
            text: &str,
            seed: S,
        ) -> Result<T, serde_json::Error> {
            let mut json = serde_json::Deserializer::from_str(text);
            let value = seed.deserialize(&mut json)?;
            json.end()?;
            Ok(value)
        }
        match self {
            Buffered::Borrowed(text) => from_text(text, seed),
            Buffered::Owned(text) => from_text(&text, seed),
            Buffered::Value(value) => seed.deserialize(value),
        }
    }
}

impl<'de> Deserialize<'de> for Buffered<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match raw_value_token() {
            Some(token) => deserializer.deserialize_newtype_struct(token, BufferVisitor { token }),
            None => serde_json::Value::deserialize(deserializer).map(Buffered::Value),
        }
    }
}

/// The newtype name through which `serde_json` hands out a value's raw text (what
/// [`RawValue`]'s `Deserialize` asks for), learnt from `RawValue` itself rather than spelled
/// here: `None` if it ever stops asking that way, and every value is then buffered as a
/// `serde_json::Value`.
fn raw_value_token() -> Option<&'static str> {
    static TOKEN: std::sync::OnceLock<Option<&'static str>> = std::sync::OnceLock::new();
    *TOKEN.get_or_init(
        || match <&RawValue as Deserialize>::deserialize(probe::TokenProbe) {
            Err(probe::Probe(token)) => token,
            Ok(_) => None,
        },
    )
}

mod probe {
    use std::fmt;

    use serde::de::{self, Visitor};

    /// A deserializer that only records the name `deserialize_newtype_struct` is called with.
    pub(super) struct TokenProbe;

    /// What [`TokenProbe`] learnt: always an error, carrying the name if one was asked for.
    #[derive(Debug)]
    pub(super) struct Probe(pub(super) Option<&'static str>);

    impl fmt::Display for Probe {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("probe")
        }
    }

    impl std::error::Error for Probe {}

    impl de::Error for Probe {
        fn custom<T: fmt::Display>(_: T) -> Self {
            Probe(None)
        }
    }

    impl<'de> de::Deserializer<'de> for TokenProbe {
        type Error = Probe;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probe> {
            Err(Probe(None))
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            _: V,
        ) -> Result<V::Value, Probe> {
            Err(Probe(Some(name)))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct seq tuple tuple_struct map struct enum
            identifier ignored_any
        }
    }
}

/// Reads a [`Buffered`]: `serde_json` answers the raw-value newtype with a one-entry map
/// (`token` → the text); any other deserializer gives the value itself.
struct BufferVisitor {
    token: &'static str,
}

/// The first key of a map given to [`BufferVisitor`]: the raw-value token, or a real key.
enum FirstKey {
    Token,
    Key(String),
}

struct FirstKeySeed(&'static str);

impl<'de> serde::de::DeserializeSeed<'de> for FirstKeySeed {
    type Value = FirstKey;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<FirstKey, D::Error> {
        struct KeyVisitor(&'static str);
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = FirstKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<FirstKey, E> {
                Ok(if key == self.0 {
                    FirstKey::Token
                } else {
                    FirstKey::Key(key.to_owned())
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor(self.0))
    }
}

/// The raw text `serde_json` hands over: borrowed when it can be.
struct RawText<'de>(Buffered<'de>);

impl<'de> Deserialize<'de> for RawText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> serde::de::Visitor<'de> for TextVisitor {
            type Value = RawText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("raw JSON text")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(RawText(Buffered::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawText(Buffered::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(RawText(Buffered::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

impl<'de> serde::de::Visitor<'de> for BufferVisitor {
    type Value = Buffered<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        serde_json::Value::deserialize(inner).map(Buffered::Value)
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut object = serde_json::Map::new();
        match map.next_key_seed(FirstKeySeed(self.token))? {
            None => {}
            Some(FirstKey::Token) => return map.next_value::<RawText<'de>>().map(|raw| raw.0),
            Some(FirstKey::Key(key)) => {
                object.insert(key, map.next_value()?);
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    object.insert(key, value);
                }
            }
        }
        Ok(Buffered::Value(serde_json::Value::Object(object)))
    }

    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Buffered::Value(serde_json::Value::Array(items)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Buffered::Value(v.into()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Buffered::Value(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Buffered::Value(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        serde_json::Number::from_f64(v)
            .map(|n| Buffered::Value(n.into()))
            .ok_or_else(|| E::custom("a payload number must be finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Buffered::Value(v.into()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Buffered::Value(v.into()))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Buffered::Value(serde_json::Value::Null))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Buffered::Value(serde_json::Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        serde_json::Value::deserialize(inner).map(Buffered::Value)
    }
}
