//! [`Metered`]: a response stream that records its first event, its end and its outcome.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use futures_util::Stream;

use super::{OpenStream, RequestOutcome, record_first_event, record_request};

/// The start of an error event's SSE frame, as the server writes it (`type` comes first).
const ERROR_FRAME: &[u8] = b"data: {\"type\":\"error\"";

/// A response stream of SSE chunks, counted in the open streams while it lives. It records
/// the time to its first chunk, and when it ends the request with its outcome: `ok`, `error`
/// when an error event went out (or the stream failed), `cancelled` when it was dropped
/// before its end (the client went away, or the server shut it down).
pub(crate) struct Metered<S> {
    inner: S,
    request_type: &'static str,
    started: Instant,
    first: bool,
    failed: bool,
    ended: bool,
    _open: OpenStream,
}

impl<S> Metered<S> {
    /// Meters `inner`, the answer to a request of `request_type` that arrived at `started`.
    pub(crate) fn new(inner: S, request_type: &'static str, started: Instant) -> Self {
        Metered {
            inner,
            request_type,
            started,
            first: true,
            failed: false,
            ended: false,
            _open: OpenStream::new(),
        }
    }
}

impl<S, E> Stream for Metered<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_next(cx);
        match &polled {
            Poll::Ready(Some(item)) => {
                if this.first {
                    this.first = false;
                    record_first_event(this.request_type, this.started.elapsed());
                }
                match item {
                    Ok(chunk) => {
                        if !this.failed
                            && chunk
                                .windows(ERROR_FRAME.len())
                                .any(|window| window == ERROR_FRAME)
                        {
                            this.failed = true;
                        }
                    }
                    Err(_) => this.failed = true,
                }
            }
            Poll::Ready(None) if !this.ended => {
                this.ended = true;
                let outcome = if this.failed {
                    RequestOutcome::Error
                } else {
                    RequestOutcome::Ok
                };
                record_request(this.request_type, outcome, this.started.elapsed());
            }
            Poll::Ready(None) | Poll::Pending => {}
        }
        polled
    }
}

impl<S> Drop for Metered<S> {
    fn drop(&mut self) {
        if !self.ended {
            record_request(
                self.request_type,
                RequestOutcome::Cancelled,
                self.started.elapsed(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_frame_is_the_server_s() {
        let event: crate::thread::ThreadStreamEvent = serde_json::from_str(
            r#"{"type":"error","code":"custom","message":"Counter overflow","allow_retry":true}"#,
        )
        .expect("an error event");
        let frame = crate::server::sse_frame(&event).expect("a frame");
        assert!(frame.starts_with(ERROR_FRAME), "{frame:?}");
    }

    #[cfg(feature = "prometheus")]
    #[tokio::test]
    async fn records_first_event_outcome_and_open_streams() {
        use std::convert::Infallible;

        use futures_util::StreamExt;

        let recorder = crate::telemetry::prometheus_recorder();
        let handle = recorder.handle();
        let _local = ::metrics::set_default_local_recorder(&recorder);
        let chunks: Vec<Result<Bytes, Infallible>> = vec![
            Ok(Bytes::from_static(b"data: {\"type\":\"thread.created\"}\n\n")),
            Ok(Bytes::from_static(
                b"data: {\"type\":\"progress_update\"}\n\ndata: {\"type\":\"error\",\"code\":\"stream.error\"}\n\n",
            )),
        ];
        let mut failing = Metered::new(
            futures_util::stream::iter(chunks),
            "threads.create",
            Instant::now(),
        );
        while failing.next().await.is_some() {}
        let ok = Metered::new(
            futures_util::stream::iter(vec![Ok::<_, Infallible>(Bytes::from_static(
                b"data: {\"type\":\"thread.updated\"}\n\n",
            ))]),
            "threads.custom_action",
            Instant::now(),
        );
        let collected: Vec<_> = ok.collect().await;
        assert_eq!(collected.len(), 1);
        let cancelled = Metered::new(
            futures_util::stream::pending::<Result<Bytes, Infallible>>(),
            "threads.add_user_message",
            Instant::now(),
        );
        let open = handle.render();
        drop(cancelled);
        drop(failing);
        let text = handle.render();
        assert!(open.contains("chatkit_open_streams 2"), "{open}");
        assert!(text.contains("chatkit_open_streams 0"), "{text}");
        for line in [
            r#"chatkit_requests_total{type="threads.create",outcome="error"} 1"#,
            r#"chatkit_requests_total{type="threads.custom_action",outcome="ok"} 1"#,
            r#"chatkit_requests_total{type="threads.add_user_message",outcome="cancelled"} 1"#,
            r#"chatkit_first_event_seconds_count{type="threads.create"} 1"#,
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }
}
