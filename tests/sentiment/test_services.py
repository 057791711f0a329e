from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reviews.models import Review
from reviews.sentiment.models import FilmSentimentSummary, ReviewSentenceAspect, ReviewSentiment
from reviews.sentiment.services import (
    film_sentiment_refresh,
    review_sentiment_enqueue,
    review_sentiment_refresh,
    reviews_backfill,
)
from tests.factories import make_member

pytestmark = pytest.mark.django_db

LOVED = (
    "The acting was superb and Weaver is magnificent. The story is a wonderful, gripping ride. "
    "The music is haunting and beautiful."
)
HATED = "The plot was a stupid, ugly mess. The acting was awful and wooden. I hated every minute."


def write_review(member, film, text: str, *, days_ago: int = 0) -> Review:
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return Review.objects.create(user=member, film=film, text=text, created_at=when, updated_at=when)


def test_a_review_is_analysed_with_aspects_and_its_film_summarised(alice, bob, film):
    loved = write_review(alice, film, LOVED, days_ago=40)
    hated = write_review(bob, film, HATED)
    review_sentiment_refresh(review_id=loved.pk)
    sentiment = review_sentiment_refresh(review_id=hated.pk)

    assert sentiment.label == "negative" and sentiment.score < 0 and sentiment.analysable
    assert ReviewSentiment.objects.get(review=loved).label == "positive"
    aspects = set(ReviewSentenceAspect.objects.filter(review=loved).values_list("aspect", flat=True))
    assert {"acting", "story", "music"} <= aspects

    summary = FilmSentimentSummary.objects.get(film=film)
    assert summary.review_count == 2 and summary.positive == 1 and summary.negative == 1
    assert summary.aspects["acting"]["count"] == 2
    assert summary.aspects["acting"]["positive"] == 1 and summary.aspects["acting"]["negative"] == 1
    assert {quote["review_id"] for quote in summary.loved} == {loved.pk}
    assert {quote["review_id"] for quote in summary.disliked} == {hated.pk}
    assert all(quote["text"] in LOVED for quote in summary.loved)
    assert sum(point["count"] for point in summary.timeline) == 2
    assert abs(sum(summary.emotions.values()) - 1) < 1e-3


def test_analysing_twice_changes_nothing_and_an_edit_is_reanalysed(alice, film):
    review = write_review(alice, film, LOVED)
    first = review_sentiment_refresh(review_id=review.pk)
    again = review_sentiment_refresh(review_id=review.pk)
    assert again.analysed_at == first.analysed_at
    review.text = HATED
    review.save(update_fields=["text"])
    edited = review_sentiment_refresh(review_id=review.pk)
    assert edited.label == "negative" and edited.analysed_at > first.analysed_at
    assert not ReviewSentenceAspect.objects.filter(review=review, sentence__icontains="Weaver").exists()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<br /><br />", "empty"),
        ("Ce film est magnifique, les acteurs sont excellents et la musique est très belle.", "not English"),
    ],
)
def test_unanalysable_reviews_are_stored_as_such_and_left_out_of_the_summary(alice, film, text, reason):
    review = write_review(alice, film, text)
    sentiment = review_sentiment_refresh(review_id=review.pk)
    assert not sentiment.analysable and sentiment.reason == reason and sentiment.label == ""
    assert not FilmSentimentSummary.objects.filter(film=film).exists()


def test_an_enormous_review_is_analysed_truncated(alice, film):
    review = write_review(alice, film, "I loved this film, the acting was superb. " * 1000)
    sentiment = review_sentiment_refresh(review_id=review.pk)
    assert sentiment.analysable and sentiment.reason == "truncated to 20000 characters"
    assert sentiment.label == "positive"


def test_a_deleted_review_is_a_no_op(alice, film):
    review = write_review(alice, film, LOVED)
    review_sentiment_refresh(review_id=review.pk)
    review.delete()
    assert review_sentiment_refresh(review_id=review.pk) is None
    assert film_sentiment_refresh(film_id=film.pk) is None
    assert not FilmSentimentSummary.objects.filter(film=film).exists()


@pytest.mark.django_db(transaction=True)
def test_the_actor_analyses_a_review_enqueued_on_commit(
    alice, film, stub_broker, stub_worker, django_capture_on_commit_callbacks
):
    review = write_review(alice, film, LOVED)
    with django_capture_on_commit_callbacks(execute=True):
        review_sentiment_enqueue(review_id=json.loads(json.dumps(review.pk)))
    stub_broker.join("ml")
    stub_worker.join()
    assert ReviewSentiment.objects.get(review=review).label == "positive"
    assert FilmSentimentSummary.objects.filter(film=film).exists()


def test_backfill_analyses_everything_once_and_a_rerun_finds_nothing(alice, film):
    members = [alice] + [make_member(f"member{i}") for i in range(5)]
    for i, member in enumerate(members):
        write_review(member, film, LOVED if i % 2 else HATED, days_ago=i * 30)
    first = reviews_backfill(batch_size=4, use_embedder=False)
    assert first["reviews"] == 6 and first["films"] == 1
    assert reviews_backfill(use_embedder=False)["reviews"] == 0
    assert FilmSentimentSummary.objects.get(film=film).review_count == 6


def test_analyze_reviews_command_is_idempotent(alice, film):
    write_review(alice, film, LOVED)
    out = StringIO()
    call_command("analyze_reviews", "--no-train", "--embeddings", "off", stdout=out)
    assert "analysed 1 reviews" in out.getvalue()
    out = StringIO()
    call_command("analyze_reviews", "--no-train", "--embeddings", "off", stdout=out)
    assert "analysed 0 reviews" in out.getvalue()


def test_deleting_a_review_queues_its_film_for_a_refresh(alice, film, stub_broker, django_capture_on_commit_callbacks):
    from reviews.sentiment.services import film_sentiment_enqueue

    with django_capture_on_commit_callbacks(execute=True):
        film_sentiment_enqueue(film_id=film.pk)
    [message] = stub_broker.queues["ml"].queue
    assert json.loads(message.decode())["args"] == [film.pk]


def test_the_backfill_job_records_its_result(alice, film):
    from cineaesthete.core.jobs import job_run_inline
    from reviews.sentiment.tasks import analyse_reviews_backfill

    write_review(alice, film, LOVED)
    job = job_run_inline(analyse_reviews_backfill, use_embedder=False)
    assert job.state == "succeeded", job.error
    assert job.result["reviews"] == 1


def _run_enqueued(broker) -> list[str]:
    """Run the sentiment messages the services enqueued, in this test's transaction (a worker thread could not
    see its uncommitted rows); returns the actor names run."""
    from dramatiq import Message

    from reviews.sentiment import tasks

    names = []
    for raw in broker.queues["ml"].queue:
        message = Message.decode(raw)
        getattr(tasks, message.actor_name).fn(*message.args, **message.kwargs)
        names.append(message.actor_name)
    broker.flush_all()
    return names


def test_writing_editing_and_deleting_a_review_keeps_sentiment_current(
    alice, film, stub_broker, django_capture_on_commit_callbacks
):
    """The reviews services enqueue the analysis on commit; the actor stores it and the film summary follows."""
    from reviews.services import review_create, review_delete, review_update

    with django_capture_on_commit_callbacks(execute=True):
        review = review_create(user=alice, film=film, text=LOVED)
    assert _run_enqueued(stub_broker) == ["analyse_review"]
    assert ReviewSentiment.objects.get(review=review).label == "positive"

    with django_capture_on_commit_callbacks(execute=True):
        review_update(review=review, text=HATED, contains_spoilers=False)
    assert _run_enqueued(stub_broker) == ["analyse_review"]
    assert ReviewSentiment.objects.get(review=review).label == "negative"
    assert FilmSentimentSummary.objects.get(film=film).review_count == 1

    with django_capture_on_commit_callbacks(execute=True):
        review_delete(review=review)
    assert _run_enqueued(stub_broker) == ["refresh_film_sentiment"]
    assert not FilmSentimentSummary.objects.filter(film=film).exists()  # no reviews left, no summary


def test_the_film_page_shows_the_sentiment_panel(client, alice, film):
    review = write_review(alice, film, LOVED)
    review_sentiment_refresh(review_id=review.pk)
    page = client.get(film.get_absolute_url())
    assert b"Audience sentiment" in page.content and b"Too few reviews" in page.content
    for i in range(4):
        review_sentiment_refresh(review_id=write_review(make_member(f"fan{i}"), film, LOVED).pk)
    page = client.get(film.get_absolute_url())
    assert b"What people loved" in page.content and b"Too few reviews" not in page.content
