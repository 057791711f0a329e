"""The recommendations page, feedback buttons, onboarding and the film-page section."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recommendations.models import FilmFeedback

PAGE = reverse("recommendations:page")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_member_sees_recommendations_with_reasons(client, trained):
    from reviews.services import rating_set
    from tests.factories import make_member

    member = make_member("viewer")
    for film in trained["action"][:3]:
        rating_set(user=member, film=film, stars="4.5")
    client.force_login(member)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert b"Because you liked Action" in response.content
    partial = client.get(PAGE, {"mode": "gems", "diversity": "0.6"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content


def test_page_query_count_does_not_grow_with_the_list(client, trained, django_assert_max_num_queries):
    from reviews.services import rating_set
    from tests.factories import make_member

    member = make_member("counter")
    rating_set(user=member, film=trained["romance"][0], stars="5")
    client.force_login(member)
    client.get(PAGE)  # loads the model in this process
    # Session, member, their services, four profile reads (ratings, diary, watchlist, feedback), onboarding seeds,
    # aspect ratings, the model, the cached list, the films, the header bell: none per film.
    with django_assert_max_num_queries(13):
        assert client.get(PAGE).status_code == 200


def test_wrong_method_is_refused(client, alice):
    client.force_login(alice)
    assert client.post(PAGE).status_code == 405
    assert client.get(reverse("recommendations:feedback", args=[1])).status_code == 405


def test_not_interested_button_removes_the_film(client, trained, alice):
    client.force_login(alice)
    film = trained["action"][2]
    response = client.post(
        reverse("recommendations:feedback", args=[film.pk]), {"kind": "not_interested"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert FilmFeedback.objects.filter(user=alice, film=film, kind="not_interested").exists()
    assert f'href="{film.get_absolute_url()}"'.encode() not in response.content


def test_feedback_rejects_unknown_kind_and_missing_film(client, trained, alice):
    client.force_login(alice)
    assert (
        client.post(reverse("recommendations:feedback", args=[trained["action"][0].pk]), {"kind": "x"}).status_code
        == 400
    )
    assert client.post(reverse("recommendations:feedback", args=[999999]), {"kind": "seen"}).status_code == 404


def test_onboarding_rates_and_skips(client, trained, bob):
    client.force_login(bob)
    url = reverse("recommendations:onboarding")
    assert client.get(url).status_code == 200
    film = trained["action"][0]
    client.post(url, {"film": film.pk, "stars": "4.5"})
    assert bob.ratings.get(film=film).stars == pytest.approx(4.5)
    skipped = trained["romance"][0]
    response = client.post(url, {"film": skipped.pk, "skip": "1"}, headers={"HX-Request": "true"})
    assert f'value="{skipped.pk}"'.encode() not in response.content


def test_film_section_has_a_fixed_query_count(trained, django_assert_num_queries):
    from django.template.loader import render_to_string

    from recommendations.selectors import serving_model

    serving_model()
    action = trained["action"]
    with django_assert_num_queries(2):
        first = render_to_string("recommendations/film_section.html", {"film": action[0]})
    with django_assert_num_queries(2):
        render_to_string("recommendations/film_section.html", {"film": action[5]})
    assert "Similar films" in first


def test_the_film_page_shows_your_match_once_you_have_rated_enough(client, trained):
    from django.urls import reverse

    from reviews.services import rating_set
    from tests.factories import make_member

    member = make_member("matcher")
    client.force_login(member)
    action, romance = trained["action"], trained["romance"]
    rating_set(user=member, film=action[0], stars="5")
    html = client.get(reverse("catalog:film_detail", args=[action[5].pk])).content.decode()
    assert "for you" not in html  # one rating is not a taste yet
    for film in action[1:5]:
        rating_set(user=member, film=film, stars="5")
    loved = client.get(reverse("catalog:film_detail", args=[action[6].pk])).content.decode()
    disliked = client.get(reverse("catalog:film_detail", args=[romance[6].pk])).content.decode()

    def top(html: str) -> int:
        return int(html.split("<strong>Top ", 1)[1].split("%", 1)[0])

    assert top(loved) < top(disliked)
    # The top reason: one of the action films the member loved, never the film on the page itself.
    reason = loved.split('class="your-match-reason small">', 1)[1].split("</p>", 1)[0]
    assert reason.startswith("Because you liked Action ") and "Action 6" not in reason
    client.logout()
    assert "for you" not in client.get(reverse("catalog:film_detail", args=[action[6].pk])).content.decode()


def _surprise_ids(client, **params) -> list[int]:
    response = client.get(PAGE, {"mode": "surprise", **params})
    assert response.status_code == 200
    return [rec.film.pk for rec in response.context["result"].items]


def test_surprise_draws_are_a_few_distinct_picks_and_a_bad_draw_is_the_first(client, trained):
    from reviews.services import rating_set
    from tests.factories import make_member

    member = make_member("viewer")
    for film in trained["action"][:3]:
        rating_set(user=member, film=film, stars="4.5")
    client.force_login(member)
    first, second = _surprise_ids(client), _surprise_ids(client, draw="1")
    assert 2 <= len(first) <= 3 and second and not set(first) & set(second)
    for hostile in ("abc", "-1", "١", ""):
        assert _surprise_ids(client, draw=hostile) == first
    assert client.get(PAGE, {"mode": "surprise", "draw": "1\x00"}).status_code == 400  # NUL bytes: refused
    assert _surprise_ids(client, draw="9" * 40)  # a huge draw wraps round to one of the draws
    assert b"draw=1" in client.get(PAGE, {"mode": "surprise"}).content  # "another one" asks for the next draw
