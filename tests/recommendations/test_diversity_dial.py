"""The diversity dial on a small trained model: exposure counted at training time spreads lists across members."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.engine import artifact
from recommendations.engine.als import ALSParams
from recommendations.engine.confidence import ConfidenceParams
from recommendations.engine.data import build_matrix
from recommendations.engine.evaluation import production_lists, train_production
from recommendations.engine.ranking import mmr, popular_mask
from recommendations.engine.recommender import EXPOSURE_K, BlendParams

# The served blend without its popularity penalty: on a catalogue this small the penalty alone spreads the lists
# over nearly every film, leaving nothing for the dial to show.
BLEND = BlendParams(ease_weight=0.9, popularity_penalty=0.0, ease_user_norm=0.75, candidate_pool=40)


def skewed_tastes(
    n_members: int = 300, n_films: int = 200, groups: int = 3, seed: int = 7, scale: float = 2.0
) -> sp.csr_matrix:
    """Members of group g mostly rate films of group g, the popular ones far more often (a long tail)."""
    rng = np.random.default_rng(seed)
    appeal = 1.0 / np.arange(1, n_films + 1) ** 0.8  # film 0 is the blockbuster, the last ones obscure
    rows, cols, stars = [], [], []
    for member in range(n_members):
        group = member % groups
        in_group = np.arange(n_films) % groups == group
        chance = np.where(in_group, 0.9, 0.15) * appeal / appeal.max()
        picked = np.flatnonzero(rng.random(n_films) < np.clip(chance * scale, 0.02, 0.95))
        rows += [member] * len(picked)
        cols += picked.tolist()
        stars += rng.choice([3.0, 4.0, 4.5, 5.0], size=len(picked)).tolist()
    return build_matrix(np.array(rows), np.array(cols), np.array(stars), shape=(n_members, n_films))


@pytest.fixture(scope="module")
def trained():
    stars = skewed_tastes()
    model, user_factors = train_production(
        stars,
        np.arange(1000, 1000 + stars.shape[1]),
        als=ALSParams(factors=8, regularization=1.0, iterations=10, seed=1),
        confidence=ConfidenceParams(alpha=2.0),
        blend=BLEND,
        ease_regularization=5.0,
        threads=1,
    )
    return stars, model, user_factors


def _rated(stars: sp.csr_matrix) -> sp.csr_matrix:
    rated = stars.copy()
    rated.data[:] = 1
    return rated


def _lists(trained, mode: str) -> np.ndarray:
    stars, model, user_factors = trained
    return production_lists(model, user_factors, stars, _rated(stars), mode=mode, k=10)


def test_the_diverse_dial_covers_more_distinct_films_across_members_than_best_matches(trained):
    stars, model, _ = trained
    accurate, diverse = _lists(trained, "accurate"), _lists(trained, "diverse")
    assert (diverse >= 0).all() and (accurate >= 0).all()  # every member gets a full list
    distinct = {name: len(np.unique(lists)) for name, lists in (("accurate", accurate), ("diverse", diverse))}
    assert distinct["diverse"] >= 1.2 * distinct["accurate"], distinct
    head = popular_mask(model.popularity)
    assert (~head[diverse]).mean() > (~head[accurate]).mean()
    mmr_alone = dataclasses.replace(model, exposure=None)  # the dial before exposure was counted
    previous = production_lists(mmr_alone, trained[2], stars, _rated(stars), mode="diverse", k=10)
    assert distinct["diverse"] > len(np.unique(previous))
    for member in range(stars.shape[0]):  # rated films never come back, in any mode
        rated = stars.indices[stars.indptr[member] : stars.indptr[member + 1]]
        assert not np.isin(diverse[member], rated).any()


def test_dial_zero_is_exactly_best_matches_and_the_dial_only_reorders_the_first_stage(trained):
    stars, model, user_factors = trained
    member = 5
    rated = stars.indices[stars.indptr[member] : stars.indptr[member + 1]]
    liked = rated[stars.data[stars.indptr[member] : stars.indptr[member + 1]] > 2]
    scores = model.scores(user_factors[[member]], [liked], by_time=False)[0]
    assert np.isfinite(scores).all()
    best = model.rank(scores, 10, exclude=rated)
    assert list(model.rank(scores, 10, exclude=rated, diversity=0.0)) == list(best)
    pool = set(model.rank(scores, BLEND.candidate_pool, exclude=rated))
    for dial in (0.2, 0.5, 1.0):
        picked = model.rank(scores, 10, exclude=rated, diversity=dial)
        assert len(set(picked)) == 10 and set(picked) <= pool  # the served scores (and reasons) are untouched


def test_exposure_counts_each_members_first_stage_list_once(trained):
    stars, model, _ = trained
    assert model.exposure.sum() == stars.shape[0] * EXPOSURE_K
    accurate = _lists(trained, "accurate")  # the same lists (no recency order here), so the same counts
    expected = np.bincount(accurate[:, :10].ravel(), minlength=model.n_items)
    assert (model.exposure >= expected).all()


def test_mmr_gives_way_to_less_exposed_films_among_equally_fitting_ones():
    factors = np.eye(4, dtype=np.float32)
    candidates = np.array([10, 11, 12, 13]) - 10
    relevance = np.array([1.0, 1.0, 0.99, 0.0])
    exposure = np.array([0.5, 0.0, 0.0, 0.0])  # the first is in everyone's list already
    assert list(mmr(candidates, relevance, factors, 2, diversity=0.0)) == [0, 1]
    assert list(mmr(candidates, relevance, factors, 2, diversity=0.0, exposure=exposure)) == [1, 2]
    assert list(mmr(candidates, relevance, factors, 2, diversity=0.1, exposure=exposure)) == [1, 2]


def test_exposure_survives_the_artifact_and_an_older_artifact_without_it_still_ranks(tmp_path, trained):
    stars, model, user_factors = trained
    path = tmp_path / "v1.npz"
    loaded, _ = artifact.load(path, checksum=artifact.save(model, path))
    assert np.array_equal(loaded.exposure, model.exposure)
    scores = model.scores(user_factors[[0]], [stars.indices[stars.indptr[0] : stars.indptr[1]]], by_time=False)[0]
    assert list(loaded.rank(scores, 10, mode="diverse")) == list(model.rank(scores, 10, mode="diverse"))

    older = tmp_path / "v0.npz"
    artifact.save(dataclasses.replace(model, exposure=None), older)
    loaded, _ = artifact.load(older)
    assert loaded.exposure is None
    assert len(set(loaded.rank(scores, 10, mode="diverse"))) == 10  # MMR alone, as such a model served

    with pytest.raises(artifact.ArtifactError):
        artifact.save(dataclasses.replace(model, exposure=np.full(model.n_items, np.nan)), tmp_path / "v2.npz")
