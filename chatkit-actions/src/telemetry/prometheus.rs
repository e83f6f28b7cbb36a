//! The Prometheus exporter: the process's recorder, and `/metrics` to scrape it.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusRecorder};

pub use metrics_exporter_prometheus::PrometheusHandle;

/// The histogram buckets of every `_seconds` metric, in seconds: from a millisecond (a
/// store read) to two minutes (a long model answer).
const SECONDS_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 120.0,
];

/// How often the installed recorder's histograms are drained into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The Prometheus recorder with the server's histogram buckets, not installed: for an
/// application that combines recorders, or a test that installs it locally
/// (`metrics::with_local_recorder`). Its [`handle`](PrometheusRecorder::handle) renders it.
pub fn prometheus_recorder() -> PrometheusRecorder {
    builder().build_recorder()
}

fn builder() -> PrometheusBuilder {
    // Only fails on an empty bucket list.
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
        .unwrap_or_else(|_| PrometheusBuilder::new())
}

/// Installs the Prometheus recorder as the process's metrics recorder, describes the server's
/// metrics ([`describe`](super::describe)), and returns the handle that renders them (for
/// [`metrics_router`]). Inside a Tokio runtime it also spawns the upkeep that drains the
/// histograms every 5 s; a scrape drains them too.
///
/// # Errors
///
/// When a recorder is installed already (there is one per process).
pub fn install_prometheus() -> Result<PrometheusHandle, BuildError> {
    let handle = builder().install_recorder()?;
    super::describe();
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let upkeep = handle.clone();
        runtime.spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        });
    }
    Ok(handle)
}

/// A router serving the metrics of `handle` at `GET /metrics` in the Prometheus text format
/// (`text/plain; version=0.0.4`). Merge it into the application's router:
///
/// ```no_run
/// # fn app(chatkit: axum::Router) -> Result<axum::Router, Box<dyn std::error::Error>> {
/// use chatkit_actions::telemetry::{install_prometheus, metrics_router};
///
/// let handle = install_prometheus()?;
/// let app = chatkit.merge(metrics_router(handle));
/// # Ok(app) }
/// ```
///
/// The route has no access control: serve it where only the scraper reaches it, or put it
/// behind the application's authentication.
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                handle.run_upkeep();
                (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    )],
                    handle.render(),
                )
                    .into_response()
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::*;
    use super::*;

    #[test]
    fn renders_bounded_labels() {
        #[derive(crate::Action, Debug)]
        enum App {
            AddTodo,
        }
        let recorder = prometheus_recorder();
        let handle = recorder.handle();
        let text = ::metrics::with_local_recorder(&recorder, || {
            describe();
            for forged in 0..1000 {
                let label = action_type_label::<App>(&format!("forged_{forged}"));
                record_action(label, ActionOutcome::Refused);
            }
            record_action(action_type_label::<App>("add_todo"), ActionOutcome::Ok);
            record_refusal(Refusal::RateLimit);
            record_request("items.list", RequestOutcome::Ok, Duration::from_millis(3));
            let stream = OpenStream::new();
            drop(stream);
            let open = OpenStream::new();
            handle.run_upkeep();
            let text = handle.render();
            drop(open);
            text
        });
        assert!(
            text.contains(r#"chatkit_actions_total{action_type="unknown",outcome="refused"} 1000"#),
            "{text}"
        );
        assert!(
            text.contains(r#"chatkit_actions_total{action_type="add_todo",outcome="ok"} 1"#),
            "{text}"
        );
        assert!(!text.contains("forged"), "{text}");
        assert!(
            text.contains(r#"chatkit_refusals_total{reason="rate_limit"} 1"#),
            "{text}"
        );
        assert!(text.contains("chatkit_open_streams 1"), "{text}");
        assert!(
            text.contains(
                r#"chatkit_request_duration_seconds_bucket{type="items.list",le="0.005"} 1"#
            ),
            "{text}"
        );
    }
}
