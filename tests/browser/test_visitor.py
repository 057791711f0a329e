"""A visitor walks the public pages: no console errors, nothing wider than a phone screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MOBILE_WIDTH
from tests.browser.seed import log_in

PUBLIC_PAGES = ["/", "/films/", "/search/?q=alien", "/vibe/", "/accounts/login/", "/accounts/signup/"]


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", [1400, MOBILE_WIDTH])
def test_public_pages_render_without_errors_or_sideways_scroll(page, site, console_errors, width):
    page.set_viewport_size({"width": width, "height": 900})
    film = site.films["Alien"]
    member_pages = [
        f"/members/{site.other.username}/{tail}" for tail in ("", "diary/", "watchlist/", "lists/", "stats/")
    ]
    for path in [*PUBLIC_PAGES, f"/films/{film.pk}/", *member_pages]:
        response = page.goto(site.url + path)
        assert response.status < 400, path
        page.wait_for_load_state("networkidle")
        assert page.title(), path
        assert page.locator("main").count() == 1, path
        _no_sideways_scroll(page)


def test_search_suggestions_appear_as_you_type_and_lead_to_the_film(page, site, console_errors):
    page.goto(site.url + "/")
    page.get_by_role("searchbox").first.fill("stalkr")
    suggestion = page.locator("#search-suggestions a", has_text="Stalker").first
    suggestion.wait_for()
    suggestion.click()
    expect(page).to_have_url(re.compile(f"/films/{site.films['Stalker'].pk}/"))


def test_arrow_keys_and_enter_pick_a_suggestion(page, site, console_errors):
    page.goto(site.url + "/")
    box = page.get_by_role("searchbox").first
    box.fill("vertgo")
    page.locator("#search-suggestions a").first.wait_for()
    box.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('suggestion')")
    first = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.type") == "search"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    # Enter starts a navigation; expect() waits for it (the page may still be idle right after the key press).
    expect(page).to_have_url(re.compile(re.escape(first) + "$"))
    assert f"/films/{site.films['Vertigo'].pk}/" in page.url


def test_after_back_the_filters_show_what_the_results_use_and_focus_stays_on_the_control(page, site, console_errors):
    page.goto(site.url + "/films/")
    page.get_by_label("Genre").focus()
    with page.expect_response(lambda response: "genre=drama" in response.url):
        page.get_by_label("Genre").select_option("drama")
    expect(page).to_have_url(re.compile(r"genre=drama"))
    expect(page.locator("#browse-genre")).to_be_focused()
    with page.expect_response(lambda response: "decade=1970s" in response.url):
        page.get_by_label("Decade").select_option("1970s")
    expect(page).to_have_url(re.compile(r"decade=1970s"))
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"decade=1970s"))
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Genre").input_value() == "drama"
    assert page.get_by_label("Decade").input_value() == ""
    titles = page.locator("#results a.title").all_inner_texts()
    assert "Stalker" in titles and "Persona" in titles  # both Drama, different decades


@pytest.mark.parametrize("width", [1400, MOBILE_WIDTH])
def test_chart_labels_on_the_stats_page_are_readable(page, site, console_errors, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site.url}/members/{site.other.username}/stats/")
    heights = [box["height"] for box in (label.bounding_box() for label in page.locator(".chart-label").all())]
    assert heights and min(heights) >= 10, f"chart labels drawn {min(heights):.1f}px tall"


MEMBER_PAGES = [
    "/feed/",
    "/recommendations/",
    "/recommendations/start/",
    "/settings/",
    "/members/mira/",
    "/import/letterboxd/",
    "/lists/new/",
    "/settings/favourites/",
    "/settings/delete/",
]


@pytest.mark.parametrize("width", [1400, MOBILE_WIDTH])
def test_member_pages_render_without_errors_or_sideways_scroll(page, site, console_errors, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, site)
    for path in MEMBER_PAGES:
        response = page.goto(site.url + path)
        assert response.status < 400, path
        page.wait_for_load_state("networkidle")
        assert page.title() and page.locator("main").count() == 1, path
        _no_sideways_scroll(page)
    page.goto(site.url + "/feed/")
    assert page.locator(".activity-poster img").count() >= 1
