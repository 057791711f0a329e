from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Credit
from tests.factories import make_film, make_member, make_person, make_poster, make_rating


def film_url(film) -> str:
    return reverse("catalog:film_detail", args=[film.pk])


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_credits(film, *, directors: int = 1, writers: int = 1, cast: int = 3) -> None:
    for role, count in [(Credit.Role.DIRECTOR, directors), (Credit.Role.WRITER, writers), (Credit.Role.CAST, cast)]:
        for n in range(count):
            person = make_person(f"{role.label} {film.pk}-{n}")
            Credit.objects.create(film=film, person=person, role=role, order=n)


def test_anonymous_visitor_sees_the_film_with_credits_and_links(client, db):
    film = make_film(
        "Alien",
        year=1979,
        genres=("Horror", "Sci-Fi"),
        plot="In space no one can hear you scream.",
        runtime_minutes=117,
        certificate="R",
        imdb_id="tt0078748",
    )
    poster = make_poster(film)
    director = make_person("Ridley Scott")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    actor = make_person("Sigourney Weaver")
    Credit.objects.create(film=film, person=actor, role=Credit.Role.CAST, character="Ripley")
    response = client.get(film_url(film))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["Alien", "1979", "117 min", "R", "Horror", "Sci-Fi", "no one can hear you scream", "Ripley"]:
        assert text in html
    assert poster.file.url in html
    assert reverse("catalog:person_detail", args=[director.pk]) in html
    assert reverse("catalog:person_detail", args=[actor.pk]) in html
    assert "https://www.imdb.com/title/tt0078748/" in html
    assert "No ratings yet" in html


def test_signed_in_member_sees_the_page(client, alice, film):
    client.force_login(alice)
    assert client.get(film_url(film)).status_code == 200


def test_unknown_film_is_404_and_post_is_405(client, film):
    assert client.get(reverse("catalog:film_detail", args=[film.pk + 1000])).status_code == 404
    assert client.post(film_url(film)).status_code == 405


def test_app_sections_are_included_in_contract_order(client, film):
    template_names = [template.name for template in client.get(film_url(film)).templates]
    sections = [name for name in template_names if name.endswith("/film_section.html")]
    assert sections == [
        "reviews/film_section.html",
        "aesthetics/film_section.html",
        "recommendations/film_section.html",
    ]


def test_histogram_counts_each_half_star_and_the_mean(client, film):
    for n, stars in enumerate([5, 5, 4, 4, 4, 3, 0.5]):
        make_rating(make_member(f"rater{n}"), film, stars)
    make_rating(make_member("liker"), film, None, liked=True)  # a like without stars is not a rating
    summary = client.get(film_url(film)).context["rating_summary"]
    assert summary.count == 7
    assert round(summary.mean, 3) == round(25.5 / 7, 3)
    counts = {float(bin.stars): bin.count for bin in summary.bins}
    assert counts == {0.5: 1, 1.0: 0, 1.5: 0, 2.0: 0, 2.5: 0, 3.0: 1, 3.5: 0, 4.0: 3, 4.5: 0, 5.0: 2}
    assert max(bin.percent for bin in summary.bins) == 100


def test_query_count_is_fixed_whatever_the_credits_genres_and_ratings(client, db):
    small = make_film("Small", genres=("Drama",))
    add_credits(small, directors=1, writers=1, cast=1)
    make_rating(make_member("one"), small, 4)
    big = make_film("Big", genres=("Drama", "Comedy", "War", "Crime"))
    make_poster(big)
    add_credits(big, directors=3, writers=5, cast=25)
    for n in range(30):
        make_rating(make_member(f"rater{n}"), big, 1 + n % 5)
    assert page_queries(client, film_url(small)) == page_queries(client, film_url(big))


def test_catalog_part_of_the_film_page_takes_three_queries(rf, db, django_assert_num_queries):
    from catalog import selectors

    film = make_film("Big", genres=("Drama", "War"))
    make_poster(film)
    add_credits(film, directors=2, writers=2, cast=10)
    with django_assert_num_queries(3):  # film + poster, genres, credits + people
        film = selectors.film_for_page(film_id=film.pk)
        assert [genre.name for genre in selectors.film_genres(film=film)] == ["Drama", "War"]
        credits = selectors.film_credits(film=film)
        assert [len(credits.directors), len(credits.writers), len(credits.cast)] == [2, 2, 10]


def test_the_rating_summary_takes_one_query(db, film, django_assert_num_queries):
    from reviews import selectors

    make_rating(make_member("rater"), film, 4)
    with django_assert_num_queries(1):  # one GROUP BY over rating(film, stars)
        assert selectors.film_rating_summary(film=film).count == 1


def test_person_page_groups_filmography_by_role_sorted_by_year(client, db, django_assert_num_queries):
    person = make_person("Clint Eastwood")
    unforgiven = make_film("Unforgiven", year=1992)
    misty = make_film("Play Misty for Me", year=1971)
    good_bad_ugly = make_film("The Good, the Bad and the Ugly", year=1966)
    for film, role in [
        (unforgiven, Credit.Role.DIRECTOR),
        (misty, Credit.Role.DIRECTOR),
        (unforgiven, Credit.Role.CAST),
        (good_bad_ugly, Credit.Role.CAST),
    ]:
        Credit.objects.create(film=film, person=person, role=role)
    url = reverse("catalog:person_detail", args=[person.pk])
    with django_assert_num_queries(2):  # person, credits with films and posters
        response = client.get(url)
    sections = [section for section, _page in response.context["sections"]]  # each with its page of cards
    assert [section.label for section in sections] == ["Director", "Actor"]
    assert [credit.film.title for credit in sections[0].credits] == ["Play Misty for Me", "Unforgiven"]
    assert [credit.film.title for credit in sections[1].credits] == ["The Good, the Bad and the Ugly", "Unforgiven"]
    assert reverse("catalog:film_detail", args=[sections[0].credits[0].film.pk]) in response.content.decode()


def test_person_page_query_count_is_fixed(client, db):
    person = make_person("Prolific")
    for n in range(3):
        Credit.objects.create(film=make_film(f"Early {n}", year=1950 + n), person=person, role=Credit.Role.CAST)
    url = reverse("catalog:person_detail", args=[person.pk])
    few = page_queries(client, url)
    for n in range(30):
        film = make_film(f"Late {n}", year=1970 + n)
        make_poster(film)
        Credit.objects.create(film=film, person=person, role=Credit.Role.WRITER)
    assert page_queries(client, url) == few


def test_person_page_for_member_404_and_wrong_method(client, alice):
    person = make_person("Nobody")
    url = reverse("catalog:person_detail", args=[person.pk])
    client.force_login(alice)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405
    assert client.get(reverse("catalog:person_detail", args=[person.pk + 1])).status_code == 404
