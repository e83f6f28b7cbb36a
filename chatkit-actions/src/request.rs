//! Requests: the body the client posts to the protocol's single endpoint
//! ([`ChatKitRequest`]), their params, and the non-streaming response bodies that are not
//! thread types ([`SyncCustomActionResponse`], [`TranscriptionResult`]).
//!
//! ```
//! use chatkit_actions::request::ChatKitRequest;
//!
//! let body = r#"{"type":"threads.custom_action","params":{"thread_id":"thr_1","item_id":"wid_1","action":{"type":"increment","payload":{"count":1}}}}"#;
//! let request: ChatKitRequest = serde_json::from_str(body)?;
//! assert!(request.is_streaming());
//! assert_eq!(request.thread_id(), Some("thr_1"));
//! let ChatKitRequest::ThreadsCustomAction { params, .. } = request else { unreachable!() };
//! assert_eq!(params.action.action_type, "increment");
//!
//! let error = serde_json::from_str::<ChatKitRequest>(r#"{"type":"threads.nope","params":{}}"#)
//!     .unwrap_err();
//! assert!(error.to_string().starts_with("unknown variant `threads.nope`, expected one of"));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::action::{Buffered, RawAction, strip_position};
// The wire `type` of every request, in the enum's order: the list an unknown type's error gives.
use crate::telemetry::REQUEST_TYPES;
use crate::thread::{
    DEFAULT_PAGE_SIZE, InferenceOptions, StructuredInputSubmission, ThreadItem, UserMessageContent,
};

pub use crate::thread::SortOrder;

/// A request to the protocol's single endpoint: `{"type": …, "params": {…}, "metadata": {…}}`.
///
/// `params` is required for every type (`{}` for `threads.list` without options).
/// `metadata` is free-form data for the integration (auth, tracing, flags); the protocol never
/// reads it. It defaults to `{}` and is always written. Unknown keys are ignored; an unknown
/// `type` fails with serde's "unknown variant `…`, expected one of …" error; a key given twice
/// fails with "duplicate field `…`".
///
/// The body is read once, its keys in any order: `params` is parsed straight into its type's
/// struct when `type` comes before it, and otherwise kept as JSON text (borrowed from the body,
/// with no `serde_json::Value` built) until `type` is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum ChatKitRequest {
    /// `threads.create` (streaming): start a thread with a user message.
    #[serde(rename = "threads.create")]
    ThreadsCreate {
        /// The first message.
        params: ThreadCreateParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.add_user_message` (streaming).
    #[serde(rename = "threads.add_user_message")]
    ThreadsAddUserMessage {
        /// The thread and the message.
        params: ThreadAddUserMessageParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.add_client_tool_output` (streaming): the result of a client tool call.
    #[serde(rename = "threads.add_client_tool_output")]
    ThreadsAddClientToolOutput {
        /// The thread and the result.
        params: ThreadAddClientToolOutputParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.add_structured_input` (streaming): answers to a structured input item.
    #[serde(rename = "threads.add_structured_input")]
    ThreadsAddStructuredInput {
        /// The item and the answers.
        params: ThreadAddStructuredInputParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.retry_after_item` (streaming): respond again to a user message.
    #[serde(rename = "threads.retry_after_item")]
    ThreadsRetryAfterItem {
        /// The thread and the user message.
        params: ThreadRetryAfterItemParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.custom_action` (streaming): a widget action handled by the server.
    #[serde(rename = "threads.custom_action")]
    ThreadsCustomAction {
        /// The thread, the widget item and the action.
        params: ThreadCustomActionParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.sync_custom_action` (JSON): a `streaming: false` widget action, answered with
    /// a [`SyncCustomActionResponse`].
    #[serde(rename = "threads.sync_custom_action")]
    ThreadsSyncCustomAction {
        /// The thread, the widget item and the action.
        params: ThreadCustomActionParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.get_by_id` (JSON): a thread with its first items.
    #[serde(rename = "threads.get_by_id")]
    ThreadsGetById {
        /// The thread.
        params: ThreadGetByIdParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.list` (JSON): a page of threads.
    #[serde(rename = "threads.list")]
    ThreadsList {
        /// Pagination.
        params: ThreadListParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.update` (JSON): rename a thread.
    #[serde(rename = "threads.update")]
    ThreadsUpdate {
        /// The thread and its new title.
        params: ThreadUpdateParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `threads.delete` (JSON): delete a thread and its items.
    #[serde(rename = "threads.delete")]
    ThreadsDelete {
        /// The thread.
        params: ThreadDeleteParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `items.list` (JSON): a page of a thread's items.
    #[serde(rename = "items.list")]
    ItemsList {
        /// The thread and pagination.
        params: ItemsListParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `items.feedback` (JSON): thumbs up or down on items.
    #[serde(rename = "items.feedback")]
    ItemsFeedback {
        /// The items and the feedback.
        params: ItemsFeedbackParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `attachments.create` (JSON): register an upload (two-phase upload).
    #[serde(rename = "attachments.create")]
    AttachmentsCreate {
        /// The file.
        params: AttachmentCreateParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `attachments.delete` (JSON).
    #[serde(rename = "attachments.delete")]
    AttachmentsDelete {
        /// The attachment.
        params: AttachmentDeleteParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
    /// `input.transcribe` (JSON): speech to text, answered with a [`TranscriptionResult`].
    #[serde(rename = "input.transcribe")]
    InputTranscribe {
        /// The audio.
        params: InputTranscribeParams,
        /// Integration data.
        #[serde(default)]
        metadata: Map<String, Value>,
    },
}

/// Expands `$body` once per variant, with `$params` and `$metadata` bound to its fields.
macro_rules! each_request {
    ($value:expr, $params:ident, $metadata:ident => $body:expr) => {
        match $value {
            ChatKitRequest::ThreadsCreate {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsAddUserMessage {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsAddClientToolOutput {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsAddStructuredInput {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsRetryAfterItem {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsCustomAction {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsSyncCustomAction {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsGetById {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsList {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsUpdate {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ThreadsDelete {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ItemsList {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::ItemsFeedback {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::AttachmentsCreate {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::AttachmentsDelete {
                params: $params,
                metadata: $metadata,
            } => $body,
            ChatKitRequest::InputTranscribe {
                params: $params,
                metadata: $metadata,
            } => $body,
        }
    };
}

impl ChatKitRequest {
    /// Whether the response is a server-sent event stream (`text/event-stream`); otherwise
    /// it is one JSON body (`application/json`). It depends only on the request type.
    #[must_use]
    pub fn is_streaming(&self) -> bool {
        match self {
            Self::ThreadsCreate { .. }
            | Self::ThreadsAddUserMessage { .. }
            | Self::ThreadsAddClientToolOutput { .. }
            | Self::ThreadsAddStructuredInput { .. }
            | Self::ThreadsRetryAfterItem { .. }
            | Self::ThreadsCustomAction { .. } => true,
            Self::ThreadsSyncCustomAction { .. }
            | Self::ThreadsGetById { .. }
            | Self::ThreadsList { .. }
            | Self::ThreadsUpdate { .. }
            | Self::ThreadsDelete { .. }
            | Self::ItemsList { .. }
            | Self::ItemsFeedback { .. }
            | Self::AttachmentsCreate { .. }
            | Self::AttachmentsDelete { .. }
            | Self::InputTranscribe { .. } => false,
        }
    }

    /// The wire `type` (`"threads.create"`, …).
    #[must_use]
    pub fn request_type(&self) -> &'static str {
        match self {
            Self::ThreadsCreate { .. } => "threads.create",
            Self::ThreadsAddUserMessage { .. } => "threads.add_user_message",
            Self::ThreadsAddClientToolOutput { .. } => "threads.add_client_tool_output",
            Self::ThreadsAddStructuredInput { .. } => "threads.add_structured_input",
            Self::ThreadsRetryAfterItem { .. } => "threads.retry_after_item",
            Self::ThreadsCustomAction { .. } => "threads.custom_action",
            Self::ThreadsSyncCustomAction { .. } => "threads.sync_custom_action",
            Self::ThreadsGetById { .. } => "threads.get_by_id",
            Self::ThreadsList { .. } => "threads.list",
            Self::ThreadsUpdate { .. } => "threads.update",
            Self::ThreadsDelete { .. } => "threads.delete",
            Self::ItemsList { .. } => "items.list",
            Self::ItemsFeedback { .. } => "items.feedback",
            Self::AttachmentsCreate { .. } => "attachments.create",
            Self::AttachmentsDelete { .. } => "attachments.delete",
            Self::InputTranscribe { .. } => "input.transcribe",
        }
    }

    /// The thread the request is about, for the types that name one (every `threads.*` but
    /// `threads.create` and `threads.list`, plus `items.*`).
    #[must_use]
    pub fn thread_id(&self) -> Option<&str> {
        match self {
            Self::ThreadsAddUserMessage { params, .. } => Some(&params.thread_id),
            Self::ThreadsAddClientToolOutput { params, .. } => Some(&params.thread_id),
            Self::ThreadsAddStructuredInput { params, .. } => Some(&params.thread_id),
            Self::ThreadsRetryAfterItem { params, .. } => Some(&params.thread_id),
            Self::ThreadsCustomAction { params, .. }
            | Self::ThreadsSyncCustomAction { params, .. } => Some(&params.thread_id),
            Self::ThreadsGetById { params, .. } => Some(&params.thread_id),
            Self::ThreadsUpdate { params, .. } => Some(&params.thread_id),
            Self::ThreadsDelete { params, .. } => Some(&params.thread_id),
            Self::ItemsList { params, .. } => Some(&params.thread_id),
            Self::ItemsFeedback { params, .. } => Some(&params.thread_id),
            Self::ThreadsCreate { .. }
            | Self::ThreadsList { .. }
            | Self::AttachmentsCreate { .. }
            | Self::AttachmentsDelete { .. }
            | Self::InputTranscribe { .. } => None,
        }
    }

    /// The integration's request metadata.
    #[must_use]
    pub fn metadata(&self) -> &Map<String, Value> {
        each_request!(self, _params, metadata => metadata)
    }

    /// The integration's request metadata, mutably.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        each_request!(self, _params, metadata => metadata)
    }
}

impl<'de> Deserialize<'de> for ChatKitRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RequestVisitor(PhantomData))
    }
}

/// A request as the server reads it from the body: an action request with its action borrowed
/// from the body (the payload as raw JSON text, no `serde_json::Value`), or any other request
/// as a [`ChatKitRequest`].
///
/// Parsed from the body's bytes (`serde_json::from_slice`), which outlive it: the server keeps
/// the body until the action is parsed into its type and admitted, and only then starts the
/// response, which owns everything it needs. A reader, or a `serde_json::Value`, cannot lend
/// the text, and gives [`ServerRequest::Other`] for actions too.
#[derive(Debug)]
pub(crate) enum ServerRequest<'a> {
    /// `threads.custom_action` or `threads.sync_custom_action`.
    Action(ActionRequest<'a>),
    /// Every other request (and an action request read from a source that cannot lend).
    Other(ChatKitRequest),
}

impl<'a> ServerRequest<'a> {
    /// Reads a request body. A body that is valid UTF-8 (checked once, whole) is read as
    /// text, so `serde_json` does not check each string again; any other body is read as
    /// bytes, for `serde_json`'s own error.
    pub(crate) fn read(body: &'a [u8]) -> Result<Self, serde_json::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(body),
        }
    }
}

impl<'de> Deserialize<'de> for ServerRequest<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RequestVisitor(PhantomData))
    }
}

/// Reads a request body as [`ChatKitServer::process`](crate::server::ChatKitServer::process)
/// does, and parses the action of a `threads.custom_action` or `threads.sync_custom_action`
/// into `A`: the server's path from the body to the typed action (the payload borrowed from
/// `body` as JSON text, no `serde_json::Value`), without the store and the checks. `Ok(None)`
/// for any other request. For the benchmarks; not part of the stable API.
///
/// # Errors
///
/// The request's parse error, or the action's, as text.
#[doc(hidden)]
pub fn parse_action_request<A: crate::Action>(body: &[u8]) -> Result<Option<A>, String> {
    match ServerRequest::read(body).map_err(|e| e.to_string())? {
        ServerRequest::Action(request) => {
            let action = &request.params.action;
            A::from_json_parts(&action.action_type, action.payload)
                .map(Some)
                .map_err(|e| e.to_string())
        }
        ServerRequest::Other(_) => Ok(None),
    }
}

/// `threads.custom_action` or `threads.sync_custom_action` with its action borrowed from the
/// body.
#[derive(Debug)]
pub(crate) struct ActionRequest<'a> {
    /// `false` for `threads.sync_custom_action`.
    pub(crate) streaming: bool,
    /// The params, the action borrowed.
    pub(crate) params: wire::ThreadCustomActionParams<'a>,
    /// Integration data.
    pub(crate) metadata: Map<String, Value>,
}

impl ActionRequest<'_> {
    /// The wire `type`.
    pub(crate) fn request_type(&self) -> &'static str {
        if self.streaming {
            "threads.custom_action"
        } else {
            "threads.sync_custom_action"
        }
    }

    /// The same request with its own copy of everything, the payload as a JSON value: what
    /// an [`Authorize`](crate::server::Authorize) check gets when it asks for the whole
    /// request. A payload holding a number a JSON value cannot hold (such as `1e400`) is
    /// left out: such an action fails its parsing later anyway.
    pub(crate) fn to_owned_request(&self) -> ChatKitRequest {
        let action = &self.params.action;
        let params = ThreadCustomActionParams {
            thread_id: self.params.thread_id.clone(),
            item_id: self.params.item_id.clone(),
            action: action.to_owned_action().unwrap_or_else(|_| RawAction {
                action_type: action.action_type.clone().into_owned(),
                payload: None,
            }),
        };
        let metadata = self.metadata.clone();
        if self.streaming {
            ChatKitRequest::ThreadsCustomAction { params, metadata }
        } else {
            ChatKitRequest::ThreadsSyncCustomAction { params, metadata }
        }
    }
}

/// The borrowed forms of the action params. Their names are those of the owned types, so a
/// malformed action gets the same error message either way (`expected struct RawAction`).
pub(crate) mod wire {
    use std::borrow::Cow;

    use serde::Deserialize;
    use serde_json::value::RawValue;

    /// The params of an action request, the action borrowed.
    #[derive(Debug, Deserialize)]
    pub(crate) struct ThreadCustomActionParams<'a> {
        /// The thread.
        pub(crate) thread_id: String,
        /// The widget item the action came from, if any.
        #[serde(default)]
        pub(crate) item_id: Option<String>,
        /// The action.
        #[serde(borrow)]
        pub(crate) action: RawAction<'a>,
    }

    /// An action as sent, borrowed from the request body: its type string, and its payload as
    /// the JSON text it was sent as (absent when missing or `null`).
    #[derive(Debug, Clone, Deserialize)]
    pub(crate) struct RawAction<'a> {
        /// The type string.
        #[serde(rename = "type", borrow)]
        pub(crate) action_type: Cow<'a, str>,
        /// The payload's JSON text.
        #[serde(default, borrow)]
        pub(crate) payload: Option<&'a RawValue>,
    }

    impl RawAction<'_> {
        /// The owned [`RawAction`](crate::RawAction), the payload parsed into a JSON value.
        ///
        /// # Errors
        ///
        /// A number the JSON value cannot hold (the body's parser only scanned the payload).
        pub(crate) fn to_owned_action(&self) -> Result<crate::RawAction, serde_json::Error> {
            Ok(crate::RawAction {
                action_type: self.action_type.clone().into_owned(),
                payload: self
                    .payload
                    .map(|raw| serde_json::from_str(raw.get()))
                    .transpose()?,
            })
        }
    }
}

/// A key of the request object.
enum RequestKey {
    Type,
    Params,
    Metadata,
    Other,
}

impl<'de> Deserialize<'de> for RequestKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = RequestKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`type`, `params` or `metadata`")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<RequestKey, E> {
                Ok(match key {
                    "type" => RequestKey::Type,
                    "params" => RequestKey::Params,
                    "metadata" => RequestKey::Metadata,
                    _ => RequestKey::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// The request's `type`, one of [`REQUEST_TYPES`].
struct RequestType(&'static str);

impl<'de> Deserialize<'de> for RequestType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TypeVisitor;
        impl Visitor<'_> for TypeVisitor {
            type Value = RequestType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request type string")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<RequestType, E> {
                REQUEST_TYPES
                    .iter()
                    .find(|known| **known == name)
                    .map(|known| RequestType(known))
                    .ok_or_else(|| E::unknown_variant(name, REQUEST_TYPES))
            }
        }
        deserializer.deserialize_str(TypeVisitor)
    }
}

/// What a request body is read into: [`ChatKitRequest`], or the server's [`ServerRequest`].
trait RequestShape<'de>: Sized {
    /// The params seed of the request type `name`.
    type Seed: DeserializeSeed<'de, Value = Self>;
    fn seed(name: &'static str) -> Self::Seed;
    /// Parses params buffered before `type` was read.
    fn from_buffered(name: &'static str, params: Buffered<'de>) -> Result<Self, serde_json::Error>;
    fn set_metadata(&mut self, metadata: Map<String, Value>);
}

impl<'de> RequestShape<'de> for ChatKitRequest {
    type Seed = ParamsSeed;
    fn seed(name: &'static str) -> ParamsSeed {
        ParamsSeed(name)
    }
    fn from_buffered(name: &'static str, params: Buffered<'de>) -> Result<Self, serde_json::Error> {
        params.parse_with(ParamsSeed(name))
    }
    fn set_metadata(&mut self, metadata: Map<String, Value>) {
        *self.metadata_mut() = metadata;
    }
}

impl<'de> RequestShape<'de> for ServerRequest<'de> {
    type Seed = ServerParamsSeed;
    fn seed(name: &'static str) -> ServerParamsSeed {
        ServerParamsSeed(name)
    }
    fn from_buffered(name: &'static str, params: Buffered<'de>) -> Result<Self, serde_json::Error> {
        match params {
            Buffered::Borrowed(text) => {
                let mut json = serde_json::Deserializer::from_str(text);
                let request = ServerParamsSeed(name).deserialize(&mut json)?;
                json.end()?;
                Ok(request)
            }
            other => other.parse_with(ParamsSeed(name)).map(ServerRequest::Other),
        }
    }
    fn set_metadata(&mut self, metadata: Map<String, Value>) {
        match self {
            ServerRequest::Action(action) => action.metadata = metadata,
            ServerRequest::Other(request) => *request.metadata_mut() = metadata,
        }
    }
}

/// Parses `params` into the server's request: the action borrowed for the two action types,
/// [`ParamsSeed`] for the others.
struct ServerParamsSeed(&'static str);

impl<'de> DeserializeSeed<'de> for ServerParamsSeed {
    type Value = ServerRequest<'de>;

    fn deserialize<D: Deserializer<'de>>(self, params: D) -> Result<ServerRequest<'de>, D::Error> {
        let streaming = match self.0 {
            "threads.custom_action" => true,
            "threads.sync_custom_action" => false,
            other => {
                return ParamsSeed(other)
                    .deserialize(params)
                    .map(ServerRequest::Other);
            }
        };
        Ok(ServerRequest::Action(ActionRequest {
            streaming,
            params: wire::ThreadCustomActionParams::deserialize(params)?,
            metadata: Map::new(),
        }))
    }
}

/// Parses `params` into the struct of the request type, giving the request with empty
/// metadata.
struct ParamsSeed(&'static str);

impl<'de> DeserializeSeed<'de> for ParamsSeed {
    type Value = ChatKitRequest;

    fn deserialize<D: Deserializer<'de>>(self, params: D) -> Result<ChatKitRequest, D::Error> {
        use ChatKitRequest as R;
        let metadata = Map::new();
        Ok(match self.0 {
            "threads.create" => R::ThreadsCreate {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.add_user_message" => R::ThreadsAddUserMessage {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.add_client_tool_output" => R::ThreadsAddClientToolOutput {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.add_structured_input" => R::ThreadsAddStructuredInput {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.retry_after_item" => R::ThreadsRetryAfterItem {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.custom_action" => R::ThreadsCustomAction {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.sync_custom_action" => R::ThreadsSyncCustomAction {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.get_by_id" => R::ThreadsGetById {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.list" => R::ThreadsList {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.update" => R::ThreadsUpdate {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "threads.delete" => R::ThreadsDelete {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "items.list" => R::ItemsList {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "items.feedback" => R::ItemsFeedback {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "attachments.create" => R::AttachmentsCreate {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "attachments.delete" => R::AttachmentsDelete {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            "input.transcribe" => R::InputTranscribe {
                params: Deserialize::deserialize(params)?,
                metadata,
            },
            other => return Err(de::Error::unknown_variant(other, REQUEST_TYPES)),
        })
    }
}

struct RequestVisitor<T>(PhantomData<T>);

impl<'de, T: RequestShape<'de>> Visitor<'de> for RequestVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a request object with `type` and `params`")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<T, M::Error> {
        let mut request_type: Option<&'static str> = None;
        let mut parsed: Option<T> = None;
        let mut buffered: Option<Buffered<'de>> = None;
        let mut metadata: Option<Map<String, Value>> = None;
        while let Some(key) = map.next_key::<RequestKey>()? {
            match key {
                RequestKey::Type => {
                    if request_type.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    request_type = Some(map.next_value::<RequestType>()?.0);
                }
                RequestKey::Params => {
                    if parsed.is_some() || buffered.is_some() {
                        return Err(de::Error::duplicate_field("params"));
                    }
                    match request_type {
                        Some(name) => parsed = Some(map.next_value_seed(T::seed(name))?),
                        None => buffered = Some(map.next_value()?),
                    }
                }
                RequestKey::Metadata => {
                    if metadata.is_some() {
                        return Err(de::Error::duplicate_field("metadata"));
                    }
                    metadata = Some(map.next_value()?);
                }
                RequestKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(request_type) = request_type else {
            return Err(de::Error::missing_field("type"));
        };
        let mut request = match (parsed, buffered) {
            (Some(request), _) => request,
            (None, Some(params)) => T::from_buffered(request_type, params)
                // The position in the buffered text would mislead; the body's deserializer
                // adds its own.
                .map_err(|error| de::Error::custom(strip_position(&error)))?,
            (None, None) => return Err(de::Error::missing_field("params")),
        };
        if let Some(metadata) = metadata {
            request.set_metadata(metadata);
        }
        Ok(request)
    }
}

/// A user message as the client sends it (`threads.create`, `threads.add_user_message`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserMessageInput {
    /// Text and tags.
    pub content: Vec<UserMessageContent>,
    /// The ids of attachments uploaded before; always written.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// The text the user replied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_text: Option<String>,
    /// Tool and model choices; always written.
    #[serde(default)]
    pub inference_options: InferenceOptions,
}

impl UserMessageInput {
    /// A message with one text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![UserMessageContent::text(text)],
            ..Self::default()
        }
    }
}

/// The params of `threads.create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadCreateParams {
    /// The first message.
    pub input: UserMessageInput,
}

/// The params of `threads.add_user_message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadAddUserMessageParams {
    /// The thread.
    pub thread_id: String,
    /// The message.
    pub input: UserMessageInput,
}

/// The params of `threads.add_client_tool_output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadAddClientToolOutputParams {
    /// The thread; its newest item must be a pending client tool call.
    pub thread_id: String,
    /// The tool's result, any JSON (`null` is omitted on output, as in Python).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub result: Value,
}

/// The params of `threads.add_structured_input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadAddStructuredInputParams {
    /// The thread.
    pub thread_id: String,
    /// The pending `structured_input` item.
    pub item_id: String,
    /// The answers.
    pub input: StructuredInputSubmission,
}

/// The params of `threads.retry_after_item`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRetryAfterItemParams {
    /// The thread.
    pub thread_id: String,
    /// The user message to respond to again; newer items are deleted.
    pub item_id: String,
}

/// The params of `threads.custom_action` and `threads.sync_custom_action`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadCustomActionParams {
    /// The thread.
    pub thread_id: String,
    /// The widget item the action came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// The action, `{"type": …, "payload"?: …}`; parse it into the application's action
    /// enum with [`RawAction::parse`].
    pub action: RawAction,
}

/// The params of `threads.get_by_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadGetByIdParams {
    /// The thread.
    pub thread_id: String,
}

/// Declares the params of a list request: its own fields, then the paging fields every list
/// shares (`limit`, `order`, `after`, in the SDK's order), and their `page_size`.
macro_rules! list_params {
    ($(#[$meta:meta])* pub struct $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($own)*
            /// The page size; absent or `0` means [`DEFAULT_PAGE_SIZE`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub limit: Option<u32>,
            /// By creation time; `desc` by default, always written.
            #[serde(default)]
            pub order: SortOrder,
            /// The cursor returned by the previous page.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub after: Option<String>,
        }

        impl $name {
            /// The page size to use: `limit`, or [`DEFAULT_PAGE_SIZE`] when it is absent or `0`.
            #[must_use]
            pub fn page_size(&self) -> usize {
                page_size(self.limit)
            }
        }
    };
}

list_params! {
    /// The params of `threads.list`.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct ThreadListParams {}
}

/// The params of `threads.update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadUpdateParams {
    /// The thread.
    pub thread_id: String,
    /// The new title.
    pub title: String,
}

/// The params of `threads.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadDeleteParams {
    /// The thread.
    pub thread_id: String,
}

list_params! {
    /// The params of `items.list`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ItemsListParams {
        /// The thread.
        pub thread_id: String,
    }
}

fn page_size(limit: Option<u32>) -> usize {
    match limit {
        None | Some(0) => DEFAULT_PAGE_SIZE,
        Some(limit) => usize::try_from(limit).unwrap_or(usize::MAX),
    }
}

/// The params of `items.feedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsFeedbackParams {
    /// The thread.
    pub thread_id: String,
    /// The items rated.
    pub item_ids: Vec<String>,
    /// Thumbs up or down.
    pub kind: FeedbackKind,
}

/// The rating of `items.feedback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    /// Thumbs up.
    Positive,
    /// Thumbs down.
    Negative,
}

/// The params of `attachments.create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentCreateParams {
    /// The file name.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The MIME type.
    pub mime_type: String,
}

/// The params of `attachments.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentDeleteParams {
    /// The attachment.
    pub attachment_id: String,
}

/// The params of `input.transcribe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputTranscribeParams {
    /// The recording, base64-encoded.
    pub audio_base64: String,
    /// The raw MIME type, such as `audio/webm;codecs=opus`.
    pub mime_type: String,
}

impl InputTranscribeParams {
    /// The media type: the MIME type up to its first `;` (`audio/webm`), trimmed.
    #[must_use]
    pub fn media_type(&self) -> &str {
        self.mime_type.split(';').next().unwrap_or_default().trim()
    }
}

/// The response of `threads.sync_custom_action`: `{"updated_item": …}`, or `{}` without one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncCustomActionResponse {
    /// The item to show in place of the widget item (not persisted by the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_item: Option<ThreadItem>,
}

impl SyncCustomActionResponse {
    /// A response replacing the item.
    pub fn updated(item: impl Into<ThreadItem>) -> Self {
        Self {
            updated_item: Some(item.into()),
        }
    }

    /// A response changing nothing, `{}`.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }
}

/// The response of `input.transcribe`: `{"text": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptionResult {
    /// The transcribed text.
    pub text: String,
}

impl TranscriptionResult {
    /// A transcription.
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into() }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::thread::{EndOfTurnItem, SubmissionStatus, Timestamp};

    fn parse(json: &Value) -> ChatKitRequest {
        serde_json::from_value(json.clone()).unwrap_or_else(|error| panic!("{error}: {json}"))
    }

    #[test]
    fn unknown_type_is_a_clear_error() {
        let error =
            serde_json::from_value::<ChatKitRequest>(json!({"type": "threads.nope", "params": {}}))
                .unwrap_err()
                .to_string();
        assert!(
            error.starts_with("unknown variant `threads.nope`, expected one of `threads.create`"),
            "{error}"
        );
        assert!(error.contains("`input.transcribe`"), "{error}");
        let error = serde_json::from_value::<ChatKitRequest>(json!({"params": {}}))
            .unwrap_err()
            .to_string();
        assert_eq!(error, "missing field `type`");
        let error = serde_json::from_value::<ChatKitRequest>(json!({"type": "threads.list"}))
            .unwrap_err()
            .to_string();
        assert_eq!(error, "missing field `params`");
    }

    /// The error of parsing `body` as text (the server's path) and as a `serde_json::Value`
    /// (which keeps only the last of duplicate keys, so `None` there), without the position
    /// `serde_json` appends to the text's.
    fn errors(body: &str) -> (String, Option<String>) {
        let text = serde_json::from_str::<ChatKitRequest>(body)
            .unwrap_err()
            .to_string();
        let text = match text.rfind(" at line ") {
            Some(at) => text[..at].to_owned(),
            None => text,
        };
        let value: Value = serde_json::from_str(body).unwrap();
        let value = serde_json::from_value::<ChatKitRequest>(value)
            .err()
            .map(|error| error.to_string());
        (text, value)
    }

    #[test]
    fn what_each_bad_request_gives_in_either_key_order() {
        let unknown = "unknown variant `threads.nope`, expected one of `threads.create`, `threads.add_user_message`";
        let cases: [(&str, &str); 12] = [
            (r#"{"type":"threads.nope","params":{}}"#, unknown),
            (r#"{"params":{},"type":"threads.nope"}"#, unknown),
            (r#"{"type":"threads.get_by_id"}"#, "missing field `params`"),
            (r#"{"params":{"thread_id":"t"}}"#, "missing field `type`"),
            (
                r#"{"type":"threads.list","type":"threads.list","params":{}}"#,
                "duplicate field `type`",
            ),
            (
                r#"{"type":"threads.list","params":{},"params":{}}"#,
                "duplicate field `params`",
            ),
            (
                r#"{"params":{},"params":{},"type":"threads.list"}"#,
                "duplicate field `params`",
            ),
            (
                r#"{"type":"threads.list","params":{},"metadata":{},"metadata":{}}"#,
                "duplicate field `metadata`",
            ),
            // A bad field of `params`, before and after `type`: the same message.
            (
                r#"{"type":"threads.get_by_id","params":{"thread_id":5}}"#,
                "invalid type: integer `5`, expected a string",
            ),
            (
                r#"{"params":{"thread_id":5},"type":"threads.get_by_id"}"#,
                "invalid type: integer `5`, expected a string",
            ),
            // An action that is not an object.
            (
                r#"{"type":"threads.custom_action","params":{"thread_id":"t","action":"go"}}"#,
                "invalid type: string \"go\", expected struct RawAction",
            ),
            (
                r#"{"params":{"thread_id":"t","action":"go"},"type":"threads.custom_action"}"#,
                "invalid type: string \"go\", expected struct RawAction",
            ),
        ];
        for (body, expected) in cases {
            let (text, value) = errors(body);
            assert!(text.starts_with(expected), "{body}: {text}");
            if expected.starts_with("duplicate field") {
                assert_eq!(value, None, "{body}");
            } else {
                let value = value.unwrap_or_default();
                assert!(value.starts_with(expected), "{body}: {value}");
            }
            // The buffered `params` keeps no position of its own inside the message.
            assert_eq!(text.matches(" at line ").count(), 0, "{body}: {text}");
        }
        // An action without a type, a body that is not an object, a `type` that is not a string.
        assert_eq!(
            errors(r#"{"params":{"thread_id":"t","action":{"payload":1}},"type":"threads.custom_action"}"#).0,
            "missing field `type`"
        );
        assert_eq!(
            errors("[1]").0,
            "invalid type: sequence, expected a request object with `type` and `params`"
        );
        assert_eq!(
            errors(r#"{"type":1,"params":{}}"#).0,
            "invalid type: integer `1`, expected a request type string"
        );
    }

    #[test]
    fn params_before_type_parse_the_same() {
        let body = r#"{"metadata":{"m":1},"params":{"thread_id":"t","item_id":"i","action":{"payload":{"n":[1,2]},"type":"a"}},"extra":[{}],"type":"threads.custom_action"}"#;
        let request: ChatKitRequest = serde_json::from_str(body).unwrap();
        let value: ChatKitRequest =
            serde_json::from_value(serde_json::from_str::<Value>(body).unwrap()).unwrap();
        let reader: ChatKitRequest = serde_json::from_reader(body.as_bytes()).unwrap();
        assert_eq!(request, value);
        assert_eq!(request, reader);
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "type": "threads.custom_action",
                "params": {"thread_id": "t", "item_id": "i", "action": {"type": "a", "payload": {"n": [1, 2]}}},
                "metadata": {"m": 1},
            })
        );
        // Trailing text after the buffered `params` cannot sneak in: it is the body's syntax.
        assert!(
            serde_json::from_str::<ChatKitRequest>(r#"{"params":{} 1,"type":"threads.list"}"#)
                .is_err()
        );
    }

    #[test]
    fn defaults_are_written_and_unknown_keys_ignored() {
        let request = parse(&json!({
            "type": "threads.list", "params": {"extra": 1}, "extra": true,
        }));
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"type": "threads.list", "params": {"order": "desc"}, "metadata": {}})
        );
        let ChatKitRequest::ThreadsList { params, .. } = &request else {
            panic!("{request:?}")
        };
        assert_eq!(params.page_size(), DEFAULT_PAGE_SIZE);

        let request = parse(&json!({
            "type": "threads.create",
            "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "quoted_text": null}},
            "metadata": {"trace": "t1"},
        }));
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "type": "threads.create",
                "params": {"input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [], "inference_options": {}}},
                "metadata": {"trace": "t1"},
            })
        );
        assert_eq!(request.metadata()["trace"], "t1");
        assert!(request.is_streaming());
        assert_eq!(request.thread_id(), None);
    }

    #[test]
    fn every_type_parses_with_its_streaming_kind_and_thread() {
        let cases = [
            (
                json!({"type": "threads.create", "params": {"input": {"content": []}}}),
                true,
                None,
            ),
            (
                json!({"type": "threads.add_user_message", "params": {"thread_id": "t", "input": {"content": []}}}),
                true,
                Some("t"),
            ),
            (
                json!({"type": "threads.add_client_tool_output", "params": {"thread_id": "t", "result": null}}),
                true,
                Some("t"),
            ),
            (
                json!({"type": "threads.add_structured_input", "params": {"thread_id": "t", "item_id": "i", "input": {}}}),
                true,
                Some("t"),
            ),
            (
                json!({"type": "threads.retry_after_item", "params": {"thread_id": "t", "item_id": "i"}}),
                true,
                Some("t"),
            ),
            (
                json!({"type": "threads.custom_action", "params": {"thread_id": "t", "action": {"type": "a"}}}),
                true,
                Some("t"),
            ),
            (
                json!({"type": "threads.sync_custom_action", "params": {"thread_id": "t", "item_id": null, "action": {"type": "a"}}}),
                false,
                Some("t"),
            ),
            (
                json!({"type": "threads.get_by_id", "params": {"thread_id": "t"}}),
                false,
                Some("t"),
            ),
            (json!({"type": "threads.list", "params": {}}), false, None),
            (
                json!({"type": "threads.update", "params": {"thread_id": "t", "title": "T"}}),
                false,
                Some("t"),
            ),
            (
                json!({"type": "threads.delete", "params": {"thread_id": "t"}}),
                false,
                Some("t"),
            ),
            (
                json!({"type": "items.list", "params": {"thread_id": "t", "limit": 0}}),
                false,
                Some("t"),
            ),
            (
                json!({"type": "items.feedback", "params": {"thread_id": "t", "item_ids": ["i"], "kind": "positive"}}),
                false,
                Some("t"),
            ),
            (
                json!({"type": "attachments.create", "params": {"name": "a.txt", "size": 3, "mime_type": "text/plain"}}),
                false,
                None,
            ),
            (
                json!({"type": "attachments.delete", "params": {"attachment_id": "a"}}),
                false,
                None,
            ),
            (
                json!({"type": "input.transcribe", "params": {"audio_base64": "AAA=", "mime_type": "audio/webm;codecs=opus"}}),
                false,
                None,
            ),
        ];
        for (json, streaming, thread_id) in cases {
            let request = parse(&json);
            assert_eq!(request.request_type(), json["type"]);
            assert_eq!(request.is_streaming(), streaming, "{json}");
            assert_eq!(request.thread_id(), thread_id, "{json}");
            let written = serde_json::to_value(&request).unwrap();
            assert_eq!(written["metadata"], json!({}));
            assert_eq!(parse(&written), request, "{json}");
            // `params` before `type`, as text: the same request.
            let reordered = format!(r#"{{"params":{},"type":{}}}"#, json["params"], json["type"]);
            let reparsed: ChatKitRequest = serde_json::from_str(&reordered).unwrap();
            assert_eq!(reparsed, request, "{reordered}");
        }
    }

    #[test]
    fn params_details() {
        let request = parse(&json!({
            "type": "threads.add_structured_input",
            "params": {"thread_id": "t", "item_id": "i", "input": {"status": "skipped"}},
        }));
        let ChatKitRequest::ThreadsAddStructuredInput { params, .. } = request else {
            panic!()
        };
        assert_eq!(params.input.status, SubmissionStatus::Skipped);

        let params = InputTranscribeParams {
            audio_base64: String::new(),
            mime_type: "audio/webm;codecs=opus".into(),
        };
        assert_eq!(params.media_type(), "audio/webm");
        let params = ItemsListParams {
            thread_id: "t".into(),
            limit: Some(5),
            order: SortOrder::Asc,
            after: None,
        };
        assert_eq!(params.page_size(), 5);
        assert_eq!(
            serde_json::to_value(&params).unwrap(),
            json!({"thread_id": "t", "limit": 5, "order": "asc"})
        );
    }

    #[test]
    fn responses() {
        assert_eq!(
            serde_json::to_value(SyncCustomActionResponse::none()).unwrap(),
            json!({})
        );
        let item = EndOfTurnItem::new("e", "t")
            .created_at(Timestamp::parse("2025-01-15T12:00:00").unwrap());
        assert_eq!(
            serde_json::to_value(SyncCustomActionResponse::updated(item)).unwrap(),
            json!({"updated_item": {"id": "e", "thread_id": "t", "created_at": "2025-01-15T12:00:00", "type": "end_of_turn"}})
        );
        assert_eq!(
            serde_json::to_value(TranscriptionResult::new("hello")).unwrap(),
            json!({"text": "hello"})
        );
    }
}
