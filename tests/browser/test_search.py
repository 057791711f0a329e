"""Search as a person meets it: a near miss is called one, TMDb is offered, people rank by their credits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Credit
from tests.browser.seed import log_in
from tests.catalog.tmdb_server import Reply, StandInServer, configure_tmdb
from tests.factories import make_person

TOKYO_STORY = {
    "page": 1,
    "results": [
        {
            "adult": False,
            "id": 18148,
            "title": "Tokyo Story",
            "original_title": "東京物語",
            "release_date": "1953-11-03",
        }
    ],
}


@pytest.fixture
def tmdb(settings):
    """TMDb configured against the local stand-in (tests/catalog/tmdb_server.py), as the catalogue tests do."""
    server = StandInServer().start()
    server.route("/3/search/movie", Reply(body=TOKYO_STORY))
    configure_tmdb(settings, server)
    yield server
    server.stop()


def test_a_film_we_do_not_hold_is_called_missing_and_tmdb_is_offered(page, site, tmdb, console_errors):
    log_in(page, site)
    page.goto(f"{site.url}/")
    box = page.get_by_role("searchbox").first
    box.fill("Tokyo Story")
    # The suggestions say it is not here before offering the near neighbours.
    expect(page.locator("#search-suggestions")).to_contain_text("No “Tokyo Story” here. Closest:")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Tokyo"))
    main = page.get_by_role("main")
    expect(main.get_by_role("status")).to_have_text(
        "No film or person called “Tokyo Story” in the catalogue. The closest we have:"
    )
    expect(main.get_by_role("heading", level=1)).to_have_text("Results for “Tokyo Story”")
    expect(main.locator(".grid")).to_contain_text("Toy Story")  # a neighbour, below the plain statement

    url_before = page.url
    with page.expect_response(lambda response: "tmdb" in response.url):
        main.get_by_role("link", name="Search TMDb for “Tokyo Story” and add it").click()
    hits = main.locator("#tmdb-results")
    expect(hits).to_contain_text("Tokyo Story (1953)")
    expect(hits.get_by_role("button", name="Add it")).to_be_visible()
    assert page.url == url_before  # swapped in place
    assert tmdb.seen[-1].query["query"] == "Tokyo Story"


def test_an_exact_title_is_not_called_a_near_miss(page, site, console_errors):
    page.goto(f"{site.url}/search/?q=Tokyo Twilight")
    main = page.get_by_role("main")
    expect(main.locator(".grid")).to_contain_text("Tokyo Twilight")
    expect(main).not_to_contain_text("in the catalogue")


def test_people_rank_by_their_credits(page, site, console_errors):
    robyn = make_person("Robyn Hitchcock")  # made first: a lower id wins no ties
    Credit.objects.create(film=site.films["Persona"], person=robyn, role=Credit.Role.CAST, character="Himself")
    alfred = make_person("Alfred Hitchcock")
    for title in ("Vertigo", "The Third Man", "M"):
        Credit.objects.create(film=site.films[title], person=alfred, role=Credit.Role.DIRECTOR)
    page.goto(f"{site.url}/")
    page.get_by_role("searchbox").first.fill("hitchcok")
    people = page.locator("#search-suggestions a.suggestion", has_text="Hitchcock")
    expect(people).to_have_count(2)
    expect(people.first).to_have_text(re.compile("Alfred Hitchcock"))
    page.goto(f"{site.url}/search/?q=hitchcok")
    chips = page.get_by_role("main").locator(".chips a")
    expect(chips).to_have_text(["Alfred Hitchcock", "Robyn Hitchcock"])
    chips.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alfred Hitchcock")
