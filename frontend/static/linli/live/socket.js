// The page's one live connection (docs/protocol.md): subscribe to the streams the page
// shows, resume from the seq the page was rendered at, apply each event once, reconnect with
// backoff (at once when the server says it is going away). Pages work without it; it only
// keeps them current.
//
// This is the core only. What an event changes on the page is said by the feature modules
// (ballot.js, forum.js, notifications.js, outreach.js) through `on`, `onUserEvent`,
// `afterDo` and `formData`; page modules (room.js) listen to "linli:event".

import { texts } from "./dom.js";

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
const GOING_AWAY = 1001;  // close code of a server shutting down (realtime/serve.py)

// The header badge's stream: the user's own (notifications), on every page.
export const userStreamNode = document.querySelector("[data-user-stream]");

// What the feature modules register ----------------------------------------------------------

// Renderers by event type, given the page's [data-live-list] of the event's stream. Each is
// idempotent: an item already shown is left alone.
const renderers = {};
// Effects of an event of the user's own stream on the page as a whole.
const effects = {};
// What a successful `do` from a live form changes at once, before its event arrives.
const doneHandlers = {};
// How a form's fields become the `do` data; the default is one value per name.
const formReaders = {};
// Forms that keep what was chosen after sending.
const keepValues = new Set();

export function on(type, render) { renderers[type] = render; }
export function onUserEvent(type, effect) { effects[type] = effect; }
export function afterDo(action, handler) { doneHandlers[action] = handler; }
export function formData(action, read, { keep = false } = {}) {
  formReaders[action] = read;
  if (keep) keepValues.add(action);
}

// The connection -----------------------------------------------------------------------------

function setStatus(text) {
  if (!statusEl) return;
  statusEl.hidden = !text;
  statusEl.textContent = text || "";
}

function listFor(stream) {
  return document.querySelector(`[data-live-list][data-stream="${stream}"]`);
}

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

// Page modules (room.js) see every event applied here, in order and once, as "linli:event".
function announce(frame) {
  document.dispatchEvent(new CustomEvent("linli:event", { detail: frame }));
}

function onEvent(frame) {
  const list = listFor(frame.stream);
  if (frame.seq === undefined) { announce(frame); return; }  // ephemeral: shown, not counted
  const last = lastSeq.get(frame.stream) ?? 0;
  if (frame.seq <= last) return;         // already applied
  if (frame.seq > last + 1) {            // a gap: ask for what we missed, in order
    subscribe(frame.stream);              // (once: later frames wait for the replay)
    return;
  }
  lastSeq.set(frame.stream, frame.seq);
  const render = renderers[frame.type];
  if (list && render) render(list, frame.data);
  if (frame.stream === userStreamNode?.dataset.userStream) effects[frame.type]?.(frame.data);
  announce(frame);
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
    let delay;
    if (event.code === GOING_AWAY) {
      // The server is shutting down cleanly (a restart, a deploy): another one is up, so
      // come back at once, and start the backoff over. The random second keeps its
      // thousands of clients from all arriving in the same instant.
      attempt = 0;
      delay = Math.random() * 1000;
    } else {
      delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
    }
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
export function reloadKeepingDrafts() {
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
    const action = form.dataset.action;
    const data = formReaders[action]?.(form) ?? Object.fromEntries(new FormData(form).entries());
    delete data.csrfmiddlewaretoken;
    if (button) button.disabled = true;
    try {
      const reply = await request({ op: "do", stream: form.dataset.stream, action, data });
      if (!keepValues.has(action)) form.reset();
      if (errorEl) errorEl.hidden = true;
      doneHandlers[action]?.(form, reply.data);
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

// What page modules use instead of a socket of their own (one socket per page).
export const linli = {
  // A `do` on this socket: resolves with the `ok` data; rejects with the `err` frame
  // ({code, message}) or {code: "disconnected"}, when the page's plain form is the way.
  do(stream, action, data) {
    return request({ op: "do", stream, action, data: data ?? {} }).then((frame) => frame.data ?? {});
  },
  // Follow a stream the page gained after it loaded (a room's new ballot), from `seq`.
  follow(stream, seq) {
    if (lastSeq.has(stream)) return;
    lastSeq.set(stream, Number(seq) || 0);
    if (!socket) connect();
    else if (socket.readyState === WebSocket.OPEN) subscribe(stream);
  },
  get live() { return Boolean(socket && socket.readyState === WebSocket.OPEN); },
  reload: reloadKeepingDrafts,
};
window.linli = linli;

// Every stream the page shows, from the seq it was rendered at; a stream shown twice (the
// inbox and the header badge) resumes from the earlier of the two reads.
export function start() {
  restoreDrafts();
  const nodes = [...document.querySelectorAll("[data-live-list]"), ...(userStreamNode ? [userStreamNode] : [])];
  nodes.forEach((node) => {
    const stream = node.dataset.stream || node.dataset.userStream;
    if (!stream) return;
    const seq = Number(node.dataset.seq || 0);
    lastSeq.set(stream, Math.min(seq, lastSeq.get(stream) ?? seq));
  });
  enhanceForms();
  if (lastSeq.size) connect();
}
