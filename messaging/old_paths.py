"""Old flat-module names (``messaging.events.delivery_event_apply``) kept resolving for a release.

Dotted paths are data: Timer rows, django-q2 payloads and settings name them. Where a flat
module became a package of the same name, the package's ``__getattr__`` (PEP 562) finds the
old name in its submodules on first use. Importing those submodules eagerly from ``__init__``
would run, say, the applier (and consent, which it calls) whenever anything imports the event
vocabulary, and the one-way package graph would be a circle again at import time.
"""

from importlib import import_module


def old_names(package: str, submodules: tuple[str, ...]):
    """A module ``__getattr__`` for ``package`` that looks a missing name up in ``submodules``."""

    def __getattr__(name: str):
        if not name.startswith("__"):
            for sub in submodules:
                module = import_module(f"{package}.{sub}")
                if name in vars(module):
                    return vars(module)[name]
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
