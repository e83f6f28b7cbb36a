//! [`diff_widget`]: the updates that take the client from one state of a widget to the next,
//! by the rules of the Python SDK's `chatkit.server.diff_widget`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::update::ThreadItemUpdate;
use crate::widget::WidgetRoot;

/// Why two states of a widget cannot follow each other, with the Python SDK's messages.
///
/// See [`diff_widget`] for why it does not return these in practice.
///
/// ```
/// use chatkit_actions::thread::WidgetDiffError;
///
/// let error = WidgetDiffError::NotCumulative { id: "text".into() };
/// assert!(error.to_string().ends_with("All widget updates must be cumulative."));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WidgetDiffError {
    /// A `Text` or `Markdown` node with this `id` is in the new state but not in the old one.
    #[error(
        "Node {id} was not present when the widget was initially rendered. All nodes with ID must persist across all widget updates."
    )]
    MissingNode {
        /// The node's `id`.
        id: String,
    },
    /// The value of the text node with this `id` changed without extending the old value.
    #[error(
        "Node {id} was updated with a new value that is not a prefix of the initial value. All widget updates must be cumulative."
    )]
    NotCumulative {
        /// The node's `id`.
        id: String,
    },
}

/// The updates that take the client from `before` to `after`, by the rules of the Python
/// SDK's `chatkit.server.diff_widget`: one `widget.root.updated` with `after`, or one
/// `widget.streaming_text.value_delta` per `Text`/`Markdown` with an `id` whose value grew,
/// or nothing when they are the same.
///
/// The comparison runs on the wire form of the two trees, the JSON the SDK's models compare,
/// node by node from the root:
///
/// 1. **Full replace.** If a node's `type`, `id` or `key` differs, or any other property
///    differs (a list of another length, another scalar or object, or a child node that differs
///    in one of these ways), the answer is one `widget.root.updated` carrying the new tree.
///    The one exception is the `value` of a `Text` or `Markdown` node when the new value
///    starts with the old one. A change of `streaming` (such as `true` to `false`) is a
///    property change like any other, so it is a full replace.
/// 2. **Text deltas.** Otherwise, each `Text`/`Markdown` node with a non-empty `id` (found
///    through `children`: a list, or the single child of a `Transition`, which upstream
///    chatkit-python#113 descends into too) whose value grew gives one `widget.streaming_text.value_delta`
///    with the appended text. Its `done` is `true` unless that node's `streaming` is set. The
///    `streaming` read is the text node's own, as in the SDK: roots have no such property, and
///    the `streaming` of an action (`Card.confirm.action.streaming`) is never read.
///
/// Identical trees give no update. `widget.component.updated` is never produced.
///
/// # Quirks kept from the SDK
///
/// - Text that grows in a node **without an `id`** gives no update at all (no delta, no
///   replace): the client sees it only with the final `thread.item.done`.
/// - Values compare as Python compares them: numbers by value (`1` equals `1.0`, and `true`
///   equals `1`). An absent property and `null` are the same.
/// - When several text nodes share an `id`, the last one in document order is the one
///   compared.
///
/// The SDK raises an `AttributeError` when a dynamic node gains a property the other side
/// lacks; here that is a full replace.
///
/// # Errors
///
/// Step 2 checks that every text node with an `id` in the new tree was in the old one and only
/// grew ([`WidgetDiffError`]). Step 1 already turns every such change into a full replace
/// (node by node, both trees then have the same nodes in the same places, with text that only
/// grew), so for trees that serialize as JSON objects `diff_widget` never returns these errors;
/// they are kept so the contract, and the messages, stay the SDK's.
///
/// ```
/// use chatkit_actions::thread::{ThreadItemUpdate, diff_widget};
/// use chatkit_actions::widget::{Card, Text, WidgetRoot};
///
/// let state = |value: &str| -> WidgetRoot { Card::new().child(Text::new(value).id("text")).into() };
///
/// // Text that grows streams as deltas; `done` because the Text is not `streaming`.
/// assert_eq!(
///     diff_widget(&state("Hel"), &state("Hello,"))?,
///     [ThreadItemUpdate::widget_text_delta("text", "lo,", true)]
/// );
/// // Anything else replaces the whole widget.
/// assert_eq!(
///     diff_widget(&state("Hello"), &state("World"))?,
///     [ThreadItemUpdate::widget_root_updated(state("World"))]
/// );
/// // The same widget twice needs nothing.
/// assert_eq!(diff_widget(&state("Hello"), &state("Hello"))?, []);
/// # Ok::<(), chatkit_actions::thread::WidgetDiffError>(())
/// ```
pub fn diff_widget(
    before: &WidgetRoot,
    after: &WidgetRoot,
) -> Result<Vec<ThreadItemUpdate>, WidgetDiffError> {
    if before == after {
        return Ok(Vec::new());
    }
    let replace = || Ok(vec![ThreadItemUpdate::widget_root_updated(after.clone())]);
    // A tree that cannot be compared (it does not serialize as an object, which the widget
    // types never do) is treated as changed.
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return replace();
    };
    if full_replace(&old, &new) {
        return replace();
    }
    text_deltas(&old, &new)
}

/// Whether `updates`, applied by the client to `before`, give exactly `after`. False when
/// text grew where no delta reaches it (a node without an `id`, say).
pub(crate) fn updates_reach(
    before: &WidgetRoot,
    updates: &[ThreadItemUpdate],
    after: &WidgetRoot,
) -> bool {
    let Ok(mut state) = serde_json::to_value(before) else {
        return false;
    };
    for update in updates {
        match update {
            ThreadItemUpdate::WidgetRootUpdated { widget } => {
                let Ok(widget) = serde_json::to_value(widget) else {
                    return false;
                };
                state = widget;
            }
            ThreadItemUpdate::WidgetStreamingTextValueDelta {
                component_id,
                delta,
                ..
            } => append_text(&mut state, component_id, delta),
            _ => return false,
        }
    }
    serde_json::to_value(after).is_ok_and(|after| after == state)
}

/// Appends `delta` to the value of every text node with this `id` reachable through
/// `children` (lists, or a `Transition`'s single child), as the client applies a delta.
fn append_text(node: &mut Value, id: &str, delta: &str) {
    let Value::Object(node) = node else {
        return;
    };
    if is_streaming_text(node)
        && node.get("id").and_then(Value::as_str) == Some(id)
        && let Some(Value::String(value)) = node.get_mut("value")
    {
        value.push_str(delta);
    }
    match node.get_mut("children") {
        Some(Value::Array(children)) => {
            for child in children {
                append_text(child, id, delta);
            }
        }
        // A `Transition`'s single child.
        Some(child @ Value::Object(_)) => append_text(child, id, delta),
        _ => {}
    }
}

/// The SDK's `full_replace`: whether `before` and `after` (two nodes) differ in more than text
/// that grew.
fn full_replace(before: &Map<String, Value>, after: &Map<String, Value>) -> bool {
    if ["type", "id", "key"]
        .into_iter()
        .any(|name| !python_eq(prop(before, name), prop(after, name)))
    {
        return true;
    }
    let growing_text = is_streaming_text(before) && is_streaming_text(after);
    let names = before
        .keys()
        .chain(after.keys().filter(|name| !before.contains_key(*name)));
    for name in names {
        let (old, new) = (prop(before, name), prop(after, name));
        if growing_text
            && name == "value"
            && let (Value::String(old), Value::String(new)) = (old, new)
            && new.starts_with(old.as_str())
        {
            continue;
        }
        // Only `children` holds nodes; every other property is a plain value.
        if replace_value(name == "children", old, new) {
            return true;
        }
    }
    false
}

/// The SDK's `full_replace_value`: lists compare item by item, nodes (`nodes` is true for
/// the values of `children`) recursively with [`full_replace`], anything else by equality.
fn replace_value(nodes: bool, before: &Value, after: &Value) -> bool {
    match (before, after) {
        (Value::Array(before), Value::Array(after)) => {
            before.len() != after.len()
                || before
                    .iter()
                    .zip(after)
                    .any(|(before, after)| replace_value(nodes, before, after))
        }
        _ if python_eq(before, after) => false,
        (Value::Object(before), Value::Object(after)) if nodes => full_replace(before, after),
        _ => true,
    }
}

/// The SDK's `is_streaming_text`: a `Text` or `Markdown` whose `value` is a string.
fn is_streaming_text(node: &Map<String, Value>) -> bool {
    matches!(
        node.get("type").and_then(Value::as_str),
        Some("Text" | "Markdown")
    ) && node.get("value").is_some_and(Value::is_string)
}

static NULL: Value = Value::Null;

/// A property, absent being `null`.
fn prop<'a>(node: &'a Map<String, Value>, name: &str) -> &'a Value {
    node.get(name).unwrap_or(&NULL)
}

/// Python's `==` on the values the SDK's models hold: numbers (and booleans, which are
/// integers in Python) by value; objects ignoring `null` members, as the wire form drops them.
fn python_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| python_eq(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.iter()
                .all(|(name, value)| python_eq(value, prop(b, name)))
                && b.iter()
                    .all(|(name, value)| a.contains_key(name) || value.is_null())
        }
        _ => numbers_eq(a, b).unwrap_or(a == b),
    }
}

/// Compares two numbers (or booleans) by value; `None` when either is something else.
fn numbers_eq(a: &Value, b: &Value) -> Option<bool> {
    fn int(value: &Value) -> Option<i128> {
        match value {
            Value::Bool(flag) => Some(i128::from(*flag)),
            Value::Number(number) => number
                .as_i64()
                .map(i128::from)
                .or_else(|| number.as_u64().map(i128::from)),
            _ => None,
        }
    }
    fn float(value: &Value) -> Option<f64> {
        match value {
            Value::Bool(flag) => Some(f64::from(u8::from(*flag))),
            Value::Number(number) => number.as_f64(),
            _ => None,
        }
    }
    if let (Some(a), Some(b)) = (int(a), int(b)) {
        return Some(a == b);
    }
    float(a).zip(float(b)).map(|(a, b)| a == b)
}

/// Python's truthiness, for the SDK's `not getattr(node, "streaming", False)`.
fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Number(number)) => number.as_f64().is_some_and(|number| number != 0.0),
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(members)) => !members.is_empty(),
    }
}

/// A text node with an `id`: its value and whether it is still streaming.
#[derive(Clone, Copy)]
struct TextNode<'a> {
    value: &'a str,
    streaming: bool,
}

/// The SDK's `find_all_streaming_text_components`: text nodes with a non-empty `id`, found
/// through `children` (a list, or a `Transition`'s single child), in the order their `id` first appears; a later node with the
/// same `id` takes the place of the earlier one.
#[derive(Default)]
struct TextNodes<'a> {
    nodes: Vec<(&'a str, TextNode<'a>)>,
    index: HashMap<&'a str, usize>,
}

impl<'a> TextNodes<'a> {
    fn of(root: &'a Map<String, Value>) -> Self {
        let mut nodes = TextNodes::default();
        nodes.collect(root);
        nodes
    }

    fn collect(&mut self, node: &'a Map<String, Value>) {
        if let (Some(Value::String(id)), Some(Value::String(value))) =
            (node.get("id"), node.get("value"))
            && !id.is_empty()
            && is_streaming_text(node)
        {
            let text = TextNode {
                value,
                streaming: truthy(node.get("streaming")),
            };
            if let Some(slot) = self
                .index
                .get(id.as_str())
                .and_then(|&at| self.nodes.get_mut(at))
            {
                slot.1 = text;
            } else {
                self.index.insert(id, self.nodes.len());
                self.nodes.push((id, text));
            }
        }
        match node.get("children") {
            Some(Value::Array(children)) => {
                for child in children {
                    if let Value::Object(child) = child {
                        self.collect(child);
                    }
                }
            }
            // A `Transition`'s single child (upstream chatkit-python#113).
            Some(Value::Object(child)) => self.collect(child),
            _ => {}
        }
    }

    fn get(&self, id: &str) -> Option<TextNode<'a>> {
        let &at = self.index.get(id)?;
        self.nodes.get(at).map(|&(_, text)| text)
    }
}

/// Step 2 of the SDK's `diff_widget`: a delta per text node with an `id` whose value grew.
fn text_deltas(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Result<Vec<ThreadItemUpdate>, WidgetDiffError> {
    let old_nodes = TextNodes::of(before);
    let mut updates = Vec::new();
    for &(id, new) in &TextNodes::of(after).nodes {
        let Some(old) = old_nodes.get(id) else {
            return Err(WidgetDiffError::MissingNode { id: id.to_owned() });
        };
        if old.value != new.value {
            let Some(delta) = new.value.strip_prefix(old.value) else {
                return Err(WidgetDiffError::NotCumulative { id: id.to_owned() });
            };
            updates.push(ThreadItemUpdate::widget_text_delta(
                id,
                delta,
                !new.streaming,
            ));
        }
    }
    Ok(updates)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{WidgetDiffError, diff_widget, text_deltas, updates_reach};
    use crate::ActionConfig;
    use crate::thread::ThreadItemUpdate;
    use crate::widget::{
        Basic, Box, Button, Card, DynamicComponent, Markdown, Text, Transition, WidgetRoot,
    };

    fn card(children: impl IntoIterator<Item = Text>) -> WidgetRoot {
        Card::new().children(children).into()
    }

    fn text(value: &str) -> Text {
        Text::new(value).id("text")
    }

    fn replaced(after: &WidgetRoot) -> Vec<ThreadItemUpdate> {
        vec![ThreadItemUpdate::widget_root_updated(after.clone())]
    }

    fn object(value: Value) -> serde_json::Map<String, Value> {
        match value {
            Value::Object(object) => object,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn static_widget_needs_nothing() {
        let widget = card([text("Hello"), Text::new("no id")]);
        assert_eq!(diff_widget(&widget, &widget.clone()), Ok(vec![]));
    }

    #[test]
    fn cumulative_text_streams_as_deltas() {
        let states = ["", "Hel", "Hello,", "Hello, world"].map(|value| card([text(value)]));
        let deltas: Vec<_> = states
            .windows(2)
            .map(|pair| diff_widget(&pair[0], &pair[1]))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            deltas,
            [
                vec![ThreadItemUpdate::widget_text_delta("text", "Hel", true)],
                vec![ThreadItemUpdate::widget_text_delta("text", "lo,", true)],
                vec![ThreadItemUpdate::widget_text_delta("text", " world", true)],
            ]
        );
    }

    #[test]
    fn deltas_on_the_wire() {
        let updates = diff_widget(&card([text("Hel")]), &card([text("Hello")])).unwrap();
        assert_eq!(
            serde_json::to_value(&updates).unwrap(),
            json!([{
                "type": "widget.streaming_text.value_delta",
                "component_id": "text",
                "delta": "lo",
                "done": true,
            }])
        );
    }

    #[test]
    fn done_is_not_streaming_of_the_text_node() {
        let streaming = |value: &str| card([text(value).streaming(true)]);
        assert_eq!(
            diff_widget(&streaming("a"), &streaming("ab")),
            Ok(vec![ThreadItemUpdate::widget_text_delta(
                "text", "b", false
            )])
        );
        let explicit_false = |value: &str| card([text(value).streaming(false)]);
        assert_eq!(
            diff_widget(&explicit_false("a"), &explicit_false("ab")),
            Ok(vec![ThreadItemUpdate::widget_text_delta("text", "b", true)])
        );
    }

    #[test]
    fn streaming_of_an_action_is_not_read() {
        let action = ActionConfig::new("save").streaming(true);
        let state = |value: &str| -> WidgetRoot {
            Card::new()
                .child(text(value))
                .confirm("Save", action.clone())
                .into()
        };
        assert_eq!(
            diff_widget(&state("a"), &state("ab")),
            Ok(vec![ThreadItemUpdate::widget_text_delta("text", "b", true)])
        );
    }

    #[test]
    fn markdown_streams_too() {
        let state = |value: &str| -> WidgetRoot {
            Card::new()
                .child(Box::new().child(Markdown::new(value).id("md").streaming(true)))
                .into()
        };
        assert_eq!(
            diff_widget(&state("# T"), &state("# Title")),
            Ok(vec![ThreadItemUpdate::widget_text_delta(
                "md", "itle", false
            )])
        );
    }

    #[test]
    fn several_texts_give_one_delta_each_in_document_order() {
        let state = |a: &str, b: &str, c: &str| {
            card([
                Text::new(a).id("a"),
                Text::new(b).id("b"),
                Text::new(c).id("c"),
            ])
        };
        assert_eq!(
            diff_widget(&state("1", "x", "y"), &state("12", "x", "yz")),
            Ok(vec![
                ThreadItemUpdate::widget_text_delta("a", "2", true),
                ThreadItemUpdate::widget_text_delta("c", "z", true),
            ])
        );
    }

    #[test]
    fn non_prefix_change_replaces_the_root() {
        let (before, after) = (card([text("Hello")]), card([text("World")]));
        assert_eq!(diff_widget(&before, &after), Ok(replaced(&after)));
        let shorter = card([text("Hell")]);
        assert_eq!(diff_widget(&before, &shorter), Ok(replaced(&shorter)));
    }

    #[test]
    fn streaming_flag_change_replaces_the_root() {
        let before = card([text("Hello").streaming(true)]);
        let after = card([text("Hello, world").streaming(false)]);
        assert_eq!(diff_widget(&before, &after), Ok(replaced(&after)));
        let unset = card([text("Hello, world")]);
        assert_eq!(diff_widget(&before, &unset), Ok(replaced(&unset)));
    }

    #[test]
    fn key_id_or_type_change_replaces_the_root() {
        let before = card([text("Hello")]);
        for after in [
            card([text("Hello").key("k")]),
            card([Text::new("Hello").id("other")]),
            card([Text::new("Hello")]),
            Card::new().child(Markdown::new("Hello").id("text")).into(),
            Card::new().key("root").child(text("Hello")).into(),
            Card::new().id("root").child(text("Hello")).into(),
            Basic::new().child(text("Hello")).into(),
        ] {
            assert_eq!(
                diff_widget(&before, &after),
                Ok(replaced(&after)),
                "{after:?}"
            );
        }
    }

    #[test]
    fn other_changes_replace_the_root() {
        let before = card([text("Hello")]);
        for after in [
            card([text("Hello").italic(true)]),
            card([text("Hello"), Text::new("more")]),
            card([]),
            Card::new().child(text("Hello")).collapsed(true).into(),
            Card::new()
                .child(text("Hello"))
                .child(Button::new("Go"))
                .into(),
        ] {
            assert_eq!(
                diff_widget(&before, &after),
                Ok(replaced(&after)),
                "{after:?}"
            );
        }
    }

    #[test]
    fn growth_combined_with_another_change_replaces_the_root() {
        let before = card([text("Hel"), Text::new("x").id("x")]);
        let after = card([text("Hello"), Text::new("x").id("x").italic(true)]);
        assert_eq!(diff_widget(&before, &after), Ok(replaced(&after)));
    }

    #[test]
    fn identical_widgets_need_nothing() {
        let widget: WidgetRoot = Card::new()
            .child(text("Hello").streaming(true))
            .child(Button::new("Go").on_click_action(ActionConfig::new("go")))
            .into();
        assert_eq!(diff_widget(&widget, &widget), Ok(vec![]));
        // Equal trees that are not the same value compare through their wire form.
        let parsed: WidgetRoot =
            serde_json::from_value(serde_json::to_value(&widget).unwrap()).unwrap();
        assert_eq!(diff_widget(&widget, &parsed), Ok(vec![]));
    }

    #[test]
    fn growing_text_without_id_yields_nothing() {
        // The SDK's quirk: no delta and no replace; the text arrives with `thread.item.done`.
        let (before, after) = (card([Text::new("Hel")]), card([Text::new("Hello")]));
        assert_eq!(diff_widget(&before, &after), Ok(vec![]));
        // An empty id counts as none, as in Python.
        let (before, after) = (
            card([Text::new("a").id("")]),
            card([Text::new("ab").id("")]),
        );
        assert_eq!(diff_widget(&before, &after), Ok(vec![]));
    }

    #[test]
    fn text_under_a_transition_streams_as_deltas() {
        // A Transition's single child is searched too (upstream chatkit-python#113).
        let state = |value: &str| -> WidgetRoot {
            Card::new()
                .child(Transition::new(text(value).id("t")))
                .into()
        };
        let updates = diff_widget(&state("a"), &state("ab")).unwrap();
        assert_eq!(
            updates,
            [ThreadItemUpdate::widget_text_delta("t", "b", true)]
        );
        assert!(updates_reach(&state("a"), &updates, &state("ab")));
        // Nested: a Transition inside a Transition inside a list.
        let nested = |value: &str| -> WidgetRoot {
            Card::new()
                .child(Box::new().child(Transition::new(Transition::new(text(value).id("n")))))
                .into()
        };
        assert_eq!(
            diff_widget(&nested("Hel"), &nested("Hello")),
            Ok(vec![ThreadItemUpdate::widget_text_delta("n", "lo", true)])
        );
        // Anything but growth is still a full replace.
        assert_eq!(
            diff_widget(&state("a"), &state("b")),
            Ok(replaced(&state("b")))
        );
        // Without an `id` there is nothing to address: no update, as in a list.
        let anonymous = |value: &str| -> WidgetRoot {
            Card::new().child(Transition::new(Text::new(value))).into()
        };
        assert_eq!(diff_widget(&anonymous("a"), &anonymous("ab")), Ok(vec![]));
        assert!(!updates_reach(&anonymous("a"), &[], &anonymous("ab")));
    }

    #[test]
    fn dynamic_nodes_follow_the_same_rules() {
        let state = |value: &str| -> WidgetRoot {
            Basic::new()
                .child(
                    DynamicComponent::new("Sparkline")
                        .prop("points", json!([1, 2]))
                        .prop(
                            "children",
                            json!([{"type": "Text", "id": "t", "value": value}]),
                        ),
                )
                .into()
        };
        assert_eq!(
            diff_widget(&state("a"), &state("ab")),
            Ok(vec![ThreadItemUpdate::widget_text_delta("t", "b", true)])
        );
        // A prop only one side has is a change (the SDK raises an AttributeError there).
        let with_prop: WidgetRoot = Basic::new()
            .child(
                DynamicComponent::new("Sparkline")
                    .prop("points", json!([1, 2]))
                    .prop(
                        "children",
                        json!([{"type": "Text", "id": "t", "value": "a"}]),
                    )
                    .prop("color", "red"),
            )
            .into();
        assert_eq!(
            diff_widget(&state("a"), &with_prop),
            Ok(replaced(&with_prop))
        );
    }

    #[test]
    fn numbers_compare_by_value_as_in_python() {
        let state = |points: Value, value: &str| -> WidgetRoot {
            Basic::new()
                .child(DynamicComponent::new("Sparkline").prop("points", points))
                .child(text(value))
                .into()
        };
        assert_eq!(
            diff_widget(&state(json!([1, true]), "a"), &state(json!([1.0, 1]), "ab")),
            Ok(vec![ThreadItemUpdate::widget_text_delta("text", "b", true)])
        );
        let after = state(json!([1.5, 1]), "ab");
        assert_eq!(
            diff_widget(&state(json!([1, 1]), "a"), &after),
            Ok(replaced(&after))
        );
    }

    #[test]
    fn duplicate_ids_compare_the_last_node() {
        let state =
            |first: &str, second: &str| card([Text::new(first).id("t"), Text::new(second).id("t")]);
        assert_eq!(
            diff_widget(&state("a", "x"), &state("ab", "xy")),
            Ok(vec![ThreadItemUpdate::widget_text_delta("t", "y", true)])
        );
        assert_eq!(diff_widget(&state("a", "x"), &state("ab", "x")), Ok(vec![]));
    }

    #[test]
    fn vanished_node_with_id_is_an_error() {
        // Through `diff_widget` the lost node already makes a full replace (the children list
        // shrank, or the node changed type or id in place), so the error is reachable only in
        // step 2 on its own, which is what these trees exercise.
        let before = object(json!({"type": "Card", "children": [{"type": "Text", "value": "a"}]}));
        let after = object(
            json!({"type": "Card", "children": [{"type": "Text", "id": "t", "value": "a"}]}),
        );
        let error = text_deltas(&before, &after).unwrap_err();
        assert_eq!(error, WidgetDiffError::MissingNode { id: "t".into() });
        assert_eq!(
            error.to_string(),
            "Node t was not present when the widget was initially rendered. All nodes with ID must persist across all widget updates."
        );
        let (before, after) = (card([Text::new("a")]), card([Text::new("a").id("t")]));
        assert_eq!(diff_widget(&before, &after), Ok(replaced(&after)));
    }

    #[test]
    fn non_cumulative_change_is_an_error() {
        // As above: `diff_widget` replaces the root first, so step 2 is called directly.
        let node = |value: &str| {
            object(
                json!({"type": "Card", "children": [{"type": "Text", "id": "t", "value": value}]}),
            )
        };
        let error = text_deltas(&node("Hello"), &node("World")).unwrap_err();
        assert_eq!(error, WidgetDiffError::NotCumulative { id: "t".into() });
        assert_eq!(
            error.to_string(),
            "Node t was updated with a new value that is not a prefix of the initial value. All widget updates must be cumulative."
        );
        // Removed nodes are not checked: only the new state's nodes must persist.
        assert_eq!(
            text_deltas(&node("a"), &object(json!({"type": "Card", "children": []}))),
            Ok(vec![])
        );
    }

    #[test]
    fn multibyte_text_splits_on_the_old_value() {
        assert_eq!(
            diff_widget(&card([text("héllo ")]), &card([text("héllo wörld 🌍")])),
            Ok(vec![ThreadItemUpdate::widget_text_delta(
                "text",
                "wörld 🌍",
                true
            )])
        );
    }

    #[test]
    fn reach_check_spots_text_without_an_id() {
        let (before, after) = (card([text("a")]), card([text("ab")]));
        let updates = diff_widget(&before, &after).unwrap();
        assert!(updates_reach(&before, &updates, &after));
        let (before, after) = (
            card([text("a"), Text::new("x")]),
            card([text("ab"), Text::new("xy")]),
        );
        let updates = diff_widget(&before, &after).unwrap();
        assert_eq!(
            updates,
            [ThreadItemUpdate::widget_text_delta("text", "b", true)]
        );
        assert!(!updates_reach(&before, &updates, &after));
        let replaced = replaced(&after);
        assert!(updates_reach(&before, &replaced, &after));
    }
}
