// Drag-and-drop reordering of a member's list; posts the new order of film ids. Without JavaScript the
// list's edit page has position fields instead.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("[data-reorder-url]");
  if (!list) return;
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[data-film]");
    if (dragged) { dragged.classList.add("dragging"); event.dataTransfer.effectAllowed = "move"; }
  });
  list.addEventListener("dragover", (event) => {
    const over = event.target.closest("[data-film]");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2 || event.clientX > box.left + box.width / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    const films = [...list.querySelectorAll("[data-film]")].map((item) => Number(item.dataset.film));
    list.querySelectorAll(".position").forEach((span, index) => { span.textContent = index + 1; });
    const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    fetch(list.dataset.reorderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ films }),
      credentials: "same-origin",
    }).then((response) => { if (!response.ok) list.classList.add("reorder-failed"); });
  });
});
