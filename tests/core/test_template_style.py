"""Templates stay readable in a diff: no line longer than 200 characters (break between attributes instead)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LIMIT = 200


def test_no_template_line_is_longer_than_200_characters():
    too_long = [
        f"{path.relative_to(ROOT)}:{number} ({len(line)} characters)"
        for path in sorted(ROOT.glob("**/templates/**/*.html"))
        if ".venv" not in path.parts and "var" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > LIMIT
    ]
    assert not too_long, "Wrap these template lines between attributes or at a space:\n" + "\n".join(too_long)
