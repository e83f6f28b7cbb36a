//! Reading a widget straight from its JSON text, without buffering nodes: the fast path of
//! [`WidgetTemplate::build`](super::WidgetTemplate::build), whose rendered text is read once.
//!
//! The general reader ([`node`](super::node)) buffers every node, looks its `type` up and
//! replays the buffer into the typed model, so that a node the model rejects can still be kept
//! as a dynamic one. The direct reader skips the buffer: when a node's first key is `type` and
//! names a typed component, the component's model reads the rest of the object from the text
//! itself. It gives up at the first thing only the general reader handles (a node whose first
//! key is not `type`, a `type` the root or the components don't type, a node the typed model
//! rejects, a repeated `type`, a `Basic` root, or an error of any kind), and the text is then
//! read again by the general reader, which decides. So a text reads exactly as
//! `serde_json::from_str::<WidgetRoot>` reads it; the direct reader only saves the buffer when
//! every node is typed, as in the widgets templates render.
//!
//! It also hands over a text nested more than [`MAX_DEPTH`] nodes deep: the typed models'
//! frames are large, and the general reader, which buffers first, needs less stack per level.
//!
//! While it runs, a thread-local flag makes [`WidgetComponent`]'s `Deserialize` (reached
//! through the typed models' `children`, a `Transition`'s child…) read nodes the direct way
//! too.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::node::{KeyReplay, KeySeed};
use super::{Card, ListView, WidgetComponent, WidgetRoot};

thread_local! {
    /// Whether the thread is reading a text with [`read_root`].
    static DIRECT: Cell<bool> = const { Cell::new(false) };
    /// How many nodes deep the direct reader is.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The deepest node the direct reader reads; a deeper text is handed over. The typed models'
/// derived code keeps large frames on the stack (more than the general reader's per level), so
/// the direct reader stays well within a small thread stack however deep a text is; widgets
/// are rarely a tenth as deep.
const MAX_DEPTH: u32 = 24;

/// One node deeper, for as long as it lives; an error past [`MAX_DEPTH`].
struct Deeper;

impl Deeper {
    fn enter<E: de::Error>() -> Result<Deeper, E> {
        let depth = DEPTH.with(|depth| {
            let deeper = depth.get() + 1;
            depth.set(deeper);
            deeper
        });
        let guard = Deeper;
        if depth > MAX_DEPTH {
            return Err(handed_over());
        }
        Ok(guard)
    }
}

impl Drop for Deeper {
    fn drop(&mut self) {
        DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// Whether nodes are being read the direct way on this thread.
pub(super) fn active() -> bool {
    DIRECT.with(Cell::get)
}

/// Reads `text` as a widget root the direct way: `None` when the general reader must read it
/// (see the module's documentation), which then gives the result or the error.
pub(super) fn read_root(text: &str) -> Option<WidgetRoot> {
    /// Puts the flag back as it was, however the read ends.
    struct Restore(bool);

    impl Drop for Restore {
        fn drop(&mut self) {
            DIRECT.with(|direct| direct.set(self.0));
        }
    }

    let _restore = Restore(DIRECT.with(|direct| direct.replace(true)));
    DEPTH.with(|depth| depth.set(0));
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let root = deserializer.deserialize_map(RootVisitor).ok()?;
    deserializer.end().ok()?;
    Some(root)
}

/// Reads one node the direct way (an error when the general reader must read the text).
pub(super) fn component<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<WidgetComponent, D::Error> {
    deserializer.deserialize_map(ComponentVisitor)
}

/// The error that hands the text over to the general reader; its message is never shown.
pub(super) fn handed_over<E: de::Error>() -> E {
    E::custom("left to the general reader")
}

/// The node's `type`, when it is its first key and a string.
fn leading_type<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Cow<'de, str>, A::Error> {
    match map.next_key_seed(KeySeed)? {
        Some(key) if key == "type" => map.next_value_seed(KeySeed),
        _ => Err(handed_over()),
    }
}

struct RootVisitor;

impl<'de> Visitor<'de> for RootVisitor {
    type Value = WidgetRoot;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a widget root")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WidgetRoot, A::Error> {
        let _deeper = Deeper::enter()?;
        let root_type = leading_type(&mut map)?;
        let rest = TypeFirst::new(root_type.clone(), map);
        match root_type.as_ref() {
            "Card" => Card::deserialize(MapAccessDeserializer::new(rest)).map(WidgetRoot::Card),
            "ListView" => {
                ListView::deserialize(MapAccessDeserializer::new(rest)).map(WidgetRoot::ListView)
            }
            _ => Err(handed_over()),
        }
    }
}

struct ComponentVisitor;

impl<'de> Visitor<'de> for ComponentVisitor {
    type Value = WidgetComponent;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a widget node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WidgetComponent, A::Error> {
        let _deeper = Deeper::enter()?;
        let component_type = leading_type(&mut map)?;
        WidgetComponent::direct(&component_type.clone(), TypeFirst::new(component_type, map))
    }
}

/// Reads a typed model's `children` (a list of nodes): the direct way while [`read_root`]
/// runs, appending each node to the list in place, as `Vec<WidgetComponent>` otherwise.
pub(super) fn children<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<WidgetComponent>, D::Error> {
    if active() {
        deserializer.deserialize_seq(ChildrenVisitor)
    } else {
        Vec::deserialize(deserializer)
    }
}

/// [`children`] of a model whose `children` are optional: `null` is `None`.
pub(super) fn optional_children<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<WidgetComponent>>, D::Error> {
    if active() {
        deserializer.deserialize_option(OptionalChildrenVisitor)
    } else {
        Option::deserialize(deserializer)
    }
}

struct OptionalChildrenVisitor;

impl<'de> Visitor<'de> for OptionalChildrenVisitor {
    type Value = Option<Vec<WidgetComponent>>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of widget nodes or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(ChildrenVisitor).map(Some)
    }
}

struct ChildrenVisitor;

impl<'de> Visitor<'de> for ChildrenVisitor {
    type Value = Vec<WidgetComponent>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of widget nodes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Components are large, so growing the list copies a lot: it starts with room for
        // the children a container usually has, and gives back what is left over (shrinking
        // in place, without a copy).
        let mut children = Vec::with_capacity(8);
        while seq.next_element_seed(Push(&mut children))?.is_some() {}
        children.shrink_to_fit();
        Ok(children)
    }
}

/// Reads one node into the list.
struct Push<'a>(&'a mut Vec<WidgetComponent>);

impl<'de> DeserializeSeed<'de> for Push<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Push<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a widget node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let _deeper = Deeper::enter()?;
        let component_type = leading_type(&mut map)?;
        WidgetComponent::push_direct(
            &component_type.clone(),
            TypeFirst::new(component_type, map),
            self.0,
        )
    }
}

/// An object whose `type` was read already: it gives `type` first, then the rest of the
/// object from the text. Its keys are given as the general reader gives them; another `type`
/// hands the text over (the general reader keeps the last one).
pub(super) struct TypeFirst<'de, A> {
    /// The `type`, until its value is taken.
    component_type: Option<Cow<'de, str>>,
    /// Whether the `type` key was given.
    started: bool,
    map: A,
}

impl<'de, A> TypeFirst<'de, A> {
    fn new(component_type: Cow<'de, str>, map: A) -> Self {
        TypeFirst {
            component_type: Some(component_type),
            started: false,
            map,
        }
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TypeFirst<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if !self.started {
            self.started = true;
            return seed
                .deserialize(BorrowedStrDeserializer::new("type"))
                .map(Some);
        }
        match self.map.next_key_seed(KeySeed)? {
            None => Ok(None),
            Some(key) if key == "type" => Err(handed_over()),
            Some(key) => seed.deserialize(KeyReplay::new(&key)).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.component_type.take() {
            Some(Cow::Borrowed(component_type)) => {
                seed.deserialize(BorrowedStrDeserializer::new(component_type))
            }
            Some(Cow::Owned(component_type)) => {
                seed.deserialize(StrDeserializer::new(&component_type))
            }
            None => self.map.next_value_seed(seed),
        }
    }
}

/// Reads the typed component `T` from the rest of its object.
pub(super) fn typed<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    rest: TypeFirst<'de, A>,
) -> Result<T, A::Error> {
    T::deserialize(MapAccessDeserializer::new(rest))
}
