"""The recommendations page: a poster grid, a segmented mode control, and the URL says what is on screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.seed import log_in


def test_mode_changes_update_the_url_and_survive_a_refresh(page, site, console_errors):
    log_in(page, site)
    page.goto(f"{site.url}/recommendations/")
    assert page.locator(".recs-list .recs-item").count() >= 2
    with page.expect_response(lambda response: "/recommendations/" in response.url and "mode=gems" in response.url):
        page.locator("label[for=mode-gems]").click()
    expect(page).to_have_url(re.compile(r"mode=gems"))
    page.reload()
    assert page.get_by_role("radio", name="Hidden gems").is_checked()


def test_surprise_me_shows_a_few_picks_and_draws_another(page, site, console_errors):
    log_in(page, site)
    page.goto(f"{site.url}/recommendations/?mode=surprise")
    assert 1 <= page.locator(".recs-list .recs-item").count() <= 3
    with page.expect_response(lambda response: "mode=surprise" in response.url):
        page.get_by_role("link", name="Another one").click()
    assert 1 <= page.locator(".recs-list .recs-item").count() <= 3


def test_the_grid_has_several_columns_on_a_desktop(page, site, console_errors):
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, site)
    page.goto(f"{site.url}/recommendations/")
    tops = {round(box["y"]) for box in (item.bounding_box() for item in page.locator(".recs-item").all()[:4])}
    assert len(tops) == 1, "the first four recommendations share a row"
