//! The ceiling of the server benchmark (`docs/benchmarks.md`): a bare axum endpoint that
//! answers every `POST /chatkit` with one fixed server-sent event of `--bytes` bytes, reading
//! the request body but parsing nothing. Whatever a ChatKit server adds on top (parsing,
//! dispatch, the store, serializing events) is measured against this. It is served as the
//! counter is, with `chatkit_actions::serve` and its default limits, so the connection
//! handling is the same on both sides.
//!
//! `cargo run --release --example ceiling -- --port 8001 --bytes 900`

use std::net::{Ipv4Addr, SocketAddr};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use clap::Parser;

/// A bare SSE endpoint at `http://127.0.0.1:PORT/chatkit`.
#[derive(Debug, Parser)]
#[command(name = "ceiling")]
struct Args {
    /// The port to listen on, on 127.0.0.1.
    #[arg(long, default_value_t = 8001)]
    port: u16,
    /// The size of the answer, in bytes (at least the frame's fixed part, about 30).
    #[arg(long, default_value_t = 900)]
    bytes: usize,
}

/// One `data: {…}\n\n` frame of exactly `bytes` bytes (or the smallest frame, if shorter).
fn frame(bytes: usize) -> Bytes {
    let head = r#"data: {"type":"padding","pad":""#;
    let tail = "\"}\n\n";
    let pad = bytes.saturating_sub(head.len() + tail.len());
    Bytes::from(format!("{head}{}{tail}", "x".repeat(pad)))
}

/// mimalloc, as a production server would pick (both benchmark servers use it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let frame = frame(args.bytes);
    let app = axum::Router::new().route(
        "/chatkit",
        post(move |_body: Bytes| {
            let frame = frame.clone();
            async move {
                // A stream of one chunk: the same framing (chunked) as the ChatKit endpoint.
                let body = Body::from_stream(futures_util::stream::once(async move {
                    Ok::<_, std::convert::Infallible>(frame)
                }));
                let response: Response = (
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/event-stream"),
                        ),
                        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                    ],
                    body,
                )
                    .into_response();
                response
            }
        }),
    );
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port))).await?;
    println!(
        "ceiling listening on http://{}/chatkit",
        listener.local_addr()?
    );
    // As the counter: `serve` sets TCP_NODELAY (no Nagle delay on small writes).
    chatkit_actions::serve::serve(
        listener,
        app,
        chatkit_actions::serve::ServeConfig::default(),
        chatkit_actions::serve::shutdown_signal(),
    )
    .await
}
