// Ballots (stream ballot.<id>): the ballot page, and a room's vote box, is an element with
// data-live-list whose live parts carry data-part. The server renders those parts (the
// turnout, the tally, the result: voting/presenters.py); after an event the box fetches
// them again from its data-live-url and puts them in place. Nothing is counted or worded
// here, so a figure that arrives live reads like a reloaded one.

import { announce, el } from "./dom.js";
import { afterDo, formData, on, reloadKeepingDrafts } from "./socket.js";

// Between two fetches of one box's parts: the server sends at most five tallies a second
// (voting/live.py); a page needs far fewer, and the last one is always fetched.
const FETCH_GAP = 1000;
// Every watcher gets the same event at the same moment: a random wait spreads their fetches
// over this much time instead of all of them arriving in the same millisecond.
const FETCH_SPREAD = 400;
const fetching = new WeakMap();  // box -> {running, again}
const waitingForSight = new Set();  // boxes with news while the tab was hidden

function refresh(box) {
  const url = box.dataset.liveUrl;
  if (!url) return;
  const state = fetching.get(box) ?? { running: false, again: false };
  fetching.set(box, state);
  if (state.running) { state.again = true; return; }
  if (document.hidden) { waitingForSight.add(box); return; }  // nobody is looking: fetch once back
  state.running = true;
  state.again = false;
  setTimeout(() => fetchParts(box, url, state), Math.random() * FETCH_SPREAD);
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  const boxes = [...waitingForSight];
  waitingForSight.clear();
  boxes.forEach(refresh);
});

function fetchParts(box, url, state) {
  fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then((response) => (response.status === 200 ? response.text() : null))
    .then((html) => { if (html) swapParts(box, html); })
    .catch(() => {})
    .finally(() => {
      setTimeout(() => {
        state.running = false;
        if (state.again) refresh(box);
      }, FETCH_GAP);
    });
}

// Each live part of the box, as the server renders it now (a part it no longer renders,
// e.g. the "count shown after you vote" note, goes).
function swapParts(box, html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const fresh = doc.querySelector(`[data-stream="${CSS.escape(box.dataset.stream)}"]`);
  if (!fresh) return;  // another ballot's box (a room moved on): leave this one
  const before = box.querySelector(".turnout-line")?.textContent;
  box.querySelectorAll("[data-part]").forEach((node) => {
    const part = fresh.querySelector(`[data-part="${CSS.escape(node.dataset.part)}"]`);
    if (!part) { node.remove(); return; }
    const copy = document.importNode(part, true);
    if (node.hidden && !copy.hidden) copy.classList.add("fresh");
    node.replaceWith(copy);
  });
  // The turnout in the server's words, when it moved (the full tally would be too long).
  const after = box.querySelector(".turnout-line")?.textContent;
  if (after && after !== before) announce(after);
}

on("ballot.tally", (box) => refresh(box));

on("ballot.closed", (box) => {
  if (box.dataset.status === "closed") return;
  box.dataset.status = "closed";
  box.classList.remove("status-open");
  box.classList.add("status-closed");
  const badge = box.querySelector("[data-status-badge]");
  if (badge) {
    badge.textContent = badge.dataset.closedText || "";
    badge.className = "badge status-closed";
  }
  box.querySelectorAll("[data-when-open]").forEach((node) => node.remove());
  box.querySelectorAll("[data-when-closed]").forEach((node) => { node.hidden = false; });
  refresh(box);
});

// A draft opened: who may vote is now decided, so the page (the snapshot) is reloaded.
on("ballot.opened", (box) => {
  if (box.dataset.status === "draft") reloadKeepingDrafts();
});

on("ballot.objection", (box, data) => {
  box.querySelectorAll("[data-objection-count]").forEach((node) => { node.textContent = String(data.count); });
});

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

function chosenLabels(form) {
  const ticked = [...form.querySelectorAll("input[name=choice]:checked")]
    .map((input) => input.closest("label")?.querySelector("span")?.textContent?.trim() || input.value);
  const ranked = [...form.querySelectorAll("select[name=choice]")]
    .map((select) => select.selectedOptions[0])
    .filter((option) => option && option.value)
    .map((option) => option.textContent.trim());
  return ticked.concat(ranked);
}

// A vote: say so where the voter looks; a secret vote's receipt replaces its form.
afterDo("ballot.cast", (form, data) => {
  const slot = form.closest("[data-slot]");
  const box = form.closest("[data-live-list]");
  const voted = slot?.querySelector("[data-voted]");
  if (voted) voted.hidden = false;
  // What was chosen, in the words of the form, as a reload shows it (open ballots).
  const chosen = voted?.querySelector("[data-voted-choice]");
  if (chosen) chosen.textContent = chosenLabels(form).join(voted.dataset.joiner || ", ");
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
  if (data?.changed) setStatusFor(form, form.dataset.changedText);  // the first vote: [data-voted] says it
  // Results shown to those who have voted: this voter now sees them.
  if (box && box.dataset.visibility === "after_vote") refresh(box);
});
