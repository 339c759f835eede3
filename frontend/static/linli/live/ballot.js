// Ballots (stream ballot.<id>): the ballot page, and a room's vote box, is an element with
// data-live-list whose parts carry data attributes; the words come from its
// <template data-ballot-texts>.

import { el, fill, texts } from "./dom.js";
import { afterDo, formData, on, reloadKeepingDrafts } from "./socket.js";

const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang, {
  timeZone: texts.tz || undefined, year: "numeric", month: "long", day: "numeric",
  hour: "2-digit", minute: "2-digit", hour12: false,
});

on("ballot.tally", (box, data) => {
  renderTurnout(box, data.participation, data.progress);
  if (data.tally) renderTally(box, data.tally);
  else if (!box.querySelector("[data-tally]")?.hidden) refreshTally(box);  // after_vote
});

on("ballot.closed", (box, data) => {
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
});

// A draft opened: who may vote is now decided, so the page (the snapshot) is reloaded.
on("ballot.opened", (box) => {
  if (box.dataset.status === "draft") reloadKeepingDrafts();
});

on("ballot.objection", (box, data) => {
  box.querySelectorAll("[data-objection-count]").forEach((node) => { node.textContent = String(data.count); });
});

function ballotTexts(box) {
  return box.querySelector("template[data-ballot-texts]")?.dataset ?? {};
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
// The form keeps what was chosen after sending: a vote may be changed until close.
formData("ballot.cast", (form) => {
  const fields = new FormData(form);
  const data = { choice: fields.getAll("choice").map(String).filter(Boolean) };
  if (fields.get("elector")) data.elector = String(fields.get("elector"));
  return data;
}, { keep: true });

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

// A vote: say so where the voter looks; a secret vote's receipt replaces its form.
afterDo("ballot.cast", (form, data) => {
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
});
