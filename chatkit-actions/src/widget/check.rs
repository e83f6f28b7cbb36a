//! Walking a widget tree: its components, its action slots and the form fields each action
//! receives; and [`WidgetRoot::check`], which finds form values the client would drop and
//! payloads that cannot be serialized. The rules about form fields live in
//! [`fields`](super::fields).
//!
//! Locations are JSON Pointers (RFC 6901) from the root of the serialized widget, such as
//! `/children/0/children/2`, usable with [`serde_json::Value::pointer`]. The root is `""`.

use std::fmt;

use serde_json::Value;

use super::fields::{ActionSlot, FormField};
use super::{DynamicComponent, WidgetComponent, WidgetRoot};
use crate::config::ActionConfig;

/// What makes a subtree a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormKind {
    /// A [`Form`](super::Form) component.
    Form,
    /// A [`Card`](super::Card) root with `asForm: true`.
    Card,
}

/// The form enclosing an action slot, with the fields whose values the action receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormScope {
    /// A Form component or an `asForm` Card.
    pub kind: FormKind,
    /// Where the form is (a JSON Pointer; `""` for the Card root).
    pub pointer: String,
    /// Its fields in document order, without those of a nested Form.
    pub fields: Vec<FormField>,
}

/// An action slot of a widget: the action, where it is, and the form it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSite {
    /// Which slot holds it.
    pub slot: ActionSlot,
    /// Where the node holding the slot is (a JSON Pointer; `""` for the Card's footer).
    pub pointer: String,
    /// The action as the widget carries it (before the client merges form values).
    pub action: ActionConfig,
    /// The nearest enclosing Form or `asForm` Card, whose field values the client merges into
    /// the payload when this action is triggered.
    pub form: Option<FormScope>,
    /// For an `onChangeAction` ([`ActionSlot::sends_own_value`]), the control itself: the
    /// client sends its value too, inside a form or not. See [`ActionSite::fields`].
    pub control: Option<FormField>,
}

impl ActionSite {
    /// The fields whose values the client merges into this action's payload: its form's, and
    /// for an `onChangeAction` ([`ActionSlot::sends_own_value`]) the control's own (once, when
    /// it is also in the form).
    pub fn fields(&self) -> impl Iterator<Item = &FormField> {
        let form = self.form.iter().flat_map(|form| &form.fields);
        let own = self
            .control
            .as_ref()
            .filter(|control| !form.clone().any(|field| field.pointer == control.pointer));
        form.chain(own)
    }

    /// The problems of this site: a payload that cannot be serialized, or form values the
    /// action would lose to keys its payload already has.
    fn issues(&self) -> Vec<WidgetIssue> {
        let action_type = || self.action.action_type.clone();
        if let Some(error) = self.action.payload_error() {
            return vec![WidgetIssue::PayloadNotSerializable {
                action_type: action_type(),
                slot: self.slot,
                action_pointer: self.pointer.clone(),
                message: error.message().to_owned(),
            }];
        }
        let (Some(form), Some(payload)) = (
            &self.form,
            super::fields::present(self.action.payload.as_ref()),
        ) else {
            return Vec::new();
        };
        if form.fields.is_empty() {
            return Vec::new();
        }
        if !payload.is_object() {
            return vec![WidgetIssue::PayloadNotObject {
                action_type: action_type(),
                slot: self.slot,
                action_pointer: self.pointer.clone(),
                field_names: form.fields.iter().map(|field| field.name.clone()).collect(),
            }];
        }
        (form.fields.iter())
            .filter_map(|field| {
                let payload_key = field.collision(payload)?;
                Some(WidgetIssue::FormValueCollision {
                    action_type: action_type(),
                    slot: self.slot,
                    action_pointer: self.pointer.clone(),
                    field_name: field.name.clone(),
                    field_pointer: field.pointer.clone(),
                    payload_key,
                })
            })
            .collect()
    }
}

/// A problem [`WidgetRoot::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WidgetIssue {
    /// A form field's value would be silently dropped by the client, because the payload of an
    /// action inside the form already has its key.
    FormValueCollision {
        /// The action's type string.
        action_type: String,
        /// The slot holding the action.
        slot: ActionSlot,
        /// Where that slot's node is.
        action_pointer: String,
        /// The field's `name`.
        field_name: String,
        /// Where the field is.
        field_pointer: String,
        /// The payload key in the way, dotted (`todo` for a field `todo.title` when
        /// `payload.todo` is not an object).
        payload_key: String,
    },
    /// An action inside a form has a payload that is not a JSON object, so the client cannot
    /// merge the form's values into it.
    PayloadNotObject {
        /// The action's type string.
        action_type: String,
        /// The slot holding the action.
        slot: ActionSlot,
        /// Where that slot's node is.
        action_pointer: String,
        /// The names of the form's fields.
        field_names: Vec<String>,
    },
    /// An action's typed payload could not be serialized to JSON (its `Serialize`
    /// implementation failed), so the widget cannot be sent. See
    /// [`ActionConfig::payload_error`].
    PayloadNotSerializable {
        /// The action's type string.
        action_type: String,
        /// The slot holding the action.
        slot: ActionSlot,
        /// Where that slot's node is.
        action_pointer: String,
        /// The serializer's message.
        message: String,
    },
}

impl fmt::Display for WidgetIssue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WidgetIssue::FormValueCollision {
                action_type,
                slot,
                action_pointer,
                field_name,
                field_pointer,
                payload_key,
            } => write!(
                formatter,
                "form field `{field_name}` (at `{field_pointer}`) collides with payload key \
                 `{payload_key}` of action `{action_type}` ({slot} at `{action_pointer}`): the \
                 client drops the field's value"
            ),
            WidgetIssue::PayloadNotObject {
                action_type,
                slot,
                action_pointer,
                field_names,
            } => {
                write!(
                    formatter,
                    "action `{action_type}` ({slot} at `{action_pointer}`) is inside a form but \
                     its payload is not an object, so the values of {} can't be merged into it",
                    field_names
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            WidgetIssue::PayloadNotSerializable {
                action_type,
                slot,
                action_pointer,
                message,
            } => write!(
                formatter,
                "the payload of action `{action_type}` ({slot} at `{action_pointer}`) cannot be \
                 serialized to JSON: {message}"
            ),
        }
    }
}

impl std::error::Error for WidgetIssue {}

/// The visitor `walk` calls with each node and its pointer.
type Visit<'v> = dyn FnMut(&WidgetComponent, &str) + 'v;

fn walk_list(children: &[WidgetComponent], pointer: &str, visit: &mut Visit<'_>) {
    for (index, child) in children.iter().enumerate() {
        walk(child, &format!("{pointer}/children/{index}"), visit);
    }
}

/// Visits `component` and its subtree in document order. A dynamic node that fits a typed model
/// is visited as that typed component; otherwise it is visited as is and its `children` (one
/// object or a list) are walked.
fn walk(component: &WidgetComponent, pointer: &str, visit: &mut Visit<'_>) {
    if let WidgetComponent::Dynamic(dynamic) = component {
        match WidgetComponent::from_object(&dynamic.to_value()) {
            Ok(typed) if !matches!(typed, WidgetComponent::Dynamic(_)) => {
                walk(&typed, pointer, visit);
            }
            _ => {
                visit(component, pointer);
                walk_dynamic_children(dynamic, pointer, visit);
            }
        }
        return;
    }
    visit(component, pointer);
    match component {
        WidgetComponent::Box(node) => {
            walk_list(node.children.as_deref().unwrap_or_default(), pointer, visit);
        }
        WidgetComponent::Row(node) => {
            walk_list(node.children.as_deref().unwrap_or_default(), pointer, visit);
        }
        WidgetComponent::Col(node) => {
            walk_list(node.children.as_deref().unwrap_or_default(), pointer, visit);
        }
        WidgetComponent::Form(node) => {
            walk_list(node.children.as_deref().unwrap_or_default(), pointer, visit);
        }
        WidgetComponent::TableCell(node) => {
            walk_list(node.children.as_deref().unwrap_or_default(), pointer, visit);
        }
        WidgetComponent::ListViewItem(node) => walk_list(&node.children, pointer, visit),
        WidgetComponent::Transition(node) => {
            if let Some(child) = &node.children {
                walk(child, &format!("{pointer}/children"), visit);
            }
        }
        WidgetComponent::Table(table) => {
            for (index, row) in table.children.iter().flatten().enumerate() {
                let row = WidgetComponent::TableRow(row.clone());
                walk(&row, &format!("{pointer}/children/{index}"), visit);
            }
        }
        WidgetComponent::TableRow(row) => {
            for (index, cell) in row.children.iter().flatten().enumerate() {
                let cell = WidgetComponent::TableCell(cell.clone());
                walk(&cell, &format!("{pointer}/children/{index}"), visit);
            }
        }
        _ => {}
    }
}

fn walk_dynamic_children(dynamic: &DynamicComponent, pointer: &str, visit: &mut Visit<'_>) {
    match dynamic.props.get("children") {
        Some(Value::Array(children)) => {
            for (index, child) in children.iter().enumerate() {
                if let Ok(child) = WidgetComponent::from_object(child) {
                    walk(&child, &format!("{pointer}/children/{index}"), visit);
                }
            }
        }
        Some(child @ Value::Object(_)) => {
            if let Ok(child) = WidgetComponent::from_object(child) {
                walk(&child, &format!("{pointer}/children"), visit);
            }
        }
        _ => {}
    }
}

/// The action slots of one component.
fn slots_of(component: &WidgetComponent) -> Vec<(ActionSlot, &ActionConfig)> {
    let (slot, action) = match component {
        WidgetComponent::Button(node) => (ActionSlot::ButtonClick, &node.on_click_action),
        WidgetComponent::ListViewItem(node) => {
            (ActionSlot::ListViewItemClick, &node.on_click_action)
        }
        WidgetComponent::Form(node) => (ActionSlot::FormSubmit, &node.on_submit_action),
        WidgetComponent::Select(node) => (ActionSlot::SelectChange, &node.on_change_action),
        WidgetComponent::Checkbox(node) => (ActionSlot::CheckboxChange, &node.on_change_action),
        WidgetComponent::RadioGroup(node) => (ActionSlot::RadioGroupChange, &node.on_change_action),
        WidgetComponent::DatePicker(node) => (ActionSlot::DatePickerChange, &node.on_change_action),
        _ => return Vec::new(),
    };
    action.iter().map(|action| (slot, action)).collect()
}

/// `true` when `inner` is `outer` or inside it.
fn encloses(outer: &str, inner: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The nearest form enclosing `pointer`: the one with the longest pointer.
fn nearest_form<'f>(
    forms: &'f [(String, FormKind)],
    pointer: &str,
) -> Option<&'f (String, FormKind)> {
    forms
        .iter()
        .filter(|(form, _)| encloses(form, pointer))
        .max_by_key(|(form, _)| form.len())
}

impl WidgetRoot {
    /// Calls `visit` with every component below the root and its JSON Pointer, depth first in
    /// document order (a node before its children).
    ///
    /// `ListView` rows and table rows and cells are visited as [`WidgetComponent`]s. A dynamic
    /// node that fits a typed model (such as a [`Basic`](super::Basic) root's children) is
    /// visited as that typed component; other dynamic nodes are visited as they are, and their
    /// `children` are walked.
    ///
    /// ```
    /// use chatkit_actions::widget::{Card, Col, Text, WidgetRoot};
    ///
    /// let root = WidgetRoot::from(Card::new().child(Col::new().child(Text::new("Hi"))));
    /// let mut seen = Vec::new();
    /// root.for_each_component(|component, pointer| {
    ///     seen.push(format!("{} {pointer}", component.component_type()));
    /// });
    /// assert_eq!(seen, ["Col /children/0", "Text /children/0/children/0"]);
    /// ```
    pub fn for_each_component(&self, mut visit: impl FnMut(&WidgetComponent, &str)) {
        match self {
            WidgetRoot::Card(card) => walk_list(&card.children, "", &mut visit),
            WidgetRoot::ListView(list) => {
                for (index, item) in list.children.iter().enumerate() {
                    let item = WidgetComponent::ListViewItem(item.clone());
                    walk(&item, &format!("/children/{index}"), &mut visit);
                }
            }
            WidgetRoot::Basic(basic) => {
                walk_list(
                    basic.children.as_deref().unwrap_or_default(),
                    "",
                    &mut visit,
                );
            }
            WidgetRoot::Dynamic(dynamic) => walk_dynamic_children(dynamic, "", &mut visit),
        }
    }

    /// Every action slot of the widget, in document order (a Card's `confirm` and `cancel`
    /// first), each with the form whose field values the client merges into its payload.
    ///
    /// Use it to check that an incoming action matches one the widget offered, and to
    /// validate the form values it carries against the fields' constraints. Nodes that fit no
    /// typed model contribute no actions or fields.
    ///
    /// ```
    /// use chatkit_actions::widget::{ActionSlot, Button, Card, FieldKind, Input, WidgetRoot};
    /// use chatkit_actions::ActionConfig;
    ///
    /// let root = WidgetRoot::from(
    ///     Card::new()
    ///         .as_form(true)
    ///         .child(Input::new("todo.title").required(true))
    ///         .child(Button::new("Save").on_click_action(ActionConfig::new("todo.save"))),
    /// );
    /// let sites = root.action_sites();
    /// assert_eq!(sites.len(), 1);
    /// assert_eq!(sites[0].slot, ActionSlot::ButtonClick);
    /// assert_eq!(sites[0].pointer, "/children/1");
    /// let form = sites[0].form.as_ref().expect("inside the asForm card");
    /// assert_eq!(form.fields[0].name, "todo.title");
    /// assert_eq!(form.fields[0].kind, FieldKind::Input);
    /// assert!(form.fields[0].required);
    /// ```
    #[must_use]
    pub fn action_sites(&self) -> Vec<ActionSite> {
        let mut forms: Vec<(String, FormKind)> = Vec::new();
        let mut fields: Vec<FormField> = Vec::new();
        let mut actions: Vec<(ActionSlot, String, ActionConfig, Option<FormField>)> = Vec::new();
        if let WidgetRoot::Card(card) = self {
            if card.as_form == Some(true) {
                forms.push((String::new(), FormKind::Card));
            }
            let footer = [
                (ActionSlot::CardConfirm, &card.confirm),
                (ActionSlot::CardCancel, &card.cancel),
            ];
            for (slot, button) in footer {
                if let Some(button) = button {
                    actions.push((slot, String::new(), button.action.clone(), None));
                }
            }
        }
        self.for_each_component(|component, pointer| {
            if matches!(component, WidgetComponent::Form(_)) {
                forms.push((pointer.to_owned(), FormKind::Form));
            }
            let field = FormField::of(component, pointer);
            for (slot, action) in slots_of(component) {
                let control = field.clone().filter(|_| slot.sends_own_value());
                actions.push((slot, pointer.to_owned(), action.clone(), control));
            }
            fields.extend(field);
        });
        actions
            .into_iter()
            .map(|(slot, pointer, action, control)| {
                let form = nearest_form(&forms, &pointer).map(|(form_pointer, kind)| FormScope {
                    kind: *kind,
                    pointer: form_pointer.clone(),
                    fields: fields
                        .iter()
                        .filter(|field| {
                            nearest_form(&forms, &field.pointer)
                                .is_some_and(|(own, _)| own == form_pointer)
                        })
                        .cloned()
                        .collect(),
                });
                ActionSite {
                    slot,
                    pointer,
                    action,
                    form,
                    control,
                }
            })
            .collect()
    }

    /// Checks the widget for form values the client would silently drop: for every action
    /// inside a Form or an `asForm` Card, each form field whose key (dotted names nest) the
    /// action's payload already has, and each payload that is not an object. It also reports
    /// every action whose typed payload could not be serialized
    /// ([`ActionConfig::payload_error`]).
    ///
    /// # Errors
    ///
    /// Returns every issue found, in document order.
    ///
    /// ```
    /// use chatkit_actions::widget::{Form, Input, WidgetIssue, WidgetRoot, Card};
    /// use chatkit_actions::ActionConfig;
    /// use serde_json::json;
    ///
    /// let root = WidgetRoot::from(Card::new().child(
    ///     Form::new()
    ///         .on_submit_action(ActionConfig::new("todo.save").payload(json!({"todo": {"title": "old"}})))
    ///         .child(Input::new("todo.title")),
    /// ));
    /// let issues = root.check().unwrap_err();
    /// assert!(matches!(
    ///     &issues[..],
    ///     [WidgetIssue::FormValueCollision { field_name, payload_key, .. }]
    ///         if field_name == "todo.title" && payload_key == "todo.title"
    /// ));
    /// ```
    pub fn check(&self) -> Result<(), Vec<WidgetIssue>> {
        let issues: Vec<WidgetIssue> = self
            .action_sites()
            .iter()
            .flat_map(ActionSite::issues)
            .collect();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

impl WidgetComponent {
    /// Calls `visit` with this component and every component below it, depth first in
    /// document order, with JSON Pointers relative to this component (`""` for itself). See
    /// [`WidgetRoot::for_each_component`].
    pub fn for_each_component(&self, mut visit: impl FnMut(&WidgetComponent, &str)) {
        walk(self, "", &mut visit);
    }
}
