// Each cell of a table of records carries its column's name (data-label), so a phone can show the rows as
// cards ("Lĩnh vực: Giao thông") without a table wider than the screen (see app.css).
function labelCells(root = document) {
  for (const table of root.querySelectorAll("main table")) {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!names.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (names[index] && cell.colSpan === 1 && !cell.dataset.label) cell.dataset.label = names[index];
      });
    }
  }
}

document.addEventListener("DOMContentLoaded", () => labelCells());
document.addEventListener("htmx:afterSettle", (event) => labelCells(event.target));
