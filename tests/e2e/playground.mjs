// The playground in a real browser, against the todo backend: Playwright (playwright-core)
// driving Debian's Chromium. Run by tests/playground_e2e.rs, which starts the backend and
// checks its store afterwards:
//
//   node tests/e2e/playground.mjs <playground URL> <screenshot directory> [gallery.json]
//
// gallery.json: widget items holding every component (tests/playground_e2e.rs builds them
// with the crate's widget builders); the page shows them without a server round trip, and
// their client-handled actions check what forms collect.
//
// Chromium is $CHATKIT_CHROMIUM (default /usr/bin/chromium). The script fails (exit 1) on a
// failed assertion, on any console error, uncaught page error, failed request or HTTP error
// answer. Its last line of output is a JSON summary:
// {"thread_id": …, "attachments": {"thread_id", "png", "notes", "removed"}, "screenshots": […]}.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [url, shots, galleryFile] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node playground.mjs <playground URL> <screenshot directory> [gallery.json]");
  process.exit(2);
}
fs.mkdirSync(shots, { recursive: true });
for (const old of fs.readdirSync(shots)) {
  if (old.endsWith(".png")) fs.rmSync(path.join(shots, old));
}

const browser = await chromium.launch({
  executablePath: process.env.CHATKIT_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const problems = [];
const screenshots = [];
let page;

async function shot(name) {
  const file = path.join(shots, `${String(screenshots.length + 1).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  screenshots.push(file);
}

/** The protocol panel's entries, as the page keeps them. */
const protocol = () => page.evaluate(() => window.chatkitPlayground.log);
const requests = async () => (await protocol()).filter((entry) => entry.direction === "request");

/** Waits until no request is in flight. */
const idle = () => page.waitForFunction(() => window.chatkitPlayground?.idle === true);

/**
 * Runs `act` and waits for the requests it sends (at least `count`) to finish; returns the
 * requests sent.
 */
async function sends(act, count = 1) {
  const before = (await requests()).length;
  await act();
  await page.waitForFunction(
    ([before, count]) =>
      window.chatkitPlayground.log.filter((e) => e.direction === "request").length >= before + count,
    [before, count],
  );
  await idle();
  return (await requests()).slice(before).map((entry) => entry.body);
}

/** Runs `act` and checks that it sent nothing. */
async function sendsNothing(act) {
  const before = (await requests()).length;
  await act();
  await page.waitForTimeout(300);
  await idle();
  assert.equal((await requests()).length, before, "no request may be sent");
}

async function say(text) {
  return sends(async () => {
    await page.fill("#composer-input", text);
    await page.press("#composer-input", "Enter");
  });
}

const card = (key) => page.locator(`.ck-card[data-ck-key="${key}"]`);
const lastText = async (selector) => (await page.locator(selector).last().textContent()).trim();

/** Which elements got a loading class, recorded by an observer in the page. */
const loadingSeen = () => page.evaluate(() => window.__loadingSeen);

/** The gallery: every component rendered, every field kind collected. */
async function checkGallery(items) {
  await page.evaluate((items) => {
    window.__client = [];
    window.__defaultClientAction = window.chatkitPlayground.onClientAction;
    window.chatkitPlayground.onClientAction = async (action, item) => {
      window.__client.push({ action, item_id: item.id });
    };
    for (const item of items) window.chatkitPlayground.applyEvent({ type: "thread.item.done", item });
  }, items);
  const clientActions = () => page.evaluate(() => window.__client);

  const types = [
    "Card", "ListView", "ListViewItem", "Basic", "Box", "Row", "Col", "Form", "Title", "Caption",
    "Text", "Markdown", "Badge", "Icon", "Image", "Divider", "Spacer", "Button", "Input",
    "Textarea", "Select", "Checkbox", "RadioGroup", "DatePicker", "Label", "Table", "Table.Row",
    "Table.Cell", "Transition", "Chart",
  ];
  for (const type of types) {
    assert.ok((await page.locator(`[data-ck-type="${type}"]`).count()) > 0, `a ${type} is rendered`);
  }
  const unknown = page.locator(".ck-unknown");
  assert.equal(await unknown.count(), 1, "only the unknown component is shown as JSON");
  assert.match(await unknown.textContent(), /unknown component “Sparkline”/);

  // Markdown is built from DOM nodes: no javascript: link, no HTML from the text.
  const md = page.locator('[data-ck-type="Markdown"]');
  assert.equal(await md.locator("h4").textContent(), "Markdown", "## is the 4th level in a message");
  assert.equal(await md.locator("strong").textContent(), "bold");
  assert.equal(await md.locator("em").textContent(), "em");
  assert.equal(await md.locator("code").textContent(), "code");
  assert.equal(await md.locator("li").count(), 2);
  assert.equal(await md.locator('a[href="https://example.com/docs"]').count(), 1);
  assert.equal(await md.locator("a").count(), 1, "the javascript: link is plain text");
  assert.equal(await md.locator("img").count(), 0);
  assert.match(await md.textContent(), /, bad <img src=x onerror=alert\(1\)>/);

  const gallery = card("gallery-card");
  const email = gallery.locator('input[name="contact.email"]');
  assert.equal(
    await gallery.locator("label.ck-label-field").evaluate((label) => label.htmlFor),
    await email.evaluate((input) => input.id),
    "the Label points at its field",
  );
  await page.evaluate(() => {
    document.getElementById("items").scrollTop = 0;
  });
  await shot("gallery");

  // Required blocks the confirm; the Select's change action carries the form's values.
  await gallery.locator('[data-ck-action="confirm"]').click();
  assert.equal((await clientActions()).length, 0, "the invalid form sends nothing");
  assert.ok(await email.evaluate((input) => input.validity.valueMissing));
  await email.fill("ann@example.com");
  await gallery.locator('select[name="color"]').selectOption("green");
  let seen = await clientActions();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].action.type, "gallery.color");
  assert.equal(seen[0].action.payload.color, "green");
  assert.equal(seen[0].item_id, "gallery-0");
  await gallery.getByLabel("Subscribe").check();
  await gallery.getByLabel("Weekly").check();
  await gallery.locator('input[name="day"]').fill("2026-12-24");
  await gallery.locator('textarea[name="notes"]').fill("ring twice");
  await gallery.locator('input[name="nickname"]').fill("Annie");
  await gallery.locator('[data-ck-action="confirm"]').click();
  seen = await clientActions();
  assert.deepEqual(seen.at(-1).action, {
    type: "gallery.submit",
    payload: {
      source: "gallery", // the action's own key wins over the `source` field
      contact: { email: "ann@example.com" },
      color: "green",
      subscribe: true,
      frequency: "weekly",
      day: "2026-12-24",
      notes: "ring twice",
      nickname: "Annie",
    },
  });
  const shadowed = (await protocol()).filter((e) => e.direction === "error").at(-1);
  assert.deepEqual(shadowed.body, { fields: ["source"] });

  // A ListView's limit, and its items' actions.
  const list = page.locator('[data-ck-key="gallery-list"]');
  assert.equal(await list.locator('[data-ck-type="ListViewItem"]:visible').count(), 2);
  await list.getByRole("button", { name: "Show 1 more" }).click();
  assert.equal(await list.locator('[data-ck-type="ListViewItem"]:visible').count(), 3);
  await list.locator('[data-ck-type="ListViewItem"]').nth(2).click();
  assert.deepEqual((await clientActions()).at(-1).action, { type: "gallery.pick", payload: { id: 3 } });

  // A Form: the pattern blocks "ABC", Enter submits "abc".
  const search = page.locator('[data-ck-key="gallery-search"]');
  const before = (await clientActions()).length;
  await search.locator('input[name="q"]').fill("ABC");
  await search.getByRole("button", { name: "Search" }).click();
  assert.equal((await clientActions()).length, before);
  assert.ok(await search.locator('input[name="q"]').evaluate((input) => input.validity.patternMismatch));
  await search.locator('input[name="q"]').fill("abc");
  await search.locator('input[name="q"]').press("Enter");
  assert.deepEqual((await clientActions()).at(-1).action, { type: "gallery.search", payload: { q: "abc" } });

  // Streamed updates, applied as the server would stream them.
  const apply = (event) => page.evaluate((event) => window.chatkitPlayground.applyEvent(event), event);
  const base = { thread_id: "gallery", created_at: "2026-01-01T00:00:00Z" };
  await apply({ type: "thread.item.added", item: { ...base, type: "assistant_message", id: "stream-1", content: [] } });
  for (const delta of ["Hello, ", "**wor", "ld**"]) {
    await apply({
      type: "thread.item.updated",
      item_id: "stream-1",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta },
    });
  }
  const streamed = page.locator('[data-item-id="stream-1"]');
  assert.equal((await streamed.textContent()).trim(), "Hello, world");
  assert.equal(await streamed.locator("strong").textContent(), "world");
  await apply({
    type: "thread.item.added",
    item: { ...base, type: "widget", id: "stream-2", widget: { type: "Card", children: [{ type: "Text", id: "t", value: "Hel", streaming: true }] } },
  });
  const streamedWidget = page.locator('[data-item-id="stream-2"]');
  await apply({
    type: "thread.item.updated",
    item_id: "stream-2",
    update: { type: "widget.streaming_text.value_delta", component_id: "t", delta: "lo", done: false },
  });
  assert.equal(await streamedWidget.locator('[data-ck-id="t"]').textContent(), "Hello");
  await apply({
    type: "thread.item.updated",
    item_id: "stream-2",
    update: { type: "widget.component.updated", component_id: "t", component: { type: "Text", id: "t", value: "Replaced" } },
  });
  assert.equal(await streamedWidget.locator('[data-ck-id="t"]').textContent(), "Replaced");
  await apply({
    type: "thread.item.updated",
    item_id: "stream-2",
    update: { type: "widget.root.updated", widget: { type: "Card", children: [{ type: "Badge", label: "New root" }] } },
  });
  assert.equal(await streamedWidget.locator('[data-ck-type="Badge"]').textContent(), "New root");
  await apply({ type: "thread.item.removed", item_id: "stream-2" });
  assert.equal(await streamedWidget.count(), 0);
  await apply({ type: "error", code: "custom", message: "Boom", allow_retry: false });
  assert.equal(await page.locator(".notice-danger .markdown").last().textContent(), "Boom");
  await apply({ type: "notice", level: "info", title: "Notice", message: "**Heads up**" });
  assert.equal(await page.locator(".notice-info strong.notice-title").textContent(), "Notice");
  assert.equal(await page.locator(".notice-info .markdown strong").textContent(), "Heads up");

  // Back to a new, empty thread with the default client handler.
  await page.evaluate(() => {
    window.chatkitPlayground.onClientAction = window.__defaultClientAction;
  });
  await page.click("#new-thread");
  assert.equal(await page.locator("#items > *").count(), 0);
}

/** A 1×1 PNG (tests/playground_e2e.rs checks these bytes on the server's disk). */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const NOTES = Buffer.from("Milk, oats and bread.\n");

/**
 * Attachments: a PNG and two text files attached through the composer's file input (the
 * two-phase upload: `attachments.create`, then the bytes to the upload URL), shown pending,
 * one removed (`attachments.delete`), the others sent with a message and shown in the thread.
 * Returns the ids for the store checks.
 */
async function checkAttachments() {
  await page.click("#new-thread");
  // The uploads as the network sees them (Chromium does not report a file body there) and
  // their form bodies as the page hands them to fetch.
  const uploads = [];
  const onRequest = (request) => {
    if (request.url().includes("/attachments/")) {
      uploads.push({ url: request.url(), method: request.method(), contentType: request.headers()["content-type"] || "" });
    }
  };
  page.on("request", onRequest);
  await page.evaluate(() => {
    window.__forms = [];
    const original = window.fetch;
    window.fetch = async (input, init) => {
      if (init?.body instanceof FormData) {
        const file = init.body.get("file");
        window.__forms.push({
          url: new URL(String(input), document.baseURI).href,
          fields: [...init.body.keys()],
          name: file?.name,
          type: file?.type,
          bytes: file ? btoa(String.fromCharCode(...new Uint8Array(await file.arrayBuffer()))) : null,
        });
      }
      return original(input, init);
    };
  });
  const pendingItems = page.locator("#pending-attachments .pending-attachment");
  const sent = await sends(
    () =>
      page.setInputFiles("#attach-input", [
        { name: "pixel.png", mimeType: "image/png", buffer: PNG },
        { name: "notes.txt", mimeType: "text/plain", buffer: NOTES },
        { name: "extra.txt", mimeType: "text/plain", buffer: Buffer.from("not this one\n") },
      ]),
    6,
  );
  await page.waitForFunction(() =>
    window.chatkitPlayground.pendingAttachments.length === 3 &&
    window.chatkitPlayground.pendingAttachments.every((pending) => pending.status === "ready"),
  );
  page.off("request", onRequest);

  // The requests: three `attachments.create` with name, size and type, three uploads.
  const creates = sent.filter((body) => body.type === "attachments.create");
  assert.deepEqual(
    creates.map((body) => body.params).sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: "extra.txt", size: 13, mime_type: "text/plain" },
      { name: "notes.txt", size: NOTES.length, mime_type: "text/plain" },
      { name: "pixel.png", size: PNG.length, mime_type: "image/png" },
    ],
  );
  const pending = await page.evaluate(() => window.chatkitPlayground.pendingAttachments);
  const byName = Object.fromEntries(pending.map((p) => [p.name, p.attachment]));
  assert.equal(byName["pixel.png"].type, "image");
  assert.equal(byName["notes.txt"].type, "file");
  const uploadRequests = uploads.filter((upload) => upload.url.includes("/upload?token="));
  assert.equal(uploadRequests.length, 3, "one upload per file");
  const forms = await page.evaluate(() => window.__forms);
  for (const [name, bytes, type] of [["pixel.png", PNG, "image/png"], ["notes.txt", NOTES, "text/plain"]]) {
    const target = new URL(byName[name].upload_descriptor.url, url).href;
    const upload = uploadRequests.find((u) => u.url === target);
    assert.ok(upload, `the upload of ${name} went to its upload URL`);
    assert.equal(upload.method, byName[name].upload_descriptor.method);
    assert.match(upload.contentType, /^multipart\/form-data; boundary=/);
    assert.deepEqual(
      forms.filter((form) => form.url === target),
      [{ url: target, fields: ["file"], name, type, bytes: bytes.toString("base64") }],
      `the form of ${name}: its bytes as the "file" field`,
    );
  }

  // Pending: names, the image's preview (loaded from the server), a remove button each.
  assert.equal(await pendingItems.count(), 3);
  const names = await page.locator("#pending-attachments .attachment-name").allTextContents();
  assert.deepEqual([...names].sort(), ["extra.txt", "notes.txt", "pixel.png"]);
  const preview = page.locator("#pending-attachments img");
  assert.equal(await preview.count(), 1, "a preview for the image only");
  assert.equal(await preview.getAttribute("alt"), "pixel.png");
  await page.waitForFunction(() => {
    const img = document.querySelector("#pending-attachments img");
    return img?.complete && img.naturalWidth === 1;
  });
  await shot("attachments-pending");

  // One removed: `attachments.delete`, and gone from the composer.
  const extra = byName["extra.txt"];
  const removed = await sends(() =>
    page.locator(`#pending-attachments [data-attachment-id="${extra.id}"] button.remove`).click(),
  );
  assert.deepEqual(removed, [{ type: "attachments.delete", params: { attachment_id: extra.id } }]);
  assert.equal(await pendingItems.count(), 2);

  // The direct flow (ChatKit's `{type: "direct", uploadUrl}`): the form posted to the upload
  // URL, which answers the attachment; removed again.
  await page.evaluate(() => {
    window.chatkitPlayground.uploadStrategy = { type: "direct", uploadUrl: "/attachments" };
  });
  const direct = await sends(
    () => page.setInputFiles("#attach-input", [{ name: "direct.md", mimeType: "text/markdown", buffer: Buffer.from("# Direct\n") }]),
    1,
  );
  assert.deepEqual(
    direct,
    [{ url: "/attachments", method: "POST", name: "direct.md", size: 9, mime_type: "text/markdown" }],
    "one upload, no attachments.create",
  );
  await page.waitForFunction(() => window.chatkitPlayground.pendingAttachments.length === 3);
  const directForm = (await page.evaluate(() => window.__forms)).at(-1);
  assert.deepEqual(directForm, {
    url: new URL("/attachments", url).href,
    fields: ["file"],
    name: "direct.md",
    type: "text/markdown",
    bytes: Buffer.from("# Direct\n").toString("base64"),
  });
  const directAttachment = (await page.evaluate(() => window.chatkitPlayground.pendingAttachments)).find(
    (p) => p.name === "direct.md",
  ).attachment;
  assert.equal(directAttachment.type, "file");
  assert.equal(directAttachment.mime_type, "text/markdown");
  assert.match(directAttachment.id, /^atc_/);
  const removedDirect = await sends(() =>
    page.locator(`#pending-attachments [data-attachment-id="${directAttachment.id}"] button.remove`).click(),
  );
  assert.deepEqual(removedDirect, [{ type: "attachments.delete", params: { attachment_id: directAttachment.id } }]);
  await page.evaluate(() => {
    window.chatkitPlayground.uploadStrategy = { type: "two_phase" };
  });
  assert.equal(await pendingItems.count(), 2);

  // Sent with the message: their ids in the input, in the order attached.
  const order = (await page.evaluate(() => window.chatkitPlayground.pendingAttachments)).map((p) => p.attachment.id);
  assert.deepEqual([...order].sort(), [byName["pixel.png"].id, byName["notes.txt"].id].sort());
  const message = await say("Here is the list");
  assert.equal(message[0].type, "threads.create");
  assert.deepEqual(message[0].params.input, {
    content: [{ type: "input_text", text: "Here is the list" }],
    attachments: order,
    inference_options: {},
  });
  assert.equal(await pendingItems.count(), 0, "the composer is empty again");
  assert.ok(await page.locator("#pending-attachments").isHidden());

  // In the thread: the image through its preview URL, the text file as a labelled chip.
  const user = page.locator(".item-user").last();
  const image = user.locator(`.attachment-image[data-attachment-id="${byName["pixel.png"].id}"] img`);
  await image.waitFor();
  assert.equal(await image.getAttribute("alt"), "pixel.png");
  assert.match(await image.getAttribute("src"), /\/attachments\/atc_[0-9a-f]+\/preview\?token=/);
  await page.waitForFunction(() => {
    const img = [...document.querySelectorAll(".item-user .attachment-image img")].pop();
    return img?.complete && img.naturalWidth === 1;
  });
  const chip = user.locator(`.attachment-file[data-attachment-id="${byName["notes.txt"].id}"]`);
  assert.equal(await chip.locator(".attachment-icon").textContent(), "TXT");
  assert.equal(await chip.locator(".attachment-name").textContent(), "notes.txt");
  assert.equal(await chip.locator(".attachment-meta").textContent(), "text/plain");
  const threadItem = (await page.evaluate(() => window.chatkitPlayground.items)).find((item) => item.type === "user_message");
  assert.deepEqual(threadItem.attachments.map((a) => a.id), order);
  await shot("attachments-sent");

  return {
    thread_id: await page.evaluate(() => window.chatkitPlayground.threadId),
    png: byName["pixel.png"].id,
    notes: byName["notes.txt"].id,
    removed: extra.id,
  };
}

try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });

  // The page and its first request -------------------------------------------------------
  await page.goto(url);
  await idle();
  assert.equal(await page.title(), "ChatKit playground");
  assert.equal(await page.textContent("#endpoint-path"), "/chatkit");
  const first = await requests();
  assert.deepEqual(first.map((e) => e.body), [{ type: "threads.list", params: { limit: 20, order: "desc" } }]);
  assert.equal(await page.locator("#thread-list li").count(), 0, "a new store has no thread");
  await page.evaluate(() => {
    window.__loadingSeen = [];
    new MutationObserver((records) => {
      for (const record of records) {
        const node = record.target;
        for (const name of ["ck-loading", "ck-loading-container"]) {
          if (node.classList.contains(name)) {
            window.__loadingSeen.push({ class: name, key: node.dataset.ckKey || null, type: node.dataset.ckType || node.className });
          }
        }
      }
    }).observe(document.getElementById("items"), { attributes: true, attributeFilter: ["class"], subtree: true });
  });
  await shot("empty");
  if (galleryFile) await checkGallery(JSON.parse(fs.readFileSync(galleryFile, "utf8")));

  // A todo added by message ---------------------------------------------------------------
  let sent = await say("add Buy milk");
  assert.equal(sent[0].type, "threads.create");
  assert.deepEqual(sent[0].params.input.content, [{ type: "input_text", text: "add Buy milk" }]);
  assert.equal(await lastText(".item-user"), "add Buy milk");
  assert.equal(await lastText(".item-assistant"), "Added todo #1: “Buy milk”.");
  await card("todo-1").waitFor();
  assert.equal(await card("todo-1").locator('[data-ck-type="Caption"]').textContent(), "Todo #1");
  assert.equal(await card("todo-1").locator('[data-ck-type="Badge"]').textContent(), "Open");
  assert.equal(await card("todo-1").locator('input[name="title"]').inputValue(), "Buy milk");
  const threadId = await page.evaluate(() => window.chatkitPlayground.threadId);
  assert.match(threadId, /^thr_/);
  await page.waitForFunction(() => document.querySelectorAll("#thread-list li").length === 1);
  assert.equal(await page.textContent("#thread-title"), "Todos");

  // A widget Button: the list's toggle, a synchronous action -----------------------------
  await say("list");
  const list = page.locator('[data-ck-key="todo-list"]');
  await list.waitFor();
  assert.equal(await list.locator('[data-ck-key="title"]').textContent(), "#1 Buy milk");
  const listItemId = await list.evaluate((node) => node.closest("[data-item-id]").dataset.itemId);
  sent = await sends(() => list.locator('[data-ck-key="toggle"]').click());
  assert.deepEqual(sent, [
    {
      type: "threads.sync_custom_action",
      params: { thread_id: threadId, action: { type: "toggle", payload: { id: 1 } }, item_id: listItemId },
    },
  ]);
  const answer = (await protocol()).filter((e) => e.direction === "response").at(-1);
  assert.equal(answer.body.updated_item.id, listItemId, "the list comes back redrawn");
  assert.equal(await list.locator('[data-ck-key="toggle"]').textContent(), "Reopen");
  assert.ok(await list.locator('[data-ck-key="title"]').evaluate((n) => n.classList.contains("ck-line-through")));
  assert.equal(await list.locator(".ck-status").textContent(), "Todos · 0 open · 1 done");
  await shot("list-toggled");
  await sends(() => list.locator('[data-ck-key="toggle"]').click());
  assert.equal(await list.locator('[data-ck-key="toggle"]').textContent(), "Done");

  // The edit Form: one submission the pattern blocks, then a real one ---------------------
  const todo1 = card("todo-1").first();
  const todo1Item = await todo1.evaluate((node) => node.closest("[data-item-id]").dataset.itemId);
  await todo1.locator('input[name="title"]').fill("   ");
  await sendsNothing(() => todo1.locator('[data-ck-key="save"]').click());
  const title = todo1.locator('input[name="title"]');
  assert.ok(await title.evaluate((n) => n.validity.patternMismatch), "the pattern rejects a blank title");
  const blocked = (await protocol()).at(-1);
  assert.equal(blocked.direction, "note");
  assert.equal(blocked.title, "update_todo: not sent, the form is invalid");
  assert.equal(blocked.body.field, "title");
  await shot("form-pattern-blocked");

  await title.fill("Buy oat milk");
  await todo1.locator('input[name="description"]').fill("2 litres");
  sent = await sends(() => todo1.locator('[data-ck-key="save"]').click());
  assert.deepEqual(sent, [
    {
      type: "threads.custom_action",
      params: {
        thread_id: threadId,
        action: { type: "update_todo", payload: { id: 1, title: "Buy oat milk", description: "2 litres" } },
        item_id: todo1Item,
      },
    },
  ]);
  const events = (await protocol()).filter((e) => e.direction === "event").map((e) => e.body);
  const replaced = events.findLast((e) => e.type === "thread.item.replaced");
  assert.equal(replaced.item.id, todo1Item);
  assert.equal(await card("todo-1").first().locator('input[name="title"]').inputValue(), "Buy oat milk");
  assert.equal(await card("todo-1").first().locator('input[name="description"]').inputValue(), "2 litres");
  assert.equal(await lastText(".item-assistant"), "You have 1 todo open.");
  assert.ok(
    (await loadingSeen()).some((seen) => seen.class === "ck-loading" && seen.key === "save"),
    "the Save button shows the loading state (auto → self)",
  );

  // A Card acting as a form, with confirm ---------------------------------------------------
  await say("add");
  const newCard = card("todo-new");
  await newCard.waitFor();
  const newItem = await newCard.evaluate((node) => node.closest("[data-item-id]").dataset.itemId);
  await sendsNothing(() => newCard.locator('[data-ck-action="confirm"]').click());
  assert.ok(await newCard.locator('input[name="title"]').evaluate((n) => n.validity.valueMissing));
  await newCard.locator('input[name="title"]').fill("Call Anna");
  await newCard.locator('textarea[name="description"]').fill("about the party");
  await shot("card-form-filled");
  sent = await sends(() => newCard.locator('[data-ck-action="confirm"]').click());
  assert.deepEqual(sent, [
    {
      type: "threads.custom_action",
      params: {
        thread_id: threadId,
        action: { type: "add_todo", payload: { title: "Call Anna", description: "about the party" } },
        item_id: newItem,
      },
    },
  ]);
  const todo2 = page.locator(`[data-item-id="${newItem}"] .ck-card[data-ck-key="todo-2"]`);
  await todo2.waitFor();
  assert.equal(await todo2.locator('[data-ck-type="Caption"]').textContent(), "Todo #2");
  assert.ok(
    (await loadingSeen()).some((seen) => seen.class === "ck-loading-container"),
    "the card fades while its confirm action runs (auto → container)",
  );

  // A client-handled action, then a server action chained after it ---------------------------
  await sendsNothing(() => todo2.locator('[data-ck-key="copy"]').click());
  const clientAction = page.locator("#client-actions .client-action");
  await clientAction.waitFor();
  assert.deepEqual(JSON.parse(await clientAction.locator("textarea").inputValue()), {
    type: "copy_title",
    payload: { title: "Call Anna" },
  });
  await shot("client-action");
  await clientAction.locator("textarea").fill('{"type": "select_todo", "payload": {"id": 2}}');
  await clientAction.locator('input[type="checkbox"]').uncheck();
  sent = await sends(() => clientAction.getByRole("button", { name: "Send to server" }).click());
  assert.deepEqual(sent, [
    {
      type: "threads.custom_action",
      params: { thread_id: threadId, action: { type: "select_todo", payload: { id: 2 } } },
    },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('.ck-card[data-ck-key="todo-2"]').length === 2);
  assert.equal(await page.locator("#client-actions .client-action").count(), 0);

  // A streamed Button action: complete todo #2 from its newest card ------------------------
  sent = await sends(() => card("todo-2").last().locator('[data-ck-key="complete"]').click());
  assert.equal(sent[0].params.action.type, "complete");
  assert.equal(await lastText(".item-assistant"), "Done: “Call Anna”. 1 open todo left.");
  assert.equal(await card("todo-2").last().locator('[data-ck-type="Badge"]').textContent(), "Done");
  assert.ok(
    (await loadingSeen()).some((seen) => seen.class === "ck-loading" && seen.key === "complete"),
    "Mark done shows the loading state on the button (loadingBehavior self)",
  );
  await shot("completed");

  // A Card's cancel: "clear done" asks first; "Keep them" dismisses the card ---------------
  await say("clear done");
  const confirmCard = card("todo-clear-done");
  await confirmCard.waitFor();
  assert.equal(await confirmCard.locator('[data-ck-type="Title"]').textContent(), "Clear done todos?");
  const confirmItem = await confirmCard.evaluate((node) => node.closest("[data-item-id]").dataset.itemId);
  sent = await sends(() => confirmCard.locator('[data-ck-action="cancel"]').click());
  assert.deepEqual(sent, [
    {
      type: "threads.custom_action",
      params: { thread_id: threadId, action: { type: "dismiss", payload: {} }, item_id: confirmItem },
    },
  ]);
  assert.equal(await page.locator(`[data-item-id="${confirmItem}"] [data-ck-type="Text"]`).textContent(), "Cancelled.");

  // The thread again, from the store: more than one page of items ---------------------------
  for (let i = 0; i < 5; i += 1) await say("help");
  assert.match(await page.locator(".item-assistant").last().textContent(), /I keep a todo list/);
  assert.equal(await page.locator(".item-assistant").last().locator("li").count(), 5, "help's Markdown list");
  const shown = await page.evaluate(() => window.chatkitPlayground.items.map((item) => item.id));
  assert.ok(shown.length > 20, `${shown.length} items: more than get_by_id's first page`);
  await page.reload();
  await idle();
  sent = await sends(() => page.locator("#thread-list .thread-link").first().click(), 2);
  assert.deepEqual(sent.map((body) => body.type), ["threads.get_by_id", "items.list"]);
  const reloaded = await page.evaluate(() => window.chatkitPlayground.items.map((item) => item.id));
  assert.deepEqual(reloaded, shown, "the reloaded thread shows the same items");
  assert.equal(await card("todo-2").last().locator('[data-ck-type="Badge"]').textContent(), "Done");
  assert.equal(await page.locator('.ck-card[data-ck-key="todo-1"] input[name="title"]').first().inputValue(), "Buy oat milk");
  await shot("reloaded");

  // Request headers: as another user (the todo backend's x-user-id), no thread is visible.
  await page.click("#headers-toggle");
  await page.fill("#headers-input", "not json");
  await sendsNothing(() => page.click('#headers-panel button[type="submit"]'));
  assert.match(await page.textContent("#headers-error"), /not JSON/);
  await page.fill("#headers-input", '{"x-user-id": "bob"}');
  await shot("headers");
  sent = await sends(() => page.click('#headers-panel button[type="submit"]'));
  assert.deepEqual(sent.map((body) => body.type), ["threads.list"]);
  assert.equal(await page.locator("#thread-list li").count(), 0, "bob sees none of anonymous's threads");
  assert.equal(await page.textContent("#headers-toggle"), "Headers (1)");
  await page.reload();
  await idle();
  assert.equal(await page.locator("#thread-list li").count(), 0, "the headers are kept across a reload");
  await page.click("#headers-toggle");
  await sends(async () => {
    await page.fill("#headers-input", "");
    await page.click('#headers-panel button[type="submit"]');
  });
  assert.equal(await page.locator("#thread-list li").count(), 1);
  assert.equal(await page.textContent("#headers-toggle"), "Headers");

  const attachments = await checkAttachments();

  assert.deepEqual(problems, [], "the page ran without errors");
  console.log(JSON.stringify({ thread_id: threadId, attachments, screenshots }));
} catch (error) {
  if (page) await shot("failure").catch(() => {});
  console.error(error);
  if (problems.length) console.error(`problems:\n${problems.join("\n")}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
