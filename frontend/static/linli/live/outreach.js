// Outreach (a committee's notice to households): its live counts and delivery progress, and
// the selection form that previews how many households a filter reaches.

import { hidden, texts } from "./dom.js";
import { on } from "./socket.js";

function setAll(box, attribute, data) {
  Object.entries(data).forEach(([key, value]) => {
    box.querySelectorAll(`[${attribute}="${key}"]`).forEach((node) => { node.textContent = String(value); });
  });
}

on("outreach.counts", (box, data) => setAll(box, "data-count", data));
on("outreach.progress", (box, data) => setAll(box, "data-progress", data));
on("outreach.delivered", (box, data) => {
  setAll(box, "data-progress", { published: data.published, total: data.total });
  box.querySelectorAll("[data-delivered]").forEach((node) => { node.hidden = false; });
});

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
          const field = hidden(name, value);
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

enhancePreview();
