"""Old dotted paths that something outside the code may still hold, and nothing else.

A path is data, not code, when a row or an operator's environment can hold it: a django-q2
``OrmQ`` payload, ``Timer.callback``, ``Schedule.func``, ``InboundSms.handled_by`` and the
``INBOUND_SMS_HANDLERS`` / ``DELIVERY_OUTCOME_HOOKS`` settings (the second is read from the
environment). Code that moved and that no such holder names was deleted, not aliased: an import
of it fails at once, where it is written, which is the point.

What is left lives here, in one table, each entry with the condition for deleting it. The
modules are aliases, not files: ``import messaging.timers`` finds ``messaging.scheduling.timers``
through a finder installed by ``messaging/__init__.py``, so the ``messaging/`` root holds only
real modules. The warning check ``messaging.W001`` (``manage.py check --database default``)
names every row and setting that still holds one of these paths; when it is quiet on every
deployment, the entry can go.

A leaf: this module imports nothing of ours, so ``messaging/__init__.py`` may import it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import NamedTuple


class Legacy(NamedTuple):
    new: str  # where the code lives now
    held_by: str  # what may still hold the old path
    remove_when: str  # the condition for deleting the entry


_QUEUE_DRAINED = "no OrmQ row names it (check messaging.W001 quiet on every deployment)"

# Old module path -> the module that now holds the same names.
MODULES: dict[str, Legacy] = {
    "messaging.timers": Legacy(
        "messaging.scheduling.timers",
        "django-q2 tasks queued before messaging 0008; fired and cancelled Timer rows (history)",
        _QUEUE_DRAINED),
    "messaging.services": Legacy(
        "messaging.outbound.deliver",
        "django-q2 tasks (message_deliver, messages_deliver_batch, messages_requeue_stale) queued "
        "before messaging 0008",
        _QUEUE_DRAINED),
    "messaging.notifications": Legacy(
        "messaging.inbound.notifications",
        "django-q2 notifications_resume tasks queued before messaging 0008",
        _QUEUE_DRAINED),
    "messaging.sms_retry": Legacy(
        "messaging.outbound.sms_retry",
        "Timer rows and tasks of sms_retry_send from before messaging 0008; DELIVERY_OUTCOME_HOOKS "
        "set in an operator's environment (messaging.sms_retry.sms_retry_on_delivery_outcome)",
        _QUEUE_DRAINED + ", and no deployment's DELIVERY_OUTCOME_HOOKS names it"),
    "messaging.dispatch": Legacy(
        "messaging.omnichannel.services",
        "fallback Timer rows from before messaging 0009; DELIVERY_OUTCOME_HOOKS set in an operator's "
        "environment (messaging.dispatch.dispatch_on_delivery_outcome)",
        "no pending Timer row names it, and no deployment's DELIVERY_OUTCOME_HOOKS names it"),
}

# Old attribute path on a package that still exists -> the object's path now. The package's
# ``__getattr__`` is ``package_getattr(__name__)``.
NAMES: dict[str, Legacy] = {
    "messaging.consent.consent_handler": Legacy(
        "messaging.consent.keywords.consent_handler",
        "INBOUND_SMS_HANDLERS (its strings are kept as they are) and every InboundSms.handled_by "
        "row the consent handler answered",
        "INBOUND_SMS_HANDLERS names the new path and a data migration rewrites handled_by"),
    "messaging.simulator.simulator_emit_event": Legacy(
        "messaging.simulator.events.simulator_emit_event",
        "django-q2 simulator_emit_event tasks queued before messaging 0008",
        _QUEUE_DRAINED),
}


def legacy_prefixes() -> tuple[str, ...]:
    """Every old path, as a prefix that a stored dotted path starting with it still uses."""
    return (*(f"{old}." for old in MODULES), *NAMES)


def package_getattr(package: str):
    """A module ``__getattr__`` (PEP 562) for ``package`` that resolves its entries in NAMES."""

    def __getattr__(name: str):
        entry = NAMES.get(f"{package}.{name}")
        if entry is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attr = entry.new.rpartition(".")
        return getattr(importlib.import_module(module), attr)

    return __getattr__


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target
        self.real_spec = None

    def create_module(self, spec):
        # The old name is bound to the new module itself, so an object reached either way is
        # the same object (a hook compared by identity, a class checked with isinstance).
        module = importlib.import_module(self.target)
        self.real_spec = module.__spec__
        return module

    def exec_module(self, module):
        # Already executed under its real name. The import system has just stamped the alias's
        # spec on it: put the real one back, or reloading and the autoreloader lose its file.
        module.__spec__, module.__loader__ = self.real_spec, self.real_spec.loader


class LegacyModuleFinder(importlib.abc.MetaPathFinder):
    """Finds the old module names in MODULES; the real modules are found before it."""

    def find_spec(self, fullname, path, target=None):
        entry = MODULES.get(fullname)
        if entry is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(entry.new))


def install() -> None:
    if not any(isinstance(finder, LegacyModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(LegacyModuleFinder())
