//! Strongly typed [ChatKit](https://platform.openai.com/docs/guides/chatkit) actions, and a
//! ChatKit backend that speaks the protocol of the official Python SDK.
//!
//! A ChatKit widget carries an [`ActionConfig`]; when a person clicks or submits, the client
//! sends the action to the backend, which handles it and streams thread events back. The
//! Python SDK leaves actions as `Action[str, Any]`, so a typo or a forgotten handler shows up
//! in production. Here actions are Rust types:
//!
//! - [`#[derive(Action)]`](derive@Action) on an enum declares the application's discriminated
//!   union of actions: its wire (de)serialization, [`ActionConfig::create`] support, and a
//!   handler trait with one method per server action;
//! - [`#[action_handler]`](macro@action_handler) on an impl block implements that trait with an
//!   exhaustive dispatch: a server action without its handler method is a compile error;
//! - [`server::ChatKitServer`] runs the handlers behind the ChatKit endpoint (`http` serves it
//!   with axum), persisting what they stream in a [`store::Store`];
//! - [`widget`] builds every ChatKit widget, taking typed actions in every action slot, and
//!   [`thread`] and [`request`] are the protocol's data types, wire-compatible with the SDK;
//! - with the `typescript` feature, `#[derive(ActionTypes)]` and the `typescript` module
//!   generate the browser side from the same enum: TypeScript types, typed helpers for ChatKit's
//!   `widgets.onAction` and `sendCustomAction`, and JSON Schemas of the payloads;
//! - for production, [`telemetry`] (metrics on the `metrics` facade, a Prometheus exporter with
//!   the `prometheus` feature, unusual refusal patterns), [`health`] (liveness and readiness
//!   routes), [`limiter`] (rate limiters, one shared by replicas on PostgreSQL) and, with the
//!   `otlp` feature, `otlp` (traces to an OpenTelemetry collector): `docs/operations.md`.
//!
//! ```
//! use chatkit_actions::handler::{ActionContext, HandlerError, HandlerResult};
//! use chatkit_actions::widget::{Button, Card, EditableProps, Form, Text};
//! use chatkit_actions::{Action, action_handler};
//!
//! #[derive(Action, Debug)]
//! enum TodoAction {
//!     /// `{"type": "complete", "payload": {"id": …}}`
//!     Complete { id: String },
//!     /// A form submit: `id` is set by the server, `title` comes from the form's field.
//!     UpdateTodo { id: String, #[action(form)] title: String },
//!     /// Handled in the browser by `widgets.onAction`.
//!     #[action(handler = "client")]
//!     CopyTitle { title: String },
//! }
//!
//! // Widgets take typed actions wherever an action goes.
//! let card = Card::new()
//!     .child(Button::new("Done").on_click_action(TodoAction::Complete { id: "t1".into() }))
//!     .child(
//!         Form::new()
//!             .on_submit_action(TodoAction::offer_update_todo("t1".into()))
//!             .child(Text::new("Buy milk").editable(EditableProps::new("title").required(true))),
//!     );
//!
//! struct Todos;
//!
//! // One method per server action; leaving one out does not compile.
//! #[action_handler(TodoAction)]
//! impl Todos {
//!     async fn complete(&self, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
//!         cx.add_hidden_context(format!("<USER_ACTION>completed {id}</USER_ACTION>")).await?;
//!         cx.add_assistant_message("Done!").await?;
//!         Ok(())
//!     }
//!
//!     async fn update_todo(&self, id: String, title: String, cx: &mut ActionContext<()>) -> HandlerResult {
//!         if title.trim().is_empty() {
//!             return Err(HandlerError::custom("A todo needs a title."));
//!         }
//!         cx.add_assistant_message(format!("Renamed {id} to {title}.")).await.map(drop)
//!     }
//! }
//! # let _ = card;
//! ```
#![deny(missing_docs)]

extern crate self as chatkit_actions;

pub mod action;
pub mod attachments;
pub mod config;
pub mod handler;
#[cfg(feature = "axum")]
pub mod health;
#[cfg(feature = "axum")]
pub mod http;
pub mod limiter;
#[cfg(feature = "openai")]
pub mod model;
#[cfg(feature = "otlp")]
pub mod otlp;
#[cfg(feature = "playground")]
pub mod playground;
pub mod request;
#[cfg(feature = "serve")]
pub mod serve;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod thread;
pub mod transcribe;
#[cfg(feature = "typescript")]
pub mod typescript;
pub mod validate;
pub mod widget;

#[doc(hidden)]
pub mod __private {
    pub use crate::private::*;
    #[cfg(feature = "typescript")]
    pub use crate::typescript::private::*;
}
mod private;

// The README's examples compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub use action::{
    Action, ActionParseError, ActionSpec, Handler, LoadingBehavior, RawAction, SingleAction,
};
pub use config::{ActionConfig, IntoActionConfig};
#[cfg(feature = "typescript")]
pub use typescript::ActionTypes;

/// Derives [`Action`](trait@Action) for an enum of actions or for a single payload struct.
///
/// # On an enum
///
/// Each variant is one action type. A newtype variant's payload is its field's type (which
/// must be `Serialize` and `Deserialize`); a struct variant's payload is an object with its
/// fields (serde attributes such as `#[serde(default)]` and `#[serde(rename = "…")]` work on
/// them, and no serde dependency is needed); a unit variant has no payload (absent or `null`
/// is accepted). The enum gets:
///
/// - `Serialize`/`Deserialize` for the wire form `{"type": …, "payload": …}`, accepting either
///   key order and ignoring unknown keys, as the SDK does;
/// - [`Action`](trait@Action), with [`Action::SPECS`]: every type string with its defaults;
/// - [`IntoActionConfig`] (through a blanket impl over [`Action`](trait@Action)), so every widget
///   action slot takes the enum directly, and `TryFrom<Enum> for ActionConfig`, the conversion
///   that reports a payload whose `Serialize` fails ([`ActionConfig::try_create`]);
/// - `<Enum>Handler`, a trait with one method per action (named after the variant in
///   `snake_case`, as a raw identifier when that is a keyword: `Continue` → `r#continue`),
///   implemented by [`#[action_handler]`](macro@action_handler);
/// - for each struct variant with `#[action(form)]` fields, a constructor
///   `Enum::offer_<variant_in_snake_case>(…)` that takes the other fields (see below).
///
/// | attribute | where | effect |
/// |---|---|---|
/// | `rename_all = "…"` | enum | the case of derived type strings: `snake_case` (the default), `lowercase`, `UPPERCASE`, `PascalCase`, `camelCase`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE` |
/// | `crate = "…"` | enum, struct | the path of this crate, when a facade re-exports it |
/// | `rename = "…"` | variant | the type string, such as `"todo.update"` |
/// | `type = "…"` | struct | the type string of a single typed action |
/// | `handler = "client"` | variant, struct | handled by the browser; no server method is required |
/// | `loading = "…"` | variant, struct | `"auto"` (default), `"none"`, `"self"`, `"container"` |
/// | `streaming = false` | variant, struct | sent as `threads.sync_custom_action`; its handler returns the updated item |
/// | `client_payload` | variant, struct | the client may build this action itself, not only echo one a widget offered: the server skips the provenance check (type offered by the sender widget, server-set payload fields unchanged) and accepts it without an `item_id` |
/// | `form` | field of a struct variant or struct | filled in by the client from a form input: the server never writes it into the payload (so it cannot collide with the form's value), and accepts it in a widget-issued action; the derive adds an `offer_…` constructor without it (below) |
/// | `sensitive` | field of a struct variant or struct | a secret: a parse error inside it says "invalid value (redacted)", never the value, in the error event and the log |
/// | `typed` | newtype variant | the type string and loading behavior come from the payload type's own `#[derive(Action)]` |
///
/// # On a struct
///
/// `#[action(type = "example")]` makes the struct the payload of a single action type, the
/// Rust form of the SDK's `Action[Literal["example"], ExamplePayload]`; see [`SingleAction`].
///
/// ```
/// use chatkit_actions::{Action, ActionConfig, LoadingBehavior};
///
/// #[derive(Action, Debug, PartialEq)]
/// #[action(rename_all = "kebab-case")]
/// enum AppAction {
///     Refresh,
///     SetCount(i64),
///     #[action(rename = "todo.update", loading = "container")]
///     UpdateTodo { id: String, #[serde(default)] title: String },
/// }
///
/// let action: AppAction = serde_json::from_str(r#"{"payload":{"id":"t1"},"type":"todo.update"}"#)?;
/// assert_eq!(action, AppAction::UpdateTodo { id: "t1".into(), title: String::new() });
/// assert_eq!(AppAction::TYPES, ["refresh", "set-count", "todo.update"]);
/// let config = ActionConfig::create(action);
/// assert_eq!(config.loading_behavior, LoadingBehavior::Container);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Offering a form's action
///
/// The fields marked `#[action(form)]` are filled in by the client from the form's inputs, so
/// a widget offers the action without them: `UpdateTodo { id, #[action(form)] title }` gets
/// `AppAction::offer_update_todo(id) -> ActionConfig` (a single-action struct gets
/// `UpdateTodo::offer(id)`). The config has the action's type string and declared options,
/// and a payload with only the fields the server writes, which is what
/// [`ActionConfig::create`] makes of the full action; it goes in every widget action slot.
///
/// ```
/// use chatkit_actions::widget::{Button, EditableProps, Form, Text};
/// use chatkit_actions::{Action, ActionConfig};
///
/// #[derive(Action, Debug)]
/// enum AppAction {
///     #[action(loading = "container")]
///     UpdateTodo {
///         id: String,
///         #[action(form)]
///         title: String,
///     },
/// }
///
/// let offered = AppAction::offer_update_todo("t1".into());
/// assert_eq!(offered.action_type, "update_todo");
/// assert_eq!(offered.payload, Some(serde_json::json!({ "id": "t1" })));
/// // The same config as the full action's, whose form field the server never writes.
/// let full = AppAction::UpdateTodo { id: "t1".into(), title: "ignored".into() };
/// assert_eq!(offered, ActionConfig::create(full));
///
/// let form = Form::new()
///     .on_submit_action(AppAction::offer_update_todo("t1".into()))
///     .child(Text::new("Buy milk").editable(EditableProps::new("title")))
///     .child(Button::new("Save").submit(true));
/// # let _ = form;
/// ```
///
/// # Keyword names
///
/// A variant whose `snake_case` name is a Rust keyword works as any other: `Continue` has the
/// type string `"continue"` and the handler `async fn r#continue(…)` (a field named `r#type`
/// is bound by a parameter `r#type`). Only `Super` and `Crate`, whose handlers would be
/// `super` and `crate`, which Rust cannot write even raw, are a compile error asking to rename
/// the variant (the type string can stay, with `rename`).
///
/// Every misuse is a compile error pointing at the offending token: an unknown key, a bad
/// value, a duplicate key (with the first one pointed at), a duplicate type string, a tuple
/// variant with several fields, a union, a generic enum, a struct without its type string.
pub use chatkit_actions_derive::Action;

/// Implements an action enum's handler trait for the type of an impl block, with an
/// exhaustive dispatch: a server action without its method is a compile error.
///
/// `#[action_handler(AppAction)]` on `impl App { … }` turns the block into the implementation
/// of `AppActionHandler` (generated by `#[derive(Action)]`) and of
/// [`handler::ActionHandler`], which the server calls. Each method is named after its
/// variant in `snake_case` (raw when a keyword: `async fn r#continue`) and receives the
/// payload (a newtype's value, a struct variant's fields, nothing for a unit variant), then
/// the context:
///
/// - a streamed action: `async fn name(&self, …, cx: &mut ActionContext<C>) -> HandlerResult`;
/// - a `streaming = false` action:
///   `async fn name(&self, …, cx: &mut SyncActionContext<C>) -> SyncResult`;
/// - a `handler = "client"` action needs no method; one that reaches the server anyway gets
///   an error event, unless the impl defines the method.
///
/// Arguments: the enum's path, then optionally `context = Type` (the request context `C`,
/// `()` by default; any `Send + Sync + 'static` type), `fallback` (unknown action types go to
/// a method `async fn fallback(&self, action: RawAction, cx: &mut ActionContext<C>) ->
/// HandlerResult` instead of being rejected: this gives up exhaustiveness for them),
/// `validate` (every parsed action is checked by the enum's
/// [`ValidateAction`](validate::ValidateAction) before its handler runs; see [`validate`]),
/// and `crate = "…"`. Helper methods that are not handlers belong in another impl block.
///
/// The rules, each checked at compile time with one error per mistake:
///
/// - **Every server action has its method.** Each missing one is an error at the impl naming
///   the variant, its type string and the signature to add, all in one build.
/// - **Parameters are bound by name.** A struct variant's fields come in their declared order
///   and each parameter carries its field's name, so two fields of one type cannot be swapped
///   silently: `Rename { id: String, title: String }` is handled by
///   `async fn rename(&self, id: String, title: String, cx: …)`, and `(title, id, cx)` does not
///   compile. A leading `_` (`_title`), or `_` alone, marks a field the handler does not use.
///   A newtype's payload and the context may be named freely.
/// - **Handlers are `async fn`** (or return `impl Future`); a plain `fn` gets a help to add
///   `async`.
/// - A method that matches no variant is an error at its name, with "did you mean" when it is
///   close to a handler still missing; two methods for one variant are an error at the second;
///   a parameter of the wrong type is rustc's error at that parameter.
///
/// The attribute reaches the enum through items the derive puts beside it (the handler trait
/// and a hidden macro), so name the enum by a path that also reaches them: the enum in scope
/// in the same module or through a glob import, or a path such as `crate::actions::AppAction`.
/// The impl block and the enum belong to the same crate.
///
/// ```
/// use chatkit_actions::handler::{ActionContext, HandlerResult, SyncActionContext, SyncResult};
/// use chatkit_actions::{Action, RawAction, action_handler};
///
/// #[derive(Action, Debug)]
/// enum AppAction {
///     Refresh,
///     #[action(streaming = false)]
///     Toggle { id: String },
/// }
///
/// struct Session {
///     user_id: String,
/// }
///
/// struct App;
///
/// #[action_handler(AppAction, context = Session, fallback)]
/// impl App {
///     async fn refresh(&self, cx: &mut ActionContext<Session>) -> HandlerResult {
///         let user = cx.request().user_id.clone();
///         cx.add_assistant_message(format!("Refreshed for {user}.")).await.map(drop)
///     }
///
///     async fn toggle(&self, id: String, cx: &mut SyncActionContext<Session>) -> SyncResult {
///         let _ = (id, cx);
///         Ok(None)
///     }
///
///     async fn fallback(&self, action: RawAction, cx: &mut ActionContext<Session>) -> HandlerResult {
///         cx.add_assistant_message(format!("Not yet typed: {}", action.action_type)).await.map(drop)
///     }
/// }
/// ```
pub use chatkit_actions_derive::action_handler;

/// Derives [`model::Tools`] for an enum whose variants are a model's tools, and the enum's
/// tool handler trait, `<Enum>ToolHandler<C>`, with one method per server tool.
///
/// - The tool's name is the variant's in `snake_case`, or `#[tool(rename = "…")]`.
/// - Its description is the variant's doc comment, or `#[tool(description = "…")]`.
/// - Its `parameters` are a strict JSON Schema of its fields, generated with `schemars` (a
///   field's doc comment becomes its description; an `Option<T>` field is required and
///   nullable; every object has `"additionalProperties": false`). A unit variant takes `{}`;
///   a one-field tuple variant takes the fields of its type, which derives
///   `serde::Deserialize` and `schemars::JsonSchema`.
/// - `strict: true`, or `#[tool(strict = false)]`.
/// - `#[tool(client)]` marks a tool the browser runs: the run pauses with a
///   `client_tool_call` item, and the handler trait has no method for it.
/// - `#[tool(crate = "…")]` on the enum names this crate when it is re-exported.
///
/// [`Tools::parse`](model::Tools::parse) reads the model's untrusted arguments into the
/// variant through a hidden `deny_unknown_fields` struct: a missing, mistyped or unknown field
/// is a [`ToolCallError`](model::ToolCallError) the model gets back, never a panic.
///
/// ```
/// use chatkit_actions::model::{Tools, check_strict_schema};
///
/// #[derive(chatkit_actions::Tools, Debug, PartialEq)]
/// enum TodoTool {
///     /// Adds a todo with this title.
///     AddTodo {
///         /// The title.
///         title: String,
///         /// An optional note.
///         note: Option<String>,
///     },
///     /// Shows the list.
///     ListTodos,
///     /// Asks the user to pick a color.
///     #[tool(client, rename = "pick_color")]
///     Color { prompt: String },
/// }
///
/// let definitions = TodoTool::definitions();
/// assert_eq!(definitions[0].name, "add_todo");
/// assert_eq!(definitions[0].description, "Adds a todo with this title.");
/// assert_eq!(check_strict_schema(&definitions[0].parameters), Ok(()));
/// assert!(definitions[2].client);
/// assert_eq!(
///     TodoTool::parse("add_todo", r#"{"title": "milk", "note": null}"#),
///     Ok(TodoTool::AddTodo { title: "milk".into(), note: None })
/// );
/// assert!(TodoTool::parse("add_todo", r#"{"title": "milk", "extra": 1}"#).is_err());
/// assert_eq!(TodoTool::ListTodos.name(), "list_todos");
/// ```
#[cfg(feature = "openai")]
pub use chatkit_actions_derive::Tools;

/// Implements a tools enum's handler trait and [`model::ToolHandler`] for the type of an
/// impl block: `#[tool_handler(MyTools, context = C)]` (`context` defaults to `()`;
/// `crate = "…"` names this crate when it is re-exported).
///
/// Each server tool has one `async` method named after it, taking the variant's fields by
/// name (a one-field tuple variant: its value), then `cx: &mut ActionContext<C>`, and
/// returning `Result<ToolOutput, HandlerError>`. The dispatch is one exhaustive `match`: a
/// tool without its method is a compile error naming the method to add.
///
/// ```
/// use chatkit_actions::handler::{ActionContext, HandlerError};
/// use chatkit_actions::model::ToolOutput;
/// use chatkit_actions::{Tools, tool_handler};
///
/// #[derive(Tools, Debug)]
/// enum TodoTool {
///     /// Adds a todo with this title.
///     AddTodo { title: String },
///     /// Shows the list.
///     ListTodos,
/// }
///
/// struct Todos;
///
/// #[tool_handler(TodoTool)]
/// impl Todos {
///     async fn add_todo(&self, title: String, cx: &mut ActionContext<()>) -> Result<ToolOutput, HandlerError> {
///         Ok(ToolOutput::json(&serde_json::json!({"added": title})))
///     }
///
///     async fn list_todos(&self, cx: &mut ActionContext<()>) -> Result<ToolOutput, HandlerError> {
///         Ok(ToolOutput::text("nothing yet"))
///     }
/// }
///
/// use chatkit_actions::model::{Agent, ModelClient, ModelConfig};
///
/// let agent = Agent::new(ModelClient::new(ModelConfig::new("gpt-4.1-mini"))?).tools(Todos);
/// # let _ = agent;
/// # Ok::<(), chatkit_actions::model::ModelError>(())
/// ```
#[cfg(feature = "openai")]
pub use chatkit_actions_derive::tool_handler;

/// The `async_trait` attribute, for implementing [`store::Store`].
pub use async_trait::async_trait;
