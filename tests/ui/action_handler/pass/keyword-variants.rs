// Variants whose handler names are Rust keywords: the handler is the raw identifier, the type
// string stays the plain word, and a keyword-named field is bound by its raw name.
use chatkit_actions::handler::{ActionContext, HandlerResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug, PartialEq)]
enum WizardAction {
    Continue,
    Move { to: String },
    Return(i64),
    Type { r#type: String, _unused: bool },
    Match,
}

struct Wizard;

#[action_handler(WizardAction)]
impl Wizard {
    async fn r#continue(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = cx;
        Ok(())
    }

    async fn r#move(&self, to: String, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message(to).await.map(drop)
    }

    async fn r#return(&self, step: i64, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (step, cx);
        Ok(())
    }

    // `_`-prefixed names and `_` itself are fine for fields a handler does not use.
    async fn r#type(&self, r#type: String, _: bool, cx: &mut ActionContext<()>) -> HandlerResult {
        let _ = (r#type, cx);
        Ok(())
    }

    async fn r#match(&self, _cx: &mut ActionContext<()>) -> HandlerResult {
        Ok(())
    }
}

fn assert_handler<H: chatkit_actions::handler::ActionHandler>() {}

fn main() {
    assert_handler::<Wizard>();
    assert_eq!(WizardAction::TYPES, ["continue", "move", "return", "type", "match"]);
    let action: WizardAction = serde_json::from_str(r#"{"type":"continue"}"#).unwrap();
    assert_eq!(action, WizardAction::Continue);
}
