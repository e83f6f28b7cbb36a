// The ChatKit playground: a thread as a person sees it, the protocol as the server sees it.
//
// Plain ES module, no dependency. Every string from the server reaches the page as a text
// node (textContent) or a checked attribute; nothing is ever parsed as HTML.

const ENDPOINT = document.querySelector('meta[name="chatkit-endpoint"]')?.content || "/chatkit";

// ---------------------------------------------------------------------------------------
// State

const state = {
  /** The open thread's id, or null before the first message of a new thread. */
  threadId: null,
  /** The open thread's items, in order. */
  items: [],
  /** Requests in flight (streams included). */
  pending: 0,
  /** The running stream's abort controller, while a stream runs. */
  stream: null,
  /** Whether the running stream created a thread: the thread list is read when it ends. */
  threadCreated: false,
  /** The cursor of the next page of threads. */
  threadsAfter: null,
  /** A counter for DOM ids. */
  nextId: 1,
  /**
   * The composer's attachments, in order: `{key, name, size, mime_type, status, attachment}`,
   * `status` "uploading" until the server holds the bytes, then "ready" (`attachment` is the
   * server's Attachment object).
   */
  attachments: [],
};

const $ = (id) => document.getElementById(id);

/** Creates an element with a class and text. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function uid(prefix) {
  state.nextId += 1;
  return `${prefix}-${state.nextId}`;
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function clone(value) {
  return value === undefined ? undefined : structuredClone(value);
}

// ---------------------------------------------------------------------------------------
// The protocol panel

const log = [];

/**
 * Adds an entry to the protocol panel: `direction` is "request", "response", "event",
 * "error" or "note" (something the page did without talking to the server).
 */
function logEntry(direction, title, body) {
  const entry = { direction, title, body: clone(body), at: new Date().toISOString() };
  log.push(entry);
  const list = $("protocol-log");
  const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const li = el("li", `entry entry-${direction}`);
  const details = el("details");
  details.open = direction !== "event" || !String(title).startsWith("stream_options");
  const summary = el("summary");
  const arrows = { request: "→", response: "←", event: "⇠", error: "✕", note: "•" };
  summary.append(
    el("span", "dir", arrows[direction] || "•"),
    el("span", "kind", title),
    el("time", "at", entry.at.slice(11, 23)),
  );
  details.append(summary);
  if (body !== undefined) {
    details.append(el("pre", "json", typeof body === "string" ? body : JSON.stringify(body, null, 2)));
  }
  li.append(details);
  list.append(li);
  if (stick) list.scrollTop = list.scrollHeight;
  updateCounts();
  return entry;
}

function updateCounts() {
  const count = (direction) => log.filter((entry) => entry.direction === direction).length;
  $("protocol-counts").textContent =
    `${count("request")} requests · ${count("event")} events · ${count("response")} responses`;
}

// ---------------------------------------------------------------------------------------
// Talking to the endpoint

/** A request the endpoint refused (a non-2xx status) or that failed in transit. */
class RequestError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function setPending(delta) {
  state.pending += delta;
  document.documentElement.dataset.pending = String(state.pending);
  $("status").textContent = state.pending > 0 ? "working…" : "";
}

async function post(body, signal) {
  logEntry("request", body.type, body);
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", ...playground.requestHeaders },
      body: JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    logEntry("error", `${body.type}: ${error.message}`);
    throw new RequestError(error.message, 0, null);
  }
  if (!response.ok) {
    const text = await response.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: shown as text.
    }
    logEntry("error", `${response.status} ${body.type}`, parsed);
    const message = parsed?.error?.message || `${response.status} ${response.statusText}`;
    throw new RequestError(message, response.status, parsed);
  }
  return response;
}

/** A non-streaming request: its JSON answer. */
async function requestJson(body) {
  setPending(1);
  try {
    const response = await post(body);
    const json = await response.json();
    logEntry("response", body.type, json);
    return json;
  } finally {
    setPending(-1);
  }
}

/** A streaming request: applies each event as it arrives, until the stream ends. */
async function requestStream(body) {
  const controller = new AbortController();
  state.stream = controller;
  setPending(1);
  updateComposer();
  try {
    const response = await post(body, controller.signal);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        handleFrame(frame);
      }
    }
    if (buffer.trim()) handleFrame(buffer);
  } catch (error) {
    if (error.name === "AbortError") {
      logEntry("note", "stream stopped", { reason: "the stop button aborted the request" });
    } else {
      showNotice("danger", error.message, "The request failed");
    }
  } finally {
    state.stream = null;
    setPending(-1);
    $("progress").hidden = true;
    updateComposer();
    if (state.threadCreated) {
      state.threadCreated = false;
      refreshThreads();
    }
  }
}

/** One SSE frame: its `data:` lines joined, parsed, logged and applied. */
function handleFrame(frame) {
  const data = frame
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
  if (!data) return;
  let event;
  try {
    event = JSON.parse(data);
  } catch {
    logEntry("error", "an event that is not JSON", data);
    return;
  }
  logEntry("event", event.type, event);
  applyEvent(event);
}

function userInput(text, attachments = []) {
  return {
    content: [{ type: "input_text", text }],
    attachments,
    inference_options: {},
  };
}

// ---------------------------------------------------------------------------------------
// Events

function applyEvent(event) {
  switch (event.type) {
    case "thread.created":
      state.threadId = event.thread.id;
      showThreadHead(event.thread);
      // The new thread is committed when its response ends, not when this event arrives:
      // the list is read again once the stream is over (see `requestStream`).
      state.threadCreated = true;
      break;
    case "thread.updated": {
      if (event.thread.id === state.threadId) showThreadHead(event.thread);
      const entry = [...$("thread-list").children].find((li) => li.dataset.threadId === event.thread.id);
      const title = entry?.querySelector(".thread-title");
      if (title) title.textContent = event.thread.title || "Untitled thread";
      else refreshThreads();
      break;
    }
    case "thread.item.added":
    case "thread.item.done":
    case "thread.item.replaced":
      upsertItem(event.item);
      break;
    case "thread.item.removed":
      removeItem(event.item_id);
      break;
    case "thread.item.updated":
      updateItem(event.item_id, event.update);
      break;
    case "stream_options":
      $("stop").hidden = !event.stream_options?.allow_cancel;
      break;
    case "progress_update":
      $("progress").hidden = false;
      $("progress").textContent = event.text || "";
      break;
    case "client_effect":
      playground.onEffect(event.name, event.data || {});
      break;
    case "error":
      showNotice(
        "danger",
        event.message || (event.code === "stream.error" ? "Something went wrong." : event.code),
        "Error",
        event.allow_retry,
      );
      break;
    case "notice":
      showNotice(event.level, event.message, event.title);
      break;
    default:
      logEntry("note", `unknown event type ${event.type}: ignored`);
  }
}

function itemIndex(id) {
  return state.items.findIndex((item) => item.id === id);
}

function upsertItem(item) {
  const index = itemIndex(item.id);
  if (index >= 0) state.items[index] = item;
  else state.items.push(item);
  renderItem(item);
}

function removeItem(id) {
  const index = itemIndex(id);
  if (index >= 0) state.items.splice(index, 1);
  itemElement(id)?.remove();
}

function updateItem(id, update) {
  const item = state.items[itemIndex(id)];
  if (!item) {
    logEntry("note", `update of an unknown item ${id}: ignored`);
    return;
  }
  const part = (index) => {
    item.content = item.content || [];
    while (item.content.length <= index) {
      item.content.push({ type: "output_text", text: "", annotations: [] });
    }
    return item.content[index];
  };
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
      part(update.content_index);
      item.content[update.content_index] = update.content;
      break;
    case "assistant_message.content_part.text_delta":
      part(update.content_index).text += update.delta;
      break;
    case "assistant_message.content_part.annotation_added": {
      const annotations = (part(update.content_index).annotations ||= []);
      if (update.annotation_index <= annotations.length) {
        annotations.splice(update.annotation_index, 0, update.annotation);
      } else {
        annotations.push(update.annotation);
      }
      break;
    }
    case "widget.root.updated":
      item.widget = update.widget;
      break;
    case "widget.streaming_text.value_delta": {
      const node = findNode(item.widget, update.component_id);
      if (node && typeof node.value === "string") node.value += update.delta;
      break;
    }
    case "widget.component.updated": {
      if (!replaceNode(item.widget, update.component_id, update.component)) {
        logEntry("note", `no component ${update.component_id} in item ${id}`);
      }
      break;
    }
    case "workflow.task.added":
      item.workflow.tasks.push(update.task);
      break;
    case "workflow.task.updated":
      item.workflow.tasks[update.task_index] = update.task;
      break;
    case "generated_image.updated":
      item.image = update.image;
      item.progress = update.progress;
      break;
    default:
      logEntry("note", `unknown item update ${update.type}: ignored`);
  }
  renderItem(item);
}

/** The widget node with this `id`, searching children, confirm/cancel excluded. */
function findNode(node, id) {
  if (!isObject(node)) return null;
  if (node.id === id) return node;
  for (const child of children(node)) {
    const found = findNode(child, id);
    if (found) return found;
  }
  return null;
}

function replaceNode(node, id, component) {
  if (!isObject(node)) return false;
  const list = Array.isArray(node.children) ? node.children : null;
  if (list) {
    for (let i = 0; i < list.length; i += 1) {
      if (isObject(list[i]) && list[i].id === id) {
        list[i] = component;
        return true;
      }
      if (replaceNode(list[i], id, component)) return true;
    }
  } else if (isObject(node.children)) {
    if (node.children.id === id) {
      node.children = component;
      return true;
    }
    return replaceNode(node.children, id, component);
  }
  return false;
}

function children(node) {
  if (Array.isArray(node.children)) return node.children;
  if (isObject(node.children)) return [node.children];
  return [];
}

// ---------------------------------------------------------------------------------------
// Threads

function showThreadHead(thread) {
  $("thread-title").textContent = thread?.title || (thread ? "Untitled thread" : "New thread");
  $("thread-id").textContent = thread?.id || "";
  for (const li of $("thread-list").children) {
    li.classList.toggle("current", li.dataset.threadId === state.threadId);
  }
}

async function refreshThreads(more = false) {
  const params = { limit: 20, order: "desc" };
  if (more && state.threadsAfter) params.after = state.threadsAfter;
  let page;
  try {
    page = await requestJson({ type: "threads.list", params });
  } catch (error) {
    showNotice("danger", error.message, "Could not list the threads");
    return;
  }
  const list = $("thread-list");
  if (!more) list.replaceChildren();
  for (const thread of page.data || []) {
    const li = el("li");
    li.dataset.threadId = thread.id;
    li.classList.toggle("current", thread.id === state.threadId);
    const button = el("button", "thread-link");
    button.type = "button";
    button.append(
      el("span", "thread-title", thread.title || "Untitled thread"),
      el("span", "thread-date", formatDate(thread.created_at)),
    );
    button.addEventListener("click", () => openThread(thread.id));
    li.append(button);
    list.append(li);
  }
  state.threadsAfter = page.has_more ? page.after : null;
  $("more-threads").hidden = !page.has_more;
}

function formatDate(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value || "") : date.toLocaleString();
}

async function openThread(id) {
  if (state.stream) return;
  let thread;
  try {
    thread = await requestJson({ type: "threads.get_by_id", params: { thread_id: id } });
  } catch (error) {
    showNotice("danger", error.message, "Could not open the thread");
    return;
  }
  const items = [...(thread.items?.data || [])];
  let page = thread.items || {};
  let failure = null;
  try {
    while (page.has_more && page.after) {
      page = await requestJson({
        type: "items.list",
        params: { thread_id: id, after: page.after, order: "asc", limit: 50 },
      });
      items.push(...(page.data || []));
    }
  } catch (error) {
    failure = error;
  }
  state.threadId = thread.id;
  state.items = [];
  $("items").replaceChildren();
  $("client-actions").replaceChildren();
  $("client-actions").hidden = true;
  showThreadHead(thread);
  for (const item of items) upsertItem(item);
  if (failure) showNotice("danger", failure.message, "Could not load the rest of the thread");
}

function newThread() {
  if (state.stream) return;
  state.threadId = null;
  state.items = [];
  $("items").replaceChildren();
  $("client-actions").replaceChildren();
  $("client-actions").hidden = true;
  showThreadHead(null);
  $("composer-input").focus();
}

// ---------------------------------------------------------------------------------------
// Items

function itemElement(id) {
  return [...$("items").children].find((node) => node.dataset.itemId === id) || null;
}

function renderItem(item) {
  const node = renderItemBody(item);
  node.dataset.itemId = item.id;
  node.dataset.itemType = item.type;
  const old = itemElement(item.id);
  if (old) {
    old.replaceWith(node);
  } else {
    const items = $("items");
    items.append(node);
    items.scrollTop = items.scrollHeight;
  }
}

function renderItemBody(item) {
  switch (item.type) {
    case "user_message":
      return renderUserMessage(item);
    case "assistant_message":
      return renderAssistantMessage(item);
    case "widget":
      return renderWidgetItem(item);
    case "client_tool_call": {
      const box = el("article", "item item-tool");
      box.append(el("div", "item-label", `client tool call · ${item.name} · ${item.status}`));
      box.append(el("pre", "json", JSON.stringify({ arguments: item.arguments, output: item.output }, null, 2)));
      return box;
    }
    case "task":
      return renderTasks(item, [item.task], null);
    case "workflow":
      return renderTasks(item, item.workflow?.tasks || [], item.workflow?.summary);
    case "generated_image": {
      const box = el("article", "item item-image");
      if (item.image?.url && safeImageUrl(item.image.url)) {
        const img = el("img");
        img.src = item.image.url;
        img.alt = "generated image";
        box.append(img);
      } else {
        box.append(el("div", "item-label", `generating an image… ${Math.round((item.progress || 0) * 100)}%`));
      }
      return box;
    }
    case "end_of_turn":
      return el("div", "item item-end");
    default:
      return jsonBlock(`item “${item.type}”`, item, "item item-unknown");
  }
}

function renderUserMessage(item) {
  const box = el("article", "item item-user");
  const bubble = el("div", "bubble");
  if (item.quoted_text) bubble.append(el("blockquote", "quote", item.quoted_text));
  const text = el("div", "user-text");
  for (const part of item.content || []) {
    if (part.type === "input_text") text.append(document.createTextNode(part.text));
    else if (part.type === "input_tag") text.append(el("span", "tag", `@${part.text}`));
  }
  bubble.append(text);
  if (item.attachments?.length) {
    const list = el("div", "attachments");
    for (const attachment of item.attachments) list.append(renderAttachment(attachment));
    bubble.append(list);
  }
  box.append(bubble);
  return box;
}

/** A file's badge: its extension ("TXT", "PDF"), or "FILE". */
function fileIcon(name) {
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1, dot + 5).toUpperCase() : "";
  return el("span", "attachment-icon", /^[A-Z0-9]+$/.test(extension) ? extension : "FILE");
}

/** An attachment of a message: an image through its preview URL, anything else as a chip. */
function renderAttachment(attachment) {
  const name = String(attachment?.name ?? "attachment");
  const preview = attachment?.preview_url;
  if (attachment?.type === "image" && safeImageUrl(preview)) {
    const figure = el("figure", "attachment attachment-image");
    figure.dataset.attachmentId = String(attachment.id);
    const img = el("img");
    img.src = preview;
    img.alt = name;
    figure.append(img, el("figcaption", null, name));
    return figure;
  }
  const chip = el("span", "attachment attachment-file");
  chip.dataset.attachmentId = String(attachment?.id ?? "");
  chip.append(fileIcon(name), el("span", "attachment-name", name));
  if (attachment?.mime_type) chip.append(el("span", "attachment-meta", attachment.mime_type));
  return chip;
}

function renderAssistantMessage(item) {
  const box = el("article", "item item-assistant");
  const sources = [];
  for (const part of item.content || []) {
    const md = el("div", "markdown");
    renderMarkdown(part.text || "", md);
    box.append(md);
    for (const annotation of part.annotations || []) sources.push(annotation.source);
  }
  if (sources.length) {
    const list = el("ol", "sources");
    for (const source of sources) {
      const li = el("li");
      if (source?.type === "url" && safeLinkUrl(source.url)) {
        const a = el("a", null, source.title || source.url);
        a.href = source.url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        li.append(a);
      } else {
        li.textContent = source?.title || JSON.stringify(source);
      }
      list.append(li);
    }
    box.append(list);
  }
  return box;
}

function renderTasks(item, tasks, summary) {
  const box = el("article", "item item-workflow");
  if (summary) {
    const text = summary.title ?? (summary.duration !== undefined ? `Worked for ${summary.duration}s` : "");
    box.append(el("div", "item-label", text));
  }
  const list = el("ul", "tasks");
  for (const task of tasks) {
    const li = el("li", `task task-${task.status_indicator || "none"}`);
    li.append(el("span", "task-title", task.title || task.type));
    if (task.content) li.append(el("div", "task-content", task.content));
    list.append(li);
  }
  box.append(list);
  return box;
}

function jsonBlock(label, value, className = "ck-unknown") {
  const box = el("div", className);
  box.append(el("div", "item-label", label));
  box.append(el("pre", "json", JSON.stringify(value, null, 2)));
  return box;
}

function showNotice(level, message, title, allowRetry = false) {
  const box = el("div", `notice notice-${level || "info"}`);
  box.setAttribute("role", level === "danger" ? "alert" : "status");
  if (title) box.append(el("strong", "notice-title", title));
  const md = el("div", "markdown");
  renderMarkdown(String(message ?? ""), md);
  box.append(md);
  if (allowRetry) {
    const lastUser = [...state.items].reverse().find((item) => item.type === "user_message");
    if (lastUser && state.threadId) {
      const retry = el("button", "ghost", "Retry");
      retry.type = "button";
      retry.addEventListener("click", () => {
        box.remove();
        requestStream({
          type: "threads.retry_after_item",
          params: { thread_id: state.threadId, item_id: lastUser.id },
        });
      });
      box.append(retry);
    }
  }
  const items = $("items");
  items.append(box);
  items.scrollTop = items.scrollHeight;
}

// ---------------------------------------------------------------------------------------
// Markdown: a small, safe subset, built as DOM nodes.

function renderMarkdown(source, parent) {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  let paragraph = [];
  let list = null;
  const flush = () => {
    if (paragraph.length) {
      const p = el("p");
      renderInline(paragraph.join("\n"), p);
      parent.append(p);
      paragraph = [];
    }
  };
  const endList = () => {
    list = null;
  };
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*(```|~~~)\s*([\w+-]*)\s*$/);
    if (fence) {
      flush();
      endList();
      const code = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) {
        code.push(lines[i]);
        i += 1;
      }
      const pre = el("pre", "code");
      const codeEl = el("code", null, code.join("\n"));
      if (fence[2]) codeEl.dataset.lang = fence[2];
      pre.append(codeEl);
      parent.append(pre);
      i += 1;
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flush();
      endList();
      const h = el(`h${Math.min(heading[1].length + 2, 6)}`, "md-heading");
      renderInline(heading[2].replace(/\s+#+\s*$/, ""), h);
      parent.append(h);
      i += 1;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      endList();
      parent.append(el("hr"));
      i += 1;
      continue;
    }
    const bullet = line.match(/^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/);
    if (bullet) {
      flush();
      const ordered = /\d/.test(bullet[1]);
      const tag = ordered ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = el(tag);
        if (ordered) {
          const start = parseInt(bullet[1], 10);
          if (start !== 1) list.start = start;
        }
        parent.append(list);
      }
      const li = el("li");
      renderInline(bullet[2], li);
      list.append(li);
      i += 1;
      continue;
    }
    if (/^\s*>/.test(line)) {
      flush();
      endList();
      const quote = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) {
        quote.push(lines[i].replace(/^\s*>\s?/, ""));
        i += 1;
      }
      const blockquote = el("blockquote");
      renderMarkdown(quote.join("\n"), blockquote);
      parent.append(blockquote);
      continue;
    }
    if (!line.trim()) {
      flush();
      endList();
      i += 1;
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      // A continuation of the last list item.
      list.lastChild.append(document.createTextNode(" "));
      renderInline(line.trim(), list.lastChild);
      i += 1;
      continue;
    }
    endList();
    paragraph.push(line);
    i += 1;
  }
  flush();
}

const INLINE = new RegExp(
  [
    "(`+)([\\s\\S]*?[^`])\\1(?!`)", // 1, 2: code
    "\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*", // 3: strong
    "(?<![\\w])__(?=\\S)([\\s\\S]*?\\S)__(?![\\w])", // 4: strong
    "\\*(?=[^\\s*])([\\s\\S]*?[^\\s*])\\*", // 5: emphasis
    "(?<![\\w])_(?=[^\\s_])([\\s\\S]*?[^\\s_])_(?![\\w])", // 6: emphasis
    "~~(?=\\S)([\\s\\S]*?\\S)~~", // 7: strikethrough
    "\\[([^\\]]+)\\]\\(\\s*((?:[^()\\s]|\\([^()\\s]*\\))+)(?:\\s+\"[^\"]*\")?\\s*\\)", // 8, 9: link
    "(https?://[^\\s<>()]+[^\\s<>().,;:!?'\"])", // 10: bare URL
    "(\\n)", // 11: line break
  ].join("|"),
  "g",
);

function renderInline(text, parent) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
    last = match.index + match[0].length;
    if (match[2] !== undefined) {
      parent.append(el("code", null, match[2].replace(/^ (.*) $/, "$1")));
    } else if (match[3] !== undefined || match[4] !== undefined) {
      const strong = el("strong");
      renderInline(match[3] ?? match[4], strong);
      parent.append(strong);
    } else if (match[5] !== undefined || match[6] !== undefined) {
      const em = el("em");
      renderInline(match[5] ?? match[6], em);
      parent.append(em);
    } else if (match[7] !== undefined) {
      const del = el("del");
      renderInline(match[7], del);
      parent.append(del);
    } else if (match[8] !== undefined) {
      if (safeLinkUrl(match[9])) {
        const a = el("a");
        a.href = match[9];
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        renderInline(match[8], a);
        parent.append(a);
      } else {
        renderInline(match[8], parent);
      }
    } else if (match[10] !== undefined) {
      const a = el("a", null, match[10]);
      a.href = match[10];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.append(a);
    } else if (match[11] !== undefined) {
      parent.append(el("br"));
    }
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

/** Links: http and https only. */
function safeLinkUrl(url) {
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}

/** Images: http(s), same-origin paths and data: images. */
function safeImageUrl(url) {
  if (typeof url !== "string") return false;
  if (/^data:image\//i.test(url)) return true;
  return safeLinkUrl(url);
}

// ---------------------------------------------------------------------------------------
// Widgets

/**
 * A widget item. Nodes render with a context `cx`: the item, the widget's element, the
 * enclosing form (and the outermost one), and the Labels to bind to their fields.
 */
function renderWidgetItem(item) {
  const box = el("article", "item item-widget");
  const widget = el("div", "ck-widget");
  const cx = { item, widget, form: null, labels: [] };
  widget.append(renderNode(item.widget, cx));
  for (const { label, fieldName } of cx.labels) {
    const field = [...widget.querySelectorAll("[data-ck-field]")].find(
      (node) => node.dataset.ckField === fieldName,
    );
    if (field) {
      if (!field.id) field.id = uid("ck-field");
      label.htmlFor = field.id;
    }
  }
  box.append(widget);
  return box;
}

function renderNode(node, cx) {
  if (!isObject(node)) return jsonBlock("not a component", node);
  const render = COMPONENTS[node.type];
  if (!render) return jsonBlock(`unknown component “${node.type}”`, node);
  try {
    const dom = render(node, cx);
    if (node.id) dom.dataset.ckId = node.id;
    if (node.key) dom.dataset.ckKey = node.key;
    dom.dataset.ckType = node.type;
    return dom;
  } catch (error) {
    return jsonBlock(`component “${node.type}” could not be shown (${error.message})`, node);
  }
}

function renderChildren(node, parent, cx) {
  for (const child of children(node)) parent.append(renderNode(child, cx));
}

// Units and tokens --------------------------------------------------------------------

/** A spacing value: numbers are steps of 4px, strings are CSS lengths. */
function space(value) {
  if (typeof value === "number") return `${value * 4}px`;
  if (typeof value === "string") return value;
  return "";
}

/** A size: numbers are pixels, strings are CSS lengths. */
function length(value) {
  if (typeof value === "number") return `${value}px`;
  if (typeof value === "string") return value;
  return "";
}

const TEXT_COLORS = new Set([
  "prose", "primary", "emphasis", "secondary", "tertiary", "success", "warning", "danger",
]);
const SURFACES = new Set([
  "surface", "surface-secondary", "surface-tertiary", "surface-elevated", "surface-elevated-secondary",
]);
const HUES = {
  red: 0, orange: 28, yellow: 48, green: 142, teal: 175, blue: 217, indigo: 235,
  purple: 270, pink: 330, gray: 220, grey: 220,
};

/** A colour: a token, a primitive token (`blue-500`), a ThemeColor, or any CSS colour. */
function color(value) {
  if (isObject(value)) return color(value.light ?? value.dark);
  if (typeof value !== "string") return "";
  if (TEXT_COLORS.has(value)) return `var(--ck-text-${value})`;
  if (SURFACES.has(value)) return `var(--ck-${value})`;
  if (["default", "subtle", "strong"].includes(value)) return `var(--ck-border-${value})`;
  const primitive = value.match(/^([a-z]+)-(\d{2,3})$/);
  if (primitive && primitive[1] in HUES) {
    const shade = Number(primitive[2]);
    const saturation = primitive[1].startsWith("gr") ? 10 : 75;
    return `hsl(${HUES[primitive[1]]} ${saturation}% ${Math.max(8, 97 - shade / 10.5)}%)`;
  }
  if (value in HUES) return `hsl(${HUES[value]} 70% 50%)`;
  return value;
}

function spacing(style, property, value) {
  if (value === undefined) return;
  if (isObject(value)) {
    const sides = { top: value.top ?? value.y, right: value.right ?? value.x, bottom: value.bottom ?? value.y, left: value.left ?? value.x };
    for (const [side, v] of Object.entries(sides)) {
      if (v !== undefined) style[`${property}${side[0].toUpperCase()}${side.slice(1)}`] = space(v);
    }
  } else {
    style[property] = space(value);
  }
}

function borderCss(value) {
  if (typeof value === "number") return `${value}px solid var(--ck-border-default)`;
  if (isObject(value) && typeof value.size === "number") {
    return `${value.size}px ${value.style || "solid"} ${value.color ? color(value.color) : "var(--ck-border-default)"}`;
  }
  return "";
}

function applyBorder(style, value) {
  if (value === undefined) return;
  if (typeof value === "number" || (isObject(value) && "size" in value)) {
    style.border = borderCss(value);
    return;
  }
  if (isObject(value)) {
    const sides = { top: value.top ?? value.y, right: value.right ?? value.x, bottom: value.bottom ?? value.y, left: value.left ?? value.x };
    for (const [side, v] of Object.entries(sides)) {
      if (v !== undefined) style[`border${side[0].toUpperCase()}${side.slice(1)}`] = borderCss(v);
    }
  }
}

const FLEX_ALIGN = {
  start: "flex-start", end: "flex-end", center: "center", baseline: "baseline", stretch: "stretch",
  between: "space-between", around: "space-around", evenly: "space-evenly",
};

function applyBox(dom, node, direction) {
  const s = dom.style;
  dom.classList.add("ck-box", direction === "row" ? "ck-row" : "ck-col");
  if (node.align) s.alignItems = FLEX_ALIGN[node.align] || "";
  if (node.justify) s.justifyContent = FLEX_ALIGN[node.justify] || "";
  if (node.wrap) s.flexWrap = node.wrap;
  if (node.flex !== undefined) s.flex = String(node.flex);
  if (node.gap !== undefined) s.gap = space(node.gap);
  applySize(s, node);
  spacing(s, "padding", node.padding);
  spacing(s, "margin", node.margin);
  applyBorder(s, node.border);
  if (node.radius) s.borderRadius = `var(--ck-radius-${node.radius.replace("%", "pct")}, 8px)`;
  if (node.background) s.backgroundColor = color(node.background);
  if (node.aspectRatio !== undefined) s.aspectRatio = String(node.aspectRatio);
}

function applySize(s, node) {
  if (node.height !== undefined) s.height = length(node.height);
  if (node.width !== undefined) s.width = length(node.width);
  if (node.size !== undefined) {
    s.width = length(node.size);
    s.height = length(node.size);
  }
  if (node.minHeight !== undefined) s.minHeight = length(node.minHeight);
  if (node.minWidth !== undefined) s.minWidth = length(node.minWidth);
  if (node.minSize !== undefined) {
    s.minWidth = length(node.minSize);
    s.minHeight = length(node.minSize);
  }
  if (node.maxHeight !== undefined) s.maxHeight = length(node.maxHeight);
  if (node.maxWidth !== undefined) s.maxWidth = length(node.maxWidth);
  if (node.maxSize !== undefined) {
    s.maxWidth = length(node.maxSize);
    s.maxHeight = length(node.maxSize);
  }
}

function applyText(dom, node) {
  if (node.color) dom.style.color = color(node.color);
  if (node.weight) dom.classList.add(`ck-weight-${node.weight}`);
  if (node.size) dom.classList.add(`ck-size-${node.size}`);
  if (node.textAlign) dom.style.textAlign = node.textAlign;
  if (node.italic) dom.classList.add("ck-italic");
  if (node.lineThrough) dom.classList.add("ck-line-through");
  if (node.truncate) dom.classList.add("ck-truncate");
  if (node.maxLines) {
    dom.classList.add("ck-clamp");
    dom.style.webkitLineClamp = String(node.maxLines);
  }
  if (node.minLines) dom.style.minHeight = `${node.minLines * 1.5}em`;
  if (node.width !== undefined) dom.style.width = length(node.width);
}

// Icons: no icon font is loaded, so a few names map to Unicode symbols; others show a dot.
const ICONS = {
  check: "✓", "check-circle": "✓", "check-circle-filled": "✔", star: "☆", "star-filled": "★",
  plus: "+", search: "⌕", reload: "↻", mail: "✉", phone: "☎", calendar: "▦", clock: "◷",
  "chevron-left": "‹", "chevron-right": "›", "dots-horizontal": "⋯", "dots-vertical": "⋮",
  info: "ⓘ", "circle-question": "?", "external-link": "↗", globe: "◍", "map-pin": "⌖",
  user: "◉", profile: "◉", settings: "⚙", "settings-slider": "⚙", bolt: "ϟ", sparkle: "✦",
  "sparkle-double": "✧", document: "▤", "page-blank": "▯", write: "✎", "write-alt": "✎",
  "write-alt2": "✎", "empty-circle": "○", dot: "•", lightbulb: "☼", bug: "✱", keys: "⚿",
  play: "▶", confetti: "✺", compass: "⌭", "book-open": "▥", "book-closed": "▮",
};

function icon(name, size) {
  const span = el("span", `ck-icon${size ? ` ck-icon-${size}` : ""}`, ICONS[name] ?? "•");
  span.title = name;
  span.setAttribute("aria-hidden", "true");
  return span;
}

// Actions -------------------------------------------------------------------------------

const AUTO_LOADING = {
  click: "self", item: "self", submit: "self", change: "none", confirm: "container", cancel: "container",
};

/** Sets `value` at a dotted `name` in `payload`; false when a key already holds something. */
function setField(payload, name, value) {
  const parts = name.split(".");
  let target = payload;
  for (const part of parts.slice(0, -1)) {
    if (!(part in target)) target[part] = {};
    else if (!isObject(target[part])) return false;
    target = target[part];
  }
  const leaf = parts[parts.length - 1];
  if (leaf in target) return false;
  target[leaf] = value;
  return true;
}

/** The named fields of a form element, in document order. */
function fieldsOf(form) {
  return form ? [...form.querySelectorAll("[data-ck-field]")] : [];
}

function fieldValue(field) {
  if (field.dataset.ckKind === "checkbox") return field.checked;
  if (field.dataset.ckKind === "radio") {
    return field.querySelector("input:checked")?.value;
  }
  if (field.dataset.ckKind === "select" || field.dataset.ckKind === "date") {
    return field.value === "" ? undefined : field.value;
  }
  return field.value;
}

/** Native validation of a form's fields: reports the first invalid one. */
function validate(form) {
  for (const field of fieldsOf(form)) {
    const inputs = field.dataset.ckKind === "radio" ? [...field.querySelectorAll("input")] : [field];
    for (const input of inputs) {
      if (!input.checkValidity()) {
        input.reportValidity();
        return { field: field.dataset.ckField, message: input.validationMessage };
      }
    }
  }
  return null;
}

/**
 * Runs a widget's action: `config` is the ActionConfig, `binding` where it sits ("click",
 * "item", "submit", "change", "confirm", "cancel"), `node` the element that fired it.
 */
async function runAction(config, binding, node, cx) {
  if (!isObject(config) || typeof config.type !== "string") return;
  const form = cx.form;
  if ((binding === "submit" || binding === "confirm") && form) {
    const invalid = validate(form);
    if (invalid) {
      logEntry("note", `${config.type}: not sent, the form is invalid`, invalid);
      return;
    }
  }
  const payload = isObject(config.payload) ? clone(config.payload) : {};
  const collisions = [];
  // Every field of the outermost enclosing form contributes, nested forms' included.
  for (const field of fieldsOf(cx.outerForm || form)) {
    const value = fieldValue(field);
    if (value === undefined) continue;
    if (!setField(payload, field.dataset.ckField, value)) collisions.push(field.dataset.ckField);
  }
  if (collisions.length) {
    logEntry("error", `${config.type}: form fields shadowed by the action's payload`, { fields: collisions });
  }
  const action = { type: config.type };
  if (config.payload !== undefined || Object.keys(payload).length) action.payload = payload;

  if (config.handler === "client") {
    logEntry("note", `client action ${action.type} (handled by the page)`, { action, item_id: cx.item.id });
    await playground.onClientAction(action, { id: cx.item.id, widget: cx.item.widget });
    return;
  }
  const streaming = config.streaming !== false;
  if (streaming && state.stream) {
    logEntry("note", `${action.type}: not sent, a response is still streaming`);
    return;
  }
  let behavior = config.loadingBehavior || "auto";
  if (behavior === "auto") behavior = AUTO_LOADING[binding] || "self";
  const loading = behavior === "self" ? node : behavior === "container" ? cx.widget : null;
  const loadingClass = behavior === "container" ? "ck-loading-container" : "ck-loading";
  if (loading) {
    loading.classList.add(loadingClass);
    loading.setAttribute("aria-busy", "true");
    if (behavior === "container") loading.inert = true;
  }
  try {
    await sendAction(action, cx.item.id, streaming);
  } finally {
    if (loading) {
      loading.classList.remove(loadingClass);
      loading.removeAttribute("aria-busy");
      loading.inert = false;
    }
  }
}

/** Sends an action to the server, streamed or synchronous. */
async function sendAction(action, itemId, streaming = true) {
  if (!state.threadId) {
    showNotice("warning", "Open or start a thread first.", "No thread");
    return;
  }
  const params = { thread_id: state.threadId, action };
  if (itemId) params.item_id = itemId;
  if (streaming) {
    await requestStream({ type: "threads.custom_action", params });
    return;
  }
  try {
    const answer = await requestJson({ type: "threads.sync_custom_action", params });
    if (answer.updated_item) upsertItem(answer.updated_item);
  } catch (error) {
    showNotice("danger", error.message, `${action.type} failed`);
  }
}

function onClick(dom, config, binding, cx) {
  dom.addEventListener("click", (event) => {
    event.stopPropagation();
    event.preventDefault();
    runAction(config, binding, dom, cx);
  });
}

// Components ----------------------------------------------------------------------------

function box(direction) {
  return (node, cx) => {
    const dom = el("div");
    applyBox(dom, node, direction ?? node.direction ?? "col");
    renderChildren(node, dom, cx);
    return dom;
  };
}

/** A `<form>` whose fields belong to actions inside it; submitting runs `submit`. */
function formElement(cx, submit) {
  const form = el("form", "ck-form");
  form.noValidate = true;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    event.stopPropagation();
    submit(event.submitter || form);
  });
  return form;
}

function renderButton(node, cx) {
  const button = el("button", "ck-button");
  button.type = "button";
  const variant = node.variant || (node.style === "secondary" ? "outline" : "solid");
  const tone = node.color || (node.style === "secondary" ? "secondary" : "primary");
  button.classList.add(`ck-variant-${variant}`, `ck-color-${tone}`, `ck-control-${node.size || "md"}`);
  if (node.pill) button.classList.add("ck-pill");
  if (node.block) button.classList.add("ck-block");
  if (node.uniform) button.classList.add("ck-uniform");
  if (node.iconStart) button.append(icon(node.iconStart, node.iconSize));
  if (node.label) button.append(el("span", "ck-label", node.label));
  if (node.iconEnd) button.append(icon(node.iconEnd, node.iconSize));
  if (node.disabled) button.disabled = true;
  if (node.submit && cx.form) {
    const form = cx.form;
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      form.ckSubmit(button);
    });
  } else if (node.onClickAction) {
    onClick(button, node.onClickAction, "click", cx);
  }
  return button;
}

function field(dom, kind, name) {
  dom.dataset.ckField = name;
  dom.dataset.ckKind = kind;
  return dom;
}

function controlClasses(dom, node) {
  dom.classList.add("ck-control", `ck-control-${node.size || "md"}`, `ck-variant-${node.variant || "outline"}`);
  if (node.pill) dom.classList.add("ck-pill");
  if (node.block) dom.classList.add("ck-block");
}

function textInput(dom, node, cx) {
  if (node.placeholder) dom.placeholder = node.placeholder;
  if (node.required) dom.required = true;
  if (node.pattern) dom.pattern = node.pattern;
  if (node.disabled) dom.disabled = true;
  if (node.autoFocus) dom.autofocus = true;
  if (node.autoSelect) dom.addEventListener("focus", () => dom.select());
  if (node.autoComplete) dom.autocomplete = node.autoComplete;
  if (cx.form && dom.tagName === "INPUT") {
    dom.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        cx.form.ckSubmit(dom);
      }
    });
  }
  return dom;
}

const COMPONENTS = {
  Card(node, cx) {
    const card = node.asForm ? null : el("div");
    const inner = { ...cx };
    let dom = card;
    if (node.asForm) {
      dom = formElement(cx, (submitter) => runAction(node.confirm?.action, "confirm", submitter, inner));
      dom.ckSubmit = (submitter) => runAction(node.confirm?.action, "confirm", submitter, inner);
      inner.form = dom;
      inner.outerForm = cx.outerForm || dom;
    }
    dom.classList.add("ck-card", `ck-card-${node.size || "md"}`);
    if (node.theme === "dark") dom.classList.add("ck-theme-dark");
    if (node.background) dom.style.backgroundColor = color(node.background);
    if (node.padding !== undefined) spacing(dom.style, "padding", node.padding);
    if (node.border !== undefined) applyBorder(dom.style, node.border);
    if (node.status) dom.append(renderStatus(node.status));
    const body = el("div", "ck-card-body");
    renderChildren(node, body, inner);
    if (node.collapsed) {
      body.hidden = true;
      const toggle = el("button", "ck-link", "Show");
      toggle.type = "button";
      toggle.addEventListener("click", () => {
        body.hidden = !body.hidden;
        toggle.textContent = body.hidden ? "Show" : "Hide";
      });
      dom.append(toggle);
    }
    dom.append(body);
    if (node.confirm || node.cancel) {
      const footer = el("div", "ck-card-actions");
      for (const [which, spec] of [["cancel", node.cancel], ["confirm", node.confirm]]) {
        if (!spec) continue;
        const button = el("button", `ck-button ck-control-md ${which === "confirm" ? "ck-variant-solid ck-color-primary" : "ck-variant-outline ck-color-secondary"}`);
        button.type = "button";
        button.dataset.ckAction = which;
        button.append(el("span", "ck-label", spec.label));
        onClick(button, spec.action, which, inner);
        footer.append(button);
      }
      dom.append(footer);
    }
    return dom;
  },
  ListView(node, cx) {
    const dom = el("div", "ck-listview");
    if (node.theme === "dark") dom.classList.add("ck-theme-dark");
    if (node.status) dom.append(renderStatus(node.status));
    const list = el("div", "ck-listview-items");
    list.setAttribute("role", "list");
    const items = children(node);
    const limit = typeof node.limit === "number" ? node.limit : items.length;
    items.forEach((child, index) => {
      const rendered = renderNode(child, cx);
      if (index >= limit) rendered.hidden = true;
      list.append(rendered);
    });
    dom.append(list);
    if (items.length > limit) {
      const more = el("button", "ck-link", `Show ${items.length - limit} more`);
      more.type = "button";
      more.addEventListener("click", () => {
        for (const child of list.children) child.hidden = false;
        more.remove();
      });
      dom.append(more);
    }
    return dom;
  },
  ListViewItem(node, cx) {
    const dom = el("div", "ck-listview-item");
    dom.setAttribute("role", "listitem");
    dom.style.gap = node.gap !== undefined ? space(node.gap) : "";
    if (node.align) dom.style.alignItems = FLEX_ALIGN[node.align] || "";
    renderChildren(node, dom, cx);
    if (node.onClickAction) {
      dom.classList.add("ck-clickable");
      dom.tabIndex = 0;
      onClick(dom, node.onClickAction, "item", cx);
      dom.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && event.target === dom) runAction(node.onClickAction, "item", dom, cx);
      });
    }
    return dom;
  },
  Basic(node, cx) {
    const dom = el("div", "ck-basic");
    applyBox(dom, node, node.direction || "col");
    if (node.theme === "dark") dom.classList.add("ck-theme-dark");
    renderChildren(node, dom, cx);
    return dom;
  },
  Box: box(),
  Row: box("row"),
  Col: box("col"),
  Form(node, cx) {
    const inner = { ...cx };
    const submit = (submitter) => runAction(node.onSubmitAction, "submit", submitter, inner);
    const dom = formElement(cx, submit);
    dom.ckSubmit = submit;
    inner.form = dom;
    inner.outerForm = cx.outerForm || dom;
    applyBox(dom, node, node.direction || "col");
    renderChildren(node, dom, inner);
    return dom;
  },
  Transition(node, cx) {
    const dom = el("div", "ck-transition");
    renderChildren(node, dom, cx);
    return dom;
  },
  Spacer(node) {
    const dom = el("div", "ck-spacer");
    if (node.minSize !== undefined) dom.style.minWidth = length(node.minSize);
    return dom;
  },
  Divider(node) {
    const dom = el("hr", "ck-divider");
    if (node.color) dom.style.borderTopColor = color(node.color);
    if (node.size !== undefined) dom.style.borderTopWidth = length(node.size);
    if (node.spacing !== undefined) dom.style.margin = `${space(node.spacing)} 0`;
    if (node.flush) dom.classList.add("ck-flush");
    return dom;
  },
  Title(node) {
    const dom = el("div", `ck-title ck-title-${node.size || "md"}`, node.value);
    applyText(dom, { ...node, size: undefined });
    return dom;
  },
  Caption(node) {
    const dom = el("div", `ck-caption ck-caption-${node.size || "md"}`, node.value);
    applyText(dom, { ...node, size: undefined });
    return dom;
  },
  Text(node, cx) {
    if (isObject(node.editable)) {
      const props = node.editable;
      const input = field(el("input", "ck-control ck-editable"), "text", props.name);
      input.type = "text";
      input.name = props.name;
      input.value = node.value ?? "";
      textInput(input, props, cx);
      applyText(input, node);
      return input;
    }
    const dom = el("div", "ck-text", node.value);
    applyText(dom, node);
    if (node.streaming) dom.classList.add("ck-streaming");
    return dom;
  },
  Markdown(node) {
    const dom = el("div", "ck-markdown markdown");
    renderMarkdown(String(node.value ?? ""), dom);
    if (node.streaming) dom.classList.add("ck-streaming");
    return dom;
  },
  Badge(node) {
    const dom = el("span", "ck-badge", node.label);
    dom.classList.add(`ck-badge-${node.color || "secondary"}`, `ck-badge-${node.variant || "soft"}`, `ck-badge-size-${node.size || "md"}`);
    if (node.pill) dom.classList.add("ck-pill");
    return dom;
  },
  Icon(node) {
    const dom = icon(node.name, node.size);
    if (node.color) dom.style.color = color(node.color);
    return dom;
  },
  Image(node) {
    if (!safeImageUrl(node.src)) return jsonBlock("image with an unsupported address", node);
    const img = el("img", "ck-image");
    img.src = node.src;
    img.alt = node.alt || "";
    applySize(img.style, node);
    if (node.fit) img.style.objectFit = node.fit;
    if (node.position) img.style.objectPosition = node.position;
    if (node.radius) img.style.borderRadius = `var(--ck-radius-${node.radius.replace("%", "pct")}, 8px)`;
    if (node.frame) img.classList.add("ck-frame");
    if (node.aspectRatio !== undefined) img.style.aspectRatio = String(node.aspectRatio);
    spacing(img.style, "margin", node.margin);
    if (node.flex !== undefined) img.style.flex = String(node.flex);
    return img;
  },
  Button: renderButton,
  Input(node, cx) {
    const input = field(el("input"), "text", node.name);
    controlClasses(input, node);
    input.type = ["number", "email", "text", "password", "tel", "url"].includes(node.inputType) ? node.inputType : "text";
    input.name = node.name;
    if (node.defaultValue !== undefined) input.value = node.defaultValue;
    return textInput(input, node, cx);
  },
  Textarea(node, cx) {
    const area = field(el("textarea"), "text", node.name);
    controlClasses(area, node);
    area.name = node.name;
    area.rows = node.rows || 3;
    if (node.defaultValue !== undefined) area.value = node.defaultValue;
    if (node.autoResize) {
      area.addEventListener("input", () => {
        area.style.height = "auto";
        area.style.height = `${area.scrollHeight + 2}px`;
      });
    }
    return textInput(area, node, cx);
  },
  Select(node, cx) {
    const select = field(el("select"), "select", node.name);
    controlClasses(select, node);
    select.name = node.name;
    const placeholder = el("option", null, node.placeholder || "Choose…");
    placeholder.value = "";
    placeholder.disabled = !node.clearable;
    select.append(placeholder);
    for (const option of node.options || []) {
      const dom = el("option", null, option.label);
      dom.value = option.value;
      if (option.disabled) dom.disabled = true;
      if (option.description) dom.title = option.description;
      select.append(dom);
    }
    select.value = node.defaultValue ?? "";
    if (node.disabled) select.disabled = true;
    if (node.onChangeAction) {
      select.addEventListener("change", () => runAction(node.onChangeAction, "change", select, cx));
    }
    return select;
  },
  DatePicker(node, cx) {
    const input = field(el("input"), "date", node.name);
    controlClasses(input, node);
    input.type = "date";
    input.name = node.name;
    const day = (value) => (typeof value === "string" ? value.slice(0, 10) : "");
    if (node.defaultValue) input.value = day(node.defaultValue);
    if (node.min) input.min = day(node.min);
    if (node.max) input.max = day(node.max);
    if (node.placeholder) input.title = node.placeholder;
    if (node.disabled) input.disabled = true;
    if (node.onChangeAction) {
      input.addEventListener("change", () => runAction(node.onChangeAction, "change", input, cx));
    }
    return input;
  },
  Checkbox(node, cx) {
    const label = el("label", "ck-checkbox");
    const input = field(el("input"), "checkbox", node.name);
    input.type = "checkbox";
    input.name = node.name;
    input.checked = Boolean(node.defaultChecked);
    if (node.required) input.required = true;
    if (node.disabled) input.disabled = true;
    if (node.onChangeAction) {
      input.addEventListener("change", () => runAction(node.onChangeAction, "change", label, cx));
    }
    label.append(input);
    if (node.label) label.append(el("span", null, node.label));
    return label;
  },
  RadioGroup(node, cx) {
    const group = field(el("div", "ck-radiogroup"), "radio", node.name);
    group.setAttribute("role", "radiogroup");
    if (node.ariaLabel) group.setAttribute("aria-label", node.ariaLabel);
    group.classList.add(node.direction === "col" ? "ck-col" : "ck-row");
    const domName = uid(`ck-radio-${node.name}`);
    for (const option of node.options || []) {
      const label = el("label", "ck-radio");
      const input = el("input");
      input.type = "radio";
      input.name = domName;
      input.value = option.value;
      input.checked = option.value === node.defaultValue;
      if (node.required) input.required = true;
      if (node.disabled || option.disabled) input.disabled = true;
      if (node.onChangeAction) {
        input.addEventListener("change", () => runAction(node.onChangeAction, "change", group, cx));
      }
      label.append(input, el("span", null, option.label));
      group.append(label);
    }
    return group;
  },
  Label(node, cx) {
    const label = el("label", "ck-label-field", node.value);
    applyText(label, node);
    cx.labels.push({ label, fieldName: node.fieldName });
    return label;
  },
  Table(node, cx) {
    const table = el("table", "ck-table");
    const body = el("tbody");
    renderChildren(node, body, cx);
    table.append(body);
    return table;
  },
  "Table.Row"(node, cx) {
    const row = el("tr");
    for (const cell of children(node)) {
      const dom = renderNode(cell, { ...cx, headerRow: Boolean(node.header) });
      row.append(dom);
    }
    return row;
  },
  "Table.Cell"(node, cx) {
    const cell = el(cx.headerRow ? "th" : "td");
    if (node.colSpan) cell.colSpan = node.colSpan;
    if (node.rowSpan) cell.rowSpan = node.rowSpan;
    if (node.align) cell.style.textAlign = node.align === "start" ? "left" : node.align === "end" ? "right" : "center";
    if (node.vAlign) cell.style.verticalAlign = node.vAlign === "start" ? "top" : node.vAlign === "end" ? "bottom" : "middle";
    if (node.width !== undefined) cell.style.width = length(node.width);
    if (node.padding !== undefined) spacing(cell.style, "padding", node.padding);
    renderChildren(node, cell, { ...cx, headerRow: false });
    return cell;
  },
  Chart(node) {
    // Charts are shown as their data: a table with one column per series.
    const dom = el("div", "ck-chart");
    const key = typeof node.xAxis === "string" ? node.xAxis : node.xAxis?.dataKey;
    const series = node.series || [];
    const table = el("table", "ck-table");
    const head = el("tr");
    head.append(el("th", null, key || ""));
    for (const s of series) head.append(el("th", null, s.label ?? s.dataKey));
    table.append(head);
    for (const row of node.data || []) {
      const tr = el("tr");
      tr.append(el("td", null, row[key] ?? ""));
      for (const s of series) tr.append(el("td", null, row[s.dataKey] ?? ""));
      table.append(tr);
    }
    dom.append(el("div", "item-label", `chart (${series.map((s) => s.type).join(", ") || "no series"})`), table);
    return dom;
  },
};

function renderStatus(status) {
  const dom = el("div", "ck-status");
  if (status.icon) dom.append(icon(status.icon));
  if (status.favicon && safeImageUrl(status.favicon)) {
    const img = el("img", "ck-favicon");
    img.src = status.favicon;
    img.alt = "";
    dom.append(img);
  }
  dom.append(el("span", null, status.text));
  return dom;
}

// ---------------------------------------------------------------------------------------
// Client-handled actions

/**
 * The default client handler: shows the action, and lets the developer send an action to
 * the server, as a client handler chaining a server action would (`sendCustomAction`).
 */
async function defaultClientAction(action, item) {
  const panel = $("client-actions");
  const card = el("div", "client-action");
  card.append(el("div", "item-label", `client action “${action.type}” from item ${item.id}`));
  card.append(el("p", "hint", "Handled by the page: nothing was sent. Edit the action and send it to chain a server action, or replace window.chatkitPlayground.onClientAction."));
  const editor = el("textarea", "client-action-json");
  editor.rows = 6;
  editor.spellcheck = false;
  editor.setAttribute("aria-label", "Action to send");
  editor.value = JSON.stringify(action, null, 2);
  const withItem = el("label", "ck-checkbox");
  const checkbox = el("input");
  checkbox.type = "checkbox";
  checkbox.checked = true;
  withItem.append(checkbox, el("span", null, `with item_id ${item.id}`));
  const send = el("button", "primary", "Send to server");
  send.type = "button";
  const dismiss = el("button", "ghost", "Dismiss");
  dismiss.type = "button";
  const row = el("div", "client-action-row");
  row.append(withItem, dismiss, send);
  card.append(editor, row);
  const close = () => {
    card.remove();
    panel.hidden = panel.children.length === 0;
  };
  dismiss.addEventListener("click", close);
  send.addEventListener("click", async () => {
    let edited;
    try {
      edited = JSON.parse(editor.value);
    } catch (error) {
      editor.setCustomValidity(`not JSON: ${error.message}`);
      editor.reportValidity();
      return;
    }
    if (!isObject(edited) || typeof edited.type !== "string") {
      editor.setCustomValidity('an action is an object with a string "type"');
      editor.reportValidity();
      return;
    }
    editor.setCustomValidity("");
    close();
    await playground.sendCustomAction(edited, checkbox.checked ? item.id : undefined);
  });
  panel.append(card);
  panel.hidden = false;
}

function defaultEffect(name, data) {
  logEntry("note", `client effect ${name}`, data);
}

// ---------------------------------------------------------------------------------------
// The composer

function updateComposer() {
  const busy = Boolean(state.stream);
  $("send").disabled = busy || state.attachments.some((pending) => pending.status !== "ready");
  if (!busy) $("stop").hidden = true;
}

async function sendUserMessage(text) {
  if (state.stream || state.attachments.some((pending) => pending.status !== "ready")) return;
  const attachments = state.attachments.map((pending) => pending.attachment.id);
  if (!text.trim() && !attachments.length) return;
  // Sent with this message: the composer starts empty again.
  state.attachments = [];
  renderPendingAttachments();
  const input = userInput(text, attachments);
  if (state.threadId) {
    await requestStream({
      type: "threads.add_user_message",
      params: { thread_id: state.threadId, input },
    });
  } else {
    await requestStream({ type: "threads.create", params: { input } });
  }
}

// ---------------------------------------------------------------------------------------
// Attachments: ChatKit's upload flow. Two-phase (the default): `attachments.create` with the
// file's name, size and type, then the bytes as `multipart/form-data` (field `file`) to the
// upload descriptor's URL, with its method and headers. Direct (`playground.uploadStrategy =
// {type: "direct", uploadUrl}`): the same form posted to `uploadUrl`, which answers the
// attachment. A pending attachment is removed with `attachments.delete`.

/** Sends a file's bytes as ChatKit does; returns the answer's JSON (if any). */
async function uploadBytes(url, method, headers, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const title = `upload ${file.name}`;
  logEntry("request", title, { url, method, name: file.name, size: file.size, mime_type: file.type });
  setPending(1);
  try {
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...playground.requestHeaders, ...headers },
        body: form,
        credentials: "same-origin",
      });
    } catch (error) {
      logEntry("error", `${title}: ${error.message}`);
      throw new RequestError(error.message, 0, null);
    }
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: shown as text.
    }
    if (!response.ok) {
      logEntry("error", `${response.status} ${title}`, parsed);
      throw new RequestError(parsed?.error?.message || `${response.status} ${response.statusText}`, response.status, parsed);
    }
    logEntry("response", title, parsed ?? { status: response.status });
    return parsed;
  } finally {
    setPending(-1);
  }
}

/** Attaches a file to the message being written: uploads it and shows it pending. */
async function attachFile(file) {
  const pending = {
    key: uid("attachment"),
    name: file.name,
    size: file.size,
    mime_type: file.type || "application/octet-stream",
    status: "uploading",
    attachment: null,
  };
  state.attachments.push(pending);
  renderPendingAttachments();
  try {
    const strategy = playground.uploadStrategy || { type: "two_phase" };
    if (strategy.type === "direct") {
      pending.attachment = await uploadBytes(strategy.uploadUrl, "POST", {}, file);
    } else {
      const created = await requestJson({
        type: "attachments.create",
        params: { name: file.name, size: file.size, mime_type: pending.mime_type },
      });
      pending.attachment = created;
      const descriptor = created?.upload_descriptor;
      if (descriptor?.url) {
        await uploadBytes(descriptor.url, descriptor.method || "POST", descriptor.headers || {}, file);
      }
    }
    if (!isObject(pending.attachment) || typeof pending.attachment.id !== "string") {
      throw new Error("the server answered no attachment");
    }
    pending.status = "ready";
  } catch (error) {
    state.attachments = state.attachments.filter((other) => other !== pending);
    // An attachment created but not uploaded is no use: it goes (the sweeper would remove it).
    if (pending.attachment?.id) await deleteAttachment(pending.attachment.id).catch(() => {});
    showNotice("danger", error.message, `${file.name} could not be attached`);
  }
  renderPendingAttachments();
  updateComposer();
}

function deleteAttachment(id) {
  return requestJson({ type: "attachments.delete", params: { attachment_id: id } });
}

/** Removes a pending attachment: from the composer, and from the server. */
async function removeAttachment(key) {
  const pending = state.attachments.find((other) => other.key === key);
  if (!pending || pending.status !== "ready") return;
  state.attachments = state.attachments.filter((other) => other !== pending);
  renderPendingAttachments();
  updateComposer();
  try {
    await deleteAttachment(pending.attachment.id);
  } catch (error) {
    showNotice("danger", error.message, `${pending.name} could not be deleted`);
  }
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderPendingAttachments() {
  const list = $("pending-attachments");
  list.replaceChildren();
  list.hidden = state.attachments.length === 0;
  for (const pending of state.attachments) {
    const li = el("li", "pending-attachment");
    li.dataset.status = pending.status;
    if (pending.attachment?.id) li.dataset.attachmentId = pending.attachment.id;
    const preview = pending.attachment?.preview_url;
    if (pending.status === "ready" && pending.attachment?.type === "image" && safeImageUrl(preview)) {
      const img = el("img");
      img.src = preview;
      img.alt = pending.name;
      li.append(img);
    } else {
      li.append(fileIcon(pending.name));
    }
    const text = el("span", "attachment-text");
    text.append(
      el("div", "attachment-name", pending.name),
      el("div", "attachment-meta", pending.status === "ready" ? `${pending.mime_type} · ${formatSize(pending.size)}` : "uploading…"),
    );
    li.append(text);
    const remove = el("button", "ghost remove", "×");
    remove.type = "button";
    remove.title = `Remove ${pending.name}`;
    remove.setAttribute("aria-label", `Remove ${pending.name}`);
    remove.disabled = pending.status !== "ready";
    remove.addEventListener("click", () => removeAttachment(pending.key));
    li.append(remove);
    list.append(li);
  }
}

// ---------------------------------------------------------------------------------------
// The page's hooks

/**
 * `window.chatkitPlayground`: the page's hooks and helpers, for the developer's console and
 * for tests.
 */
const playground = {
  /** The ChatKit endpoint's path. */
  endpoint: ENDPOINT,
  /** Every entry of the protocol panel: `{direction, title, body, at}`. */
  log,
  /** Headers added to every request (an `Authorization`, a user id…); the Headers box sets it. */
  requestHeaders: {},
  /** Receives `handler: "client"` actions: `(action, {id, widget}) => Promise`. */
  onClientAction: defaultClientAction,
  /** Receives `client_effect` events: `(name, data) => void`. */
  onEffect: defaultEffect,
  /** Sends an action to the server, as ChatKit's `sendCustomAction(action, itemId?)`. */
  sendCustomAction: (action, itemId) => sendAction(action, itemId, true),
  /** Sends a user message to the open thread (or a new one), with the pending attachments. */
  sendUserMessage,
  /**
   * How files are uploaded, as ChatKit's `uploadStrategy`: `{type: "two_phase"}` (the
   * default: `attachments.create`, then the bytes to its upload URL) or
   * `{type: "direct", uploadUrl}` (the bytes posted to `uploadUrl`).
   */
  uploadStrategy: { type: "two_phase" },
  /** Attaches a `File` to the message being written. */
  attachFile,
  /** The attachments waiting to be sent: `{name, size, mime_type, status, attachment}`. */
  get pendingAttachments() {
    return state.attachments.map(({ key, ...pending }) => clone(pending));
  },
  /** Opens a thread by id. */
  openThread,
  /**
   * Applies a stream event as if the server had sent it, without sending anything: preview a
   * widget with `applyEvent({type: "thread.item.done", item: {type: "widget", id, widget}})`.
   */
  applyEvent(event) {
    logEntry("note", `applied by hand: ${event?.type}`, event);
    applyEvent(event);
  },
  /** The open thread's id (null for a new thread). */
  get threadId() {
    return state.threadId;
  },
  /** The open thread's items, as the page holds them. */
  get items() {
    return state.items;
  },
  /** Whether no request is in flight. */
  get idle() {
    return state.pending === 0;
  },
};
window.chatkitPlayground = playground;

// ---------------------------------------------------------------------------------------
// Request headers (an `Authorization`, a user id…), kept in localStorage

const HEADERS_KEY = "chatkit-playground.headers";

/** Parses the headers box: an object of string values, or an error message. */
function parseHeaders(text) {
  if (!text.trim()) return { headers: {} };
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON: ${error.message}` };
  }
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === "string")) {
    return { error: "expected an object of string values" };
  }
  try {
    new Headers(value);
  } catch (error) {
    return { error: error.message };
  }
  return { headers: value };
}

function setupHeaders() {
  const panel = $("headers-panel");
  const input = $("headers-input");
  const toggle = $("headers-toggle");
  const saved = parseHeaders(localStorage.getItem(HEADERS_KEY) || "");
  if (saved.headers) playground.requestHeaders = saved.headers;
  const show = () => {
    input.value = Object.keys(playground.requestHeaders).length
      ? JSON.stringify(playground.requestHeaders, null, 2)
      : "";
    toggle.textContent = Object.keys(playground.requestHeaders).length
      ? `Headers (${Object.keys(playground.requestHeaders).length})`
      : "Headers";
  };
  show();
  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) input.focus();
  });
  input.addEventListener("input", () => {
    $("headers-error").textContent = "";
  });
  panel.addEventListener("submit", (event) => {
    event.preventDefault();
    const parsed = parseHeaders(input.value);
    $("headers-error").textContent = parsed.error || "";
    if (parsed.error) return;
    playground.requestHeaders = parsed.headers;
    localStorage.setItem(HEADERS_KEY, JSON.stringify(parsed.headers));
    logEntry("note", "request headers changed", parsed.headers);
    show();
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    newThread();
    refreshThreads();
  });
}

function start() {
  $("endpoint-path").textContent = ENDPOINT;
  setupHeaders();
  const stop = el("button", "ghost", "Stop");
  stop.type = "button";
  stop.id = "stop";
  stop.hidden = true;
  stop.addEventListener("click", () => state.stream?.abort());
  $("composer").append(stop);
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("composer-input");
    const text = input.value;
    if ((!text.trim() && !state.attachments.length) || state.stream) return;
    if (state.attachments.some((pending) => pending.status !== "ready")) return;
    input.value = "";
    await sendUserMessage(text);
    input.focus();
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("attach").addEventListener("click", () => $("attach-input").click());
  $("attach-input").addEventListener("change", async (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    await Promise.all(files.map((file) => attachFile(file)));
  });
  $("new-thread").addEventListener("click", newThread);
  $("more-threads").addEventListener("click", () => refreshThreads(true));
  $("protocol-clear").addEventListener("click", () => {
    $("protocol-log").replaceChildren();
    log.length = 0;
    updateCounts();
  });
  $("protocol-collapse").addEventListener("click", () => {
    for (const details of $("protocol-log").querySelectorAll("details")) details.open = false;
  });
  setPending(0);
  updateCounts();
  refreshThreads();
}

start();
