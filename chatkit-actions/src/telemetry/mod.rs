//! Metrics of a ChatKit server, on the [`metrics`](https://docs.rs/metrics) facade, and the
//! detector of unusual refusal patterns ([`RefusalMonitor`]).
//!
//! The server records what it does through the functions of this module: requests by type
//! and outcome, latencies (request, first event, handler, store commit), actions by type and
//! outcome, every refusal by its [`Refusal`] reason, handler errors and panics, and the open
//! response streams. With no recorder installed every call costs an atomic load and records
//! nothing. Feature `prometheus` adds the Prometheus exporter: [`install_prometheus`] installs
//! the process's recorder, and [`metrics_router`] serves its text at `/metrics`.
//!
//! Every label is bounded. Functions take labels as `&'static str` or enums, never a
//! client's string: an action type is one of the action enum's
//! [`Action::TYPES`] or [`UNKNOWN`] ([`action_type_label`]), a request
//! type one of [`REQUEST_TYPES`] or [`UNKNOWN`] ([`request_type_label`]). A client forging
//! ten thousand action types adds no label value.
//!
//! The metric names are the constants of [`names`]; `docs/operations.md` lists each with its
//! labels.

#[cfg(feature = "prometheus")]
mod prometheus;
mod refusals;
#[cfg(feature = "axum")]
mod stream;

use std::time::Duration;

use ::metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

use crate::Action;

#[cfg(feature = "prometheus")]
pub use prometheus::{PrometheusHandle, install_prometheus, metrics_router, prometheus_recorder};
pub use refusals::RefusalMonitor;
#[cfg(feature = "axum")]
pub(crate) use stream::Metered;

/// The names of the metrics the server records.
pub mod names {
    /// Counter: requests answered, by `type` (the request type) and `outcome`
    /// ([`RequestOutcome`](super::RequestOutcome)).
    pub const REQUESTS: &str = "chatkit_requests_total";
    /// Histogram, seconds: from a request's arrival to its end (the JSON answer sent, or
    /// the response stream's last event), by `type`.
    pub const REQUEST_DURATION: &str = "chatkit_request_duration_seconds";
    /// Histogram, seconds: from a streaming request's arrival to its first event, by `type`.
    pub const FIRST_EVENT: &str = "chatkit_first_event_seconds";
    /// Counter: actions, by `action_type` and `outcome`
    /// ([`ActionOutcome`](super::ActionOutcome)).
    pub const ACTIONS: &str = "chatkit_actions_total";
    /// Histogram, seconds: a handler's run, by `handler` ([`HandlerKind`](super::HandlerKind))
    /// and `action_type` (empty for `respond`).
    pub const HANDLER_DURATION: &str = "chatkit_handler_duration_seconds";
    /// Counter: handlers that returned an error, by `handler`.
    pub const HANDLER_ERRORS: &str = "chatkit_handler_errors_total";
    /// Counter: handlers that panicked, by `handler`.
    pub const HANDLER_PANICS: &str = "chatkit_handler_panics_total";
    /// Counter: refused requests and actions, by `reason` ([`Refusal`](super::Refusal)).
    pub const REFUSALS: &str = "chatkit_refusals_total";
    /// Gauge: response streams open now.
    pub const OPEN_STREAMS: &str = "chatkit_open_streams";
    /// Histogram, seconds: a store commit (a unit of work's items and thread written).
    pub const STORE_COMMIT: &str = "chatkit_store_commit_seconds";
    /// Counter: users whose refusals over a window crossed the
    /// [`RefusalMonitor`](super::RefusalMonitor)'s threshold (one per episode).
    pub const UNUSUAL_REFUSALS: &str = "chatkit_unusual_refusal_patterns_total";
    /// Histogram, seconds: one call to the model upstream, until its last token.
    pub const MODEL_LATENCY: &str = "chatkit_model_latency_seconds";
    /// Counter: model tokens, by `kind` (`input` or `output`).
    pub const MODEL_TOKENS: &str = "chatkit_model_tokens_total";
}

/// The label value of a request type or action type that is not one the server knows.
pub const UNKNOWN: &str = "unknown";

/// The ChatKit request types, the values of the `type` label (with [`UNKNOWN`]).
pub const REQUEST_TYPES: &[&str] = &[
    "threads.create",
    "threads.add_user_message",
    "threads.add_client_tool_output",
    "threads.add_structured_input",
    "threads.retry_after_item",
    "threads.custom_action",
    "threads.sync_custom_action",
    "threads.get_by_id",
    "threads.list",
    "threads.update",
    "threads.delete",
    "items.list",
    "items.feedback",
    "attachments.create",
    "attachments.delete",
    "input.transcribe",
];

/// The `type` label of a request type read from a client: itself when it is one of
/// [`REQUEST_TYPES`], else [`UNKNOWN`].
pub fn request_type_label(request_type: &str) -> &'static str {
    REQUEST_TYPES
        .iter()
        .find(|known| **known == request_type)
        .copied()
        .unwrap_or(UNKNOWN)
}

/// The `action_type` label of an action type read from a client: itself when it is one of
/// `A`'s [`Action::TYPES`], else [`UNKNOWN`].
///
/// ```
/// use chatkit_actions::Action;
/// use chatkit_actions::telemetry::{UNKNOWN, action_type_label};
///
/// #[derive(Action, Debug)]
/// enum AppAction {
///     AddTodo,
/// }
///
/// assert_eq!(action_type_label::<AppAction>("add_todo"), "add_todo");
/// assert_eq!(action_type_label::<AppAction>("drop_tables"), UNKNOWN);
/// ```
pub fn action_type_label<A: Action>(action_type: &str) -> &'static str {
    A::TYPES
        .iter()
        .find(|known| **known == action_type)
        .copied()
        .unwrap_or(UNKNOWN)
}

/// How a request ended, the `outcome` label of [`names::REQUESTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestOutcome {
    /// Answered (a JSON answer, or a stream that ended without an error event).
    Ok,
    /// Refused before anything ran (a [`Refusal`]).
    Refused,
    /// Not found (`404`).
    NotFound,
    /// Failed: a handler or store error, or a stream that ended with an error event.
    Error,
    /// A stream dropped before its end: the client went away, or the shutdown deadline
    /// passed.
    Cancelled,
}

impl RequestOutcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestOutcome::Ok => "ok",
            RequestOutcome::Refused => "refused",
            RequestOutcome::NotFound => "not_found",
            RequestOutcome::Error => "error",
            RequestOutcome::Cancelled => "cancelled",
        }
    }
}

/// How an action ended, the `outcome` label of [`names::ACTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionOutcome {
    /// Its handler ran and returned `Ok`.
    Ok,
    /// Refused before its handler ran (a [`Refusal`]).
    Refused,
    /// Its handler returned an error or panicked.
    Error,
}

impl ActionOutcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionOutcome::Ok => "ok",
            ActionOutcome::Refused => "refused",
            ActionOutcome::Error => "error",
        }
    }
}

/// Which handler ran, the `handler` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandlerKind {
    /// `respond`, the answer to a user message.
    Respond,
    /// A custom action (`threads.custom_action`).
    Action,
    /// A synchronous custom action (`threads.sync_custom_action`).
    SyncAction,
}

impl HandlerKind {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::Respond => "respond",
            HandlerKind::Action => "action",
            HandlerKind::SyncAction => "sync_action",
        }
    }
}

/// Why a request or an action was refused, the `reason` label of [`names::REFUSALS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Refusal {
    /// Over a size or depth limit (`server::Limits`).
    Limits,
    /// Over the rate limit.
    RateLimit,
    /// Over the open streams per user (`http::StreamLimit`).
    StreamLimit,
    /// The authorization check refused it.
    Authorization,
    /// The action did not come from a widget the server sent (its provenance).
    Provenance,
    /// A form value broke its input's constraint (required, pattern, length).
    FormConstraint,
    /// The payload failed validation (`validate::ValidateAction`).
    Validation,
    /// The request or the action's payload did not parse.
    Parse,
}

impl Refusal {
    /// Every reason, in label order.
    pub const ALL: [Refusal; 8] = [
        Refusal::Limits,
        Refusal::RateLimit,
        Refusal::StreamLimit,
        Refusal::Authorization,
        Refusal::Provenance,
        Refusal::FormConstraint,
        Refusal::Validation,
        Refusal::Parse,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Limits => "limits",
            Refusal::RateLimit => "rate_limit",
            Refusal::StreamLimit => "stream_limit",
            Refusal::Authorization => "authorization",
            Refusal::Provenance => "provenance",
            Refusal::FormConstraint => "form_constraint",
            Refusal::Validation => "validation",
            Refusal::Parse => "parse",
        }
    }
}

/// Describes every metric (help text and unit) to the installed recorder; the exporter shows
/// them as `# HELP` lines. [`install_prometheus`] calls it.
pub fn describe() {
    describe_counter!(
        names::REQUESTS,
        "ChatKit requests answered, by type and outcome"
    );
    describe_histogram!(
        names::REQUEST_DURATION,
        Unit::Seconds,
        "From a request's arrival to its answer or its stream's end"
    );
    describe_histogram!(
        names::FIRST_EVENT,
        Unit::Seconds,
        "From a streaming request's arrival to its first event"
    );
    describe_counter!(names::ACTIONS, "Custom actions, by action type and outcome");
    describe_histogram!(
        names::HANDLER_DURATION,
        Unit::Seconds,
        "A handler's run, by handler and action type"
    );
    describe_counter!(names::HANDLER_ERRORS, "Handlers that returned an error");
    describe_counter!(names::HANDLER_PANICS, "Handlers that panicked");
    describe_counter!(names::REFUSALS, "Refused requests and actions, by reason");
    describe_gauge!(names::OPEN_STREAMS, "Response streams open now");
    describe_histogram!(names::STORE_COMMIT, Unit::Seconds, "A store commit");
    describe_counter!(
        names::UNUSUAL_REFUSALS,
        "Users whose refusals over the window crossed the threshold"
    );
    describe_histogram!(
        names::MODEL_LATENCY,
        Unit::Seconds,
        "One call to the model, until its last token"
    );
    describe_counter!(names::MODEL_TOKENS, "Model tokens, by kind (input, output)");
}

/// Records a request that ended: its count by type and outcome, and its duration.
pub fn record_request(request_type: &'static str, outcome: RequestOutcome, elapsed: Duration) {
    counter!(names::REQUESTS, "type" => request_type, "outcome" => outcome.as_str()).increment(1);
    histogram!(names::REQUEST_DURATION, "type" => request_type).record(elapsed.as_secs_f64());
}

/// Records the time from a streaming request's arrival to its first event.
pub fn record_first_event(request_type: &'static str, elapsed: Duration) {
    histogram!(names::FIRST_EVENT, "type" => request_type).record(elapsed.as_secs_f64());
}

/// Records an action that ended (`action_type` from [`action_type_label`]).
pub fn record_action(action_type: &'static str, outcome: ActionOutcome) {
    counter!(names::ACTIONS, "action_type" => action_type, "outcome" => outcome.as_str())
        .increment(1);
}

/// Records a handler's run (`action_type` empty for [`HandlerKind::Respond`]).
pub fn record_handler(handler: HandlerKind, action_type: &'static str, elapsed: Duration) {
    histogram!(
        names::HANDLER_DURATION,
        "handler" => handler.as_str(),
        "action_type" => action_type
    )
    .record(elapsed.as_secs_f64());
}

/// Records a handler that returned an error.
pub fn record_handler_error(handler: HandlerKind) {
    counter!(names::HANDLER_ERRORS, "handler" => handler.as_str()).increment(1);
}

/// Records a handler that panicked.
pub fn record_handler_panic(handler: HandlerKind) {
    counter!(names::HANDLER_PANICS, "handler" => handler.as_str()).increment(1);
}

/// Records a refusal by its reason.
pub fn record_refusal(reason: Refusal) {
    counter!(names::REFUSALS, "reason" => reason.as_str()).increment(1);
}

/// Records a store commit's duration.
pub fn record_commit(elapsed: Duration) {
    histogram!(names::STORE_COMMIT).record(elapsed.as_secs_f64());
}

/// Records one call to the model: its duration and its tokens.
pub fn record_model_call(elapsed: Duration, input_tokens: u64, output_tokens: u64) {
    histogram!(names::MODEL_LATENCY).record(elapsed.as_secs_f64());
    counter!(names::MODEL_TOKENS, "kind" => "input").increment(input_tokens);
    counter!(names::MODEL_TOKENS, "kind" => "output").increment(output_tokens);
}

/// An open response stream, counted in [`names::OPEN_STREAMS`] from [`OpenStream::new`] until
/// dropped.
#[derive(Debug)]
#[must_use = "the stream counts as open until the guard is dropped"]
pub struct OpenStream(());

impl OpenStream {
    /// Counts one more open stream.
    pub fn new() -> Self {
        gauge!(names::OPEN_STREAMS).increment(1.0);
        OpenStream(())
    }
}

impl Default for OpenStream {
    fn default() -> Self {
        OpenStream::new()
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(names::OPEN_STREAMS).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_labels_are_bounded() {
        assert_eq!(request_type_label("items.list"), "items.list");
        assert_eq!(request_type_label("items.list "), UNKNOWN);
        assert_eq!(request_type_label(""), UNKNOWN);
        let mut labels: Vec<&str> = REQUEST_TYPES.to_vec();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), REQUEST_TYPES.len(), "no duplicates");
    }

    #[test]
    fn refusal_labels_are_distinct() {
        let mut labels: Vec<&str> = Refusal::ALL.iter().map(|r| r.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Refusal::ALL.len());
    }
}
