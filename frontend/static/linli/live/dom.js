// Small DOM helpers shared by the live modules and room.js.

// The page's words for live updates (frontend/templates/frontend/base.html #live-texts).
export const texts = document.getElementById("live-texts")?.dataset ?? {};

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Text with its line breaks kept, as the server's linebreaksbr renders it.
export function lines(node, text) {
  String(text).split("\n").forEach((line, i) => {
    if (i) node.append(document.createElement("br"));
    node.append(line);
  });
  return node;
}

// "%(name)s" placeholders, as the server's gettext templates have them.
export function fill(template, values) {
  return String(template || "").replace(/%\((\w+)\)s/g, (_m, name) => String(values[name] ?? ""));
}

// Times read as the server renders them: the site's zone, not the browser's.
const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang, {
  timeZone: texts.tz || undefined, year: "numeric", month: "long", day: "numeric",
  hour: "2-digit", minute: "2-digit", hour12: false,
});

export function timeEl(iso) {
  const node = el("time", "", timeFormat.format(new Date(iso)));
  node.dateTime = iso;
  return node;
}

// A hidden form field.
export function hidden(name, value) {
  const field = el("input");
  field.type = "hidden"; field.name = name; field.value = String(value);
  return field;
}

// The page's CSRF token as a hidden field, for forms drawn after the page loaded.
export function csrfField(scope = document) {
  const token = scope.querySelector("input[name=csrfmiddlewaretoken]");
  return hidden("csrfmiddlewaretoken", token ? token.value : "");
}

// The error line under a form (filled by the submit handlers).
export function formError() {
  const error = el("p", "form-error");
  error.dataset.formError = ""; error.hidden = true; error.setAttribute("role", "alert");
  return error;
}

// Say a live change politely to screen readers (the page's one aria-live region, in
// base.html). Emptied first, so the same words said twice are read twice.
export function announce(text) {
  const region = document.querySelector("[data-announce]");
  if (!region || !text) return;
  region.textContent = "";
  setTimeout(() => { region.textContent = String(text).replace(/\s+/g, " ").trim(); }, 50);
}
