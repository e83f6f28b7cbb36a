//! Request routing: one `match` over the closed request enum, each arm the Python SDK's
//! steps for that request (reference §5.2 and §5.3). A streamed request ends in
//! [`Inner::stream_response`], which runs its steps over a response pipeline.

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::stream::{self, EventStream, HandlerMeter, Processed, ResponseParts};
use super::unit::Unit;
use super::untrusted::check_offered_and_valid;
use super::{Inner, ProcessError};
use crate::action::{Action, ActionParseError, RawAction, strip_position};
use crate::attachments::AttachmentStore;
use crate::handler::pipeline::check_sent_widget;
use crate::handler::{
    ActionContext, ActionHandler, HandlerError, HandlerResult, SyncActionContext,
};
use crate::request::{
    ActionRequest, ChatKitRequest, SyncCustomActionResponse, ThreadCustomActionParams,
    UserMessageInput, wire,
};
use crate::store::{Store, StoreError, StoreItemType};
use crate::telemetry::{self, ActionOutcome, HandlerKind, Refusal};
use crate::thread::{
    ClientToolCallStatus, DEFAULT_PAGE_SIZE, Page, SortOrder, StreamOptions, StructuredInputError,
    Thread, ThreadItem, ThreadMetadata, ThreadStreamEvent, Timestamp, UserMessageItem, WidgetItem,
};

/// The meter of a response whose body answers a user message.
const RESPOND: HandlerMeter = HandlerMeter {
    handler: HandlerKind::Respond,
    action_type: "",
};

impl<H: ActionHandler> Inner<H> {
    /// Runs a request that passed the gates: the Python SDK's steps for its type.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per request type, each the SDK's steps in order"
    )]
    pub(super) async fn route(
        self: &Arc<Self>,
        mut request: ChatKitRequest,
        context: Arc<H::Context>,
    ) -> Result<Processed, ProcessError> {
        let store = &self.store;
        let metadata = Arc::new(std::mem::take(request.metadata_mut()));
        match request {
            ChatKitRequest::ThreadsCreate { params, .. } => {
                let id = store.generate_thread_id(&context);
                let unit = self.begin(&id, &context).await?;
                let thread = ThreadMetadata::new(id, Timestamp::now());
                // The message first: a missing attachment fails the request before anything
                // is saved, instead of leaving a thread the client never heard of.
                let message = self
                    .user_message(&unit.store(), &thread, params.input, &context)
                    .await?;
                unit.store().save_thread(&thread, &context).await?;
                save_attachments(&unit.store(), &message, &context).await?;
                Ok(self.stream_response(
                    unit,
                    thread,
                    None,
                    (context, metadata),
                    RESPOND,
                    move |inner, cx| {
                        Box::pin(async move {
                            let created = Thread::from(cx.thread().clone()).redacted();
                            cx.pipeline()
                                .forward(ThreadStreamEvent::ThreadCreated { thread: created })
                                .await?;
                            cx.emit(ThreadStreamEvent::ItemDone {
                                item: ThreadItem::UserMessage(message.clone()),
                            })
                            .await?;
                            inner.send_stream_options(cx).await?;
                            cx.respond_to(&message).await
                        })
                    },
                ))
            }
            ChatKitRequest::ThreadsAddUserMessage { params, .. } => {
                let (unit, thread) = self.begin_loaded(&params.thread_id, &context).await?;
                let message = self
                    .user_message(&unit.store(), &thread, params.input, &context)
                    .await?;
                save_attachments(&unit.store(), &message, &context).await?;
                Ok(self.stream_response(
                    unit,
                    thread,
                    None,
                    (context, metadata),
                    RESPOND,
                    move |inner, cx| {
                        Box::pin(async move {
                            cx.emit(ThreadStreamEvent::ItemDone {
                                item: ThreadItem::UserMessage(message.clone()),
                            })
                            .await?;
                            inner.send_stream_options(cx).await?;
                            cx.respond_to(&message).await
                        })
                    },
                ))
            }
            // Boxed: an action given parsed is rare (`process_request`), and its steps'
            // future, inline, would make this one as large.
            ChatKitRequest::ThreadsCustomAction { params, .. } => {
                Box::pin(self.owned_action(params, true, context, metadata)).await
            }
            ChatKitRequest::ThreadsSyncCustomAction { params, .. } => {
                Box::pin(self.owned_action(params, false, context, metadata)).await
            }
            ChatKitRequest::ThreadsRetryAfterItem { params, .. } => {
                let (unit, thread) = self.begin_loaded(&params.thread_id, &context).await?;
                let store = &unit.store();
                let (newer, target) =
                    items_after(store, &thread.id, &params.item_id, &context).await?;
                let Some(target) = target else {
                    // The SDK streams nothing at all when the item is not in the thread.
                    let (_, events) = mpsc::channel(1);
                    return Ok(Processed::Stream(EventStream::from_receiver(events)));
                };
                let ThreadItem::UserMessage(message) = target else {
                    return Err(ProcessError::Conflict(format!(
                        "item `{}` is not a user message",
                        params.item_id
                    )));
                };
                for item in &newer {
                    store
                        .delete_thread_item(&thread.id, item.id(), &context)
                        .await?;
                }
                Ok(self.stream_response(
                    unit,
                    thread,
                    None,
                    (context, metadata),
                    RESPOND,
                    move |inner, cx| {
                        Box::pin(async move {
                            inner.send_stream_options(cx).await?;
                            cx.respond_to(&message).await
                        })
                    },
                ))
            }
            ChatKitRequest::ThreadsAddClientToolOutput { params, .. } => {
                let (unit, thread) = self.begin_loaded(&params.thread_id, &context).await?;
                let store = &unit.store();
                // The newest pending call among the newest items, not only the newest item:
                // hidden context (or another item) may follow the call (upstream
                // chatkit-python#123). The same page is where the SDK looks for calls left
                // pending.
                let recent = store
                    .load_thread_items(
                        &thread.id,
                        None,
                        DEFAULT_PAGE_SIZE,
                        SortOrder::Desc,
                        &context,
                    )
                    .await?;
                let mut pending = recent.data.into_iter().filter_map(|item| match item {
                    ThreadItem::ClientToolCall(call)
                        if call.status == ClientToolCallStatus::Pending =>
                    {
                        Some(call)
                    }
                    _ => None,
                });
                let Some(mut completed) = pending.next() else {
                    return Err(ProcessError::Conflict(format!(
                        "thread `{}` has no pending client tool call among its {DEFAULT_PAGE_SIZE} newest items",
                        thread.id
                    )));
                };
                completed.status = ClientToolCallStatus::Completed;
                completed.output = Some(params.result);
                store
                    .save_item(&thread.id, &ThreadItem::ClientToolCall(completed), &context)
                    .await?;
                // Older calls still pending will never get their output: the SDK deletes them.
                for call in pending {
                    tracing::warn!(item = %call.id, "deleting a client tool call left pending");
                    store
                        .delete_thread_item(&thread.id, &call.id, &context)
                        .await?;
                }
                Ok(self.stream_response(
                    unit,
                    thread,
                    None,
                    (context, metadata),
                    RESPOND,
                    |inner, cx| {
                        Box::pin(async move {
                            inner.send_stream_options(cx).await?;
                            cx.respond().await
                        })
                    },
                ))
            }
            ChatKitRequest::ThreadsAddStructuredInput { params, .. } => {
                let (unit, thread) = self.begin_loaded(&params.thread_id, &context).await?;
                let item = unit
                    .store()
                    .load_item(&thread.id, &params.item_id, &context)
                    .await?;
                let ThreadItem::StructuredInput(item) = item else {
                    return Err(ProcessError::Conflict(format!(
                        "item `{}` is a {} item, not structured input",
                        params.item_id,
                        item.item_type()
                    )));
                };
                let updated =
                    item.apply_submission(&params.input)
                        .map_err(|error| match error {
                            StructuredInputError::NotPending { .. } => {
                                ProcessError::Conflict(error.to_string())
                            }
                            StructuredInputError::UnknownQuestions { .. } => {
                                ProcessError::Rejected(error.to_string())
                            }
                        })?;
                Ok(self.stream_response(
                    unit,
                    thread,
                    None,
                    (context, metadata),
                    RESPOND,
                    move |inner, cx| {
                        Box::pin(async move {
                            inner.send_stream_options(cx).await?;
                            cx.emit(ThreadStreamEvent::ItemReplaced {
                                item: ThreadItem::StructuredInput(updated),
                            })
                            .await?;
                            cx.respond().await
                        })
                    },
                ))
            }
            ChatKitRequest::ThreadsGetById { params, .. } => {
                let thread = store.load_thread(&params.thread_id, &context).await?;
                let items = store
                    .load_thread_items(
                        &thread.id,
                        None,
                        DEFAULT_PAGE_SIZE,
                        SortOrder::Asc,
                        &context,
                    )
                    .await?;
                json(&thread.with_items(items).redacted())
            }
            ChatKitRequest::ThreadsList { params, .. } => {
                let page = store
                    .load_threads(
                        params.page_size(),
                        params.after.as_deref(),
                        params.order,
                        &context,
                    )
                    .await?;
                let threads = Page {
                    data: page
                        .data
                        .into_iter()
                        .map(|t| Thread::from(t).redacted())
                        .collect(),
                    has_more: page.has_more,
                    after: page.after,
                };
                json(&threads)
            }
            ChatKitRequest::ThreadsUpdate { params, .. } => {
                let (unit, mut thread) = self.begin_loaded(&params.thread_id, &context).await?;
                thread.title = Some(params.title);
                unit.store().save_thread(&thread, &context).await?;
                unit.end(true).await?;
                json(&Thread::from(thread).redacted())
            }
            ChatKitRequest::ThreadsDelete { params, .. } => {
                let unit = self.begin(&params.thread_id, &context).await?;
                // The SDK answers `{}` whether or not the thread was there (its stores delete
                // by id without looking), so a second delete or a stale id is not an error;
                // another user's thread is not found by the store, hence not deleted either.
                match unit
                    .store()
                    .delete_thread(&params.thread_id, &context)
                    .await
                {
                    Ok(()) | Err(StoreError::NotFound { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
                unit.end(true).await?;
                Ok(Processed::Json(Bytes::from_static(b"{}")))
            }
            ChatKitRequest::ItemsList { params, .. } => {
                // A thread that is not there (or is another user's) is `404`, as for
                // `threads.get_by_id`, not an empty page.
                store.load_thread(&params.thread_id, &context).await?;
                let mut page = store
                    .load_thread_items(
                        &params.thread_id,
                        params.after.as_deref(),
                        params.page_size(),
                        params.order,
                        &context,
                    )
                    .await?;
                page.data.retain(|item| !item.is_hidden());
                json(&page)
            }
            ChatKitRequest::ItemsFeedback { params, .. } => {
                if let Some(hook) = &self.feedback {
                    hook(&params.thread_id, &params.item_ids, params.kind, &context);
                }
                self.hooks
                    .add_feedback_boxed(&params.thread_id, &params.item_ids, params.kind, &context)
                    .await
                    .map_err(|error| refused_or_failed(&error))?;
                Ok(Processed::Json(Bytes::from_static(b"{}")))
            }
            ChatKitRequest::AttachmentsCreate { params, .. } => {
                let attachments = self.attachment_store()?;
                let attachment = attachments.create_attachment(&params, &context).await?;
                // The SDK's order (since 1.5): the server, not the attachment store, saves it.
                store.save_attachment(&attachment, &context).await?;
                json(&attachment)
            }
            ChatKitRequest::AttachmentsDelete { params, .. } => {
                let attachments = self.attachment_store()?;
                // The bytes first, then the metadata, as the SDK does.
                attachments
                    .delete_attachment(&params.attachment_id, &context)
                    .await?;
                match store
                    .delete_attachment(&params.attachment_id, &context)
                    .await
                {
                    Ok(()) | Err(StoreError::NotFound { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
                Ok(Processed::Json(Bytes::from_static(b"{}")))
            }
            ChatKitRequest::InputTranscribe { params, .. } => {
                let Some(transcriber) = &self.transcriber else {
                    return Err(ProcessError::Unsupported(
                        "input.transcribe is not supported by this server: it has no speech-to-text service (ChatKitServer::transcriber)".to_owned(),
                    ));
                };
                let audio = self.transcription_limits.check(&params)?;
                let result = transcriber.transcribe(audio, &context).await?;
                json(&result)
            }
        }
    }

    /// The attachment store, or the answer for a server without one.
    fn attachment_store(&self) -> Result<&Arc<dyn AttachmentStore<H::Context>>, ProcessError> {
        self.attachments.as_ref().ok_or_else(|| {
            ProcessError::Unsupported(
                "attachments are not supported by this server: it has no attachment store to keep the uploaded bytes (ChatKitServer::attachment_store)".to_owned(),
            )
        })
    }

    /// Takes the thread's lock and begins the store's unit of work on it.
    async fn begin(
        &self,
        thread_id: &str,
        context: &H::Context,
    ) -> Result<Unit<H::Context>, ProcessError> {
        Ok(Unit::begin(&self.locks, &self.store, thread_id, context).await?)
    }

    /// Begins a unit on the thread `thread_id` and loads the thread: what every request on a
    /// thread that exists does first.
    async fn begin_loaded(
        &self,
        thread_id: &str,
        context: &H::Context,
    ) -> Result<(Unit<H::Context>, ThreadMetadata), ProcessError> {
        let unit = self.begin(thread_id, context).await?;
        let thread = unit.store().load_thread(thread_id, context).await?;
        Ok((unit, thread))
    }

    /// Runs an action request read from the body, its action borrowed from it.
    pub(super) async fn route_action(
        self: &Arc<Self>,
        request: ActionRequest<'_>,
        context: Arc<H::Context>,
    ) -> Result<Processed, ProcessError> {
        let ActionRequest {
            streaming,
            params,
            metadata,
        } = request;
        let metadata = Arc::new(metadata);
        if streaming {
            self.custom_action(params, context, metadata).await
        } else {
            self.sync_custom_action(params, context, metadata).await
        }
    }

    /// Runs an action request given already parsed (its payload a JSON value), through the
    /// path of one read from the body: the payload written back to JSON text first.
    async fn owned_action(
        self: &Arc<Self>,
        params: ThreadCustomActionParams,
        streaming: bool,
        context: Arc<H::Context>,
        metadata: Arc<Map<String, Value>>,
    ) -> Result<Processed, ProcessError> {
        let payload = params
            .action
            .payload
            .as_ref()
            .filter(|payload| !payload.is_null())
            .map(serde_json::value::to_raw_value)
            .transpose()
            .map_err(|error| ProcessError::InvalidRequest(error.to_string()))?;
        let params = wire::ThreadCustomActionParams {
            thread_id: params.thread_id,
            item_id: params.item_id,
            action: wire::RawAction {
                action_type: Cow::Owned(params.action.action_type),
                payload: payload.as_deref(),
            },
        };
        if streaming {
            self.custom_action(params, context, metadata).await
        } else {
            self.sync_custom_action(params, context, metadata).await
        }
    }

    /// Parses an action into the union and admits it (provenance, form constraints,
    /// validation), before its response starts: the action is then borrowed from the body no
    /// longer. An unknown type going to the fallback handler gets its owned [`RawAction`]
    /// (the payload as a JSON value) here, on that path only.
    fn admit(
        &self,
        raw: &wire::RawAction<'_>,
        sender: Option<&WidgetItem>,
        thread_id: &str,
        context: &H::Context,
    ) -> Result<Admitted<H::Action>, HandlerError> {
        let handler = &*self.handler;
        let refused = |reason| self.guards.refused(reason, context, None);
        match H::Action::from_json_parts(&raw.action_type, raw.payload) {
            Ok(action) => {
                check_offered_and_valid(handler, Some(&action), raw, sender, thread_id, &refused)
                    .map(|()| Admitted::Typed(action))
            }
            Err(ActionParseError::UnknownType { .. }) if H::ACCEPTS_UNKNOWN => {
                let owned = raw.to_owned_action().map_err(|error| {
                    refused(Refusal::Parse);
                    let error = format!(
                        "invalid payload for action `{}` at `payload`: {}",
                        raw.action_type,
                        strip_position(&error)
                    );
                    tracing::warn!(action = %raw.action_type, thread = %thread_id, %error, "action rejected");
                    HandlerError::rejected(error)
                })?;
                check_offered_and_valid(handler, None, raw, sender, thread_id, &refused)
                    .map(|()| Admitted::Unknown(owned))
            }
            Err(error) => {
                refused(Refusal::Parse);
                tracing::warn!(action = %raw.action_type, thread = %thread_id, %error, "action rejected");
                Err(HandlerError::invalid_action(error))
            }
        }
    }

    /// Opens the unit of work of a custom action and loads what it acts on: its thread and
    /// the item it names (see [`load_sender`]).
    async fn begin_action(
        &self,
        params: &wire::ThreadCustomActionParams<'_>,
        context: &H::Context,
    ) -> Result<(Unit<H::Context>, ThreadMetadata, Sender), ProcessError> {
        let (unit, thread) = self.begin_loaded(&params.thread_id, context).await?;
        let sender = load_sender(&unit, &thread, params, context).await?;
        Ok((unit, thread, sender))
    }

    /// Builds and stamps a user message, with the attachments it references loaded and given
    /// this thread's id. It writes nothing: [`save_attachments`] does, once nothing else can
    /// fail.
    async fn user_message(
        &self,
        store: &Arc<dyn Store<H::Context>>,
        thread: &ThreadMetadata,
        input: UserMessageInput,
        context: &H::Context,
    ) -> Result<UserMessageItem, ProcessError> {
        let id = store.generate_item_id(StoreItemType::Message, thread, context);
        let mut message = UserMessageItem::new(id, thread.id.clone(), input.content);
        message.quoted_text = input.quoted_text;
        message.inference_options = input.inference_options;
        for attachment_id in &input.attachments {
            let mut attachment = store.load_attachment(attachment_id, context).await?;
            // The bytes must be there (a cut or refused upload has none), and are kept from
            // now on.
            if let Some(attachments) = &self.attachments {
                attachments
                    .attached(attachment_id, &thread.id, context)
                    .await?;
            }
            attachment.set_thread_id(thread.id.clone());
            message.attachments.push(attachment);
        }
        Ok(message)
    }

    async fn custom_action(
        self: &Arc<Self>,
        params: wire::ThreadCustomActionParams<'_>,
        context: Arc<H::Context>,
        metadata: Arc<Map<String, Value>>,
    ) -> Result<Processed, ProcessError> {
        let (unit, thread, sender) = self.begin_action(&params, &context).await?;
        let sender = match sender {
            Ok(sender) => sender,
            Err(other) => {
                // The SDK's answer: one error event, not even `stream_options` before it; with
                // a message saying what is wrong, which the SDK's lacks.
                tracing::warn!(
                    item = other.id(),
                    kind = other.item_type(),
                    "custom action names an item that is not a widget"
                );
                self.guards.refused(Refusal::Provenance, &context, None);
                telemetry::record_action(
                    telemetry::action_type_label::<H::Action>(&params.action.action_type),
                    ActionOutcome::Refused,
                );
                let (events, receiver) = mpsc::channel(1);
                let _ = events
                    .send(ThreadStreamEvent::Error(
                        crate::thread::ErrorEvent::stream_error()
                            .message(not_a_widget(&other))
                            .allow_retry(false),
                    ))
                    .await;
                drop(unit);
                return Ok(Processed::Stream(EventStream::from_receiver(receiver)));
            }
        };
        let raw = &params.action;
        let admitted = self.admit(raw, sender.as_ref(), &thread.id, &context);
        let action_type = raw.action_type.clone().into_owned();
        let item_id = params.item_id.unwrap_or_default();
        let meter = HandlerMeter {
            handler: HandlerKind::Action,
            action_type: telemetry::action_type_label::<H::Action>(&action_type),
        };
        Ok(self.stream_response(unit, thread, sender, (context, metadata), meter, move |inner, cx| {
            Box::pin(async move {
                inner.send_stream_options(cx).await?;
                let span = tracing::info_span!("chatkit.action", action = %action_type, item = %item_id);
                let started = Instant::now();
                let result = run_action(inner, cx, admitted).instrument(span.clone()).await;
                let _enter = span.enter();
                tracing::info!(
                    outcome = if result.is_ok() { "ok" } else { "error" },
                    elapsed_us = started.elapsed().as_micros(),
                    "action handled"
                );
                result
            })
        }))
    }

    async fn sync_custom_action(
        &self,
        params: wire::ThreadCustomActionParams<'_>,
        context: Arc<H::Context>,
        metadata: Arc<Map<String, Value>>,
    ) -> Result<Processed, ProcessError> {
        let inner = self;
        let (unit, thread, sender) = self.begin_action(&params, &context).await?;
        let sender = match sender {
            Ok(sender) => sender,
            Err(other) => {
                self.guards.refused(Refusal::Provenance, &context, None);
                telemetry::record_action(
                    telemetry::action_type_label::<H::Action>(&params.action.action_type),
                    ActionOutcome::Refused,
                );
                return Err(ProcessError::Conflict(not_a_widget(&other)));
            }
        };
        let action_type = &*params.action.action_type;
        let label = telemetry::action_type_label::<H::Action>(action_type);
        let refused = |reason| {
            inner.guards.refused(reason, &context, None);
            telemetry::record_action(label, ActionOutcome::Refused);
        };
        let action = H::Action::from_json_parts(action_type, params.action.payload).map_err(|error| {
            refused(Refusal::Parse);
            tracing::warn!(action = %action_type, thread = %thread.id, %error, "action rejected");
            ProcessError::Rejected(error.to_string())
        })?;
        let admitted = check_offered_and_valid(
            &*inner.handler,
            Some(&action),
            &params.action,
            sender.as_ref(),
            &thread.id,
            &refused,
        );
        admitted.map_err(|error| ProcessError::Rejected(error.to_string()))?;
        let mut cx =
            SyncActionContext::new(thread, sender, Arc::clone(&context), unit.store(), metadata);
        let started = Instant::now();
        let handled = AssertUnwindSafe(inner.handler.handle_sync(action, &mut cx))
            .catch_unwind()
            .await;
        let elapsed = started.elapsed();
        telemetry::record_handler(HandlerKind::SyncAction, label, elapsed);
        let mut result = match handled {
            Ok(result) => result,
            Err(panic) => {
                telemetry::record_handler_panic(HandlerKind::SyncAction);
                telemetry::record_action(label, ActionOutcome::Error);
                std::panic::resume_unwind(panic);
            }
        };
        match &result {
            Ok(_) => telemetry::record_action(label, ActionOutcome::Ok),
            Err(error) if error.is_client_error() => {
                telemetry::record_action(label, ActionOutcome::Refused);
            }
            Err(_) => {
                telemetry::record_handler_error(HandlerKind::SyncAction);
                telemetry::record_action(label, ActionOutcome::Error);
            }
        }
        // As for streamed actions, the handler's writes (and its changes to the thread) are
        // kept whether it succeeded or failed; a panic unwinds past here and drops the unit,
        // which rolls it back.
        cx.save_changed_thread().await?;
        unit.end(true).await?;
        // The answer is a widget the client shows: checked as every widget a handler sends.
        if let Ok(Some(ThreadItem::Widget(item))) = &result
            && let Err(error) = check_sent_widget(&item.id, &item.widget)
        {
            result = Err(error);
        }
        match result {
            Ok(item) => json(&SyncCustomActionResponse { updated_item: item }),
            Err(error) => Err(refused_or_failed(&error)),
        }
    }
}

/// The answer to a handler's (or hook's) error in a JSON request: `422` with its message for
/// a client error or a message meant for the user, a server failure (`500`) otherwise.
fn refused_or_failed(error: &HandlerError) -> ProcessError {
    if error.is_client_error() {
        return ProcessError::Rejected(error.to_string());
    }
    match error.to_event().message {
        // A message meant for the user (`HandlerError::custom`): the client shows it.
        Some(message) => ProcessError::Rejected(message),
        // Anything else is a server failure; its details go to the log only.
        None => ProcessError::Handler(error.to_string()),
    }
}

/// Why an action naming `item` (not a widget) is refused.
fn not_a_widget(item: &ThreadItem) -> String {
    format!(
        "item `{}` (of type `{}`) is not a widget: an action's `item_id` names the widget it came from",
        item.id(),
        item.item_type()
    )
}

/// The widget item an action names (`item_id`, when set and not empty): `Ok(None)` without
/// one, `Err` with the item when it is not a widget.
type Sender = Result<Option<WidgetItem>, ThreadItem>;

/// Loads the [`Sender`] of an action.
async fn load_sender<C: Send + Sync + 'static>(
    unit: &Unit<C>,
    thread: &ThreadMetadata,
    params: &wire::ThreadCustomActionParams<'_>,
    context: &C,
) -> Result<Sender, ProcessError> {
    let Some(item_id) = params.item_id.as_deref().filter(|id| !id.is_empty()) else {
        return Ok(Ok(None));
    };
    match unit.store().load_item(&thread.id, item_id, context).await? {
        ThreadItem::Widget(widget) => Ok(Ok(Some(widget))),
        other => Ok(Err(other)),
    }
}

/// Saves the attachments of a user message, now bound to its thread (the SDK's step 5).
async fn save_attachments<C: Send + Sync + 'static>(
    store: &Arc<dyn Store<C>>,
    message: &UserMessageItem,
    context: &C,
) -> Result<(), ProcessError> {
    for attachment in &message.attachments {
        store.save_attachment(attachment, context).await?;
    }
    Ok(())
}

/// Every item newer than `item_id` (newest first), and that item, walking pages of 20 from
/// the newest as the SDK does.
async fn items_after<C: Send + Sync + 'static>(
    store: &Arc<dyn Store<C>>,
    thread_id: &str,
    item_id: &str,
    context: &C,
) -> Result<(Vec<ThreadItem>, Option<ThreadItem>), ProcessError> {
    let mut newer = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .load_thread_items(
                thread_id,
                after.as_deref(),
                DEFAULT_PAGE_SIZE,
                SortOrder::Desc,
                context,
            )
            .await?;
        for item in page.data {
            if item.id() == item_id {
                return Ok((newer, Some(item)));
            }
            newer.push(item);
        }
        match (page.has_more, page.after) {
            (true, Some(next)) => after = Some(next),
            _ => return Ok((newer, None)),
        }
    }
}

/// An action admitted to its handler: typed, or of an unknown type for the fallback.
enum Admitted<A> {
    Typed(A),
    Unknown(RawAction),
}

/// Runs the handler of an admitted action (or the fallback for unknown types), or answers
/// the refusal.
async fn run_action<H: ActionHandler>(
    inner: &Inner<H>,
    cx: &mut ActionContext<H::Context>,
    admitted: Result<Admitted<H::Action>, HandlerError>,
) -> HandlerResult {
    match admitted? {
        Admitted::Typed(action) => inner.handler.handle(action, cx).await,
        Admitted::Unknown(raw) => inner.handler.handle_unknown(raw, cx).await,
    }
}

impl<H: ActionHandler> Inner<H> {
    /// Runs `body` (the server's first events, then the handler or the responder) over a new
    /// response pipeline in `unit`: see [`stream::stream_response`].
    fn stream_response<F>(
        self: &Arc<Self>,
        unit: Unit<H::Context>,
        thread: ThreadMetadata,
        sender: Option<WidgetItem>,
        (context, metadata): (Arc<H::Context>, Arc<Map<String, Value>>),
        meter: HandlerMeter,
        body: F,
    ) -> Processed
    where
        F: for<'a> FnOnce(
                &'a Inner<H>,
                &'a mut ActionContext<H::Context>,
            ) -> BoxFuture<'a, HandlerResult>
            + Send
            + 'static,
    {
        let inner = Arc::clone(self);
        let parts = ResponseParts {
            context,
            metadata,
            responder: Arc::clone(&self.responder),
            hooks: Arc::clone(&self.hooks),
        };
        stream::stream_response(unit, thread, sender, parts, meter, move |cx| {
            Box::pin(async move { body(&inner, cx).await })
        })
    }

    /// Sends the `stream_options` event of the response in `cx` (see
    /// [`Inner::stream_options`]): every streamed response sends it, after what announces its
    /// input.
    async fn send_stream_options(&self, cx: &mut ActionContext<H::Context>) -> HandlerResult {
        let options = self.stream_options(cx);
        cx.pipeline().forward(options).await
    }

    /// The `stream_options` event of a response in `cx`: the fixed
    /// [`allow_cancel`](super::ChatKitServer::allow_cancel) when set, else the hooks'
    /// answer for its thread and request.
    fn stream_options(&self, cx: &ActionContext<H::Context>) -> ThreadStreamEvent {
        let options = match self.allow_cancel {
            Some(allow_cancel) => StreamOptions { allow_cancel },
            None => self.hooks.stream_options(cx.thread(), cx.request()),
        };
        ThreadStreamEvent::StreamOptions {
            stream_options: options,
        }
    }
}

fn json<T: Serialize>(value: &T) -> Result<Processed, ProcessError> {
    serde_json::to_vec(value)
        .map(|body| Processed::Json(Bytes::from(body)))
        .map_err(|error| ProcessError::Store(crate::store::StoreError::backend(error)))
}
