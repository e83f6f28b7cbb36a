//! The playground (`chatkit_actions::playground`) as the todo backend serves it: the route
//! itself over HTTP (content types, security headers, same-origin assets), and the page in
//! headless Chromium driven by Playwright (`tests/e2e/playground.mjs`), after which the store
//! must hold what the clicks did (attachments included: the message's attachment in the
//! SQLite store, its bytes in the attachment directory).
//!
//! The browser test runs when `CHATKIT_CHROMIUM` names the Chromium binary: `scripts/test.sh`
//! sets it after `scripts/browser.sh` installed Chromium and `playwright-core`. Screenshots go
//! to `target/playground-screenshots/`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chatkit_actions::attachments::{LocalDisk, UploadStore};
use chatkit_actions::playground::CONTENT_SECURITY_POLICY;
use chatkit_actions::store::MemoryStore;
use chatkit_actions::thread::{Attachment, SortOrder, ThreadItem};
use chatkit_actions::widget::{
    Badge, BadgeColor, BadgeVariant, Basic, Box, Button, Caption, Card, Chart, ChartValue,
    Checkbox, Col, DatePicker, Direction, Divider, EditableProps, Form, Icon, Image, Input,
    InputType, Label, ListView, ListViewItem, Markdown, RadioGroup, RadioOption, Row, Select,
    SelectOption, Series, Spacer, Table, TableCell, TableRow, Text, Textarea, Title, TitleSize,
    Transition, WidgetRoot, WidgetStatus,
};
use chatkit_actions::{ActionConfig, Handler, LoadingBehavior};
use chatkit_examples::todo::server::{
    ATTACHMENTS, SharedStore, open_store, start_with_uploads, upload_policy,
};
use chatkit_examples::todo::state::TodoList;
use chatkit_examples::todo::{RunningServer, Session, start};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

async fn serve(store: SharedStore) -> RunningServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    start(listener, store, 0).expect("start the todo backend")
}

/// A GET: status, `Content-Type`, `Content-Security-Policy` and body.
async fn get(url: &str) -> (StatusCode, Option<String>, Option<String>, String) {
    let response = reqwest::get(url)
        .await
        .expect("the request reaches the server");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let csp = header("content-security-policy");
    let status = response.status();
    let body = response.text().await.expect("a text body");
    (status, content_type, csp, body)
}

/// The values of `attribute="…"` in `html`.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!(" {attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_same_origin_with_a_strict_policy() {
    let server = serve(Arc::new(MemoryStore::new())).await;
    let page_url = server.playground_url();
    let origin = format!("http://{}", server.addr());

    for url in [page_url.clone(), format!("{page_url}/")] {
        let (status, content_type, csp, html) = get(&url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
        assert_eq!(csp.as_deref(), Some(CONTENT_SECURITY_POLICY));
        assert!(
            html.contains(r#"<meta name="chatkit-endpoint" content="/chatkit">"#),
            "the page names the endpoint: {html}"
        );

        // Every script and style sheet is one of the page's own, on this origin; the only
        // other reference is the empty `data:` favicon (no request at all).
        let scripts = attribute_values(&html, "src");
        let links = attribute_values(&html, "href");
        assert_eq!(scripts, ["/playground/playground.js"]);
        assert_eq!(links, ["data:,", "/playground/playground.css"]);
        assert!(!html.contains("http://") && !html.contains("https://"));
    }

    for (path, content_type, marker) in [
        (
            "/playground/playground.js",
            "text/javascript; charset=utf-8",
            "window.chatkitPlayground",
        ),
        (
            "/playground/playground.css",
            "text/css; charset=utf-8",
            ".ck-card",
        ),
    ] {
        let (status, served_type, csp, body) = get(&format!("{origin}{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(served_type.as_deref(), Some(content_type), "{path}");
        assert_eq!(csp.as_deref(), Some(CONTENT_SECURITY_POLICY), "{path}");
        assert!(body.contains(marker), "{path}");
        // Nothing is fetched from elsewhere: no absolute URL but in comments or the
        // link checks of the Markdown renderer.
        assert!(
            !body.contains("//cdn") && !body.contains("@import"),
            "{path}"
        );
    }

    let (status, ..) = get(&format!("{origin}/playground/missing.js")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page's other headers.
    let response = reqwest::get(&page_url).await.expect("the page");
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
    assert!(CONTENT_SECURITY_POLICY.contains("connect-src 'self'"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-"));

    server.stop().await.expect("the server stops");
}

/// A SQLite database file in the temp directory, removed on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> TempDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "chatkit-playground-{}-{}.db",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The attachment directory next to a [`TempDb`], removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn next_to(db: &TempDb) -> TempDir {
        let mut path = db.0.clone().into_os_string();
        path.push("-attachments");
        let dir = TempDir(PathBuf::from(path));
        let _ = std::fs::remove_dir_all(&dir.0);
        dir
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The 1×1 PNG the browser attaches (`tests/e2e/playground.mjs` has it in base64).
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\xfc\xcf\xc0\x50\x0f\x00\x04\x85\x01\x80\x84\xa9\x8c\x21\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
/// The text file the browser attaches.
const NOTES_TXT: &str = "Milk, oats and bread.\n";

/// A client-handled action (the gallery's actions never reach a server).
fn client(action_type: &str) -> ActionConfig {
    ActionConfig::new(action_type).handler(Handler::Client)
}

/// The gallery card: a Card acting as a form, with every display component and every kind
/// of field.
fn gallery_card() -> Card {
    let card = Card::new()
        .key("gallery-card")
        .as_form(true)
        .status(WidgetStatus::new("Every field kind"))
        .child(Title::new("Widget gallery").size(TitleSize::Lg))
        .child(Caption::new("Built with chatkit_actions::widget"))
        .child(
            Row::new()
                .gap(2)
                .child(Badge::new("success").color(BadgeColor::Success))
                .child(
                    Badge::new("solid")
                        .color(BadgeColor::Discovery)
                        .variant(BadgeVariant::Solid),
                )
                .child(Icon::new("star-filled"))
                .child(Spacer::new())
                .child(Text::new("struck").line_through(true).color("secondary")),
        )
        .child(Markdown::new(
            "## Markdown\n**bold**, *em*, `code`, [docs](https://example.com/docs), \
             [bad](javascript:alert(1)) <img src=x onerror=alert(1)>\n- one\n- two",
        ))
        .child(Image::new(
            "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='120' height='24'%3E%3Crect width='120' height='24' fill='%232563eb'/%3E%3C/svg%3E",
        ).alt("a blue bar"))
        .child(Divider::new());
    with_fields(card)
}

/// Adds one field of each kind (and a Table, a Transition, a Chart, a Box) to `card`.
fn with_fields(card: Card) -> Card {
    card.child(Label::new("Email", "contact.email"))
        .child(
            Input::new("contact.email")
                .input_type(InputType::Email)
                .required(true)
                .placeholder("name@example.com"),
        )
        .child(Input::new("source").default_value("form"))
        .child(
            Select::new("color")
                .placeholder("Colour")
                .option(SelectOption::new("red", "Red"))
                .option(SelectOption::new("green", "Green"))
                .on_change_action(client("gallery.color").loading_behavior(LoadingBehavior::None)),
        )
        .child(Checkbox::new("subscribe").label("Subscribe"))
        .child(
            RadioGroup::new("frequency")
                .direction(Direction::Row)
                .option(RadioOption::new("daily", "Daily"))
                .option(RadioOption::new("weekly", "Weekly")),
        )
        .child(DatePicker::new("day").placeholder("Day"))
        .child(Textarea::new("notes").placeholder("Notes"))
        .child(Text::new("Ann").editable(EditableProps::new("nickname")))
        .child(
            Table::new()
                .child(
                    TableRow::new()
                        .header(true)
                        .child(TableCell::new().child(Text::new("Name")))
                        .child(TableCell::new().child(Text::new("Qty"))),
                )
                .child(
                    TableRow::new()
                        .child(TableCell::new().child(Text::new("Milk")))
                        .child(TableCell::new().child(Text::new("2"))),
                ),
        )
        .child(Transition::new(Text::new("inside a transition")))
        .child(
            Chart::new("month")
                .row([("month", ChartValue::from("Jan")), ("sales", 3.into())])
                .row([("month", ChartValue::from("Feb")), ("sales", 5.into())])
                .series(Series::bar("Sales", "sales")),
        )
        .child(Box::new().child(Col::new().child(Text::new("box › col"))))
        .confirm(
            "Submit",
            client("gallery.submit").payload(json!({ "source": "gallery" })),
        )
        .cancel("Cancel", client("gallery.cancel"))
}

/// Widget items holding every component of the widget module, built with its builders (so the
/// page is checked against the crate's field names), and one unknown component.
fn gallery() -> Value {
    let form_card = gallery_card();

    let list = ListView::new()
        .key("gallery-list")
        .limit(2)
        .children((1..=3).map(|id| {
            ListViewItem::new()
                .on_click_action(client("gallery.pick").payload(json!({ "id": id })))
                .child(Text::new(format!("Row {id}")))
        }));

    let search = Basic::new().child(
        Form::new()
            .key("gallery-search")
            .direction(Direction::Row)
            .gap(2)
            .on_submit_action(client("gallery.search"))
            .child(Input::new("q").required(true).pattern("[a-z]+"))
            .child(Button::new("Search").submit(true)),
    );

    let mut items: Vec<Value> = [
        WidgetRoot::from(form_card),
        WidgetRoot::from(list),
        WidgetRoot::from(search),
    ]
    .into_iter()
    .enumerate()
    .map(|(index, widget)| {
        json!({
            "type": "widget",
            "id": format!("gallery-{index}"),
            "thread_id": "gallery",
            "created_at": "2026-01-01T00:00:00Z",
            "widget": widget,
        })
    })
    .collect();
    // A component this page does not know: shown as labelled JSON, not dropped.
    if let Some(children) = items[0]["widget"]["children"].as_array_mut() {
        children.push(json!({ "type": "Sparkline", "values": [1, 3, 2] }));
    }
    Value::Array(items)
}

/// Runs `tests/e2e/playground.mjs` against the playground at `url` with `chromium`.
fn run_playwright(url: &str, chromium: &std::ffi::OsStr) -> std::process::Output {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e2e = root.join("tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed in {}: run scripts/browser.sh",
        e2e.display()
    );
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let screenshots = target.join("playground-screenshots");
    let gallery_file = target.join("playground-gallery.json");
    std::fs::create_dir_all(&target).expect("create the target directory");
    std::fs::write(&gallery_file, gallery().to_string()).expect("write the widget gallery");
    Command::new("node")
        .arg(e2e.join("playground.mjs"))
        .arg(url)
        .arg(&screenshots)
        .arg(&gallery_file)
        .env("CHATKIT_CHROMIUM", chromium)
        .output()
        .expect("run node (is Node.js installed?)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_drives_the_todo_backend_in_chromium() {
    let Some(chromium) = std::env::var_os("CHATKIT_CHROMIUM") else {
        println!(
            "skipped: CHATKIT_CHROMIUM is not set (run scripts/browser.sh, then set it to the Chromium it prints)"
        );
        return;
    };
    let db = TempDb::new();
    let store: SharedStore = Arc::new(
        open_store(db.0.to_str().expect("a UTF-8 temp path")).expect("open the SQLite store"),
    );
    // Attachments on disk next to the SQLite file, as the todo backend keeps them.
    let attachment_dir = TempDir::next_to(&db);
    let uploads = UploadStore::new(
        LocalDisk::new(&attachment_dir.0).expect("an attachment directory"),
        upload_policy(ATTACHMENTS),
    );
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let server =
        start_with_uploads(listener, Arc::clone(&store), uploads).expect("start the todo backend");
    let url = server.playground_url();
    let output = tokio::task::spawn_blocking(move || run_playwright(&url, &chromium))
        .await
        .expect("the browser task");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser test failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    // What the clicks did, as the store holds it.
    let summary: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("a JSON summary as the last line:\n{stdout}"));
    let thread_id = summary["thread_id"].as_str().expect("the thread's id");
    let session = Session::new("anonymous").expect("a valid user id");
    let thread = store
        .load_thread(thread_id, &session)
        .await
        .expect("the page's thread is stored");
    assert_eq!(thread.title.as_deref(), Some("Todos"));
    let list = TodoList::load(&thread.metadata);
    let todos: Vec<_> = list
        .iter()
        .map(|todo| {
            (
                todo.id,
                todo.title.as_str(),
                todo.description.as_str(),
                todo.done,
            )
        })
        .collect();
    assert_eq!(
        todos,
        [
            // Added by message, toggled twice in the list, edited through the form.
            (1, "Buy oat milk", "2 litres", false),
            // Added through the card acting as a form, completed with its button.
            (2, "Call Anna", "about the party", true),
        ]
    );

    let items = store
        .load_thread_items(thread_id, None, 100, SortOrder::Asc, &session)
        .await
        .expect("the thread's items")
        .data;
    let notes: Vec<String> = items
        .iter()
        .filter(|item| item.is_hidden())
        .map(|item| serde_json::to_string(item).expect("an item serializes"))
        .collect();
    for what in [
        "Checked todo #1",
        "Reopened todo #1",
        "Edited todo #1: title “Buy oat milk”, description “2 litres”",
        "Added todo #2 “Call Anna”",
        "Opened todo #2 “Call Anna”",
        "Completed todo #2 “Call Anna”",
        "Dismissed a card without changing anything",
    ] {
        assert!(
            notes.iter().any(|note| note.contains(what)),
            "no note of “{what}” in {notes:#?}"
        );
    }
    // The client-handled action never reached the server.
    assert!(
        !notes.iter().any(|note| note.contains("copy")),
        "{notes:#?}"
    );
    check_attachments(&store, &session, &summary["attachments"], &attachment_dir.0).await;

    let shots = summary["screenshots"].as_array().map_or(0, Vec::len);
    assert!(shots >= 8, "screenshots: {summary}");

    server.stop().await.expect("the server stops");
}

/// What the page's attachments left on the server: the message of the attachment thread
/// carries the PNG and the text file, both linked to that thread in the store, their bytes on
/// disk exactly as the browser sent them; the attachment removed before sending is gone from
/// the store and the disk.
async fn check_attachments(
    store: &SharedStore,
    session: &Session,
    summary: &Value,
    dir: &std::path::Path,
) {
    let thread_id = summary["thread_id"]
        .as_str()
        .expect("the attachment thread");
    let png_id = summary["png"].as_str().expect("the PNG's id");
    let notes_id = summary["notes"].as_str().expect("the text file's id");
    let removed_id = summary["removed"].as_str().expect("the removed file's id");

    let items = store
        .load_thread_items(thread_id, None, 100, SortOrder::Asc, session)
        .await
        .expect("the attachment thread's items")
        .data;
    let message = items
        .iter()
        .find_map(|item| match item {
            ThreadItem::UserMessage(message) => Some(message),
            _ => None,
        })
        .expect("a user message");
    let ids: Vec<&str> = message.attachments.iter().map(Attachment::id).collect();
    assert_eq!(ids, [png_id, notes_id], "the message's attachments");
    assert_eq!(message.text(), "Here is the list");
    assert!(matches!(message.attachments[0], Attachment::Image(_)));
    assert!(matches!(message.attachments[1], Attachment::File(_)));

    for (id, name, mime_type, bytes) in [
        (png_id, "pixel.png", "image/png", PNG),
        (notes_id, "notes.txt", "text/plain", NOTES_TXT.as_bytes()),
    ] {
        let stored = store
            .load_attachment(id, session)
            .await
            .expect("the attachment is in the store");
        assert_eq!(stored.name(), name);
        assert_eq!(stored.mime_type(), mime_type);
        assert_eq!(
            stored.thread_id(),
            Some(thread_id),
            "{id} is linked to the thread"
        );
        assert!(
            stored.upload_descriptor().is_none(),
            "{id}: the upload URL is cleared once used"
        );
        let on_disk = std::fs::read(dir.join(id).join("data")).expect("the bytes are on disk");
        assert_eq!(on_disk, bytes, "{id}'s bytes");
    }
    assert!(
        store.load_attachment(removed_id, session).await.is_err(),
        "the removed attachment is not in the store"
    );
    assert!(
        !dir.join(removed_id).exists(),
        "the removed attachment's bytes are gone"
    );
}
