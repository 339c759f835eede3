// The page's one live connection (PROTOCOL.md): subscribe to the streams the page shows,
// resume from the seq the page was rendered at, apply each event once, reconnect with
// backoff. Pages work without it; it only keeps them current.

const texts = document.getElementById("live-texts")?.dataset ?? {};
const statusEl = document.querySelector("[data-live-status]");
const lastSeq = new Map();   // stream -> last seq applied
const catchingUp = new Set(); // streams with a `sub` in flight: gaps wait for its answer
const pending = new Map();   // ref -> {resolve, reject}
let socket = null;
let attempt = 0;
let nextRef = 1;
let pingTimer = null;
let stableTimer = null;
const DRAFTS = "linli.drafts";

function setStatus(text) {
  if (!statusEl) return;
  statusEl.hidden = !text;
  statusEl.textContent = text || "";
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Times read as the server renders them: the site's zone, not the browser's.
const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang, {
  timeZone: texts.tz || undefined, year: "numeric", month: "long", day: "numeric",
  hour: "2-digit", minute: "2-digit", hour12: false,
});

function timeEl(iso) {
  const node = el("time", "", timeFormat.format(new Date(iso)));
  node.dateTime = iso;
  return node;
}

function listFor(stream) {
  return document.querySelector(`[data-live-list][data-stream="${stream}"]`);
}

// Renderers by event type. Each is idempotent: an item already shown is left alone.
const renderers = {
  "topic.created"(list, data) {
    if (list.querySelector(`[data-id="${data.id}"]`)) return;
    list.querySelector("[data-empty]")?.remove();
    const item = el("li", "topic fresh");
    item.dataset.id = data.id;
    const link = el("a", "title", data.title);
    link.href = `/topics/${Number(data.id)}/`;
    item.append(link);
    if (data.excerpt) item.append(el("p", "excerpt", data.excerpt));
    const meta = el("p", "meta");
    const replies = el("span", "", String(data.reply_count));
    replies.dataset.replies = "";
    meta.append(el("span", "author", data.author), " · ", timeEl(data.created_at), " · ",
      `${texts.replies || ""} `, replies);
    item.append(meta);
    list.prepend(item);
  },
  "topic.replied"(list, data) {
    const item = list.querySelector(`[data-id="${data.id}"]`);
    if (!item) return;
    const count = item.querySelector("[data-replies]");
    if (count) count.textContent = String(data.reply_count);
    list.prepend(item);
  },
  "post.created"(list, data) {
    if (list.querySelector(`[data-id="${data.id}"]`)) return;
    const item = el("li", "post fresh");
    item.dataset.id = data.id;
    const meta = el("p", "meta");
    meta.append(el("span", "author", data.author), " · ", timeEl(data.created_at));
    const body = el("div", "body");
    data.body.split("\n").forEach((line, i) => {
      if (i) body.append(document.createElement("br"));
      body.append(line);
    });
    item.append(meta, body);
    list.append(item);
  },
};

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function subscribe(stream) {
  if (catchingUp.has(stream)) return;
  catchingUp.add(stream);
  request({ op: "sub", stream, since: lastSeq.get(stream) })
    .catch((failure) => {
      // A passing failure (not a refusal) is retried; a closed socket resubscribes anyway.
      if (failure.code && !["forbidden", "disconnected", "too_many_streams"].includes(failure.code)) {
        setTimeout(() => subscribe(stream), 2000 + Math.random() * 3000);
      }
    })
    .finally(() => catchingUp.delete(stream));
}

function onEvent(frame) {
  const list = listFor(frame.stream);
  if (frame.seq === undefined) return;  // ephemeral: nothing on these pages yet
  const last = lastSeq.get(frame.stream) ?? 0;
  if (frame.seq <= last) return;         // already applied
  if (frame.seq > last + 1) {            // a gap: ask for what we missed, in order
    subscribe(frame.stream);              // (once: later frames wait for the replay)
    return;
  }
  lastSeq.set(frame.stream, frame.seq);
  const render = renderers[frame.type];
  if (list && render) render(list, frame.data);
}

function onFrame(message) {
  let frame;
  try { frame = JSON.parse(message.data); } catch { return; }
  if (frame.op === "ev") onEvent(frame);
  else if (frame.op === "err" && frame.stream && !frame.ref) {
    lastSeq.delete(frame.stream);  // no longer allowed to follow it: stop, and say so
    setStatus(frame.message);
  }
  else if (frame.op === "resync") reloadKeepingDrafts();  // the page is the snapshot
  else if (frame.op === "subbed") { if (!lastSeq.has(frame.stream)) lastSeq.set(frame.stream, frame.seq); }
  if (frame.ref && pending.has(frame.ref)) {
    const waiter = pending.get(frame.ref);
    pending.delete(frame.ref);
    if (frame.op === "err") waiter.reject(frame); else waiter.resolve(frame);
  }
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws/`, ["linli.v1"]);
  socket.addEventListener("open", () => {
    // The backoff resets only once the connection has stayed up for a while, so a
    // server that accepts and then closes at once is not hammered.
    clearTimeout(stableTimer);
    stableTimer = setTimeout(() => { attempt = 0; }, 10000);
    setStatus("");
    document.body.dataset.live = "on";
    lastSeq.forEach((_seq, stream) => subscribe(stream));
    clearInterval(pingTimer);
    pingTimer = setInterval(() => send({ op: "ping" }), 25000);
  });
  socket.addEventListener("message", onFrame);
  socket.addEventListener("close", (event) => {
    clearTimeout(stableTimer);
    catchingUp.clear();
    document.body.dataset.live = "off";
    clearInterval(pingTimer);
    pending.forEach((waiter) => waiter.reject({ code: "disconnected" }));
    pending.clear();
    if (event.code === 4401 || event.code === 4403) return;  // logged out or refused: stay off
    setStatus(texts.reconnecting || "…");
    const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    setTimeout(connect, delay);
  });
}

function request(frame) {
  const ref = `r${nextRef++}`;
  return new Promise((resolve, reject) => {
    if (!send({ ...frame, ref })) { reject({ code: "disconnected" }); return; }
    pending.set(ref, { resolve, reject });
  });
}

// A resync reloads the page; what the user was typing survives it.
function reloadKeepingDrafts() {
  const drafts = {};
  document.querySelectorAll("[data-live-form] textarea, [data-live-form] input[name]")
    .forEach((field) => { if (field.id && field.value) drafts[field.id] = field.value; });
  window.sessionStorage.setItem(DRAFTS, JSON.stringify(drafts));
  window.location.reload();
}

function restoreDrafts() {
  const saved = window.sessionStorage.getItem(DRAFTS);
  if (!saved) return;
  window.sessionStorage.removeItem(DRAFTS);
  try {
    Object.entries(JSON.parse(saved)).forEach(([id, value]) => {
      const field = document.getElementById(id);
      if (field && !field.value) field.value = value;
    });
  } catch { /* a damaged draft is dropped */ }
}

function enhanceForms() {
  document.querySelectorAll("[data-live-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;  // plain POST instead
      event.preventDefault();
      const errorEl = form.querySelector("[data-form-error]");
      const button = form.querySelector("button[type=submit]");
      const data = Object.fromEntries(new FormData(form).entries());
      delete data.csrfmiddlewaretoken;
      button.disabled = true;
      try {
        await request({ op: "do", stream: form.dataset.stream, action: form.dataset.action, data });
        form.reset();
        if (errorEl) errorEl.hidden = true;
      } catch (failure) {
        if (errorEl) {
          errorEl.textContent = failure.message || texts.failed || "";
          errorEl.hidden = false;
        }
      } finally {
        button.disabled = false;
      }
    });
  });
}

function enhanceTextSize() {
  const root = document.documentElement;
  const button = document.querySelector("[data-textsize]");
  const apply = (on) => {
    root.classList.toggle("large-text", on);
    if (button) button.setAttribute("aria-pressed", String(on));
  };
  apply(window.localStorage.getItem("linli.largeText") === "1");
  button?.addEventListener("click", () => {
    const on = !root.classList.contains("large-text");
    window.localStorage.setItem("linli.largeText", on ? "1" : "0");
    apply(on);
  });
}

enhanceTextSize();
restoreDrafts();
document.querySelectorAll("[data-live-list]").forEach((list) => {
  lastSeq.set(list.dataset.stream, Number(list.dataset.seq || 0));
});
enhanceForms();
if (lastSeq.size) connect();
