from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import torch
from django.core.files.base import ContentFile
from PIL import Image
from transformers import AutoTokenizer, CLIPConfig, CLIPModel

from catalog.models import FilmImage
from cineaesthete.ml import default_text_model_dir


def image_bytes(colour: str | list[str], *, size=(60, 90), fmt: str = "PNG") -> bytes:
    """A solid image, or vertical bands of the given #rrggbb colours."""
    colours = [colour] if isinstance(colour, str) else colour
    pixels = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    bands = np.array_split(np.arange(size[1]), len(colours))
    for rows, hex_colour in zip(bands, colours, strict=True):
        pixels[rows] = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt)
    return buffer.getvalue()


def add_image(film, content: bytes, *, kind: str = FilmImage.Kind.POSTER, name: str = "poster.png") -> FilmImage:
    content_hash = hashlib.sha256(content).hexdigest()
    image = FilmImage(film=film, kind=kind, content_hash=content_hash, source="test")
    image.file.save(name, ContentFile(content), save=False)
    try:
        image.width, image.height = Image.open(io.BytesIO(content)).size
    except OSError:
        image.width = image.height = 0
    image.save()
    return image


@pytest.fixture
def text_encoder_stub(monkeypatch):
    """A deterministic bag-of-words encoder standing in for MiniLM where the test is about ranking logic."""
    from aesthetics import search, services

    class BagOfWords:
        name = "bag-of-words"
        dim = 384

        def embed(self, texts, batch_size=64):
            out = np.zeros((len(texts), 384), dtype=np.float32)
            for row, text in enumerate(texts):
                for word in text.lower().split():
                    out[row, int(hashlib.md5(word.strip(".,").encode()).hexdigest(), 16) % 384] += 1
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            return out / np.where(norms > 0, norms, 1)

    encoder = BagOfWords()
    monkeypatch.setattr(services, "text_encoder", lambda: encoder)
    monkeypatch.setattr(search, "text_encoder", lambda: encoder)
    return encoder


@pytest.fixture(scope="session")
def random_clip_checkpoint(tmp_path_factory):
    """A tiny CLIP with random weights, saved like a real checkpoint (MiniLM's tokenizer stands in)."""
    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={
            "vocab_size": 30522,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 77,
            "bos_token_id": 101,
            "eos_token_id": 102,
            "pad_token_id": 0,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        },
        projection_dim=512,
    )
    directory = tmp_path_factory.mktemp("clip")
    CLIPModel(config).save_pretrained(directory)
    AutoTokenizer.from_pretrained(default_text_model_dir()).save_pretrained(directory)
    return str(directory)


@pytest.fixture(autouse=True)
def _fresh_palette_index():
    """Each test starts with no palette index or film knowledge cached by an earlier test's rolled-back rows."""
    from aesthetics import search

    search._index_cache.reset()
    search._knowledge_cache.reset()
    yield
    search._index_cache.reset()
    search._knowledge_cache.reset()
