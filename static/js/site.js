// Small progressive enhancements; every feature also works without JavaScript.

// The small-screen menu: one button opens and closes the navigation.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".menu-toggle");
  if (!toggle) return;
  const menu = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("open", open);
});

// Search suggestions: arrow keys move between them (and back to the box), Enter opens, Escape closes.
document.addEventListener("keydown", (event) => {
  const box = event.target.closest(".search");
  if (!box || !["ArrowDown", "ArrowUp", "Escape"].includes(event.key)) return;
  const input = box.querySelector("input[type=search]");
  const links = Array.from(box.querySelectorAll("#search-suggestions a"));
  if (event.key === "Escape") {
    const list = box.querySelector("#search-suggestions");
    if (list) list.replaceChildren();
    input.focus();
    return;
  }
  if (!links.length) return;
  event.preventDefault();
  const index = links.indexOf(document.activeElement);
  let next = event.key === "ArrowDown" ? index + 1 : index - 1;
  if (index === -1) next = event.key === "ArrowDown" ? 0 : links.length - 1;
  if (next < 0 || next >= links.length) input.focus();
  else links[next].focus();
});
// Vibe search: an untouched colour input must not search for near-black, so it is left out of the query
// until it is changed.
document.addEventListener("submit", () => {
  document.querySelectorAll("input[data-unpicked]").forEach((input) => { input.disabled = true; });
}, true);
document.addEventListener("input", (event) => {
  if (event.target.matches("input[data-unpicked]")) event.target.removeAttribute("data-unpicked");
});

// Trailers load only when asked: the button becomes YouTube's privacy-enhanced player (youtube-nocookie.com),
// so no request reaches YouTube before the click. The film page's CSP allows that one frame host.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".trailer-load");
  if (!button) return;
  const key = button.dataset.youtubeKey || "";
  if (!/^[A-Za-z0-9_-]{6,20}$/.test(key)) return;
  const frame = document.createElement("iframe");
  frame.src = `https://www.youtube-nocookie.com/embed/${key}?autoplay=1`;
  frame.title = button.dataset.title || "Trailer";
  frame.allow = "autoplay; encrypted-media; picture-in-picture";
  frame.allowFullscreen = true;
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  frame.className = "trailer-player";
  button.replaceWith(frame);
});
