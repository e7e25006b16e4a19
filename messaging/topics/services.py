"""Topics: made once by name; a person's yes or no to one (topics/preferences.py decides)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from messaging.models import Topic


class TopicInvalid(Exception):
    def __init__(self, detail: dict):
        super().__init__(str(detail))
        self.detail = detail


def topic_create(*, name: str, description: str = "", required: bool = False) -> Topic:
    name = name.strip()
    if not name:
        raise TopicInvalid({"name": ["A topic needs a name."]})
    try:
        with transaction.atomic():
            return Topic.objects.create(name=name, description=description, required=required)
    except IntegrityError as exc:
        raise TopicInvalid({"name": [f"A topic named {name!r} exists already."]}) from exc
