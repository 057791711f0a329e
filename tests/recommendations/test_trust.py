"""Scores and reasons that mean what they say: signals, exact reasons, gems, staleness, evaluation."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import CommandError, call_command
from django.utils import timezone

from recommendations.engine import artifact
from recommendations.engine.artifact import ArtifactError
from recommendations.engine.confidence import ConfidenceParams, confidence_from_stars
from recommendations.engine.recommender import BlendParams, Recommender
from recommendations.engine.signals import LIKE_ONLY_STARS, WATCHED_STARS, SignalError, effective_stars
from recommendations.services import recommender_train, recommender_training_reason
from recommendations.serving import (
    compute_recommendations,
    fold_in_profile,
    member_profile,
    member_scores,
    popular_films,
    score_contributions,
    serving_model,
)
from recommendations.training_data import rating_log_from_db
from reviews.models import DiaryEntry, Rating
from reviews.moderation import member_suspend, member_unsuspend
from tests.factories import make_film, make_member

from .conftest import TRAIN_PARAMS

# --- one definition of each signal --------------------------------------------------------------------


def test_every_signal_has_finite_effective_stars():
    stars = np.array([np.nan, np.nan, 0.5, 2.0, 3.5, 4.5, 5.0, np.nan, 5.0])
    liked = np.array([True, False, True, False, True, False, True, True, False])
    out = effective_stars(stars, liked)
    assert np.isfinite(out).all()
    assert out[0] == LIKE_ONLY_STARS and out[1] == WATCHED_STARS
    assert list(out[2:7]) == [1.0, 2.0, 4.0, 4.5, 5.0]  # a like adds half a star, capped at five
    assert np.isfinite(confidence_from_stars(stars, liked=liked)).all()


@pytest.mark.parametrize("bad", [np.inf, -1.0, 0.0, 5.5])
def test_out_of_range_stars_are_refused(bad):
    with pytest.raises(SignalError):
        effective_stars(np.array([4.0, bad]))


def test_training_and_fold_in_read_every_signal_the_same_way(db):
    """Each kind of signal, stored in the database, means the same to training as to serving."""
    member = make_member("signals")
    films = [make_film(f"Film {i}") for i in range(6)]
    Rating.objects.create(user=member, film=films[0], stars=None, liked=True)  # like without stars
    Rating.objects.create(user=member, film=films[1], stars=Decimal("3.5"), liked=True)  # like with stars
    Rating.objects.create(user=member, film=films[2], stars=Decimal("1.5"))
    Rating.objects.create(user=member, film=films[3], stars=None, liked=False, story=Decimal("4"))  # watched
    DiaryEntry.objects.create(user=member, film=films[4], watched_on="2024-01-01")  # logged, no stars
    DiaryEntry.objects.create(user=member, film=films[5], watched_on="2024-01-01", stars=Decimal("4.5"))

    log = rating_log_from_db()
    trained = dict(zip(log.item_ids.tolist(), log.stars.tolist(), strict=True))
    assert np.isfinite(log.stars).all()
    assert trained == {
        films[0].pk: LIKE_ONLY_STARS,
        films[1].pk: 4.0,
        films[2].pk: 1.5,
        films[3].pk: WATCHED_STARS,
        films[4].pk: WATCHED_STARS,
        films[5].pk: 4.5,
    }
    profile, _ = member_profile(member)
    served = {
        film: effective_stars(np.array([np.nan if s is None else s]), np.array([f]))[0]
        for film, (s, f) in profile.items()
    }
    assert served == trained
    # the confidences training derives from the log equal those fold-in derives from the profile
    training_conf = confidence_from_stars(log.stars, params=ConfidenceParams())
    serving_conf = confidence_from_stars(
        np.array([np.nan if s is None else s for s, _ in profile.values()]),
        liked=np.array([f for _, f in profile.values()]),
    )
    order = [list(profile).index(film) for film in log.item_ids.tolist()]
    np.testing.assert_array_equal(training_conf, serving_conf[order])


def test_a_suspended_members_signals_leave_training_and_return_when_lifted(db):
    """Moderation hides every kind of signal of a suspended member (ratings, likes, diary) from the shared model;
    lifting the suspension brings them all back. Other members' signals are untouched either way."""
    staff = make_member("staff", is_staff=True)
    shill, other = make_member("shill"), make_member("other")
    films = [make_film(f"Film {i}") for i in range(3)]
    Rating.objects.create(user=shill, film=films[0], stars=Decimal("5"))
    Rating.objects.create(user=shill, film=films[1], stars=None, liked=True)
    DiaryEntry.objects.create(user=shill, film=films[2], watched_on="2024-01-01", stars=Decimal("5"))
    Rating.objects.create(user=other, film=films[0], stars=Decimal("3"))

    def trained_users() -> dict[int, int]:
        log = rating_log_from_db()
        return {user: int((log.user_ids == user).sum()) for user in (shill.pk, other.pk)}

    assert trained_users() == {shill.pk: 3, other.pk: 1}
    member_suspend(member=shill, reason="rating abuse", staff=staff)
    assert trained_users() == {shill.pk: 0, other.pk: 1}
    member_unsuspend(member=shill)
    assert trained_users() == {shill.pk: 3, other.pk: 1}


def test_a_like_without_stars_trains_a_finite_model_and_gems_floor(taste_world):
    member = make_member("liker")
    for film in taste_world["action"][:4]:
        Rating.objects.create(user=member, film=film, stars=None, liked=True)
    model = recommender_train(params=TRAIN_PARAMS)
    serving = serving_model()
    assert serving.version == model.version
    assert np.isfinite(serving.recommender.quality).all()
    assert np.isfinite(serving.recommender.item_factors).all()


def test_an_artifact_with_nan_is_never_written(tmp_path):
    rng = np.random.default_rng(0)
    recommender = Recommender(
        item_ids=np.arange(5),
        item_factors=rng.normal(size=(5, 3)).astype(np.float32),
        popularity=np.ones(5),
        quality=np.array([3.0, np.nan, 4.0, 4.0, 4.0], dtype=np.float32),
        regularization=0.1,
    )
    with pytest.raises(ArtifactError):
        artifact.save(recommender, tmp_path / "v1.npz")
    assert not (tmp_path / "v1.npz").exists()


# --- reasons name the true top contributors of the served score -----------------------------------------


def _random_model(seed: int, *, ease_weight: float, penalty: float, recency: float = 0.0) -> Recommender:
    rng = np.random.default_rng(seed)
    n = 40
    ease = rng.normal(scale=0.1, size=(n, n)).astype(np.float32)
    np.fill_diagonal(ease, 0)
    return Recommender(
        item_ids=np.arange(100, 100 + n),
        item_factors=rng.normal(size=(n, 6)).astype(np.float32),
        popularity=rng.integers(1, 200, size=n).astype(np.float64),
        quality=np.full(n, 4.0, dtype=np.float32),
        regularization=0.5,
        blend=BlendParams(ease_weight=ease_weight, popularity_penalty=penalty, recency_boost=recency, recency_tau=3.0),
        ease=ease,
    )


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    ("ease_weight", "penalty", "recency"), [(0.85, 0.5, 0.0), (0.5, 0.0, 0.0), (0.0, 0.3, 0.0), (0.9, 0.8, 2.0)]
)
def test_shares_sum_to_the_served_score(seed, ease_weight, penalty, recency):
    model = _random_model(seed, ease_weight=ease_weight, penalty=penalty, recency=recency)
    rng = np.random.default_rng(1000 + seed)
    films = rng.choice(model.item_ids, size=int(rng.integers(1, 15)), replace=False)
    profile = {int(f): (float(rng.choice([1.0, 2.0, 3.0, 4.0, 5.0])), bool(rng.random() < 0.2)) for f in films}
    member = fold_in_profile(model, profile)
    items = np.arange(model.n_items)
    shares = model.contributions(member.folded, member.liked, items)
    popularity_term = -penalty * model._z_logpop
    np.testing.assert_allclose(shares.sum(axis=1) + popularity_term, member.scores, atol=2e-4)


def test_a_recent_rating_weighs_more_than_an_old_one_with_the_same_stars(db):
    member = make_member("recent")
    old, recent, after_old, after_recent = (make_film(f"Film {i}") for i in range(4))
    Rating.objects.create(user=member, film=recent, stars=Decimal("4"))
    Rating.objects.create(user=member, film=old, stars=Decimal("4"))
    Rating.objects.filter(user=member, film=old).update(updated_at=timezone.now() - timedelta(days=400))
    profile, _ = member_profile(member)
    assert list(profile) == [old.pk, recent.pk]  # oldest first, whatever order the rows were written in

    # EASE alone; each rated film points to one film only, with the same weight
    ease = np.zeros((4, 4), dtype=np.float32)
    ease[0, 2] = ease[1, 3] = 1.0

    def scores(recency: float) -> tuple[np.ndarray, np.ndarray]:
        model = Recommender(
            item_ids=np.array([old.pk, recent.pk, after_old.pk, after_recent.pk]),
            item_factors=np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32),
            popularity=np.ones(4),
            quality=np.full(4, 4.0, dtype=np.float32),
            regularization=0.5,
            blend=BlendParams(ease_weight=1.0, recency_boost=recency, recency_tau=10.0),
            ease=ease,
        )
        member_scores = fold_in_profile(model, profile)
        shares = model.contributions(member_scores.folded, member_scores.liked, np.array([2, 3]))
        return member_scores.scores, shares

    served, shares = scores(0.5)
    assert served[3] > served[2]
    assert shares[1, 1] > shares[0, 0] > 0  # the recent film's share of its film's score is the larger
    np.testing.assert_allclose(shares.sum(axis=1), served[[2, 3]], atol=1e-5)  # reasons stay exact
    served, shares = scores(0.0)  # off: the same stars weigh the same
    assert served[3] == pytest.approx(served[2])
    assert shares[1, 1] == pytest.approx(shares[0, 0])


def test_named_film_is_the_true_top_contributor_for_many_members(trained):
    """On a trained model (EASE + ALS, cold start included), the first film named in each reason is the
    rated film with the largest share of the served score, checked by removing each film's share."""
    serving = serving_model()
    model = serving.recommender
    action, romance = trained["action"], trained["romance"]
    titles = {f.pk: f.title for f in action + romance}
    checked = 0
    rng = np.random.default_rng(7)
    for _ in range(25):
        pool = action + romance
        picks = rng.choice(len(pool), size=int(rng.integers(2, 9)), replace=False)
        profile = {
            pool[i].pk: (float(rng.choice([2.0, 3.0, 3.5, 4.0, 4.5, 5.0])), bool(rng.random() < 0.3)) for i in picks
        }
        result = compute_recommendations(serving, profile, set(profile), k=5, mode="accurate", diversity=None)
        member = member_scores(serving, profile)
        for film_id, score, reasons in result["items"]:
            item = int(model.index_of([film_id])[0])
            assert score == pytest.approx(float(member.scores[item]))
            shares = score_contributions(serving, member, np.array([item]))[0]
            if not reasons:
                assert not (shares > 0).any()
                continue
            best = int(model.item_ids[member.liked[int(np.argmax(shares))]])
            assert titles[best] in reasons[0].split(" and ")[0]
            stars, liked = profile[best]
            verb = "liked" if liked or stars >= 3.5 else "watched"
            assert reasons[0].startswith(f"Because you {verb} {titles[best]}")
            checked += 1
    assert checked > 50


def test_cold_start_shares_sum_to_the_served_score(trained):
    serving = serving_model()
    profile = {trained["action"][0].pk: (4.5, False), trained["romance"][1].pk: (4.0, True)}
    member = member_scores(serving, profile)
    assert member.cold_share > 0
    items = np.arange(serving.recommender.n_items)
    shares = score_contributions(serving, member, items)
    residual = member.scores - shares.sum(axis=1)
    # what is left is the popularity term (zero here) and a per-member constant, never a per-film share
    np.testing.assert_allclose(residual, residual.mean(), atol=2e-4)


def test_no_canned_reason_on_the_page(client, trained):
    member = make_member("page")
    for film in trained["action"][:3]:
        Rating.objects.create(user=member, film=film, stars=Decimal("4.5"))
    client.force_login(member)
    assert b"tastes like yours" not in client.get("/recommendations/").content


# --- hidden gems ---------------------------------------------------------------------------------------


def _catalogue_with_one_rating_wonders() -> dict:
    films = {}
    for i in range(30):  # a popular head, well-known solid films and one-rating wonders
        films[f"head{i}"] = make_film(f"Head {i}", rating_count=1000 + i, rating_mean=3.8)
    for i in range(10):
        films[f"solid{i}"] = make_film(f"Solid {i}", rating_count=40 + i, rating_mean=4.2)
        films[f"wonder{i}"] = make_film(f"Wonder {i}", rating_count=1 + i % 3, rating_mean=5.0)
    return films


@pytest.mark.django_db
def test_gems_without_a_model_need_twenty_ratings_and_use_the_shrunk_mean():
    films = _catalogue_with_one_rating_wonders()
    chosen = [film_id for film_id, _, _ in popular_films(set(), k=20, mode="gems")]
    assert chosen
    counts = {f.pk: f.rating_count for f in films.values()}
    assert all(counts[film_id] >= 20 for film_id in chosen)
    assert not any(films[f"wonder{i}"].pk in chosen for i in range(10))


def test_gems_with_a_model_never_return_thinly_rated_films(trained):
    serving = serving_model()
    model = serving.recommender
    for n in (1, 2, 6):
        profile = {f.pk: (5.0, False) for f in trained["action"][:n]}
        result = compute_recommendations(serving, profile, set(profile), k=10, mode="gems", diversity=None)
        for film_id, _, _ in result["items"]:
            assert model.popularity[model.index_of([film_id])[0]] >= model.blend.gems_min_ratings
    # the tiny world has fewer than 20 ratings per film: nothing qualifies, rather than anything
    assert result["items"] == []


# --- stale model detection -----------------------------------------------------------------------------


def test_edits_and_deletions_make_the_model_stale(trained):
    assert recommender_training_reason() is None
    rating = Rating.objects.filter(stars__isnull=False).first()
    rating.stars = Decimal("0.5") if rating.stars != Decimal("0.5") else Decimal("5.0")
    rating.save(update_fields=["stars"])  # same count, an edit
    assert recommender_training_reason() is not None
    recommender_train(params=TRAIN_PARAMS)
    assert recommender_training_reason() is None
    other = Rating.objects.exclude(pk=rating.pk).first()
    user, film, stars = other.user, other.film, other.stars
    other.delete()
    Rating.objects.create(
        user=user,
        film=trained["romance"][7] if other.film != trained["romance"][7] else trained["action"][7],
        stars=stars,
    )
    assert recommender_training_reason() is not None  # delete one, add another: same count, not current
    recommender_train(params=TRAIN_PARAMS)
    Rating.objects.filter(user=user).first().delete()
    assert recommender_training_reason() is not None
    recommender_train(params=TRAIN_PARAMS)
    DiaryEntry.objects.create(user=user, film=film, watched_on="2024-05-01")
    assert recommender_training_reason() is not None  # a diary entry is training data too


# --- the evaluation command on tiny data ---------------------------------------------------------------


def _three_taste_ratings(tmp_path, *, seed: int):
    """A tiny ML-1M-style ratings.dat: 60 members in three taste groups over 45 films, plus some noise."""
    rng = np.random.default_rng(seed)
    lines = []
    for user in range(1, 61):
        for item in range(1, 46):
            if item % 3 == user % 3 and rng.random() < 0.8 or rng.random() < 0.08:
                lines.append(f"{user}::{item}::{int(rng.choice([3, 4, 5]))}::{1000 + item * 10 + user}")
    path = tmp_path / "ratings.dat"
    path.write_text("\n".join(lines))
    return path


def test_evaluate_recommender_smoke(tmp_path):
    path = _three_taste_ratings(tmp_path, seed=0)
    out = io.StringIO()
    call_command(
        "evaluate_recommender",
        "--protocol",
        "all",
        "--ratings-file",
        str(path),
        "--quick",
        "--json",
        "--threads",
        "1",
        stdout=out,
        stderr=io.StringIO(),
    )
    report = json.loads(out.getvalue())
    for name in ("recbole-ml1m", "temporal"):
        rows = {row["model"]: row for row in report["protocols"][name]["rows"]}
        assert {"EASE", "production (accurate)"} <= set(rows)
        for row in rows.values():
            assert all(np.isfinite(v) for k, v in row.items() if isinstance(v, float))


def test_evaluate_recommender_core_compares_served_blend_with_plain_ease(tmp_path):
    """--core: only the two rows the targets compare, in every protocol; the EASE row stays plain EASE."""
    path = _three_taste_ratings(tmp_path, seed=1)
    out = io.StringIO()
    call_command(
        "evaluate_recommender",
        *("--protocol", "all", "--ratings-file", str(path), "--production-params", "--core", "--json"),
        *("--seeds", "2", "--threads", "1"),
        stdout=out,
        stderr=io.StringIO(),
    )
    report = json.loads(out.getvalue())
    for protocol in ("recbole-ml1m", "temporal", "strong"):
        rows = {row["model"]: row for row in report["protocols"][protocol]["rows"]}
        assert set(rows) == {"EASE", "production (accurate)"}
        assert rows["EASE"]["params"] == {"lambda": 1000.0}
        assert rows["production (accurate)"]["params"]["ease_user_norm"] == 0.75
        for row in rows.values():
            assert all(np.isfinite(v) for v in row.values() if isinstance(v, float))


@pytest.mark.parametrize("protocol", ["recbole-ml1m", "temporal", "strong"])
def test_evaluate_recommender_on_too_little_data_is_a_clear_error(tmp_path, protocol):
    path = tmp_path / "ratings.dat"
    path.write_text("\n".join(f"{user}::{item}::4::{1000 + item}" for user in range(1, 6) for item in range(1, 4)))
    with pytest.raises(CommandError, match="10-core"):
        call_command(
            "evaluate_recommender",
            *("--protocol", protocol, "--ratings-file", str(path), "--production-params", "--core"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_strong_generalisation_protocol_over_seeds(tmp_path):
    """Held-out members are never trained on, are folded in from 80% of their ratings (low stars included)
    and are ranked against their other positives; several seeds give mean and std."""
    from recommendations.engine.data import load_ratings_file
    from recommendations.engine.evaluation import strong_split

    rng = np.random.default_rng(3)
    lines = []
    for user in range(1, 121):
        group = user % 3
        for item in range(1, 61):
            if item % 3 == group and rng.random() < 0.7 or rng.random() < 0.1:
                stars = int(rng.choice([4, 5])) if item % 3 == group else int(rng.choice([1, 2, 3]))
                lines.append(f"{user}::{item}::{stars}::{1000 + item * 10 + user}")
    path = tmp_path / "ratings.dat"
    path.write_text("\n".join(lines))
    split = strong_split(load_ratings_file(path), seed=1)
    assert split.fold.shape[0] == 12 and split.train.shape[0] == 108
    assert split.fold.data.min() < 3  # low stars reach the fold-in, as on the site
    assert split.test.nnz and not (split.fold.multiply(split.test)).nnz
    out = io.StringIO()
    call_command(
        "evaluate_recommender",
        "--protocol",
        "strong",
        "--ratings-file",
        str(path),
        "--production-params",
        "--seeds",
        "3",
        "--json",
        "--threads",
        "1",
        stdout=out,
        stderr=io.StringIO(),
    )
    rows = {row["model"]: row for row in json.loads(out.getvalue())["protocols"]["strong"]["rows"]}
    assert {"popularity", "EASE", "ALS", "production (accurate)"} <= set(rows)
    for row in rows.values():
        assert row["seeds"] == 3 and np.isfinite(row["ndcg@10"]) and row["ndcg@10_std"] >= 0
        assert np.isfinite(row["ndcg@10_minus_ease"])
    assert rows["production (accurate)"]["ndcg@10"] > rows["popularity"]["ndcg@10"]


def test_edlae_dropout_penalises_popular_items_more():
    from recommendations.engine.baselines import ease_weights

    rng = np.random.default_rng(0)
    matrix = sp.csr_matrix((rng.random((80, 15)) < np.linspace(0.05, 0.9, 15)).astype(np.float32))
    plain = ease_weights(matrix, regularization=5.0)
    edlae = ease_weights(matrix, regularization=5.0, dropout=0.25)
    assert np.isfinite(edlae).all() and np.allclose(np.diag(edlae), 0)
    assert not np.allclose(plain, edlae)
    np.testing.assert_allclose(ease_weights(matrix, regularization=5.0, dropout=0.0), plain)


@pytest.mark.parametrize(
    "shape",
    ["one rating", "all low", "only unknown films", "likes without stars", "watched only"],
)
def test_hostile_profiles_get_finite_scores_and_true_reasons(trained, client, shape):
    serving = serving_model()
    action = trained["action"]
    unknown = make_film("Added after training")
    member = make_member(f"hostile-{shape.replace(' ', '-')}")
    if shape == "one rating":
        Rating.objects.create(user=member, film=action[0], stars=Decimal("5.0"))
    elif shape == "all low":
        for film in action[:6]:
            Rating.objects.create(user=member, film=film, stars=Decimal("1.0"))
    elif shape == "only unknown films":
        Rating.objects.create(user=member, film=unknown, stars=Decimal("4.0"))
    elif shape == "likes without stars":
        for film in action[:3]:
            Rating.objects.create(user=member, film=film, stars=None, liked=True)
    else:
        for film in action[:3]:
            DiaryEntry.objects.create(user=member, film=film, watched_on="2024-02-02")
    profile, excluded = member_profile(member)
    for mode in ("accurate", "diverse", "gems", "surprise"):
        result = compute_recommendations(serving, profile, excluded, k=10, mode=mode, diversity=None)
        assert all(np.isfinite(score) for _, score, _ in result["items"])
        assert not {film_id for film_id, _, _ in result["items"]} & excluded
        if shape == "all low":
            assert all(not reasons for _, _, reasons in result["items"])  # nothing they liked to name
        if shape == "watched only":
            assert all("liked" not in " ".join(reasons) for _, _, reasons in result["items"])
    client.force_login(member)
    for mode in ("accurate", "gems", "surprise"):
        response = client.get("/recommendations/", {"mode": mode})
        assert response.status_code == 200


@pytest.mark.parametrize("seed", range(3))
def test_ease_user_norm_lets_one_heavy_member_move_the_weights_less(seed):
    from recommendations.engine.baselines import ease_weights

    rng = np.random.default_rng(seed)
    dense = (rng.random((31, 20)) < 0.3).astype(np.float32)
    dense[30] = 1.0  # one member who watched everything
    change = {}
    # λ on the scale of each Gram matrix: the light members have about 6 films, so entries shrink by 6^-0.75
    for user_norm, regularization in [(0.0, 2.0), (0.75, 2.0 * 6**-0.75)]:
        weights = ease_weights(sp.csr_matrix(dense), regularization=regularization, user_norm=user_norm)
        without = ease_weights(sp.csr_matrix(dense[:30]), regularization=regularization, user_norm=user_norm)
        assert np.isfinite(weights).all() and np.allclose(np.diag(weights), 0)
        change[user_norm] = np.abs(weights - without).sum() / np.abs(without).sum()
    assert change[0.75] < change[0.0]
    plain = ease_weights(sp.csr_matrix(dense), regularization=2.0)
    np.testing.assert_allclose(ease_weights(sp.csr_matrix(dense), regularization=2.0, user_norm=0.0), plain)


def test_an_artifact_from_another_version_is_refused_not_a_crash(tmp_path):
    rng = np.random.default_rng(0)
    model = _random_model(0, ease_weight=0.85, penalty=0.5)
    path = tmp_path / "v1.npz"
    artifact.save(model, path)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays["meta"].tobytes().decode())
    meta["blend"]["a_setting_from_a_newer_version"] = 1.0
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ArtifactError, match="settings"):
        artifact.load(path)
    arrays["meta"] = np.frombuffer(json.dumps({**meta, "blend": model.blend.as_dict()}).encode(), dtype=np.uint8)
    arrays["ease"] = rng.normal(size=(3, 3)).astype(np.float32)  # not items × items
    np.savez(path, **arrays)
    with pytest.raises(ArtifactError, match="EASE"):
        artifact.load(path)
