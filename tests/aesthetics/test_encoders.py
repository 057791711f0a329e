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
