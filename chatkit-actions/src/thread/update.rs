//! [`ThreadItemUpdate`]: the incremental changes to a streaming item that
//! `thread.item.updated` carries. [`ThreadItem::apply_update`](super::ThreadItem::apply_update)
//! folds one into an item; [`diff_widget`](super::diff_widget) finds the ones that take a
//! widget from one state to the next.

use serde::{Deserialize, Serialize};

use super::content::{Annotation, AssistantMessageContent, GeneratedImage};
use super::workflow::Task;
use crate::widget::{WidgetComponent, WidgetRoot};

/// An incremental change to a streaming item (tagged by `type`), carried by
/// `thread.item.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ThreadItemUpdate {
    /// `assistant_message.content_part.added`: a new part starts.
    #[serde(rename = "assistant_message.content_part.added")]
    ContentPartAdded {
        /// The part's position.
        content_index: usize,
        /// The part.
        content: AssistantMessageContent,
    },
    /// `assistant_message.content_part.text_delta`: text appended to a part.
    #[serde(rename = "assistant_message.content_part.text_delta")]
    ContentPartTextDelta {
        /// The part's position.
        content_index: usize,
        /// The text appended.
        delta: String,
    },
    /// `assistant_message.content_part.annotation_added`: a citation added to a part.
    #[serde(rename = "assistant_message.content_part.annotation_added")]
    ContentPartAnnotationAdded {
        /// The part's position.
        content_index: usize,
        /// The annotation's position in the part.
        annotation_index: usize,
        /// The annotation.
        annotation: Annotation,
    },
    /// `assistant_message.content_part.done`: a part is complete.
    #[serde(rename = "assistant_message.content_part.done")]
    ContentPartDone {
        /// The part's position.
        content_index: usize,
        /// The final part.
        content: AssistantMessageContent,
    },
    /// `widget.streaming_text.value_delta`: text appended to a widget's `Text`/`Markdown`.
    #[serde(rename = "widget.streaming_text.value_delta")]
    WidgetStreamingTextValueDelta {
        /// The component's `id`.
        component_id: String,
        /// The text appended.
        delta: String,
        /// Whether the text is final; always written.
        done: bool,
    },
    /// `widget.root.updated`: the whole widget replaced.
    #[serde(rename = "widget.root.updated")]
    WidgetRootUpdated {
        /// The new widget.
        widget: WidgetRoot,
    },
    /// `widget.component.updated`: one component replaced.
    #[serde(rename = "widget.component.updated")]
    WidgetComponentUpdated {
        /// The component's `id`.
        component_id: String,
        /// The new component.
        component: WidgetComponent,
    },
    /// `workflow.task.added`: a task appended to a workflow.
    #[serde(rename = "workflow.task.added")]
    WorkflowTaskAdded {
        /// The task's position.
        task_index: usize,
        /// The task.
        task: Task,
    },
    /// `workflow.task.updated`: a task of a workflow replaced.
    #[serde(rename = "workflow.task.updated")]
    WorkflowTaskUpdated {
        /// The task's position.
        task_index: usize,
        /// The new task.
        task: Task,
    },
    /// `generated_image.updated`: a partial or final image.
    #[serde(rename = "generated_image.updated")]
    GeneratedImageUpdated {
        /// The image so far.
        image: GeneratedImage,
        /// Progress in `[0, 1]`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        progress: Option<f64>,
    },
}

impl ThreadItemUpdate {
    /// `assistant_message.content_part.added`.
    #[must_use]
    pub fn content_part_added(content_index: usize, content: AssistantMessageContent) -> Self {
        Self::ContentPartAdded {
            content_index,
            content,
        }
    }

    /// `assistant_message.content_part.text_delta`.
    pub fn text_delta(content_index: usize, delta: impl Into<String>) -> Self {
        Self::ContentPartTextDelta {
            content_index,
            delta: delta.into(),
        }
    }

    /// `assistant_message.content_part.annotation_added`.
    #[must_use]
    pub fn annotation_added(
        content_index: usize,
        annotation_index: usize,
        annotation: Annotation,
    ) -> Self {
        Self::ContentPartAnnotationAdded {
            content_index,
            annotation_index,
            annotation,
        }
    }

    /// `assistant_message.content_part.done`.
    #[must_use]
    pub fn content_part_done(content_index: usize, content: AssistantMessageContent) -> Self {
        Self::ContentPartDone {
            content_index,
            content,
        }
    }

    /// `widget.streaming_text.value_delta`.
    pub fn widget_text_delta(
        component_id: impl Into<String>,
        delta: impl Into<String>,
        done: bool,
    ) -> Self {
        Self::WidgetStreamingTextValueDelta {
            component_id: component_id.into(),
            delta: delta.into(),
            done,
        }
    }

    /// `widget.root.updated`.
    #[must_use]
    pub fn widget_root_updated(widget: WidgetRoot) -> Self {
        Self::WidgetRootUpdated { widget }
    }

    /// `widget.component.updated`.
    pub fn widget_component_updated(
        component_id: impl Into<String>,
        component: WidgetComponent,
    ) -> Self {
        Self::WidgetComponentUpdated {
            component_id: component_id.into(),
            component,
        }
    }

    /// `workflow.task.added`.
    pub fn task_added(task_index: usize, task: impl Into<Task>) -> Self {
        Self::WorkflowTaskAdded {
            task_index,
            task: task.into(),
        }
    }

    /// `workflow.task.updated`.
    pub fn task_updated(task_index: usize, task: impl Into<Task>) -> Self {
        Self::WorkflowTaskUpdated {
            task_index,
            task: task.into(),
        }
    }

    /// `generated_image.updated`.
    #[must_use]
    pub fn generated_image_updated(image: GeneratedImage, progress: Option<f64>) -> Self {
        Self::GeneratedImageUpdated { image, progress }
    }
}
