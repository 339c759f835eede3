// A deliberation room's page (moderation/templates/moderation/room.html), kept current from
// the room's events over the page's one socket (live/socket.js: "linli:event", `linli`).
//
// The page arrives rendered from the room's snapshot, which it also carries as JSON
// (#room-data). Each event of room.<id> is applied to that state the way the server's
// engine applies it (moderation/procedure/replay.py), then the parts are drawn again. The
// server owns the clock: the countdown only shows ends_at against the server's time, and
// the floor ends when the server says so (speech.ended). Which controls show is the
// server's word: the flags of moderation/presenters.py, read again after each event.
//
// Every command is a plain form that POSTs to /rooms/<id>/do/<action>/; with the socket up
// it is sent as `do room.<action>` instead, and a refusal shows its message in the form.

import { csrfField, el, fill, formError, hidden, lines } from "./live/dom.js";
import { linli } from "./live/socket.js";

const root = document.getElementById("room");
const dataNode = document.getElementById("room-data");

if (root && dataNode) start(JSON.parse(dataNode.textContent));

function start(snap) {
  const t = snap.texts;
  const me = snap.me;
  const stream = snap.stream;
  const isChair = Boolean(snap.is_chair) && snap.status === "open";
  let state = snap.state;
  let names = { ...snap.names };
  let queueOrder = snap.queue_order || [];
  let suggested = snap.suggested;
  // Which controls show: the server's word (moderation/presenters.py flags()), read again
  // from the room's state URL after each event.
  let flags = new Set(snap.flags || []);
  let applied = snap.seq;          // the last room event reflected in `state`
  let status = snap.status;
  // The server's clock minus ours. `server_now` was read as the page was made, so it is
  // matched with when its response began to arrive, not with when this script ran.
  const navigation = performance.getEntriesByType?.("navigation")?.[0];
  const arrived = navigation?.responseStart ? performance.timeOrigin + navigation.responseStart : Date.now();
  let offset = snap.server_now - arrived / 1000;
  let decidedText = "";             // the text of the motion being voted on, for its result
  const liveTexts = document.getElementById("live-texts")?.dataset ?? {};
  const clockFormat = new Intl.DateTimeFormat(document.documentElement.lang, {
    timeZone: liveTexts.tz || undefined, hour: "2-digit", minute: "2-digit", hour12: false,
  });

  const $ = (selector) => root.querySelector(selector);
  const $$ = (selector) => root.querySelectorAll(selector);

  function nameOf(user) { return names[String(user)] || ""; }

  function learnNames(data) {
    ["user", "to", "seconder"].forEach((key) => {
      if (data[key] != null && data[`${key}_name`]) names[String(data[key])] = data[`${key}_name`];
    });
  }

  const top = () => (state.motions.length ? state.motions[state.motions.length - 1] : null);

  function phase() {
    const motion = top();
    if (motion) return motion.status === "moved" ? "motion_moved" : motion.status;
    return state.result ? "result" : "waiting";
  }

  // Events -> state (moderation/procedure/replay.py apply) ---------------------------------

  const without = (keep) => { state.queue = state.queue.filter(keep); };
  const motionById = (id) => state.motions.find((m) => m.id === id);

  const apply = {
    "motion.moved"(d) {
      state.motions.push({ id: d.motion, mover: d.user, text: d.text, amends: d.amends, status: "moved", seconder: null, adopted: [] });
      if (d.amends == null) state.result = null;
    },
    "motion.seconded"(d) {
      const motion = motionById(d.motion);
      if (motion) { motion.seconder = d.user; motion.status = "debate"; }
    },
    "motion.withdrawn"(d) {
      without((e) => e.motion !== d.motion);
      state.motions = state.motions.filter((m) => m.id !== d.motion);
    },
    "hand.raised"(d) { state.queue.push({ user: d.user, kind: "speech", side: d.side, motion: d.motion }); },
    "hand.withdrawn"(d) { without((e) => !(e.user === d.user && e.kind === "speech" && e.motion === d.motion)); },
    "point.raised"(d) { state.queue.push({ user: d.user, kind: "order", side: null, motion: null }); },
    "point.withdrawn"(d) { without((e) => !(e.user === d.user && e.kind === "order")); },
    "floor.given"(d) {
      without((e) => !(e.user === d.user && e.kind === d.kind && e.motion === d.motion));
      state.floor = { user: d.user, kind: d.kind, motion: d.motion, side: d.side, started_at: d.at, ends_at: d.ends_at, remaining: null };
    },
    "speech.ended"() { state.floor = null; },
    "time.extended"(d) { if (state.floor) state.floor.ends_at = d.ends_at; },
    "vote.called"(d) {
      without((e) => e.motion !== d.motion);
      const motion = motionById(d.motion);
      if (motion) { motion.status = "voting"; decidedText = motion.text; }
    },
    "vote.result"(d) {
      const decided = motionById(d.motion);
      without((e) => e.motion !== d.motion);
      if (decided && decided.amends != null) {
        state.motions = state.motions.filter((m) => m.id !== d.motion);
        const main = motionById(decided.amends);
        if (main && d.passed) main.adopted.push(d.motion);
        return;
      }
      state.motions = [];
      state.result = { motion: d.motion, ayes: d.ayes, noes: d.noes, abstentions: d.abstentions, passed: d.passed };
    },
    "chair.changed"(d) {
      if (state.co_chair === d.chair) state.co_chair = d.previous;
      state.chair = d.chair;
      state.chair_present = true;
    },
    "co_chair.named"(d) { state.co_chair = d.user; },
    "chair.disconnected"() { state.chair_present = false; },
    "chair.returned"() { state.chair_present = true; },
    "room.paused"(d) {
      const held = state.floor;
      if (held && held.ends_at != null) { held.remaining = held.ends_at - d.at; held.ends_at = null; }
      state.paused = d.reason;
    },
    "room.resumed"(d) {
      const held = state.floor;
      if (held && held.remaining != null) { held.ends_at = d.at + held.remaining; held.remaining = null; }
      state.paused = null;
    },
    "item.next"(d) {
      without((e) => e.kind !== "order");
      state.item = d.item;
      state.result = null;
    },
  };

  // Drawing ------------------------------------------------------------------------------

  function drawFlags() {
    const found = flags;
    root.dataset.flags = [...found].sort().join(" ");
    $$("[data-need]").forEach((node) => {
      node.hidden = !node.dataset.need.split(" ").every((flag) => found.has(flag));
    });
    const speakStatus = $("[data-speak-status]");
    if (speakStatus) {
      const mine = found.has("my-floor");
      speakStatus.textContent = mine ? t.my_floor : t.wait_floor;
      speakStatus.classList.toggle("go", mine);
    }
  }

  function drawHead() {
    const current = phase();
    $$("[data-phase-label]").forEach((node) => {
      node.textContent = t.phases[current] || "";
      node.className = `badge phase phase-${current}`;
    });
    const paused = $("[data-paused-badge]");
    if (paused) paused.hidden = !state.paused;
    const chair = $("[data-chair-name]");
    if (chair && nameOf(state.chair)) chair.textContent = nameOf(state.chair);
    const number = $("[data-agenda-number]");
    if (number) number.textContent = fill(t.agenda_item, { number: state.item + 1, count: state.agenda.length });
    const item = $("[data-agenda-item]");
    if (item) item.textContent = state.agenda[state.item] || "";
    const closed = status !== "open";
    root.dataset.status = status;
    const note = $("[data-closed-note]");
    if (note) note.hidden = !closed;
    const badge = $("[data-closed-badge]");
    if (badge) badge.hidden = !closed;
  }

  function drawMotions() {
    const box = $("[data-motions]");
    if (!box) return;
    if (!state.motions.length) {
      // After a vote the result says what was decided; before, how to begin.
      box.replaceChildren(...(state.result ? [] : [el("p", "muted", t.no_motion)]));
    } else {
      box.replaceChildren(...state.motions.map((m) => {
        const item = el("div", `motion-item status-${m.status}${m.amends != null ? " amendment" : ""}`);
        item.dataset.motion = m.id;
        if (m.amends != null) item.append(el("p", "kind", t.amendment));
        item.append(el("p", "motion-text", m.text));
        let who = fill(t.moved_by, { name: nameOf(m.mover) });
        if (m.seconder) who += `${t.comma}${fill(t.seconded_by, { name: nameOf(m.seconder) })}`;
        item.append(el("p", "meta", who));
        return item;
      }));
    }
    const result = $("[data-result-box]");
    if (!result) return;
    result.hidden = !state.result;
    if (!state.result) return;
    const r = state.result;
    result.className = `result-box ${r.passed ? "passed" : "failed"}`;
    if (decidedText) result.querySelector("[data-decided]").textContent = decidedText;
    result.querySelector("[data-verdict]").textContent = r.passed ? `${t.passed} ✓` : t.failed;
    result.querySelector("[data-counts]").textContent = fill(t.counts, r);
  }

  function sideLabel(entry) {
    return entry.kind === "order" ? t.point : (t.sides[entry.side] || "");
  }

  function drawQueue() {
    const list = $("[data-queue]");
    if (list) {
      list.replaceChildren(...(state.queue.length ? state.queue.map((e) => {
        const item = el("li");
        item.dataset.user = e.user;
        item.append(el("strong", "", nameOf(e.user)), " ", el("span", `side side-${e.side || "order"}`, sideLabel(e)));
        return item;
      }) : [el("li", "muted", t.empty_queue)]));
    }
    const count = $("[data-queue-count]");
    if (count) count.textContent = String(state.queue.length);
  }

  function actionForm(action, fields, label, className) {
    const form = el("form", className || "");
    form.method = "post";
    form.action = `/rooms/${Number(snap.id)}/do/${action}/`;
    form.dataset.roomAction = action;
    form.append(csrfField(root));
    Object.entries(fields).forEach(([name, value]) => form.append(hidden(name, value)));
    const button = el("button", "small", label);
    button.type = "submit";
    form.append(button, formError());
    return form;
  }

  function drawConsole() {
    if (!isChair) return;
    const list = $("[data-console-queue]");
    if (list) {
      list.replaceChildren(...(queueOrder.length ? queueOrder.map((e) => {
        const item = el("li");
        item.dataset.user = e.user;
        const who = el("span", "who");
        who.append(el("strong", "", e.name || nameOf(e.user)), " ", el("span", `side side-${e.side || "order"}`, sideLabel(e)));
        item.append(who, actionForm("give_floor", { to: e.user }, t.give));
        return item;
      }) : [el("li", "muted", t.empty_queue)]));
    }
    const first = queueOrder[0];
    const name = $("[data-suggested-name]");
    if (name) name.textContent = first ? (first.name || nameOf(first.user)) : "";
    const label = $("[data-suggested-label]");
    if (label) label.textContent = first ? sideLabel(first) : "";
    const to = $("[data-suggested-to]");
    if (to) to.value = suggested == null ? "" : String(suggested);
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.ceil(seconds));
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function drawFloor() {
    const held = $("[data-floor-held]");
    if (!held) return;
    const floor = state.floor;
    held.hidden = !floor;
    $("[data-floor-none]").hidden = Boolean(floor);
    if (!floor) return;
    $("[data-floor-name]").textContent = nameOf(floor.user);
    $("[data-floor-side]").textContent = sideLabel(floor);
    $("[data-floor-paused]").hidden = !state.paused;
    held.classList.toggle("mine", floor.user === me);
    tick();
  }

  // The countdown: the server's ends_at against the server's time now (our clock + offset).
  function tick() {
    const floor = state.floor;
    const node = $("[data-countdown]");
    if (!floor || !node) return;
    // Never more than the speech was given (a late page would otherwise add its delay).
    const given = floor.ends_at == null ? Infinity : floor.ends_at - floor.started_at;
    const left = floor.ends_at == null
      ? (floor.remaining ?? 0)
      : Math.min(given, floor.ends_at - (Date.now() / 1000 + offset));
    const text = clock(left);
    if (node.textContent !== text) node.textContent = text;
    node.classList.toggle("low", left <= 10);
    node.classList.toggle("over", left <= 0 && floor.ends_at != null);
    node.classList.toggle("frozen", floor.ends_at == null);
  }
  setInterval(tick, 250);

  function speechItem(d) {
    const item = el("li", "speech fresh");
    item.dataset.speech = d.speech;
    item.dataset.user = d.user;
    const meta = el("p", "meta");
    meta.append(el("strong", "name", d.user_name || nameOf(d.user)));
    const side = state.floor && state.floor.user === d.user ? state.floor.side : null;
    if (side) meta.append(" ", el("span", `side side-${side}`, t.sides[side] || ""));
    const time = el("time", "", clockFormat.format(new Date(d.at * 1000)));
    time.dateTime = new Date(d.at * 1000).toISOString();
    meta.append(" · ", time);
    item.append(meta, lines(el("p", "text"), d.text || ""));
    if (isChair) item.append(actionForm("rule_off_topic", { speech: d.speech }, t.rule_button, "rule-form"));
    return item;
  }

  function collapse(number) {
    const item = $(`[data-speech="${Number(number)}"]`);
    if (!item || item.classList.contains("off-topic")) return;
    item.classList.add("off-topic");
    const text = item.querySelector(".text");
    const details = el("details", "ruled");
    details.append(el("summary", "", t.ruled));
    if (text) details.append(text);
    item.querySelector(".rule-form")?.remove();
    item.querySelector(".meta").after(details);
  }

  // What happened, in words, newest first (a few only: the speeches keep the record).
  function notice(type, d) {
    const n = t.notices;
    const name = d.user_name || nameOf(d.user);
    let text = "";
    let key = type;
    switch (type) {
      case "motion.moved": text = fill(d.amends != null ? n["amendment.moved"] : n[type], { name, text: d.text }); break;
      case "motion.withdrawn": text = d.reason === "lapsed" ? n["motion.lapsed"] : n[type]; break;
      case "hand.raised": text = fill(n[type], { name, side: t.sides[d.side] || "" }); break;
      case "speech.ended": key = `speech.ended.${d.reason}`; text = fill(n[key], { name }); break;
      case "time.extended": text = fill(n[type], { name, seconds: d.seconds }); break;
      case "ruling.off_topic": text = fill(n[type], { name: name || nameOf(d.user), count: d.warnings, limit: t.limit }); break;
      case "vote.result": {
        const counts = fill(t.counts, d);
        const amendment = motionById(d.motion)?.amends != null;
        text = fill(amendment ? n["amendment.result"] : n[type], { verdict: d.passed ? t.passed : t.failed, counts });
        break;
      }
      case "co_chair.named": text = d.user == null ? n["co_chair.none"] : fill(n[type], { name }); break;
      case "chair.changed": text = fill(n[type], { name: d.chair_name || nameOf(d.chair) }); break;
      case "item.next": text = fill(n[type], { item: state.agenda[d.item] || String(d.item + 1) }); break;
      case "room.paused": if (d.reason === "chair_away") return; text = n[type]; break;  // said by chair.disconnected
      default: text = n[type] ? fill(n[type], { name }) : "";
    }
    if (!text) return;
    const list = $("[data-notices]");
    if (!list) return;
    list.querySelector("[data-empty]")?.remove();
    const item = el("li", "fresh", text);
    item.dataset.type = type;
    if (d.reason) item.dataset.reason = d.reason;
    list.prepend(item);
    while (list.children.length > 6) list.lastElementChild.remove();
  }

  function reaction(d) {
    const strip = $("[data-reaction-strip]") || document.querySelector("[data-reaction-strip]");
    if (!strip) return;
    const bubble = el("span", "bubble", `${d.emoji} ${t.reactions[d.emoji] || ""} ${nameOf(d.user)}`.trim());
    strip.append(bubble);
    while (strip.children.length > 8) strip.firstElementChild.remove();
    setTimeout(() => bubble.remove(), 4000);
  }

  function drawAll() {
    drawHead();
    drawMotions();
    drawFloor();
    drawQueue();
    drawConsole();
    drawFlags();
  }

  // After a change, the server's word on the room is read again: which controls show (the
  // flags) and, for the chair's console, the queue in the rules' order. Events are applied
  // at once above; this follows within a moment, once for a burst of events.
  // While a read is due or under way the room carries data-refreshing: what is on screen may
  // still be a moment behind the server's word (tests wait for it to go).
  let refreshTimer = null;
  let refreshes = 0;
  function refresh() {
    clearTimeout(refreshTimer);
    const mine = ++refreshes;
    root.dataset.refreshing = "";
    refreshTimer = setTimeout(async () => {
      try {
        const response = await fetch(snap.state_url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const fresh = await response.json();
        queueOrder = fresh.queue_order || [];
        suggested = fresh.suggested;
        names = { ...names, ...fresh.names };
        if (fresh.seq >= applied) {
          state = fresh.state;
          applied = fresh.seq;
          flags = new Set(fresh.flags || []);
          offset = fresh.server_now - Date.now() / 1000;
        }
        drawAll();
      } catch { /* the next event asks again */ }
      finally {
        if (mine === refreshes) delete root.dataset.refreshing;
      }
    }, 120);
  }

  // The vote box of a ballot opened after the page loaded: drawn by the server, then
  // followed on ballot.<id> (live.js renders its ballot.tally and ballot.closed).
  async function showVote() {
    const slot = $("[data-vote-slot]");
    if (!slot) return;
    try {
      const response = await fetch(snap.vote_url, { credentials: "same-origin" });
      if (response.status !== 200) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const box = doc.querySelector("[data-vote]");
      if (!box) return;
      slot.replaceChildren(document.importNode(box, true));
      linli.follow(box.dataset.stream, Number(box.dataset.seq || 0));
    } catch { /* a reload shows it */ }
  }

  function clearVote() {
    $("[data-vote-slot]")?.replaceChildren();
  }

  document.addEventListener("linli:event", (event) => {
    const frame = event.detail;
    if (frame.stream !== stream) return;
    const d = frame.data || {};
    if (frame.seq === undefined) {
      if (frame.type === "room.reaction") reaction(d);
      return;
    }
    learnNames(d);
    // An amendment's result goes back to the main motion's debate: its count is done with.
    const amendmentDecided = frame.type === "vote.result" && motionById(d.motion)?.amends != null;
    if (frame.type === "vote.result") notice(frame.type, d);  // before the motion is gone
    if (frame.seq > applied) {
      applied = frame.seq;
      apply[frame.type]?.(d);
    }
    switch (frame.type) {
      case "speech.posted": {
        const list = $("[data-speeches]");
        if (list && !list.querySelector(`[data-speech="${Number(d.speech)}"]`)) {
          list.querySelector("[data-empty]")?.remove();
          list.append(speechItem(d));
        }
        break;
      }
      case "ruling.off_topic": collapse(d.speech); break;
      case "room.ballot": showVote(); break;
      case "vote.result": if (amendmentDecided) clearVote(); break;
      case "motion.moved": if (d.amends == null) clearVote(); break;
      case "item.next": clearVote(); break;
      case "room.closed": status = "closed"; break;
      case "chair.changed":
        // The console comes or goes with the chair: the page is drawn again for them.
        if (d.chair === me || d.previous === me) { linli.reload(); return; }
        break;
      default:
    }
    if (frame.type !== "vote.result") notice(frame.type, d);
    drawAll();
    refresh();
  });

  // Commands over the socket, with the plain POST as the fallback ------------------------

  const NUMBERS = new Set(["to", "seconds", "speech"]);

  function commandData(form, submitter) {
    const data = {};
    new FormData(form, submitter || undefined).forEach((value, key) => {
      if (key === "csrfmiddlewaretoken") return;
      const text = String(value);
      data[key] = NUMBERS.has(key) && /^\d{1,15}$/.test(text.trim()) ? Number(text) : text;
    });
    if (form.dataset.roomAction === "name_co_chair" && !data.to) data.to = null;
    return data;
  }

  function showError(form, failure) {
    const error = form.querySelector("[data-form-error]") || $("[data-page-error]");
    if (!error) return;
    error.textContent = failure?.message || t.failed_send;
    error.hidden = false;
  }

  function clearError(form) {
    const error = form.querySelector("[data-form-error]");
    if (error) error.hidden = true;
    const page = $("[data-page-error]");
    if (page) page.hidden = true;
  }

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form");
    if (!form || !linli.live) return;  // no socket: the plain POST goes
    const action = form.dataset.roomAction;
    const vote = form.matches("[data-room-vote]");
    if (!action && !vote) return;
    event.preventDefault();
    const submitter = event.submitter;
    const data = vote ? { choice: submitter?.value ? [submitter.value] : [] } : commandData(form, submitter);
    const buttons = [...form.querySelectorAll("button")];
    buttons.forEach((button) => { button.disabled = true; });  // after reading: disabled fields are not sent
    try {
      if (vote) {
        await linli.do(form.dataset.stream, "ballot.cast", data);
        form.querySelector("[data-voted]")?.removeAttribute("hidden");
        buttons.forEach((button) => button.setAttribute("aria-pressed", String(button === submitter)));
      } else {
        await linli.do(stream, `room.${action}`, data);
        if (["speak", "move", "amend"].includes(action)) form.reset();
      }
      clearError(form);
    } catch (failure) {
      showError(form, failure);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });

  drawAll();
}
