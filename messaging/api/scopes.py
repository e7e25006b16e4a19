"""Every scope an API key can hold: messaging's own (``ApiScope``: messages, log, contacts,
all_messages) and those each app declares for its calls on its AppConfig (``api_scopes``, name
to description), so that messaging names no other app's calls.

Read when asked, not at import: the app registry is ready by then.
"""

from __future__ import annotations

from django.apps import apps

from messaging.models import ApiScope


def api_scopes() -> dict[str, str]:
    """Name → description of every scope, messaging's first."""
    scopes = dict(ApiScope.choices)
    for config in apps.get_app_configs():
        scopes.update(getattr(config, "api_scopes", {}))
    return scopes


def api_scope_names() -> list[str]:
    return list(api_scopes())
