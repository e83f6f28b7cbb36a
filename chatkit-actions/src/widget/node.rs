//! Reading widget nodes: a node's JSON is read once into a [`Node`], which borrows the input's
//! strings where the deserializer lends them; its `type` is looked up there, and the typed
//! component is deserialized straight from it by [`Replay`]. A node whose fields the typed model
//! rejects becomes a dynamic node, made from the same buffer.
//!
//! [`Replay`] presents a buffered node exactly as a `&serde_json::Value` deserializer presents
//! the same JSON (the same visitor calls), so the typed models accept and reject what they did
//! when nodes were read through `serde_json::Value`; [`Node`] keeps what
//! `serde_json::Value` keeps (the last of duplicate keys, `null` for a non-finite float).
//!
//! The children of the components that hold a list of them (`Card`, `Box`, `Row`, `Col`,
//! `Form`, `ListViewItem`, `Table.Cell`) are read from the parent's buffer directly, each by the
//! same rule. Other nested nodes (a `Transition`'s child, a `Table`'s rows, a `ListView`'s
//! items) are read by their parent's typed model, which buffers them once more: a copy that
//! borrows the strings and allocates only the arrays and objects.
//!
//! A template's output is first read without any buffer, by [`direct`](super::direct), which
//! hands the text to this reader whenever a node needs it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_json::{Map, Number, Value};

/// A JSON value as read from a deserializer, with borrowed strings where possible.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node<'de> {
    Null,
    Bool(bool),
    /// A non-negative integer (`serde_json::Number` keeps those as `u64`).
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// A finite float.
    F64(f64),
    Str(Cow<'de, str>),
    Seq(Vec<Node<'de>>),
    /// Object members in first-seen order, each key once with its last value.
    Map(Vec<(Cow<'de, str>, Node<'de>)>),
}

impl<'de> Node<'de> {
    /// The string `type` of a JSON object, or why there is none.
    pub(super) fn object_type(&self) -> Result<&str, String> {
        let Node::Map(members) = self else {
            return Err(format!(
                "a widget node must be a JSON object, found {}",
                self.to_value()
            ));
        };
        match members.iter().find(|(key, _)| key == "type") {
            Some((_, Node::Str(component_type))) => Ok(component_type),
            Some((_, other)) => Err(format!(
                "a widget node's `type` must be a string, found {}",
                other.to_value()
            )),
            None => Err("missing field `type`".to_owned()),
        }
    }

    /// The members of an object but `type`, as a JSON map (empty for anything else).
    pub(super) fn props(&self) -> Map<String, Value> {
        match self {
            Node::Map(members) => members
                .iter()
                .filter(|(key, _)| key != "type")
                .map(|(key, value)| (key.clone().into_owned(), value.to_value()))
                .collect(),
            _ => Map::new(),
        }
    }

    /// The same JSON as a `serde_json::Value`.
    pub(super) fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(value) => Value::Bool(*value),
            Node::U64(value) => Value::Number((*value).into()),
            Node::I64(value) => Value::Number((*value).into()),
            Node::F64(value) => Number::from_f64(*value).map_or(Value::Null, Value::Number),
            Node::Str(value) => Value::String(value.clone().into_owned()),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Map(members) => Value::Object(
                members
                    .iter()
                    .map(|(key, value)| (key.clone().into_owned(), value.to_value()))
                    .collect(),
            ),
        }
    }

    /// A deserializer over this node.
    pub(super) fn replay<E>(&self) -> Replay<'_, 'de, E> {
        Replay {
            node: self,
            children: None,
            error: PhantomData,
        }
    }

    /// A deserializer over this object with its `children` read as `[]`.
    pub(super) fn replay_without_children<E>(&self) -> Replay<'_, 'de, E> {
        static NO_CHILDREN: Node<'static> = Node::Seq(Vec::new());
        Replay {
            node: self,
            children: Some(&NO_CHILDREN),
            error: PhantomData,
        }
    }

    /// The `children` of an object, when they are an array.
    pub(super) fn children_list(&self) -> Option<&[Node<'de>]> {
        let Node::Map(members) = self else {
            return None;
        };
        match members.iter().find(|(key, _)| key == "children") {
            Some((_, Node::Seq(items))) => Some(items),
            _ => None,
        }
    }
}

/// Keeps the last value of a key that occurs more than once, at the key's first position, as
/// `serde_json::Map::insert` does.
fn merge_duplicate_keys(members: &mut Vec<(Cow<'_, str>, Node<'_>)>) {
    // Widget nodes have a handful of keys: comparing them pairwise is cheapest. A large object
    // (a dynamic node's data, say) is checked with a set.
    const PAIRWISE: usize = 16;
    let duplicated = if members.len() <= PAIRWISE {
        members
            .iter()
            .enumerate()
            .any(|(index, (key, _))| members[..index].iter().any(|(seen, _)| seen == key))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(members.len());
        !members.iter().all(|(key, _)| seen.insert(key.as_ref()))
    };
    if !duplicated {
        return;
    }
    let mut positions: std::collections::HashMap<Cow<'_, str>, usize> =
        std::collections::HashMap::with_capacity(members.len());
    let mut merged: Vec<(Cow<'_, str>, Node<'_>)> = Vec::with_capacity(members.len());
    for (key, value) in members.drain(..) {
        if let Some(&position) = positions.get(&key) {
            merged[position].1 = value;
        } else {
            positions.insert(key.clone(), merged.len());
            merged.push((key, value));
        }
    }
    *members = merged;
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// Builds a [`Node`] from the visitor calls `serde_json::Value`'s own visitor accepts.
struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node<'de>, E> {
        Ok(u64::try_from(value).map_or(Node::I64(value), Node::U64))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node<'de>, E> {
        Ok(Node::U64(value))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Node<'de>, E> {
        if let Ok(value) = u64::try_from(value) {
            Ok(Node::U64(value))
        } else if let Ok(value) = i64::try_from(value) {
            Ok(Node::I64(value))
        } else {
            Err(E::custom("number out of range"))
        }
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Node<'de>, E> {
        u64::try_from(value)
            .map(Node::U64)
            .map_err(|_| E::custom("number out of range"))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Node<'de>, E> {
        Ok(if value.is_finite() {
            Node::F64(value)
        } else {
            Node::Null
        })
    }

    fn visit_str<E>(self, value: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(value)))
    }

    fn visit_string<E>(self, value: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(value)))
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node<'de>, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(key) = map.next_key_seed(KeySeed)? {
            members.push((key, map.next_value()?));
        }
        merge_duplicate_keys(&mut members);
        Ok(Node::Map(members))
    }
}

/// An object key: a string, borrowed where the deserializer lends it (`serde_json::Value`
/// reads keys with `deserialize_str` too).
pub(super) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string key")
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_string<E>(self, value: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value))
    }
}

/// A deserializer over a buffered [`Node`], making the visitor calls a `&serde_json::Value`
/// deserializer makes for the same JSON.
pub(super) struct Replay<'a, 'de, E> {
    node: &'a Node<'de>,
    /// What this object's `children` read as, when not as they are.
    children: Option<&'a Node<'de>>,
    error: PhantomData<E>,
}

/// A string, borrowed for `'de` when the buffer borrowed it.
fn visit_string<'de, V: Visitor<'de>, E: de::Error>(
    value: &Cow<'de, str>,
    visitor: V,
) -> Result<V::Value, E> {
    match value {
        Cow::Borrowed(value) => visitor.visit_borrowed_str(value),
        Cow::Owned(value) => visitor.visit_str(value),
    }
}

impl<'a, E: de::Error> Replay<'a, '_, E> {
    fn unexpected(&self) -> Unexpected<'a> {
        match self.node {
            Node::Null => Unexpected::Unit,
            Node::Bool(value) => Unexpected::Bool(*value),
            Node::U64(value) => Unexpected::Unsigned(*value),
            Node::I64(value) => Unexpected::Signed(*value),
            Node::F64(value) => Unexpected::Float(*value),
            Node::Str(value) => Unexpected::Str(value),
            Node::Seq(_) => Unexpected::Seq,
            Node::Map(_) => Unexpected::Map,
        }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for Replay<'_, 'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.node {
            Node::Null => visitor.visit_unit(),
            Node::Bool(value) => visitor.visit_bool(*value),
            Node::U64(value) => visitor.visit_u64(*value),
            Node::I64(value) => visitor.visit_i64(*value),
            Node::F64(value) => visitor.visit_f64(*value),
            Node::Str(value) => visit_string(value, visitor),
            Node::Seq(items) => {
                let mut seq = SeqReplay {
                    items: items.iter(),
                    error: PhantomData,
                };
                let value = visitor.visit_seq(&mut seq)?;
                if seq.items.as_slice().is_empty() {
                    Ok(value)
                } else {
                    Err(E::invalid_length(items.len(), &"fewer elements in array"))
                }
            }
            Node::Map(members) => {
                let mut map = MapReplay {
                    members: members.iter(),
                    value: None,
                    children: self.children,
                    error: PhantomData,
                };
                let value = visitor.visit_map(&mut map)?;
                if map.members.as_slice().is_empty() {
                    Ok(value)
                } else {
                    Err(E::invalid_length(members.len(), &"fewer elements in map"))
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.node {
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.node {
            Node::Str(Cow::Borrowed(variant)) => {
                visitor.visit_enum(BorrowedStrDeserializer::<E>::new(variant))
            }
            Node::Str(Cow::Owned(variant)) => {
                visitor.visit_enum(StrDeserializer::<E>::new(variant))
            }
            Node::Map(members) => match members.as_slice() {
                [(variant, value)] => visitor.visit_enum(EnumReplay {
                    variant,
                    value: value.replay(),
                }),
                _ => Err(E::invalid_value(Unexpected::Map, &"map with a single key")),
            },
            _ => Err(E::invalid_type(self.unexpected(), &"string or map")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct SeqReplay<'a, 'de, E> {
    items: std::slice::Iter<'a, Node<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> SeqAccess<'de> for SeqReplay<'_, 'de, E> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        self.items
            .next()
            .map(|item| seed.deserialize(item.replay()))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapReplay<'a, 'de, E> {
    members: std::slice::Iter<'a, (Cow<'de, str>, Node<'de>)>,
    value: Option<&'a Node<'de>>,
    children: Option<&'a Node<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> MapAccess<'de> for MapReplay<'_, 'de, E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        let Some((key, value)) = self.members.next() else {
            return Ok(None);
        };
        self.value = Some(match self.children {
            Some(children) if key == "children" => children,
            _ => value,
        });
        seed.deserialize(KeyReplay::<E> {
            key,
            error: PhantomData,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, E> {
        match self.value.take() {
            Some(value) => seed.deserialize(value.replay()),
            None => Err(E::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

/// An object key, as `serde_json::Value`'s key deserializer gives it: a string, also as an
/// `Option` (`Some`), a newtype or a unit enum variant.
pub(super) struct KeyReplay<'a, 'de, E> {
    key: &'a Cow<'de, str>,
    error: PhantomData<E>,
}

impl<'a, 'de, E> KeyReplay<'a, 'de, E> {
    /// A deserializer over the key `key`.
    pub(super) fn new(key: &'a Cow<'de, str>) -> Self {
        KeyReplay {
            key,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for KeyReplay<'_, 'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visit_string(self.key, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.key {
            Cow::Borrowed(variant) => {
                visitor.visit_enum(BorrowedStrDeserializer::<E>::new(variant))
            }
            Cow::Owned(variant) => visitor.visit_enum(StrDeserializer::<E>::new(variant)),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An enum written as a single-key object: the key names the variant, the value holds it.
struct EnumReplay<'a, 'de, E> {
    variant: &'a Cow<'de, str>,
    value: Replay<'a, 'de, E>,
}

impl<'a, 'de, E: de::Error> EnumAccess<'de> for EnumReplay<'a, 'de, E> {
    type Error = E;
    type Variant = Replay<'a, 'de, E>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), E> {
        let variant = seed.deserialize(KeyReplay::<E> {
            key: self.variant,
            error: PhantomData,
        })?;
        Ok((variant, self.value))
    }
}

impl<'de, E: de::Error> VariantAccess<'de> for Replay<'_, 'de, E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        <()>::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, E> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        match self.node {
            Node::Seq(_) => self.deserialize_any(visitor),
            _ => Err(E::invalid_type(self.unexpected(), &"tuple variant")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.node {
            Node::Seq(_) | Node::Map(_) => self.deserialize_any(visitor),
            _ => Err(E::invalid_type(self.unexpected(), &"struct variant")),
        }
    }
}
