//! The browser side of an action union: TypeScript declarations, typed helpers for ChatKit's
//! web component, and JSON Schemas of the payloads (feature `typescript`).
//!
//! The Rust enum stays the single source of truth. [`#[derive(ActionTypes)]`](derive@ActionTypes)
//! next to `#[derive(Action)]` describes every action's payload with
//! [`ts_rs::TS`](https://docs.rs/ts-rs) and [`schemars::JsonSchema`](https://docs.rs/schemars),
//! and [`generate`] turns that description into:
//!
//! - a TypeScript module (`actions.ts`): one type per payload, the unions `ServerAction`,
//!   `ClientAction` and `ImperativeAction`, `clientActionHandlers({…})`, which builds ChatKit's
//!   `widgets.onAction` from one typed handler per client action (a missing one does not
//!   type-check), and `sendAction(chatkit, action)`, a `sendCustomAction` that takes only the
//!   actions the server accepts from the page, with their payload types;
//! - JSON Schemas (`schemas/actions.json` for a whole wire action, `schemas/payloads/<type>.json`
//!   for each payload), for documentation and for validating actions outside Rust.
//!
//! ```
//! use chatkit_actions::{Action, ActionTypes};
//!
//! #[derive(Action, ActionTypes)]
//! enum AppAction {
//!     /// Opens an item.
//!     Open { id: u64 },
//!     /// Copies a text in the browser.
//!     #[action(handler = "client")]
//!     Copy { text: String },
//! }
//!
//! let generated = chatkit_actions::typescript::generate::<AppAction>()?;
//! assert!(generated.typescript.contains("export type OpenPayload = { id: number, };"));
//! assert!(generated.typescript.contains(r#"| { type: "copy"; payload: CopyPayload }"#));
//! assert_eq!(generated.schemas["payloads/open.json"]["required"], serde_json::json!(["id"]));
//! # Ok::<(), chatkit_actions::typescript::GenerateError>(())
//! ```
//!
//! See `docs/typescript.md` in the repository for the helpers in a ChatKit page and for running
//! the generation from a build script or an example binary.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Value, json};
use ts_rs::{Config, TS, TypeVisitor};

use crate::action::{Action, ActionSpec};
use crate::config::Handler;

/// Derives [`ActionTypes`](trait@ActionTypes): the TypeScript and JSON Schema description of an
/// action union (or of a single typed action), for [`generate`].
///
/// Put it next to `#[derive(Action)]`, which reads the same `#[action(…)]` attributes. The
/// payload of a struct variant is described from its fields, with their serde attributes
/// (`rename`, `default`, `flatten`, …) and doc comments; `#[ts(…)]` and `#[schemars(…)]`
/// attributes on those fields pass through to ts-rs and schemars. A newtype variant's payload
/// type must implement `ts_rs::TS` and `schemars::JsonSchema` (derive them on it); a
/// `#[action(typed)]` variant's payload type derives `ActionTypes` itself. A unit variant has
/// no payload.
///
/// A struct field is optional in TypeScript (`name?: T`) when the server accepts it absent: an
/// `Option` (then `name?: T | null`) or a field with `#[serde(default)]`. Integers are
/// `number`, as JSON carries them.
///
/// ```
/// use chatkit_actions::{Action, ActionTypes};
///
/// #[derive(Action, ActionTypes)]
/// enum AppAction {
///     Rename {
///         id: u64,
///         #[serde(rename = "newTitle")]
///         title: String,
///         note: Option<String>,
///     },
///     Refresh,
/// }
///
/// let ts = chatkit_actions::typescript::generate::<AppAction>()?.typescript;
/// assert!(ts.contains("export type RenamePayload = { id: number, newTitle: string, note?: string | null, };"));
/// assert!(ts.contains(r#"| { type: "refresh"; payload?: null }"#));
/// # Ok::<(), chatkit_actions::typescript::GenerateError>(())
/// ```
pub use chatkit_actions_derive::ActionTypes;

/// The TypeScript and JSON Schema description of an action union, implemented by
/// [`#[derive(ActionTypes)]`](derive@ActionTypes).
///
/// [`ActionTypes::describe`] calls the visitor once per action type, in declaration order,
/// with the variant's name (as in [`ActionSpec::variant`]), its doc comment and its payload
/// type. [`generate`] is the visitor that matters; implementing this trait by hand is rarely
/// useful.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no TypeScript description",
    label = "`{Self}` does not implement `ActionTypes`",
    note = "add `#[derive(ActionTypes)]` to `{Self}` (next to `#[derive(Action)]`)"
)]
pub trait ActionTypes: Action {
    /// Calls `visitor` once for every action type of the union, in declaration order.
    fn describe<V: ActionVisitor>(visitor: &mut V);
}

/// What [`ActionTypes::describe`] reports each action type to.
pub trait ActionVisitor {
    /// An action without payload (a unit variant).
    fn unit(&mut self, variant: &'static str, docs: &'static str);

    /// An action whose payload has the type `P` (for a struct variant, a hidden struct with
    /// the variant's fields, named `<Variant>Payload` in TypeScript).
    fn payload<P: PayloadTypes + ?Sized>(&mut self, variant: &'static str, docs: &'static str);
}

/// A payload type with its TypeScript and JSON Schema descriptions: `ts_rs::TS` and
/// `schemars::JsonSchema`. Implemented for every type that has both.
#[diagnostic::on_unimplemented(
    message = "the payload type `{Self}` has no TypeScript or JSON Schema description",
    label = "`{Self}` must implement `ts_rs::TS` and `schemars::JsonSchema`",
    note = "derive both on the payload type: `#[derive(ts_rs::TS, schemars::JsonSchema)]`; for a type of another crate, wrap it or use `#[ts(as = …)]` and `#[schemars(with = …)]` on the field that holds it"
)]
pub trait PayloadTypes: TS + JsonSchema + 'static {}

impl<T: TS + JsonSchema + 'static + ?Sized> PayloadTypes for T {}

/// Support for the code `#[derive(ActionTypes)]` emits. Not a public API.
pub(crate) mod private {
    use super::{ActionVisitor, PayloadTypes};

    pub use schemars;
    pub use ts_rs;

    /// Forwards a single typed action's description under the name and docs of the enum
    /// variant that wraps it (`#[action(typed)]`).
    pub struct Relabel<'v, V> {
        inner: &'v mut V,
        variant: &'static str,
        docs: &'static str,
    }

    impl<'v, V: ActionVisitor> Relabel<'v, V> {
        /// Reports to `inner` as the variant `variant`, documented by `docs` when not empty.
        pub fn new(inner: &'v mut V, variant: &'static str, docs: &'static str) -> Self {
            Relabel {
                inner,
                variant,
                docs,
            }
        }

        fn docs(&self, own: &'static str) -> &'static str {
            if self.docs.is_empty() { own } else { self.docs }
        }
    }

    impl<V: ActionVisitor> ActionVisitor for Relabel<'_, V> {
        fn unit(&mut self, _: &'static str, docs: &'static str) {
            let docs = self.docs(docs);
            self.inner.unit(self.variant, docs);
        }

        fn payload<P: PayloadTypes + ?Sized>(&mut self, _: &'static str, docs: &'static str) {
            let docs = self.docs(docs);
            self.inner.payload::<P>(self.variant, docs);
        }
    }
}

/// Why [`generate`] failed: the union's description cannot make one consistent module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// Two different TypeScript declarations have the same name (a payload type named as a
    /// struct variant's generated `<Variant>Payload`, two types of one name from different
    /// modules, or a payload type named as one of the module's own types).
    #[error(
        "two TypeScript declarations are named `{name}`; rename one of them (`#[ts(rename = \"…\")]` on a payload type, or rename the variant)"
    )]
    NameConflict {
        /// The TypeScript name declared twice.
        name: String,
    },
    /// Two action types map to one schema file name (type strings that differ only in
    /// characters a file name cannot hold).
    #[error("the action types `{first}` and `{second}` would share the schema file `{file}`")]
    FileConflict {
        /// The first action type string.
        first: String,
        /// The second action type string.
        second: String,
        /// The file both would be written to.
        file: String,
    },
    /// The `ActionTypes` description and [`Action::SPECS`] disagree (a hand-written impl that
    /// misses or repeats a variant).
    #[error("the TypeScript description of `{variant}` does not match the action union: {reason}")]
    Mismatch {
        /// The variant concerned.
        variant: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The output of [`generate`]: the TypeScript module and the JSON Schemas.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The TypeScript module, conventionally written as `actions.ts`.
    pub typescript: String,
    /// The JSON Schemas by file name, relative to a `schemas` directory: `actions.json` (a
    /// whole wire action, `oneOf` the union's types) and `payloads/<type>.json` (each action's
    /// payload).
    pub schemas: BTreeMap<String, Value>,
}

impl Generated {
    /// Every file of the output with its contents, by path relative to the output directory:
    /// `actions.ts`, `schemas/actions.json` and `schemas/payloads/<type>.json`.
    pub fn files(&self) -> Vec<(PathBuf, String)> {
        let mut files = vec![(PathBuf::from("actions.ts"), self.typescript.clone())];
        for (name, schema) in &self.schemas {
            let mut text = serde_json::to_string_pretty(schema)
                .unwrap_or_else(|_| unreachable!("a JSON value always serializes"));
            text.push('\n');
            files.push((Path::new("schemas").join(name), text));
        }
        files
    }

    /// Writes [`Generated::files`] under `dir` (created if needed), and removes the `.json`
    /// files of `schemas/payloads` that are no longer generated (an action type removed or
    /// renamed).
    ///
    /// # Errors
    ///
    /// Any I/O error.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> io::Result<()> {
        let dir = dir.as_ref();
        let files = self.files();
        let payloads = dir.join("schemas").join("payloads");
        if payloads.is_dir() {
            for entry in std::fs::read_dir(&payloads)? {
                let path = entry?.path();
                let stale = path.extension().is_some_and(|ext| ext == "json")
                    && !files.iter().any(|(file, _)| dir.join(file) == path);
                if stale {
                    std::fs::remove_file(&path)?;
                }
            }
        }
        for (file, contents) in files {
            let path = dir.join(file);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, contents)?;
        }
        Ok(())
    }
}

/// Generates the TypeScript module and the JSON Schemas of the action union `A`.
///
/// The module's type of the whole union is named after `A` (`TodoAction`); for a single typed
/// action, whose struct is already the payload type (`Rate`), it is `RateAction`.
///
/// Deterministic: the same union gives the same output, byte for byte, so it can be committed
/// and checked in a test. Run it from an example binary or a build script and write the
/// result with [`Generated::write_to`].
///
/// # Errors
///
/// [`GenerateError`] when two declarations or schema files would clash.
pub fn generate<A: ActionTypes>() -> Result<Generated, GenerateError> {
    let mut collect = Collect::default();
    A::describe(&mut collect);
    let actions = pair_with_specs::<A>(collect.actions)?;
    // A single typed action's struct is its own payload type, so its union takes another name.
    let mut union_name = rust_name::<A>();
    if let [spec] = A::SPECS
        && spec.variant == union_name
    {
        union_name.push_str("Action");
    }

    let cfg = Config::new().with_large_int("number");
    let mut decls = Declarations::new(&cfg, &union_name);
    for action in &actions {
        (action.payload.declare)(&mut decls);
    }
    let declarations = decls.finish()?;

    let typescript = typescript_module(&union_name, &actions, &declarations, &cfg);
    let schemas = schemas(&union_name, &actions)?;
    Ok(Generated {
        typescript,
        schemas,
    })
}

/// The last segment of a type's path: `TodoAction` for `todo_app::actions::TodoAction`.
fn rust_name<A>() -> String {
    let full = std::any::type_name::<A>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base).to_owned()
}

/// One action type as described: its variant, docs and payload.
struct Described {
    variant: &'static str,
    docs: &'static str,
    payload: Payload,
}

/// Type-erased access to a payload type's descriptions.
struct Payload {
    /// `None` for a unit variant.
    ts_name: Option<fn(&Config) -> String>,
    declare: fn(&mut Declarations<'_>),
    schema: fn(&mut SchemaGenerator) -> Value,
    root_schema: fn() -> Value,
}

fn schema_settings() -> SchemaSettings {
    SchemaSettings::draft2020_12()
}

impl Payload {
    fn unit() -> Self {
        Payload {
            ts_name: None,
            declare: |_| {},
            schema: |_| json!({ "type": "null" }),
            root_schema: || {
                json!({
                    "$schema": schema_settings().meta_schema,
                    "type": "null",
                })
            },
        }
    }

    fn of<P: PayloadTypes + ?Sized>() -> Self {
        Payload {
            ts_name: Some(<P as TS>::name),
            declare: |decls| decls.visit::<P>(),
            schema: |generator| generator.subschema_for::<P>().to_value(),
            root_schema: || {
                schema_settings()
                    .into_generator()
                    .into_root_schema_for::<P>()
                    .to_value()
            },
        }
    }
}

#[derive(Default)]
struct Collect {
    actions: Vec<Described>,
}

impl ActionVisitor for Collect {
    fn unit(&mut self, variant: &'static str, docs: &'static str) {
        self.actions.push(Described {
            variant,
            docs,
            payload: Payload::unit(),
        });
    }

    fn payload<P: PayloadTypes + ?Sized>(&mut self, variant: &'static str, docs: &'static str) {
        self.actions.push(Described {
            variant,
            docs,
            payload: Payload::of::<P>(),
        });
    }
}

/// A described action with its spec.
struct Entry {
    spec: &'static ActionSpec,
    docs: &'static str,
    payload: Payload,
}

impl Entry {
    fn type_literal(&self) -> String {
        js_string(self.spec.action_type)
    }

    fn payload_ts(&self, cfg: &Config) -> Option<String> {
        self.payload.ts_name.map(|name| name(cfg))
    }

    /// The TypeScript object type of the wire action.
    fn wire_ts(&self, cfg: &Config) -> String {
        match self.payload_ts(cfg) {
            Some(payload) => format!("{{ type: {}; payload: {payload} }}", self.type_literal()),
            None => format!("{{ type: {}; payload?: null }}", self.type_literal()),
        }
    }

    /// Server-handled and sent with `threads.custom_action`, which `sendCustomAction` does.
    fn streams_on_server(&self) -> bool {
        self.spec.handler == Handler::Server && self.spec.streaming
    }
}

fn pair_with_specs<A: Action>(described: Vec<Described>) -> Result<Vec<Entry>, GenerateError> {
    let mut entries = Vec::with_capacity(described.len());
    for item in described {
        let spec = A::SPECS
            .iter()
            .find(|spec| spec.variant == item.variant)
            .ok_or_else(|| GenerateError::Mismatch {
                variant: item.variant.to_owned(),
                reason: "no variant of that name",
            })?;
        if entries
            .iter()
            .any(|entry: &Entry| entry.spec.variant == item.variant)
        {
            return Err(GenerateError::Mismatch {
                variant: item.variant.to_owned(),
                reason: "described twice",
            });
        }
        entries.push(Entry {
            spec,
            docs: item.docs,
            payload: item.payload,
        });
    }
    if let Some(missing) = A::SPECS.iter().find(|spec| {
        !entries
            .iter()
            .any(|entry| entry.spec.variant == spec.variant)
    }) {
        return Err(GenerateError::Mismatch {
            variant: missing.variant.to_owned(),
            reason: "not described",
        });
    }
    Ok(entries)
}

/// The names the module declares itself, which no payload type may take.
const OWN_NAMES: &[&str] = &[
    "ServerAction",
    "ClientAction",
    "ImperativeAction",
    "ClientActionPayloads",
    "ClientActionHandlers",
    "OnAction",
    "WidgetItem",
    "ChatKitElement",
    "clientActionHandlers",
    "sendAction",
];

/// The declarations of every named type the payloads use, collected recursively through
/// ts-rs's dependency visitor, once each, in discovery order.
struct Declarations<'c> {
    cfg: &'c Config,
    seen: HashSet<TypeId>,
    /// Name and declaration (docs included), in order.
    decls: Vec<(String, String)>,
    conflict: Option<String>,
}

impl<'c> Declarations<'c> {
    fn new(cfg: &'c Config, union_name: &str) -> Self {
        let decls = OWN_NAMES
            .iter()
            .copied()
            .chain([union_name])
            .map(|name| (name.to_owned(), String::new()))
            .collect();
        Declarations {
            cfg,
            seen: HashSet::new(),
            decls,
            conflict: None,
        }
    }

    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let name = T::ident(self.cfg);
            let mut text = T::docs().unwrap_or_default();
            text.push_str("export ");
            text.push_str(&T::decl(self.cfg));
            match self.decls.iter().find(|(known, _)| *known == name) {
                // Another instance of one generic type: one declaration serves both.
                Some((_, known)) if *known == text => {}
                Some(_) => {
                    self.conflict.get_or_insert(name);
                }
                None => self.decls.push((name, text)),
            }
        }
        T::visit_dependencies(self);
    }

    fn finish(self) -> Result<Vec<String>, GenerateError> {
        if let Some(name) = self.conflict {
            return Err(GenerateError::NameConflict { name });
        }
        Ok(self
            .decls
            .into_iter()
            .filter(|(_, text)| !text.is_empty())
            .map(|(_, text)| text)
            .collect())
    }
}

impl TypeVisitor for Declarations<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        Declarations::visit::<T>(self);
    }
}

/// A string as a JavaScript string literal (JSON's syntax is a subset of JavaScript's).
fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| unreachable!("a string always serializes"))
}

/// A type string as an object key: bare when it is an identifier, else a string literal.
fn property_key(text: &str) -> String {
    let mut chars = text.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '$'))
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$'));
    if identifier {
        text.to_owned()
    } else {
        js_string(text)
    }
}

/// A doc comment as a `JSDoc` block at `indent`, or nothing.
fn jsdoc(docs: &str, indent: &str) -> String {
    let docs = docs.trim();
    if docs.is_empty() {
        return String::new();
    }
    let mut out = format!("{indent}/**\n");
    for line in docs.lines() {
        let line = line.replace("*/", "*\\/");
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent} *");
        } else {
            let _ = writeln!(out, "{indent} * {line}");
        }
    }
    let _ = writeln!(out, "{indent} */");
    out
}

/// A union type of `members` (`never` when there is none).
fn union(out: &mut String, name: &str, docs: &str, members: &[&Entry], cfg: &Config) {
    out.push_str(&jsdoc(docs, ""));
    if members.is_empty() {
        let _ = writeln!(out, "export type {name} = never;\n");
        return;
    }
    let _ = writeln!(out, "export type {name} =");
    for (i, entry) in members.iter().enumerate() {
        out.push_str(&jsdoc(entry.docs, "  "));
        let end = if i + 1 == members.len() { ";" } else { "" };
        let _ = writeln!(out, "  | {}{end}", entry.wire_ts(cfg));
    }
    out.push('\n');
}

fn typescript_module(
    union_name: &str,
    actions: &[Entry],
    declarations: &[String],
    cfg: &Config,
) -> String {
    let server: Vec<&Entry> = actions
        .iter()
        .filter(|entry| entry.spec.handler == Handler::Server)
        .collect();
    let client: Vec<&Entry> = actions
        .iter()
        .filter(|entry| entry.spec.handler == Handler::Client)
        .collect();
    let imperative: Vec<&Entry> = actions
        .iter()
        .filter(|entry| entry.streams_on_server() && entry.spec.client_payload)
        .collect();

    let mut out = String::new();
    let _ = write!(
        out,
        "// The browser side of the Rust action union `{union_name}`, generated by chatkit-actions\n\
         // (`chatkit_actions::typescript::generate`). Do not edit: regenerate it from the Rust enum.\n\
         import type {{ ChatKitOptions, OpenAIChatKit }} from \"@openai/chatkit\";\n\n"
    );

    out.push_str("// The payload types.\n\n");
    for decl in declarations {
        out.push_str(decl.trim_end());
        out.push_str("\n\n");
    }

    union(
        &mut out,
        "ServerAction",
        "The actions handled by the server (`handler: \"server\"`), as sent on the wire.",
        &server,
        cfg,
    );
    union(
        &mut out,
        "ClientAction",
        "The actions handled in the browser (`handler: \"client\"`): ChatKit hands them to\n`widgets.onAction` (see `clientActionHandlers`) instead of sending them.",
        &client,
        cfg,
    );
    let _ = writeln!(
        out,
        "{}export type {union_name} = ServerAction | ClientAction;\n",
        jsdoc(
            &format!("Every action of `{union_name}`: `{{ type, payload }}`."),
            ""
        )
    );
    union(
        &mut out,
        "ImperativeAction",
        "The actions the page may build and send itself with `sendAction`: server actions declared\n`#[action(client_payload)]` that stream. The server refuses the others from the page (it\nonly accepts them as a widget offered them), and a `streaming = false` action is not sent\nwith `sendCustomAction`.",
        &imperative,
        cfg,
    );

    out.push_str(&jsdoc(
        "The payload of each client action, by type. An action without payload has `null`.",
        "",
    ));
    out.push_str("export type ClientActionPayloads = {\n");
    for entry in &client {
        let payload = entry.payload_ts(cfg).unwrap_or_else(|| "null".to_owned());
        let _ = writeln!(
            out,
            "  {}: {payload};",
            property_key(entry.spec.action_type)
        );
    }
    out.push_str("};\n\n");

    out.push_str(HELPERS);
    out
}

/// The helpers of the generated module; they depend only on the types above them.
const HELPERS: &str = r#"/** ChatKit's `widgets.onAction` callback. */
export type OnAction = NonNullable<NonNullable<ChatKitOptions["widgets"]>["onAction"]>;

/** The widget item `widgets.onAction` receives with an action. */
export type WidgetItem = Parameters<OnAction>[1];

/** One handler per client action: a missing one is a type error. */
export type ClientActionHandlers = {
  [T in keyof ClientActionPayloads]: (
    payload: ClientActionPayloads[T],
    item: WidgetItem,
  ) => void | Promise<void>;
};

/**
 * Builds ChatKit's `widgets.onAction` from one handler per client action, each called with
 * its typed payload and the widget item. An action of a type the union does not know (a
 * widget built elsewhere) is rejected with an error.
 *
 * ```ts
 * chatkit.setOptions({ api, widgets: { onAction: clientActionHandlers({ ... }) } });
 * ```
 */
export function clientActionHandlers(handlers: ClientActionHandlers): OnAction {
  return async (action, item) => {
    if (!Object.prototype.hasOwnProperty.call(handlers, action.type)) {
      throw new Error(`no client handler for the action type "${action.type}"`);
    }
    const handler = handlers[action.type as keyof ClientActionHandlers] as (
      payload: unknown,
      item: WidgetItem,
    ) => void | Promise<void>;
    await handler(action.payload ?? null, item);
  };
}

/** What `sendAction` needs of the `<openai-chatkit>` element. */
export type ChatKitElement = Pick<OpenAIChatKit, "sendCustomAction">;

/**
 * Sends an action to the server with the element's `sendCustomAction`: only the actions the
 * server accepts from the page, with their payload types. `itemId` names the widget item
 * the action concerns (the one a client handler received), if any.
 */
export function sendAction(
  chatkit: ChatKitElement,
  action: ImperativeAction,
  itemId?: string,
): Promise<void> {
  // ChatKit types every payload as an object; a newtype action may carry any JSON value.
  const wire = action as unknown as Parameters<OpenAIChatKit["sendCustomAction"]>[0];
  return chatkit.sendCustomAction(wire, itemId);
}
"#;

/// A type string as a file name: characters other than ASCII letters, digits, `-`, `_` and
/// `.` become `_`.
fn file_name(action_type: &str) -> String {
    let mut name: String = action_type
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with('.') {
        name.insert(0, '_');
    }
    format!("payloads/{name}.json")
}

fn schemas(union_name: &str, actions: &[Entry]) -> Result<BTreeMap<String, Value>, GenerateError> {
    let mut schemas = BTreeMap::new();
    let mut owners: BTreeMap<String, &str> = BTreeMap::new();
    let mut generator = schema_settings().into_generator();
    let mut one_of = Vec::with_capacity(actions.len());
    for entry in actions {
        let action_type = entry.spec.action_type;
        let file = file_name(action_type);
        if let Some(first) = owners.insert(file.clone(), action_type) {
            return Err(GenerateError::FileConflict {
                first: first.to_owned(),
                second: action_type.to_owned(),
                file,
            });
        }
        let mut payload_schema = (entry.payload.root_schema)();
        if let Some(object) = payload_schema.as_object_mut() {
            object
                .entry("title")
                .or_insert_with(|| json!(format!("the payload of `{action_type}`")));
        }
        schemas.insert(file, payload_schema);

        let mut member = json!({
            "type": "object",
            "properties": {
                "type": { "const": action_type },
                "payload": (entry.payload.schema)(&mut generator),
            },
            "required": if entry.payload.ts_name.is_some() { json!(["type", "payload"]) } else { json!(["type"]) },
            "x-chatkit-handler": match entry.spec.handler { Handler::Server => "server", Handler::Client => "client" },
        });
        let docs = entry.docs.trim();
        if !docs.is_empty() {
            member["description"] = json!(docs);
        }
        one_of.push(member);
    }
    let mut union = json!({
        "$schema": schema_settings().meta_schema,
        "title": union_name,
        "description": format!("An action of `{union_name}` as sent on the wire: `{{\"type\": …, \"payload\": …}}`."),
        "type": "object",
        "oneOf": one_of,
    });
    let definitions = generator.take_definitions(true);
    if !definitions.is_empty() {
        union["$defs"] = Value::Object(definitions);
    }
    schemas.insert("actions.json".to_owned(), union);
    Ok(schemas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("todo.update"), "payloads/todo.update.json");
        assert_eq!(file_name("a/b c"), "payloads/a_b_c.json");
        assert_eq!(file_name("..x"), "payloads/_..x.json");
    }

    #[test]
    fn property_keys() {
        assert_eq!(property_key("copy_title"), "copy_title");
        assert_eq!(property_key("todo.update"), "\"todo.update\"");
        assert_eq!(property_key("2fa"), "\"2fa\"");
        assert_eq!(property_key(""), "\"\"");
    }

    #[test]
    fn jsdoc_blocks() {
        assert_eq!(jsdoc("  ", ""), "");
        assert_eq!(
            jsdoc("One.\n\nTwo */", "  "),
            "  /**\n   * One.\n   *\n   * Two *\\/\n   */\n"
        );
    }
}
