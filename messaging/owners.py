"""What a message-log row belongs to, in people's words.

A message's owner is a generic relation (any model of any app), so the admin's stock filter on
it listed every content type of the project, about fifty. The kinds that really own messages
are named in ``settings.MESSAGE_OWNERS`` (model label → label), the way inbound handlers are:
messaging reads the list and knows none of the apps in it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType


def owner_kinds() -> list[tuple[str, str]]:
    """(model label, what people call it) for every kind of owner, in settings order."""
    return list(settings.MESSAGE_OWNERS.items())


def owner_content_type(key: str) -> ContentType | None:
    """The content type of ``key`` ('incidents.incident'); None for a kind that is not listed."""
    if key not in settings.MESSAGE_OWNERS:
        return None
    app_label, model = key.split(".", 1)
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)  # cached after the first read
    except ContentType.DoesNotExist:
        return None


def owner_label(content_type: ContentType | None) -> str:
    """'incident', 'shift campaign'…; a kind not listed falls back to its model's name."""
    if content_type is None:
        return ""
    key = f"{content_type.app_label}.{content_type.model}"
    return settings.MESSAGE_OWNERS.get(key, content_type.model)
