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

/// Why a submission cannot be applied to a `structured_input` item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StructuredInputError {
    /// The item was answered or skipped already.
    #[error("structured input item `{item}` is not pending")]
    NotPending {
        /// The item id.
        item: String,
    },
    /// Answers name questions the item does not ask.
    #[error("structured input item `{item}` has no question {}", .questions.join(", "))]
    UnknownQuestions {
        /// The item id.
        item: String,
        /// The unknown question ids, sorted.
        questions: Vec<String>,
    },
}

impl super::StructuredInputItem {
    /// The item with `submission` applied, as the SDK's `threads.add_structured_input` does:
    /// every question gets an answer: skipped when the whole submission is skipped or its own
    /// answer is missing, skipped or empty, else the submitted values (only the first for a
    /// single-choice question); the item takes the submission's status.
    ///
    /// Stricter than the SDK, which logs and ignores them: answers to questions the item does
    /// not ask are an error, since they mean the client and the item disagree.
    ///
    /// # Errors
    ///
    /// The item is not pending, or an answer names an unknown question.
    pub fn apply_submission(
        &self,
        submission: &StructuredInputSubmission,
    ) -> Result<Self, StructuredInputError> {
        if self.status != StructuredInputStatus::Pending {
            return Err(StructuredInputError::NotPending {
                item: self.id.clone(),
            });
        }
        let unknown: Vec<String> = submission
            .answers
            .keys()
            .filter(|id| !self.inputs.iter().any(|input| input.id() == id.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(StructuredInputError::UnknownQuestions {
                item: self.id.clone(),
                questions: unknown,
            });
        }
        let mut updated = self.clone();
        for input in &mut updated.inputs {
            let answer = match submission.answers.get(input.id()) {
                Some(answer)
                    if submission.status == SubmissionStatus::Answered
                        && !answer.skipped
                        && !answer.values.is_empty() =>
                {
                    let single = matches!(input, StructuredInput::MultipleChoice(choice) if !choice.multiple);
                    let take = if single { 1 } else { answer.values.len() };
                    StructuredInputAnswer::values(answer.values.iter().take(take).cloned())
                }
                _ => StructuredInputAnswer::skipped(),
            };
            input.set_answer(Some(answer));
        }
        updated.status = submission.status.into();
        Ok(updated)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item() -> crate::thread::StructuredInputItem {
        crate::thread::StructuredInputItem::new(
            "si_1",
            "thr_1",
            vec![
                StructuredInput::MultipleChoice(MultipleChoiceInput::new(
                    "size",
                    "Size?",
                    ["S", "M"],
                )),
                StructuredInput::MultipleChoice(
                    MultipleChoiceInput::new("toppings", "Toppings?", ["a", "b"]).multiple(true),
                ),
                StructuredInput::Freeform(FreeformInput::new("note", "Anything else?")),
            ],
        )
    }

    fn submission(value: serde_json::Value) -> StructuredInputSubmission {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn submissions_apply_as_in_the_sdk() {
        let updated = item()
            .apply_submission(&submission(json!({"answers": {
                "size": {"values": ["M", "S"]},
                "toppings": {"values": ["a", "b"]},
                "note": {"values": []},
            }})))
            .unwrap();
        assert_eq!(updated.status, StructuredInputStatus::Answered);
        let answers: Vec<_> = updated
            .inputs
            .iter()
            .map(|input| input.answer().cloned().unwrap())
            .collect();
        assert_eq!(
            answers[0],
            StructuredInputAnswer::values(["M"]),
            "single choice keeps the first"
        );
        assert_eq!(answers[1], StructuredInputAnswer::values(["a", "b"]));
        assert_eq!(
            answers[2],
            StructuredInputAnswer::skipped(),
            "empty values are a skip"
        );

        let skipped = item()
            .apply_submission(&submission(
                json!({"status": "skipped", "answers": {"size": {"values": ["S"]}}}),
            ))
            .unwrap();
        assert_eq!(skipped.status, StructuredInputStatus::Skipped);
        assert!(
            skipped
                .inputs
                .iter()
                .all(|input| input.answer() == Some(&StructuredInputAnswer::skipped()))
        );

        let unknown = item().apply_submission(&submission(
            json!({"answers": {"colour": {"values": ["red"]}}}),
        ));
        assert!(
            matches!(unknown, Err(StructuredInputError::UnknownQuestions { ref questions, .. }) if questions == &["colour"])
        );
        let again = updated.apply_submission(&submission(json!({})));
        assert!(matches!(
            again,
            Err(StructuredInputError::NotPending { .. })
        ));
    }

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
