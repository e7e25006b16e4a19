"""Old path, kept for a release: the code is in ``messaging.api.keys``."""

from messaging.api.keys import (
    api_key_authenticate,
    api_key_create,
    api_key_has_scope,
    api_key_revoke,
    api_key_sender_allowed,
)

__all__ = ["api_key_authenticate", "api_key_create", "api_key_has_scope", "api_key_revoke", "api_key_sender_allowed"]
