"""The apps import each other downwards only, function-local imports included.

cineaesthete -> accounts -> catalog -> reviews -> recommendations -> aesthetics: an app may import from the
apps to its left, never from those to its right. The composition roots (the URLconfs and the gunicorn
config) may import every app. A page that needs a higher app's data gets it through that app's template
tags or an include, or a registry the lower app offers and the higher app fills in its AppConfig.ready().
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["cineaesthete", "accounts", "catalog", "reviews", "recommendations", "aesthetics"]
RANK = {app: rank for rank, app in enumerate(LAYERS)}
COMPOSITION_ROOTS = {
    Path("cineaesthete/urls.py"),
    Path("cineaesthete/api_urls.py"),
    Path("cineaesthete/gunicorn.conf.py"),
}


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):  # every import, at module level or inside a function
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _upward_imports() -> list[str]:
    problems = []
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative in COMPOSITION_ROOTS:
                continue
            for line, module in _imported_modules(ast.parse(path.read_text(), filename=str(path))):
                target = module.split(".")[0]
                if target in RANK and RANK[target] > RANK[app]:
                    problems.append(f"{relative}:{line}: {app} imports {module}")
    return problems


def test_apps_import_only_downwards():
    assert _upward_imports() == []


@pytest.mark.parametrize("app", LAYERS)
def test_the_layer_order_names_real_apps(app):
    assert (ROOT / app / "__init__.py").exists()


def test_the_walker_sees_function_local_imports(tmp_path):
    tree = ast.parse("def view():\n    from aesthetics.search import vibe_search\n")
    assert _imported_modules(tree) == [(2, "aesthetics.search")]
