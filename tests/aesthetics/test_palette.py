from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from aesthetics import palette as pal
from tests.aesthetics.conftest import image_bytes


def analyse(colours) -> pal.Palette:
    return pal.analyse_image(io.BytesIO(image_bytes(colours)))


def test_lab_conversion_matches_reference_values():
    np.testing.assert_allclose(pal.srgb_to_lab(np.array([255, 255, 255], np.uint8)), [100, 0, 0], atol=0.01)
    np.testing.assert_allclose(pal.srgb_to_lab(np.array([255, 0, 0], np.uint8)), [53.24, 80.09, 67.20], atol=0.05)
    assert pal.lab_to_hex(pal.hex_to_lab("#3a7bd5")) == "#3a7bd5"


def test_a_red_image_is_nearer_red_than_blue():
    scores = pal.score_palette(analyse("#e01010"), [pal.LEXICON["red"], pal.LEXICON["blue"]])
    assert scores["red"] > 0.8 > 0.1 > scores["blue"]


def test_palette_finds_the_colours_and_their_shares():
    palette = analyse(["#ff0000", "#ff0000", "#ff0000", "#0000ff"])
    hexes = [colour["hex"] for colour in palette.as_json()]
    assert hexes[0] == "#ff0000" and "#0000ff" in hexes
    assert palette.shares[0] == pytest.approx(0.75, abs=0.02)
    assert palette.shares.sum() == pytest.approx(1.0)


def test_pastel_pink_is_detected_and_told_apart_from_hot_pink_white_and_grey():
    terms = [pal.LEXICON["pastel pink"]]
    pastel = pal.score_palette(analyse("#f8c8dc"), terms)["pastel pink"]
    for other in ("#ff1493", "#ffffff", "#808080", "#e01010"):
        assert pal.score_palette(analyse(other), terms)["pastel pink"] < pastel - 0.3, other
    assert pastel > 0.8


def test_monochrome_detection():
    grey = analyse(["#000000", "#777777", "#ffffff"])
    colourful = analyse(["#ff0000", "#00ff00", "#0000ff"])
    assert grey.measures["monochrome"] == pytest.approx(1.0)
    assert colourful.measures["monochrome"] == 0.0
    assert colourful.measures["colourfulness"] > 0.8 and grey.measures["colourfulness"] == 0
    assert grey.measures["contrast"] > 0.7


def grey_photograph(rng: np.random.Generator, size=(64, 96)) -> np.ndarray:
    """A black-and-white photograph: smooth tones of any range with grain in lightness only."""
    low, high = sorted(rng.uniform(0, 255, 2))
    tones = np.linspace(low, high, size[1])[:, None] + rng.normal(0, 8, (size[1], size[0]))
    return np.repeat(np.clip(tones, 0, 255)[..., None], 3, axis=2).astype(np.uint8)


def jpeg_palette(pixels: np.ndarray) -> pal.Palette:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
    return pal.analyse_image(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("seed", range(8))
def test_any_black_and_white_photograph_is_greyscale_through_jpeg(seed):
    palette = jpeg_palette(grey_photograph(np.random.default_rng(seed)))
    assert palette.measures["greyscale"] >= 0.97
    assert pal.score_palette(palette, [pal.LEXICON["black and white"]])["black and white"] >= 0.8


@pytest.mark.parametrize("accent", ["#d01010", "#f2d024", "#1f4fd1", "#ff00c8"])
def test_black_and_white_falls_with_the_share_of_colour_where_monochrome_saturates(accent):
    """A black poster with a coloured title is not a black-and-white film's look: the mean-chroma monochrome
    measure saturates for it (every such poster tied at 1), the greyscale share does not."""
    term = [pal.LEXICON["black and white"]]
    rgb = [int(accent[i : i + 2], 16) for i in (1, 3, 5)]
    shares, scores = [0.0, 0.04, 0.08, 0.15, 0.3], []
    for share in shares:
        pixels = np.full((100, 60, 3), 12, dtype=np.uint8)
        pixels[: int(round(share * 100))] = rgb
        palette = pal.analyse_pixels(pixels)
        assert palette.measures["greyscale"] == pytest.approx(1 - share, abs=0.03)
        scores.append(pal.score_palette(palette, term)["black and white"])
    assert scores == sorted(scores, reverse=True) and scores[0] == pytest.approx(1.0)
    assert scores[1] > scores[2] > scores[3]  # graded where a tie would leave popularity to decide
    assert scores[-1] == 0.0
    assert pal.analyse_pixels(np.full((100, 60, 3), 12, dtype=np.uint8)).measures["monochrome"] == 1.0


def test_warmth_and_brightness_measures_point_the_right_way():
    warm, cold = analyse("#e8a030"), analyse("#3060c0")
    assert warm.measures["warmth"] > 0.8 and cold.measures["warmth"] < 0.2
    assert analyse("#101010").measures["brightness"] < 0.1 < 0.9 < analyse("#f0f0f0").measures["brightness"]


def test_teal_and_orange_needs_both_colours():
    term = [pal.LEXICON["teal and orange"]]
    both = pal.score_palette(analyse(["#127475", "#f28c28"]), term)["teal and orange"]
    teal_only = pal.score_palette(analyse("#127475"), term)["teal and orange"]
    assert both > 0.6 and teal_only < 0.1


def test_query_is_split_into_visual_terms_and_meaning():
    parsed = pal.parse_query("Lonely city at night, cold blue palette")
    assert [t.phrase for t in parsed.terms] == ["cold blue"]
    assert parsed.meaning == "lonely city at night"
    harsh = pal.parse_query("harsh B&W contrast").terms
    assert [t.phrase for t in harsh] == ["harsh", "black and white", "high contrast"]
    assert [t.phrase for t in pal.parse_query("low contrast, low-contrast").terms] == ["low contrast"]
    assert pal.parse_query("a heist movie").terms == ()


def test_picked_colours_need_every_colour():
    colours, shares, _ = pal.stack_palettes([analyse(["#ff0000", "#0000ff"]), analyse("#ff0000")])
    scores = pal.score_colours(["#ff0000", "#0000ff"], colours, shares)
    assert scores[0] > 0.7 > scores[1]


def test_palette_vectors_are_normalised_and_nearer_for_similar_palettes():
    red, dark_red, blue = (analyse(c) for c in ("#e01010", "#b01515", "#1040d0"))
    vectors = [pal.palette_vector(p.colours, p.shares) for p in (red, dark_red, blue)]
    assert all(np.linalg.norm(v) == pytest.approx(1.0) for v in vectors)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_undecodable_and_oversized_images_are_rejected_with_a_reason(monkeypatch):
    with pytest.raises(pal.ImageRejected, match="does not decode"):
        pal.analyse_image(io.BytesIO(b"not an image at all"))
    with pytest.raises(pal.ImageRejected, match="does not decode"):
        pal.analyse_image(io.BytesIO(image_bytes("#ff0000", fmt="JPEG")[:200]))
    # A 500-megapixel PNG is refused from its header, before any pixel is decoded.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(pal.ImageRejected, match="500 MP"):
        pal.analyse_image(io.BytesIO(png_header(25_000, 20_000)))


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )
