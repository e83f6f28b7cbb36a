//! The browser side generated from an action union (`chatkit_actions::typescript`):
//!
//! - the todo backend's committed `examples/todo_app/generated` is what its enum generates now
//!   (a snapshot), and a change to an enum changes the output;
//! - payload types translate faithfully (optional and nullable fields, nested structs, enums,
//!   lists, maps, numbers, renames, newtype and `typed` variants);
//! - with the pinned `typescript` and `@openai/chatkit` packages (`CHATKIT_TS_NODE_MODULES`,
//!   set by `scripts/test.sh` after `scripts/ts-setup.sh`): `tsc --noEmit --strict` accepts a
//!   page wiring the generated helpers into ChatKit's own `ChatKitOptions`, and rejects one
//!   that omits a client handler and one that sends a wrong payload field, with the expected
//!   errors;
//! - the JSON Schemas, run through Ajv, accept exactly the wire actions the Rust side accepts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chatkit_actions::typescript::{self, GenerateError, Generated};
use chatkit_actions::{Action, ActionTypes};
use chatkit_examples::todo::TodoAction;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn todo() -> Generated {
    typescript::generate::<TodoAction>().expect("the todo actions generate")
}

/// The committed files of a directory, by path relative to it.
fn read_tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).expect("read the generated directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let relative = path.strip_prefix(base).expect("under base").to_path_buf();
                out.insert(
                    relative,
                    std::fs::read_to_string(&path).expect("a text file"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn committed_todo_output_is_what_the_enum_generates() {
    let dir = root().join("examples/todo_app/generated");
    let committed = read_tree(&dir);
    let generated: BTreeMap<PathBuf, String> = todo().files().into_iter().collect();
    let hint = "examples/todo_app/generated is stale: regenerate it with `cargo run --example todo-types` and commit the result";
    for (file, contents) in &generated {
        let Some(on_disk) = committed.get(file) else {
            panic!("{} is missing; {hint}", file.display());
        };
        assert!(
            on_disk == contents,
            "{} differs from what TodoAction generates; {hint}",
            file.display()
        );
    }
    for file in committed.keys() {
        assert!(
            generated.contains_key(file),
            "{} is no longer generated; {hint}",
            file.display()
        );
    }
    // Stable: generating twice gives the same bytes.
    assert_eq!(todo(), todo());
}

#[test]
fn todo_module_has_every_action_in_its_union() {
    let ts = todo().typescript;
    for spec in TodoAction::SPECS {
        assert!(
            ts.contains(&format!("{{ type: \"{}\"; payload", spec.action_type)),
            "{} is missing from the module",
            spec.action_type
        );
    }
    // The client action is only in ClientAction, the unit action has no payload, and the
    // form fields of `update_todo` (`#[serde(default)]`) may be absent.
    assert!(ts.contains(
        "export type ClientAction =\n  /**\n   * Copies a todo's title to the clipboard."
    ));
    assert!(ts.contains("  | { type: \"clear_done\"; payload?: null }"));
    assert!(ts.contains(
        "export type UpdateTodoPayload = { id: number, title?: string, description?: string, };"
    ));
    assert!(
        ts.contains("export type ClientActionPayloads = {\n  copy_title: CopyTitlePayload;\n};")
    );
    // Only `select_todo` may be sent by the page (client_payload, streaming, server).
    let imperative = ts
        .split("export type ImperativeAction =")
        .nth(1)
        .and_then(|rest| rest.split(";\n").next())
        .expect("ImperativeAction");
    assert!(imperative.contains("{ type: \"select_todo\"; payload: SelectTodoPayload }"));
    assert!(!imperative.contains("\"complete\"") && !imperative.contains("\"toggle\""));
}

/// Two versions of one union, differing by one payload field and one variant.
mod before {
    use chatkit_actions::{Action, ActionTypes};

    #[derive(Action, ActionTypes)]
    pub(crate) enum ShopAction {
        Buy {
            id: u64,
        },
        #[action(handler = "client")]
        Show,
    }
}

mod after {
    use chatkit_actions::{Action, ActionTypes};

    #[derive(Action, ActionTypes)]
    pub(crate) enum ShopAction {
        Buy {
            id: u64,
            quantity: Option<u32>,
        },
        #[action(handler = "client")]
        Show,
        Cancel,
    }
}

#[test]
fn a_change_to_the_enum_changes_the_output() {
    let old = typescript::generate::<before::ShopAction>().expect("generate");
    let new = typescript::generate::<after::ShopAction>().expect("generate");
    assert_ne!(old.typescript, new.typescript);
    assert!(
        old.typescript
            .contains("export type BuyPayload = { id: number, };")
    );
    assert!(
        new.typescript
            .contains("export type BuyPayload = { id: number, quantity?: number | null, };")
    );
    assert!(!old.typescript.contains("\"cancel\""));
    assert!(
        new.typescript
            .contains("  | { type: \"cancel\"; payload?: null };")
    );
    assert_ne!(
        old.schemas["payloads/buy.json"],
        new.schemas["payloads/buy.json"]
    );
    assert!(!old.schemas.contains_key("payloads/cancel.json"));
    assert_eq!(
        new.schemas["payloads/cancel.json"]["type"],
        json!("null"),
        "a unit action's payload is null or absent"
    );
}

/// Payload types of every kind, for the translation.
mod shop {
    use std::collections::HashMap;

    use chatkit_actions::{Action, ActionTypes};
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use ts_rs::TS;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
    pub(crate) struct Address {
        pub(crate) street: String,
        pub zip: Option<String>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub(crate) enum Priority {
        Low,
        RightNow,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
    #[serde(tag = "kind", rename_all = "lowercase")]
    pub(crate) enum Shape {
        Circle { radius: f64 },
        Square { side: f64 },
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
    pub(crate) struct Line {
        pub sku: String,
        pub count: u32,
    }

    /// A single typed action, wrapped by a `typed` variant.
    #[derive(Action, ActionTypes, Debug, Clone, PartialEq)]
    #[action(type = "shop.rate", client_payload)]
    pub(crate) struct Rate {
        /// From 1 to 5.
        pub stars: u8,
        #[serde(default)]
        pub comment: String,
    }

    #[derive(Action, ActionTypes, Debug, Clone, PartialEq)]
    pub(crate) enum ShopAction {
        /// Places an order.
        #[action(client_payload)]
        Order {
            lines: Vec<Line>,
            notes: HashMap<String, String>,
            priority: Priority,
            address: Option<Address>,
            total: f64,
            #[serde(rename = "giftWrap", default)]
            gift_wrap: bool,
        },
        SetCount(i64),
        Draw(Shape),
        #[action(typed, client_payload)]
        Rate(Rate),
        Refresh,
        #[action(handler = "client")]
        Preview {
            url: String,
            tags: Vec<Option<String>>,
        },
    }
}

#[test]
fn payload_types_translate_faithfully() {
    let generated = typescript::generate::<shop::ShopAction>().expect("generate");
    let ts = &generated.typescript;
    for expected in [
        // Lists, maps, nested structs and enums, numbers, an optional nullable field, a
        // renamed defaulted field.
        "export type OrderPayload = { lines: Array<Line>, notes: { [key in string]: string }, priority: Priority, address?: Address | null, total: number, giftWrap?: boolean, };",
        "export type Line = { sku: string, count: number, };",
        "export type Priority = \"low\" | \"right_now\";",
        "export type Address = { street: string, zip: string | null, };",
        // A newtype's payload is its type, inline when it has no name.
        "| { type: \"set_count\"; payload: number }",
        "export type Shape = { \"kind\": \"circle\", radius: number, } | { \"kind\": \"square\", side: number, };",
        "| { type: \"draw\"; payload: Shape }",
        // A `typed` variant takes the struct's type string and name.
        "export type Rate = { stars: number, comment?: string, };",
        "| { type: \"shop.rate\"; payload: Rate }",
        "| { type: \"refresh\"; payload?: null }",
        "export type PreviewPayload = { url: string, tags: Array<string | null>, };",
        "export type ClientAction =\n  | { type: \"preview\"; payload: PreviewPayload };",
        "  preview: PreviewPayload;",
    ] {
        assert!(ts.contains(expected), "missing `{expected}` in:\n{ts}");
    }
    let imperative = ts
        .split("export type ImperativeAction =")
        .nth(1)
        .and_then(|rest| rest.split(";\n").next())
        .expect("ImperativeAction");
    assert!(imperative.contains("\"order\"") && imperative.contains("\"shop.rate\""));
    assert!(!imperative.contains("\"refresh\""));

    // The schema of a typed variant's payload and a renamed field.
    let rate = &generated.schemas["payloads/shop.rate.json"];
    assert_eq!(rate["required"], json!(["stars"]));
    assert_eq!(
        rate["properties"]["stars"]["description"],
        json!("From 1 to 5.")
    );
    let order = &generated.schemas["payloads/order.json"];
    assert!(order["properties"].get("giftWrap").is_some());
    assert_eq!(
        order["properties"]["notes"],
        json!({"type": "object", "additionalProperties": {"type": "string"}})
    );
    assert_eq!(
        order["properties"]["lines"],
        json!({"type": "array", "items": {"$ref": "#/$defs/Line"}})
    );
    assert_eq!(
        generated.schemas["payloads/set_count.json"]["format"],
        json!("int64")
    );
    assert_eq!(
        order["required"],
        json!(["lines", "notes", "priority", "total"])
    );
}

#[test]
fn write_to_writes_every_file_and_removes_stale_payload_schemas() {
    let dir = scratch("typescript_write_to");
    let stale = dir.join("schemas/payloads/renamed_away.json");
    std::fs::create_dir_all(stale.parent().expect("a parent")).expect("create");
    std::fs::write(&stale, "{}").expect("write");
    let kept = dir.join("schemas/payloads/notes.txt");
    std::fs::write(&kept, "not ours").expect("write");
    let generated = todo();
    generated.write_to(&dir).expect("write_to");
    assert!(!stale.exists(), "a schema no longer generated is removed");
    assert!(kept.exists(), "files that are not schemas are left alone");
    std::fs::remove_file(&kept).expect("remove");
    let written = read_tree(&dir);
    let expected: BTreeMap<PathBuf, String> = generated.files().into_iter().collect();
    assert_eq!(written, expected);
}

/// A wizard whose actions are named after Rust keywords.
#[derive(Action, ActionTypes, Debug, PartialEq)]
enum WizardAction {
    /// Next step.
    Continue,
    Move {
        to: String,
    },
    #[action(handler = "client")]
    Return(String),
    Type {
        r#type: String,
    },
}

#[test]
fn keyword_named_actions_generate() {
    assert_eq!(WizardAction::TYPES, ["continue", "move", "return", "type"]);
    let generated = typescript::generate::<WizardAction>().expect("generate");
    let ts = &generated.typescript;
    for expected in [
        "| { type: \"continue\"; payload?: null }",
        "export type MovePayload = { to: string, };",
        "| { type: \"move\"; payload: MovePayload }",
        "export type TypePayload = { type: string, };",
        "| { type: \"type\"; payload: TypePayload }",
        // A keyword is a valid property name in TypeScript.
        "  return: string;",
    ] {
        assert!(ts.contains(expected), "missing `{expected}` in:\n{ts}");
    }
    assert!(
        !ts.contains("r#"),
        "no raw identifier leaks into TypeScript:\n{ts}"
    );
    let schema = &generated.schemas["payloads/type.json"];
    assert_eq!(schema["required"], json!(["type"]));
    let action: WizardAction =
        serde_json::from_value(json!({"type": "type", "payload": {"type": "x"}})).expect("parse");
    assert_eq!(action, WizardAction::Type { r#type: "x".into() });
}

#[derive(Action, ActionTypes)]
enum Clash {
    Open { id: u64 },
    Other(OpenPayload),
}

#[derive(Serialize, Deserialize, ts_rs::TS, schemars::JsonSchema)]
struct OpenPayload {
    name: String,
}

#[test]
fn a_name_clash_is_an_error() {
    assert_eq!(
        typescript::generate::<Clash>(),
        Err(GenerateError::NameConflict {
            name: "OpenPayload".into()
        })
    );
}

// ---------------------------------------------------------------------------------------------
// With the pinned npm packages.

/// The pinned `node_modules` of tests/typescript, or `None` (the test is skipped) when
/// `CHATKIT_TS_NODE_MODULES` is not set. `scripts/test.sh` installs it and sets the variable.
fn node_modules() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("CHATKIT_TS_NODE_MODULES") else {
        println!(
            "skipped: CHATKIT_TS_NODE_MODULES is not set (run scripts/ts-setup.sh, then set it to tests/typescript/node_modules)"
        );
        return None;
    };
    let dir = PathBuf::from(dir);
    let dir = if dir.is_absolute() {
        dir
    } else {
        root().join(dir)
    };
    assert!(
        dir.join("typescript/bin/tsc").is_file() && dir.join("@openai/chatkit").is_dir(),
        "CHATKIT_TS_NODE_MODULES={} has no typescript or @openai/chatkit: run scripts/ts-setup.sh",
        dir.display()
    );
    Some(dir)
}

/// A fresh directory under the target's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// One diagnostic of `tsc --pretty false`: `file.ts(8,36): error TS2741: message`.
#[derive(Debug)]
struct Diagnostic {
    file: String,
    code: String,
    message: String,
}

fn diagnostics(output: &str) -> Vec<Diagnostic> {
    output
        .lines()
        .filter_map(|line| {
            let (location, rest) = line.split_once("): error ")?;
            let file = location.split('(').next()?.replace('\\', "/");
            let (code, message) = rest.split_once(": ")?;
            Some(Diagnostic {
                file,
                code: code.to_owned(),
                message: message.to_owned(),
            })
        })
        .collect()
}

#[test]
fn tsc_accepts_the_wiring_and_rejects_the_mistakes() {
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = scratch("typescript_check");
    let fixtures = root().join("tests/typescript/fixtures");
    let mut files = Vec::new();
    // The todo module, generated now, with the committed fixtures beside it.
    std::fs::write(dir.join("actions.ts"), todo().typescript).expect("write actions.ts");
    for entry in std::fs::read_dir(&fixtures).expect("the fixtures") {
        let path = entry.expect("a fixture").path();
        let name = path.file_name().expect("a name").to_owned();
        std::fs::copy(&path, dir.join(&name)).expect("copy a fixture");
        files.push(name.to_string_lossy().into_owned());
    }
    // The payload kinds of `shop::ShopAction`, used from a page of their own.
    std::fs::create_dir_all(dir.join("shop")).expect("create shop/");
    let shop = typescript::generate::<shop::ShopAction>().expect("generate");
    std::fs::write(dir.join("shop/actions.ts"), shop.typescript).expect("write shop/actions.ts");
    std::fs::write(dir.join("shop/page.ts"), SHOP_PAGE).expect("write shop/page.ts");
    files.push("shop/page.ts".to_owned());
    files.sort();

    let tsconfig = json!({
        "compilerOptions": {
            "target": "es2022",
            "module": "esnext",
            "moduleResolution": "bundler",
            "lib": ["es2022", "dom"],
            "types": [],
            "paths": { "@openai/chatkit": [modules.join("@openai/chatkit")] },
        },
        "files": files,
    });
    std::fs::write(
        dir.join("tsconfig.json"),
        serde_json::to_string_pretty(&tsconfig).expect("tsconfig"),
    )
    .expect("write tsconfig.json");

    let output = Command::new("node")
        .arg(modules.join("typescript/bin/tsc"))
        .args([
            "-p",
            "tsconfig.json",
            "--noEmit",
            "--strict",
            "--pretty",
            "false",
        ])
        .current_dir(&dir)
        .output()
        .expect("run tsc (is node on the PATH?)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let found = diagnostics(&text);
    assert!(
        !found.is_empty() && !output.status.success(),
        "tsc reported nothing; the failing fixtures should fail:\n{text}"
    );
    let of = |file: &str| -> Vec<&Diagnostic> { found.iter().filter(|d| d.file == file).collect() };

    for file in ["pass.ts", "shop/page.ts"] {
        assert!(of(file).is_empty(), "{file} must type-check:\n{text}");
    }
    let expect = |file: &str, code: &str, message: &str| {
        let diagnostics = of(file);
        assert!(
            diagnostics.len() == 1
                && diagnostics[0].code == code
                && diagnostics[0].message == message,
            "{file} must fail with exactly `{code}: {message}`, got:\n{text}"
        );
    };
    expect(
        "missing_client_handler.ts",
        "TS2741",
        "Property 'copy_title' is missing in type '{}' but required in type 'ClientActionHandlers'.",
    );
    expect(
        "wrong_payload_field.ts",
        "TS2353",
        "Object literal may only specify known properties, and 'todo_id' does not exist in type 'SelectTodoPayload'.",
    );
    expect(
        "not_imperative.ts",
        "TS2322",
        "Type '\"complete\"' is not assignable to type '\"select_todo\"'.",
    );
    assert_eq!(
        found.len(),
        3,
        "no diagnostic beyond the three expected:\n{text}"
    );
}

/// A page using the shop module: every payload kind must type-check under `--strict`.
const SHOP_PAGE: &str = r#"import type { ChatKitOptions, OpenAIChatKit } from "@openai/chatkit";
import { clientActionHandlers, sendAction, type ShopAction } from "./actions";

declare const chatkit: OpenAIChatKit;

export const options: ChatKitOptions = {
  api: { url: "/chatkit", domainKey: "local-dev" },
  widgets: {
    onAction: clientActionHandlers({
      preview: (payload, item) => {
        const tags: string[] = payload.tags.filter((tag): tag is string => tag !== null);
        console.log(payload.url, tags, item.widget.type);
      },
    }),
  },
};

void sendAction(chatkit, {
  type: "order",
  payload: {
    lines: [{ sku: "A-1", count: 2 }],
    notes: { door: "blue" },
    priority: "right_now",
    address: { street: "Main St", zip: null },
    total: 12.5,
  },
});
void sendAction(chatkit, { type: "shop.rate", payload: { stars: 5 } });

export const actions: ShopAction[] = [
  { type: "set_count", payload: -3 },
  { type: "draw", payload: { kind: "circle", radius: 1.5 } },
  { type: "refresh" },
  { type: "preview", payload: { url: "/a", tags: ["x", null] } },
];
"#;

/// Wire actions and whether the Rust side accepts them.
fn todo_cases() -> Vec<Value> {
    let mut cases: Vec<Value> = [
        TodoAction::Complete { id: 1 },
        TodoAction::Delete { id: 2 },
        TodoAction::UpdateTodo {
            id: 3,
            title: "Milk".into(),
            description: "2 l".into(),
        },
        TodoAction::SelectTodo { id: 4 },
        TodoAction::AddTodo {
            title: "Bread".into(),
            description: String::new(),
        },
        TodoAction::ClearDone,
        TodoAction::Dismiss {},
        TodoAction::Toggle { id: 5 },
        TodoAction::CopyTitle {
            title: "Milk".into(),
        },
    ]
    .iter()
    .map(|action| serde_json::to_value(action).expect("serialize"))
    .collect();
    cases.extend([
        // Accepted: form fields filled in by the client, a unit action with a null payload,
        // unknown keys the client echoes, extra payload keys (ignored by serde).
        json!({"type": "update_todo", "payload": {"id": 3, "title": "Tea", "description": ""}}),
        json!({"type": "clear_done", "payload": null}),
        json!({"type": "complete", "payload": {"id": 1}, "handler": "server"}),
        json!({"type": "dismiss", "payload": {"title": "from the form"}}),
        // Refused: wrong types, missing fields, unknown type strings, a negative id.
        json!({"type": "complete", "payload": {"id": "1"}}),
        json!({"type": "complete", "payload": {}}),
        json!({"type": "complete"}),
        json!({"type": "complete", "payload": {"id": -1}}),
        json!({"type": "copy_title", "payload": {"title": 7}}),
        json!({"type": "clear_done", "payload": {"x": 1}}),
        json!({"type": "dismiss", "payload": null}),
        json!({"type": "launch", "payload": {}}),
        json!({"payload": {"id": 1}}),
    ]);
    cases
}

fn shop_cases() -> Vec<Value> {
    vec![
        json!({"type": "order", "payload": {"lines": [], "notes": {}, "priority": "low", "total": 0.5}}),
        json!({"type": "order", "payload": {"lines": [{"sku": "a", "count": 1}], "notes": {"k": "v"}, "priority": "right_now", "address": null, "total": 1, "giftWrap": true}}),
        json!({"type": "set_count", "payload": -4}),
        json!({"type": "draw", "payload": {"kind": "square", "side": 2.0}}),
        json!({"type": "shop.rate", "payload": {"stars": 4}}),
        json!({"type": "refresh"}),
        json!({"type": "preview", "payload": {"url": "/", "tags": [null, "a"]}}),
        json!({"type": "order", "payload": {"lines": [], "notes": {"k": 1}, "priority": "low", "total": 0}}),
        json!({"type": "order", "payload": {"lines": [], "notes": {}, "priority": "urgent", "total": 0}}),
        json!({"type": "order", "payload": {"lines": [{"sku": "a", "count": -1}], "notes": {}, "priority": "low", "total": 0}}),
        json!({"type": "set_count", "payload": "4"}),
        json!({"type": "draw", "payload": {"kind": "triangle", "side": 2.0}}),
        json!({"type": "shop.rate", "payload": {"stars": 300}}),
        json!({"type": "preview", "payload": {"url": "/"}}),
    ]
}

/// Runs the cases through Ajv and through the Rust parser, and asserts they agree on each.
fn schema_agrees_with_rust<A: Action + for<'de> Deserialize<'de>>(
    modules: &Path,
    name: &str,
    schema: &Value,
    cases: &[Value],
) {
    let dir = scratch(&format!("typescript_schema_{name}"));
    let schema_path = dir.join("schema.json");
    let cases_path = dir.join("cases.json");
    std::fs::write(&schema_path, schema.to_string()).expect("write the schema");
    std::fs::write(&cases_path, Value::from(cases.to_vec()).to_string()).expect("write the cases");
    let output = Command::new("node")
        .arg(root().join("tests/typescript/validate.mjs"))
        .arg(&schema_path)
        .arg(&cases_path)
        .env("CHATKIT_TS_NODE_MODULES", modules)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "validate.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<Option<String>> =
        serde_json::from_slice(&output.stdout).expect("validate.mjs prints a JSON array");
    assert_eq!(verdicts.len(), cases.len());
    let mut accepted = 0;
    for (case, verdict) in cases.iter().zip(&verdicts) {
        let rust = serde_json::from_value::<A>(case.clone());
        assert_eq!(
            verdict.is_none(),
            rust.is_ok(),
            "the schema and the Rust parser disagree on {case}: schema {verdict:?}, Rust {:?}",
            rust.err().map(|error| error.to_string())
        );
        accepted += usize::from(rust.is_ok());
    }
    assert!(
        accepted > 0 && accepted < cases.len(),
        "the cases must include accepted and refused actions"
    );
}

#[test]
fn schemas_accept_exactly_what_rust_accepts() {
    let Some(modules) = node_modules() else {
        return;
    };
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/todo_app/generated/schemas/actions.json"))
            .expect("the committed union schema"),
    )
    .expect("JSON");
    schema_agrees_with_rust::<TodoAction>(&modules, "todo", &committed, &todo_cases());
    let shop = typescript::generate::<shop::ShopAction>().expect("generate");
    schema_agrees_with_rust::<shop::ShopAction>(
        &modules,
        "shop",
        &shop.schemas["actions.json"],
        &shop_cases(),
    );
    // A payload schema on its own validates a bare payload.
    let payloads = vec![
        json!({"id": 3}),
        json!({"id": 3, "title": "x"}),
        json!({"title": "x"}),
    ];
    let dir = scratch("typescript_schema_payload");
    std::fs::write(
        dir.join("schema.json"),
        todo().schemas["payloads/update_todo.json"].to_string(),
    )
    .expect("write");
    std::fs::write(dir.join("cases.json"), Value::from(payloads).to_string()).expect("write");
    let output = Command::new("node")
        .arg(root().join("tests/typescript/validate.mjs"))
        .arg(dir.join("schema.json"))
        .arg(dir.join("cases.json"))
        .env("CHATKIT_TS_NODE_MODULES", &modules)
        .output()
        .expect("run node");
    let verdicts: Vec<Option<String>> = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(verdicts[0], None);
    assert_eq!(verdicts[1], None);
    assert_eq!(
        verdicts[2].as_deref(),
        Some("data must have required property 'id'")
    );
}
