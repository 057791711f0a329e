"""A member rates, keeps a watchlist and makes a list, all in place through HTMX, by mouse and by keyboard."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from reviews.models import Rating
from tests.browser.conftest import MOBILE_WIDTH
from tests.browser.seed import log_in


def _stars(site, film) -> Decimal | None:
    return Rating.objects.filter(user=site.member, film=film).values_list("stars", flat=True).first()


def test_clicking_a_half_star_saves_the_rating_in_place(page, site, console_errors):
    log_in(page, site)
    film = site.films["Seven Samurai"]
    page.goto(f"{site.url}/films/{film.pk}/")
    url_before = page.url
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.locator(f"label[for=stars-{film.pk}-9]").click()
    assert page.url == url_before
    assert _stars(site, film) == Decimal("4.5")
    assert page.get_by_role("radio", name="4.5 stars").is_checked()


def test_the_stars_are_one_radio_group_driven_by_arrow_keys_and_keep_focus(page, site, console_errors):
    log_in(page, site)
    film = site.films["Stalker"]
    page.goto(f"{site.url}/films/{film.pk}/")
    radios = page.get_by_role("radio")
    assert radios.count() == 10
    page.get_by_role("radio", name="3 stars").focus()
    for expected in ("3.5", "4.0"):
        with page.expect_response(lambda response: "/rate/" in response.url):
            page.keyboard.press("ArrowRight")
        # Focus came back to the radio of the new value, now checked (Playwright's expect: the page's CSP
        # forbids the string evaluation wait_for_function uses).
        expect(page.locator(".rating-caption")).to_contain_text(f"({expected})")  # the swapped widget is in
        radio = page.get_by_role("radio", name=f"{expected.removesuffix('.0')} stars")
        expect(radio).to_be_focused()
        expect(radio).to_be_checked()
        assert _stars(site, film) == Decimal(expected)


def test_a_widget_swapped_in_answers_at_once(page, site, console_errors):
    """What htmx swaps in is live the moment it is shown: a key pressed on the new stars in the very next task
    after the swap saves too. (With htmx's default 20 ms settle delay the new form had no listeners yet while
    focus was already back on it, so a quick second key press was lost: a flaky keyboard test found it.)"""
    log_in(page, site)
    film = site.films["Persona"]
    page.goto(f"{site.url}/films/{film.pk}/")
    page.evaluate(
        """(pk) => document.body.addEventListener("htmx:afterSwap", () => setTimeout(() => {
            const radio = document.getElementById(`stars-${pk}-8`);
            radio.checked = true;
            radio.dispatchEvent(new Event("change", {bubbles: true}));
        }, 0), {once: true})""",
        film.pk,
    )
    with page.expect_response(lambda response: "/rate/" in response.url):
        page.locator(f"label[for=stars-{film.pk}-6]").click()
    expect(page.locator(".rating-caption")).to_contain_text("(4.0)")
    assert _stars(site, film) == Decimal("4.0")


def test_star_tap_targets_are_at_least_44px_on_a_phone(page, site, console_errors):
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    log_in(page, site)
    film = site.films["Fargo"]
    page.goto(f"{site.url}/films/{film.pk}/")
    for label in page.locator(".star-rating label.half").all():
        assert label.bounding_box()["height"] >= 44
    assert page.locator(".like-form button").bounding_box()["height"] >= 44


def test_the_phone_menu_opens_and_closes(page, site, console_errors):
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    log_in(page, site)
    page.goto(site.url + "/")
    films_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Films")
    assert not films_link.is_visible()
    toggle = page.get_by_role("button", name="Menu")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert films_link.is_visible()
    header_height = page.locator(".site-header").bounding_box()["height"]
    toggle.click()
    assert not films_link.is_visible()
    assert page.locator(".site-header").bounding_box()["height"] < header_height


def test_a_member_edits_their_profile_from_their_own_page(page, site, console_errors):
    log_in(page, site)
    page.goto(f"{site.url}/members/{site.member.username}/")
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_label("Display name").fill("Mira K.")
    page.get_by_label("Bio").fill("Slow cinema and neon noir.")
    page.get_by_label("Country").select_option("JP")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto(f"{site.url}/members/{site.member.username}/")
    assert page.get_by_role("heading", name="Mira K.").is_visible()
    assert page.get_by_text("Slow cinema and neon noir.").is_visible()


def test_a_spoiler_is_hidden_from_screen_readers_until_opened_by_keyboard(page, site, console_errors):
    from reviews.services import review_create

    film = site.films["Vertigo"]
    review_create(user=site.other, film=film, text="The twist: Judy is Madeleine.", contains_spoilers=True)
    page.goto(f"{site.url}/films/{film.pk}/")
    review = page.locator("article.review", has_text="This review contains spoilers")
    text = review.get_by_text("The twist: Judy is Madeleine.")
    expect(text).to_be_hidden()
    # Not in the accessibility tree either: a screen reader hears only the warning.
    expect(review).to_contain_text("This review contains spoilers")
    assert "Judy" not in review.aria_snapshot()
    toggle = review.get_by_text("This review contains spoilers")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(text).to_be_visible()
    assert "Judy is Madeleine" in review.aria_snapshot()
    page.keyboard.press("Space")  # Space closes it again, and opens it
    expect(text).to_be_hidden()
    assert "Judy" not in review.aria_snapshot()
    page.keyboard.press("Space")
    expect(text).to_be_visible()


def test_deleting_the_account_says_what_goes_offers_the_export_and_logs_out(page, site, console_errors):
    from django.contrib.auth import get_user_model

    log_in(page, site)
    page.goto(f"{site.url}/settings/")
    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    main = page.locator("main")
    for deleted in ("your ratings", "your reviews", "your lists and watchlist", "Nothing is kept"):
        expect(main).to_contain_text(deleted)
    with page.expect_download() as download:
        main.get_by_role("link", name="download your data").click()
    assert download.value.suggested_filename.endswith((".zip", ".csv"))
    assert download.value.failure() is None

    # The password confirms it (a wrong one is a 400 and nothing deleted: tests/reviews); then it is gone.
    page.get_by_label("Your password, to confirm").fill(site.password)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account and everything you made on CineAesthete have been deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert not get_user_model().objects.filter(username="mira").exists()
    # Her profile is gone (fetched by the page's own request context: its cookies, no console noise for a 404).
    assert page.request.get(f"{site.url}/members/mira/").status == 404
    page.goto(f"{site.url}/settings/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_list_can_be_reordered_with_the_keyboard(page, site, console_errors):
    from reviews.models import FilmListEntry
    from reviews.services import list_add, list_create

    film_list = list_create(user=site.member, title="Night films")
    for title in ("Alien", "Blade Runner", "Stalker"):
        list_add(film_list=film_list, film=site.films[title])
    log_in(page, site)
    page.goto(f"{site.url}/members/{site.member.username}/lists/{film_list.slug}/")
    page.get_by_role("button", name="Move Stalker up").focus()
    with page.expect_response(lambda response: "/move/" in response.url):
        page.keyboard.press("Enter")
    # The POST answers with a redirect; wait until the swapped list shows the new order, then check focus.
    expect(page.locator(".list-entry a.title").nth(1)).to_contain_text("Stalker")
    expect(page.locator(f"#move-up-{site.films['Stalker'].pk}")).to_be_focused()
    order = list(
        FilmListEntry.objects.filter(film_list=film_list).order_by("position").values_list("film__title", flat=True)
    )
    assert order == ["Alien", "Stalker", "Blade Runner"]
    assert page.evaluate("document.activeElement.id") == f"move-up-{site.films['Stalker'].pk}"
    with page.expect_response(lambda response: "/move/" in response.url):
        page.keyboard.press("Enter")  # focus stayed on Stalker's "up": press again
    expect(page.locator(".list-entry a.title").nth(0)).to_contain_text("Stalker")
    order = list(
        FilmListEntry.objects.filter(film_list=film_list).order_by("position").values_list("film__title", flat=True)
    )
    assert order == ["Stalker", "Alien", "Blade Runner"]
