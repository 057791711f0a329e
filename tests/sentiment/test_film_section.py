from __future__ import annotations

import datetime
from decimal import Decimal

import numpy as np
import pytest
from django.contrib import admin
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews.models import Rating, Review
from reviews.sentiment.models import FilmRatingIntegrity, RatingBurst
from reviews.sentiment.services import film_rating_integrity_check, rating_burst_set_status, review_sentiment_refresh
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db

SECTION = Template("{% load sentiment_tags %}{% film_sentiment_section film %}")


LOVED_TEXTS = [
    "The acting was superb, truly wonderful. The music is haunting and beautiful.",
    "A wonderful cast gives great performances. The soundtrack is lovely.",
    "Brilliant acting from everyone involved. I adored the music.",
    "The performances are moving and the score is gorgeous.",
    "Superb actors at their best. Beautiful songs too.",
]


def test_the_panel_quotes_real_reviews_with_links_in_two_queries(alice, film):
    reviews = [
        Review.objects.create(user=make_member(f"fan{i}") if i else alice, film=film, text=text)
        for i, text in enumerate(LOVED_TEXTS)
    ]
    for review in reviews:
        review_sentiment_refresh(review_id=review.pk)
    with CaptureQueriesContext(connection) as queries:
        html = SECTION.render(Context({"film": film}))
    assert len(queries) == 2
    assert "What people loved" in html and "Too few reviews" not in html
    assert any(f"/reviews/{review.pk}/" in html for review in reviews)
    assert "Acting" in html and "Music &amp; sound" in html


@pytest.mark.parametrize("count", [1, 4])
def test_below_five_reviews_the_panel_shows_counts_but_no_aspects_moods_or_quotes(film, count):
    rant = "The acting was awful and wooden. The music is dreadful. A terrifying, horrible, sickening bore."
    for i in range(count):
        review = Review.objects.create(user=make_member(f"ranter{i}"), film=film, text=rant)
        review_sentiment_refresh(review_id=review.pk)
    summary = film.sentiment_summary
    summary.refresh_from_db()
    assert summary.review_count == count and summary.moods == []
    html = SECTION.render(Context({"film": film}))
    assert "Too few reviews" in html and f"From {count} review" in html
    assert "What people disliked" not in html and "By aspect" not in html and "Mood:" not in html


def test_the_panel_without_reviews_says_so(film):
    html = SECTION.render(Context({"film": film}))
    assert "No analysed reviews yet." in html


def test_a_brigade_is_flagged_for_staff_and_left_out_of_the_robust_average(film):
    rng = np.random.default_rng(0)
    start = timezone.now() - datetime.timedelta(days=200)
    old = [make_member(f"regular{i}", date_joined=start - datetime.timedelta(days=400)) for i in range(40)]
    # History: regulars rate 3-4.5 stars spread over 150 days (one rating each per film, so 1 per day or so).
    others = [make_film(f"Other {n}") for n in range(3)]
    films_history = []
    for i, member in enumerate(old):
        # Regulars rate other films too: not single-purpose accounts.
        films_history.extend(Rating(user=member, film=other, stars=Decimal("3.0")) for other in others)
        films_history.append(
            Rating(
                user=member,
                film=film,
                stars=Decimal(str(rng.choice([3.0, 3.5, 4.0, 4.5]))),
                created_at=start + datetime.timedelta(days=int(i * 150 / 40)),
            )
        )
    Rating.objects.bulk_create(films_history)
    # The brigade: 30 accounts made the same day, each rating only this film, half a star, within two days.
    raid_day = start + datetime.timedelta(days=170)
    for i in range(30):
        member = make_member(f"raider{i}", date_joined=raid_day - datetime.timedelta(hours=5))
        Rating.objects.create(
            user=member, film=film, stars=Decimal("0.5"), created_at=raid_day + datetime.timedelta(hours=i)
        )

    result = film_rating_integrity_check(film_id=film.pk, prior_mean=3.5)
    burst = RatingBurst.objects.get(film=film)
    assert burst.ratings_in_window >= 30 and burst.suspicious_share > 0.9
    assert len(burst.flagged_user_ids) == 30
    assert burst.evidence["window_mean"] < 1.0 < burst.evidence["history_mean"]
    assert result.excluded_count == 30
    assert result.plain_mean < 2.6 and result.robust_mean > 3.3

    # Running again is idempotent; dismissing puts the ratings back.
    film_rating_integrity_check(film_id=film.pk, prior_mean=3.5)
    assert RatingBurst.objects.filter(film=film).count() == 1
    dismissed = rating_burst_set_status(burst=burst, status=RatingBurst.Status.DISMISSED)
    assert dismissed.excluded_count == 0
    assert FilmRatingIntegrity.objects.get(film=film).robust_mean < 3.0

    html = SECTION.render(Context({"film": film}))
    assert "manipulation-resistant average" in html


def test_admin_lists_bursts_and_sentiment(client, staff):
    from reviews.sentiment.models import FilmSentimentSummary, ReviewSentiment

    for model in (RatingBurst, FilmRatingIntegrity, ReviewSentiment, FilmSentimentSummary):
        assert admin.site.is_registered(model)
    client.force_login(staff)
    assert client.get("/admin/sentiment/ratingburst/").status_code == 200


def test_films_can_be_filtered_by_mood(alice, bob, film):
    from catalog.models import Film
    from reviews.sentiment.selectors import film_ids_with_mood, mood_choices

    sad = make_film("Grave of the Fireflies")
    # Moods need five reviews: fewer would make one viewer's feeling the film's.
    for i in range(5):
        Review.objects.create(
            user=make_member(f"mourner{i}"),
            film=sad,
            text="A sad, lonely film about grief and loss; I cried, so mournful.",
        )
        Review.objects.create(
            user=make_member(f"screamer{i}"),
            film=film,
            text="A terrifying horror film: I screamed in fear at the scary monster.",
        )
    for review in Review.objects.all():
        review_sentiment_refresh(review_id=review.pk)
    assert "melancholic" in mood_choices()
    assert list(Film.objects.filter(pk__in=film_ids_with_mood(mood="melancholic"))) == [sad]
    assert film in Film.objects.filter(pk__in=film_ids_with_mood(mood="tense")) or film in Film.objects.filter(
        pk__in=film_ids_with_mood(mood="dark")
    )
