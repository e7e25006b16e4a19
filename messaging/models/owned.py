"""What other apps' rows are to a message or a timer: the owner, as a generic relation, and the channel."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to something of another app (an incident, a campaign, a dispatch)."""

    def owned_by(self, owner: models.Model | type[models.Model]):
        """Rows owned by ``owner``: one instance, or any instance of a model class."""
        if isinstance(owner, type):
            return self.filter(owner_type=ContentType.objects.get_for_model(owner))
        return self.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)


def owned_by_kind(row: models.Model, owner: type[models.Model]) -> bool:
    """Whether ``row`` belongs to an instance of ``owner``: no query (ContentType caches its ids)."""
    return row.owner_type_id == ContentType.objects.get_for_model(owner).pk


def owner_fields(owner: models.Model | None) -> dict:
    """The two columns that record ``owner`` on a row being created; empty for no owner."""
    if owner is None:
        return {}
    return {"owner_type": ContentType.objects.get_for_model(owner), "owner_id": owner.pk}


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    WHATSAPP = "whatsapp", "WhatsApp"
    VOICE = "voice", "Voice"
