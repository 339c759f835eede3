// The page's one live connection (PROTOCOL.md): subscribe to the streams the page shows,
// resume from the seq the page was rendered at, apply each event once, reconnect with
// backoff (at once when the server says it is going away). Pages work without it; it
// only keeps them current.

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
const GOING_AWAY = 1001;  // close code of a server shutting down (realtime/serve.py)

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
  // Ballots (stream ballot.<id>): the page is an <article data-live-list> whose parts carry
  // data attributes; the words come from its <template data-ballot-texts>.
  "ballot.tally"(box, data) {
    renderTurnout(box, data.participation, data.progress);
    if (data.tally) renderTally(box, data.tally);
    else if (!box.querySelector("[data-tally]")?.hidden) refreshTally(box);  // after_vote
  },
  "ballot.closed"(box, data) {
    if (box.dataset.status === "closed") return;
    box.dataset.status = "closed";
    box.classList.remove("status-open");
    box.classList.add("status-closed");
    const result = data.result || {};
    renderTurnout(box, result.tally?.participation, result.progress);
    if (result.tally) {
      renderTally(box, result.tally);
      const tallyBox = box.querySelector("[data-tally]");
      if (tallyBox) tallyBox.hidden = false;
      const title = box.querySelector("[data-tally-title]");
      if (title?.dataset.closedText) title.textContent = title.dataset.closedText;
      box.querySelector("[data-tally-note]")?.remove();
    }
    renderResult(box, result, data.notice_until);
    const badge = box.querySelector("[data-status-badge]");
    if (badge) {
      badge.textContent = badge.dataset.closedText || "";
      badge.className = "badge status-closed";
    }
    box.querySelectorAll("[data-when-open]").forEach((node) => node.remove());
    box.querySelectorAll("[data-when-closed]").forEach((node) => { node.hidden = false; });
  },
  // A draft opened: who may vote is now decided, so the page (the snapshot) is reloaded.
  "ballot.opened"(box) {
    if (box.dataset.status === "draft") reloadKeepingDrafts();
  },
  "ballot.objection"(box, data) {
    box.querySelectorAll("[data-objection-count]").forEach((node) => { node.textContent = String(data.count); });
  },
};

// Ballot helpers ---------------------------------------------------------------------

function ballotTexts(box) {
  return box.querySelector("template[data-ballot-texts]")?.dataset ?? {};
}

// "%(name)s" placeholders, as the server's gettext templates have them.
function fill(template, values) {
  return String(template || "").replace(/%\((\w+)\)s/g, (_m, name) => String(values[name] ?? ""));
}

// 62%, 66.7%: one decimal, none when whole (voting/views.py percent()).
function percent(part, whole = 1) {
  if (!Number(whole)) return "0%";
  const value = Math.round((Number(part) / Number(whole)) * 1000) / 10;
  return `${value.toFixed(1).replace(/\.0$/, "")}%`;
}

function areaText(value) {
  const number = Number(value);
  return Number.isFinite(number) ? `${number.toFixed(2)} m²` : String(value);
}

function shareText(share, t) {
  if (!share) return "";
  if (!share.num) return t.most || "";
  return `${share.inclusive ? "≥" : ">"}\u00a0${share.num}/${share.den}`;  // as the server: one unit
}

function renderTurnout(box, participation, progress) {
  if (progress) {
    ["heads", "area"].forEach((measure) => {
      const value = Number(progress[measure] || 0);
      box.querySelectorAll(`[data-pct="${measure}"]`).forEach((node) => { node.textContent = percent(value); });
      box.querySelectorAll(`meter[data-meter="${measure}"]`).forEach((node) => { node.value = value; });
    });
    const met = box.querySelector("[data-quorum-met]");
    if (met && progress.needed) met.hidden = !progress.met;
  }
  if (participation) {
    box.querySelectorAll('[data-count="heads"]').forEach((node) => { node.textContent = String(participation.heads); });
    box.querySelectorAll('[data-count="area"]').forEach((node) => { node.textContent = areaText(participation.area); });
  }
}

function renderTally(box, tally) {
  const voted = Number(tally.participation?.heads || 0);
  Object.entries(tally.options || {}).forEach(([key, count]) => {
    const row = box.querySelector(`[data-tally] [data-option="${CSS.escape(key)}"]`);
    if (!row) return;
    const heads = Number(count.heads || 0);
    const set = (selector, text) => { const node = row.querySelector(selector); if (node) node.textContent = text; };
    set("[data-heads]", String(heads));
    set("[data-percent]", percent(heads, voted));
    set("[data-area]", areaText(count.area));
    const meter = row.querySelector("meter[data-meter]");
    if (meter) { meter.max = Math.max(voted, 1); meter.value = heads; }
  });
}

// Results shown only to voters who have voted are not in the event: read them over HTTP.
let tallyFetch = null;
function refreshTally(box) {
  if (tallyFetch || !box.dataset.tallyUrl) return;
  tallyFetch = fetch(box.dataset.tallyUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((body) => { if (body?.tally) renderTally(box, body.tally); })
    .catch(() => {})
    .finally(() => { tallyFetch = null; });
}

function optionLabels(box) {
  const labels = {};
  box.querySelectorAll("[data-tally] [data-option]").forEach((row) => {
    labels[row.dataset.option] = row.querySelector(".label")?.textContent || row.dataset.option;
  });
  return labels;
}

// One check of the result with its numbers (voting/views.py check_line()).
function checkLine(check, labels, t) {
  const isArea = check.measure === "area";
  return fill(t.check, {
    what: check.kind === "quorum" ? t.turnout : (labels[check.option] ?? check.option),
    measure: isArea ? t.area : t.heads,
    part: isArea ? areaText(check.part) : check.part,
    whole: isArea ? areaText(check.whole) : check.whole,
    percent: Number(check.whole) ? percent(check.part, check.whole) : "0%",
    share: shareText(check.share, t),
  });
}

function renderResult(box, result, noticeUntil) {
  const section = box.querySelector("[data-result]");
  if (!section) return;
  const t = ballotTexts(box);
  const outcome = result.outcome || {};
  const labels = optionLabels(box);
  section.replaceChildren();
  section.className = `card result ${outcome.passed ? "passed" : "failed"} fresh`;
  section.append(el("h2", "verdict", outcome.passed ? `${t.passed || ""} ✓` : (t.failed || "")));
  if (!outcome.quorum_met) section.append(el("p", "why", t.noQuorum || ""));
  const winners = outcome.winners || [];
  if (winners.length && result.tally?.method !== "yes_no") {
    section.append(el("p", "winners", fill(t.winners, { options: winners.map((k) => labels[k] ?? k).join("、") })));
  }
  const checks = el("ul", "checks");
  (outcome.checks || []).forEach((check) => {
    const item = el("li", check.met ? "met" : "unmet");
    item.append(el("strong", "mark", check.met ? `✓ ${t.met || ""}` : `✗ ${t.unmet || ""}`),
      el("span", "", checkLine(check, labels, t)));
    checks.append(item);
  });
  section.append(checks);
  const rounds = result.tally?.rounds || [];
  if (rounds.length) section.append(roundList(rounds, labels, t));
  if (noticeUntil) section.append(el("p", "notice-until", fill(t.notice, { date: timeFormat.format(new Date(noticeUntil)) })));
  section.hidden = false;
}

// An instant runoff's rounds (voting/views.py result_view()).
function roundList(rounds, labels, t) {
  const list = el("ol", "rounds");
  const names = (keys) => keys.map((key) => labels[key] ?? key).join(t.separator);
  rounds.forEach((round, i) => {
    const counts = Object.entries(round.counts || {}).map(([key, value]) => `${labels[key] ?? key} ${value}`);
    let line = fill(t.round, { number: i + 1, counts: counts.join(t.separator) });
    if (round.eliminated?.length) line += ` ${fill(t.out, { names: names(round.eliminated) })}`;
    list.append(el("li", "", line));
  });
  return list;
}

// What one vote form sends: the choice as a list (checkboxes, ranked selects in order).
function castData(form) {
  const fields = new FormData(form);
  const data = { choice: fields.getAll("choice").map(String).filter(Boolean) };
  if (fields.get("elector")) data.elector = String(fields.get("elector"));
  return data;
}

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
  // A vote: say so where the voter looks; a secret vote's receipt replaces its form.
  "ballot.cast"(form, data) {
    const slot = form.closest("[data-slot]");
    const box = form.closest("[data-live-list]");
    const t = box ? ballotTexts(box) : {};
    const voted = slot?.querySelector("[data-voted]");
    if (voted) voted.hidden = false;
    // A vote cast can no longer be given to a proxy.
    if (slot && box) box.querySelector(`#proxy input[name=elector][value="${slot.dataset.slot}"]`)?.closest("#proxy")?.remove();
    if (data?.receipt) {
      const receipt = slot?.querySelector("[data-receipt]");
      if (receipt) {
        receipt.querySelector("[data-receipt-code]").textContent = data.receipt;
        receipt.hidden = false;
        receipt.classList.add("fresh");
      }
      form.remove();
      receipt?.scrollIntoView({ block: "center" });
      return;
    }
    const button = form.querySelector("[data-cast-button]");
    if (button?.dataset.again) button.textContent = button.dataset.again;
    if (data?.changed) setStatusFor(form, t.changed);  // the first vote: [data-voted] says it
    if (box && box.dataset.visibility === "after_vote") {
      const tallyBox = box.querySelector("[data-tally]");
      if (tallyBox) { tallyBox.hidden = false; box.querySelector("[data-tally-note]")?.remove(); refreshTally(box); }
    }
  },
};

// A short confirmation under a form, read out by screen readers.
function setStatusFor(form, text) {
  let note = form.querySelector("[data-form-done]");
  if (!note) {
    note = el("p", "voted fresh");
    note.dataset.formDone = "";
    note.setAttribute("role", "status");
    form.append(note);
  }
  note.textContent = `✓ ${text || ""}`;
}

// How a form's fields become the `do` data; the default is one value per name.
const formData = {
  "ballot.cast": castData,
};
// Forms that keep what was chosen after sending (a vote may be changed until close).
const keepValues = new Set(["ballot.cast"]);

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
  if (frame.stream === badge?.dataset.userStream) effects[frame.type]?.(frame.data);
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
    const action = form.dataset.action;
    const data = formData[action]?.(form) ?? Object.fromEntries(new FormData(form).entries());
    delete data.csrfmiddlewaretoken;
    if (button) button.disabled = true;
    try {
      const reply = await request({ op: "do", stream: form.dataset.stream, action, data });
      if (!keepValues.has(action)) form.reset();
      if (errorEl) errorEl.hidden = true;
      afterDo[action]?.(form, reply.data);
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

// The new-ballot form: a matter template fills in who votes and the rule at once (without
// JavaScript the "use this template" button reloads the form filled in).
function enhanceMatterForm() {
  const select = document.querySelector("[data-matter-select]");
  if (!select) return;
  const form = select.form;
  document.querySelectorAll("[data-matter-pick]").forEach((node) => { node.hidden = true; });  // no reload needed
  // Only the fields that matter for the chosen method, electorate and rule are shown.
  const sync = () => {
    const method = form.elements.method?.value;
    const scope = form.elements.scope?.value;
    form.querySelectorAll("[data-when-method]").forEach((node) => {
      node.hidden = !node.dataset.whenMethod.split(" ").includes(method);
    });
    form.querySelectorAll("[data-when-scope]").forEach((node) => {
      node.hidden = !node.dataset.whenScope.split(" ").includes(scope);
    });
    const custom = form.querySelector(".custom-rule");
    if (custom) custom.open = form.elements.preset?.value === "custom";
  };
  select.addEventListener("change", () => {
    const chosen = select.selectedOptions[0]?.dataset ?? {};
    [["voter_unit", chosen.voterUnit], ["scope", chosen.scope], ["preset", chosen.preset], ["method", chosen.method]]
      .forEach(([name, value]) => { if (value && form.elements[name]) form.elements[name].value = value; });
    const basis = form.querySelector("[data-matter-basis]");
    if (basis) {
      basis.textContent = chosen.basis ? `${basis.dataset.label || ""}${chosen.basis}` : "";
      basis.hidden = !chosen.basis;
    }
    sync();
  });
  form.addEventListener("change", sync);
  sync();
}

// Print buttons of printable pages.
function enhancePrint() {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
}

// What page modules use instead of a socket of their own (one socket per page).
window.linli = {
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

enhanceTextSize();
enhanceMatterForm();
enhancePrint();
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
