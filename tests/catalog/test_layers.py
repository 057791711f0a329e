"""The catalogue imports only from the layers below it, function-local imports included.

Layers, from the ground up: cineaesthete → accounts → catalog → reviews → recommendations → aesthetics.
A catalogue page that shows a higher app's data gets it through that app's template tags or includes, or
a filter the app registers (catalog.selectors.browse_filter_register).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["cineaesthete", "accounts", "catalog", "reviews", "recommendations", "aesthetics"]


def imported_apps(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module, wherever it sits."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def upward_imports(app: str) -> list[str]:
    higher = set(LAYERS[LAYERS.index(app) + 1 :])
    return [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, package in imported_apps(path)
        if package in higher
    ]


@pytest.mark.parametrize("app", ["catalog"])
def test_an_app_imports_only_from_the_layers_below_it(app):
    assert upward_imports(app) == []


def test_the_walker_sees_function_local_imports(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("import os\n\ndef view():\n    from reviews.models import Rating\n    import aesthetics.search\n")

    assert imported_apps(module) == [(1, "os"), (4, "reviews"), (5, "aesthetics")]
