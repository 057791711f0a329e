// Small progressive enhancements; every feature also works without JavaScript.
document.addEventListener("click", (event) => {
  const spoiler = event.target.closest("[data-spoiler]");
  if (spoiler) spoiler.classList.add("revealed");
});

// The small-screen menu: one button opens and closes the navigation.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".menu-toggle");
  if (!toggle) return;
  const menu = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("open", open);
});
