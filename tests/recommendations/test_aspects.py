"""Aspect ratings as signal: the film page's audience averages, what a member values, the boost and the filter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recommendations.models import FilmFeedback
from recommendations.selectors import member_recommendations
from reviews.selectors import film_aspect_averages, films_strong_in, member_aspect_values
from reviews.services import rating_set
from tests.factories import make_film, make_member

PAGE = reverse("recommendations:page")


def _audience_rates(film, aspect: str, value: str, *, count: int, private: bool = False, prefix: str = "fan"):
    for n in range(count):
        member = make_member(f"{prefix}{aspect}{film.pk}x{n}")
        rating_set(user=member, film=film, stars="3", aspects={aspect: value}, is_private=private)


def _visuals_lover(name: str, films, *, with_aspects: int):
    """Stars 4 on the first three films and 2 on the others; visuals two stars above on ``with_aspects`` of them."""
    member = make_member(name)
    for n, film in enumerate(films):
        stars = 4 if n < 3 else 2
        aspects = {"visuals": str(stars + 1)} if n < with_aspects else None
        rating_set(user=member, film=film, stars=str(stars), aspects=aspects)
    return member


def _profile_films(trained):
    return trained["action"][:3] + trained["romance"][:2]


# --- the film page ------------------------------------------------------------------------------------


def test_film_page_shows_aspect_averages_once_enough_members_rated_them(client, db, settings):
    settings.ASPECT_MIN_RATINGS = 5
    film = make_film("Lawrence of Arabia")
    _audience_rates(film, "visuals", "5", count=5)
    _audience_rates(film, "music", "4", count=4)
    averages = film_aspect_averages(film=film)
    assert [(a.aspect, a.mean, a.count) for a in averages] == [("visuals", 5.0, 5)]
    page = client.get(reverse("catalog:film_detail", args=[film.pk])).content.decode()
    assert "Visuals" in page and "from 5 members" in page
    assert "Music" not in page


def test_private_ratings_never_count_in_the_film_page_averages(client, db, settings):
    settings.ASPECT_MIN_RATINGS = 5
    film = make_film("Private Eye")
    _audience_rates(film, "story", "4", count=5)
    _audience_rates(film, "story", "0.5", count=3, private=True, prefix="secret")
    _audience_rates(film, "acting", "5", count=4)
    _audience_rates(film, "acting", "5", count=3, private=True, prefix="secret")  # 7 in all, 4 public
    assert [(a.aspect, a.mean, a.count) for a in film_aspect_averages(film=film)] == [("story", 4.0, 5)]
    assert films_strong_in(aspect="story") == {film.pk}
    assert films_strong_in(aspect="acting") == set()
    page = client.get(reverse("catalog:film_detail", args=[film.pk])).content.decode()
    assert "Acting" not in page and "from 5 members" in page


def test_aspect_averages_take_one_query(db, django_assert_num_queries):
    film = make_film("Counted")
    with django_assert_num_queries(1):  # one aggregate over the film's public ratings
        film_aspect_averages(film=film)


def test_an_unknown_aspect_is_a_clear_error(db):
    with pytest.raises(ValueError, match="Unknown aspect"):
        films_strong_in(aspect="popcorn")


# --- what a member values -----------------------------------------------------------------------------


def test_what_you_value_compares_aspects_with_the_members_own_stars(db):
    films = [make_film(f"Film {n}") for n in range(6)]
    member = _visuals_lover("painter", films, with_aspects=5)
    for n, film in enumerate(films[:5]):
        stars = "4" if n < 3 else "2"
        rating_set(user=member, film=film, stars=stars, aspects={"story": stars})  # story just as the stars
    values = member_aspect_values(member=member)
    assert values.valued is not None and values.valued.aspect == "visuals"
    by_aspect = {value.aspect: value for value in values.aspects}
    assert (by_aspect["visuals"].lift, by_aspect["visuals"].count) == (1.0, 5)
    assert by_aspect["story"].lift == 0.0


def test_too_few_aspect_ratings_value_nothing(db):
    films = [make_film(f"Film {n}") for n in range(6)]
    member = _visuals_lover("sketcher", films, with_aspects=4)
    assert member_aspect_values(member=member).valued is None


# --- the boost and the filter -------------------------------------------------------------------------


def _position(result, film_id) -> int | None:
    ids = [item.film_id for item in result.items]
    return ids.index(film_id) if film_id in ids else None


def test_a_member_who_values_visuals_gets_the_strong_visuals_film_ranked_higher(trained):
    films = _profile_films(trained)
    plain = _visuals_lover("plain", films, with_aspects=0)
    baseline = member_recommendations(user=plain, k=20, with_films=False)
    assert len(baseline.items) >= 3
    target = baseline.items[-1].film_id  # the weakest candidate served
    target_film = next(f for f in trained["action"] + trained["romance"] if f.pk == target)
    _audience_rates(target_film, "visuals", "5", count=5)

    lover = _visuals_lover("lover", films, with_aspects=5)
    boosted = member_recommendations(user=lover, k=20, with_films=False)
    assert boosted.valued is not None and boosted.valued.aspect == "visuals"
    assert _position(boosted, target) < _position(baseline, target)
    reasons = next(item.reasons for item in boosted.items if item.film_id == target)
    assert "Strong visuals, which you value" in reasons
    # Only the boosted film says so: the reason is true to the score.
    assert all("which you value" not in " ".join(item.reasons) for item in boosted.items if item.film_id != target)
    # The plain member's list is unchanged by the audience ratings and never claims a value.
    again = member_recommendations(user=plain, k=20, with_films=False)
    assert again.valued is None
    assert all("which you value" not in " ".join(item.reasons) for item in again.items)


def test_too_few_aspect_ratings_get_no_boost_and_no_filter_option(client, trained):
    films = _profile_films(trained)
    member = _visuals_lover("timid", films, with_aspects=4)
    for film in trained["action"] + trained["romance"]:
        _audience_rates(film, "visuals", "5", count=5)
    result = member_recommendations(user=member, k=20, with_films=False)
    assert result.valued is None
    assert all("which you value" not in " ".join(item.reasons) for item in result.items)
    client.force_login(member)
    page = client.get(PAGE).content.decode()
    assert 'name="valued"' in page  # only the hidden feedback fields carry it, empty
    assert 'type="checkbox" name="valued"' not in page and "What you value" not in page
    # A stale valued=1 is ignored rather than emptying the list.
    assert client.get(PAGE, {"valued": "1"}).status_code == 200


def test_the_filter_keeps_only_films_strong_in_what_you_value(client, trained):
    films = _profile_films(trained)
    member = _visuals_lover("curator", films, with_aspects=5)
    strong = trained["action"][5:7]
    for film in strong:
        _audience_rates(film, "visuals", "4.5", count=5)
    client.force_login(member)
    page = client.get(PAGE).content.decode()
    assert 'type="checkbox" name="valued"' in page and "Films strong in what you value (visuals)" in page
    assert "What you value: visuals" in page
    response = client.get(PAGE, {"valued": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    filtered = member_recommendations(user=member, k=20, strong_in_valued=True, with_films=False)
    assert {item.film_id for item in filtered.items} <= {film.pk for film in strong}
    assert filtered.items
    assert "valued=1" in response.content.decode()  # kept in the URL the results re-fetch from


def test_bad_filter_values_are_a_clear_400(client, trained):
    member = make_member("hostile")
    client.force_login(member)
    for bad in ("2", "yes", "1\x00", "x" * 5000, "-1"):
        response = client.get(PAGE, {"valued": bad})
        assert response.status_code == 400
        # A NUL byte is refused by the middleware first, with its own message.
        assert ("valued=1" if "\x00" not in bad else "NUL") in response.content.decode()
    film = trained["action"][0]
    response = client.post(reverse("recommendations:feedback", args=[film.pk]), {"kind": "seen", "valued": "maybe"})
    assert response.status_code == 400
    assert not FilmFeedback.objects.filter(user=member).exists()
