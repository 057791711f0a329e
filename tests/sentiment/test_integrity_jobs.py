"""Review-bombing detection as it runs: ratings queue a debounced check, the nightly run checks changed films,
and a flagged film's robust average reaches its page and the "highest rated" sort."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from dramatiq import Message
from dramatiq.common import dq_name

from catalog.models import Film
from catalog.selectors import film_browse
from cineaesthete.core.models import JobRun
from reviews.models import Rating
from reviews.sentiment.models import FilmRatingIntegrity, RatingBurst
from reviews.sentiment.services import (
    INTEGRITY_CHECK_DEBOUNCE,
    film_integrity_check_schedule,
    film_rating_integrity_check,
    films_with_unchecked_ratings,
    ratings_integrity_check_all,
)
from reviews.services import rating_set
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db


def organic_history(film: Film, *, members: int = 60, days: int = 200, imported: bool = False, seed: int = 0):
    """A film rated about three times a day for `days` days by established members (each with other ratings),
    stars centred on 4. With `imported`, the members come from a data set: they joined on the import date
    (today) but rated years before, as MovieLens members do."""
    rng = random.Random(seed)
    now = timezone.now()
    others = [make_film(f"Other {i}", year=1990 + i) for i in range(5)]
    people = [
        make_member(
            f"{'ml' if imported else 'fan'}{seed}-{i}",
            imported_from="movielens" if imported else "",
            external_id=str(i) if imported else "",
            date_joined=now if imported else now - datetime.timedelta(days=days + 400),
        )
        for i in range(members)
    ]
    rows = []
    for person in people:
        for k, other in enumerate(others):
            when = now - datetime.timedelta(days=days + 300 + k)
            rows.append(Rating(user=person, film=other, stars=3, created_at=when, updated_at=when))
    for day in range(days, 8, -1):
        for person in rng.sample(people, 3):
            when = now - datetime.timedelta(days=day, hours=rng.randint(0, 20))
            stars = min(5.0, max(0.5, round(rng.gauss(4.0, 0.7) * 2) / 2))
            rows.append(Rating(user=person, film=film, stars=stars, created_at=when, updated_at=when))
    # Several members may draw the same day twice: keep one rating per member and film.
    unique = {(row.user_id, row.film_id): row for row in rows}
    Rating.objects.bulk_create(unique.values())
    film_rating_integrity_check(film_id=film.pk)
    Film.objects.filter(pk=film.pk).update(
        rating_count=Rating.objects.filter(film=film).count(),
        rating_mean=sum(r.stars for r in unique.values() if r.film_id == film.pk)
        / sum(1 for r in unique.values() if r.film_id == film.pk),
    )
    return people


@pytest.mark.django_db(transaction=True)
def test_a_brigade_of_new_accounts_queues_one_check_that_flags_it_through_the_worker(
    client, stub_broker, stub_worker, django_capture_on_commit_callbacks
):
    target = make_film("Blade Runner", year=1982)
    organic_history(target)
    plain_before = Film.objects.get(pk=target.pk).rating_mean

    # 60 accounts created today rate it half a star, each through the real service. Under test the check runs at
    # once rather than five minutes later, so the burst is committed in one go, as if within the delay.
    trolls = [make_member(f"troll{i}") for i in range(60)]
    # A test that reads a stub queue by hand (get() without task_done()) leaves its unfinished count behind,
    # and join() would wait for it forever: settle the count first.
    queue = stub_broker.queues["default"]
    while queue.unfinished_tasks > queue.qsize():
        queue.task_done()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for troll in trolls:
            rating_set(user=troll, film=target, stars="0.5")
    stub_broker.join("default", timeout=60_000)
    stub_worker.join()
    # Debounced: the first rating claimed the check; the other fifty-nine found it due and queued nothing.
    assert FilmRatingIntegrity.objects.get(film=target).check_due_at > timezone.now()

    burst = RatingBurst.objects.get(film=target)
    assert burst.ratings_in_window >= 60 and len(burst.flagged_user_ids) == 60
    target.refresh_from_db()
    assert target.rating_mean < plain_before - 1  # the plain mean was dragged down...
    # ...the robust one was not (it only leans a little towards the catalogue mean, over sixty ratings).
    assert abs(target.rating_robust_mean - plain_before) < 0.2
    integrity = FilmRatingIntegrity.objects.get(film=target)
    assert integrity.excluded_count == 60 and integrity.check_due_at is not None

    page = client.get(reverse("catalog:film_detail", args=[target.pk])).content.decode()
    assert f"{target.rating_robust_mean:.2f}" in page and "manipulation-resistant" in page


def test_the_debounce_claims_once_per_window_and_again_after_it(film, stub_broker, settings):
    settings.RATING_INTEGRITY_CHECK_DELAY_SECONDS = 300
    now = timezone.now()
    assert film_integrity_check_schedule(film_id=film.pk, now=now)
    [delayed] = [Message.decode(raw) for raw in stub_broker.queues[dq_name("default")].queue]
    assert delayed.actor_name == "check_film_integrity" and delayed.args == (film.pk,)
    assert delayed.options["eta"] >= 1000 * (now.timestamp() + 299)  # runs after the ratings of the window
    assert not any(
        film_integrity_check_schedule(film_id=film.pk, now=now + datetime.timedelta(seconds=s)) for s in (1, 60, 299)
    )
    assert film_integrity_check_schedule(film_id=film.pk, now=now + INTEGRITY_CHECK_DEBOUNCE)


def test_imported_accounts_are_judged_by_their_history_not_exempt():
    """A brigade of accounts imported with nothing but this film is flagged like any new account, while imported
    members with years of ratings stay established (they joined on the import date but rated long before)."""
    target = make_film("Heat", year=1995)
    organic_history(target, imported=True)
    assert RatingBurst.objects.count() == 0  # years of imported history are not a burst of new accounts
    now = timezone.now()
    brigade = [
        make_member(f"imp{i}", imported_from="imdb", external_id=f"x{i}", date_joined=now - datetime.timedelta(days=1))
        for i in range(40)
    ]
    Rating.objects.bulk_create(Rating(user=member, film=target, stars=0.5) for member in brigade)
    film_rating_integrity_check(film_id=target.pk)
    burst = RatingBurst.objects.get(film=target)
    assert set(burst.flagged_user_ids) == {member.pk for member in brigade}
    assert Film.objects.get(pk=target.pk).rating_robust_mean > 3.5


def test_highest_rated_sorts_a_flagged_film_by_its_robust_average():
    bombed = make_film("Bombed", year=1980, rating_count=500, rating_mean=2.1, rating_robust_mean=4.3)
    steady = make_film("Steady", year=1981, rating_count=500, rating_mean=4.0)
    middling = make_film("Middling", year=1982, rating_count=500, rating_mean=3.0)
    assert list(film_browse(sort="rating").values_list("pk", flat=True)) == [bombed.pk, steady.pk, middling.pk]


def test_nightly_checks_films_with_new_edited_or_deleted_ratings_only(alice, bob, stub_broker):
    from dramatiq_crontab import scheduler

    from reviews.sentiment.tasks import nightly_rating_integrity

    job = next(job for job in scheduler.get_jobs() if job.name == "nightly_rating_integrity")
    assert "hour='2'" in str(job.trigger)
    quiet, rated, edited, deleted = (make_film(name) for name in ("Quiet", "Rated", "Edited", "Deleted"))
    for target in (quiet, edited, deleted):
        Rating.objects.create(user=alice, film=target, stars=4)
    Rating.objects.create(user=bob, film=deleted, stars=2)
    ratings_integrity_check_all()
    assert films_with_unchecked_ratings() == []

    # The last check ran an hour ago, after every rating so far.
    Rating.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=2))
    FilmRatingIntegrity.objects.update(checked_at=timezone.now() - datetime.timedelta(hours=1))
    Rating.objects.create(user=alice, film=rated, stars=5)
    Rating.objects.filter(film=edited).update(stars=1, updated_at=timezone.now())
    Rating.objects.filter(film=deleted, user=bob).delete()
    assert films_with_unchecked_ratings() == sorted([rated.pk, edited.pk, deleted.pk])

    nightly_rating_integrity.fn()
    job_run = JobRun.objects.get()
    assert job_run.kind == "check_rating_integrity" and job_run.arguments == {"changed_only": True}
    assert ratings_integrity_check_all(changed_only=True)["films"] == 3
    assert films_with_unchecked_ratings() == []
    assert FilmRatingIntegrity.objects.get(film=deleted).plain_count == 1
