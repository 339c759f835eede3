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
  "notification.created"(list, data) {
    if (list.querySelector(`[data-id="${Number(data.id)}"]`)) return;
    list.querySelector("[data-empty]")?.remove();
    const item = el("li", "notification unread fresh");
    item.dataset.id = data.id;
    item.id = `n${Number(data.id)}`;
    item.append(el("h2", "title", data.title));
    const meta = el("p", "meta");
    meta.append(timeEl(data.created_at));
    if (data.kind === "outreach") meta.append(` · ${texts.fromCommittee || ""}`);
    item.append(meta);
    if (data.body) item.append(lines(el("p", "body"), data.body));
    if (data.kind === "outreach" && !data.acknowledged) item.append(ackForm(list.dataset.stream, data.id));
    list.prepend(item);
  },
  "notification.acknowledged"(list, data) {
    const item = list.querySelector(`[data-id="${Number(data.id)}"]`);
    if (item) markAcknowledged(item);
  },
  "outreach.counts"(box, data) {
    Object.entries(data).forEach(([key, value]) => {
      box.querySelectorAll(`[data-count="${key}"]`).forEach((node) => { node.textContent = String(value); });
    });
  },
  "outreach.progress"(box, data) {
    Object.entries(data).forEach(([key, value]) => {
      box.querySelectorAll(`[data-progress="${key}"]`).forEach((node) => { node.textContent = String(value); });
    });
  },
  "outreach.delivered"(box, data) {
    renderers["outreach.progress"](box, { published: data.published, total: data.total });
    box.querySelectorAll("[data-delivered]").forEach((node) => { node.hidden = false; });
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

function lines(node, text) {
  String(text).split("\n").forEach((line, i) => {
    if (i) node.append(document.createElement("br"));
    node.append(line);
  });
  return node;
}

// The 收到 form as the page renders it: a plain POST that the submit handler sends as `do`.
function ackForm(stream, id) {
  const form = el("form", "ack");
  form.method = "post";
  form.action = `/notifications/${Number(id)}/ack/`;
  form.dataset.liveForm = "";
  form.dataset.stream = stream;
  form.dataset.action = "notification.ack";
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (csrf) {
    const token = el("input");
    token.type = "hidden"; token.name = csrf.name; token.value = csrf.value;
    form.append(token);
  }
  const key = el("input");
  key.type = "hidden"; key.name = "id"; key.value = String(Number(id));
  const error = el("p", "form-error");
  error.dataset.formError = ""; error.hidden = true; error.setAttribute("role", "alert");
  const button = el("button", "ack-button", texts.ack || "OK");
  button.type = "submit";
  form.append(key, error, button);
  return form;
}

function markAcknowledged(item) {
  item.classList.add("acknowledged");
  item.classList.remove("unread");
  const form = item.querySelector("form.ack");
  if (!form) return;
  const done = el("p", "acked", `${texts.acked || ""} ✓`);
  done.dataset.acked = "";
  form.replaceWith(done);
}

// The header badge: notices waiting for 收到 and unread notifications, on every page.
const badge = document.querySelector("[data-user-stream]");
function bumpBadge(delta) {
  const count = badge?.querySelector("[data-badge-count]");
  if (!count) return;
  const value = Math.max(0, (Number(count.textContent) || 0) + delta);
  count.textContent = String(value);
  count.hidden = value === 0;
}

// Effects of an event on the page as a whole, whether or not it shows the stream's list.
const effects = {
  "notification.created"(data) { if (!data.acknowledged) bumpBadge(1); },
  "notification.acknowledged"() { bumpBadge(-1); },
  // A decided verification changes what the page may show: reload it (drafts survive).
  "verification.decided"() {
    if (document.querySelector("[data-verification-status]")) reloadKeepingDrafts();
  },
};

// What a successful `do` changes at once, before its event arrives.
const afterDo = {
  "notification.ack"(form) {
    const item = form.closest(".notification");
    if (item) markAcknowledged(item);
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
  if (frame.stream === badge?.dataset.userStream) effects[frame.type]?.(frame.data);
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

// Live forms, including those rendered later (a notice that arrived live): one handler.
function enhanceForms() {
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest?.("[data-live-form]");
    if (!form) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;  // plain POST instead
    event.preventDefault();
    const errorEl = form.querySelector("[data-form-error]");
    const button = form.querySelector("button[type=submit]");
    const data = Object.fromEntries(new FormData(form).entries());
    delete data.csrfmiddlewaretoken;
    if (button) button.disabled = true;
    try {
      const reply = await request({ op: "do", stream: form.dataset.stream, action: form.dataset.action, data });
      form.reset();
      if (errorEl) errorEl.hidden = true;
      afterDo[form.dataset.action]?.(form, reply.data);
    } catch (failure) {
      if (errorEl) {
        errorEl.textContent = failure.message || texts.failed || "";
        errorEl.hidden = false;
      }
    } finally {
      if (button) button.disabled = false;
    }
  });
}

// The outreach page's selection: a changed filter updates the household counts in place
// (GET .../outreach/preview/) and the selection the send and save forms carry.
function enhancePreview() {
  const form = document.querySelector("[data-preview-form]");
  if (!form) return;
  let latest = 0;
  form.addEventListener("change", async () => {
    const params = new URLSearchParams();
    new FormData(form).forEach((value, name) => { if (String(value).trim()) params.append(name, value); });
    const mine = ++latest;
    const errorEl = document.querySelector("[data-preview-error]");
    try {
      const response = await fetch(`${form.dataset.previewUrl}?${params}`, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      const body = await response.json();
      if (mine !== latest) return;  // a later change answers instead
      if (!response.ok) throw body;
      if (errorEl) errorEl.hidden = true;
      document.querySelectorAll("[data-preview]").forEach((node) => {
        node.textContent = String(body[node.dataset.preview] ?? "");
      });
      document.querySelectorAll("form[data-selection]").forEach((target) => {
        target.querySelectorAll("[data-filter-field]").forEach((node) => node.remove());
        params.forEach((value, name) => {
          const field = el("input");
          field.type = "hidden"; field.name = name; field.value = value;
          field.dataset.filterField = "";
          target.prepend(field);
        });
      });
      document.querySelectorAll("form[data-selection] [data-send]").forEach((button) => {
        button.disabled = !body.households;
      });
    } catch (failure) {
      if (mine !== latest || !errorEl) return;
      errorEl.textContent = failure.message || texts.failed || "";
      errorEl.hidden = false;
    }
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
// Every stream the page shows, from the seq it was rendered at; a stream shown twice (the
// inbox and the header badge) resumes from the earlier of the two reads.
[...document.querySelectorAll("[data-live-list]"), ...(badge ? [badge] : [])].forEach((node) => {
  const stream = node.dataset.stream || node.dataset.userStream;
  if (!stream) return;
  const seq = Number(node.dataset.seq || 0);
  lastSeq.set(stream, Math.min(seq, lastSeq.get(stream) ?? seq));
});
enhanceForms();
enhancePreview();
if (lastSeq.size) connect();
