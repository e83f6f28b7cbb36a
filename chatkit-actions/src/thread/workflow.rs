//! Workflows and tasks: the progress the assistant shows while it works ([`Workflow`],
//! [`Task`], [`WorkflowSummary`]).

use serde::{Deserialize, Serialize};

use super::content::{FileSource, UrlSource};

/// A group of tasks shown as one collapsible block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// `custom` or `reasoning`.
    #[serde(rename = "type")]
    pub workflow_type: WorkflowType,
    /// The tasks, in display order.
    pub tasks: Vec<Task>,
    /// The line shown when collapsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<WorkflowSummary>,
    /// Whether the block is expanded; always written.
    #[serde(default)]
    pub expanded: bool,
}

impl Workflow {
    /// An empty, collapsed workflow of the given type.
    #[must_use]
    pub fn new(workflow_type: WorkflowType) -> Self {
        Self {
            workflow_type,
            tasks: Vec::new(),
            summary: None,
            expanded: false,
        }
    }

    /// An empty `custom` workflow.
    #[must_use]
    pub fn custom() -> Self {
        Self::new(WorkflowType::Custom)
    }

    /// An empty `reasoning` workflow.
    #[must_use]
    pub fn reasoning() -> Self {
        Self::new(WorkflowType::Reasoning)
    }

    /// Adds a task.
    #[must_use]
    pub fn task(mut self, task: impl Into<Task>) -> Self {
        self.tasks.push(task.into());
        self
    }

    /// Sets the summary.
    #[must_use]
    pub fn summary(mut self, summary: WorkflowSummary) -> Self {
        self.summary = Some(summary);
        self
    }

    /// Sets whether the block is expanded.
    #[must_use]
    pub fn expanded(mut self, expanded: bool) -> Self {
        self.expanded = expanded;
        self
    }
}

/// The kind of a workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowType {
    /// `custom`: tasks of the integration.
    Custom,
    /// `reasoning`: the model's thoughts.
    Reasoning,
}

/// The collapsed line of a workflow. It is **untagged** on the wire: an object with a `title`
/// is [`Custom`](Self::Custom), one with a `duration` is [`Duration`](Self::Duration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WorkflowSummary {
    /// `{"title": …, "icon"?: …}`.
    Custom {
        /// The text.
        title: String,
        /// An icon name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        icon: Option<String>,
    },
    /// `{"duration": …}`: "Thought for N seconds".
    Duration {
        /// Seconds.
        duration: u64,
    },
}

impl WorkflowSummary {
    /// A custom summary without icon.
    pub fn title(title: impl Into<String>) -> Self {
        Self::Custom {
            title: title.into(),
            icon: None,
        }
    }

    /// A duration summary, in seconds.
    #[must_use]
    pub fn duration(seconds: u64) -> Self {
        Self::Duration { duration: seconds }
    }
}

/// One task (tagged by `type`), standalone in a `task` item or inside a [`Workflow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Task {
    /// `custom`: free title, icon and content.
    Custom(CustomTask),
    /// `web_search`: queries and the pages found.
    WebSearch(WebSearchTask),
    /// `thought`: a reasoning step.
    Thought(ThoughtTask),
    /// `file`: files consulted.
    File(FileTask),
    /// `image`: an image being generated.
    Image(ImageTask),
}

impl Task {
    /// The status indicator.
    #[must_use]
    pub fn status_indicator(&self) -> TaskStatusIndicator {
        match self {
            Self::Custom(task) => task.status_indicator,
            Self::WebSearch(task) => task.status_indicator,
            Self::Thought(task) => task.status_indicator,
            Self::File(task) => task.status_indicator,
            Self::Image(task) => task.status_indicator,
        }
    }

    /// Sets the status indicator.
    pub fn set_status_indicator(&mut self, indicator: TaskStatusIndicator) {
        match self {
            Self::Custom(task) => task.status_indicator = indicator,
            Self::WebSearch(task) => task.status_indicator = indicator,
            Self::Thought(task) => task.status_indicator = indicator,
            Self::File(task) => task.status_indicator = indicator,
            Self::Image(task) => task.status_indicator = indicator,
        }
    }

    /// The title, if set.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        match self {
            Self::Custom(task) => task.title.as_deref(),
            Self::WebSearch(task) => task.title.as_deref(),
            Self::Thought(task) => task.title.as_deref(),
            Self::File(task) => task.title.as_deref(),
            Self::Image(task) => task.title.as_deref(),
        }
    }
}

/// The progress mark of a task inside a workflow; `none` by default, always written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatusIndicator {
    /// `none`: no mark.
    #[default]
    None,
    /// `loading`: a spinner.
    Loading,
    /// `complete`: a check mark.
    Complete,
}

/// The fields of a `custom` task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomTask {
    /// The progress mark; always written.
    #[serde(default)]
    pub status_indicator: TaskStatusIndicator,
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// An icon name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// The body (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl CustomTask {
    /// A task with only a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            ..Self::default()
        }
    }

    /// Sets the body.
    #[must_use]
    pub fn content(mut self, content: impl Into<String>) -> Self {
        self.content = Some(content.into());
        self
    }

    /// Sets the progress mark.
    #[must_use]
    pub fn status_indicator(mut self, indicator: TaskStatusIndicator) -> Self {
        self.status_indicator = indicator;
        self
    }
}

/// The fields of a `web_search` task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WebSearchTask {
    /// The progress mark; always written.
    #[serde(default)]
    pub status_indicator: TaskStatusIndicator,
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The query shown in the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_query: Option<String>,
    /// The queries run; always written.
    #[serde(default)]
    pub queries: Vec<String>,
    /// The pages found; always written.
    #[serde(default)]
    pub sources: Vec<UrlSource>,
}

/// The fields of a `thought` task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThoughtTask {
    /// The progress mark; always written.
    #[serde(default)]
    pub status_indicator: TaskStatusIndicator,
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The thought.
    pub content: String,
}

impl ThoughtTask {
    /// A thought without title.
    pub fn new(content: impl Into<String>) -> Self {
        Self {
            status_indicator: TaskStatusIndicator::None,
            title: None,
            content: content.into(),
        }
    }
}

/// The fields of a `file` task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileTask {
    /// The progress mark; always written.
    #[serde(default)]
    pub status_indicator: TaskStatusIndicator,
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The files consulted; always written.
    #[serde(default)]
    pub sources: Vec<FileSource>,
}

/// The fields of an `image` task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageTask {
    /// The progress mark; always written.
    #[serde(default)]
    pub status_indicator: TaskStatusIndicator,
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl From<CustomTask> for Task {
    fn from(task: CustomTask) -> Self {
        Self::Custom(task)
    }
}

impl From<WebSearchTask> for Task {
    fn from(task: WebSearchTask) -> Self {
        Self::WebSearch(task)
    }
}

impl From<ThoughtTask> for Task {
    fn from(task: ThoughtTask) -> Self {
        Self::Thought(task)
    }
}

impl From<FileTask> for Task {
    fn from(task: FileTask) -> Self {
        Self::File(task)
    }
}

impl From<ImageTask> for Task {
    fn from(task: ImageTask) -> Self {
        Self::Image(task)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn summary_is_untagged() {
        assert_eq!(
            serde_json::to_value(WorkflowSummary::duration(3)).unwrap(),
            json!({"duration": 3})
        );
        assert_eq!(
            serde_json::to_value(WorkflowSummary::title("Done")).unwrap(),
            json!({"title": "Done"})
        );
        let custom: WorkflowSummary =
            serde_json::from_value(json!({"title": "Done", "icon": "check"})).unwrap();
        assert_eq!(
            custom,
            WorkflowSummary::Custom {
                title: "Done".into(),
                icon: Some("check".into())
            }
        );
        let duration: WorkflowSummary = serde_json::from_value(json!({"duration": 12})).unwrap();
        assert_eq!(duration, WorkflowSummary::duration(12));
        assert!(serde_json::from_value::<WorkflowSummary>(json!({"type": "duration"})).is_err());
    }

    #[test]
    fn workflow_matches_the_sdk_output() {
        // The Python SDK's output for this workflow, as quoted in the protocol reference.
        let json = json!({
            "type": "custom",
            "tasks": [{"status_indicator": "none", "type": "custom", "title": "x"}],
            "summary": {"duration": 3},
            "expanded": false,
        });
        let workflow = Workflow::custom()
            .task(CustomTask::new("x"))
            .summary(WorkflowSummary::duration(3));
        assert_eq!(serde_json::to_value(&workflow).unwrap(), json);
        assert_eq!(serde_json::from_value::<Workflow>(json).unwrap(), workflow);
    }

    #[test]
    fn tasks_write_their_defaults_and_typed_sources() {
        let task = Task::WebSearch(WebSearchTask {
            queries: vec!["rust serde".into()],
            sources: vec![UrlSource::new("serde", "https://serde.rs")],
            ..WebSearchTask::default()
        });
        let json = json!({
            "type": "web_search",
            "status_indicator": "none",
            "queries": ["rust serde"],
            "sources": [{"type": "url", "title": "serde", "url": "https://serde.rs"}],
        });
        assert_eq!(serde_json::to_value(&task).unwrap(), json);
        assert_eq!(serde_json::from_value::<Task>(json).unwrap(), task);
        assert_eq!(
            serde_json::to_value(Task::from(FileTask::default())).unwrap(),
            json!({"type": "file", "status_indicator": "none", "sources": []})
        );
        let thought: Task =
            serde_json::from_value(json!({"type": "thought", "content": "hmm"})).unwrap();
        assert_eq!(thought, ThoughtTask::new("hmm").into());
    }
}
