//! Support for the code the macros generate. Not a public API: nothing here follows semver.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};

use crate::action::{Action, Buffered, strip_position};
use crate::handler::HandlerError;

/// The second half of `#[action_handler]`, reached through the macro `#[derive(Action)]` emits
/// beside the enum.
pub use chatkit_actions_derive::__action_handler_impl as action_handler_impl;
pub use serde;
// With `typescript`, its support module re-exports schemars already.
/// The second half of `#[tool_handler]`, reached through the macro `#[derive(Tools)]` emits
/// beside the enum.
#[cfg(feature = "openai")]
pub use chatkit_actions_derive::__tool_handler_impl as tool_handler_impl;
#[cfg(all(feature = "openai", not(feature = "typescript")))]
pub use schemars;

/// A tool's `parameters`: the schema schemars generated, made strict.
#[cfg(feature = "openai")]
#[must_use]
pub fn strict_tool_schema(schema: schemars::Schema) -> serde_json::Value {
    crate::model::strict_schema(schema.to_value())
}

/// What a tool handler trait's method answers when the impl, written by hand, left it out.
#[cfg(feature = "openai")]
#[must_use]
pub fn tool_unhandled(tool: &str) -> HandlerError {
    HandlerError::internal(format!("the tool `{tool}` has no handler"))
}

/// What a derived tool handler answers if the run hands it a client tool (it never does: the
/// run turns client tools into `client_tool_call` items first).
#[cfg(feature = "openai")]
#[must_use]
pub fn client_tool_called(tool: &str) -> HandlerError {
    HandlerError::internal(format!(
        "the client tool `{tool}` runs in the browser, not on the server"
    ))
}
pub use serde_json;

/// Deserializes a struct-variant payload from a JSON object only. serde's derived structs
/// also accept a sequence of their fields in order, which no ChatKit client sends; a payload
/// is an object, and anything else is a clear error.
///
/// # Errors
///
/// `invalid type: …, expected <expecting>` for anything but an object, else `T`'s errors.
pub fn deserialize_object<'de, T, D>(
    deserializer: D,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    struct ObjectVisitor<T> {
        expecting: &'static str,
        marker: PhantomData<T>,
    }
    impl<'de, T: de::Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<T, M::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_map(ObjectVisitor {
        expecting,
        marker: PhantomData,
    })
}

/// `Serialize` for an action union: `{"type": …, "payload": …}`, without `payload` for an
/// action that has none.
///
/// # Errors
///
/// The serializer's errors.
pub fn serialize_action<A: Action, S: Serializer>(
    action: &A,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let has_payload = action.has_payload();
    let mut state = serializer.serialize_struct("Action", 1 + usize::from(has_payload))?;
    state.serialize_field("type", action.action_type())?;
    if has_payload {
        state.serialize_field("payload", &PayloadRef(action))?;
    }
    state.end()
}

struct PayloadRef<'a, A>(&'a A);

impl<A: Action> serde::Serialize for PayloadRef<'_, A> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_payload(serializer)
    }
}

/// `Deserialize` for an action union. Accepts `type` and `payload` in either order, ignores
/// unknown keys as the SDK does, treats an absent payload as `null`, and rejects duplicate
/// keys. When `type` comes first the payload is parsed straight into its type; when
/// `payload` comes first its JSON text is kept (borrowed from the input when `serde_json`
/// reads a string or bytes; a `serde_json::Value` from other deserializers) and parsed into
/// its type once the type is known.
///
/// # Errors
///
/// Unknown type strings (listing the known ones), missing `type`, duplicate keys and payload
/// errors, as the deserializer's error type.
pub fn deserialize_action<'de, A: Action, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<A, D::Error> {
    deserializer.deserialize_struct("Action", &["type", "payload"], ActionVisitor(PhantomData))
}

struct ActionVisitor<A>(PhantomData<A>);

enum Key {
    Type,
    Payload,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`type` or `payload`")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "type" => Key::Type,
                    "payload" => Key::Payload,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// The type string, borrowed from the input when it can be.
struct TypeName<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for TypeName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TypeVisitor;
        impl<'de> Visitor<'de> for TypeVisitor {
            type Value = TypeName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an action type string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TypeName(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TypeName(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(TypeName(std::borrow::Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TypeVisitor)
    }
}

struct PayloadSeed<'t, A> {
    action_type: &'t str,
    marker: PhantomData<A>,
}

impl<'de, A: Action> DeserializeSeed<'de> for PayloadSeed<'_, A> {
    type Value = A;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<A, D::Error> {
        match A::deserialize_payload(self.action_type, deserializer)? {
            Some(action) => Ok(action),
            None => Err(unknown_type::<A, D::Error>(self.action_type)),
        }
    }
}

fn unknown_type<A: Action, E: de::Error>(action_type: &str) -> E {
    E::custom(crate::ActionParseError::UnknownType {
        found: action_type.to_owned(),
        expected: A::TYPES,
    })
}

fn check_type<A: Action, E: de::Error>(action_type: &str) -> Result<(), E> {
    if A::spec_for(action_type).is_some() {
        Ok(())
    } else {
        Err(unknown_type::<A, E>(action_type))
    }
}

impl<'de, A: Action> Visitor<'de> for ActionVisitor<A> {
    type Value = A;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an action object with `type` and `payload`")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<A, M::Error> {
        let mut action_type: Option<TypeName<'de>> = None;
        let mut buffered: Option<Buffered<'de>> = None;
        let mut parsed: Option<A> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => {
                    if action_type.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    let name: TypeName<'de> = map.next_value()?;
                    check_type::<A, M::Error>(&name.0)?;
                    action_type = Some(name);
                }
                Key::Payload => {
                    if parsed.is_some() || buffered.is_some() {
                        return Err(de::Error::duplicate_field("payload"));
                    }
                    match &action_type {
                        Some(name) => {
                            parsed = Some(map.next_value_seed(PayloadSeed {
                                action_type: &name.0,
                                marker: PhantomData,
                            })?);
                        }
                        None => buffered = Some(map.next_value()?),
                    }
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(name) = action_type else {
            return Err(de::Error::missing_field("type"));
        };
        if let Some(action) = parsed {
            return Ok(action);
        }
        let seed = PayloadSeed::<A> {
            action_type: &name.0,
            marker: PhantomData,
        };
        match buffered {
            None => seed.deserialize(serde_json::Value::Null),
            Some(payload) => payload.parse_with(seed),
        }
        // The position of an error in the buffered text would only mislead: the input's
        // deserializer adds its own.
        .map_err(|error| de::Error::custom(strip_position(&error)))
    }
}

/// The error of a server action whose handler method is missing: only possible when the
/// handler trait was implemented by hand, without `#[action_handler]`.
#[must_use]
pub fn unhandled(action_type: &'static str) -> HandlerError {
    HandlerError::unhandled(action_type)
}

/// The error of a `handler = "client"` action that reached the server.
#[must_use]
pub fn client_action(action_type: &'static str) -> HandlerError {
    HandlerError::client_action(action_type)
}

/// The error of an action sent with the wrong request: a `streaming = false` action as
/// `threads.custom_action` (`sent_sync` false), or a streamed one as
/// `threads.sync_custom_action` (`sent_sync` true).
#[must_use]
pub fn wrong_request(action_type: &'static str, sent_sync: bool) -> HandlerError {
    HandlerError::wrong_request(action_type, sent_sync)
}

/// `str` equality usable in constants.
#[must_use]
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The compile-time check that no two variants of an action enum share a type string (the
/// derive checks literal names itself; this catches `#[action(typed)]` variants).
///
/// # Panics
///
/// At compile time, when two type strings are equal.
pub const fn assert_unique_types(types: &[&str]) {
    let mut i = 0;
    while i < types.len() {
        let mut j = i + 1;
        while j < types.len() {
            assert!(
                !str_eq(types[i], types[j]),
                "two variants of this action enum have the same action type string\nhelp: give one of them another type string with `#[action(rename = \"…\")]`"
            );
            j += 1;
        }
        i += 1;
    }
}

/// Whether a `typed` variant's declared dispatch options agree with its payload type's.
#[must_use]
pub const fn same_dispatch(variant: &crate::ActionSpec, payload: &crate::ActionSpec) -> bool {
    matches!(
        (variant.handler, payload.handler),
        (crate::Handler::Server, crate::Handler::Server)
            | (crate::Handler::Client, crate::Handler::Client)
    ) && variant.streaming == payload.streaming
}
