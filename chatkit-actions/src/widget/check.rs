//! Walking a widget tree: its components, its action slots and the form fields each action
//! receives; and [`WidgetRoot::check`], which finds form values the client would drop.
//!
//! Locations are JSON Pointers (RFC 6901) from the root of the serialized widget, such as
//! `/children/0/children/2`, usable with [`serde_json::Value::pointer`]. The root is `""`.

use std::fmt;

use serde_json::Value;

use super::{DynamicComponent, Editable, WidgetComponent, WidgetRoot};
use crate::config::ActionConfig;

/// Which slot of which component holds an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionSlot {
    /// `Button.onClickAction`.
    ButtonClick,
    /// `ListViewItem.onClickAction`.
    ListViewItemClick,
    /// `Form.onSubmitAction`.
    FormSubmit,
    /// `Card.confirm.action`.
    CardConfirm,
    /// `Card.cancel.action`.
    CardCancel,
    /// `Select.onChangeAction`.
    SelectChange,
    /// `Checkbox.onChangeAction`.
    CheckboxChange,
    /// `RadioGroup.onChangeAction`.
    RadioGroupChange,
    /// `DatePicker.onChangeAction`.
    DatePickerChange,
}

impl ActionSlot {
    /// The slot as written in the widget, such as `"Button.onClickAction"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ActionSlot::ButtonClick => "Button.onClickAction",
            ActionSlot::ListViewItemClick => "ListViewItem.onClickAction",
            ActionSlot::FormSubmit => "Form.onSubmitAction",
            ActionSlot::CardConfirm => "Card.confirm.action",
            ActionSlot::CardCancel => "Card.cancel.action",
            ActionSlot::SelectChange => "Select.onChangeAction",
            ActionSlot::CheckboxChange => "Checkbox.onChangeAction",
            ActionSlot::RadioGroupChange => "RadioGroup.onChangeAction",
            ActionSlot::DatePickerChange => "DatePicker.onChangeAction",
        }
    }
}

impl fmt::Display for ActionSlot {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The component a form field comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// An [`Input`](super::Input): a string.
    Input,
    /// A [`Textarea`](super::Textarea): a string.
    Textarea,
    /// A [`Select`](super::Select): one of its option values.
    Select,
    /// A [`DatePicker`](super::DatePicker): an ISO 8601 date.
    DatePicker,
    /// A [`Checkbox`](super::Checkbox): a boolean.
    Checkbox,
    /// A [`RadioGroup`](super::RadioGroup): one of its option values.
    RadioGroup,
    /// A [`Text`](super::Text) with `editable`: a string.
    EditableText,
}

/// A form field and the constraints the client enforces before submitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// The field's `name`; a dotted name nests in the payload (`todo.title`).
    pub name: String,
    /// The component it comes from.
    pub kind: FieldKind,
    /// Where the component is (a JSON Pointer from the root).
    pub pointer: String,
    /// `required` is set.
    pub required: bool,
    /// `disabled` is set.
    pub disabled: bool,
    /// The `pattern` regular expression (Input, Textarea, editable Text).
    pub pattern: Option<String>,
    /// The allowed values (`Select`, and `RadioGroup` when it lists options).
    pub options: Option<Vec<String>>,
    /// The earliest date (`DatePicker`).
    pub min: Option<String>,
    /// The latest date (`DatePicker`).
    pub max: Option<String>,
}

impl FormField {
    /// The payload path of the value: the name split at dots.
    pub fn path(&self) -> impl Iterator<Item = &str> {
        self.name.split('.')
    }

    fn new(name: &str, kind: FieldKind, pointer: &str) -> Self {
        FormField {
            name: name.to_owned(),
            kind,
            pointer: pointer.to_owned(),
            required: false,
            disabled: false,
            pattern: None,
            options: None,
            min: None,
            max: None,
        }
    }

    /// The field a component contributes to its form, if it is one.
    pub(crate) fn of(component: &WidgetComponent, pointer: &str) -> Option<Self> {
        let field = match component {
            WidgetComponent::Input(input) => FormField {
                required: input.required == Some(true),
                disabled: input.disabled == Some(true),
                pattern: input.pattern.clone(),
                ..FormField::new(&input.name, FieldKind::Input, pointer)
            },
            WidgetComponent::Textarea(textarea) => FormField {
                required: textarea.required == Some(true),
                disabled: textarea.disabled == Some(true),
                pattern: textarea.pattern.clone(),
                ..FormField::new(&textarea.name, FieldKind::Textarea, pointer)
            },
            WidgetComponent::Select(select) => FormField {
                disabled: select.disabled == Some(true),
                options: Some(
                    select
                        .options
                        .iter()
                        .map(|option| option.value.clone())
                        .collect(),
                ),
                ..FormField::new(&select.name, FieldKind::Select, pointer)
            },
            WidgetComponent::DatePicker(picker) => FormField {
                disabled: picker.disabled == Some(true),
                min: picker.min.clone(),
                max: picker.max.clone(),
                ..FormField::new(&picker.name, FieldKind::DatePicker, pointer)
            },
            WidgetComponent::Checkbox(checkbox) => FormField {
                required: checkbox.required == Some(true),
                disabled: checkbox.disabled == Some(true),
                ..FormField::new(&checkbox.name, FieldKind::Checkbox, pointer)
            },
            WidgetComponent::RadioGroup(group) => FormField {
                required: group.required == Some(true),
                disabled: group.disabled == Some(true),
                options: group
                    .options
                    .as_ref()
                    .map(|options| options.iter().map(|option| option.value.clone()).collect()),
                ..FormField::new(&group.name, FieldKind::RadioGroup, pointer)
            },
            WidgetComponent::Text(text) => match &text.editable {
                Some(Editable::Field(props)) => FormField {
                    required: props.required == Some(true),
                    pattern: props.pattern.clone(),
                    ..FormField::new(&props.name, FieldKind::EditableText, pointer)
                },
                _ => return None,
            },
            _ => return None,
        };
        Some(field)
    }
}

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
}

impl ActionSite {
    /// The form values this action would lose to keys its payload already has.
    fn issues(&self) -> Vec<WidgetIssue> {
        let Some(form) = &self.form else {
            return Vec::new();
        };
        let payload = match &self.action.payload {
            None | Some(Value::Null) => return Vec::new(),
            Some(payload) => payload,
        };
        if form.fields.is_empty() {
            return Vec::new();
        }
        if !payload.is_object() {
            return vec![WidgetIssue::PayloadNotObject {
                action_type: self.action.action_type.clone(),
                slot: self.slot,
                action_pointer: self.pointer.clone(),
                field_names: form.fields.iter().map(|field| field.name.clone()).collect(),
            }];
        }
        form.fields
            .iter()
            .filter_map(|field| {
                colliding_key(payload, &field.name).map(|payload_key| {
                    WidgetIssue::FormValueCollision {
                        action_type: self.action.action_type.clone(),
                        slot: self.slot,
                        action_pointer: self.pointer.clone(),
                        field_name: field.name.clone(),
                        field_pointer: field.pointer.clone(),
                        payload_key,
                    }
                })
            })
            .collect()
    }
}

/// The payload key that stops the value of field `name` from being merged: the full dotted
/// path when the payload already has it, or a prefix holding a non-object value. `null`
/// members count as absent, since widgets drop them before the client sees the payload.
fn colliding_key(payload: &Value, name: &str) -> Option<String> {
    let mut current = payload;
    let mut depth = 0;
    let segments: Vec<&str> = name.split('.').collect();
    for (index, segment) in segments.iter().enumerate() {
        let Value::Object(object) = current else {
            return Some(segments[..depth].join("."));
        };
        match object.get(*segment) {
            None | Some(Value::Null) => return None,
            Some(value) => {
                depth = index + 1;
                current = value;
            }
        }
    }
    Some(name.to_owned())
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
        let mut actions: Vec<(ActionSlot, String, ActionConfig)> = Vec::new();
        if let WidgetRoot::Card(card) = self {
            if card.as_form == Some(true) {
                forms.push((String::new(), FormKind::Card));
            }
            if let Some(confirm) = &card.confirm {
                actions.push((
                    ActionSlot::CardConfirm,
                    String::new(),
                    confirm.action.clone(),
                ));
            }
            if let Some(cancel) = &card.cancel {
                actions.push((ActionSlot::CardCancel, String::new(), cancel.action.clone()));
            }
        }
        self.for_each_component(|component, pointer| {
            if matches!(component, WidgetComponent::Form(_)) {
                forms.push((pointer.to_owned(), FormKind::Form));
            }
            fields.extend(FormField::of(component, pointer));
            for (slot, action) in slots_of(component) {
                actions.push((slot, pointer.to_owned(), action.clone()));
            }
        });
        actions
            .into_iter()
            .map(|(slot, pointer, action)| {
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
                }
            })
            .collect()
    }

    /// Checks the widget for form values the client would silently drop: for every action
    /// inside a Form or an `asForm` Card, each form field whose key (dotted names nest) the
    /// action's payload already has, and each payload that is not an object.
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
