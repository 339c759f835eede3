// Notifications: the inbox's live items, the header badge on every page, the 收到
// (acknowledge) form, and a decided verification reloading the page that shows it.

import { announce, el, formError, hidden, lines, texts, timeEl } from "./dom.js";
import { afterDo, on, onUserEvent, reloadKeepingDrafts, userStreamNode } from "./socket.js";

// The 收到 form as the page renders it: a plain POST that the submit handler sends as `do`.
function ackForm(stream, id) {
  const form = el("form", "ack");
  form.method = "post";
  form.action = `/notifications/${Number(id)}/ack/`;
  form.dataset.liveForm = "";
  form.dataset.stream = stream;
  form.dataset.action = "notification.ack";
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (csrf) form.append(hidden(csrf.name, csrf.value));
  const button = el("button", "ack-button", texts.ack || "OK");
  button.type = "submit";
  form.append(hidden("id", Number(id)), formError(), button);
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

// The header badge: notices waiting for 收到 and unread notifications.
function bumpBadge(delta) {
  const count = userStreamNode?.querySelector("[data-badge-count]");
  if (!count) return;
  const value = Math.max(0, (Number(count.textContent) || 0) + delta);
  count.textContent = String(value);
  count.hidden = value === 0;
}

on("notification.created", (list, data) => {
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
});

on("notification.acknowledged", (list, data) => {
  const item = list.querySelector(`[data-id="${Number(data.id)}"]`);
  if (item) markAcknowledged(item);
});

onUserEvent("notification.created", (data) => {
  if (!data.acknowledged) bumpBadge(1);
  announce(`${texts.newNotification || ""} ${data.title}`);
});
onUserEvent("notification.acknowledged", () => { bumpBadge(-1); });
// A decided verification changes what the page may show: reload it (drafts survive).
onUserEvent("verification.decided", () => {
  if (document.querySelector("[data-verification-status]")) reloadKeepingDrafts();
});

afterDo("notification.ack", (form) => {
  const item = form.closest(".notification");
  if (item) markAcknowledged(item);
});
