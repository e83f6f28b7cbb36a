//! The thread as the model's input: [`ThreadItemConverter`], one overridable method per item
//! kind, like the Python SDK's `ThreadItemConverter`.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Value, json};

use crate::attachments::{AttachmentError, AttachmentReader};

use crate::thread::{
    AssistantMessageItem, Attachment, ClientToolCallItem, ClientToolCallStatus, EndOfTurnItem,
    GeneratedImageItem, HiddenContextItem, SdkHiddenContextItem, StructuredInputItem, TagContent,
    Task, TaskItem, ThreadItem, UserMessageContent, UserMessageItem, WidgetItem, WorkflowItem,
};

/// A user message input item with one `input_text` part.
pub fn user_text(text: impl Into<String>) -> Value {
    json!({
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text.into()}],
    })
}

/// The note the SDK wraps hidden context in.
fn hidden_text(content: &str) -> String {
    format!(
        "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n{content}\n</HiddenContext>"
    )
}

/// How a task reads for the model: `title: content`, either alone, or `None` when empty or
/// not a custom task (as the SDK).
fn task_text(task: &Task) -> Option<String> {
    let Task::Custom(task) = task else {
        return None;
    };
    let title = task.title.as_deref().filter(|t| !t.is_empty());
    let content = task.content.as_deref().filter(|c| !c.is_empty());
    let text = match (title, content) {
        (Some(title), Some(content)) => format!("{title}: {content}"),
        (Some(text), None) | (None, Some(text)) => text.to_owned(),
        (None, None) => return None,
    };
    Some(format!(
        "A message was displayed to the user that the following task was performed:\n<Task>\n{text}\n</Task>"
    ))
}

/// Converts thread items into Responses API input items. Every method has the SDK's
/// default; override the ones your application needs (attachments stored elsewhere, tags
/// that resolve to records, hidden context in another format).
///
/// ```
/// use chatkit_actions::model::{DefaultConverter, ThreadItemConverter, user_text};
/// use chatkit_actions::thread::HiddenContextItem;
/// use serde_json::Value;
///
/// /// Sends hidden context as a developer message instead.
/// struct Developer;
///
/// #[chatkit_actions::async_trait]
/// impl ThreadItemConverter for Developer {
///     async fn hidden_context_to_input(&self, item: &HiddenContextItem) -> Vec<Value> {
///         let mut message = user_text(item.content.to_string());
///         message["role"] = "developer".into();
///         vec![message]
///     }
/// }
/// # let _ = DefaultConverter;
/// ```
#[async_trait]
pub trait ThreadItemConverter: Send + Sync + 'static {
    /// A user message: its text (tags as `@text`) and attachments in one message; before it,
    /// when it is the last one, the quoted text; after it, the tags' context.
    async fn user_message_to_input(&self, item: &UserMessageItem, is_last: bool) -> Vec<Value> {
        let mut text = String::new();
        let mut tags: Vec<&TagContent> = Vec::new();
        for part in &item.content {
            match part {
                UserMessageContent::InputText { text: part } => text.push_str(part),
                UserMessageContent::InputTag(tag) => {
                    text.push('@');
                    text.push_str(&tag.text);
                    if !tags.iter().any(|seen| seen.text == tag.text) {
                        tags.push(tag);
                    }
                }
            }
        }
        let mut content = vec![json!({"type": "input_text", "text": text})];
        for attachment in &item.attachments {
            content.extend(self.attachment_to_input(attachment).await);
        }
        let mut out = vec![json!({"type": "message", "role": "user", "content": content})];
        if is_last && let Some(quoted) = &item.quoted_text {
            out.push(user_text(format!(
                "The user is referring to this in particular: \n{quoted}"
            )));
        }
        let mut tag_content = Vec::new();
        for tag in tags {
            tag_content.extend(self.tag_to_input(tag).await);
        }
        if !tag_content.is_empty() {
            let mut content = vec![json!({"type": "input_text", "text":
                "# User-provided context for @-mentions\n- When referencing resolved entities, use their canonical names **without** '@'.\n- The '@' form appears only in user text and should not be echoed."})];
            content.extend(tag_content);
            out.push(json!({"type": "message", "role": "user", "content": content}));
        }
        out
    }

    /// The bytes of an attachment, to send them to the model; at most
    /// [`MAX_INLINE_BYTES`] unless the implementation says otherwise. The default reads none
    /// ([`AttachmentError::Unsupported`]); [`AttachmentConverter`] reads them from an
    /// [`AttachmentReader`] (such as the server's
    /// [`UploadStore`](crate::attachments::UploadStore)). Override it to read them from your
    /// own storage.
    ///
    /// # Errors
    ///
    /// [`AttachmentError::TooLarge`] above the cap, any other error when the bytes cannot be
    /// read: [`attachment_to_input`](Self::attachment_to_input) falls back to a URL or a note.
    async fn attachment_bytes(&self, attachment: &Attachment) -> Result<Bytes, AttachmentError> {
        Err(AttachmentError::Unsupported(format!(
            "no attachment storage to read `{}` from",
            attachment.id()
        )))
    }

    /// An attachment, as a content part of its message. When
    /// [`attachment_bytes`](Self::attachment_bytes) reads its bytes: a file as `input_file`
    /// (`filename`, and `file_data` as a base64 `data:` URL), an image as `input_image` with a
    /// `data:` URL. Otherwise an image whose preview URL is absolute (`http:`/`https:`, so the
    /// model's side can fetch it) as `input_image` with that URL, and anything else as an
    /// `input_text` note naming the file (and saying when it is over the size cap).
    async fn attachment_to_input(&self, attachment: &Attachment) -> Option<Value> {
        let unread = match self.attachment_bytes(attachment).await {
            Ok(bytes) => return Some(inline_attachment(attachment, &bytes)),
            Err(error) => error,
        };
        match attachment.preview_url() {
            Some(url) if matches!(attachment, Attachment::Image(_)) && is_absolute(url) => {
                return Some(json!({"type": "input_image", "image_url": url, "detail": "auto"}));
            }
            _ => {}
        }
        let note = match unread {
            AttachmentError::TooLarge { limit } => format!(
                "The user attached a file: {} ({}). It is over the {limit}-byte limit of files sent to the model, so its content is not included.",
                attachment.name(),
                attachment.mime_type()
            ),
            error => {
                if !matches!(error, AttachmentError::Unsupported(_)) {
                    tracing::warn!(attachment = attachment.id(), %error, "reading an attachment for the model failed");
                }
                format!(
                    "The user attached a file: {} ({}).",
                    attachment.name(),
                    attachment.mime_type()
                )
            }
        };
        Some(json!({"type": "input_text", "text": note}))
    }

    /// A tag's context, as a content part: by default its text and data.
    async fn tag_to_input(&self, tag: &TagContent) -> Option<Value> {
        let data = Value::Object(tag.data.clone());
        Some(json!({
            "type": "input_text",
            "text": format!("@{}: {data}", tag.text),
        }))
    }

    /// An assistant message, as `output_text` parts.
    async fn assistant_message_to_input(&self, item: &AssistantMessageItem) -> Vec<Value> {
        let content: Vec<Value> = item
            .content
            .iter()
            .map(|part| json!({"type": "output_text", "text": part.text, "annotations": []}))
            .collect();
        vec![json!({"type": "message", "role": "assistant", "content": content})]
    }

    /// Hidden context from the application, wrapped as the SDK does; JSON content is sent
    /// as its JSON text.
    async fn hidden_context_to_input(&self, item: &HiddenContextItem) -> Vec<Value> {
        let content = match &item.content {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        vec![user_text(hidden_text(&content))]
    }

    /// Hidden context from the framework (the cancellation note).
    async fn sdk_hidden_context_to_input(&self, item: &SdkHiddenContextItem) -> Vec<Value> {
        vec![user_text(hidden_text(&item.content))]
    }

    /// A widget: what the user sees, as the widget's JSON.
    async fn widget_to_input(&self, item: &WidgetItem) -> Vec<Value> {
        let widget = serde_json::to_string(&item.widget).unwrap_or_default();
        vec![user_text(format!(
            "The following graphical UI widget (id: {}) was displayed to the user:{widget}",
            item.id
        ))]
    }

    /// A completed client tool call: its `function_call` and `function_call_output`. A
    /// pending one is left out (it has no output to send).
    async fn client_tool_call_to_input(&self, item: &ClientToolCallItem) -> Vec<Value> {
        if item.status == ClientToolCallStatus::Pending {
            return Vec::new();
        }
        let output = item.output.clone().unwrap_or(Value::Null);
        vec![
            json!({
                "type": "function_call",
                "call_id": item.call_id,
                "name": item.name,
                "arguments": Value::Object(item.arguments.clone()).to_string(),
            }),
            json!({
                "type": "function_call_output",
                "call_id": item.call_id,
                "output": output.to_string(),
            }),
        ]
    }

    /// A task: a custom task's title and content.
    async fn task_to_input(&self, item: &TaskItem) -> Vec<Value> {
        task_text(&item.task).map(user_text).into_iter().collect()
    }

    /// A workflow: one message per custom task with a title or content.
    async fn workflow_to_input(&self, item: &WorkflowItem) -> Vec<Value> {
        item.workflow
            .tasks
            .iter()
            .filter_map(task_text)
            .map(user_text)
            .collect()
    }

    /// A generated image, as an `input_image` after a note.
    async fn generated_image_to_input(&self, item: &GeneratedImageItem) -> Vec<Value> {
        let Some(image) = &item.image else {
            return Vec::new();
        };
        vec![json!({
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "The following image was generated by the agent."},
                {"type": "input_image", "detail": "auto", "image_url": image.url},
            ],
        })]
    }

    /// Structured input questions and their answers, as JSON.
    async fn structured_input_to_input(&self, item: &StructuredInputItem) -> Vec<Value> {
        let inputs = serde_json::to_string(&item.inputs).unwrap_or_default();
        let status = serde_json::to_value(item.status).unwrap_or_default();
        vec![user_text(format!(
            "A structured input request was displayed to the user with the following status: {}\n<StructuredInput>\n{inputs}\n</StructuredInput>",
            status.as_str().unwrap_or_default()
        ))]
    }

    /// The end of a turn: a hint for the interface, nothing for the model.
    async fn end_of_turn_to_input(&self, item: &EndOfTurnItem) -> Vec<Value> {
        let _ = item;
        Vec::new()
    }

    /// One item, by kind.
    async fn item_to_input(&self, item: &ThreadItem, is_last: bool) -> Vec<Value> {
        match item {
            ThreadItem::UserMessage(item) => self.user_message_to_input(item, is_last).await,
            ThreadItem::AssistantMessage(item) => self.assistant_message_to_input(item).await,
            ThreadItem::ClientToolCall(item) => self.client_tool_call_to_input(item).await,
            ThreadItem::Widget(item) => self.widget_to_input(item).await,
            ThreadItem::GeneratedImage(item) => self.generated_image_to_input(item).await,
            ThreadItem::StructuredInput(item) => self.structured_input_to_input(item).await,
            ThreadItem::Task(item) => self.task_to_input(item).await,
            ThreadItem::Workflow(item) => self.workflow_to_input(item).await,
            ThreadItem::EndOfTurn(item) => self.end_of_turn_to_input(item).await,
            ThreadItem::HiddenContext(item) => self.hidden_context_to_input(item).await,
            ThreadItem::SdkHiddenContext(item) => self.sdk_hidden_context_to_input(item).await,
        }
    }

    /// Items, oldest first, as input.
    async fn to_input(&self, items: &[ThreadItem]) -> Vec<Value> {
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            out.extend(self.item_to_input(item, index + 1 == items.len()).await);
        }
        out
    }
}

/// The size cap of an attachment sent inline to the model by [`AttachmentConverter`]: 10 MiB
/// (about 13.3 MiB once base64-encoded; the Responses API takes up to 50 MB of files per
/// request).
pub const MAX_INLINE_BYTES: u64 = 10 * 1024 * 1024;

/// Whether `url` is one the model's side can fetch (not a path on the page's origin).
fn is_absolute(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// An attachment with its bytes: `input_image` or `input_file`, both with a `data:` URL.
fn inline_attachment(attachment: &Attachment, bytes: &[u8]) -> Value {
    let data = format!(
        "data:{};base64,{}",
        attachment.mime_type(),
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    if matches!(attachment, Attachment::Image(_)) {
        json!({"type": "input_image", "image_url": data, "detail": "auto"})
    } else {
        json!({"type": "input_file", "filename": attachment.name(), "file_data": data})
    }
}

/// The SDK's conversions, reading no attachment bytes: an image goes by its absolute preview
/// URL, a file as a note naming it. [`AttachmentConverter`] sends their bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultConverter;

impl ThreadItemConverter for DefaultConverter {}

/// The SDK's conversions, with the bytes of attachments read from an [`AttachmentReader`]
/// (the server's [`UploadStore`](crate::attachments::UploadStore)): files go to the model
/// as `input_file`, images as `input_image`, inline up to a size cap
/// ([`MAX_INLINE_BYTES`] by default), as notes above it.
///
/// ```
/// # #[cfg(feature = "attachments")] {
/// use chatkit_actions::attachments::{LocalDisk, UploadPolicy, UploadStore};
/// use chatkit_actions::model::AttachmentConverter;
///
/// let dir = std::env::temp_dir().join("chatkit-converter-doc");
/// let uploads = UploadStore::new(LocalDisk::new(&dir).unwrap(), UploadPolicy::default());
/// // The same store goes to the server (`ChatKitServer::attachment_store(uploads.clone())`)
/// // and to the agent (`Agent::converter`).
/// let converter = AttachmentConverter::new(uploads).max_bytes(2 * 1024 * 1024);
/// # let _ = converter;
/// # }
/// ```
#[derive(Clone)]
pub struct AttachmentConverter {
    reader: Arc<dyn AttachmentReader>,
    max_bytes: u64,
}

impl std::fmt::Debug for AttachmentConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentConverter")
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl AttachmentConverter {
    /// Reads attachment bytes from `reader`, up to [`MAX_INLINE_BYTES`] each.
    pub fn new(reader: impl AttachmentReader) -> Self {
        AttachmentConverter {
            reader: Arc::new(reader),
            max_bytes: MAX_INLINE_BYTES,
        }
    }

    /// Sets the size cap of one attachment sent inline; a larger one goes as a note.
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

#[async_trait]
impl ThreadItemConverter for AttachmentConverter {
    async fn attachment_bytes(&self, attachment: &Attachment) -> Result<Bytes, AttachmentError> {
        self.reader
            .read_attachment(attachment, self.max_bytes)
            .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use bytes::Bytes;

    use super::{AttachmentConverter, DefaultConverter, ThreadItemConverter};
    use crate::attachments::{AttachmentError, AttachmentReader};
    use crate::thread::{
        Attachment, ClientToolCallItem, ClientToolCallStatus, CustomTask, HiddenContextItem,
        TagContent, TaskItem, ThreadItem, UserMessageContent, UserMessageItem,
    };

    #[tokio::test]
    async fn user_messages_with_tags_quotes_and_attachments() {
        let mut message = UserMessageItem::new(
            "m",
            "t",
            vec![
                UserMessageContent::text("ask "),
                UserMessageContent::InputTag(TagContent::new("p1", "Ada")),
            ],
        );
        message.quoted_text = Some("line 3".into());
        message.attachments = vec![
            Attachment::image("a1", "cat.png", "image/png", "https://x/cat.png"),
            Attachment::file("a2", "notes.pdf", "application/pdf"),
        ];
        let input = DefaultConverter
            .to_input(&[ThreadItem::UserMessage(message)])
            .await;
        assert_eq!(input.len(), 3, "{input:#?}");
        assert_eq!(
            input[0]["content"][0],
            json!({"type": "input_text", "text": "ask @Ada"})
        );
        assert_eq!(
            input[0]["content"][1],
            json!({"type": "input_image", "image_url": "https://x/cat.png", "detail": "auto"})
        );
        assert_eq!(input[0]["content"][2]["type"], "input_text");
        assert_eq!(
            input[1]["content"][0]["text"],
            "The user is referring to this in particular: \nline 3"
        );
        assert_eq!(input[2]["content"][1]["text"], "@Ada: {}");
    }

    /// Bytes by attachment id, as a store would read them.
    struct Fixed;

    #[async_trait::async_trait]
    impl AttachmentReader for Fixed {
        async fn read_attachment(
            &self,
            attachment: &Attachment,
            max_bytes: u64,
        ) -> Result<Bytes, AttachmentError> {
            let bytes: &'static [u8] = match attachment.id() {
                "a1" => b"\x89PNG",
                "a2" => b"%PDF-1.7 hello",
                _ => return Err(AttachmentError::NotFound(attachment.id().to_owned())),
            };
            if bytes.len() as u64 > max_bytes {
                return Err(AttachmentError::TooLarge { limit: max_bytes });
            }
            Ok(Bytes::from_static(bytes))
        }
    }

    #[tokio::test]
    async fn attachments_with_their_bytes_and_without() {
        let attachments = [
            Attachment::image("a1", "cat.png", "image/png", "/attachments/a1/preview"),
            Attachment::file("a2", "notes.pdf", "application/pdf"),
            Attachment::image("a3", "dog.png", "image/png", "/attachments/a3/preview"),
        ];
        let converter = AttachmentConverter::new(Fixed);
        let parts = [
            converter.attachment_to_input(&attachments[0]).await,
            converter.attachment_to_input(&attachments[1]).await,
            converter.attachment_to_input(&attachments[2]).await,
        ];
        assert_eq!(
            parts[0],
            Some(
                json!({"type": "input_image", "image_url": "data:image/png;base64,iVBORw==", "detail": "auto"})
            )
        );
        assert_eq!(
            parts[1],
            Some(json!({
                "type": "input_file",
                "filename": "notes.pdf",
                "file_data": "data:application/pdf;base64,JVBERi0xLjcgaGVsbG8=",
            }))
        );
        // Unreadable, with a relative preview URL the model could not fetch: a note.
        assert_eq!(
            parts[2],
            Some(
                json!({"type": "input_text", "text": "The user attached a file: dog.png (image/png)."})
            )
        );

        // Over the cap: a note saying so.
        let capped = AttachmentConverter::new(Fixed).max_bytes(5);
        let part = capped.attachment_to_input(&attachments[1]).await.unwrap();
        assert_eq!(part["type"], "input_text");
        assert_eq!(
            part["text"],
            "The user attached a file: notes.pdf (application/pdf). It is over the 5-byte limit of files sent to the model, so its content is not included."
        );
        // The image fits.
        assert_eq!(
            capped.attachment_to_input(&attachments[0]).await.unwrap()["type"],
            "input_image"
        );

        // Without storage, a relative preview URL is no use to the model either.
        assert_eq!(
            DefaultConverter
                .attachment_to_input(&attachments[0])
                .await
                .unwrap()["type"],
            "input_text"
        );
    }

    #[tokio::test]
    async fn hidden_context_tool_calls_and_tasks() {
        let mut call = ClientToolCallItem::new("c", "t", "call_1", "pick", Map::new());
        let pending = DefaultConverter
            .to_input(&[ThreadItem::ClientToolCall(call.clone())])
            .await;
        assert!(pending.is_empty());
        call.status = ClientToolCallStatus::Completed;
        call.output = Some(json!({"ok": true}));
        let items = [
            ThreadItem::HiddenContext(HiddenContextItem::new(
                "h",
                "t",
                "<USER_ACTION>x</USER_ACTION>",
            )),
            ThreadItem::ClientToolCall(call),
            ThreadItem::Task(TaskItem::new(
                "k",
                "t",
                CustomTask::new("Saved").content("3 todos"),
            )),
        ];
        let input = DefaultConverter.to_input(&items).await;
        assert_eq!(
            input,
            [
                super::user_text(
                    "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n<USER_ACTION>x</USER_ACTION>\n</HiddenContext>"
                ),
                json!({"type": "function_call", "call_id": "call_1", "name": "pick", "arguments": "{}"}),
                json!({"type": "function_call_output", "call_id": "call_1", "output": "{\"ok\":true}"}),
                super::user_text(
                    "A message was displayed to the user that the following task was performed:\n<Task>\nSaved: 3 todos\n</Task>"
                ),
            ]
        );
    }
}
