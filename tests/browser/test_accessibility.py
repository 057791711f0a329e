"""Lighthouse-style basics on the main pages: a title, one main landmark, labelled controls, readable contrast."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.seed import log_in

CHECKS = (Path(__file__).parent / "a11y.js").read_text()


@pytest.mark.parametrize("member", [False, True], ids=["visitor", "member"])
def test_main_pages_have_titles_landmarks_labels_and_contrast(page, site, console_errors, member):
    if member:
        log_in(page, site)
    film = site.films["Stalker"]
    pages = [
        "/",
        "/films/",
        f"/films/{film.pk}/",
        "/vibe/?q=green",
        f"/members/{site.other.username}/",
        f"/members/{site.other.username}/stats/",
        "/search/?q=stalker",
    ]
    if member:
        pages += ["/recommendations/", "/recommendations/start/", "/settings/", "/feed/"]
    problems = {}
    for path in pages:
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        found = []
        if not page.title().strip():
            found.append("no title")
        if page.locator("main").count() != 1:
            found.append("not exactly one main landmark")
        found += page.evaluate(CHECKS)
        if found:
            problems[path] = found
    assert problems == {}


# The focus ring of the focused element, or of the star label that draws a visually hidden radio.
FOCUS_RING = """() => {
  const focused = document.activeElement;
  const drawn = focused.matches('.star-rating input') ? focused.nextElementSibling : focused;
  const style = getComputedStyle(drawn);
  return {
    tag: focused.tagName.toLowerCase(),
    type: focused.type || '',
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
  };
}"""


def _tab_to(page, wanted, *, limit: int = 80) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_RING)
        if wanted(focused):
            return focused
    raise AssertionError("never reached by Tab")


def test_tabbing_onto_a_link_a_button_and_a_star_shows_a_focus_ring(page, site, console_errors):
    log_in(page, site)
    page.goto(f"{site.url}/films/{site.films['Stalker'].pk}/")
    expect(page.locator("main h1")).to_be_visible()
    assert _tab_to(page, lambda focused: focused["tag"] == "a")["ring"], "a link"
    assert _tab_to(page, lambda focused: focused["tag"] == "button")["ring"], "a button"
    assert _tab_to(page, lambda focused: focused["type"] == "radio")["ring"], "a star"
