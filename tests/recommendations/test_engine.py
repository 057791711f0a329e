"""The engine on small synthetic matrices: no database, no Django."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine import artifact
from recommendations.engine.als import ALSParams, fold_in, gram, train_als
from recommendations.engine.confidence import ConfidenceParams, confidence_from_stars
from recommendations.engine.data import RatingLog, build_matrix
from recommendations.engine.evaluation import (
    evaluate_lists,
    k_core,
    recbole_split,
    temporal_gap_validation,
    temporal_split,
)
from recommendations.engine.ranking import hidden_gems, intra_list_diversity, mmr, popular_mask, top_k
from recommendations.engine.recommender import BlendParams, Recommender


def blocks(n_users: int = 60, n_items: int = 30, groups: int = 3, seed: int = 0) -> sp.csr_matrix:
    """Users of group g rate items of group g highly (with some missing), nothing else."""
    rng = np.random.default_rng(seed)
    rows, cols, stars = [], [], []
    for user in range(n_users):
        group = user % groups
        for item in range(group, n_items, groups):
            if rng.random() < 0.7:
                rows.append(user)
                cols.append(item)
                stars.append(float(rng.choice([4.0, 4.5, 5.0])))
    return build_matrix(np.array(rows), np.array(cols), np.array(stars), shape=(n_users, n_items))


@pytest.fixture(scope="module")
def factors():
    stars = blocks()
    coo = stars.tocoo()
    conf = build_matrix(coo.row, coo.col, confidence_from_stars(coo.data), shape=stars.shape)
    _, item_factors = train_als(conf, params=ALSParams(factors=8, regularization=0.1, iterations=10, seed=3), threads=1)
    return item_factors


def test_confidence_grows_with_stars_and_low_stars_are_weak_negatives():
    values = confidence_from_stars(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), params=ConfidenceParams(alpha=8.0))
    assert values[0] < 0 and values[1] < 0
    assert -values[1] < values[4]  # a dislike weighs less than a love
    assert values[2] < values[3] < values[4]
    liked_only = confidence_from_stars(np.array([np.nan]), liked=np.array([True]))
    assert liked_only[0] == confidence_from_stars(np.array([4.0]))[0]


def test_fold_in_matches_implicit_recalculate_user(factors):
    from implicit.cpu.als import AlternatingLeastSquares

    items = np.array([0, 3, 6])
    conf = np.array([5.0, 9.0, -2.0], dtype=np.float32)
    mine = fold_in(factors, gram(factors), items, conf, regularization=0.1).factor
    model = AlternatingLeastSquares(factors=8, regularization=0.1, alpha=1.0)
    model.item_factors = factors
    row = sp.csr_matrix((conf, (np.zeros(3, int), items)), shape=(1, factors.shape[0]))
    theirs = model.recalculate_user(0, row)
    np.testing.assert_allclose(mine, np.ravel(theirs), rtol=1e-3, atol=1e-4)


def test_a_rating_moves_the_recommendations_towards_its_group(factors):
    yty = gram(factors)
    group_zero = np.arange(0, 30, 3)
    before = fold_in(factors, yty, np.array([1]), np.array([9.0]), regularization=0.1)
    after = fold_in(factors, yty, np.array([1, 0]), np.array([9.0, 9.0]), regularization=0.1)
    share = lambda folded: np.isin(top_k(factors @ folded.factor, 10, exclude=np.array([0, 1])), group_zero).mean()  # noqa: E731
    assert share(after) > share(before)


def test_rated_items_never_come_back(factors):
    scores = (
        factors @ fold_in(factors, gram(factors), np.array([0, 3]), np.array([9.0, 9.0]), regularization=0.1).factor
    )
    picked = top_k(scores, 30, exclude=np.array([0, 3]))
    assert 0 not in picked and 3 not in picked
    assert len(picked) == 28


def test_mmr_increases_intra_list_diversity(factors):
    scores = factors @ fold_in(factors, gram(factors), np.array([0]), np.array([9.0]), regularization=0.1).factor
    candidates = top_k(scores, 30)
    plain = candidates[:10]
    diverse = mmr(candidates, scores[candidates], factors, 10, diversity=0.7)
    assert intra_list_diversity(diverse, factors) > intra_list_diversity(plain, factors)
    assert list(mmr(candidates, scores[candidates], factors, 10, diversity=0.0)) == list(plain)


def test_hidden_gems_stay_outside_the_popular_fifth():
    rng = np.random.default_rng(1)
    popularity = rng.pareto(1.2, 200) * 100
    head = popular_mask(popularity)
    scores = popularity + rng.normal(size=200)  # popular films score best: the trap gems must avoid
    quality = rng.uniform(2.5, 4.5, 200)
    gems = hidden_gems(scores, 20, head=head, quality=quality, quality_floor=3.5)
    assert len(gems) == 20
    assert not head[gems].any()
    assert (quality[gems] >= 3.5).all()


def test_artifact_round_trip_is_bit_identical_and_corruption_is_detected(tmp_path, factors):
    rec = Recommender(
        item_ids=np.arange(100, 130),
        item_factors=factors,
        popularity=np.arange(30.0),
        quality=np.full(30, 3.5, dtype=np.float32),
        regularization=0.1,
        blend=BlendParams(ease_weight=0.0),
    )
    path = tmp_path / "v1.npz"
    checksum = artifact.save(rec, path)
    loaded, _ = artifact.load(path, checksum=checksum)
    assert np.array_equal(loaded.item_factors, rec.item_factors)
    assert np.array_equal(loaded.item_ids, rec.item_ids)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(artifact.ArtifactError):
        artifact.load(path, checksum=checksum)
    with pytest.raises(artifact.ArtifactError):
        artifact.load(path)
    with pytest.raises(artifact.ArtifactError):
        artifact.load(tmp_path / "missing.npz")


def test_recbole_split_keeps_ten_core_and_eighty_ten_ten():
    rng = np.random.default_rng(0)
    n = 6000
    pairs = rng.choice(100 * 80, n, replace=False)  # one rating per (member, film), as in MovieLens
    log = RatingLog(pairs // 80, pairs % 80, rng.choice([1.0, 3.0, 4.0, 5.0], n), np.arange(n))
    core = k_core(log.subset(log.stars >= 3))
    assert np.unique(core.user_ids, return_counts=True)[1].min() >= 10
    split = recbole_split(log)
    total = split.train.nnz + split.valid.nnz + split.test.nnz
    assert total == len(core)
    assert abs(split.train.nnz / total - 0.8) < 0.05
    assert split.train.multiply(split.test).nnz == 0


def test_the_gap_validation_feeds_each_members_oldest_films_and_holds_out_their_latest():
    """Every training rating lands in exactly one block; per member, every fed film is older than every skipped
    one, and every skipped film older than every held-out one; the fed times are the fed films' own."""
    rng = np.random.default_rng(1)
    n = 6000
    pairs = rng.choice(100 * 80, n, replace=False)
    log = RatingLog(pairs // 80, pairs % 80, rng.choice([3.0, 4.0, 5.0], n), rng.permutation(n).astype(np.int64))
    split = temporal_split(log)
    gap = temporal_gap_validation(split)
    assert gap.train.nnz + gap.skipped.nnz + gap.held_out.nnz == split.train.nnz
    assert gap.train.multiply(gap.held_out).nnz == gap.train.multiply(gap.skipped).nnz == 0
    assert np.array_equal(gap.train_times.indptr, gap.train.indptr)
    assert np.array_equal(gap.train_times.indices, gap.train.indices)
    times = split.train_times.toarray()
    for member in range(split.shape[0]):
        fed = gap.train_times[member].data
        assert np.array_equal(fed, times[member, gap.train[member].indices])
        skipped = times[member, gap.skipped[member].indices]
        held = times[member, gap.held_out[member].indices]
        assert len(held) and len(skipped)
        assert fed.max() < skipped.min() and skipped.max() < held.min()


def test_metrics_of_a_perfect_list_are_one():
    target = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32))
    lists = np.full((2, 20), -1)
    lists[0, :2] = [0, 1]
    lists[1, 0] = 2
    metrics = evaluate_lists(lists, target, popularity=np.array([5.0, 4.0, 3.0, 1.0]), n_users_train=10)
    assert metrics["ndcg@10"] == pytest.approx(1.0)
    assert metrics["recall@20"] == pytest.approx(1.0)
