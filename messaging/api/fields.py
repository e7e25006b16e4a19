"""The API's field for a phone number, which every app's serializers use: a door of messaging
(apps.py), apart from messaging's own serializers so that importing it brings nothing else."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.phones import E164_MAX_LENGTH, phone_normalize


@extend_schema_field({"type": "string", "pattern": r"^\+[1-9][0-9]{6,14}$", "example": "+12065550100",
                      "description": "E.164: '+', country code and number, digits only."})
class E164Field(serializers.CharField):
    """A phone in E.164 ("+" and at most 15 digits: 16 characters, what every phone column holds)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", E164_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return phone_normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
