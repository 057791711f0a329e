"""Where to stream, in a real browser: a member picks their country and services and sees their services first
on a film page; a watchlist film arriving on their service rings the bell until they mark it read.

TMDb is the local stand-in answering recorded responses, through the real client and services; the provider
logos the pages ask of TMDb's image server are answered by the browser itself (no network here).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.services import country_set
from catalog.services.streaming import film_providers_refresh, member_services_set, providers_list_refresh
from reviews.models import Notification
from reviews.services import watchlist_add
from tests.browser.conftest import MOBILE_WIDTH
from tests.browser.seed import log_in
from tests.factories import make_film
from tests.streaming_stand_in import recorded

MAX = 1899
A11Y_CHECKS = (Path(__file__).parent / "a11y.js").read_text()


def _pixel() -> bytes:
    """A small PNG: what the browser is given for every provider logo."""
    buffer = io.BytesIO()
    Image.new("RGB", (46, 46), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def browser_context_args(browser_context_args):
    # A browser that speaks German: until the member says otherwise, the site assumes Germany.
    return {**browser_context_args, "locale": "de-DE"}


@pytest.fixture
def matrix(site, tmdb_stand_in, stub_broker):
    """The Matrix, with its providers in every country and the US provider list fetched from the stand-in."""
    tmdb_stand_in.answer("/watch/providers/movie", recorded("provider_list_us.json"))
    tmdb_stand_in.answer("/movie/603/watch/providers", recorded("watch_providers_603.json"))
    film = make_film("The Matrix", year=1999, tmdb_id=603)
    providers_list_refresh(country="US")
    return film


def _logos_from_the_stand_in(page) -> None:
    page.route(
        re.compile(r"^https://image\.tmdb\.org/"),
        lambda route: route.fulfill(status=200, content_type="image/png", body=_pixel()),
    )


def test_a_member_sets_country_and_services_and_sees_them_first_on_a_film(page, site, matrix, console_errors):
    film_providers_refresh(film_id=matrix.pk)
    _logos_from_the_stand_in(page)
    log_in(page, site)
    page.goto(f"{site.url}/settings/services/")
    expect(page.locator("main")).to_contain_text("Germany")  # from the browser's language

    page.get_by_label("Your country").select_option("US")
    page.get_by_role("button", name="Set country").click()
    expect(page.locator(".messages")).to_contain_text("Your country is now United States")
    page.get_by_role("checkbox", name="Max").check()
    page.get_by_role("button", name="Save services").click()
    expect(page.locator(".messages")).to_contain_text("Your streaming services are saved")
    expect(page.get_by_role("checkbox", name="Max")).to_be_checked()
    site.member.refresh_from_db()
    assert site.member.country == "US"
    assert list(site.member.streaming_services.values_list("provider_id", flat=True)) == [MAX]

    page.goto(f"{site.url}/films/{matrix.pk}/")
    streaming = page.locator("section.streaming")
    expect(streaming.locator("h2")).to_contain_text("in United States")
    # Their own service comes first, before the kinds of offer everyone sees.
    expect(streaming.locator("h3").first).to_have_text("Stream on your services")
    expect(streaming.locator("ul.providers").first.get_by_role("img", name="Max")).to_be_visible()
    expect(streaming).to_contain_text("JustWatch")
    # TMDb's attribution: its logo (loaded from our own static files) beside the notice.
    logo = page.locator(".site-footer img.tmdb-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("image => image.complete && image.naturalWidth > 0")
    expect(page.locator(".site-footer")).to_contain_text("not endorsed or certified by TMDB")


def test_the_bell_counts_a_watchlist_film_arriving_on_my_service_until_i_mark_it_read(
    page, site, matrix, console_errors
):
    country_set(user=site.member, country="US")
    member_services_set(user=site.member, provider_ids=[MAX], country="US")
    watchlist_add(user=site.member, film=matrix)
    film_providers_refresh(film_id=matrix.pk)  # The Matrix arrives on Max: the watchlist alert's real path
    assert Notification.objects.filter(user=site.member, film=matrix, provider_id=MAX).count() == 1

    _logos_from_the_stand_in(page)
    log_in(page, site)
    bell = page.locator("#notification-bell")
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    alert = page.locator("li.notification.unread")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("The Matrix from your watchlist is now on")
    expect(alert).to_contain_text("Max")

    with page.expect_response(lambda response: "/notifications/read/" in response.url):
        alert.get_by_role("button", name="Mark read").click()
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("li.notification")).to_have_count(1)  # still listed, now read
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)
    assert Notification.objects.get(user=site.member, film=matrix).read_at is not None
    page.reload()
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)


@pytest.mark.parametrize("width", [1400, MOBILE_WIDTH])
def test_services_notifications_and_where_to_watch_are_labelled_readable_and_fit(
    page, site, matrix, console_errors, width
):
    country_set(user=site.member, country="US")
    member_services_set(user=site.member, provider_ids=[MAX], country="US")
    watchlist_add(user=site.member, film=matrix)
    film_providers_refresh(film_id=matrix.pk)
    _logos_from_the_stand_in(page)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, site)
    problems = {}
    for path in ["/settings/services/", "/notifications/", f"/films/{matrix.pk}/"]:
        page.goto(site.url + path)
        expect(page.locator("main h1")).to_be_visible()
        found = page.evaluate(A11Y_CHECKS)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            found.append(f"scrolls sideways by {overflow}px")
        if found:
            problems[path] = found
    assert problems == {}
