from __future__ import annotations

from django.urls import reverse

from catalog.models import StaffPick, StaffPickList
from tests.factories import make_film, make_poster

HOME_URL = reverse("catalog:home")


def make_staff_list(title: str, films, *, is_featured: bool = True, position: int = 0) -> StaffPickList:
    staff_list = StaffPickList.objects.create(
        title=title, slug=title.lower().replace(" ", "-"), is_featured=is_featured, position=position
    )
    for n, film in enumerate(films):
        StaffPick.objects.create(staff_list=staff_list, film=film, position=n, note=f"note {n}")
    return staff_list


def test_anonymous_visitor_sees_featured_staff_picks_and_popular_films(client, db):
    alien = make_film("Alien", rating_count=900)
    make_poster(alien)
    heat = make_film("Heat", rating_count=50)
    make_staff_list("Space horror", [alien, heat])
    make_staff_list("Hidden list", [heat], is_featured=False)
    response = client.get(HOME_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Space horror" in html and "Hidden list" not in html
    assert [film.title for film in response.context["popular_films"]] == ["Alien", "Heat"]
    assert [[pick.film.title for pick in staff_list.shown_picks] for staff_list in response.context["staff_lists"]] == [
        ["Alien", "Heat"]
    ]


def test_staff_lists_follow_their_position(client, db):
    film = make_film("Alien")
    make_staff_list("Second", [film], position=2)
    make_staff_list("First", [film], position=1)
    assert [staff_list.title for staff_list in client.get(HOME_URL).context["staff_lists"]] == ["First", "Second"]


def test_signed_in_member_gets_the_recommendations_section(client, alice):
    client.force_login(alice)
    response = client.get(HOME_URL)
    assert response.status_code == 200
    assert "recommendations/home_section.html" in [template.name for template in response.templates]


def test_anonymous_visitor_does_not_get_the_recommendations_section(client, db):
    response = client.get(HOME_URL)
    assert "recommendations/home_section.html" not in [template.name for template in response.templates]


def test_post_is_not_allowed(client, db):
    assert client.post(HOME_URL).status_code == 405


def test_query_count_is_fixed_whatever_the_number_of_films_and_lists(client, db, django_assert_num_queries):
    films = [make_film(f"Film {n}", rating_count=n) for n in range(3)]
    make_staff_list("Few", films)
    make_poster(films[0])
    # featured lists, their picks with films and posters, popular films, their posters
    with django_assert_num_queries(4):
        client.get(HOME_URL)
    more = [make_film(f"More {n}", rating_count=100 + n) for n in range(30)]
    for film in more[:10]:
        make_poster(film)
    make_staff_list("Many", more, position=1)
    make_staff_list("Also many", more[::-1], position=2)
    with django_assert_num_queries(4):
        client.get(HOME_URL)
