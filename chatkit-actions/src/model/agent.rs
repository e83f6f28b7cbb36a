//! [`Agent`]: the model in the loop. It sends the thread, streams the answer into it, runs
//! the server tools and loops until the model answers, calls a client tool, or hits the turn
//! cap.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::client::ModelClient;
use super::error::ModelError;
use super::input::{DefaultConverter, ThreadItemConverter};
use super::stream::{FunctionCall, ResponseMapper};
use super::tools::{ToolHandler, ToolOutput, Tools};
use crate::handler::{ActionContext, HandlerError, HandlerResult, Respond};
use crate::store::StoreItemType;
use crate::thread::{
    ClientToolCallItem, SortOrder, ThreadItem, ThreadStreamEvent, UserMessageItem,
};

/// A server tool call answered during the run, sent with the next turns' input right after
/// the thread item that was the newest when the model made it.
#[derive(Debug)]
struct Answered {
    after: Option<String>,
    call: FunctionCall,
    output: ToolOutput,
}

/// A model with its tools, instructions and input conversion: the Rust side of the Python
/// SDK's `Agent` + `Runner.run_streamed` + `stream_agent_response`.
///
/// It is a [`Respond`], so it can answer every user message; an action handler can also run
/// it on the thread ([`Agent::run`]) after adding hidden context, the seed's pattern. The
/// request's `metadata` ([`ActionContext::metadata`]) is there for the tools, which get the
/// same context; it is client input, so the agent never sends it to the model:
///
/// ```no_run
/// use chatkit_actions::handler::{ActionContext, HandlerResult};
/// use chatkit_actions::model::{Agent, ModelClient, ModelConfig};
///
/// async fn on_complete(agent: &Agent, id: String, cx: &mut ActionContext<()>) -> HandlerResult {
///     cx.add_hidden_context(format!("<USER_ACTION>completed todo {id}</USER_ACTION>")).await?;
///     agent.run(cx).await
/// }
///
/// let config = ModelConfig::from_env("gpt-4.1-mini").expect("OPENAI_API_KEY is set");
/// let agent = Agent::new(ModelClient::new(config)?).instructions("You keep a todo list.");
/// # let _ = on_complete;
/// # Ok::<(), chatkit_actions::model::ModelError>(())
/// ```
pub struct Agent<H = ()> {
    client: ModelClient,
    tools: H,
    instructions: Option<String>,
    converter: Arc<dyn ThreadItemConverter>,
    max_items: usize,
    max_turns: usize,
    partial_images: Option<u32>,
    fields: Map<String, Value>,
}

impl<H> std::fmt::Debug for Agent<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("client", &self.client)
            .field("instructions", &self.instructions)
            .field("max_items", &self.max_items)
            .field("max_turns", &self.max_turns)
            .finish_non_exhaustive()
    }
}

impl Agent<()> {
    /// An agent without tools.
    pub fn new(client: ModelClient) -> Self {
        Agent {
            client,
            tools: (),
            instructions: None,
            converter: Arc::new(DefaultConverter),
            max_items: 50,
            max_turns: 10,
            partial_images: None,
            fields: Map::new(),
        }
    }
}

impl<H> Agent<H> {
    /// Gives the agent tools: the handler of a [`Tools`] enum.
    pub fn tools<T>(self, tools: T) -> Agent<T> {
        Agent {
            client: self.client,
            tools,
            instructions: self.instructions,
            converter: self.converter,
            max_items: self.max_items,
            max_turns: self.max_turns,
            partial_images: self.partial_images,
            fields: self.fields,
        }
    }

    /// Sets the request's `instructions` (the system prompt).
    #[must_use]
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets how thread items become input ([`DefaultConverter`] by default).
    #[must_use]
    pub fn converter(mut self, converter: impl ThreadItemConverter) -> Self {
        self.converter = Arc::new(converter);
        self
    }

    /// Sets how many of the thread's newest items are sent (50 by default).
    #[must_use]
    pub fn max_items(mut self, items: usize) -> Self {
        self.max_items = items.max(1);
        self
    }

    /// Sets how many model requests one run may make (10 by default): each server tool
    /// round is one more.
    #[must_use]
    pub fn max_turns(mut self, turns: usize) -> Self {
        self.max_turns = turns.max(1);
        self
    }

    /// Sets a request field of its own (`temperature`, `reasoning`, `tool_choice`,
    /// `store`, …). `model`, `input`, `tools`, `instructions` and `stream` are the agent's.
    #[must_use]
    pub fn request_field(mut self, key: impl Into<String>, value: Value) -> Self {
        self.fields.insert(key.into(), value);
        self
    }

    /// Tells how many partial images an image generation sends, for its progress (see
    /// [`ResponseMapper::partial_images`]).
    #[must_use]
    pub fn partial_images(mut self, count: u32) -> Self {
        self.partial_images = Some(count);
        self
    }

    /// The client.
    pub fn client(&self) -> &ModelClient {
        &self.client
    }

    /// The request body for `input` (without `model` and `stream`, which the client sets).
    pub fn request_body<C>(&self, input: Vec<Value>) -> Value
    where
        C: Send + Sync + 'static,
        H: ToolHandler<C>,
    {
        let mut body = self.fields.clone();
        body.insert("input".into(), Value::Array(input));
        if let Some(instructions) = &self.instructions {
            body.insert("instructions".into(), Value::String(instructions.clone()));
        }
        let tools: Vec<Value> = <H::Tools as Tools>::definitions()
            .iter()
            .map(super::tools::ToolDefinition::to_request)
            .collect();
        if !tools.is_empty() {
            body.insert("tools".into(), Value::Array(tools));
        }
        Value::Object(body)
    }

    /// The thread's newest [`max_items`](Self::max_items) items as input, oldest first.
    ///
    /// # Errors
    ///
    /// A store failure.
    pub async fn thread_input<C: Send + Sync + 'static>(
        &self,
        cx: &ActionContext<C>,
    ) -> Result<Vec<Value>, HandlerError> {
        Ok(self.input(cx, &[]).await?.0)
    }

    /// The input with the run's answered server calls spliced in; also the newest item id.
    async fn input<C: Send + Sync + 'static>(
        &self,
        cx: &ActionContext<C>,
        answered: &[Answered],
    ) -> Result<(Vec<Value>, Option<String>), HandlerError> {
        let page = cx
            .store()
            .load_thread_items(
                &cx.thread().id,
                None,
                self.max_items,
                SortOrder::Desc,
                cx.request(),
            )
            .await
            .map_err(HandlerError::store)?;
        let mut items = page.data;
        items.reverse();
        let newest = items.last().map(|item| item.id().to_owned());
        let mut input = Vec::new();
        // Calls answered before the first item still in the window go first.
        let in_window = |id: &Option<String>| {
            id.as_ref()
                .is_some_and(|id| items.iter().any(|item| item.id() == id))
        };
        for answer in answered.iter().filter(|answer| !in_window(&answer.after)) {
            push_answer(&mut input, answer);
        }
        for (index, item) in items.iter().enumerate() {
            let is_last = index + 1 == items.len();
            input.extend(self.converter.item_to_input(item, is_last).await);
            for answer in answered
                .iter()
                .filter(|answer| answer.after.as_deref() == Some(item.id()))
            {
                push_answer(&mut input, answer);
            }
        }
        Ok((input, newest))
    }

    /// Runs the model on the thread: its answer streams in, server tools run (their
    /// output goes back to the model, up to the turn cap), a client tool call ends the run
    /// as a pending `client_tool_call` item (`threads.add_client_tool_output` resumes it
    /// through the server's responder).
    ///
    /// # Errors
    ///
    /// A failed model request or response ([`HandlerError::stream`] `stream.error`, with a
    /// retry for transient failures), after the items it had started are removed; a store
    /// failure; a tool handler's error; [`HandlerError::cancelled`] once the client is gone
    /// (the upstream request is dropped then, so its connection closes); a
    /// [`HandlerError::custom`] error past the turn cap.
    pub async fn run<C>(&self, cx: &mut ActionContext<C>) -> HandlerResult
    where
        C: Send + Sync + 'static,
        H: ToolHandler<C>,
    {
        let mut mapper =
            ResponseMapper::new(cx.thread().id.clone()).partial_images(self.partial_images);
        let mut answered: Vec<Answered> = Vec::new();
        let mut out = Vec::new();
        for _ in 0..self.max_turns {
            let (input, _) = self.input(cx, &answered).await?;
            let body = self.request_body::<C>(input);
            let connect = until_cancelled(cx, self.client.stream(body)).await?;
            let mut stream = match connect {
                Ok(stream) => stream,
                Err(error) => return fail(cx, &mut mapper, &error).await,
            };
            loop {
                let Some(next) = until_cancelled(cx, stream.next()).await? else {
                    break;
                };
                let outcome = next.and_then(|event| {
                    mapper.map(event, &mut |kind| cx.new_item_id(kind), &mut out)
                });
                for event in out.drain(..) {
                    cx.emit(event).await?;
                }
                if let Err(error) = outcome {
                    drop(stream);
                    return fail(cx, &mut mapper, &error).await;
                }
            }
            drop(stream);
            let calls = mapper.take_calls();
            if calls.is_empty() {
                return finish(cx, &mut mapper).await;
            }
            let anchor = newest_item(cx).await?;
            let mut client_call = None;
            for call in calls {
                match <H::Tools as Tools>::parse(&call.name, &call.arguments) {
                    Err(error) => {
                        tracing::warn!(tool = %call.name, %error, "the model's tool call was refused");
                        let output = error.to_output();
                        answered.push(Answered {
                            after: anchor.clone(),
                            call,
                            output,
                        });
                    }
                    Ok(tool) if tool.is_client() => {
                        if client_call.is_none() {
                            client_call = Some(call);
                        } else {
                            tracing::warn!(tool = %call.name, "a second client tool call in one turn was dropped");
                        }
                    }
                    Ok(tool) => {
                        let output = self.tools.call(tool, cx).await?;
                        answered.push(Answered {
                            after: anchor.clone(),
                            call,
                            output,
                        });
                    }
                }
            }
            if let Some(call) = client_call {
                finish(cx, &mut mapper).await?;
                let arguments: Map<String, Value> =
                    serde_json::from_str(&call.arguments).unwrap_or_default();
                let item = ClientToolCallItem::new(
                    cx.new_item_id(StoreItemType::ToolCall),
                    cx.thread().id.clone(),
                    call.call_id,
                    call.name,
                    arguments,
                );
                return cx.emit(ThreadStreamEvent::item_done(item)).await;
            }
        }
        finish(cx, &mut mapper).await?;
        Err(HandlerError::custom(format!(
            "The assistant stopped after {} model requests without an answer.",
            self.max_turns
        )))
    }
}

/// The answer to a user message: the agent runs on the thread, which already holds it.
impl<C, H> Respond<C> for Agent<H>
where
    C: Send + Sync + 'static,
    H: ToolHandler<C>,
{
    async fn respond(
        &self,
        _: Option<&UserMessageItem>,
        cx: &mut ActionContext<C>,
    ) -> HandlerResult {
        self.run(cx).await
    }
}

fn push_answer(input: &mut Vec<Value>, answer: &Answered) {
    input.push(json!({
        "type": "function_call",
        "call_id": answer.call.call_id,
        "name": answer.call.name,
        "arguments": answer.call.arguments,
    }));
    input.push(json!({
        "type": "function_call_output",
        "call_id": answer.call.call_id,
        "output": answer.output.as_str(),
    }));
}

/// The id of the thread's newest item.
async fn newest_item<C: Send + Sync + 'static>(
    cx: &ActionContext<C>,
) -> Result<Option<String>, HandlerError> {
    let page = cx
        .store()
        .load_thread_items(&cx.thread().id, None, 1, SortOrder::Desc, cx.request())
        .await
        .map_err(HandlerError::store)?;
    Ok(page
        .data
        .first()
        .map(|item: &ThreadItem| item.id().to_owned()))
}

/// Awaits `future` unless the client leaves first: then it is dropped (a model request
/// closes its connection) and the run ends as cancelled.
async fn until_cancelled<C: Send + Sync + 'static, T>(
    cx: &ActionContext<C>,
    future: impl Future<Output = T>,
) -> Result<T, HandlerError> {
    tokio::select! {
        biased;
        value = future => Ok(value),
        () = cx.cancelled() => Err(HandlerError::cancelled()),
    }
}

async fn finish<C: Send + Sync + 'static>(
    cx: &mut ActionContext<C>,
    mapper: &mut ResponseMapper,
) -> HandlerResult {
    let mut out = Vec::new();
    mapper.finish(&mut out);
    for event in out {
        cx.emit(event).await?;
    }
    Ok(())
}

/// Removes what the failed response had started, and fails the run.
async fn fail<C: Send + Sync + 'static>(
    cx: &mut ActionContext<C>,
    mapper: &mut ResponseMapper,
    error: &ModelError,
) -> HandlerResult {
    tracing::error!(thread = %cx.thread().id, %error, "the model request failed");
    let mut out = Vec::new();
    mapper.abandon(&mut out);
    for event in out {
        cx.emit(event).await?;
    }
    Err(HandlerError::stream("stream.error").allow_retry(error.is_transient()))
}
