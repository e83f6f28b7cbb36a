//! The playground: a web page, served by the application itself, that shows a ChatKit thread
//! as a person sees it and the protocol as the server sees it.
//!
//! It speaks the real protocol to the application's ChatKit endpoint: it lists threads,
//! creates one, sends messages and reads the server-sent events; it renders the thread's
//! messages (Markdown) and every widget component; a click or a submit sends the widget's
//! action as ChatKit does (`threads.custom_action`, or `threads.sync_custom_action` when the
//! action's `streaming` is false), form values merged into the payload, native `required` and
//! `pattern` validation, the `loadingBehavior` shown on the node or on the widget. A side panel
//! lists every request and every event as JSON. Actions with `handler: "client"` go to the
//! page's hook, `window.chatkitPlayground.onClientAction(action, item)`, which by default
//! shows them and offers to send an action to the server (see `docs/playground.md`).
//!
//! The page is self-contained: one HTML file, one script (an ES module, no framework, no
//! build step) and one style sheet, embedded in the crate, served with a strict
//! `Content-Security-Policy` (scripts, styles and requests from the same origin only). It
//! loads nothing from elsewhere; only widget `Image`s may show pictures from `https:` URLs.
//!
//! Enable the `playground` feature and merge the router next to the endpoint:
//!
//! ```no_run
//! # use chatkit_actions::{Action, action_handler};
//! # use chatkit_actions::handler::{ActionContext, HandlerResult};
//! # use chatkit_actions::server::ChatKitServer;
//! # use chatkit_actions::store::MemoryStore;
//! # #[derive(Action, Debug)]
//! # enum AppAction { Ping }
//! # struct App;
//! # #[action_handler(AppAction)]
//! # impl App {
//! #     async fn ping(&self, cx: &mut ActionContext<()>) -> HandlerResult { Ok(()) }
//! # }
//! # async fn run() -> std::io::Result<()> {
//! let server = ChatKitServer::new(MemoryStore::new(), App);
//! let app = chatkit_actions::http::router(server, "/chatkit")
//!     .merge(chatkit_actions::playground::router("/playground", "/chatkit"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! println!("playground: http://127.0.0.1:8000/playground");
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! The playground is a development tool: it offers whatever the endpoint offers to whoever
//! can reach it, so mount it only where the endpoint itself is meant to be used freely (a
//! developer's machine), or behind the same authentication.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

/// The page, with `{{base}}` (where it is mounted) and `{{endpoint}}` left to fill in.
const INDEX_HTML: &str = include_str!("index.html");

/// The page's script: rendering, actions, the protocol panel.
pub const SCRIPT: &str = include_str!("playground.js");

/// The page's style sheet.
pub const STYLES: &str = include_str!("playground.css");

/// The `Content-Security-Policy` of every response of the playground: the page runs only its
/// own script and styles, talks only to its own origin, and shows images from its origin,
/// `data:` URLs and `https:` (widget `Image`s usually point elsewhere). Nothing may frame it,
/// and no form submits natively.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: https:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The name of the script under the mount path.
const SCRIPT_FILE: &str = "playground.js";

/// The name of the style sheet under the mount path.
const STYLES_FILE: &str = "playground.css";

/// A router serving the playground at `mount` (such as `"/playground"`), talking to the
/// ChatKit endpoint at `endpoint` (such as `"/chatkit"`, the path given to
/// [`http::router`](crate::http::router)). Merge it with the endpoint's router.
///
/// The page is at `mount` (and `mount/`), its script and style sheet at
/// `mount/playground.js` and `mount/playground.css`. Every response carries
/// [`CONTENT_SECURITY_POLICY`], `X-Content-Type-Options: nosniff`,
/// `Referrer-Policy: no-referrer` and `Cache-Control: no-cache` (the browser revalidates, so
/// an upgraded crate's page is never mixed with an old cached script).
///
/// # Panics
///
/// When `mount` does not start with `/` (axum's rule for every route).
pub fn router(mount: &str, endpoint: &str) -> Router {
    assert!(
        mount.starts_with('/'),
        "the playground's mount path must start with `/`: {mount:?}"
    );
    let base = mount.trim_end_matches('/');
    let page = Bytes::from(index_html(base, endpoint));
    let index = move || {
        let page = page.clone();
        async move { asset("text/html; charset=utf-8", page) }
    };
    let mut router = Router::new().route(&format!("{base}/"), get(index.clone()));
    if !base.is_empty() {
        router = router.route(base, get(index));
    }
    router
        .route(
            &format!("{base}/{SCRIPT_FILE}"),
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    Bytes::from_static(SCRIPT.as_bytes()),
                )
            }),
        )
        .route(
            &format!("{base}/{STYLES_FILE}"),
            get(|| async {
                asset(
                    "text/css; charset=utf-8",
                    Bytes::from_static(STYLES.as_bytes()),
                )
            }),
        )
}

/// The page of a playground mounted at `base` (without a trailing `/`) for the endpoint at
/// `endpoint`: both are written into the HTML, escaped.
pub fn index_html(base: &str, endpoint: &str) -> String {
    INDEX_HTML
        .replace("{{base}}", &escape_html(base))
        .replace("{{endpoint}}", &escape_html(endpoint))
}

/// A response of the playground: `body` as `content_type`, with the security headers.
fn asset(content_type: &'static str, body: Bytes) -> impl IntoResponse {
    let headers: [(HeaderName, HeaderValue); 5] = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, body)
}

/// `text` safe inside an HTML attribute value or element.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_its_assets_and_the_endpoint() {
        let page = index_html("/playground", "/chatkit");
        assert!(
            page.contains(r#"src="/playground/playground.js""#),
            "{page}"
        );
        assert!(
            page.contains(r#"href="/playground/playground.css""#),
            "{page}"
        );
        assert!(page.contains(r#"content="/chatkit""#), "{page}");
        assert!(!page.contains("{{"), "{page}");
    }

    #[test]
    fn paths_are_escaped() {
        let page = index_html("/p", "/chat\"><script>alert(1)</script>");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("/chat&quot;&gt;&lt;script&gt;"), "{page}");
    }

    #[test]
    fn the_script_never_parses_html() {
        // Server strings reach the page as text nodes only.
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!SCRIPT.contains(sink), "playground.js uses {sink}");
        }
        assert!(!SCRIPT.contains("eval("), "playground.js uses eval");
    }
}
