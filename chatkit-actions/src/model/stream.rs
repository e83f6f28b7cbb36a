//! [`ResponseMapper`]: Responses API stream events into ChatKit thread events, with the
//! semantics of the Python SDK's `stream_agent_response`.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;

use super::error::ModelError;
use super::event::{ContentPart, ContentPartEvent, OutputItem, UpstreamEvent};
use crate::store::StoreItemType;
use crate::thread::{
    Annotation, AssistantMessageContent, AssistantMessageItem, FileSource, GeneratedImage,
    GeneratedImageItem, Task, ThoughtTask, ThreadItemUpdate, ThreadStreamEvent, Timestamp,
    UrlSource, Workflow, WorkflowItem, WorkflowSummary,
};

/// A function call the model made, collected at its `response.output_item.done`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCall {
    /// The id its output must carry.
    pub call_id: String,
    /// The tool name.
    pub name: String,
    /// The arguments, a JSON string (untrusted).
    pub arguments: String,
}

/// A message being streamed: its upstream id, and the thread item it became.
#[derive(Debug)]
struct OpenMessage {
    upstream: String,
    id: String,
    created_at: Timestamp,
}

/// A reasoning summary part being streamed as a thought task.
#[derive(Debug)]
struct StreamingThought {
    upstream: String,
    summary_index: usize,
    task_index: usize,
}

/// Maps one run's upstream events (over all its turns) into thread events.
///
/// - a message: `thread.item.added` (an assistant message with a new `msg_` id and no
///   content), `assistant_message.content_part.added`, `…text_delta` per delta (refusals
///   too), `…annotation_added` (url and file citations become sources),
///   `…content_part.done`, then `thread.item.done` with the final content;
/// - reasoning: a `reasoning` workflow, added when the reasoning item starts; each summary
///   part is a thought task (added at its first delta, updated per delta and at its end);
///   the workflow is done (collapsed, with its duration) when a message starts or the run
///   ends;
/// - an image generation: a `generated_image` item, updated per partial image with its
///   progress, done with the final image;
/// - a function call: collected for the run loop ([`take_calls`](Self::take_calls));
/// - `response.failed` and `error`: an error; every other event type: nothing.
#[derive(Debug)]
pub struct ResponseMapper {
    thread_id: String,
    partial_images: Option<u32>,
    messages: Vec<OpenMessage>,
    workflow: Option<(WorkflowItem, Instant)>,
    thought: Option<StreamingThought>,
    image: Option<(String, GeneratedImageItem)>,
    annotations: HashMap<(String, usize), usize>,
    calls: Vec<FunctionCall>,
}

impl ResponseMapper {
    /// A mapper for a run in `thread_id`.
    pub fn new(thread_id: impl Into<String>) -> Self {
        ResponseMapper {
            thread_id: thread_id.into(),
            partial_images: None,
            messages: Vec::new(),
            workflow: None,
            thought: None,
            image: None,
            annotations: HashMap::new(),
            calls: Vec::new(),
        }
    }

    /// How many partial images an image generation sends (the request's
    /// `partial_images`), to report progress from 0 to 1; without it progress is 0.
    #[must_use]
    pub fn partial_images(mut self, count: Option<u32>) -> Self {
        self.partial_images = count;
        self
    }

    /// Maps one event, appending the thread events to `out`. `new_id` gives the ids of new
    /// thread items (the context's [`new_item_id`](crate::handler::ActionContext::new_item_id)).
    ///
    /// # Errors
    ///
    /// [`ModelError::Failed`] for `response.failed` and `error` events.
    pub fn map(
        &mut self,
        event: UpstreamEvent,
        new_id: &mut dyn FnMut(StoreItemType) -> String,
        out: &mut Vec<ThreadStreamEvent>,
    ) -> Result<(), ModelError> {
        match event {
            UpstreamEvent::OutputItemAdded(item) => self.item_added(item, new_id, out),
            UpstreamEvent::OutputItemDone(item) => self.item_done(item, out),
            UpstreamEvent::ContentPartAdded(event) => {
                self.part(&event, ThreadItemUpdate::content_part_added, out);
            }
            UpstreamEvent::ContentPartDone(event) => {
                self.part(&event, ThreadItemUpdate::content_part_done, out);
            }
            UpstreamEvent::TextDelta(event) => {
                if let Some(id) = self.message_id(&event.item_id) {
                    out.push(ThreadStreamEvent::item_updated(
                        id,
                        ThreadItemUpdate::text_delta(event.content_index, event.delta),
                    ));
                }
            }
            UpstreamEvent::AnnotationAdded(event) => {
                if let Some(id) = self.message_id(&event.item_id).map(ToOwned::to_owned)
                    && let Some(annotation) = convert_annotation(&event.annotation)
                {
                    // Counted here: an annotation that does not convert leaves no gap.
                    let count = self
                        .annotations
                        .entry((event.item_id, event.content_index))
                        .or_default();
                    let index = *count;
                    *count += 1;
                    out.push(ThreadStreamEvent::item_updated(
                        id,
                        ThreadItemUpdate::annotation_added(event.content_index, index, annotation),
                    ));
                }
            }
            UpstreamEvent::ReasoningDelta(event) => self.thought_delta(event, out),
            UpstreamEvent::ReasoningDone(event) => self.thought_done(event, out),
            UpstreamEvent::PartialImage(event) => {
                if let Some((upstream, item)) = &self.image
                    && *upstream == event.item_id
                {
                    let image = GeneratedImage::new(
                        upstream.clone(),
                        format!("data:image/png;base64,{}", event.partial_image_b64),
                    );
                    let progress = self
                        .partial_images
                        .filter(|count| *count > 0)
                        .map_or(0.0, |count| {
                            (f64::from(event.partial_image_index) / f64::from(count)).min(1.0)
                        });
                    out.push(ThreadStreamEvent::item_updated(
                        item.id.clone(),
                        ThreadItemUpdate::generated_image_updated(image, Some(progress)),
                    ));
                }
            }
            UpstreamEvent::Failed { code, message } => {
                return Err(ModelError::Failed { code, message });
            }
            UpstreamEvent::Completed | UpstreamEvent::Incomplete(_) | UpstreamEvent::Other(_) => {}
        }
        Ok(())
    }

    /// A content part's `added` or `done`, as `update` makes it.
    fn part(
        &self,
        event: &ContentPartEvent,
        update: fn(usize, AssistantMessageContent) -> ThreadItemUpdate,
        out: &mut Vec<ThreadStreamEvent>,
    ) {
        if let Some(id) = self.message_id(&event.item_id)
            && let Some(content) = convert_part(&event.part)
        {
            out.push(ThreadStreamEvent::item_updated(
                id,
                update(event.content_index, content),
            ));
        }
    }

    fn message_id(&self, upstream: &str) -> Option<&str> {
        self.messages
            .iter()
            .find(|message| message.upstream == upstream)
            .map(|message| message.id.as_str())
    }

    fn item_added(
        &mut self,
        item: OutputItem,
        new_id: &mut dyn FnMut(StoreItemType) -> String,
        out: &mut Vec<ThreadStreamEvent>,
    ) {
        match item {
            OutputItem::Message {
                id: upstream,
                content,
            } => {
                self.end_workflow(out);
                let id = new_id(StoreItemType::Message);
                let mut message = AssistantMessageItem::empty(id.clone(), self.thread_id.clone());
                message.content = content.iter().filter_map(convert_part).collect();
                self.messages.push(OpenMessage {
                    upstream,
                    id,
                    created_at: message.created_at.clone(),
                });
                out.push(ThreadStreamEvent::item_added(message));
            }
            OutputItem::Reasoning { .. } if self.workflow.is_none() => {
                let item = WorkflowItem::new(
                    new_id(StoreItemType::Workflow),
                    self.thread_id.clone(),
                    Workflow::reasoning(),
                );
                out.push(ThreadStreamEvent::item_added(item.clone()));
                self.workflow = Some((item, Instant::now()));
            }
            OutputItem::ImageGenerationCall { id: upstream, .. } => {
                let item =
                    GeneratedImageItem::new(new_id(StoreItemType::Message), self.thread_id.clone());
                out.push(ThreadStreamEvent::item_added(item.clone()));
                self.image = Some((upstream, item));
            }
            OutputItem::Reasoning { .. } | OutputItem::FunctionCall { .. } | OutputItem::Other => {}
        }
    }

    fn item_done(&mut self, item: OutputItem, out: &mut Vec<ThreadStreamEvent>) {
        match item {
            OutputItem::Message {
                id: upstream,
                content,
            } => {
                let Some(at) = self.messages.iter().position(|m| m.upstream == upstream) else {
                    return;
                };
                let open = self.messages.swap_remove(at);
                let mut message = AssistantMessageItem::empty(open.id, self.thread_id.clone())
                    .created_at(open.created_at);
                message.content = content.iter().filter_map(convert_part).collect();
                out.push(ThreadStreamEvent::item_done(message));
            }
            OutputItem::FunctionCall {
                call_id,
                name,
                arguments,
                ..
            } => self.calls.push(FunctionCall {
                call_id,
                name,
                arguments,
            }),
            OutputItem::ImageGenerationCall {
                id: upstream,
                result: Some(result),
            } => {
                if let Some((open, mut item)) = self.image.take() {
                    if open != upstream {
                        self.image = Some((open, item));
                        return;
                    }
                    item.image = Some(GeneratedImage::new(
                        upstream,
                        format!("data:image/png;base64,{result}"),
                    ));
                    out.push(ThreadStreamEvent::item_done(item));
                }
            }
            OutputItem::ImageGenerationCall { .. }
            | OutputItem::Reasoning { .. }
            | OutputItem::Other => {}
        }
    }

    fn thought_delta(
        &mut self,
        event: super::event::ReasoningText,
        out: &mut Vec<ThreadStreamEvent>,
    ) {
        let Some((workflow, _)) = &mut self.workflow else {
            return;
        };
        let tasks = &mut workflow.workflow.tasks;
        let same = self.thought.as_ref().is_some_and(|thought| {
            thought.upstream == event.item_id && thought.summary_index == event.summary_index
        });
        if same && let Some(thought) = &self.thought {
            let index = thought.task_index;
            if let Some(Task::Thought(task)) = tasks.get_mut(index) {
                task.content.push_str(&event.text);
                let task = task.clone();
                out.push(ThreadStreamEvent::item_updated(
                    workflow.id.clone(),
                    ThreadItemUpdate::task_updated(index, task),
                ));
            }
            return;
        }
        let task = ThoughtTask::new(event.text);
        tasks.push(Task::Thought(task.clone()));
        let index = tasks.len() - 1;
        self.thought = Some(StreamingThought {
            upstream: event.item_id,
            summary_index: event.summary_index,
            task_index: index,
        });
        out.push(ThreadStreamEvent::item_updated(
            workflow.id.clone(),
            ThreadItemUpdate::task_added(index, task),
        ));
    }

    fn thought_done(
        &mut self,
        event: super::event::ReasoningText,
        out: &mut Vec<ThreadStreamEvent>,
    ) {
        let Some((workflow, _)) = &mut self.workflow else {
            return;
        };
        let tasks = &mut workflow.workflow.tasks;
        let streaming = self.thought.take().filter(|thought| {
            thought.upstream == event.item_id && thought.summary_index == event.summary_index
        });
        let task = ThoughtTask::new(event.text);
        let update = match streaming {
            Some(thought) if thought.task_index < tasks.len() => {
                tasks[thought.task_index] = Task::Thought(task.clone());
                ThreadItemUpdate::task_updated(thought.task_index, task)
            }
            _ => {
                tasks.push(Task::Thought(task.clone()));
                ThreadItemUpdate::task_added(tasks.len() - 1, task)
            }
        };
        out.push(ThreadStreamEvent::item_updated(workflow.id.clone(), update));
    }

    /// Closes the open workflow: collapsed, with its duration unless it has a summary.
    fn end_workflow(&mut self, out: &mut Vec<ThreadStreamEvent>) {
        if let Some((mut item, started)) = self.workflow.take() {
            self.thought = None;
            if item.workflow.summary.is_none() {
                item.workflow.summary =
                    Some(WorkflowSummary::duration(started.elapsed().as_secs()));
            }
            item.workflow.expanded = false;
            out.push(ThreadStreamEvent::item_done(item));
        }
    }

    /// The function calls of the turn that just ended, in order.
    pub fn take_calls(&mut self) -> Vec<FunctionCall> {
        std::mem::take(&mut self.calls)
    }

    /// Ends the run: the open workflow is done; a message or image the response started
    /// and never finished (cut by `response.incomplete`) is removed.
    pub fn finish(&mut self, out: &mut Vec<ThreadStreamEvent>) {
        self.end_workflow(out);
        self.abandon(out);
    }

    /// Ends a failed run: every item started and not done is removed
    /// (`thread.item.removed`), so nothing half-written stays on the screen or in the store.
    pub fn abandon(&mut self, out: &mut Vec<ThreadStreamEvent>) {
        for message in self.messages.drain(..) {
            out.push(ThreadStreamEvent::item_removed(message.id));
        }
        if let Some((item, _)) = self.workflow.take() {
            out.push(ThreadStreamEvent::item_removed(item.id));
        }
        if let Some((_, item)) = self.image.take() {
            out.push(ThreadStreamEvent::item_removed(item.id));
        }
        self.thought = None;
        self.calls.clear();
    }

    /// The ids of the items started and not done yet.
    pub fn open_items(&self) -> Vec<&str> {
        let messages = self.messages.iter().map(|message| message.id.as_str());
        let workflow = self.workflow.iter().map(|(item, _)| item.id.as_str());
        let image = self.image.iter().map(|(_, item)| item.id.as_str());
        messages.chain(workflow).chain(image).collect()
    }
}

/// A message part as ChatKit content: text with its annotations, a refusal as text; other
/// kinds are not shown.
fn convert_part(part: &ContentPart) -> Option<AssistantMessageContent> {
    match part {
        ContentPart::OutputText { text, annotations } => {
            let mut content = AssistantMessageContent::new(text.clone());
            content.annotations = annotations.iter().filter_map(convert_annotation).collect();
            Some(content)
        }
        ContentPart::Refusal { refusal } => Some(AssistantMessageContent::new(refusal.clone())),
        ContentPart::Other => None,
    }
}

/// A Responses API annotation as a ChatKit one, as the SDK converts them: a URL citation
/// cites its URL at its end index; a (container) file citation cites its file name, and is
/// dropped without one; other kinds are dropped.
pub fn convert_annotation(annotation: &Value) -> Option<Annotation> {
    let text = |key: &str| annotation.get(key).and_then(Value::as_str);
    let index = |key: &str| {
        annotation
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|index| usize::try_from(index).ok())
    };
    let converted = match text("type")? {
        "url_citation" => {
            let url = text("url")?;
            let title = text("title").unwrap_or(url);
            (
                Annotation::new(UrlSource::new(title, url)),
                index("end_index"),
            )
        }
        "file_citation" => {
            let filename = text("filename").filter(|name| !name.is_empty())?;
            (
                Annotation::new(FileSource::new(filename, filename)),
                index("index"),
            )
        }
        "container_file_citation" => {
            let filename = text("filename").filter(|name| !name.is_empty())?;
            (
                Annotation::new(FileSource::new(filename, filename)),
                index("end_index"),
            )
        }
        _ => return None,
    };
    Some(match converted {
        (annotation, Some(index)) => annotation.index(index),
        (annotation, None) => annotation,
    })
}
