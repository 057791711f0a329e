"""`make screenshots` (bench/screenshots.py): every main page at 1,400 and 390 px, run against the live server."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "screenshots.py"


def _screenshots_module():
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_screenshots_command_captures_every_main_page_at_both_widths(browser, site, tmp_path):
    screenshots = _screenshots_module()
    pages = screenshots.main_pages(film_id=site.films["Stalker"].pk, member=site.member.username)
    written = screenshots.capture_pages(
        browser, base=site.url, pages=pages, out=tmp_path, login=("mira", site.password)
    )
    expected = {f"{name}-{width}.png" for name in pages for width in screenshots.WIDTHS}
    assert {path.name for path in written} == expected
    assert set(pages) == {"home", "browse", "film", "vibe", "recommendations", "profile", "stats"}
    for path in written:
        with Image.open(path) as image:
            width = int(path.stem.rsplit("-", 1)[1])
            assert image.width == width and image.height >= 400, path.name  # a whole page, not a blank strip
