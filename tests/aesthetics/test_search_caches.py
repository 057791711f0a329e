"""What vibe search keeps between queries (palette columns, query encodings, the cached index and film knowledge)
gives the same answers as computing everything again, and a change in the catalogue reaches the next query."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from aesthetics import palette as pal
from aesthetics import search, services
from aesthetics.encoders import encode_texts_async
from aesthetics.models import FilmTextEmbedding, ImageAesthetics
from aesthetics.search import PaletteIndex, vibe_search
from tests.aesthetics.conftest import add_image, image_bytes
from tests.factories import make_film


def ranked_titles(results):
    return [match.film.title for match in results.matches]


# --- a change is seen by the next query, in this process and any other ----------------------------------------
@pytest.mark.django_db
def test_a_newly_analysed_image_is_found_by_the_next_search(text_encoder_stub):
    first = make_film("Alpha", year=1990)
    first.poster = add_image(first, image_bytes("#d01010"))
    first.save(update_fields=["poster"])
    services.images_analyse()
    assert ranked_titles(vibe_search(query="blue")) == []  # builds this process's palette index

    second = make_film("Gamma", year=1990)
    second.poster = add_image(second, image_bytes("#1030d0"))
    second.save(update_fields=["poster"])
    services.images_analyse()  # no cache reset: the next search must see the new image by itself
    assert ranked_titles(vibe_search(query="blue")) == ["Gamma"]


@pytest.mark.django_db
def test_an_image_analysed_before_a_measure_existed_is_measured_again_and_the_next_search_sees_it(
    text_encoder_stub,
):
    film = make_film("Stranger Than Paradise", year=1984)
    film.poster = add_image(film, image_bytes(["#101010", "#808080", "#f0f0f0"]))
    film.save(update_fields=["poster"])
    services.images_analyse()
    assert ranked_titles(vibe_search(query="black and white"))[0] == "Stranger Than Paradise"
    ImageAesthetics.objects.update(greyscale=None)  # as analysed before the measure was added
    assert ranked_titles(vibe_search(query="black and white")) == []  # an unmeasured image matches nothing
    assert list(services.images_needing_palette()) == [film.poster_id]
    result = services.images_analyse()
    assert result.done == 1 and ImageAesthetics.objects.get().greyscale == pytest.approx(1.0)
    assert list(services.images_needing_palette()) == []
    assert ranked_titles(vibe_search(query="black and white"))[0] == "Stranger Than Paradise"


@pytest.mark.django_db
def test_a_removed_or_failed_image_leaves_the_next_search(text_encoder_stub):
    films = {}
    for title, colour in (("Alpha", "#d01010"), ("Beta", "#e00808")):
        films[title] = make_film(title, year=1990)
        films[title].poster = add_image(films[title], image_bytes(colour))
        films[title].save(update_fields=["poster"])
    services.images_analyse()
    assert set(ranked_titles(vibe_search(query="red"))) == {"Alpha", "Beta"}

    ImageAesthetics.objects.filter(film=films["Beta"]).update(status=ImageAesthetics.Status.FAILED)
    assert ranked_titles(vibe_search(query="red")) == ["Alpha"]
    ImageAesthetics.objects.filter(film=films["Alpha"]).delete()
    assert ranked_titles(vibe_search(query="red")) == []


@pytest.mark.django_db
def test_a_changed_film_text_is_seen_by_the_next_search(text_encoder_stub):
    films = [make_film(f"Film {i}", year=1990, plot=plot) for i, plot in enumerate(["a whale at sea", "a cat"])]
    services.texts_embed()
    assert ranked_titles(vibe_search(query="whale"))[0] == "Film 0"

    # The films' texts swap vectors; the films themselves do not change.
    vectors = dict(FilmTextEmbedding.objects.values_list("film_id", "vector"))
    for film, other in zip(films, reversed(films), strict=True):
        FilmTextEmbedding.objects.filter(film=film).update(vector=vectors[other.pk])
    assert ranked_titles(vibe_search(query="whale"))[0] == "Film 1"


@pytest.mark.django_db
def test_the_version_a_search_asks_for_changes_with_palettes_not_with_clip_vectors(text_encoder_stub):
    film = make_film("Any Film", year=1990)
    add_image(film, image_bytes("#d01010"))
    services.images_analyse()
    before = search.search_state().palette_version
    ImageAesthetics.objects.update(clip_model="some checkpoint")  # not something the palette index holds
    assert search.search_state().palette_version == before
    ImageAesthetics.objects.update(brightness=0.5)
    changed = search.search_state().palette_version
    assert changed != before
    assert search.search_state().palette_version == changed == search._palette_index_version()


# --- kept palette columns give the numbers of computing them again --------------------------------------------
def random_index(n: int, seed: int) -> PaletteIndex:
    rng = np.random.default_rng(seed)
    colours = np.stack(
        [rng.uniform(0, 100, (n, 5)), rng.uniform(-80, 80, (n, 5)), rng.uniform(-80, 80, (n, 5))], -1
    ).astype(np.float32)
    shares = rng.dirichlet(np.ones(5), n).astype(np.float32)
    measures = rng.random((n, len(pal.MEASURES))).astype(np.float32)
    kinds = rng.choice(["poster", "still"], n)
    return PaletteIndex(np.arange(n), rng.integers(0, n // 3, n), colours, shares, measures, kinds)


def two_passes_computed_afresh(index: PaletteIndex, terms, picked: list[str]) -> np.ndarray:
    """The two-pass scoring as it was before columns were kept: every target colour in one product."""
    wanted = ([pal.hex_labs(picked)] if picked else []) + [pal.term_labs(t) for t in terms if t.colours]
    every = pal.approximate_coverage(index.anchor_mass(), np.concatenate(wanted)) if wanted else None
    offsets, start = {}, 0
    for labs in wanted:
        offsets[labs.tobytes()] = slice(start, start + len(labs))
        start += len(labs)

    def coverage(_colours, _shares, targets):
        return every[:, offsets[targets.tobytes()]]

    args = (index.colours, index.shares)
    columns = [pal.score_colours(picked, *args, coverage=coverage)] if picked else []
    columns += [pal.score_term(t, *args, index.measures, coverage=coverage) for t in terms]
    first = np.stack(columns, axis=1).mean(1)
    keep = min(len(index), max(index.PREFILTER_MIN, int(index.PREFILTER_SHARE * len(index))))
    rows = np.sort(np.argpartition(-first, keep - 1)[:keep])
    per = np.zeros((len(index), len(columns)), dtype=np.float32)
    exact = [pal.score_colours(picked, index.colours[rows], index.shares[rows])] if picked else []
    exact += [pal.score_term(t, index.colours[rows], index.shares[rows], index.measures[rows]) for t in terms]
    per[rows] = np.stack(exact, axis=1)
    return per


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("query", "picked"),
    [("neon", []), ("pastel pink and purple", []), ("teal and orange, dark", ["#ff00c8"]), ("harsh", [])],
)
def test_kept_first_pass_columns_score_exactly_as_computing_them_afresh(seed, query, picked):
    index = random_index(3_000, seed)
    index.EXACT_UP_TO, index.PREFILTER_MIN = 500, 200  # the two-pass path, on a small index
    terms = list(pal.parse_query(query).terms)
    expected = two_passes_computed_afresh(index, terms, picked)
    for _ in range(2):  # the first call fills the kept columns, the second reads them
        _, per = index.score(terms, picked=picked)
        assert np.array_equal(per, expected)


def test_kept_columns_stay_within_their_byte_budget_and_score_the_same_beyond_it():
    index = random_index(3_000, 1)
    index.EXACT_UP_TO, index.PREFILTER_MIN = 500, 200
    index.TERM_COLUMNS_BYTES = 3 * 3_000 * 4  # three float32 columns of this index
    terms = list(pal.parse_query("pastel pink and purple, teal and orange, neon").terms)
    expected = two_passes_computed_afresh(index, terms, [])
    for _ in range(2):
        _, per = index.score(terms)
        assert np.array_equal(per, expected)
        assert len(index._term_columns) == 3
        assert index._term_columns_bytes == sum(column.nbytes for column in index._term_columns.values())


def test_kept_exact_columns_are_not_changed_by_a_filter():
    index = random_index(400, 0)
    terms = list(pal.parse_query("red").terms)
    unfiltered = index.score(terms)[1].copy()
    allowed = np.zeros(len(index), dtype=bool)
    assert not index.score(terms, allowed=allowed)[1].any()
    assert np.array_equal(index.score(terms)[1], unfiltered)


@pytest.mark.parametrize("seed", range(4))
def test_films_best_image_from_matching_images_only_equals_the_reduction_over_every_image(seed):
    rng = np.random.default_rng(seed)
    index = random_index(2_000, seed)
    film_ids = np.unique(index.film_ids)[:-5]  # a few films the knowledge lacks
    knowledge = search.FilmKnowledge(
        film_ids=film_ids, position={}, titles=[], years=np.zeros(len(film_ids)), genres=[],
        popularity=np.zeros(len(film_ids)), text_rows=np.zeros(0, np.int64), text_sources=[],
        text_vectors=np.zeros((0, 384), np.float32), graph=None,
    )  # fmt: skip
    per = rng.random((len(index), 3)).astype(np.float32)
    per[rng.random(len(index)) < 0.9] = 0.0  # most images left out by the first pass
    order, starts, films = search._film_groups(index, knowledge)
    expected = np.zeros((len(film_ids), 3), dtype=np.float32)
    expected[films] = np.maximum.reduceat(per[order] * index.weights[order, None], starts, axis=0)
    assert np.array_equal(search._palette_by_film(index, per, knowledge), expected)


def test_colour_words_names_each_colour_as_the_nearest_name_one_at_a_time():
    rng = np.random.default_rng(0)
    for _ in range(200):
        palette = [
            {"lab": [float(rng.uniform(0, 100)), float(rng.uniform(-90, 90)), float(rng.uniform(-90, 90))],
             "share": float(rng.random())}
            for _ in range(5)
        ]  # fmt: skip
        names = []
        for colour in sorted(palette, key=lambda c: -c["share"])[:4]:
            lab = np.asarray(colour["lab"], dtype=np.float32)
            name = min(search._NAME_LABS, key=lambda n, lab=lab: float(((search._NAME_LABS[n] - lab) ** 2).sum()))
            if name not in names:
                names.append(name)
        expected = names[0] if len(names) == 1 else f"{' and '.join(names[1:3])} on {names[0]}"
        assert search.colour_words(palette) == expected


# --- query encodings ---------------------------------------------------------------------------------------------
class CountingEncoder:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return np.asarray([[len(text), hash(text) % 97] for text in texts], dtype=np.float32)


def test_a_repeated_query_is_encoded_once_per_encoder():
    encoder = CountingEncoder()
    first = encode_texts_async(encoder.embed, ["rain", "neon"]).result()
    again = encode_texts_async(encoder.embed, ["rain", "neon"]).result()
    assert encoder.batches == [["rain", "neon"]]
    assert np.array_equal(first, again) and not again.flags.writeable
    encode_texts_async(encoder.embed, ["rain"]).result()  # another batch is encoded as itself
    assert encoder.batches == [["rain", "neon"], ["rain"]]

    reloaded = CountingEncoder()
    encode_texts_async(reloaded.embed, ["rain", "neon"]).result()
    assert reloaded.batches == [["rain", "neon"]]


def test_the_kept_encodings_are_bounded(monkeypatch):
    from aesthetics import encoders

    monkeypatch.setattr(encoders, "QUERY_VECTORS_KEPT", 3)
    encoder = CountingEncoder()
    for word in ["a", "b", "c", "d"]:
        encode_texts_async(encoder.embed, [word]).result()
    encode_texts_async(encoder.embed, ["a"]).result()  # the oldest was dropped
    encode_texts_async(encoder.embed, ["d"]).result()  # the newest was kept
    assert [batch[0] for batch in encoder.batches] == ["a", "b", "c", "d", "a"]


def test_csr_products_of_one_term_equal_a_slice_of_the_product_of_all_terms():
    """Why kept columns are exact: the anchor product of a column does not depend on the other columns."""
    rng = np.random.default_rng(0)
    mass = csr_matrix(np.where(rng.random((500, 245)) < 0.1, rng.random((500, 245)), 0).astype(np.float32))
    every = np.concatenate([pal.term_labs(pal.LEXICON[p]) for p in ("red", "teal", "neon")])
    together = pal.approximate_coverage(mass, every)
    assert np.array_equal(pal.approximate_coverage(mass, pal.term_labs(pal.LEXICON["teal"])), together[:, 3:5])


# --- the change markers stay as small as the live connections -------------------------------------------------
GONE = [2_000_000_001, 2_000_000_002, 2_000_000_003]  # never a live backend: PIDs stay below 2**22


def _markers() -> dict[tuple[str, int], int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT topic, backend, change FROM aesthetics_change")
        return {(topic, backend): change for topic, backend, change in cursor.fetchall()}


def _markers_of_closed_connections_add() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for n, backend in enumerate(GONE):
            cursor.execute(
                "INSERT INTO aesthetics_change (topic, backend, change) VALUES (%s, %s, nextval('aesthetics_change_seq'))",
                ["images" if n < 2 else "texts", backend],
            )
        # and this connection's own marker, as any write on the images leaves it
        cursor.execute(
            "INSERT INTO aesthetics_change (topic, backend, change) "
            "VALUES ('images', pg_backend_pid(), nextval('aesthetics_change_seq')) "
            "ON CONFLICT (topic, backend) DO UPDATE SET change = EXCLUDED.change"
        )


@pytest.mark.django_db
def test_markers_of_closed_connections_fold_into_one_newer_marker_per_topic():
    from django.db import connection

    _markers_of_closed_connections_add()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        live = cursor.fetchone()[0]
    before, version = _markers(), search._palette_index_version()

    assert services.change_markers_compact() == 3
    after = _markers()
    assert not any(backend in GONE for _topic, backend in after)
    assert after[("images", live)] == before[("images", live)]  # a live connection keeps its row
    for topic in ("images", "texts"):  # the folded row is newer than anything seen: caches rebuild, never reuse
        assert after[(topic, 0)] > max(change for (t, _b), change in before.items() if t == topic)
    assert search._palette_index_version() != version
    settled = search._palette_index_version()
    assert services.change_markers_compact() == 0  # nothing more to fold, and nothing moves
    assert search._palette_index_version() == settled


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_folds_them_through_a_worker(stub_broker, stub_worker):
    from dramatiq_crontab import scheduler

    from aesthetics.tasks import compact_change_markers

    job = next(job for job in scheduler.get_jobs() if job.name == "compact_change_markers")
    assert "hour='4'" in str(job.trigger) and "minute='50'" in str(job.trigger)
    _markers_of_closed_connections_add()
    compact_change_markers.send()
    stub_broker.join(compact_change_markers.queue_name)
    stub_worker.join()
    assert not any(backend in GONE for _topic, backend in _markers())
