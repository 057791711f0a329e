from __future__ import annotations

import numpy as np
import pytest

from aesthetics import services
from aesthetics.models import FilmTextEmbedding, ImageAesthetics, VibeSettings
from aesthetics.search import VibeQueryError, more_like_image, vibe_search
from catalog.models import Film, FilmImage
from reviews.models import Review
from tests.aesthetics.conftest import add_image, image_bytes
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery(text_encoder_stub):
    """Four films with known poster colours and plots, analysed and embedded."""
    films = {
        "red": make_film("Crimson Tide", year=1995, genres=("Thriller",), plot="A submarine crew mutinies at sea."),
        "pink": make_film("Pink Dreams", year=2004, genres=("Romance",), plot="Two students fall in love in Paris."),
        "bw": make_film("Grey Streets", year=1958, genres=("Crime",), plot="A detective hunts a killer at night."),
        "blue": make_film("Cold Shore", year=1998, genres=("Drama",), plot="A lonely fisherman on a frozen island."),
    }
    colours = {"red": "#d01010", "pink": "#f8c8dc", "bw": ["#000000", "#ffffff"], "blue": "#2b4c7e"}
    for key, film in films.items():
        image = add_image(film, image_bytes(colours[key]))
        film.poster = image
        film.save(update_fields=["poster"])
    services.images_analyse()
    services.texts_embed()
    return films


def ranked_titles(results):
    return [match.film.title for match in results.matches]


def test_colour_words_rank_the_matching_poster_first(gallery):
    assert ranked_titles(vibe_search(query="red"))[0] == "Crimson Tide"
    assert ranked_titles(vibe_search(query="pastel pink palette"))[0] == "Pink Dreams"
    assert ranked_titles(vibe_search(query="black and white"))[0] == "Grey Streets"
    results = vibe_search(query="cold blue")
    assert ranked_titles(results)[0] == "Cold Shore"
    assert results.matches[0].reasons[0].startswith("poster colours: ")
    assert not any(ch.isdigit() for reason in results.matches[0].reasons for ch in reason)  # words, no scores


def test_black_and_white_prefers_a_grey_photograph_to_a_black_poster_with_a_coloured_title(gallery):
    # More rated, so where both posters tie (as under a mean-chroma measure, whose 4% of red title stays below
    # its threshold) the popularity prior would put it first.
    Film.objects.filter(pk=gallery["bw"].pk).update(rating_count=1_000)
    film = make_film("The Family", year=1972, genres=("Crime",), rating_count=2_000)
    film.poster = add_image(film, image_bytes(["#050505"] * 24 + ["#c01818"]))
    film.save(update_fields=["poster"])
    services.images_analyse()
    assert film.poster.aesthetics.monochrome == 1.0  # saturated: no help in telling the two apart
    titles = ranked_titles(vibe_search(query="black and white"))
    assert titles[0] == "Grey Streets" and "The Family" in titles


def test_one_image_answering_several_parts_is_one_reason_naming_them(gallery):
    results = vibe_search(query="vivid saturated red")
    assert ranked_titles(results)[0] == "Crimson Tide"
    reasons = results.matches[0].reasons
    assert len(reasons) == len(set(reasons))
    poster = [reason for reason in reasons if reason.startswith("poster colours: ")]
    assert len(poster) == 1 and poster[0].count("(") == 1, reasons
    assert "saturated colours" in poster[0] and "vivid colours" in poster[0]


def test_a_match_on_reviews_quotes_the_reviewers_words_and_never_a_private_reviews(gallery):
    film = make_film("Inland Empire", year=2006, plot="An actress takes a part in a film.")
    alice, bob = make_member("alice"), make_member("bob")
    Review.objects.create(user=alice, film=film, text="Surreal, dreamlike and bizarre. A dreamlike nightmare.")
    Review.objects.create(user=bob, film=film, text="Strange hallucinations, surreal and hypnotic.", is_private=True)
    services.texts_embed()
    match = next(m for m in vibe_search(query="surreal").matches if m.film == film)
    assert match.reasons[0] == "reviews: “dreamlike”, “bizarre” (surreal)"  # most used first; the part named
    said = " ".join(match.reasons)
    assert "hypnotic" not in said and "hallucinations" not in said  # only in the private review
    mine = next(m for m in vibe_search(query="bizarre nightmare").matches if m.film == film)
    assert any(reason.startswith("reviews: “") for reason in mine.reasons), mine.reasons


def test_meaning_goes_to_the_plot_signal_and_fuses_with_colour(gallery):
    results = vibe_search(query="detective killer at night")
    assert results.signal_status == {"palette": "unused", "clip": "off", "text": "on"}
    assert ranked_titles(results)[0] == "Grey Streets"
    fused = vibe_search(query="lonely fisherman, cold blue")
    assert ranked_titles(fused)[0] == "Cold Shore"
    assert {"palette", "text"} <= set(fused.matches[0].signals)
    assert any(reason.startswith("plot: about fisherman") for reason in fused.matches[0].reasons)


@pytest.fixture
def crowd(text_encoder_stub):
    """Twelve films whose posters and plots match queries strongly, weakly or not at all."""
    posters = [
        "#d01010", "#f8c8dc", ["#000000", "#ffffff"], "#2b4c7e", "#202020", "#f2d024",
        ["#00c8d4", "#101010", "#d1008f"], "#2f9e44", ["#808080", "#f4f4f4"], "#6a2c91", "#f28c28", "#16224a",
    ]  # fmt: skip
    plots = [
        "A submarine crew mutinies at sea.", "Two students fall in love in Paris.", "A detective hunts a killer.",
        "A lonely fisherman on a frozen island.", "Rain falls on a city at night.", "A summer at the beach.",
        "Neon signs glow over wet streets.", "A farmer grows corn.", "An old photograph of a town.",
        "A wizard in a purple tower.", "Desert heat and a long road.", "Sailors lost in the cold ocean.",
    ]  # fmt: skip
    for n, (poster, plot) in enumerate(zip(posters, plots, strict=True)):
        film = make_film(f"Film {'ABCDEFGHIJKL'[n]}", year=1950 + 4 * n, genres=("Drama",), plot=plot)
        film.poster = add_image(film, image_bytes(poster))
        film.save(update_fields=["poster"])
    services.images_analyse()
    services.texts_embed()


@pytest.mark.parametrize(
    "query",
    [
        "red", "rain with neon reflections", "black and white", "cold blue isolation", "pastel pink palette",
        "dark low-key", "bright sunny", "atmospheric", "lonely fisherman, cold blue", "desert road",
        "warm golden sunset", "noir",
    ],
)  # fmt: skip
def test_every_film_shown_says_why_in_words(crowd, query):
    """Not only the best match: a film that ranks on weak evidence still names it (as a weaker match), and no
    card shows a bare film or a raw score."""
    results = vibe_search(query=query, limit=12)
    for match in results.matches:
        assert match.reasons, f"{match.film.title} is shown for {query!r} without a reason"
        assert not any(ch.isdigit() for reason in match.reasons for ch in reason)
        assert all(reason.endswith("(a weaker match)") for reason in match.reasons) or not any(
            reason.endswith("(a weaker match)") for reason in match.reasons
        )


def test_staff_weights_change_the_fusion(gallery):
    knobs = VibeSettings.load()
    knobs.text_weight = 0
    knobs.save()
    # Plot says Paris romance, colour says red: with the text weight at zero only the colour counts.
    assert ranked_titles(vibe_search(query="red love in paris"))[0] == "Crimson Tide"
    knobs.text_weight, knobs.palette_weight = 1, 0
    knobs.save()
    assert ranked_titles(vibe_search(query="red love in paris"))[0] == "Pink Dreams"


def test_filters_restrict_results(gallery):
    assert ranked_titles(vibe_search(query="bright", genre="romance")) == ["Pink Dreams"]
    assert ranked_titles(vibe_search(query="bright", decade=1950)) == ["Grey Streets"]
    assert ranked_titles(vibe_search(query="red", genre="romance")) == []


def test_picked_colours_search(gallery):
    assert ranked_titles(vibe_search(colours=["#f5c5d8"]))[0] == "Pink Dreams"


def test_more_like_this_image_finds_other_films_by_palette(gallery, text_encoder_stub):
    other_red = make_film("Red Alert", year=2001)
    add_image(other_red, image_bytes("#c81818"))
    services.images_analyse()
    source = ImageAesthetics.objects.get(film=gallery["red"])
    results = more_like_image(row=source)
    assert ranked_titles(results)[0] == "Red Alert"
    assert "Crimson Tide" not in ranked_titles(results)


@pytest.mark.parametrize(
    ("query", "colours", "message"),
    [
        ("", [], "Describe a look"),
        ("   ", [], "Describe a look"),
        ("x" * 301, [], "under 300"),
        ("", ["red"], "colour"),
    ],
)
def test_bad_queries_give_a_clear_error(db, query, colours, message):
    with pytest.raises(VibeQueryError, match=message):
        vibe_search(query=query, colours=colours)


def test_no_data_reports_signals_off_instead_of_results(db, text_encoder_stub):
    results = vibe_search(query="red detective")
    assert results.matches == []
    assert results.signal_status == {"palette": "off", "clip": "off", "text": "off"}


def test_clip_signal_is_used_when_a_checkpoint_is_configured(gallery, settings, random_clip_checkpoint):
    from aesthetics.encoders import clip_encoder_reset

    settings.CLIP_MODEL = random_clip_checkpoint
    try:
        result = services.images_embed_clip()
        assert result.done == 4
        assert ImageAesthetics.objects.filter(clip_model=random_clip_checkpoint).count() == 4
        assert services.images_embed_clip().done == 0  # idempotent
        results = vibe_search(query="a submarine")
        assert results.signal_status["clip"] == "on"
        assert any("looks like" in reason for match in results.matches for reason in match.reasons)
    finally:
        clip_encoder_reset()


def test_clip_vectors_are_stored_to_halfvec_precision_and_an_image_gone_bad_is_marked_failed(
    gallery, settings, random_clip_checkpoint
):
    from aesthetics.encoders import clip_encoder, clip_encoder_reset

    settings.CLIP_MODEL = random_clip_checkpoint
    broken = ImageAesthetics.objects.select_related("image").get(film=gallery["blue"])
    broken.image.file.open("wb").write(b"no longer a picture")  # a file damaged after its palette was read
    try:
        result = services.images_embed_clip(batch_size=2)
        assert (result.done, result.failed) == (3, 1)
        broken.refresh_from_db()
        assert broken.status == ImageAesthetics.Status.FAILED and "does not decode" in broken.error
        encoder = clip_encoder()
        for row in ImageAesthetics.objects.filter(clip_model=random_clip_checkpoint).select_related("image"):
            with row.image.file.open("rb") as handle:
                expected = encoder.embed_images([handle])[0]
            np.testing.assert_allclose(np.asarray(row.clip_vector), expected, atol=1e-3)  # stored as halfvec
    finally:
        clip_encoder_reset()


def test_embedding_is_idempotent_and_follows_text_changes(gallery, text_encoder_stub):
    assert services.texts_embed().as_dict() == {"done": 0, "failed": 0, "skipped": 4}
    film = gallery["red"]
    film.plot = "A new plot about whales."
    film.save(update_fields=["plot"])
    assert services.texts_embed().done == 1
    assert FilmTextEmbedding.objects.get(film=film).snippet.startswith("A new plot")
    assert services.images_analyse().as_dict() == {"done": 0, "failed": 0, "skipped": 0}


def test_a_bad_image_is_marked_failed_and_the_batch_goes_on(db):
    film = make_film("Broken")
    add_image(film, b"this is not a picture", name="broken.jpg")
    add_image(film, image_bytes("#00aa00"))
    result = services.images_analyse()
    assert (result.done, result.failed) == (1, 1)
    failed = ImageAesthetics.objects.get(status=ImageAesthetics.Status.FAILED)
    assert "does not decode" in failed.error and failed.palette == []


def test_a_films_backdrop_counts_above_its_poster(db, text_encoder_stub):
    """Two films with equally red posters; one also has a blue backdrop. For "red" the poster-only film wins
    (the other's red is only its marketing); for "blue" the film with the blue backdrop is found first."""
    only_poster = make_film("Red Poster Only", year=1990)
    with_backdrop = make_film("Red Poster Blue Film", year=1990)
    for film in (only_poster, with_backdrop):
        film.poster = add_image(film, image_bytes("#d01010"))
        film.save(update_fields=["poster"])
    add_image(with_backdrop, image_bytes("#1030d0"), kind=FilmImage.Kind.BACKDROP, name="backdrop.png")
    services.images_analyse()
    assert ranked_titles(vibe_search(query="red"))[:2] == ["Red Poster Only", "Red Poster Blue Film"]
    blue = vibe_search(query="blue")
    assert ranked_titles(blue)[0] == "Red Poster Blue Film"
    assert any("backdrop" in reason for reason in blue.matches[0].reasons)


def test_a_colour_or_setting_named_in_a_title_counts_but_not_a_plural(gallery):
    """ "Singin' in the Rain" is evidence for rain and "Three Colors: Blue" for blue; "The Blues Brothers" is not
    evidence for blue (a title's plural colour is music, sadness or politics)."""
    for title in ("Blue Harbour", "Harbour Blues", "Rain Over Harbour"):
        film = make_film(title, year=1990, genres=("Drama",), plot="Dockers at work.")
        film.poster = add_image(film, image_bytes("#808080"))
        film.save(update_fields=["poster"])
    services.images_analyse()
    services.texts_embed()

    def named(query: str) -> set[str]:
        return {
            match.film.title
            for match in vibe_search(query=query, limit=20).matches
            if any(reason.startswith("the title names") for reason in match.reasons)
        }

    assert named("blue") == {"Blue Harbour"}
    assert named("rain") == {"Rain Over Harbour"}
