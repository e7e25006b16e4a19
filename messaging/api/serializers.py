from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.models import Channel, OutboundMessage
from messaging.phones import E164_MAX_LENGTH, phone_normalize
from messaging.values import limits


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


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    phone = E164Field()
    # 254: what Contact.email holds (RFC 5321's path limit); Django's validator alone allows 320.
    email = serializers.EmailField(required=False, allow_blank=True, default="", max_length=254)
    whatsapp = E164Field(required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    def to_representation(self, instance):
        return {"id": instance.pk, "name": instance.name, "phone": instance.phone, "email": instance.email,
                "whatsapp": instance.whatsapp, "tags": sorted(t.name for t in instance.tags.all())}


class MessageLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboundMessage
        fields = ["id", "channel", "recipient", "subject", "body", "status", "provider_message_id",
                  "created_at", "sent_at", "delivered_at", "error", "parts", "price"]


class MessageLogQuerySerializer(serializers.Serializer):
    recipient = serializers.CharField(required=False, max_length=320)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    status = serializers.CharField(required=False, max_length=16)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=limits.PAGE_LIMIT_MAX, default=100)
