from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from messaging.api.fields import E164Field
from messaging.audience.quiet_hours import time_zone_valid
from messaging.models import Channel, OutboundMessage, RuleMethod, RuleUrgency
from messaging.values import limits
from messaging.values.locales import LOCALE_MAX_LENGTH, locale_normalize


class NotificationRuleSerializer(serializers.Serializer):
    """One of a contact's notification rules (messaging.models.NotificationRule)."""

    method = serializers.ChoiceField(choices=RuleMethod.choices)
    after_seconds = serializers.IntegerField(min_value=0, max_value=limits.RULE_AFTER_SECONDS_MAX)
    urgency = serializers.ChoiceField(choices=RuleUrgency.choices, required=False, default=RuleUrgency.ANY)


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    phone = E164Field()
    # 254: what Contact.email holds (RFC 5321's path limit); Django's validator alone allows 320.
    email = serializers.EmailField(required=False, allow_blank=True, default="", max_length=254)
    whatsapp = E164Field(required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    # IANA (America/Chicago); bulk sends' quiet hours use it. Left out: the contact keeps its zone.
    time_zone = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate_time_zone(self, value):
        if value and not time_zone_valid(value):
            raise serializers.ValidationError(f"{value!r} is not an IANA time zone (e.g. America/Chicago).")
        return value

    # BCP 47; absent leaves a known contact's locale as it is.
    locale = serializers.CharField(required=False, allow_blank=True, max_length=LOCALE_MAX_LENGTH)

    def validate_locale(self, value):
        try:
            return locale_normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    # Replaces the contact's rules when given ([] removes them); left out, they stay as they are.
    rules = NotificationRuleSerializer(many=True, required=False, max_length=limits.RULES_MAX)

    def to_representation(self, instance):
        return {"id": instance.pk, "name": instance.name, "phone": instance.phone, "email": instance.email,
                "whatsapp": instance.whatsapp, "tags": sorted(t.name for t in instance.tags.all()),
                "time_zone": instance.time_zone or None, "locale": instance.locale,
                "rules": [{"method": r.method, "after_seconds": r.after_seconds, "urgency": r.urgency}
                          for r in instance.notification_rules.all()]}


class ErasedCountsSerializer(serializers.Serializer):
    messages = serializers.IntegerField(default=0)
    inbound = serializers.IntegerField(default=0)
    events = serializers.IntegerField(default=0)
    archived = serializers.IntegerField(default=0)


class ContactErasedSerializer(serializers.Serializer):
    erased = ErasedCountsSerializer()
    receipt = serializers.IntegerField(help_text="The erasure receipt's id (it names no phone or address).")


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
