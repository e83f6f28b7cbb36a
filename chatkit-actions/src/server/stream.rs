//! What [`ChatKitServer::process`](super::ChatKitServer::process) answers: [`Processed`], a JSON
//! body or an [`EventStream`] (with its SSE framing, [`SseFrames`]), and [`stream_response`], which
//! runs a response pipeline as the stream of its events is read.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::unit::Unit;
use crate::handler::pipeline::Pipeline;
use crate::handler::{ActionContext, HandlerError, HandlerResult, SharedHooks, SharedResponder};
use crate::telemetry::{self, ActionOutcome, HandlerKind};
use crate::thread::{ThreadMetadata, ThreadStreamEvent, WidgetItem};

/// How many events may wait for a slow client before the handler waits too.
const EVENT_BUFFER: usize = 64;

/// The result of [`ChatKitServer::process`](super::ChatKitServer::process): a stream of events for streaming requests, a
/// JSON body for the others.
pub enum Processed {
    /// Serve as `text/event-stream`.
    Stream(EventStream),
    /// Serve as `application/json`.
    Json(Bytes),
}

impl fmt::Debug for Processed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Processed::Stream(_) => f.write_str("Processed::Stream(..)"),
            Processed::Json(body) => f.debug_tuple("Processed::Json").field(body).finish(),
        }
    }
}

/// The events of one streaming response, in order, as the handler produces them.
///
/// The response pipeline (the handler, its store writes, the SDK's bookkeeping) runs as the
/// stream is polled, on the task that reads the events: no task is spawned per request and
/// events reach the client in as few writes as possible. Poll the stream or drop it: while
/// it is neither, its thread stays locked. Dropping it before the end is a client
/// disconnect: the rest of the pipeline moves to a task of its own, the handler sees
/// [`HandlerError::cancelled`](crate::handler::HandlerError::cancelled) at its next event,
/// and the SDK's cancellation handling runs.
pub struct EventStream {
    events: mpsc::Receiver<ThreadStreamEvent>,
    running: Option<Running>,
}

/// A response not yet finished, and the runtime to finish it on if its stream is dropped
/// early.
struct Running {
    future: BoxFuture<'static, ()>,
    runtime: Option<tokio::runtime::Handle>,
}

impl EventStream {
    /// A stream of the events already in (or still to come through) `events`.
    pub(crate) fn from_receiver(events: mpsc::Receiver<ThreadStreamEvent>) -> Self {
        EventStream {
            events,
            running: None,
        }
    }

    /// A stream whose events `response` sends through `events`, driven by polling it.
    fn driving(
        events: mpsc::Receiver<ThreadStreamEvent>,
        response: BoxFuture<'static, ()>,
    ) -> Self {
        EventStream {
            events,
            running: Some(Running {
                future: response,
                runtime: tokio::runtime::Handle::try_current().ok(),
            }),
        }
    }

    /// The next event, or `None` at the end of the response.
    pub async fn next_event(&mut self) -> Option<ThreadStreamEvent> {
        futures_util::StreamExt::next(self).await
    }

    /// Collects every event until the end of the response.
    pub async fn collect_events(mut self) -> Vec<ThreadStreamEvent> {
        let mut events = Vec::new();
        while let Some(event) = self.next_event().await {
            events.push(event);
        }
        events
    }

    /// The stream as SSE frames: `data: <json>\n\n` per event, as the SDK writes them.
    /// The events ready together go out as one chunk.
    pub fn into_sse(self) -> SseFrames {
        SseFrames {
            events: self,
            failed: None,
        }
    }
}

impl Stream for EventStream {
    type Item = ThreadStreamEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(running) = &mut this.running
            && running.future.as_mut().poll(cx).is_ready()
        {
            this.running = None;
        }
        this.events.poll_recv(cx)
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            // The reader is gone: the handler's next event fails as cancelled, and the
            // pipeline finishes (cancellation handling, releasing the thread) on its own.
            self.events.close();
            if let Some(runtime) = running.runtime {
                drop(runtime.spawn(running.future));
            } else {
                tracing::warn!(
                    "a response stream was dropped outside a tokio runtime; its handler stops \
                     at its current await point"
                );
            }
        }
    }
}

/// SSE frames of an [`EventStream`]; each item is every event ready at the time, framed.
pub struct SseFrames {
    events: EventStream,
    failed: Option<serde_json::Error>,
}

/// One event as an SSE frame.
///
/// # Errors
///
/// Only when the event cannot be serialized, which the protocol types never cause.
pub fn sse_frame(event: &ThreadStreamEvent) -> Result<Bytes, serde_json::Error> {
    let mut frame = Vec::with_capacity(256);
    write_sse_frame(&mut frame, event)?;
    Ok(Bytes::from(frame))
}

/// Appends one event's SSE frame to `out`; on error `out` is as it was.
fn write_sse_frame(out: &mut Vec<u8>, event: &ThreadStreamEvent) -> Result<(), serde_json::Error> {
    let start = out.len();
    out.extend_from_slice(b"data: ");
    if let Err(error) = serde_json::to_writer(&mut *out, event) {
        out.truncate(start);
        return Err(error);
    }
    out.extend_from_slice(b"\n\n");
    Ok(())
}

/// A chunk stops taking ready events past this size, so a burst is still sent in pieces.
const SSE_CHUNK_BYTES: usize = 64 * 1024;

impl Stream for SseFrames {
    type Item = Result<Bytes, serde_json::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(error) = this.failed.take() {
            return Poll::Ready(Some(Err(error)));
        }
        let mut chunk: Vec<u8> = Vec::new();
        while chunk.len() < SSE_CHUNK_BYTES {
            match Pin::new(&mut this.events).poll_next(cx) {
                Poll::Ready(Some(event)) => {
                    if let Err(error) = write_sse_frame(&mut chunk, &event) {
                        if chunk.is_empty() {
                            return Poll::Ready(Some(Err(error)));
                        }
                        this.failed = Some(error);
                        break;
                    }
                }
                // The end, or nothing more yet: send what is ready (the end comes next poll).
                Poll::Ready(None) | Poll::Pending if !chunk.is_empty() => break,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Some(Ok(Bytes::from(chunk))))
    }
}

/// What a streamed response's body runs, for its metrics: the handler, and the action's type
/// (a bounded label; empty for `respond`).
#[derive(Debug, Clone, Copy)]
pub(super) struct HandlerMeter {
    pub(super) handler: HandlerKind,
    pub(super) action_type: &'static str,
}

impl HandlerMeter {
    /// Records the body's run: its duration, an error or a panic, and for an action its
    /// outcome (`refused` for a client error: the action was refused before or by its
    /// handler).
    fn record<P>(self, result: &Result<HandlerResult, P>, elapsed: Duration) {
        telemetry::record_handler(self.handler, self.action_type, elapsed);
        let outcome = match result {
            Ok(Ok(())) => ActionOutcome::Ok,
            Ok(Err(error)) if error.is_client_error() => ActionOutcome::Refused,
            Ok(Err(_)) => {
                telemetry::record_handler_error(self.handler);
                ActionOutcome::Error
            }
            Err(_) => {
                telemetry::record_handler_panic(self.handler);
                ActionOutcome::Error
            }
        };
        if self.handler != HandlerKind::Respond {
            telemetry::record_action(self.action_type, outcome);
        }
    }
}

/// What a streamed response runs with besides its thread: the request's context and
/// `metadata`, and the application's responder and hooks.
pub(super) struct ResponseParts<C> {
    pub(super) context: Arc<C>,
    pub(super) metadata: Arc<serde_json::Map<String, serde_json::Value>>,
    pub(super) responder: SharedResponder<C>,
    pub(super) hooks: SharedHooks<C>,
}

/// Runs `body` over a new response pipeline in the request's unit of work, driven by the
/// stream of its events it returns. A panic in the body becomes an error event.
///
/// This is where every streamed request becomes a response: the server's own first events
/// (`thread.created`, the user message, `stream_options`) and the handler or responder all
/// run in `body`, through the [`ActionContext`] over the pipeline; the pipeline then ends it
/// ([`Pipeline::finish`], or [`Pipeline::abort`] when the writes roll back).
///
/// The unit commits when the pipeline ends, before the stream does (so a client that saw
/// the end of a response finds its writes), unless the body panicked or a store operation of
/// the unit failed: then it rolls back. A failed commit is one more error event, unless the
/// handler already failed.
pub(super) fn stream_response<C, F>(
    unit: Unit<C>,
    thread: ThreadMetadata,
    sender: Option<WidgetItem>,
    parts: ResponseParts<C>,
    meter: HandlerMeter,
    body: F,
) -> Processed
where
    C: Send + Sync + 'static,
    F: for<'a> FnOnce(&'a mut ActionContext<C>) -> BoxFuture<'a, HandlerResult> + Send + 'static,
{
    let (events, receiver) = mpsc::channel(EVENT_BUFFER);
    // Kept until the unit has ended, so the stream ends after the commit.
    let last_word = events.clone();
    let ResponseParts {
        context,
        metadata,
        responder,
        hooks,
    } = parts;
    let pipeline = Pipeline::new(thread, context, unit.store(), events);
    let mut cx = ActionContext::new(pipeline, sender, responder, metadata);
    let response = async move {
        let started = Instant::now();
        let result = AssertUnwindSafe(body(&mut cx)).catch_unwind().await;
        let panicked = result.is_err();
        meter.record(&result, started.elapsed());
        let result = result.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a handler panicked".to_owned());
            Err(HandlerError::internal(format!(
                "handler panicked: {message}"
            )))
        });
        let failed = result.is_err();
        let thread_id = cx.thread().id.clone();
        let pipeline = cx.into_pipeline();
        if panicked || unit.failed() {
            // The unit rolls back: no more writes, only the error event.
            pipeline.abort(result).await;
        } else {
            pipeline.finish(result, &*hooks).await;
        }
        if let Err(error) = unit.end(!panicked).await {
            tracing::error!(thread = %thread_id, %error, "the action's writes were not committed");
            if !failed {
                let _ = last_word
                    .send(ThreadStreamEvent::Error(
                        HandlerError::store(error).to_event(),
                    ))
                    .await;
            }
        } else if panicked {
            tracing::warn!(thread = %thread_id, "the action's writes were rolled back");
        }
    }
    .in_current_span()
    .boxed();
    Processed::Stream(EventStream::driving(receiver, response))
}
