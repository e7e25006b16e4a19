"""Every dotted path the portal stores in a row still imports (they are data, not code).

Timer.callback, django-q2's queued payloads and Schedule.func outlive a deploy. The paths are
found by reading the source, so a new timer, task or schedule is covered without listing it
here: every ``timer_schedule(callback=...)``, every ``enqueue*(func, ...)``/``async_task``
func, every string a migration writes into a Schedule (its module-level constants and any
renames it carries, old names included, since rows queued before it still use them), and the
two plug-in settings.
"""

import ast
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[1]
# Every app of ours, found on disk so that a new app is covered without being listed here.
APPS = tuple(sorted(p.parent.name for p in ROOT.glob("*/apps.py")))
ENQUEUERS = {"enqueue", "enqueue_with", "enqueue_many", "enqueue_many_with", "async_task"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources():
    for app in APPS:
        yield from sorted((ROOT / app).rglob("*.py"))


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _value(module: str, node: ast.expr, where: str):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return getattr(importlib.import_module(module), node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_value(module, node.value, where), node.attr)
    raise AssertionError(f"{where}: a stored path that is not a constant; name it so this test can check it")


def _service_paths():
    for path in _sources():
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            name = _called_name(node)
            if name == "timer_schedule":
                for kw in node.keywords:
                    if kw.arg == "callback":
                        yield where, _value(module, kw.value, where)
            elif name in ENQUEUERS and node.args and module != "messaging.scheduling.queue":
                yield where, _value(module, node.args[0], where)


def _migration_paths():
    for path in _sources():
        if "migrations" not in path.parts or path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(
                    tuple(f"{app}." for app in APPS)) and " " not in node.value and node.value.count(".") >= 2:
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


def _setting_paths():
    for setting in ("INBOUND_SMS_HANDLERS", "DELIVERY_OUTCOME_HOOKS"):
        for entry in getattr(settings, setting):
            yield setting, entry
    yield "Q_CLUSTER broker_class", settings.Q_CLUSTER["broker_class"]


STORED = sorted({*_service_paths(), *_migration_paths(), *_setting_paths()})


def test_the_reader_finds_the_paths_it_must():
    found = {p for _, p in STORED}
    assert {"messaging", "incidents", "shifts", "oncall", "portal"} <= set(APPS)
    assert {"oncall.tasks.turn_notices_send", "messaging.tasks.message_deliver",
            "messaging.tasks.messages_deliver_batch",
            "messaging.tasks.timer_fire", "messaging.tasks.timers_sweep", "messaging.timers.timers_sweep",
            "messaging.services.messages_requeue_stale", "messaging.consent.consent_handler"} <= found


@pytest.mark.parametrize(("where", "path"), STORED, ids=[f"{w}={p}" for w, p in STORED])
def test_every_stored_path_imports(where, path):
    assert callable(import_string(path)), f"{where} stores {path!r}"
