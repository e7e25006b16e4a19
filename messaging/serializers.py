"""Old path, kept for a release: the code is in ``messaging.api.serializers``."""

from messaging.api.serializers import (
    AllowListSerializer,
    ContactSerializer,
    E164Field,
    MessageLogQuerySerializer,
    MessageLogSerializer,
)

__all__ = ["AllowListSerializer", "ContactSerializer", "E164Field", "MessageLogQuerySerializer", "MessageLogSerializer"]
