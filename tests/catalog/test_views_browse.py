from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Film, MemberService
from tests.factories import make_film, make_offer, make_poster

BROWSE_URL = reverse("catalog:browse")


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    # The genre list is cached; a list from another test's database rows must not leak in.
    cache.clear()
    yield
    cache.clear()


def titles(response) -> list[str]:
    return [film.title for film in response.context["page"].object_list]


def make_catalogue(count: int) -> None:
    for n in range(count):
        film = make_film(
            f"Film {n:02d}",
            year=1950 + n,
            genres=("Drama",) if n % 2 else ("Comedy", "Drama"),
            rating_count=n * 10,
            rating_mean=2.0 + (n % 7) / 3,
        )
        if n % 3 == 0:
            make_poster(film)


def browse_queries(client, query: str = "") -> int:
    client.get(BROWSE_URL + query)  # warms the genre cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BROWSE_URL + query).status_code == 200
    return len(queries)


def test_anonymous_visitor_sees_films_with_posters(client, db):
    film = make_film("Alien", year=1979, genres=("Horror",))
    poster = make_poster(film)
    response = client.get(BROWSE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alien" in html
    assert poster.file.url in html
    assert 'loading="lazy"' in html and f'width="{poster.width}"' in html
    assert reverse("catalog:film_detail", args=[film.pk]) in html


def test_signed_in_member_sees_the_same_page(client, alice):
    make_film("Alien", year=1979)
    client.force_login(alice)
    response = client.get(BROWSE_URL)
    assert response.status_code == 200
    assert titles(response) == ["Alien"]


def test_post_is_not_allowed(client, db):
    assert client.post(BROWSE_URL).status_code == 405


def test_query_count_is_fixed_whatever_the_number_of_films(client, db, django_assert_num_queries):
    make_catalogue(3)
    few = browse_queries(client, "?genre=drama&sort=rating")
    more = [make_film(f"More {n}", year=1990, genres=("Drama",)) for n in range(30)]
    make_poster(more[0])
    many = browse_queries(client, "?genre=drama&sort=rating")
    # COUNT(*) for the paginator, the page of films, their posters, the genre list from the shared cache
    assert few == many == 4
    client.get(BROWSE_URL)
    with django_assert_num_queries(4):
        client.get(BROWSE_URL + "?decade=1990s&sort=newest&page=1")


def test_signed_in_query_count_adds_only_the_session_member_and_bell(client, alice):
    make_catalogue(5)
    client.force_login(alice)
    # The session, the member, and the header bell's unread count (one indexed count).
    assert browse_queries(client) == 7
    # "On my services" adds the member's services; the filter itself is part of the page's query.
    make_offer(Film.objects.first(), country="US", provider_id=8, kind="flatrate")
    MemberService.objects.create(user=alice, provider_id=8)
    assert browse_queries(client, "?streaming=mine") == 8


def test_genre_filter_keeps_only_that_genre(client, db):
    make_film("Airplane!", genres=("Comedy",))
    make_film("Heat", genres=("Crime", "Drama"))
    make_film("Ran", genres=("Drama",))
    response = client.get(BROWSE_URL + "?genre=drama&sort=title")
    assert titles(response) == ["Heat", "Ran"]


def test_decade_filter_keeps_only_that_decade(client, db):
    make_film("Psycho", year=1960)
    make_film("Vertigo", year=1958)
    make_film("The Birds", year=1963)
    make_film("Frenzy", year=1972)
    response = client.get(BROWSE_URL + "?decade=1960s&sort=title")
    assert titles(response) == ["The Birds", "Psycho"]  # "The" does not decide where a title sorts


def test_unknown_filter_values_fall_back_to_everything(client, db):
    make_film("Psycho", year=1960)
    response = client.get(BROWSE_URL + "?decade=banana&genre=nope&sort=weird&page=99")
    assert response.status_code == 200
    assert titles(response) == ["Psycho"]
    assert response.context["filters"]["sort"] == "popularity"


def test_sort_by_popularity_puts_most_rated_first(client, db):
    make_film("Rarely seen", rating_count=3)
    make_film("Blockbuster", rating_count=3000)
    make_film("Cult", rating_count=300)
    assert titles(client.get(BROWSE_URL)) == ["Blockbuster", "Cult", "Rarely seen"]


def test_sort_by_rating_puts_films_with_few_votes_after_well_rated_ones(client, db):
    make_film("One perfect vote", rating_count=1, rating_mean=5.0)
    make_film("Masterpiece", rating_count=2000, rating_mean=4.5)
    make_film("Fine", rating_count=800, rating_mean=3.6)
    make_film("Unrated", rating_count=0, rating_mean=None)
    assert titles(client.get(BROWSE_URL + "?sort=rating")) == ["Masterpiece", "Fine", "One perfect vote", "Unrated"]


def test_sort_by_year_both_ways_and_by_title(client, db):
    make_film("Middle", year=1980)
    make_film("Old", year=1930)
    make_film("New", year=1999)
    make_film("Undated", year=None)
    assert titles(client.get(BROWSE_URL + "?sort=newest")) == ["New", "Middle", "Old", "Undated"]
    assert titles(client.get(BROWSE_URL + "?sort=oldest")) == ["Old", "Middle", "New", "Undated"]
    assert titles(client.get(BROWSE_URL + "?sort=title")) == ["Middle", "New", "Old", "Undated"]


def test_pages_hold_48_films_and_links_keep_the_filters(client, db):
    for n in range(50):
        make_film(f"Film {n:02d}", year=1990, genres=("Drama",))
    first = client.get(BROWSE_URL + "?genre=drama&sort=title")
    assert len(titles(first)) == 48
    html = first.content.decode()
    assert 'href="?genre=drama&amp;sort=title&amp;page=2"' in html
    assert 'hx-get="?genre=drama&amp;sort=title&amp;page=2"' in html
    second = client.get(BROWSE_URL + "?genre=drama&sort=title&page=2")
    assert titles(second) == ["Film 48", "Film 49"]


def test_htmx_request_gets_only_the_filters_and_results_fragment(client, db):
    make_film("Alien", year=1979)
    response = client.get(BROWSE_URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="browse-listing"')
    assert "<html" not in html and "Alien" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, db):
    response = client.get(BROWSE_URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_full_page_has_filters_wired_to_htmx(client, db):
    make_film("Ran", genres=("Drama",))
    html = client.get(BROWSE_URL + "?genre=drama").content.decode()
    assert 'hx-push-url="true"' in html and 'hx-target="#browse-listing"' in html
    assert '<option value="drama" selected>Drama</option>' in html


def test_hostile_filter_values_fall_back_to_everything_never_an_error(client, db):
    make_film("Psycho", year=1960, genres=("Drama",))
    hostile = ["\x00", "²", "１９６０s", "1960\x00", "-1", "9" * 400, "<script>", "x" * 10_000, "1960.0"]
    for value in hostile:
        for name in ("genre", "decade", "sort", "mood", "page"):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(BROWSE_URL, {name: value}, headers=headers)
                if "\x00" in value:  # refused for the whole site by RejectNulMiddleware
                    assert response.status_code == 400, (name, value)
                    continue
                assert response.status_code == 200, (name, value)
                assert titles(response) == ["Psycho"], (name, value)


def test_the_fragment_carries_the_filters_so_they_match_the_results(client, db):
    make_film("Ran", year=1985, genres=("Drama",))
    html = client.get(BROWSE_URL + "?genre=drama", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and '<option value="drama" selected>Drama</option>' in html


def test_decade_filter_lists_only_decades_with_films(client, db):
    make_film("Metropolis", year=1927)
    make_film("Ran", year=1985)
    html = client.get(BROWSE_URL).content.decode()
    assert 'value="1920s"' in html and 'value="1980s"' in html and 'value="1950s"' not in html


@pytest.mark.parametrize("decade", ["²", "１９８０s", "19" * 50, "-10s", "1985s"])
def test_hostile_decades_fall_back_to_any_decade(client, db, decade):
    make_film("Ran", year=1985)
    response = client.get(BROWSE_URL, {"decade": decade})
    assert response.status_code == 200 and "Ran" in response.content.decode()


def test_a_long_result_is_counted_up_to_the_cap_and_next_reaches_every_film(client, db, monkeypatch):
    monkeypatch.setattr("catalog.views.BROWSE_PAGE_SIZE", 2)
    monkeypatch.setattr("catalog.views.BROWSE_COUNT_CAP", 3)
    make_catalogue(7)
    response = client.get(BROWSE_URL, {"sort": "title"})
    html = response.content.decode()
    assert "3+\n    films" in html and "Page 1</span>" in html
    seen, url = [], BROWSE_URL + "?sort=title"
    while url:
        response = client.get(url)
        seen += titles(response)
        page = response.context["page"]
        url = BROWSE_URL + f"?sort=title&page={page.next_page_number()}" if page.has_next() else ""
    assert seen == [f"Film {n:02d}" for n in range(7)]
    assert "Page 4 of 4" in response.content.decode()


def test_a_short_result_is_counted_exactly(client, db, monkeypatch):
    monkeypatch.setattr("catalog.views.BROWSE_PAGE_SIZE", 2)
    make_catalogue(3)
    html = client.get(BROWSE_URL).content.decode()
    assert "3\n    films" in html and "Page 1 of 2" in html
