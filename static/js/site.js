// Small progressive enhancements; every feature also works without JavaScript.
document.addEventListener("click", (event) => {
  const spoiler = event.target.closest("[data-spoiler]");
  if (spoiler) spoiler.classList.add("revealed");
});
