from __future__ import annotations

import io

import numpy as np
import pytest

from aesthetics.encoders import ClipEncoder, clip_encoder, clip_encoder_reset, load_clip
from cineaesthete.ml import TextEncoder, default_text_model_dir
from tests.aesthetics.conftest import image_bytes


def images():
    return [io.BytesIO(image_bytes(colour)) for colour in ("#ff0000", "#00ff00", "#0000ff")]


def test_clip_embeddings_have_the_projection_size_and_unit_norm(random_clip_checkpoint):
    encoder = ClipEncoder(random_clip_checkpoint)
    image_vectors = encoder.embed_images(images())
    text_vectors = encoder.embed_texts(["red", "a cold blue night in the city"])
    assert image_vectors.shape == (3, 512) and text_vectors.shape == (2, 512)
    np.testing.assert_allclose(np.linalg.norm(image_vectors, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(text_vectors, axis=1), 1, atol=1e-5)
    assert not np.allclose(image_vectors[0], image_vectors[2])


def test_a_saved_random_checkpoint_reloads_bit_identically(random_clip_checkpoint):
    first, second = ClipEncoder(random_clip_checkpoint), ClipEncoder(random_clip_checkpoint)
    assert np.array_equal(first.embed_images(images()), second.embed_images(images()))
    assert np.array_equal(first.embed_texts(["neon rain"]), second.embed_texts(["neon rain"]))


def test_batching_does_not_change_embeddings(random_clip_checkpoint):
    encoder = ClipEncoder(random_clip_checkpoint)
    together = encoder.embed_images(images())
    alone = np.concatenate([encoder.embed_images([image]) for image in images()])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_clip_is_off_when_no_checkpoint_is_configured(settings, random_clip_checkpoint):
    settings.CLIP_MODEL = ""
    assert clip_encoder() is None
    settings.CLIP_MODEL = random_clip_checkpoint
    assert clip_encoder().dim == 512
    clip_encoder_reset()


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="CLIP_BACKEND"):
        load_clip("whatever", "tensorflow")


def test_minilm_embeds_sentences_to_unit_384_vectors_with_meaningful_similarity():
    encoder = TextEncoder(default_text_model_dir())
    vectors = encoder.embed(
        [
            "A lonely man walks the city at night.",
            "At night a solitary man wanders the town.",
            "A dog plays basketball.",
        ]
    )
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


# --- the batch pipeline (decoder processes feeding the model) -------------------------------------------


def _items(tmp_path, colours):
    items = []
    for n, colour in enumerate(colours):
        path = tmp_path / f"{n}.png"
        path.write_bytes(image_bytes(colour))
        items.append((n, str(path) if n % 2 else path.read_bytes()))  # paths and bytes both travel
    return items


@pytest.mark.parametrize("decoders", [1, 2])
@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_the_stream_gives_every_image_the_vector_a_direct_call_gives(
    random_clip_checkpoint, tmp_path, decoders, batch_size
):
    from aesthetics.image_pipeline import embed_images_stream

    encoder = ClipEncoder(random_clip_checkpoint)
    colours = ["#ff0000", "#00ff00", "#0000ff", "#ffff00", "#00ffff", "#ff00ff", "#101010"]
    items = _items(tmp_path, colours)
    batches = list(embed_images_stream(encoder, items, batch_size=batch_size, decoders=decoders))
    keys = [key for batch in batches for key in batch.keys]
    vectors = np.concatenate([batch.vectors for batch in batches])
    assert keys == list(range(len(colours)))  # every image once, in order
    direct = encoder.embed_images([io.BytesIO(image_bytes(colour)) for colour in colours])
    np.testing.assert_allclose(vectors, direct, atol=1e-5)
    assert all(len(batch.keys) <= max(batch_size, 32) for batch in batches)


@pytest.mark.parametrize("decoders", [1, 2])
def test_images_that_do_not_decode_are_reported_with_their_key_and_the_rest_go_on(
    random_clip_checkpoint, tmp_path, decoders
):
    from aesthetics.image_pipeline import embed_images_stream

    encoder = ClipEncoder(random_clip_checkpoint)
    good = _items(tmp_path, ["#ff0000", "#0000ff"])
    (tmp_path / "fake.jpg").write_bytes(b"<html>not an image</html>")
    hostile = [
        ("text", b"plain text"),
        ("missing", str(tmp_path / "nowhere.jpg")),
        ("fake", str(tmp_path / "fake.jpg")),
    ]
    batches = list(embed_images_stream(encoder, [*hostile, *good], batch_size=2, decoders=decoders))
    assert [key for batch in batches for key in batch.keys] == [0, 1]
    failures = dict(failure for batch in batches for failure in batch.failures)
    assert set(failures) == {"text", "missing", "fake"}
    assert all("does not decode" in message for message in failures.values())


def test_an_empty_stream_yields_nothing(random_clip_checkpoint):
    from aesthetics.image_pipeline import embed_images_stream

    assert list(embed_images_stream(ClipEncoder(random_clip_checkpoint), [], decoders=1)) == []


def test_an_unknown_precision_is_refused(random_clip_checkpoint):
    with pytest.raises(ValueError, match="ML_PRECISION"):
        ClipEncoder(random_clip_checkpoint, precision="fp8")
