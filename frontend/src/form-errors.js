// After a refused submit, the first field in error takes the focus (and the screen), so a keyboard or
// screen-reader user starts where the form needs them; the summary's links move focus to their field.
function focusField(field) {
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "center" });
}

export function focusFirstError(root = document) {
  const field = root.querySelector(
    ".field-invalid input:not([type=hidden]), .field-invalid select, .field-invalid textarea, [aria-invalid=true]",
  );
  if (field) focusField(field);
}

document.addEventListener("DOMContentLoaded", () => {
  focusFirstError();
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach((link) => {
    link.addEventListener("click", (event) => {
      const field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) {
        event.preventDefault();
        focusField(field);
      }
    });
  });
});
