"""Lighthouse-style basics on the main pages: a title, one main landmark, labelled controls, readable contrast."""

from __future__ import annotations

from pathlib import Path

import pytest

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
