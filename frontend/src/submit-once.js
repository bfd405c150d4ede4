// Submit buttons show that the form is on its way and a second click sends nothing twice (a slow phone
// network otherwise invites a second dossier). The button is marked busy, not disabled: a disabled
// submitter would drop its own name and value from the form being sent.
const BUSY = "is-busy";

function busyLabel() {
  return document.body.dataset.busyLabel || "…";
}

function markBusy(form, submitter) {
  form.dataset.submitting = "true";
  form.setAttribute("aria-busy", "true");
  const buttons = submitter ? [submitter] : form.querySelectorAll("button[type=submit], button:not([type])");
  for (const button of buttons) {
    button.setAttribute("aria-disabled", "true");
    button.classList.add(BUSY);
    if (!button.dataset.idleLabel) button.dataset.idleLabel = button.textContent;
    button.textContent = busyLabel();
  }
}

function markIdle(form) {
  delete form.dataset.submitting;
  form.removeAttribute("aria-busy");
  for (const button of form.querySelectorAll(`.${BUSY}`)) {
    button.removeAttribute("aria-disabled");
    button.classList.remove(BUSY);
    if (button.dataset.idleLabel) button.textContent = button.dataset.idleLabel;
  }
}

function isHtmx(form) {
  return ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete"].some((name) => form.hasAttribute(name));
}

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    // Searches and filters (GET) may be sent again at will; downloads would leave the button busy.
    if (!(form instanceof HTMLFormElement) || form.method !== "post" || form.hasAttribute("data-submit-many")) {
      return;
    }
    if (form.dataset.submitting) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    // Let htmx and the browser's own checks decide first; mark the form once the submission goes ahead.
    window.setTimeout(() => {
      if (!event.defaultPrevented || isHtmx(form)) markBusy(form, event.submitter);
    }, 0);
  },
  true,
);

// htmx sends in the background: the form is usable again once the answer came (or failed).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target instanceof HTMLFormElement ? event.target : event.target.closest?.("form");
  if (form) markIdle(form);
});

// Back from the next page (the browser's page cache), the form is usable again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-submitting]")) markIdle(form);
});
