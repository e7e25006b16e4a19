"""Messaging's admin, one module per area; each registers its models when imported.

``status_badge`` is re-exported because other apps' admins use it (``from messaging.admin
import status_badge``); everything else here is imported only so that Django's autodiscovery,
which imports this package, registers every area.
"""

from messaging.admin import (
    api_keys,
    bulk,
    calls,
    consent,
    contacts,
    conversations,
    dispatches,
    email_in,
    imports,
    inbound,
    message_log,
    suppression,
    templates,
    timers,
)
from messaging.admin.badges import status_badge

__all__ = ["api_keys", "bulk", "calls", "consent", "contacts", "conversations", "dispatches", "email_in", "imports",
           "inbound", "message_log", "status_badge", "suppression", "templates", "timers"]
