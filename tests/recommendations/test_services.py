"""Training, activation, serving and fallbacks against the real database (tiny synthetic tastes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from recommendations.engine.artifact import ArtifactError
from recommendations.models import FilmFeedback, RecommenderModel
from recommendations.selectors import member_recommendations, similar_films
from recommendations.services import feedback_set, recommender_train
from tests.factories import make_film, make_member

from .conftest import TRAIN_PARAMS


def ids(result) -> list[int]:
    return [item.film_id for item in result.items]


def test_training_activates_a_verified_model(trained):
    model = trained["model"]
    model.refresh_from_db()
    assert model.state == RecommenderModel.State.ACTIVE
    assert (Path(settings.MODEL_DIR) / model.artifact).is_file()
    assert model.metrics["members"] == 20


def test_a_failing_training_leaves_the_previous_model_active(trained, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk full halfway")

    monkeypatch.setattr("recommendations.services.train_production", crash)
    with pytest.raises(RuntimeError):
        recommender_train(params=TRAIN_PARAMS)
    assert RecommenderModel.objects.get(state=RecommenderModel.State.ACTIVE).pk == trained["model"].pk
    failed = RecommenderModel.objects.get(state=RecommenderModel.State.FAILED)
    assert "disk full" in failed.error


def test_a_crash_while_writing_the_artifact_leaves_the_previous_model_serving(trained, monkeypatch):
    def torn_write(recommender, path, extra=None):
        path.write_bytes(b"PK\x03\x04 half a zip")
        return "0" * 64

    monkeypatch.setattr("recommendations.engine.artifact.save", torn_write)
    with pytest.raises(ArtifactError):
        recommender_train(params=TRAIN_PARAMS)
    active = RecommenderModel.objects.get(state=RecommenderModel.State.ACTIVE)
    assert active.pk == trained["model"].pk


def test_recommendations_exclude_rated_films_and_follow_taste(trained):
    member = make_member("newcomer")
    action = trained["action"]
    from reviews.services import rating_set

    for film in action[:3]:
        rating_set(user=member, film=film, stars="5")
    result = member_recommendations(user=member, k=6)
    assert result.source in {"model", "cold-start"}
    assert not set(ids(result)) & {film.pk for film in action[:3]}
    assert set(ids(result)[:3]) <= {film.pk for film in action}
    assert any("Because you liked Action" in reason for item in result.items for reason in item.reasons)


def test_a_rating_moves_the_members_recommendations(trained):
    from reviews.services import rating_set

    member = make_member("swinger")
    rating_set(user=member, film=trained["action"][0], stars="5")
    before = ids(member_recommendations(user=member, k=5))
    for film in trained["romance"][:4]:
        rating_set(user=member, film=film, stars="5")
    after = ids(member_recommendations(user=member, k=5))
    romance = {film.pk for film in trained["romance"]}
    assert sum(film_id in romance for film_id in after) > sum(film_id in romance for film_id in before)


def test_not_interested_takes_effect_at_once(trained):
    from reviews.services import rating_set

    member = make_member("picky")
    rating_set(user=member, film=trained["action"][0], stars="5")
    first = ids(member_recommendations(user=member, k=5))[0]
    from catalog.models import Film

    feedback_set(user=member, film=Film.objects.get(pk=first), kind=FilmFeedback.Kind.NOT_INTERESTED)
    assert first not in ids(member_recommendations(user=member, k=10))


def test_corrupt_artifact_falls_back_to_popular_films(trained, alice):
    model = trained["model"]
    model.refresh_from_db()
    path = Path(settings.MODEL_DIR) / model.artifact
    path.write_bytes(path.read_bytes()[:100])
    from reviews.services import rating_set

    rating_set(user=alice, film=trained["action"][0], stars="5")
    result = member_recommendations(user=alice, k=5)
    assert result.source == "popular"
    assert result.version is None
    assert trained["action"][0].pk not in ids(result)


def test_member_with_no_ratings_gets_popular_films(trained, bob):
    result = member_recommendations(user=bob, k=5)
    assert result.source == "popular"
    assert len(result.items) == 5


def test_similar_films_blend_factors_and_content_and_handle_new_films(trained):
    action = trained["action"]
    similar = similar_films(film=action[0], k=4)
    assert {film.pk for film in similar} <= {film.pk for film in action[1:]}
    newcomer = make_film("Action sequel", genres=("Action",))  # added after training
    similar_new = similar_films(film=newcomer, k=4)
    assert similar_new and {film.pk for film in similar_new} <= {film.pk for film in action}


@pytest.mark.django_db(transaction=True)
def test_train_actor_runs_through_the_stub_broker(taste_world, stub_broker, stub_worker, settings):
    from cineaesthete.core.jobs import job_enqueue
    from recommendations.tasks import train_recommender

    params = json.loads(json.dumps(TRAIN_PARAMS))
    job = job_enqueue(train_recommender, params=params)
    stub_broker.join("ml")
    stub_worker.join()
    job.refresh_from_db()
    assert job.state == job.State.SUCCEEDED, job.error
    assert RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE, version=job.result["version"]).exists()


def test_training_reason_follows_age_and_ratings(trained):
    from datetime import timedelta

    from django.utils import timezone

    from recommendations.services import recommender_training_reason
    from reviews.services import rating_set

    assert recommender_training_reason() is None  # trained on the current ratings
    assert recommender_training_reason(force=True) == "forced"
    rating_set(user=make_member("newcomer"), film=trained["action"][0], stars="4")
    assert recommender_training_reason().startswith("ratings changed")
    assert recommender_training_reason(if_older_than_hours=20) is None  # too young to retrain nightly
    RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE).update(
        activated_at=timezone.now() - timedelta(hours=21)
    )
    assert recommender_training_reason(if_older_than_hours=20).startswith("ratings changed")


def test_a_suspension_and_its_lifting_each_call_for_a_retrain(trained):
    """What moderation hides leaves training (training_data.member_signals), so hiding it must make the active
    model stale, or the nightly job would keep serving the suspended member's ratings."""
    from recommendations.services import recommender_training_reason
    from reviews.moderation import member_suspend, member_unsuspend
    from reviews.services import rating_set

    member = make_member("suspended-later")
    rating_set(user=member, film=trained["action"][0], stars="5")
    recommender_train(params=TRAIN_PARAMS)
    assert recommender_training_reason() is None
    member_suspend(member=member, reason="rating abuse", staff=make_member("staff", is_staff=True))
    assert recommender_training_reason().startswith("ratings changed")
    recommender_train(params=TRAIN_PARAMS)
    assert recommender_training_reason() is None
    member_unsuspend(member=member)
    assert recommender_training_reason().startswith("ratings changed")


def test_nightly_actor_is_scheduled_and_queues_training_only_when_stale(trained, stub_broker):
    from datetime import timedelta

    from django.utils import timezone
    from dramatiq_crontab import scheduler

    from cineaesthete.core.models import JobRun
    from recommendations.tasks import nightly_recommender_training

    job = next(job for job in scheduler.get_jobs() if job.name == "nightly_recommender_training")
    assert "hour='3'" in str(job.trigger) and "minute='15'" in str(job.trigger)

    nightly_recommender_training.fn()  # the active model was just trained on these ratings
    assert not JobRun.objects.exists()
    RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE).update(
        activated_at=timezone.now() - timedelta(hours=21), metrics={"ratings": -1}
    )
    nightly_recommender_training.fn()
    assert list(JobRun.objects.values_list("kind", flat=True)) == ["train_recommender"]
