//! The generator of the compile-time benchmark's two applications (`scripts/bench-compile.sh`,
//! `docs/benchmarks.md`): the same 200-action application written twice, with
//! `#[derive(Action)]` and `#[action_handler]` ([`derived`]), and with serde's adjacently
//! tagged enum, a handler trait and the dispatch `match` written out ([`handwritten`]).
//!
//! The root package's build script writes both into `OUT_DIR/compile_bench`, where the
//! examples `compile_derived` and `compile_handwritten` (`benches/compile/derived.rs`,
//! `benches/compile/handwritten.rs`) include them: every `cargo test` builds them, and
//! `tests/compile_bench_sources.rs` checks what they declare. A module of both the build
//! script and that test.

use std::fmt::Write as _;

/// How many actions the benchmark application declares.
pub(crate) const VARIANTS: usize = 200;

/// The payload fields of action `i`: a few strings, a number, an optional field and a list,
/// in a shape that varies with `i` so the enum is not 200 copies of one variant.
fn fields(i: usize) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![("id", "String"), ("count", "i64")];
    if i.is_multiple_of(2) {
        fields.push(("note", "Option<String>"));
    }
    if i.is_multiple_of(3) {
        fields.push(("tags", "Vec<String>"));
    }
    if i.is_multiple_of(5) {
        fields.push(("done", "bool"));
    }
    fields
}

fn header(out: &mut String, what: &str) {
    let _ = writeln!(out, "// The compile-time benchmark's {what}.");
    out.push_str(
        "// @generated at build time by build.rs from benches/compile/generate.rs: not committed.\n\n",
    );
}

/// The handler body of action `i`: one hidden context note naming the payload.
fn body(i: usize) -> String {
    format!("        cx.add_hidden_context(format!(\"action {i}: {{id}} {{count}}\")).await\n")
}

pub(crate) fn params(i: usize) -> String {
    fields(i).iter().fold(String::new(), |mut out, (name, ty)| {
        let _ = write!(out, "{name}: {ty}, ");
        out
    })
}

fn used(i: usize) -> String {
    // Fields other than `id` and `count` are read too, so none is unused.
    fields(i)
        .iter()
        .skip(2)
        .fold(String::new(), |mut out, (name, _)| {
            let _ = writeln!(out, "        let _ = &{name};");
            out
        })
}

/// `main`: builds one action's config with `to_config` and parses it back, so the example
/// also runs.
fn main_fn(out: &mut String, to_config: &str) {
    let _ = write!(
        out,
        "\n/// Builds one action's config and parses it back, so the example also runs.\n\
         fn main() {{\n\
         \x20   let action = BenchAction::Action1 {{ id: \"a\".into(), count: 1 }};\n\
         \x20   let config = {to_config};\n\
         \x20   assert_eq!(config.action_type, \"action1\");\n\
         \x20   let raw = serde_json::json!({{\"type\": config.action_type, \"payload\": config.payload}});\n\
         \x20   let action: BenchAction = serde_json::from_value(raw).expect(\"the action parses back\");\n\
         \x20   assert!(matches!(action, BenchAction::Action1 {{ .. }}));\n\
         }}\n"
    );
}

/// The enum's variants, each under the attribute `attribute(i)`.
fn variants(out: &mut String, attribute: impl Fn(usize) -> String) {
    for i in 0..VARIANTS {
        let _ = writeln!(out, "    /// Action {i}.");
        let _ = writeln!(out, "    {}", attribute(i));
        let _ = writeln!(out, "    Action{i} {{");
        for (name, ty) in fields(i) {
            let _ = writeln!(out, "        /// Field `{name}`.");
            let _ = writeln!(out, "        {name}: {ty},");
        }
        out.push_str("    },\n");
    }
}

/// The handler's methods, one per action (the same bodies in both applications).
fn handler_methods(out: &mut String) {
    for i in 0..VARIANTS {
        let _ = write!(
            out,
            "    async fn action{i}(&self, {}cx: &mut ActionContext<()>) -> HandlerResult {{\n{}{}    }}\n",
            params(i),
            used(i),
            body(i)
        );
    }
}

/// The application with this crate's macros.
pub(crate) fn derived() -> String {
    let mut out = String::new();
    header(
        &mut out,
        "application with `#[derive(Action)]` and `#[action_handler]`",
    );
    out.push_str(
        "use chatkit_actions::handler::{ActionContext, HandlerResult};\n\
         use chatkit_actions::{Action, ActionConfig, action_handler};\n\n\
         /// The benchmark's actions.\n\
         #[derive(Action, Debug, Clone, PartialEq)]\n\
         pub enum BenchAction {\n",
    );
    variants(&mut out, |_| "#[action(client_payload)]".to_owned());
    out.push_str("}\n\n/// The benchmark's handler.\npub struct App;\n\n#[action_handler(BenchAction)]\nimpl App {\n");
    handler_methods(&mut out);
    out.push_str("}\n");
    main_fn(&mut out, "ActionConfig::create(action)");
    out
}

/// The same application without this crate's macros.
pub(crate) fn handwritten() -> String {
    let mut out = String::new();
    header(&mut out, "application written without this crate's macros");
    out.push_str(
        "use chatkit_actions::ActionConfig;\n\
         use chatkit_actions::handler::{ActionContext, HandlerResult};\n\
         use serde::{Deserialize, Serialize};\n\n\
         /// The benchmark's actions.\n\
         #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]\n\
         #[serde(tag = \"type\", content = \"payload\")]\n\
         pub enum BenchAction {\n",
    );
    variants(&mut out, |i| format!("#[serde(rename = \"action{i}\")]"));
    out.push_str(
        "}\n\nimpl From<BenchAction> for ActionConfig {\n\
         \x20   fn from(action: BenchAction) -> Self {\n\
         \x20       let value = serde_json::to_value(&action).expect(\"actions serialize\");\n\
         \x20       let action_type = value[\"type\"].as_str().expect(\"a type\").to_owned();\n\
         \x20       ActionConfig::new(action_type).payload(value[\"payload\"].clone())\n\
         \x20   }\n}\n\n\
         /// One method per action.\n\
         #[allow(async_fn_in_trait)]\n\
         pub trait BenchHandler {\n",
    );
    for i in 0..VARIANTS {
        let _ = writeln!(
            out,
            "    /// Handles action {i}.\n    async fn action{i}(&self, {}cx: &mut ActionContext<()>) -> HandlerResult;",
            params(i)
        );
    }
    out.push_str(
        "}\n\n/// Runs the handler method of `action`.\n\
         ///\n\
         /// # Errors\n\
         ///\n\
         /// The handler's.\n\
         #[allow(clippy::too_many_lines)]\n\
         pub async fn dispatch<H: BenchHandler>(\n\
         \x20   handler: &H,\n\
         \x20   action: BenchAction,\n\
         \x20   cx: &mut ActionContext<()>,\n\
         ) -> HandlerResult {\n\
         \x20   match action {\n",
    );
    for i in 0..VARIANTS {
        let names: Vec<&str> = fields(i).iter().map(|(name, _)| *name).collect();
        let _ = writeln!(
            out,
            "        BenchAction::Action{i} {{ {} }} => handler.action{i}({}, cx).await,",
            names.join(", "),
            names.join(", ")
        );
    }
    out.push_str("    }\n}\n\n/// The benchmark's handler.\npub struct App;\n\nimpl BenchHandler for App {\n");
    handler_methods(&mut out);
    out.push_str("}\n");
    main_fn(&mut out, "ActionConfig::from(action)");
    out
}
