//! The data of a render as template values, made without hashing.
//!
//! minijinja makes a serde map into a hash map (an `IndexMap`, hashing every key), and a struct
//! into a list of its fields, looked up in order. A template's data is mostly small maps (a
//! dict of a few fields per item of a list, when the data is a `serde_json::Value` as the SDK's
//! dicts are), and hashing their keys was most of the cost of making the data. [`context`]
//! makes a map of up to [`SMALL_MAP`] entries into [`Fields`], a list of its entries looked up
//! in order as minijinja looks up a struct's fields (and as it looks up a small map's by name),
//! and everything else exactly as minijinja makes it.
//!
//! Templates see the same values: a `Fields` is a map to them, with the same keys in the same
//! order, the same lookups (by a string; any other key finds nothing, as in a map whose keys
//! are all strings) and the same length. For the rare data it does not take (a map with a key
//! that is not a string, bytes, a tuple, an enum variant with data, a value whose `Serialize`
//! fails), [`context`] hands the whole data to minijinja's own conversion, so those read
//! exactly as before.

use std::fmt;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};
use serde::Serialize;
use serde::ser::{self, Impossible};

/// The largest map made into [`Fields`]; a larger one is minijinja's hash map (minijinja too
/// looks a map of up to 12 entries up in order, and a larger one by hash).
const SMALL_MAP: usize = 12;

/// `data` as a template value: as `minijinja::Value::from_serialize` makes it, except that its
/// maps of up to [`SMALL_MAP`] entries are [`Fields`].
pub(super) fn context<T: Serialize + ?Sized>(data: &T) -> Value {
    data.serialize(Fast)
        .unwrap_or_else(|Unusual| Value::from(minijinja::value::Serde(data)))
}

/// A map's entries, with string keys, looked up in order: a struct's fields, or a small map
/// (its keys unique, each at its first place with its last value, as in minijinja's map).
#[derive(Debug)]
struct Fields(Vec<Entry>);

/// One entry of [`Fields`].
#[derive(Debug)]
struct Entry {
    /// The key's [`tag`], which most lookups compare instead of the key.
    tag: u64,
    key: Value,
    value: Value,
}

impl Entry {
    /// An entry of the key `key`, a string.
    fn new(key: Value, value: Value) -> Self {
        Entry {
            tag: key.as_str().map_or(0, tag),
            key,
            value,
        }
    }

    /// Whether the entry's key is `key`, whose [`tag`] is `tag`.
    fn is(&self, key: &str, tag: u64) -> bool {
        self.tag == tag && (key.len() < 8 || self.key.as_str() == Some(key))
    }
}

/// `key`'s length and its first seven bytes: two keys of fewer than eight bytes are equal when
/// their tags are, longer ones only if their tags are.
fn tag(key: &str) -> u64 {
    // Keys of 255 bytes and more share a length: long keys are compared in full anyway.
    let length = u64::from(u8::try_from(key.len()).unwrap_or(u8::MAX));
    key.bytes()
        .take(7)
        .enumerate()
        .fold(length, |tag, (at, byte)| {
            tag | u64::from(byte) << (8 * (at + 1))
        })
}

impl Object for Fields {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let tag = tag(key);
        self.0
            .iter()
            .find_map(|entry| entry.is(key, tag).then(|| entry.value.clone()))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.iter().map(|entry| entry.key.clone()).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

/// What [`Fast`] does not make: [`context`] then hands the data to minijinja.
#[derive(Debug)]
struct Unusual;

impl fmt::Display for Unusual {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("left to minijinja's conversion")
    }
}

impl std::error::Error for Unusual {}

impl ser::Error for Unusual {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Unusual
    }
}

/// The serializer of [`context`]: scalars, sequences, structs and maps with string keys, as
/// minijinja makes them (small maps as [`Fields`]); [`Unusual`] for the rest.
struct Fast;

impl ser::Serializer for Fast {
    type Ok = Value;
    type Error = Unusual;
    type SerializeSeq = Seq;
    type SerializeTuple = Impossible<Value, Unusual>;
    type SerializeTupleStruct = Impossible<Value, Unusual>;
    type SerializeTupleVariant = Impossible<Value, Unusual>;
    type SerializeMap = Map;
    type SerializeStruct = Struct;
    type SerializeStructVariant = Impossible<Value, Unusual>;

    fn serialize_bool(self, v: bool) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_i8(self, v: i8) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_i128(self, v: i128) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_u8(self, v: u8) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_u128(self, v: u128) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_f32(self, v: f32) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_char(self, v: char) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_str(self, v: &str) -> Result<Value, Unusual> {
        Ok(Value::from(v))
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<Value, Unusual> {
        Err(Unusual)
    }

    fn serialize_none(self) -> Result<Value, Unusual> {
        Ok(Value::from(()))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Unusual> {
        value.serialize(Fast)
    }

    fn serialize_unit(self) -> Result<Value, Unusual> {
        Ok(Value::from(()))
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Unusual> {
        Ok(Value::from(()))
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
    ) -> Result<Value, Unusual> {
        Ok(Value::from(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, Unusual> {
        value.serialize(Fast)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _variant_index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Value, Unusual> {
        Err(Unusual)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, Unusual> {
        // A length hint comes from the data's own `Serialize`; it is trusted up to a bound.
        Ok(Seq(Vec::with_capacity(len.unwrap_or(0).min(1024))))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unusual> {
        Err(Unusual)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unusual> {
        Err(Unusual)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unusual> {
        Err(Unusual)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Map, Unusual> {
        Ok(Map {
            entries: Vec::with_capacity(len.unwrap_or(0).min(SMALL_MAP)),
            key: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Struct, Unusual> {
        Ok(Struct(Vec::with_capacity(len.min(1024))))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unusual> {
        Err(Unusual)
    }
}

/// A sequence: a list, as minijinja makes it.
struct Seq(Vec<Value>);

impl ser::SerializeSeq for Seq {
    type Ok = Value;
    type Error = Unusual;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unusual> {
        self.0.push(value.serialize(Fast)?);
        Ok(())
    }

    fn end(self) -> Result<Value, Unusual> {
        Ok(Value::from_object(self.0))
    }
}

/// A struct: its fields, looked up in order, as minijinja makes it.
struct Struct(Vec<Entry>);

impl ser::SerializeStruct for Struct {
    type Ok = Value;
    type Error = Unusual;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unusual> {
        self.0
            .push(Entry::new(Value::from(key), value.serialize(Fast)?));
        Ok(())
    }

    fn end(self) -> Result<Value, Unusual> {
        Ok(Value::from_object(Fields(self.0)))
    }
}

/// A map with string keys: [`Fields`] up to [`SMALL_MAP`] entries, minijinja's map beyond.
struct Map {
    entries: Vec<Entry>,
    key: Option<Value>,
}

impl ser::SerializeMap for Map {
    type Ok = Value;
    type Error = Unusual;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unusual> {
        let key = key.serialize(Fast)?;
        if key.as_str().is_none() {
            return Err(Unusual);
        }
        self.key = Some(key);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unusual> {
        let key = self.key.take().ok_or(Unusual)?;
        let entry = Entry::new(key, value.serialize(Fast)?);
        // A repeated key keeps its first place and takes the last value, as in minijinja's
        // map; past `SMALL_MAP` entries, the map it becomes sees to that.
        if self.entries.len() <= SMALL_MAP
            && let Some(name) = entry.key.as_str()
            && let Some(same) = self
                .entries
                .iter_mut()
                .find(|other| other.is(name, entry.tag))
        {
            same.value = entry.value;
        } else {
            self.entries.push(entry);
        }
        Ok(())
    }

    fn end(self) -> Result<Value, Unusual> {
        Ok(if self.entries.len() <= SMALL_MAP {
            Value::from_object(Fields(self.entries))
        } else {
            Value::from_pairs(
                self.entries
                    .into_iter()
                    .map(|entry| (entry.key, entry.value)),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use minijinja::Value;
    use minijinja::value::Serde;
    use serde::ser::SerializeMap;
    use serde::{Serialize, Serializer};
    use serde_json::json;

    use super::context;

    /// What templates do with a value: print it, serialize it, look into it, iterate over it,
    /// compare it, test it.
    const PROBES: &[&str] = &[
        "{{ d }}",
        "{{ d | tojson }}",
        "{{ d | pprint }}",
        "{{ d | length }}",
        "{{ d | list }}",
        "{{ d | items | list }}",
        "{{ d | dictsort }}",
        "{% for k in d %}{{ k }}={{ d[k] }};{% endfor %}",
        "{% for k, v in d | items %}{{ k }}:{{ v }}/{{ loop.index }};{% endfor %}",
        "{{ d.a }}|{{ d['b'] }}|{{ d[0] }}|{{ d[1] }}",
        "{{ d.get('a') }}|{{ d.get('zz', 'none') }}",
        "{{ d.items() | list }}|{{ d.keys() | list }}|{{ d.values() | list }}",
        "{{ 'a' in d }}|{{ 1 in d }}|{{ d == d }}|{{ d != {} }}",
        "{{ d is mapping }}|{{ d is sequence }}|{{ d is string }}|{{ d is number }}",
        "{{ d | default('x') }}|{{ d | string }}|{{ d is defined }}",
        "{% if d %}yes{% else %}no{% endif %}",
        "{{ d.a.b }}|{{ d.list[0].k }}",
        "{{ d | map(attribute='k') | list }}",
        "{{ d | selectattr('k') | list }}",
        "{{ d | sort(attribute='k') }}",
        "{{ d | dictsort(by='value') }}",
    ];

    /// A map with a repeated key and a key that is not a string, as some `Serialize`s write.
    struct Repeated(Vec<(Value, i64)>);

    impl Serialize for Repeated {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for (key, value) in &self.0 {
                map.serialize_entry(key, value)?;
            }
            map.end()
        }
    }

    /// A value whose `Serialize` fails partway.
    struct Failing;

    impl Serialize for Failing {
        fn serialize<S: Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }

    #[derive(Serialize)]
    struct Item {
        k: i64,
        name: &'static str,
        tags: Vec<&'static str>,
        maybe: Option<u8>,
    }

    #[derive(Serialize)]
    enum Shape {
        Dot,
        Line(u8),
        Pair(u8, u8),
        Box { w: u8 },
    }

    fn render(template: &str, data: &Value) -> String {
        let env = super::super::jinja::environment();
        match env.render_str(template, minijinja::context! { d => data }) {
            Ok(text) => text,
            Err(error) => format!("error: {:?} {:?}", error.kind(), error.detail()),
        }
    }

    fn same<T: Serialize>(data: &T) {
        let ours = context(data);
        let theirs = Value::from(Serde(data));
        for probe in PROBES {
            assert_eq!(
                render(probe, &ours),
                render(probe, &theirs),
                "{probe} on {theirs:?}"
            );
        }
    }

    /// Templates see the data exactly as they see minijinja's conversion of it.
    #[test]
    fn templates_see_the_data_as_minijinja_makes_it() {
        let large: serde_json::Map<String, serde_json::Value> =
            (0..20).map(|n| (format!("key{n}"), json!(n))).collect();
        for data in [
            json!(null),
            json!(true),
            json!(-3),
            json!(u64::MAX),
            json!(1.5),
            json!("text <&>"),
            json!([]),
            json!({}),
            json!([1, "two", null, [3], {"k": 4}]),
            json!({"a": 1, "b": "two", "c": null, "d": [1, 2], "e": {"f": true}}),
            json!({"a": {"b": "deep"}, "list": [{"k": 1}, {"k": 0}, {"k": 2}]}),
            json!([{"k": 3, "name": "c"}, {"k": 1, "name": "a"}, {"k": 2, "name": "b"}]),
            json!({"k": "v", "0": "zero", "1": "one", "": "empty"}),
            // Keys alike in their length and first bytes.
            json!({"abcdefgX": 1, "abcdefgY": 2, "abcdefg": 3, "abcdef": 4, "a\u{0}": 5, "a": 6}),
            json!(large),
        ] {
            same(&data);
        }
        same(&Repeated(vec![
            (Value::from("a"), 1),
            (Value::from("b"), 2),
            (Value::from("a"), 3),
        ]));
        same(&Repeated(
            (0..14)
                .map(|n| (Value::from(format!("k{}", n % 13)), n))
                .collect(),
        ));
        same(&Repeated(vec![(Value::from(1), 1), (Value::from("b"), 2)]));
        same(&BTreeMap::from([(1_i32, "one"), (2, "two")]));
        same(&HashMap::from([("only", 1)]));
        same(&vec![
            Item {
                k: 2,
                name: "b",
                tags: vec!["x", "y"],
                maybe: None,
            },
            Item {
                k: 1,
                name: "a",
                tags: vec![],
                maybe: Some(7),
            },
        ]);
        same(&vec![
            Shape::Dot,
            Shape::Line(1),
            Shape::Pair(1, 2),
            Shape::Box { w: 3 },
        ]);
        same(&(1, "two"));
        same(&[Some(Failing), None]);
        same(&serde_bytes_like());
        same(&'c');
        same(&i128::MIN);
        same(&u128::MAX);
        same(&0.25_f32);
        same(&());
    }

    /// Bytes, as a `Serialize` of bytes writes them.
    fn serde_bytes_like() -> impl Serialize {
        struct Bytes;
        impl Serialize for Bytes {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(b"abc")
            }
        }
        Bytes
    }
}
