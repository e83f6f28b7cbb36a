//! The server's `tracing` spans exported to an OpenTelemetry collector over OTLP (HTTP,
//! protobuf). Feature `otlp`, off by default.
//!
//! [`layer`] builds a `tracing-subscriber` layer that turns every span (the server's
//! `chatkit.request`, `chatkit.action` and the application's own) into an OpenTelemetry span,
//! batched and sent on a thread of its own, so a slow or absent collector never blocks a
//! request. Keep the [`OtlpGuard`] for as long as the process runs: dropping it flushes the
//! spans still queued and stops the exporter.
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt;
//! use tracing_subscriber::util::SubscriberInitExt;
//! use chatkit_actions::otlp::{OtlpConfig, layer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (otel, _guard) = layer(&OtlpConfig::new("todo").endpoint("http://127.0.0.1:4318"))?;
//! tracing_subscriber::registry().with(otel).init();
//! // … serve; `_guard` flushes the spans when the process ends.
//! # Ok(()) }
//! ```

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::registry::LookupSpan;

pub use opentelemetry_otlp::ExporterBuildError;

/// Where the spans go, and the service they are from.
#[derive(Debug, Clone)]
pub struct OtlpConfig {
    service_name: String,
    endpoint: Option<String>,
    timeout: Duration,
}

/// The path of the traces on an OTLP/HTTP collector.
const TRACES_PATH: &str = "/v1/traces";

impl OtlpConfig {
    /// Spans of the service `service_name` (the `service.name` resource attribute), sent to
    /// the collector the standard environment variables name
    /// (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`), else
    /// `http://localhost:4318`; 10 s per export at most.
    pub fn new(service_name: impl Into<String>) -> Self {
        OtlpConfig {
            service_name: service_name.into(),
            endpoint: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// Sends to the OTLP/HTTP collector at `url` (`http://host:4318`; the traces path
    /// `/v1/traces` is added unless there).
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        let url = if url.ends_with(TRACES_PATH) {
            url
        } else {
            format!("{}{TRACES_PATH}", url.trim_end_matches('/'))
        };
        self.endpoint = Some(url);
        self
    }

    /// The longest one export may take.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The traces URL set by [`endpoint`](Self::endpoint), if any.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }
}

/// Keeps the exporter running; dropping it flushes the queued spans and stops it.
#[derive(Debug)]
pub struct OtlpGuard {
    provider: SdkTracerProvider,
}

impl OtlpGuard {
    /// Sends the spans queued so far now, waiting for the export.
    ///
    /// # Errors
    ///
    /// When the export fails (the collector is unreachable, say).
    pub fn flush(&self) -> Result<(), String> {
        self.provider
            .force_flush()
            .map_err(|error| error.to_string())
    }
}

impl Drop for OtlpGuard {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            // Stderr, not `tracing`: the subscriber may be going away with the process.
            eprintln!("the OTLP exporter did not shut down cleanly: {error}");
        }
    }
}

/// The layer exporting the spans of a `tracing` subscriber `S` as `config` says, and the
/// guard that keeps its exporter running.
///
/// # Errors
///
/// When the exporter cannot be built (an endpoint that is not a URL).
pub fn layer<S>(
    config: &OtlpConfig,
) -> Result<(OpenTelemetryLayer<S, SdkTracer>, OtlpGuard), ExporterBuildError>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    let mut exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_timeout(config.timeout);
    if let Some(endpoint) = &config.endpoint {
        exporter = exporter.with_endpoint(endpoint.clone());
    }
    let exporter = exporter.build()?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(config.service_name.clone())
                .build(),
        )
        .build();
    let tracer = provider.tracer("chatkit-actions");
    let layer = tracing_opentelemetry::layer().with_tracer(tracer);
    Ok((layer, OtlpGuard { provider }))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn endpoint_gets_the_traces_path() {
        let config = OtlpConfig::new("svc").endpoint("http://127.0.0.1:4318/");
        assert_eq!(
            config.endpoint_url(),
            Some("http://127.0.0.1:4318/v1/traces")
        );
        let config = OtlpConfig::new("svc").endpoint("http://collector/v1/traces");
        assert_eq!(config.endpoint_url(), Some("http://collector/v1/traces"));
    }

    /// A collector stand-in on loopback: answers one OTLP/HTTP export with `200` and hands
    /// over the request (head and body).
    fn collector() -> (String, mpsc::Receiver<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut request = Vec::new();
                let mut buffer = [0_u8; 8192];
                // Read the head, then as much body as Content-Length says.
                loop {
                    let Ok(read) = stream.read(&mut buffer) else {
                        return;
                    };
                    if read == 0 {
                        break;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .and_then(|value| value.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n",
                );
                if sender.send(request).is_err() {
                    return;
                }
            }
        });
        (url, receiver)
    }

    #[test]
    fn spans_reach_the_collector() {
        let (url, received) = collector();
        let config = OtlpConfig::new("otlp-test-service").endpoint(url);
        let (layer, guard) = layer(&config).expect("layer");
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("chatkit.request", request_type = "items.list");
            span.in_scope(|| tracing::info!("inside"));
        });
        guard.flush().expect("flush");
        let request = received
            .recv_timeout(Duration::from_secs(20))
            .expect("an export");
        let head = String::from_utf8_lossy(&request);
        assert!(head.starts_with("POST /v1/traces "), "{head}");
        assert!(
            head.to_lowercase()
                .contains("content-type: application/x-protobuf"),
            "{head}"
        );
        // Protobuf keeps strings as they are: the span's name, its attribute and the
        // service's name are in the body.
        let contains = |needle: &[u8]| request.windows(needle.len()).any(|w| w == needle);
        assert!(contains(b"chatkit.request"));
        assert!(contains(b"items.list"));
        assert!(contains(b"otlp-test-service"));
        drop(guard);
    }
}
