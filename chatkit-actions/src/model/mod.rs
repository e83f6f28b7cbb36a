//! The model in the loop (feature `openai`): an OpenAI Responses API model streamed into the
//! thread, with the thread as its input and typed tools.
//!
//! - [`ModelConfig`] and [`ModelClient`]: `POST {base}/responses` with `stream: true`, from
//!   `OPENAI_API_KEY` and `OPENAI_BASE_URL` (any Responses-compatible server), with a
//!   timeout and retries on 429/5xx before the first event;
//! - [`ThreadItemConverter`]: thread items → input items, one overridable method per item
//!   kind ([`DefaultConverter`] has the Python SDK's conversions, [`AttachmentConverter`]
//!   sends attachments with their bytes);
//! - [`ResponseMapper`]: stream events → thread events, with the SDK's semantics;
//! - [`Tools`] and [`ToolHandler`]: an enum of tools with strict JSON Schemas, parsed from
//!   the model's untrusted arguments, run by an exhaustive `match`;
//! - [`Agent`]: all of it as a [`Respond`](crate::handler::Respond), or run from an action
//!   handler with [`Agent::run`].
//!
//! ```no_run
//! use chatkit_actions::model::{Agent, ModelClient, ModelConfig};
//! use chatkit_actions::server::ChatKitServer;
//! use chatkit_actions::store::MemoryStore;
//! # use chatkit_actions::{Action, action_handler};
//! # #[derive(Action, Debug)]
//! # enum AppAction { Refresh }
//! # struct App;
//! # #[action_handler(AppAction)]
//! # impl App {
//! #     async fn refresh(&self, cx: &mut chatkit_actions::handler::ActionContext<()>) -> chatkit_actions::handler::HandlerResult { Ok(()) }
//! # }
//!
//! let config = ModelConfig::from_env("gpt-4.1-mini").expect("OPENAI_API_KEY is set");
//! let agent = Agent::new(ModelClient::new(config)?).instructions("Be brief.");
//! let server = ChatKitServer::new(MemoryStore::new(), App).respond_with(agent);
//! # let _ = server;
//! # Ok::<(), chatkit_actions::model::ModelError>(())
//! ```
//!
//! See `docs/model.md` for the mapping in full.

mod agent;
mod client;
mod error;
mod event;
mod input;
mod stream;
mod tools;

pub use agent::Agent;
pub use client::{DEFAULT_BASE_URL, ModelClient, ModelConfig, ResponseStream};
pub use error::ModelError;
pub use event::{
    AnnotationAdded, ContentPart, ContentPartEvent, OutputItem, PartialImage, ReasoningText,
    TextDelta, UpstreamEvent,
};
pub use input::{
    AttachmentConverter, DefaultConverter, MAX_INLINE_BYTES, ThreadItemConverter, user_text,
};
pub use stream::{FunctionCall, ResponseMapper, convert_annotation};
pub use tools::{
    NoTools, ToolCallError, ToolDefinition, ToolHandler, ToolOutput, Tools, check_strict_schema,
    parse_arguments, strict_schema,
};
