"""Public statistics count only public ratings: never a private one (from a private diary entry), never a
suspended member's.

One loud member gives a film five stars in everything; each surface says whether that rating counts. A public
rating counts everywhere (so the test is not vacuous); made private, or its member suspended, it counts nowhere.
Aspect averages and the "strong in" filter once forgot suspensions, which hide ratings with ``is_hidden``.
"""

from __future__ import annotations

import datetime

import pytest

from catalog.models import Film
from reviews import moderation, selectors, services
from tests.factories import make_member

pytestmark = pytest.mark.django_db

EVERY_ASPECT = dict.fromkeys(("story", "acting", "visuals", "music"), "5.0")


def rating_summary(film) -> bool:
    return selectors.film_rating_summary(film=film).count > 0


def aspect_averages(film) -> bool:
    return bool(selectors.film_aspect_averages(film=film))


def strong_in_aspect(film) -> bool:
    return all(film.pk in selectors.films_strong_in(aspect=aspect) for aspect in EVERY_ASPECT)


def film_rating_count(film) -> bool:
    services.film_rating_stats_refresh(film_ids=[film.pk])
    return Film.objects.get(pk=film.pk).rating_count > 0


def members_stats(film) -> bool:
    loud = film.ratings.get().user
    return selectors.member_stats(member=loud, viewer=None).mean_stars is not None


SURFACES = [rating_summary, aspect_averages, strong_in_aspect, film_rating_count, members_stats]


def made_private(loud, film, staff) -> None:
    services.diary_log(user=loud, film=film, watched_on=datetime.date(2024, 5, 1), stars="5.0", is_private=True)


def suspended(loud, film, staff) -> None:
    moderation.member_suspend(member=loud, reason="Spam", staff=staff)


def left_public(loud, film, staff) -> None:
    pass


@pytest.mark.parametrize("surface", SURFACES, ids=lambda surface: surface.__name__)
@pytest.mark.parametrize("change", [left_public, made_private, suspended], ids=lambda change: change.__name__)
def test_only_public_ratings_reach_public_statistics(settings, film, staff, surface, change):
    settings.ASPECT_MIN_RATINGS = 1
    loud = make_member("loud")
    services.rating_set(user=loud, film=film, stars="5.0", aspects=EVERY_ASPECT)
    change(loud, film, staff)
    assert surface(film) is (change is left_public)
