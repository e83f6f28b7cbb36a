//! Stream events: [`ThreadStreamEvent`], one SSE `data:` payload each.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::Thread;
use super::item::ThreadItem;
use super::update::ThreadItemUpdate;

/// One event of a streamed response (tagged by `type`).
///
/// ```
/// use chatkit_actions::thread::{ErrorEvent, ThreadStreamEvent};
///
/// let event: ThreadStreamEvent = ErrorEvent::custom("Counter overflow").allow_retry(true).into();
/// assert_eq!(
///     serde_json::to_string(&event)?,
///     r#"{"type":"error","code":"custom","message":"Counter overflow","allow_retry":true}"#,
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[expect(
    clippy::large_enum_variant,
    reason = "the large variant is `thread.item.updated` carrying a whole widget tree \
              (`widget.root.updated`), rarer than the item events; boxing it would change \
              `ThreadItemUpdate`'s public fields"
)]
pub enum ThreadStreamEvent {
    /// `thread.created`: the new thread (the server saved it first).
    #[serde(rename = "thread.created")]
    ThreadCreated {
        /// The thread.
        thread: Thread,
    },
    /// `thread.updated`: the thread's metadata changed (items are the empty page).
    #[serde(rename = "thread.updated")]
    ThreadUpdated {
        /// The thread.
        thread: Thread,
    },
    /// `thread.item.added`: an item starts streaming; not persisted yet.
    #[serde(rename = "thread.item.added")]
    ItemAdded {
        /// The item in its first state.
        item: ThreadItem,
    },
    /// `thread.item.updated`: an incremental change to a streaming item.
    #[serde(rename = "thread.item.updated")]
    ItemUpdated {
        /// The item changed.
        item_id: String,
        /// The change.
        update: ThreadItemUpdate,
    },
    /// `thread.item.done`: an item is complete; the server inserts it.
    #[serde(rename = "thread.item.done")]
    ItemDone {
        /// The item in its final state.
        item: ThreadItem,
    },
    /// `thread.item.removed`: an item is gone; the server deletes it.
    #[serde(rename = "thread.item.removed")]
    ItemRemoved {
        /// The item removed.
        item_id: String,
    },
    /// `thread.item.replaced`: an item changed as a whole; the server upserts it.
    #[serde(rename = "thread.item.replaced")]
    ItemReplaced {
        /// The new item.
        item: ThreadItem,
    },
    /// `stream_options`: stream settings, first event of every response pipeline.
    #[serde(rename = "stream_options")]
    StreamOptions {
        /// The settings.
        stream_options: StreamOptions,
    },
    /// `progress_update`: a transient status line.
    #[serde(rename = "progress_update")]
    ProgressUpdate(ProgressUpdateEvent),
    /// `client_effect`: a fire-and-forget call of a client hook.
    #[serde(rename = "client_effect")]
    ClientEffect(ClientEffectEvent),
    /// `error`: the response failed.
    #[serde(rename = "error")]
    Error(ErrorEvent),
    /// `notice`: a message banner.
    #[serde(rename = "notice")]
    Notice(NoticeEvent),
}

impl ThreadStreamEvent {
    /// `thread.created`.
    #[must_use]
    pub fn thread_created(thread: Thread) -> Self {
        Self::ThreadCreated { thread }
    }

    /// `thread.updated`.
    #[must_use]
    pub fn thread_updated(thread: Thread) -> Self {
        Self::ThreadUpdated { thread }
    }

    /// `thread.item.added`.
    pub fn item_added(item: impl Into<ThreadItem>) -> Self {
        Self::ItemAdded { item: item.into() }
    }

    /// `thread.item.updated`.
    pub fn item_updated(item_id: impl Into<String>, update: ThreadItemUpdate) -> Self {
        Self::ItemUpdated {
            item_id: item_id.into(),
            update,
        }
    }

    /// `thread.item.done`.
    pub fn item_done(item: impl Into<ThreadItem>) -> Self {
        Self::ItemDone { item: item.into() }
    }

    /// `thread.item.removed`.
    pub fn item_removed(item_id: impl Into<String>) -> Self {
        Self::ItemRemoved {
            item_id: item_id.into(),
        }
    }

    /// `thread.item.replaced`.
    pub fn item_replaced(item: impl Into<ThreadItem>) -> Self {
        Self::ItemReplaced { item: item.into() }
    }

    /// `stream_options`.
    #[must_use]
    pub fn stream_options(allow_cancel: bool) -> Self {
        Self::StreamOptions {
            stream_options: StreamOptions { allow_cancel },
        }
    }

    /// `progress_update` with text and no icon.
    pub fn progress_update(text: impl Into<String>) -> Self {
        Self::ProgressUpdate(ProgressUpdateEvent::new(text))
    }

    /// `client_effect` with the given data.
    pub fn client_effect(name: impl Into<String>, data: Map<String, Value>) -> Self {
        Self::ClientEffect(ClientEffectEvent::new(name).data(data))
    }

    /// The widget item the event carries whole: a widget item added, done or replaced.
    pub(crate) fn widget_item(&self) -> Option<&super::WidgetItem> {
        match self {
            Self::ItemAdded {
                item: ThreadItem::Widget(item),
            }
            | Self::ItemDone {
                item: ThreadItem::Widget(item),
            }
            | Self::ItemReplaced {
                item: ThreadItem::Widget(item),
            } => Some(item),
            _ => None,
        }
    }

    /// The wire `type` of the event (`"thread.item.done"`, `"error"`, …).
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ThreadCreated { .. } => "thread.created",
            Self::ThreadUpdated { .. } => "thread.updated",
            Self::ItemAdded { .. } => "thread.item.added",
            Self::ItemUpdated { .. } => "thread.item.updated",
            Self::ItemDone { .. } => "thread.item.done",
            Self::ItemRemoved { .. } => "thread.item.removed",
            Self::ItemReplaced { .. } => "thread.item.replaced",
            Self::StreamOptions { .. } => "stream_options",
            Self::ProgressUpdate(_) => "progress_update",
            Self::ClientEffect(_) => "client_effect",
            Self::Error(_) => "error",
            Self::Notice(_) => "notice",
        }
    }

    /// The item of an added, done or replaced event.
    #[must_use]
    pub fn item(&self) -> Option<&ThreadItem> {
        match self {
            Self::ItemAdded { item } | Self::ItemDone { item } | Self::ItemReplaced { item } => {
                Some(item)
            }
            _ => None,
        }
    }
}

impl From<ProgressUpdateEvent> for ThreadStreamEvent {
    fn from(event: ProgressUpdateEvent) -> Self {
        Self::ProgressUpdate(event)
    }
}

impl From<ClientEffectEvent> for ThreadStreamEvent {
    fn from(event: ClientEffectEvent) -> Self {
        Self::ClientEffect(event)
    }
}

impl From<ErrorEvent> for ThreadStreamEvent {
    fn from(event: ErrorEvent) -> Self {
        Self::Error(event)
    }
}

impl From<NoticeEvent> for ThreadStreamEvent {
    fn from(event: NoticeEvent) -> Self {
        Self::Notice(event)
    }
}

/// The payload of `stream_options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Whether the client shows a stop button.
    pub allow_cancel: bool,
}

impl Default for StreamOptions {
    /// Cancellation allowed, as the Python server's default.
    fn default() -> Self {
        Self { allow_cancel: true }
    }
}

/// A `progress_update` event: a transient status line, never persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressUpdateEvent {
    /// An icon name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// The text.
    pub text: String,
}

impl ProgressUpdateEvent {
    /// A status line without icon.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            icon: None,
            text: text.into(),
        }
    }

    /// Sets the icon.
    #[must_use]
    pub fn icon(mut self, icon: impl Into<String>) -> Self {
        self.icon = Some(icon.into());
        self
    }
}

/// A `client_effect` event: calls the client's effect hook with `name` and `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientEffectEvent {
    /// The effect name.
    pub name: String,
    /// Its data; always written, `{}` by default.
    #[serde(default)]
    pub data: Map<String, Value>,
}

impl ClientEffectEvent {
    /// An effect with no data.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            data: Map::new(),
        }
    }

    /// Sets the data.
    #[must_use]
    pub fn data(mut self, data: Map<String, Value>) -> Self {
        self.data = data;
        self
    }
}

/// An `error` event. `code` and `allow_retry` are always written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// What went wrong; `custom` (show `message`) by default.
    #[serde(default)]
    pub code: ErrorCode,
    /// The message shown for `custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whether the client offers a retry button.
    #[serde(default)]
    pub allow_retry: bool,
}

impl ErrorEvent {
    /// An error with the given code, no message and no retry.
    pub fn new(code: impl Into<ErrorCode>) -> Self {
        Self {
            code: code.into(),
            message: None,
            allow_retry: false,
        }
    }

    /// A `custom` error showing `message`, without retry.
    pub fn custom(message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::Custom,
            message: Some(message.into()),
            allow_retry: false,
        }
    }

    /// The generic `stream.error` (the client shows its own localized text), with retry
    /// allowed as the Python server does for a failed response.
    #[must_use]
    pub fn stream_error() -> Self {
        Self {
            code: ErrorCode::StreamError,
            message: None,
            allow_retry: true,
        }
    }

    /// Sets whether the client offers a retry button.
    #[must_use]
    pub fn allow_retry(mut self, allow_retry: bool) -> Self {
        self.allow_retry = allow_retry;
        self
    }

    /// Sets the message.
    #[must_use]
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// The `code` of an [`ErrorEvent`]: an open set of strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `stream.error`: the client shows a generic localized message.
    StreamError,
    /// `custom`: the client shows the event's `message`. The default.
    #[default]
    Custom,
    /// Any other code, kept as written.
    Other(String),
}

impl ErrorCode {
    /// The wire string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::StreamError => "stream.error",
            Self::Custom => "custom",
            Self::Other(code) => code,
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        match code {
            "stream.error" => Self::StreamError,
            "custom" => Self::Custom,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        match code.as_str() {
            "stream.error" => Self::StreamError,
            "custom" => Self::Custom,
            _ => Self::Other(code),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

/// A `notice` event: a banner with a Markdown message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeEvent {
    /// The severity.
    pub level: NoticeLevel,
    /// The message (Markdown).
    pub message: String,
    /// A title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl NoticeEvent {
    /// A notice without title.
    pub fn new(level: NoticeLevel, message: impl Into<String>) -> Self {
        Self {
            level,
            message: message.into(),
            title: None,
        }
    }

    /// An `info` notice.
    pub fn info(message: impl Into<String>) -> Self {
        Self::new(NoticeLevel::Info, message)
    }

    /// A `warning` notice.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(NoticeLevel::Warning, message)
    }

    /// A `danger` notice.
    pub fn danger(message: impl Into<String>) -> Self {
        Self::new(NoticeLevel::Danger, message)
    }

    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// The severity of a [`NoticeEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    /// `info`.
    Info,
    /// `warning`.
    Warning,
    /// `danger`.
    Danger,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::thread::{
        Annotation, AssistantMessageContent, AssistantMessageItem, CustomTask, GeneratedImage,
        UrlSource,
    };

    fn round_trip(event: &ThreadStreamEvent, expected: &Value) {
        assert_eq!(&serde_json::to_value(event).unwrap(), expected);
        assert_eq!(
            &serde_json::from_value::<ThreadStreamEvent>(expected.clone()).unwrap(),
            event
        );
    }

    #[test]
    fn error_codes_are_open() {
        round_trip(
            &ErrorEvent::stream_error().into(),
            &json!({"type": "error", "code": "stream.error", "allow_retry": true}),
        );
        round_trip(
            &ErrorEvent::new("rate_limited").into(),
            &json!({"type": "error", "code": "rate_limited", "allow_retry": false}),
        );
        let defaults: ThreadStreamEvent = serde_json::from_value(json!({"type": "error"})).unwrap();
        assert_eq!(defaults, ErrorEvent::default().into());
        assert_eq!(
            serde_json::to_value(&defaults).unwrap(),
            json!({"type": "error", "code": "custom", "allow_retry": false})
        );
        assert_eq!(ErrorCode::from("custom".to_owned()), ErrorCode::Custom);
    }

    #[test]
    fn other_events() {
        round_trip(
            &ThreadStreamEvent::stream_options(true),
            &json!({"type": "stream_options", "stream_options": {"allow_cancel": true}}),
        );
        round_trip(
            &NoticeEvent::danger("Stop").title("Careful").into(),
            &json!({"type": "notice", "level": "danger", "message": "Stop", "title": "Careful"}),
        );
        round_trip(
            &ProgressUpdateEvent::new("Searching...")
                .icon("search")
                .into(),
            &json!({"type": "progress_update", "icon": "search", "text": "Searching..."}),
        );
        round_trip(
            &ThreadStreamEvent::client_effect("confetti", Map::new()),
            &json!({"type": "client_effect", "name": "confetti", "data": {}}),
        );
        round_trip(
            &ThreadStreamEvent::item_removed("m"),
            &json!({"type": "thread.item.removed", "item_id": "m"}),
        );
    }

    #[test]
    fn item_updates() {
        let cases = [
            (
                ThreadItemUpdate::content_part_added(0, AssistantMessageContent::new("")),
                json!({
                    "type": "assistant_message.content_part.added",
                    "content_index": 0,
                    "content": {"type": "output_text", "text": "", "annotations": []},
                }),
            ),
            (
                ThreadItemUpdate::annotation_added(
                    0,
                    1,
                    Annotation::new(UrlSource::new("t", "https://e.com")),
                ),
                json!({
                    "type": "assistant_message.content_part.annotation_added",
                    "content_index": 0,
                    "annotation_index": 1,
                    "annotation": {"type": "annotation", "source": {"type": "url", "title": "t", "url": "https://e.com"}},
                }),
            ),
            (
                ThreadItemUpdate::widget_text_delta("c", "d", false),
                json!({"type": "widget.streaming_text.value_delta", "component_id": "c", "delta": "d", "done": false}),
            ),
            (
                ThreadItemUpdate::task_added(2, CustomTask::new("x")),
                json!({"type": "workflow.task.added", "task_index": 2, "task": {"type": "custom", "status_indicator": "none", "title": "x"}}),
            ),
            (
                ThreadItemUpdate::generated_image_updated(GeneratedImage::new("i", "u"), Some(0.5)),
                json!({"type": "generated_image.updated", "image": {"id": "i", "url": "u"}, "progress": 0.5}),
            ),
            (
                ThreadItemUpdate::generated_image_updated(GeneratedImage::new("i", "u"), None),
                json!({"type": "generated_image.updated", "image": {"id": "i", "url": "u"}}),
            ),
        ];
        for (update, json) in cases {
            round_trip(
                &ThreadStreamEvent::item_updated("x", update),
                &json!({"type": "thread.item.updated", "item_id": "x", "update": json}),
            );
        }
    }

    #[test]
    fn item_events_dispatch() {
        let item = ThreadItem::from(AssistantMessageItem::new("a", "t", "Hi"));
        let replaced = ThreadStreamEvent::item_replaced(item.clone());
        let json = serde_json::to_value(&replaced).unwrap();
        assert_eq!(json["type"], "thread.item.replaced");
        let back: ThreadStreamEvent = serde_json::from_value(json).unwrap();
        assert!(matches!(back, ThreadStreamEvent::ItemReplaced { .. }));
        assert_eq!(back.item(), Some(&item));
        assert_eq!(back.event_type(), "thread.item.replaced");
    }
}
