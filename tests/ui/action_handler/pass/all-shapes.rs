// One method per server action, in every shape; client actions need none; a custom context.
use chatkit_actions::handler::{ActionContext, HandlerResult, SyncActionContext, SyncResult};
use chatkit_actions::{Action, action_handler};

#[derive(Action, Debug)]
enum AppAction {
    Refresh,
    AddTodo(String),
    UpdateTodo { id: String, title: String },
    #[action(streaming = false)]
    Toggle { id: String },
    #[action(handler = "client")]
    CopyText(String),
}

struct Session {
    user: String,
}

struct App;

#[action_handler(AppAction, context = Session)]
impl App {
    async fn refresh(&self, cx: &mut ActionContext<Session>) -> HandlerResult {
        let _ = &cx.request().user;
        Ok(())
    }

    async fn add_todo(&self, title: String, cx: &mut ActionContext<Session>) -> HandlerResult {
        cx.add_assistant_message(title).await?;
        Ok(())
    }

    async fn update_todo(&self, id: String, title: String, cx: &mut ActionContext<Session>) -> HandlerResult {
        cx.add_hidden_context(format!("{id}: {title}")).await
    }

    async fn toggle(&self, id: String, cx: &mut SyncActionContext<Session>) -> SyncResult {
        let _ = (id, cx.thread());
        Ok(None)
    }
}

fn assert_handler<H: chatkit_actions::handler::ActionHandler>() {}

fn main() {
    assert_handler::<App>();
}
