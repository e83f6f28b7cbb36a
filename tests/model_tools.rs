//! `#[derive(Tools)]` and `#[tool_handler]`: the definitions (names, descriptions, strict
//! schemas), the parsing of the model's untrusted arguments, and the dispatch to the handler.

use chatkit_actions::handler::{ActionContext, HandlerError};
use chatkit_actions::model::{ToolCallError, ToolOutput, Tools, check_strict_schema};
use chatkit_actions::{Tools, tool_handler};
use serde_json::json;

/// A nested object: its schema is made strict too.
#[derive(Debug, PartialEq, serde::Deserialize, schemars::JsonSchema)]
struct Step {
    /// What to do.
    text: String,
    due: Option<String>,
}

/// A newtype variant's arguments: the fields of this type.
#[derive(Debug, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct Search {
    query: String,
    limit: u32,
}

#[derive(Debug, PartialEq, Tools)]
enum PlanTool {
    /// Makes a plan.
    ///
    /// Steps run in order.
    MakePlan {
        /// The plan's title.
        title: String,
        note: Option<String>,
        steps: Vec<Step>,
    },
    /// Finds plans.
    Search(Search),
    #[tool(
        rename = "ping-server",
        description = "Checks the server.",
        strict = false
    )]
    Ping,
    /// Asks the user to confirm.
    #[tool(client)]
    Confirm { question: String },
}

#[test]
fn definitions_have_names_descriptions_and_strict_schemas() {
    let definitions = PlanTool::definitions();
    let names: Vec<&str> = definitions.iter().map(|d| d.name).collect();
    assert_eq!(names, ["make_plan", "search", "ping-server", "confirm"]);
    assert_eq!(
        definitions[0].description,
        "Makes a plan.\n\nSteps run in order."
    );
    assert_eq!(definitions[2].description, "Checks the server.");
    let strict: Vec<bool> = definitions.iter().map(|d| d.strict).collect();
    assert_eq!(strict, [true, true, false, true]);
    let client: Vec<bool> = definitions.iter().map(|d| d.client).collect();
    assert_eq!(client, [false, false, false, true]);
    for definition in &definitions {
        assert_eq!(
            check_strict_schema(&definition.parameters),
            Ok(()),
            "{}",
            definition.name
        );
        assert!(definition.parameters.get("$schema").is_none());
        assert!(definition.parameters.get("title").is_none());
    }

    let plan = &definitions[0].parameters;
    // serde_json's maps keep their keys sorted.
    assert_eq!(plan["required"], json!(["note", "steps", "title"]));
    assert_eq!(plan["additionalProperties"], false);
    assert_eq!(
        plan["properties"]["title"],
        json!({"type": "string", "description": "The plan's title."})
    );
    assert_eq!(
        plan["properties"]["note"]["type"],
        json!(["string", "null"])
    );
    // The nested struct: every property required, no others allowed, wherever it lives.
    let step = plan["$defs"]["Step"].clone();
    assert_eq!(step["required"], json!(["due", "text"]));
    assert_eq!(step["additionalProperties"], false);

    assert_eq!(
        definitions[1].parameters,
        json!({"type": "object", "description": "A newtype variant's arguments: the fields of this type.",
            "properties": {
            "query": {"type": "string"},
            "limit": {"type": "integer", "minimum": 0, "maximum": u32::MAX},
        }, "required": ["limit", "query"], "additionalProperties": false})
    );
    assert_eq!(
        definitions[2].parameters,
        json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false})
    );
    assert_eq!(
        definitions[2].to_request(),
        json!({"type": "function", "name": "ping-server", "description": "Checks the server.",
            "parameters": definitions[2].parameters, "strict": false})
    );
}

#[test]
fn arguments_are_parsed_and_checked() {
    assert_eq!(
        PlanTool::parse(
            "make_plan",
            r#"{"title": "Move", "note": null, "steps": [{"text": "pack", "due": "mon"}]}"#
        ),
        Ok(PlanTool::MakePlan {
            title: "Move".into(),
            note: None,
            steps: vec![Step {
                text: "pack".into(),
                due: Some("mon".into())
            }],
        })
    );
    assert_eq!(
        PlanTool::parse("search", r#"{"query": "x", "limit": 3}"#),
        Ok(PlanTool::Search(Search {
            query: "x".into(),
            limit: 3
        }))
    );
    // Servers send "" for a tool without parameters.
    assert_eq!(PlanTool::parse("ping-server", ""), Ok(PlanTool::Ping));
    assert_eq!(PlanTool::parse("ping-server", "{}"), Ok(PlanTool::Ping));

    let error = |name: &str, raw: &str| PlanTool::parse(name, raw).unwrap_err().to_string();
    assert_eq!(
        error("make_plan", r#"{"title": 3, "note": null, "steps": []}"#),
        "invalid arguments for `make_plan`: title: invalid type: integer `3`, expected a string at line 1 column 11"
    );
    assert!(
        error(
            "make_plan",
            r#"{"title": "x", "note": null, "steps": [], "extra": 1}"#
        )
        .contains("unknown field `extra`")
    );
    assert!(error("make_plan", r#"{"note": null, "steps": []}"#).contains("missing field `title`"));
    assert!(error("ping-server", r#"{"x": 1}"#).contains("unknown field `x`"));
    assert!(
        error("search", r#"{"query": "x", "limit": -1}"#)
            .starts_with("invalid arguments for `search`: limit:")
    );
    assert!(error("search", "{not json").starts_with("invalid arguments for `search`"));
    assert_eq!(
        PlanTool::parse("delete_all", "{}"),
        Err(ToolCallError::UnknownTool {
            name: "delete_all".into(),
            expected: vec!["make_plan", "search", "ping-server", "confirm"],
        })
    );
}

#[test]
fn names_and_client_tools() {
    let confirm = PlanTool::Confirm {
        question: "ok?".into(),
    };
    assert_eq!(confirm.name(), "confirm");
    assert!(confirm.is_client());
    assert_eq!(PlanTool::Ping.name(), "ping-server");
    assert!(!PlanTool::Ping.is_client());
}

/// The handler: a method per server tool, none for the client tool `confirm`.
struct Plans;

#[tool_handler(PlanTool)]
impl Plans {
    async fn make_plan(
        &self,
        title: String,
        _note: Option<String>,
        steps: Vec<Step>,
        _cx: &mut ActionContext<()>,
    ) -> Result<ToolOutput, HandlerError> {
        Ok(ToolOutput::json(
            &json!({"title": title, "steps": steps.len()}),
        ))
    }

    async fn search(
        &self,
        arguments: Search,
        _cx: &mut ActionContext<()>,
    ) -> Result<ToolOutput, HandlerError> {
        Ok(ToolOutput::text(format!(
            "{} x{}",
            arguments.query, arguments.limit
        )))
    }

    async fn ping(&self, _cx: &mut ActionContext<()>) -> Result<ToolOutput, HandlerError> {
        Ok(ToolOutput::text("pong"))
    }
}

#[test]
fn the_handler_implements_both_traits() {
    fn tool_handler<H: chatkit_actions::model::ToolHandler<(), Tools = PlanTool>>(_: &H) {}
    fn enum_handler<H: PlanToolToolHandler<()>>(_: &H) {}
    tool_handler(&Plans);
    enum_handler(&Plans);
}
