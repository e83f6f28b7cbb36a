//! [`ThreadItem`]: everything a thread holds, one struct per kind.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::attachment::Attachment;
use super::content::{
    AssistantMessageContent, GeneratedImage, InferenceOptions, UserMessageContent,
};
use super::structured_input::{StructuredInput, StructuredInputStatus};
use super::timestamp::Timestamp;
use super::update::ThreadItemUpdate;
use super::workflow::{Task, Workflow};
use crate::widget::WidgetRoot;

/// One item of a thread (tagged by `type`). Every kind holds `id`, `thread_id` and
/// `created_at`; the accessors here read them whatever the kind.
///
/// The item structs' constructors stamp `created_at` with [`Timestamp::now`]; their
/// `created_at` setter overrides it.
///
/// ```
/// use chatkit_actions::thread::{AssistantMessageItem, ThreadItem, ThreadStreamEvent};
///
/// let item = ThreadItem::from(AssistantMessageItem::new("msg_1", "thr_1", "Hello!"));
/// assert_eq!(item.id(), "msg_1");
/// let event = ThreadStreamEvent::item_done(item);
/// let json = serde_json::to_value(&event)?;
/// assert_eq!(json["item"]["content"][0]["text"], "Hello!");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThreadItem {
    /// `user_message`.
    UserMessage(UserMessageItem),
    /// `assistant_message`.
    AssistantMessage(AssistantMessageItem),
    /// `client_tool_call`.
    ClientToolCall(ClientToolCallItem),
    /// `widget`.
    Widget(WidgetItem),
    /// `generated_image`.
    GeneratedImage(GeneratedImageItem),
    /// `structured_input`.
    StructuredInput(StructuredInputItem),
    /// `task`.
    Task(TaskItem),
    /// `workflow`.
    Workflow(WorkflowItem),
    /// `end_of_turn`.
    EndOfTurn(EndOfTurnItem),
    /// `hidden_context_item`: integration context for the model, never shown.
    #[serde(rename = "hidden_context_item")]
    HiddenContext(HiddenContextItem),
    /// `sdk_hidden_context`: framework context for the model, never shown.
    SdkHiddenContext(SdkHiddenContextItem),
}

/// Expands `$body` once per variant, with `$item` bound to the variant's struct.
macro_rules! each_item {
    ($value:expr, $item:ident => $body:expr) => {
        match $value {
            ThreadItem::UserMessage($item) => $body,
            ThreadItem::AssistantMessage($item) => $body,
            ThreadItem::ClientToolCall($item) => $body,
            ThreadItem::Widget($item) => $body,
            ThreadItem::GeneratedImage($item) => $body,
            ThreadItem::StructuredInput($item) => $body,
            ThreadItem::Task($item) => $body,
            ThreadItem::Workflow($item) => $body,
            ThreadItem::EndOfTurn($item) => $body,
            ThreadItem::HiddenContext($item) => $body,
            ThreadItem::SdkHiddenContext($item) => $body,
        }
    };
}

impl ThreadItem {
    /// The item id.
    #[must_use]
    pub fn id(&self) -> &str {
        each_item!(self, item => &item.id)
    }

    /// The id of the thread the item belongs to.
    #[must_use]
    pub fn thread_id(&self) -> &str {
        each_item!(self, item => &item.thread_id)
    }

    /// When the item was created.
    #[must_use]
    pub fn created_at(&self) -> &Timestamp {
        each_item!(self, item => &item.created_at)
    }

    /// Sets the item id.
    pub fn set_id(&mut self, id: impl Into<String>) {
        let id = id.into();
        each_item!(self, item => item.id = id);
    }

    /// Sets the thread id.
    pub fn set_thread_id(&mut self, thread_id: impl Into<String>) {
        let thread_id = thread_id.into();
        each_item!(self, item => item.thread_id = thread_id);
    }

    /// Sets the creation time.
    pub fn set_created_at(&mut self, created_at: Timestamp) {
        each_item!(self, item => item.created_at = created_at);
    }

    /// Whether the item is model context that clients never see (`hidden_context_item`,
    /// `sdk_hidden_context`): servers persist it but never stream or list it.
    #[must_use]
    pub fn is_hidden(&self) -> bool {
        matches!(self, Self::HiddenContext(_) | Self::SdkHiddenContext(_))
    }

    /// The wire `type` of the item (`"user_message"`, `"widget"`, …).
    #[must_use]
    pub fn item_type(&self) -> &'static str {
        match self {
            Self::UserMessage(_) => "user_message",
            Self::AssistantMessage(_) => "assistant_message",
            Self::ClientToolCall(_) => "client_tool_call",
            Self::Widget(_) => "widget",
            Self::GeneratedImage(_) => "generated_image",
            Self::StructuredInput(_) => "structured_input",
            Self::Task(_) => "task",
            Self::Workflow(_) => "workflow",
            Self::EndOfTurn(_) => "end_of_turn",
            Self::HiddenContext(_) => "hidden_context_item",
            Self::SdkHiddenContext(_) => "sdk_hidden_context",
        }
    }

    /// Folds a `thread.item.updated` into the item, as the SDK keeps the items a response has
    /// added but not finished (what the cancellation handling saves):
    ///
    /// - an assistant message takes its content part updates: a text delta appends to the
    ///   part, a part added or done sets it, an annotation is inserted at its index (or
    ///   appended, past the end); a part index past the end first pads the content with empty
    ///   text parts;
    /// - a workflow takes its task updates: a task added is appended, a task updated replaces
    ///   the task at its index (an index past the end changes nothing);
    /// - any other pair (a widget update, an update for another kind of item) leaves the item
    ///   as it is: the done item that follows carries the final state.
    ///
    /// ```
    /// use chatkit_actions::thread::{AssistantMessageItem, ThreadItem, ThreadItemUpdate};
    ///
    /// let mut item = ThreadItem::from(AssistantMessageItem::new("msg_1", "thr_1", "Hel"));
    /// item.apply_update(&ThreadItemUpdate::text_delta(0, "lo"));
    /// let ThreadItem::AssistantMessage(message) = &item else { unreachable!() };
    /// assert_eq!(message.content[0].text, "Hello");
    /// ```
    pub fn apply_update(&mut self, update: &ThreadItemUpdate) {
        match (self, update) {
            (
                Self::AssistantMessage(message),
                ThreadItemUpdate::ContentPartTextDelta {
                    content_index,
                    delta,
                },
            ) => message.content_part(*content_index).text.push_str(delta),
            (
                Self::AssistantMessage(message),
                ThreadItemUpdate::ContentPartAdded {
                    content_index,
                    content,
                }
                | ThreadItemUpdate::ContentPartDone {
                    content_index,
                    content,
                },
            ) => *message.content_part(*content_index) = content.clone(),
            (
                Self::AssistantMessage(message),
                ThreadItemUpdate::ContentPartAnnotationAdded {
                    content_index,
                    annotation_index,
                    annotation,
                },
            ) => {
                let part = message.content_part(*content_index);
                let at = (*annotation_index).min(part.annotations.len());
                part.annotations.insert(at, annotation.clone());
            }
            (Self::Workflow(workflow), ThreadItemUpdate::WorkflowTaskAdded { task, .. }) => {
                workflow.workflow.tasks.push(task.clone());
            }
            (
                Self::Workflow(workflow),
                ThreadItemUpdate::WorkflowTaskUpdated { task_index, task },
            ) => {
                if let Some(slot) = workflow.workflow.tasks.get_mut(*task_index) {
                    *slot = task.clone();
                }
            }
            _ => {}
        }
    }

    /// The user message, if the item is one.
    #[must_use]
    pub fn as_user_message(&self) -> Option<&UserMessageItem> {
        match self {
            Self::UserMessage(item) => Some(item),
            _ => None,
        }
    }

    /// The assistant message, if the item is one.
    #[must_use]
    pub fn as_assistant_message(&self) -> Option<&AssistantMessageItem> {
        match self {
            Self::AssistantMessage(item) => Some(item),
            _ => None,
        }
    }

    /// The client tool call, if the item is one.
    #[must_use]
    pub fn as_client_tool_call(&self) -> Option<&ClientToolCallItem> {
        match self {
            Self::ClientToolCall(item) => Some(item),
            _ => None,
        }
    }

    /// The widget item, if the item is one.
    #[must_use]
    pub fn as_widget(&self) -> Option<&WidgetItem> {
        match self {
            Self::Widget(item) => Some(item),
            _ => None,
        }
    }

    /// The widget item, if the item is one.
    #[must_use]
    pub fn into_widget(self) -> Option<WidgetItem> {
        match self {
            Self::Widget(item) => Some(item),
            _ => None,
        }
    }
}

/// Implements the shared `created_at` setter and `From<$item> for ThreadItem`.
macro_rules! item_common {
    ($($item:ident => $variant:ident),* $(,)?) => {$(
        impl $item {
            /// Sets the creation time (the constructor uses [`Timestamp::now`]).
            #[must_use]
            pub fn created_at(mut self, created_at: Timestamp) -> Self {
                self.created_at = created_at;
                self
            }
        }

        impl From<$item> for ThreadItem {
            fn from(item: $item) -> Self {
                Self::$variant(item)
            }
        }
    )*};
}

item_common! {
    UserMessageItem => UserMessage,
    AssistantMessageItem => AssistantMessage,
    ClientToolCallItem => ClientToolCall,
    WidgetItem => Widget,
    GeneratedImageItem => GeneratedImage,
    StructuredInputItem => StructuredInput,
    TaskItem => Task,
    WorkflowItem => Workflow,
    EndOfTurnItem => EndOfTurn,
    HiddenContextItem => HiddenContext,
    SdkHiddenContextItem => SdkHiddenContext,
}

/// A `user_message` item: what the user sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserMessageItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// Text and tags.
    pub content: Vec<UserMessageContent>,
    /// The attachments, as full objects; always written. Their `metadata` is never
    /// serialized except through [`ForStore`](super::ForStore).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The text the user replied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_text: Option<String>,
    /// Tool and model choices; always written, `{}` when empty.
    #[serde(default)]
    pub inference_options: InferenceOptions,
}

impl UserMessageItem {
    /// A message with the given content and no attachments, quote or options.
    pub fn new(
        id: impl Into<String>,
        thread_id: impl Into<String>,
        content: Vec<UserMessageContent>,
    ) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            content,
            attachments: Vec::new(),
            quoted_text: None,
            inference_options: InferenceOptions::default(),
        }
    }

    /// The text parts and tag texts, concatenated.
    #[must_use]
    pub fn text(&self) -> String {
        self.content
            .iter()
            .map(UserMessageContent::as_text)
            .collect()
    }
}

/// An `assistant_message` item: the assistant's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistantMessageItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// The output parts.
    pub content: Vec<AssistantMessageContent>,
}

impl AssistantMessageItem {
    /// A message with one `output_text` part.
    pub fn new(
        id: impl Into<String>,
        thread_id: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let mut item = Self::empty(id, thread_id);
        item.content.push(AssistantMessageContent::new(text));
        item
    }

    /// A message with no content yet, as streamed in `thread.item.added`.
    pub fn empty(id: impl Into<String>, thread_id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            content: Vec::new(),
        }
    }

    /// The text of all parts, concatenated.
    #[must_use]
    pub fn text(&self) -> String {
        self.content.iter().map(|part| part.text.as_str()).collect()
    }

    /// The content part at `index`, after padding the content with empty text parts up to it
    /// (as the SDK folds an update for a part it has not seen).
    fn content_part(&mut self, index: usize) -> &mut AssistantMessageContent {
        if self.content.len() <= index {
            self.content
                .resize_with(index + 1, || AssistantMessageContent::new(""));
        }
        &mut self.content[index]
    }
}

/// A `client_tool_call` item: a tool the client runs (its result comes back as
/// `threads.add_client_tool_output`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientToolCallItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// `pending` until the client answers; always written.
    #[serde(default)]
    pub status: ClientToolCallStatus,
    /// The model's call id.
    pub call_id: String,
    /// The tool name.
    pub name: String,
    /// The arguments.
    pub arguments: Map<String, Value>,
    /// The client's result, once completed (a JSON `null` result is omitted, as in Python).
    #[serde(default, skip_serializing_if = "is_absent")]
    pub output: Option<Value>,
}

#[expect(
    clippy::ref_option,
    reason = "serde's skip_serializing_if passes the field by reference"
)]
fn is_absent(value: &Option<Value>) -> bool {
    matches!(value, None | Some(Value::Null))
}

impl ClientToolCallItem {
    /// A pending call.
    pub fn new(
        id: impl Into<String>,
        thread_id: impl Into<String>,
        call_id: impl Into<String>,
        name: impl Into<String>,
        arguments: Map<String, Value>,
    ) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            status: ClientToolCallStatus::Pending,
            call_id: call_id.into(),
            name: name.into(),
            arguments,
            output: None,
        }
    }
}

/// Whether a client tool call has been answered; `pending` by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientToolCallStatus {
    /// Waiting for the client.
    #[default]
    Pending,
    /// Answered.
    Completed,
}

/// A `widget` item: an interactive widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetItem {
    /// The item id (`msg_…` for widgets the SDK streams).
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// The widget tree, boxed: a tree is large by value (hundreds of bytes), and every
    /// [`ThreadItem`] is as large as its largest variant, stored, moved and copied through the
    /// pipeline as such. On the wire it is the tree itself.
    pub widget: Box<WidgetRoot>,
    /// The text the copy button copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_text: Option<String>,
}

impl WidgetItem {
    /// A widget item without copy text.
    pub fn new(id: impl Into<String>, thread_id: impl Into<String>, widget: WidgetRoot) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            widget: Box::new(widget),
            copy_text: None,
        }
    }

    /// Sets the copy text.
    #[must_use]
    pub fn copy_text(mut self, copy_text: impl Into<String>) -> Self {
        self.copy_text = Some(copy_text.into());
        self
    }
}

/// A `generated_image` item: an image the model generates (absent while in progress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedImageItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// The image, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<GeneratedImage>,
}

impl GeneratedImageItem {
    /// An item whose image is still being generated.
    pub fn new(id: impl Into<String>, thread_id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            image: None,
        }
    }

    /// Sets the image.
    #[must_use]
    pub fn image(mut self, image: GeneratedImage) -> Self {
        self.image = Some(image);
        self
    }
}

/// A `structured_input` item: questions shown in place of the composer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructuredInputItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// `pending` until answered or skipped; always written.
    #[serde(default)]
    pub status: StructuredInputStatus,
    /// The questions.
    pub inputs: Vec<StructuredInput>,
}

impl StructuredInputItem {
    /// A pending item with the given questions.
    pub fn new(
        id: impl Into<String>,
        thread_id: impl Into<String>,
        inputs: Vec<StructuredInput>,
    ) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            status: StructuredInputStatus::Pending,
            inputs,
        }
    }
}

/// A `task` item: one standalone task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// The task.
    pub task: Task,
}

impl TaskItem {
    /// A task item.
    pub fn new(id: impl Into<String>, thread_id: impl Into<String>, task: impl Into<Task>) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            task: task.into(),
        }
    }
}

/// A `workflow` item: a group of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// The workflow.
    pub workflow: Workflow,
}

impl WorkflowItem {
    /// A workflow item.
    pub fn new(id: impl Into<String>, thread_id: impl Into<String>, workflow: Workflow) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            workflow,
        }
    }
}

/// An `end_of_turn` item: marks the end of the assistant's turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndOfTurnItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
}

impl EndOfTurnItem {
    /// An end-of-turn marker.
    pub fn new(id: impl Into<String>, thread_id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
        }
    }
}

/// A `hidden_context_item`: integration-defined context for the model, never sent to the
/// client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiddenContextItem {
    /// The item id.
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// Any JSON (a `null` is omitted, as in Python, and read back as `null`).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub content: Value,
}

impl HiddenContextItem {
    /// A hidden context item.
    pub fn new(
        id: impl Into<String>,
        thread_id: impl Into<String>,
        content: impl Into<Value>,
    ) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            content: content.into(),
        }
    }
}

/// An `sdk_hidden_context` item: framework context for the model (such as the note that the
/// user cancelled a stream), never sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdkHiddenContextItem {
    /// The item id (`shcx_…` by default).
    pub id: String,
    /// The thread id.
    pub thread_id: String,
    /// When the item was created.
    pub created_at: Timestamp,
    /// The text.
    pub content: String,
}

impl SdkHiddenContextItem {
    /// A hidden context note.
    pub fn new(
        id: impl Into<String>,
        thread_id: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            thread_id: thread_id.into(),
            created_at: Timestamp::now(),
            content: content.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::thread::{Annotation, CustomTask, WorkflowSummary, WorkflowType};

    fn at() -> Timestamp {
        Timestamp::parse("2025-01-15T12:00:00").unwrap()
    }

    fn round_trip(item: impl Into<ThreadItem>, expected: &Value) {
        let item = item.into();
        assert_eq!(&serde_json::to_value(&item).unwrap(), expected);
        assert_eq!(
            serde_json::from_value::<ThreadItem>(expected.clone()).unwrap(),
            item
        );
    }

    #[test]
    fn defaults_are_written() {
        round_trip(
            UserMessageItem::new("m", "t", vec![UserMessageContent::text("hi")]).created_at(at()),
            &json!({
                "id": "m", "thread_id": "t", "created_at": "2025-01-15T12:00:00",
                "type": "user_message",
                "content": [{"type": "input_text", "text": "hi"}],
                "attachments": [], "inference_options": {},
            }),
        );
        round_trip(
            ClientToolCallItem::new("m", "t", "c", "n", Map::new()).created_at(at()),
            &json!({
                "id": "m", "thread_id": "t", "created_at": "2025-01-15T12:00:00",
                "type": "client_tool_call", "status": "pending", "call_id": "c", "name": "n",
                "arguments": {},
            }),
        );
        round_trip(
            EndOfTurnItem::new("e", "t").created_at(at()),
            &json!({"id": "e", "thread_id": "t", "created_at": "2025-01-15T12:00:00", "type": "end_of_turn"}),
        );
    }

    #[test]
    fn other_kinds_round_trip() {
        round_trip(
            WorkflowItem::new(
                "w",
                "t",
                Workflow::custom()
                    .task(CustomTask::new("x"))
                    .summary(WorkflowSummary::duration(3)),
            )
            .created_at(at()),
            &json!({
                "id": "w", "thread_id": "t", "created_at": "2025-01-15T12:00:00", "type": "workflow",
                "workflow": {
                    "type": "custom",
                    "tasks": [{"status_indicator": "none", "type": "custom", "title": "x"}],
                    "summary": {"duration": 3},
                    "expanded": false,
                },
            }),
        );
        round_trip(
            GeneratedImageItem::new("g", "t")
                .image(GeneratedImage::new("img", "data:,"))
                .created_at(at()),
            &json!({
                "id": "g", "thread_id": "t", "created_at": "2025-01-15T12:00:00",
                "type": "generated_image", "image": {"id": "img", "url": "data:,"},
            }),
        );
        round_trip(
            TaskItem::new("k", "t", CustomTask::new("x")).created_at(at()),
            &json!({
                "id": "k", "thread_id": "t", "created_at": "2025-01-15T12:00:00", "type": "task",
                "task": {"type": "custom", "status_indicator": "none", "title": "x"},
            }),
        );
        round_trip(
            StructuredInputItem::new("s", "t", Vec::new()).created_at(at()),
            &json!({
                "id": "s", "thread_id": "t", "created_at": "2025-01-15T12:00:00",
                "type": "structured_input", "status": "pending", "inputs": [],
            }),
        );
    }

    #[test]
    fn null_outputs_and_hidden_content_are_omitted() {
        let mut call = ClientToolCallItem::new("m", "t", "c", "n", Map::new()).created_at(at());
        call.status = ClientToolCallStatus::Completed;
        call.output = Some(Value::Null);
        let json = serde_json::to_value(ThreadItem::from(call)).unwrap();
        assert!(json.get("output").is_none(), "{json}");

        let hidden = HiddenContextItem::new("h", "t", Value::Null).created_at(at());
        let json = serde_json::to_value(ThreadItem::from(hidden.clone())).unwrap();
        assert!(json.get("content").is_none(), "{json}");
        assert_eq!(
            serde_json::from_value::<ThreadItem>(json).unwrap(),
            hidden.into()
        );
    }

    #[test]
    fn accessors() {
        let mut item = ThreadItem::from(SdkHiddenContextItem::new("s", "t", "cancelled"));
        assert!(item.is_hidden());
        assert_eq!(item.item_type(), "sdk_hidden_context");
        item.set_id("s2");
        item.set_thread_id("t2");
        item.set_created_at(at());
        assert_eq!(
            (item.id(), item.thread_id(), item.created_at()),
            ("s2", "t2", &at())
        );
        let message = ThreadItem::from(AssistantMessageItem::new("a", "t", "Hi"));
        assert!(!message.is_hidden());
        assert_eq!(
            message
                .as_assistant_message()
                .map(AssistantMessageItem::text),
            Some("Hi".into())
        );
        assert!(message.into_widget().is_none());
    }

    fn message(item: &ThreadItem) -> &AssistantMessageItem {
        match item {
            ThreadItem::AssistantMessage(message) => message,
            other => panic!("expected an assistant message, got {other:?}"),
        }
    }

    #[test]
    fn text_deltas_append_to_their_part() {
        let mut item = ThreadItem::from(AssistantMessageItem::new("m", "t", "Hel"));
        item.apply_update(&ThreadItemUpdate::text_delta(0, "lo"));
        item.apply_update(&ThreadItemUpdate::text_delta(0, ", world"));
        assert_eq!(
            message(&item).content,
            [AssistantMessageContent::new("Hello, world")]
        );
    }

    #[test]
    fn an_update_past_the_end_pads_with_empty_parts() {
        let mut item = ThreadItem::from(AssistantMessageItem::empty("m", "t"));
        item.apply_update(&ThreadItemUpdate::text_delta(2, "third"));
        assert_eq!(
            message(&item).content,
            [
                AssistantMessageContent::new(""),
                AssistantMessageContent::new(""),
                AssistantMessageContent::new("third"),
            ]
        );
    }

    #[test]
    fn parts_added_and_done_set_the_part() {
        let mut item = ThreadItem::from(AssistantMessageItem::new("m", "t", "draft"));
        item.apply_update(&ThreadItemUpdate::content_part_added(
            1,
            AssistantMessageContent::new("second"),
        ));
        item.apply_update(&ThreadItemUpdate::content_part_done(
            0,
            AssistantMessageContent::new("final"),
        ));
        assert_eq!(
            message(&item).content,
            [
                AssistantMessageContent::new("final"),
                AssistantMessageContent::new("second"),
            ]
        );
    }

    #[test]
    fn annotations_are_inserted_at_their_index_or_appended() {
        let source = |title: &str| crate::thread::UrlSource::new(title, "https://example.com");
        let mut item = ThreadItem::from(AssistantMessageItem::new("m", "t", "cited"));
        item.apply_update(&ThreadItemUpdate::annotation_added(
            0,
            0,
            Annotation::new(source("b")),
        ));
        item.apply_update(&ThreadItemUpdate::annotation_added(
            0,
            0,
            Annotation::new(source("a")),
        ));
        item.apply_update(&ThreadItemUpdate::annotation_added(
            0,
            9,
            Annotation::new(source("c")),
        ));
        let titles: Vec<&str> = message(&item).content[0]
            .annotations
            .iter()
            .map(|annotation| annotation.source.title())
            .collect();
        assert_eq!(titles, ["a", "b", "c"]);
    }

    #[test]
    fn workflow_tasks_are_added_and_updated_in_place() {
        let mut item = ThreadItem::from(WorkflowItem::new(
            "w",
            "t",
            Workflow::new(WorkflowType::Custom),
        ));
        item.apply_update(&ThreadItemUpdate::task_added(0, CustomTask::new("one")));
        item.apply_update(&ThreadItemUpdate::task_added(1, CustomTask::new("two")));
        item.apply_update(&ThreadItemUpdate::task_updated(
            0,
            CustomTask::new("one, done"),
        ));
        // An index past the end changes nothing.
        item.apply_update(&ThreadItemUpdate::task_updated(
            5,
            CustomTask::new("nowhere"),
        ));
        let ThreadItem::Workflow(workflow) = &item else {
            panic!("expected a workflow, got {item:?}");
        };
        assert_eq!(
            workflow.workflow.tasks,
            [
                Task::from(CustomTask::new("one, done")),
                Task::from(CustomTask::new("two"))
            ]
        );
    }

    #[test]
    fn other_updates_leave_the_item_as_it_is() {
        let widget = WidgetItem::new("w", "t", crate::widget::Card::new().into());
        let mut item = ThreadItem::from(widget.clone());
        item.apply_update(&ThreadItemUpdate::widget_text_delta("x", "y", true));
        item.apply_update(&ThreadItemUpdate::text_delta(0, "not a message"));
        assert_eq!(item, ThreadItem::from(widget));
        let mut message_item = ThreadItem::from(AssistantMessageItem::new("m", "t", "Hi"));
        let before = message_item.clone();
        message_item.apply_update(&ThreadItemUpdate::task_added(
            0,
            CustomTask::new("not a workflow"),
        ));
        assert_eq!(message_item, before);
    }
}

#[cfg(test)]
mod size {
    use super::*;

    /// Every item is as large as the largest variant, and is moved through the pipeline and
    /// kept by the memory store at that size: the widget tree (672 bytes by value) stays boxed.
    #[test]
    fn a_thread_item_stays_small() {
        assert!(
            size_of::<WidgetItem>() <= 128,
            "{}",
            size_of::<WidgetItem>()
        );
        assert!(
            size_of::<ThreadItem>() <= 200,
            "{}",
            size_of::<ThreadItem>()
        );
    }
}
