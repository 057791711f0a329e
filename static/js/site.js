// Small progressive enhancements; every feature also works without JavaScript.
document.addEventListener("click", (event) => {
  const spoiler = event.target.closest("[data-spoiler]");
  if (spoiler) spoiler.classList.add("revealed");
});
// Vibe search: an untouched colour input must not search for near-black, so it is left out of the query
// until it is changed.
document.addEventListener("submit", () => {
  document.querySelectorAll("input[data-unpicked]").forEach((input) => { input.disabled = true; });
}, true);
document.addEventListener("input", (event) => {
  if (event.target.matches("input[data-unpicked]")) event.target.removeAttribute("data-unpicked");
});
