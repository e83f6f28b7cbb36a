// An application crate outside the workspace, as a new user writes one: keyword-named
// actions, handler parameters bound by name, a form action offered without its form fields.
#![deny(warnings)]

use chatkit_actions::handler::{ActionContext, HandlerResult, SyncActionContext, SyncResult};
use chatkit_actions::widget::{Button, Form};
use chatkit_actions::{Action, action_handler};

mod actions {
    use chatkit_actions::Action;

    /// The actions of a wizard.
    #[derive(Action, Debug, PartialEq)]
    pub enum WizardAction {
        Continue,
        Move { to: String },
        Rename {
            id: String,
            #[action(form)]
            title: String,
        },
        #[action(streaming = false)]
        Type { r#type: String, skip: bool },
        #[action(handler = "client")]
        Return(String),
    }
}

use actions::*;

struct Wizard;

#[action_handler(WizardAction)]
impl Wizard {
    async fn r#continue(&self, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message("Next.").await.map(drop)
    }

    async fn r#move(&self, to: String, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_assistant_message(to).await.map(drop)
    }

    async fn rename(&self, id: String, title: String, cx: &mut ActionContext<()>) -> HandlerResult {
        cx.add_hidden_context(format!("{id}: {title}")).await
    }

    async fn r#type(&self, r#type: String, _skip: bool, cx: &mut SyncActionContext<()>) -> SyncResult {
        let _ = (r#type, cx);
        Ok(None)
    }
}

fn assert_handler<H: chatkit_actions::handler::ActionHandler>(_: &H) {}

fn main() {
    assert_handler(&Wizard);
    assert_eq!(WizardAction::TYPES, ["continue", "move", "rename", "type", "return"]);
    let form = Form::new()
        .on_submit_action(WizardAction::offer_rename("w1".into()))
        .child(Button::new("Save").submit(true));
    let _ = form;
    let offered = WizardAction::offer_rename("w1".into());
    assert_eq!(offered.payload, Some(serde_json::json!({ "id": "w1" })));
}
