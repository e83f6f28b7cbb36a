//! Structured input: questions the assistant asks in place of the composer
//! ([`StructuredInput`]) and the client's answers ([`StructuredInputSubmission`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One question of a `structured_input` item (tagged by `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StructuredInput {
    /// `multiple_choice`: pick among options.
    MultipleChoice(MultipleChoiceInput),
    /// `freeform`: free text.
    Freeform(FreeformInput),
}

impl StructuredInput {
    /// The stable question id answers refer to.
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::MultipleChoice(input) => &input.id,
            Self::Freeform(input) => &input.id,
        }
    }

    /// The question text.
    #[must_use]
    pub fn question(&self) -> &str {
        match self {
            Self::MultipleChoice(input) => &input.question,
            Self::Freeform(input) => &input.question,
        }
    }

    /// The answer, once given.
    #[must_use]
    pub fn answer(&self) -> Option<&StructuredInputAnswer> {
        match self {
            Self::MultipleChoice(input) => input.answer.as_ref(),
            Self::Freeform(input) => input.answer.as_ref(),
        }
    }

    /// Sets or clears the answer.
    pub fn set_answer(&mut self, answer: Option<StructuredInputAnswer>) {
        match self {
            Self::MultipleChoice(input) => input.answer = answer,
            Self::Freeform(input) => input.answer = answer,
        }
    }
}

impl From<MultipleChoiceInput> for StructuredInput {
    fn from(input: MultipleChoiceInput) -> Self {
        Self::MultipleChoice(input)
    }
}

impl From<FreeformInput> for StructuredInput {
    fn from(input: FreeformInput) -> Self {
        Self::Freeform(input)
    }
}

/// The fields of a `multiple_choice` question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultipleChoiceInput {
    /// The stable question id.
    pub id: String,
    /// The question text.
    pub question: String,
    /// The answer, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<StructuredInputAnswer>,
    /// The choices.
    pub options: Vec<ChoiceOption>,
    /// Whether several choices may be picked; always written.
    #[serde(default)]
    pub multiple: bool,
}

impl MultipleChoiceInput {
    /// A single-choice question over the given option values.
    pub fn new<I, V>(id: impl Into<String>, question: impl Into<String>, options: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        Self {
            id: id.into(),
            question: question.into(),
            answer: None,
            options: options
                .into_iter()
                .map(|value| ChoiceOption {
                    value: value.into(),
                })
                .collect(),
            multiple: false,
        }
    }

    /// Allows several choices.
    #[must_use]
    pub fn multiple(mut self, multiple: bool) -> Self {
        self.multiple = multiple;
        self
    }
}

/// One choice of a multiple-choice question, `{"value": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// The value, also its label.
    pub value: String,
}

/// The fields of a `freeform` question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeformInput {
    /// The stable question id.
    pub id: String,
    /// The question text.
    pub question: String,
    /// The answer, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<StructuredInputAnswer>,
    /// A hint under the question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl FreeformInput {
    /// A free-text question without description.
    pub fn new(id: impl Into<String>, question: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            question: question.into(),
            answer: None,
            description: None,
        }
    }
}

/// An answer to one question: `{"values": [...], "skipped": false}`, both always written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StructuredInputAnswer {
    /// The chosen or typed values.
    #[serde(default)]
    pub values: Vec<String>,
    /// Whether the question was skipped.
    #[serde(default)]
    pub skipped: bool,
}

impl StructuredInputAnswer {
    /// An answer with the given values.
    pub fn values<I, V>(values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        Self {
            values: values.into_iter().map(Into::into).collect(),
            skipped: false,
        }
    }

    /// A skipped answer, `{"values": [], "skipped": true}`.
    #[must_use]
    pub fn skipped() -> Self {
        Self {
            values: Vec::new(),
            skipped: true,
        }
    }
}

/// The status of a `structured_input` item; `pending` by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredInputStatus {
    /// Waiting for the user.
    #[default]
    Pending,
    /// Answered.
    Answered,
    /// Skipped as a whole.
    Skipped,
}

impl From<SubmissionStatus> for StructuredInputStatus {
    fn from(status: SubmissionStatus) -> Self {
        match status {
            SubmissionStatus::Answered => Self::Answered,
            SubmissionStatus::Skipped => Self::Skipped,
        }
    }
}

/// The `input` of `threads.add_structured_input`: the answers, by question id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StructuredInputSubmission {
    /// `answered` (the default) or `skipped`; always written.
    #[serde(default)]
    pub status: SubmissionStatus,
    /// The answers by question id; always written.
    #[serde(default)]
    pub answers: BTreeMap<String, StructuredInputAnswer>,
}

/// Whether the user answered or skipped a structured input; `answered` by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Answered.
    #[default]
    Answered,
    /// Skipped as a whole.
    Skipped,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn questions_round_trip_with_defaults() {
        let input: StructuredInput =
            MultipleChoiceInput::new("size", "Which size?", ["S", "M"]).into();
        let json = json!({
            "type": "multiple_choice",
            "id": "size",
            "question": "Which size?",
            "options": [{"value": "S"}, {"value": "M"}],
            "multiple": false,
        });
        assert_eq!(serde_json::to_value(&input).unwrap(), json);
        assert_eq!(
            serde_json::from_value::<StructuredInput>(json).unwrap(),
            input
        );
        let freeform: StructuredInput = serde_json::from_value(json!({
            "type": "freeform", "id": "why", "question": "Why?", "answer": {"values": ["because"]},
        }))
        .unwrap();
        assert_eq!(freeform.id(), "why");
        assert_eq!(
            freeform.answer(),
            Some(&StructuredInputAnswer::values(["because"]))
        );
    }

    #[test]
    fn submission_defaults() {
        let submission: StructuredInputSubmission = serde_json::from_value(json!({})).unwrap();
        assert_eq!(submission, StructuredInputSubmission::default());
        assert_eq!(
            serde_json::to_value(&submission).unwrap(),
            json!({"status": "answered", "answers": {}})
        );
        assert_eq!(
            serde_json::to_value(StructuredInputAnswer::skipped()).unwrap(),
            json!({"values": [], "skipped": true})
        );
    }
}
