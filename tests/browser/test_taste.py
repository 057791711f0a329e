"""Your match on a film page and taste compatibility on another member's profile, from a trained recommender."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import MOBILE_WIDTH
from tests.browser.seed import log_in
from tests.browser.test_accessibility import CHECKS
from tests.factories import make_member, make_rating

TOP = re.compile(r"Top (\d+)% for you")


def _top_percent(page, site, title: str) -> int:
    page.goto(f"{site.url}/films/{site.films[title].pk}/")
    match = page.locator(".your-match")
    expect(match).to_contain_text(TOP)
    return int(TOP.search(match.inner_text()).group(1))


def test_a_film_page_shows_how_well_the_film_fits_your_taste_and_why(page, taste_site, console_errors):
    site = taste_site
    log_in(page, site)
    slow = _top_percent(page, site, "Ran")
    # The top reason names a film mira loved, with her stars: the exact largest share of the score.
    reason = page.locator(".your-match-reason")
    loved = "Tokyo Twilight|Persona|Stalker|Seven Samurai|Rashomon"
    expect(reason).to_contain_text(re.compile(rf"^Because you liked ({loved}) ★"))
    assert page.evaluate(CHECKS) == []  # the new lines are labelled and readable (contrast)
    genre = _top_percent(page, site, "Blade Runner")
    assert slow < genre, "a film of mira's taste ranks nearer the top than one of the other taste"


def test_no_match_is_shown_to_visitors_or_members_with_too_few_ratings(page, taste_site, console_errors):
    site = taste_site
    film_url = f"{site.url}/films/{site.films['Ran'].pk}/"
    page.goto(film_url)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator(".your-match")).to_have_count(0)
    newcomer = make_member("nova")
    for title in ("Persona", "Stalker"):
        make_rating(newcomer, site.films[title], 5)
    log_in(page, site, username="nova")
    page.goto(film_url)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator(".your-match")).to_have_count(0)


def test_another_members_profile_shows_taste_compatibility_with_agreements_and_disagreements(
    page, taste_site, console_errors
):
    site = taste_site
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    log_in(page, site)
    page.goto(f"{site.url}/members/{site.other.username}/")
    panel = page.get_by_role("region", name=re.compile("Taste compatibility"))
    expect(panel.get_by_role("heading", level=2)).to_have_text(re.compile(r"Taste compatibility: \d+%"))
    expect(panel).to_contain_text("From the 7 films you both rated.")
    agree = panel.get_by_role("heading", name="You agree on").locator("xpath=following-sibling::ul//a")
    disagree = panel.get_by_role("heading", name="You disagree on").locator("xpath=following-sibling::ul//a")
    expect(agree.first).to_have_text("Stalker")  # both 4.5 (otto's from his diary)
    expect(disagree.first).to_have_text("Jaws")  # mira 1.5, otto 5: the widest gap
    disagree.first.click()
    expect(page).to_have_url(re.compile(f"/films/{site.films['Jaws'].pk}/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH
    page.go_back()
    expect(panel).to_be_visible()
    assert page.evaluate(CHECKS) == []
    # Her own profile has no score against herself.
    page.goto(f"{site.url}/members/{site.member.username}/")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator(".compatibility")).to_have_count(0)
