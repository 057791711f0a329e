"""Templates stay readable in a diff: no line longer than 200 characters (break between attributes instead); and
every {# comment #} closes on its own line, since Django prints one that spans lines as page text."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LIMIT = 200


def _template_lines():
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" not in path.parts and "var" not in path.parts:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                yield path, number, line


def test_no_template_line_is_longer_than_200_characters():
    too_long = [
        f"{path.relative_to(ROOT)}:{number} ({len(line)} characters)"
        for path, number, line in _template_lines()
        if len(line) > LIMIT
    ]
    assert not too_long, "Wrap these template lines between attributes or at a space:\n" + "\n".join(too_long)


def test_every_short_comment_closes_on_its_line():
    """A {# … #} that runs onto a second line is not a comment to Django: its words appear on the page (three
    did, on browse and the film page; one in <head> pushed the favicon link into the body)."""
    unclosed = [
        f"{path.relative_to(ROOT)}:{number}"
        for path, number, line in _template_lines()
        if line.count("{#") > line.count("#}")
    ]
    assert not unclosed, "Close these comments on the same line, or use {% comment %}:\n" + "\n".join(unclosed)
