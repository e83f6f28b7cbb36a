//! Message content: what a user writes ([`UserMessageContent`], [`InferenceOptions`]) and what
//! the assistant answers ([`AssistantMessageContent`] with [`Annotation`]s citing
//! [`Source`]s).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One part of a user message (tagged by `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserMessageContent {
    /// `input_text`: typed text.
    InputText {
        /// The text.
        text: String,
    },
    /// `input_tag`: an @-mention of an application entity.
    InputTag(TagContent),
}

impl UserMessageContent {
    /// An `input_text` part.
    pub fn text(text: impl Into<String>) -> Self {
        Self::InputText { text: text.into() }
    }

    /// The text of the part: the typed text, or the tag's display text.
    #[must_use]
    pub fn as_text(&self) -> &str {
        match self {
            Self::InputText { text } => text,
            Self::InputTag(tag) => &tag.text,
        }
    }
}

impl From<TagContent> for UserMessageContent {
    fn from(tag: TagContent) -> Self {
        Self::InputTag(tag)
    }
}

/// The fields of an `input_tag` part: an @-mention of an application entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagContent {
    /// The entity id.
    pub id: String,
    /// The display text.
    pub text: String,
    /// Entity data for the integration; always written, `{}` when the client sent none.
    #[serde(default)]
    pub data: Map<String, Value>,
    /// The group the entity was picked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Whether the tag is clickable; always written.
    #[serde(default)]
    pub interactive: bool,
}

impl TagContent {
    /// A tag with no data, no group, not interactive.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            text: text.into(),
            data: Map::new(),
            group: None,
            interactive: false,
        }
    }
}

/// Per-message model options chosen in the composer; always written, `{}` when empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InferenceOptions {
    /// The tool the user asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// The model the user picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// A composer tool choice, `{"id": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ToolChoice {
    /// The tool id.
    pub id: String,
}

/// One part of an assistant message, `{"type":"output_text","text":…,"annotations":[…]}`.
///
/// It writes its own `type`, and `annotations` always.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "output_text")]
pub struct AssistantMessageContent {
    /// The text (Markdown).
    pub text: String,
    /// Citations in the text; always written.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

impl AssistantMessageContent {
    /// A part with the given text and no annotations.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            annotations: Vec::new(),
        }
    }

    /// Adds an annotation.
    #[must_use]
    pub fn annotation(mut self, annotation: Annotation) -> Self {
        self.annotations.push(annotation);
        self
    }
}

/// A citation, `{"type":"annotation","source":…,"index"?:…}`; it writes its own `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "annotation")]
pub struct Annotation {
    /// What is cited.
    pub source: Source,
    /// The character position of the footnote marker; citations sharing an index are grouped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

impl Annotation {
    /// An annotation without a position.
    pub fn new(source: impl Into<Source>) -> Self {
        Self {
            source: source.into(),
            index: None,
        }
    }

    /// Sets the footnote position.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }
}

/// What an annotation cites (tagged by `type`: `file`, `url` or `entity`).
///
/// Each source struct writes its own `type`, so a `Vec<UrlSource>` (in a web-search task)
/// is also wire-exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, from = "SourceRepr")]
pub enum Source {
    /// `file`.
    File(FileSource),
    /// `url`.
    Url(UrlSource),
    /// `entity`.
    Entity(EntitySource),
}

impl Source {
    /// The title every source has.
    #[must_use]
    pub fn title(&self) -> &str {
        match self {
            Self::File(source) => &source.title,
            Self::Url(source) => &source.title,
            Self::Entity(source) => &source.title,
        }
    }
}

/// Deserializes [`Source`] by its `type` (serialization is untagged since each struct writes
/// its own `type`).
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SourceRepr {
    File(FileSource),
    Url(UrlSource),
    Entity(EntitySource),
}

impl From<SourceRepr> for Source {
    fn from(repr: SourceRepr) -> Self {
        match repr {
            SourceRepr::File(source) => Self::File(source),
            SourceRepr::Url(source) => Self::Url(source),
            SourceRepr::Entity(source) => Self::Entity(source),
        }
    }
}

impl From<FileSource> for Source {
    fn from(source: FileSource) -> Self {
        Self::File(source)
    }
}

impl From<UrlSource> for Source {
    fn from(source: UrlSource) -> Self {
        Self::Url(source)
    }
}

impl From<EntitySource> for Source {
    fn from(source: EntitySource) -> Self {
        Self::Entity(source)
    }
}

/// A cited file, `{"type":"file",…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "file")]
pub struct FileSource {
    /// The title.
    pub title: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A free-form timestamp shown with the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// A group label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The file name.
    pub filename: String,
}

impl FileSource {
    /// A file source with only a title and a file name.
    pub fn new(title: impl Into<String>, filename: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: None,
            timestamp: None,
            group: None,
            filename: filename.into(),
        }
    }
}

/// A cited web page, `{"type":"url",…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "url")]
pub struct UrlSource {
    /// The title.
    pub title: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A free-form timestamp shown with the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// A group label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The page URL.
    pub url: String,
    /// An attribution line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

impl UrlSource {
    /// A URL source with only a title and a URL.
    pub fn new(title: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: None,
            timestamp: None,
            group: None,
            url: url.into(),
            attribution: None,
        }
    }
}

/// A cited application entity, `{"type":"entity",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "entity")]
pub struct EntitySource {
    /// The title.
    pub title: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A free-form timestamp shown with the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// A group label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The entity id.
    pub id: String,
    /// An icon name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// The label of the hover card's header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The text of the inline chip (the icon is shown otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_label: Option<String>,
    /// Whether clicking the entity reaches the client; always written.
    #[serde(default)]
    pub interactive: bool,
    /// Entity data; always written, `{}` by default.
    #[serde(default)]
    pub data: Map<String, Value>,
    /// Deprecated and ignored by the client (`"lazy"`); kept for round-trips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

impl EntitySource {
    /// An entity source with only a title and an id.
    pub fn new(title: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: None,
            timestamp: None,
            group: None,
            id: id.into(),
            icon: None,
            label: None,
            inline_label: None,
            interactive: false,
            data: Map::new(),
            preview: None,
        }
    }
}

/// A generated image, `{"id": …, "url": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GeneratedImage {
    /// The image id.
    pub id: String,
    /// The image URL (often a data URL).
    pub url: String,
}

impl GeneratedImage {
    /// An image.
    pub fn new(id: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            url: url.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn assistant_content_writes_type_and_annotations() {
        let content = AssistantMessageContent::new("Hi")
            .annotation(Annotation::new(EntitySource::new("t", "e")).index(2));
        assert_eq!(
            serde_json::to_value(&content).unwrap(),
            json!({
                "type": "output_text",
                "text": "Hi",
                "annotations": [{
                    "type": "annotation",
                    "source": {"title": "t", "type": "entity", "id": "e", "interactive": false, "data": {}},
                    "index": 2,
                }],
            })
        );
        let back: AssistantMessageContent =
            serde_json::from_value(serde_json::to_value(&content).unwrap()).unwrap();
        assert_eq!(back, content);
        let bare: AssistantMessageContent = serde_json::from_value(json!({"text": "x"})).unwrap();
        assert_eq!(bare, AssistantMessageContent::new("x"));
    }

    #[test]
    fn sources_dispatch_on_type() {
        let source: Source = serde_json::from_value(json!({
            "type": "url", "title": "Docs", "url": "https://example.com", "attribution": null,
        }))
        .unwrap();
        assert_eq!(
            source,
            Source::Url(UrlSource::new("Docs", "https://example.com"))
        );
        let source: Source =
            serde_json::from_value(json!({"type": "file", "title": "F", "filename": "a.pdf"}))
                .unwrap();
        assert_eq!(serde_json::to_value(&source).unwrap()["type"], "file");
        let error = serde_json::from_value::<Source>(json!({"type": "book", "title": "B"}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown variant `book`"), "{error}");
    }

    #[test]
    fn user_content() {
        let tag: UserMessageContent =
            serde_json::from_value(json!({"type": "input_tag", "id": "u1", "text": "@Ada"}))
                .unwrap();
        assert_eq!(tag, TagContent::new("u1", "@Ada").into());
        assert_eq!(
            serde_json::to_value(&tag).unwrap(),
            json!({"type": "input_tag", "id": "u1", "text": "@Ada", "data": {}, "interactive": false})
        );
        assert_eq!(
            serde_json::to_value(UserMessageContent::text("hi")).unwrap(),
            json!({"type": "input_text", "text": "hi"})
        );
        assert_eq!(
            serde_json::to_value(InferenceOptions::default()).unwrap(),
            json!({})
        );
    }
}
