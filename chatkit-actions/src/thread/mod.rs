//! Threads and everything they hold: thread metadata and status, pages, items and
//! their content, attachments, workflows, structured input, and the stream events a server
//! sends while it responds, with the item updates among them: [`ThreadItem::apply_update`]
//! folds one into an item, and [`diff_widget`] finds those that take a widget item from one
//! state to the next.
//!
//! Every type here serializes exactly as the official Python SDK does on the wire: an unset
//! optional field is omitted, a field with a non-null default (`[]`, `{}`, `false`,
//! `{"type":"active"}`) is always written, and on input an optional field may be absent or
//! `null`. Unknown keys are ignored.
//!
//! ```
//! use chatkit_actions::thread::{Thread, ThreadMetadata, Timestamp};
//!
//! let created_at: Timestamp = "2025-01-15T12:00:00".parse()?;
//! let thread = Thread::from(ThreadMetadata::new("thr_1", created_at));
//! assert_eq!(
//!     serde_json::to_string(&thread)?,
//!     r#"{"id":"thr_1","created_at":"2025-01-15T12:00:00","status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}"#,
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod attachment;
mod content;
mod event;
mod item;
mod structured_input;
mod timestamp;
mod update;
mod widget_diff;
mod workflow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use attachment::{
    Attachment, FileAttachment, ForStore, ImageAttachment, UploadDescriptor, UploadMethod,
};
pub use content::{
    Annotation, AssistantMessageContent, EntitySource, FileSource, GeneratedImage,
    InferenceOptions, Source, TagContent, ToolChoice, UrlSource, UserMessageContent,
};
pub use event::{
    ClientEffectEvent, ErrorCode, ErrorEvent, NoticeEvent, NoticeLevel, ProgressUpdateEvent,
    StreamOptions, ThreadStreamEvent,
};
pub use item::{
    AssistantMessageItem, ClientToolCallItem, ClientToolCallStatus, EndOfTurnItem,
    GeneratedImageItem, HiddenContextItem, SdkHiddenContextItem, StructuredInputItem, TaskItem,
    ThreadItem, UserMessageItem, WidgetItem, WorkflowItem,
};
pub use structured_input::{
    ChoiceOption, FreeformInput, MultipleChoiceInput, StructuredInput, StructuredInputAnswer,
    StructuredInputError, StructuredInputStatus, StructuredInputSubmission, SubmissionStatus,
};
pub use timestamp::{Timestamp, TimestampError};
pub use update::ThreadItemUpdate;
pub(crate) use widget_diff::updates_reach;
pub use widget_diff::{WidgetDiffError, diff_widget};
pub use workflow::{
    CustomTask, FileTask, ImageTask, Task, TaskStatusIndicator, ThoughtTask, WebSearchTask,
    Workflow, WorkflowSummary, WorkflowType,
};

/// The page size used when a list request gives no `limit` (or `0`), as in the Python SDK.
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// Declares [`ThreadMetadata`] and [`Thread`], which are the same fields but `items`, with
/// the conversions between them: the shared fields are written once.
macro_rules! thread_types {
    ($($(#[$attr:meta])* $field:ident: $ty:ty,)+) => {
        /// A thread without its items: what a store saves and loads.
        ///
        /// `metadata` is server-private: stores keep it, but thread responses always carry `{}`
        /// (see [`Thread::redacted`]).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct ThreadMetadata {
            $($(#[$attr])* pub $field: $ty,)+
        }

        /// A thread with a page of its items: the `threads.get_by_id` response and the payload
        /// of `thread.created` / `thread.updated`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct Thread {
            $($(#[$attr])* pub $field: $ty,)+
            /// A page of the thread's items; always written (the empty page by default).
            #[serde(default)]
            pub items: Page<ThreadItem>,
        }

        impl ThreadMetadata {
            /// The thread with these metadata and the given items.
            #[must_use]
            pub fn with_items(self, items: Page<ThreadItem>) -> Thread {
                let Self { $($field),+ } = self;
                Thread { $($field,)+ items }
            }
        }

        impl Thread {
            /// Splits the thread into its metadata and its items.
            #[must_use]
            pub fn into_parts(self) -> (ThreadMetadata, Page<ThreadItem>) {
                let Self { $($field,)+ items } = self;
                (ThreadMetadata { $($field),+ }, items)
            }
        }
    };
}

thread_types! {
    /// The thread id (`thr_…` by default).
    id: String,
    /// The title, absent until one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    /// When the thread was created.
    created_at: Timestamp,
    /// Whether the composer is usable; always written (`{"type":"active"}` by default).
    #[serde(default)]
    status: ThreadStatus,
    /// Extra image domains the client may load from (Python SDK 1.6.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowed_image_domains: Option<Vec<String>>,
    /// Server-private data of the integration; always written, `{}` by default. A response
    /// always carries `{}` (see [`Thread::redacted`]).
    #[serde(default)]
    metadata: Map<String, Value>,
}

impl ThreadMetadata {
    /// An active thread with no title and empty metadata.
    pub fn new(id: impl Into<String>, created_at: Timestamp) -> Self {
        Self {
            id: id.into(),
            title: None,
            created_at,
            status: ThreadStatus::Active,
            allowed_image_domains: None,
            metadata: Map::new(),
        }
    }

    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the status.
    #[must_use]
    pub fn status(mut self, status: ThreadStatus) -> Self {
        self.status = status;
        self
    }
}

impl Thread {
    /// The thread with what the client must not see removed, as a server sends it: `metadata`
    /// emptied (it is server-private) and hidden items ([`ThreadItem::is_hidden`]) dropped
    /// from `items`, whose `has_more` and `after` are kept. A redaction: the type stays
    /// [`Thread`].
    #[must_use]
    pub fn redacted(mut self) -> Self {
        self.metadata = Map::new();
        self.items.data.retain(|item| !item.is_hidden());
        self
    }
}

impl From<ThreadMetadata> for Thread {
    /// The thread with an empty page of items.
    fn from(metadata: ThreadMetadata) -> Self {
        metadata.with_items(Page::default())
    }
}

/// Whether a thread accepts new messages (tagged by `type`). The server does not enforce it;
/// the client disables or replaces the composer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThreadStatus {
    /// `{"type":"active"}`: the default.
    #[default]
    Active,
    /// `{"type":"locked"}`: the composer is disabled and shows `reason` as its placeholder.
    Locked {
        /// Why the thread is locked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// `{"type":"closed"}`: the composer is replaced by a banner showing `reason`.
    Closed {
        /// Why the thread is closed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

impl ThreadStatus {
    /// A locked status with a reason.
    pub fn locked(reason: impl Into<String>) -> Self {
        Self::Locked {
            reason: Some(reason.into()),
        }
    }

    /// A closed status with a reason.
    pub fn closed(reason: impl Into<String>) -> Self {
        Self::Closed {
            reason: Some(reason.into()),
        }
    }

    /// Whether the thread is active.
    #[must_use]
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Active)
    }
}

/// One page of a list (`items.list`, `threads.list`, a thread's `items`).
///
/// `after` is the cursor for the next page: the id of the last element of `data` when
/// `has_more` is true, absent otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    /// The elements; always written.
    #[serde(default)]
    pub data: Vec<T>,
    /// Whether more elements follow; always written.
    #[serde(default)]
    pub has_more: bool,
    /// The cursor for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl<T> Page<T> {
    /// A last page: `has_more` false and no cursor.
    #[must_use]
    pub fn new(data: Vec<T>) -> Self {
        Self {
            data,
            has_more: false,
            after: None,
        }
    }

    /// A page followed by more: `has_more` true and `after` the given cursor.
    #[must_use]
    pub fn with_next(data: Vec<T>, after: impl Into<String>) -> Self {
        Self {
            data,
            has_more: true,
            after: Some(after.into()),
        }
    }

    /// The page with every element converted, keeping `has_more` and `after`.
    #[must_use]
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            has_more: self.has_more,
            after: self.after,
        }
    }

    /// Iterates over the elements.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.data.iter()
    }
}

impl<T> Default for Page<T> {
    /// The empty last page, `{"data":[],"has_more":false}`.
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}

/// The order of a list request (`"asc"` or `"desc"`, by `created_at`); `desc` by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Oldest first.
    Asc,
    /// Newest first: the default.
    #[default]
    Desc,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn created_at() -> Timestamp {
        "2025-01-15T12:00:00".parse().unwrap()
    }

    #[test]
    fn defaults_are_always_written() {
        let thread = Thread::from(ThreadMetadata::new("thr_1", created_at()));
        assert_eq!(
            serde_json::to_value(&thread).unwrap(),
            json!({
                "id": "thr_1",
                "created_at": "2025-01-15T12:00:00",
                "status": {"type": "active"},
                "metadata": {},
                "items": {"data": [], "has_more": false},
            })
        );
    }

    #[test]
    fn optionals_accept_null_and_absence() {
        let thread: ThreadMetadata = serde_json::from_value(json!({
            "id": "thr_1",
            "title": null,
            "created_at": "2025-01-15T12:00:00",
            "allowed_image_domains": null,
            "unknown": 1,
        }))
        .unwrap();
        assert_eq!(thread, ThreadMetadata::new("thr_1", created_at()));
    }

    #[test]
    fn statuses() {
        let locked = ThreadStatus::locked("maintenance");
        assert_eq!(
            serde_json::to_value(&locked).unwrap(),
            json!({"type": "locked", "reason": "maintenance"})
        );
        let closed: ThreadStatus =
            serde_json::from_value(json!({"type": "closed", "reason": null})).unwrap();
        assert_eq!(closed, ThreadStatus::Closed { reason: None });
        assert_eq!(
            serde_json::to_value(&closed).unwrap(),
            json!({"type": "closed"})
        );
        let active: ThreadStatus =
            serde_json::from_value(json!({"type": "active", "reason": null})).unwrap();
        assert!(active.is_active());
    }

    #[test]
    fn redaction_drops_private_metadata_and_hidden_items() {
        let mut metadata = ThreadMetadata::new("thr_1", created_at()).title("T");
        metadata.metadata.insert("secret".into(), json!(1));
        let hidden = HiddenContextItem::new("hcx_1", "thr_1", "note").created_at(created_at());
        let end = EndOfTurnItem::new("eot_1", "thr_1").created_at(created_at());
        let thread = metadata
            .with_items(Page::with_next(vec![hidden.into(), end.into()], "eot_1"))
            .redacted();
        assert_eq!(
            serde_json::to_value(&thread).unwrap(),
            json!({
                "id": "thr_1",
                "title": "T",
                "created_at": "2025-01-15T12:00:00",
                "status": {"type": "active"},
                "metadata": {},
                "items": {
                    "data": [{"id": "eot_1", "thread_id": "thr_1", "created_at": "2025-01-15T12:00:00", "type": "end_of_turn"}],
                    "has_more": true,
                    "after": "eot_1",
                },
            })
        );
    }

    #[test]
    fn page_cursor_only_when_set() {
        let page = Page::new(vec![1, 2]);
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            json!({"data": [1, 2], "has_more": false})
        );
        let page: Page<u8> = serde_json::from_value(json!({"after": null})).unwrap();
        assert_eq!(page, Page::default());
    }
}
