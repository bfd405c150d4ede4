// A commune found by name is picked into the form's list, which tells the page where the report will go.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-commune]");
  const select = document.getElementById("id_commune");
  if (!button || !select) return;
  select.value = button.dataset.commune;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  select.focus();
});
