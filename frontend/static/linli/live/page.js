// Page conveniences with no socket: larger text, the new-ballot form's matter templates,
// print buttons.

function enhanceTextSize() {
  const root = document.documentElement;
  // The header's toggle and the 我的 page's: both show the same on-state.
  const buttons = document.querySelectorAll("[data-textsize]");
  const apply = (on) => {
    root.classList.toggle("large-text", on);
    buttons.forEach((button) => button.setAttribute("aria-pressed", String(on)));
  };
  apply(window.localStorage.getItem("linli.largeText") === "1");
  buttons.forEach((button) => button.addEventListener("click", () => {
    const on = !root.classList.contains("large-text");
    window.localStorage.setItem("linli.largeText", on ? "1" : "0");
    apply(on);
  }));
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

enhanceTextSize();
enhanceMatterForm();
enhancePrint();
