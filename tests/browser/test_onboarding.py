"""Onboarding: half stars with nothing preset, "Haven't seen" apart from "Not for me", first picks after ten."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from recommendations.models import FilmFeedback, TasteSeed
from reviews.models import Rating
from tests.browser.conftest import MOBILE_WIDTH
from tests.browser.seed import log_in


def test_rating_ten_films_shows_the_first_recommendations(page, site, console_errors):
    log_in(page, site)
    page.goto(f"{site.url}/recommendations/start/")
    assert page.locator(".recs-onboard-card input[type=radio]:checked").count() == 0  # nothing preset
    cards = page.locator(".recs-onboard-card")
    assert cards.count() >= 12

    def answered(action) -> None:
        """Do something to the first card, then wait until the card list is swapped without it: the response
        alone arrives before htmx swaps, and a click on the old first card would rate that film again."""
        title = page.locator(".recs-onboard-card a.title").first.inner_text()
        with page.expect_response(lambda response: "/recommendations/start/" in response.url):
            action(page.locator(".recs-onboard-card").first)
        same = re.compile(rf"^\s*{re.escape(title)}\s*$")
        expect(page.locator(".recs-onboard-card a.title", has_text=same)).to_have_count(0)

    answered(lambda card: card.get_by_role("button", name="Not for me").click())
    assert FilmFeedback.objects.filter(user=site.member, kind="not_interested").count() == 1

    answered(lambda card: card.get_by_role("button", name="Haven't seen").click())
    assert Rating.objects.filter(user=site.member).count() == 0

    for _ in range(10):
        answered(lambda card: card.locator("label.half").nth(7).click())  # four stars
    assert Rating.objects.filter(user=site.member, stars=4).count() == 10
    assert page.get_by_role("heading", name="Your first recommendations").is_visible()
    assert page.get_by_role("link", name="See all your recommendations →").is_visible()


def test_the_genre_and_mood_questions_save_in_place_on_a_phone(page, site, console_errors):
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    log_in(page, site)
    page.goto(f"{site.url}/recommendations/start/")
    questions = page.locator("#onboarding-taste")
    genre = questions.locator("label.chip", has_text="Drama")
    assert genre.bounding_box()["height"] >= 44
    genre.click()
    moods = questions.locator("fieldset", has_text="moods").locator("label.chip")
    if moods.count():
        moods.first.click()
    url_before = page.url
    questions.get_by_role("button", name="Save my answers").click()
    expect(page.locator("#onboarding-taste").get_by_role("status")).to_contain_text("Saved")
    assert page.url == url_before
    seed = TasteSeed.objects.get(user=site.member)
    assert [genre.name for genre in seed.genres.all()] == ["Drama"]
    assert len(seed.moods) == (1 if moods.count() else 0)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH


def test_films_skipped_at_onboarding_are_not_recommended_straight_back(page, site, console_errors):
    log_in(page, site)
    page.goto(f"{site.url}/recommendations/")
    recommended = page.locator(".recs-list a.title").all_inner_texts()
    page.goto(f"{site.url}/recommendations/start/")
    onboarding = page.locator(".recs-onboard-card a.title").all_inner_texts()
    # Two films the recommendations page showed before: one not seen, one not wanted.
    unseen, unwanted = [title for title in onboarding if title in recommended][:2]
    for title, button in ((unseen, "Haven't seen"), (unwanted, "Not for me")):
        card = page.locator(".recs-onboard-card", has=page.locator("a.title", has_text=title))
        with page.expect_response(lambda response: "/recommendations/start/" in response.url):
            card.get_by_role("button", name=button).click()
        expect(page.locator(".recs-onboard-card a.title", has_text=title)).to_have_count(0)
    page.goto(f"{site.url}/recommendations/")
    titles = page.locator(".recs-list a.title")
    expect(titles.first).to_be_visible()
    assert unseen not in titles.all_inner_texts() and unwanted not in titles.all_inner_texts()
    # Nor among the home page's top picks.
    page.goto(site.url + "/")
    picks = page.locator(".recs-strip a.title")
    expect(picks.first).to_be_visible()
    home_titles = picks.all_inner_texts()
    assert unseen not in home_titles and unwanted not in home_titles
