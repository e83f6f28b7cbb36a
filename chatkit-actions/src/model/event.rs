//! The Responses API stream events the mapping reads, parsed straight from an SSE frame's
//! `event:` name and `data:` JSON. Event types it does not read are kept by name only.

use serde::Deserialize;
use serde_json::Value;

use super::error::ModelError;

/// One event of a streamed response, with the fields the mapping reads.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum UpstreamEvent {
    /// `response.output_item.added`.
    OutputItemAdded(OutputItem),
    /// `response.output_item.done`.
    OutputItemDone(OutputItem),
    /// `response.content_part.added`.
    ContentPartAdded(ContentPartEvent),
    /// `response.content_part.done`.
    ContentPartDone(ContentPartEvent),
    /// `response.output_text.delta` and `response.refusal.delta`.
    TextDelta(TextDelta),
    /// `response.output_text.annotation.added`.
    AnnotationAdded(AnnotationAdded),
    /// `response.reasoning_summary_text.delta`.
    ReasoningDelta(ReasoningText),
    /// `response.reasoning_summary_text.done`.
    ReasoningDone(ReasoningText),
    /// `response.image_generation_call.partial_image`.
    PartialImage(PartialImage),
    /// `response.completed`.
    Completed,
    /// `response.incomplete`: cut by a limit; the reason.
    Incomplete(String),
    /// `response.failed` and `error`.
    Failed {
        /// The error code.
        code: String,
        /// The message.
        message: String,
    },
    /// Any other type (`response.created`, `response.output_text.done`, and types newer than
    /// this crate): ignored.
    Other(String),
}

impl UpstreamEvent {
    /// Parses one SSE event. `event` is the frame's `event:` name; when it is empty the
    /// JSON's `type` decides.
    ///
    /// # Errors
    ///
    /// [`ModelError::InvalidEvent`] when the JSON does not parse, or lacks a field the
    /// mapping reads.
    pub fn parse(event: &str, data: &str) -> Result<Self, ModelError> {
        let kind = if event.is_empty() || event == "message" {
            #[derive(Deserialize)]
            struct Kind {
                #[serde(rename = "type")]
                kind: String,
            }
            serde_json::from_str::<Kind>(data)
                .map_err(|error| invalid("(no type)", &error))?
                .kind
        } else {
            event.to_owned()
        };
        match kind.as_str() {
            "response.output_item.added" => {
                from::<ItemEvent>(&kind, data).map(|event| Self::OutputItemAdded(event.item))
            }
            "response.output_item.done" => {
                from::<ItemEvent>(&kind, data).map(|event| Self::OutputItemDone(event.item))
            }
            "response.content_part.added" => from(&kind, data).map(Self::ContentPartAdded),
            "response.content_part.done" => from(&kind, data).map(Self::ContentPartDone),
            "response.output_text.delta" | "response.refusal.delta" => {
                from(&kind, data).map(Self::TextDelta)
            }
            "response.output_text.annotation.added" => from(&kind, data).map(Self::AnnotationAdded),
            "response.reasoning_summary_text.delta" => {
                from::<ReasoningDelta>(&kind, data).map(|event| {
                    Self::ReasoningDelta(ReasoningText {
                        item_id: event.item_id,
                        summary_index: event.summary_index,
                        text: event.delta,
                    })
                })
            }
            "response.reasoning_summary_text.done" => from(&kind, data).map(Self::ReasoningDone),
            "response.image_generation_call.partial_image" => {
                from(&kind, data).map(Self::PartialImage)
            }
            "response.completed" => Ok(Self::Completed),
            "response.incomplete" => from::<ResponseEvent>(&kind, data).map(|event| {
                Self::Incomplete(
                    event
                        .response
                        .incomplete_details
                        .and_then(|details| details.reason)
                        .unwrap_or_else(|| "unknown".to_owned()),
                )
            }),
            "response.failed" => from::<ResponseEvent>(&kind, data).map(|event| {
                let error = event.response.error.unwrap_or_default();
                Self::Failed {
                    code: error.code.unwrap_or_else(|| "server_error".to_owned()),
                    message: error.message.unwrap_or_default(),
                }
            }),
            "error" => from::<ErrorBody>(&kind, data).map(|error| Self::Failed {
                code: error.code.unwrap_or_else(|| "server_error".to_owned()),
                message: error.message.unwrap_or_default(),
            }),
            _ => Ok(Self::Other(kind.clone())),
        }
    }

    /// Whether the response ends with this event.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Incomplete(_) | Self::Failed { .. }
        )
    }
}

fn from<'a, T: Deserialize<'a>>(kind: &str, data: &'a str) -> Result<T, ModelError> {
    serde_json::from_str(data).map_err(|error| invalid(kind, &error))
}

fn invalid(kind: &str, error: &serde_json::Error) -> ModelError {
    ModelError::InvalidEvent {
        event: kind.to_owned(),
        message: error.to_string(),
    }
}

#[derive(Deserialize)]
struct ItemEvent {
    item: OutputItem,
}

#[derive(Deserialize)]
struct ReasoningDelta {
    item_id: String,
    summary_index: usize,
    delta: String,
}

#[derive(Deserialize)]
struct ResponseEvent {
    response: ResponseBody,
}

#[derive(Deserialize)]
struct ResponseBody {
    #[serde(default)]
    error: Option<ErrorBody>,
    #[serde(default)]
    incomplete_details: Option<IncompleteDetails>,
}

#[derive(Deserialize)]
struct IncompleteDetails {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// An item of the response's `output`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutputItem {
    /// An assistant message.
    Message {
        /// The upstream item id.
        id: String,
        /// Its parts.
        #[serde(default)]
        content: Vec<ContentPart>,
    },
    /// A function (tool) call.
    FunctionCall {
        /// The upstream item id.
        #[serde(default)]
        id: Option<String>,
        /// The call id its output must carry.
        call_id: String,
        /// The tool name.
        name: String,
        /// The arguments, a JSON string.
        #[serde(default)]
        arguments: String,
    },
    /// Reasoning (its summary streams in events of its own).
    Reasoning {
        /// The upstream item id.
        id: String,
    },
    /// An image generation.
    ImageGenerationCall {
        /// The upstream item id.
        id: String,
        /// The final image, base64, at `done`.
        #[serde(default)]
        result: Option<String>,
    },
    /// Other items (web search calls, …): not shown.
    #[serde(other)]
    Other,
}

/// A part of an output message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContentPart {
    /// Text with its annotations.
    OutputText {
        /// The text.
        #[serde(default)]
        text: String,
        /// The annotations, as sent.
        #[serde(default)]
        annotations: Vec<Value>,
    },
    /// A refusal, shown as text.
    Refusal {
        /// The refusal text.
        #[serde(default)]
        refusal: String,
    },
    /// Reasoning text and newer kinds: not shown.
    #[serde(other)]
    Other,
}

/// `response.content_part.added` / `.done`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContentPartEvent {
    /// The upstream message id.
    pub item_id: String,
    /// The part's index.
    pub content_index: usize,
    /// The part.
    pub part: ContentPart,
}

/// A text or refusal delta.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TextDelta {
    /// The upstream message id.
    pub item_id: String,
    /// The part's index.
    pub content_index: usize,
    /// The text.
    pub delta: String,
}

/// `response.output_text.annotation.added`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AnnotationAdded {
    /// The upstream message id.
    pub item_id: String,
    /// The part's index.
    pub content_index: usize,
    /// The annotation, as sent.
    pub annotation: Value,
}

/// A reasoning summary's text (a delta, or the whole at `done`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReasoningText {
    /// The upstream reasoning item id.
    pub item_id: String,
    /// The summary part's index.
    pub summary_index: usize,
    /// The text.
    pub text: String,
}

/// `response.image_generation_call.partial_image`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PartialImage {
    /// The upstream image generation item id.
    pub item_id: String,
    /// Which partial image, from 0.
    pub partial_image_index: u32,
    /// The image, base64.
    pub partial_image_b64: String,
}

#[cfg(test)]
mod tests {
    use super::{OutputItem, UpstreamEvent};

    #[test]
    fn unknown_and_untyped_events() {
        assert_eq!(
            UpstreamEvent::parse("response.future_thing", "{}").unwrap(),
            UpstreamEvent::Other("response.future_thing".into())
        );
        let event = UpstreamEvent::parse(
            "",
            r#"{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"type":"web_search_call","id":"ws"}}"#,
        )
        .unwrap();
        assert_eq!(event, UpstreamEvent::OutputItemAdded(OutputItem::Other));
        assert!(UpstreamEvent::parse("response.output_text.delta", r#"{"delta": 1}"#).is_err());
        assert!(UpstreamEvent::parse("", "[").is_err());
    }
}
