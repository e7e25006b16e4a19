"""Old path, kept for a release: the code is in ``messaging.omnichannel.services``."""

from messaging.omnichannel.services import (
    IdempotencyConflict,
    dispatch_create_once,
    dispatch_find_replay,
    request_fingerprint,
)

__all__ = ["IdempotencyConflict", "dispatch_create_once", "dispatch_find_replay", "request_fingerprint"]
