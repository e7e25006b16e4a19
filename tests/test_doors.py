"""Apps use each other through declared doors: every import of another app's module names one
that app lists in its AppConfig's ``doors``. The portal is the composition root and may import
anything; no app imports the portal (it sits above them all).

Imports are read from the source (module level and inside functions alike), so a new import of
an internal fails here, where it is written, rather than when that internal changes shape.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
APPS = tuple(sorted(p.parent.name for p in ROOT.glob("*/apps.py")))
COMPOSITION_ROOT = "portal"


def _is_module(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imports(app: str):
    """(where, imported module) for every import of another app in ``app``'s code."""
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from a.b import c` imports module a.b.c when c is one
                    full = f"{node.module}.{alias.name}"
                    yield f"{where}:{node.lineno}", full if _is_module(full) else node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield f"{where}:{node.lineno}", alias.name


CROSSINGS = sorted({(where, target) for app in APPS for where, target in _imports(app)
                    if target.split(".")[0] in APPS and target.split(".")[0] != app})


def test_the_reader_sees_the_apps_and_their_crossings():
    assert {"messaging", "incidents", "shifts", "oncall", "portal"} <= set(APPS)
    crossed = {(where.split("/")[0], target) for where, target in CROSSINGS}
    assert {("incidents", "messaging.models"), ("shifts", "oncall.services"), ("portal", "incidents.models")} <= crossed


@pytest.mark.parametrize(("where", "target"), [c for c in CROSSINGS if not c[0].startswith(COMPOSITION_ROOT + "/")],
                         ids=lambda value: value)
def test_an_import_of_another_app_goes_through_a_door(where, target):
    owner = target.split(".")[0]
    assert owner != COMPOSITION_ROOT, f"{where} imports {target}: no app imports the portal, which sits above it"
    doors = apps.get_app_config(owner).doors
    assert target in doors, f"{where} imports {target}, which {owner} does not list in its AppConfig's doors"


def test_every_door_is_a_module_that_exists():
    for app in APPS:
        for door in getattr(apps.get_app_config(app), "doors", ()):
            assert _is_module(door), f"{app} lists {door} as a door, and there is no such module"
