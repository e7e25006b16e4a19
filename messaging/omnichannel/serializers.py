"""The omnichannel API's payloads (POST/GET /api/v1/messages/), in the seed's own format.

The seed (aws-samples/omnichannel-fallback-messaging) posts::

    {"use_case": "fallback" | "broadcast", "fallback_seconds": "30",
     "pc": {"channel": "sms", "sender": "...", "recipient": "...",
            "sms": {"message", "message_type", "configuration_set"}},
     "fc": {"channel": "email", "sender": "...", "recipient": "...",
            "email": {"subject", "text", "html", "template", "configuration_set"}}}

``whatsapp`` takes ``{"message"}``. Channel names are matched case-insensitively (the seed's
README writes SMS/WhatsApp/Email). Errors are nested like the payload:
``{"pc": {"sms": {"message": ["This field is required."]}}}``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.api.attachments import OPTION as ATTACHMENTS
from messaging.api.attachments import attachments_field, attachments_save, payload_without_files
from messaging.api.keys import api_key_sender_allowed
from messaging.models import (
    ApiKey,
    AttemptRole,
    Channel,
    DispatchUseCase,
    FallbackState,
    MessageStatus,
)
from messaging.omnichannel.services import ChannelSpec, dispatch_status
from messaging.outbound.attachments import size_check
from messaging.outbound.send import recipient_normalize
from messaging.values import limits
from messaging.values.senders import MAX_EMAIL_ADDRESS, email_sender_format

DISPATCH_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.EMAIL)
SMS_MESSAGE_TYPES = ("TRANSACTIONAL", "PROMOTIONAL")
REQUIRED = "This field is required."

# The channels whose per-channel object a payload may spell in any case ("SMS": {...}).
OBJECT_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP)


class _LowerChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().lower()
        return super().to_internal_value(data)


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[0-9]+$"}]})
class PositiveIntegerStringField(serializers.Field):
    """A positive whole number, given as a JSON number or as a string of digits ("30")."""

    default_error_messages = {"invalid": "A positive whole number of seconds is required (e.g. 30 or \"30\")."}

    def __init__(self, *, max_value: int, **kwargs):
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        # ASCII digits only: str.isdigit() also takes "²" and other digits int() refuses, and
        # ten digits are more than any max_value here, so int() never sees a giant string.
        if isinstance(data, str) and _DIGITS.fullmatch(data.strip()):
            data = int(data.strip())
        if not isinstance(data, int) or data < 1:
            self.fail("invalid")
        if data > self.max_value:
            raise serializers.ValidationError(f"At most {self.max_value} seconds.")
        return data

    def to_representation(self, value):
        return value


_DIGITS = re.compile(r"[0-9]{1,10}")


class EmailPartSerializer(serializers.Serializer):
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    html = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    template = serializers.CharField(required=False, allow_blank=True, max_length=256)
    template_data = serializers.DictField(required=False, help_text="Values for the SES template (extension).")
    configuration_set = serializers.CharField(required=False, allow_blank=True, max_length=64)
    attachments = attachments_field(help_text="Files sent with the email (SES: 40 MB per email once encoded).")


class SmsPartSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    message_type = serializers.CharField(required=False, allow_blank=True,
                                         help_text="TRANSACTIONAL or PROMOTIONAL (required for SMS).")
    configuration_set = serializers.CharField(required=False, allow_blank=True, max_length=64)


class WhatsAppPartSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class ChannelPayloadSerializer(serializers.Serializer):
    """``pc`` or ``fc``: one channel, its sender and recipient, and that channel's object."""

    channel = _LowerChoiceField(choices=[c.value for c in DISPATCH_CHANNELS])
    sender = serializers.CharField(max_length=256, help_text=(
        "SMS: origination identity or pool; WhatsApp: phone-number id; email: the From address."))
    recipient = serializers.CharField(max_length=320, help_text="E.164 for SMS and WhatsApp; an address for email.")
    email = EmailPartSerializer(required=False)
    sms = SmsPartSerializer(required=False)
    whatsapp = WhatsAppPartSerializer(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            # The seed's README spells channels SMS/WhatsApp/Email; accept the object under any case.
            data = dict(data)
            for key in list(data):
                if isinstance(key, str) and key.lower() in OBJECT_CHANNELS and key != key.lower():
                    data.setdefault(key.lower(), data.pop(key))
        return super().to_internal_value(data)

    def validate(self, attrs):
        channel = attrs["channel"]
        errors: dict = {}
        recipient = attrs["recipient"].strip()
        if recipient.upper().startswith("%2B"):  # the seed's README tells users to URL-encode "+"
            recipient = "+" + recipient[3:]
        try:
            if channel == Channel.EMAIL and len(recipient) > MAX_EMAIL_ADDRESS:
                raise DjangoValidationError(f"An email address is at most {MAX_EMAIL_ADDRESS} characters.")
            attrs["recipient"] = recipient_normalize(channel=channel, recipient=recipient)
        except DjangoValidationError as exc:
            kind = "an email address" if channel == Channel.EMAIL else "an E.164 phone number like +12065550100"
            errors["recipient"] = [f"Not a valid recipient for {channel}: {kind} is required."] + exc.messages[:1]
        sender = attrs["sender"].strip()
        if channel == Channel.EMAIL:
            try:
                sender = email_sender_format(sender)  # one address, no address in the display name
            except DjangoValidationError as exc:
                errors["sender"] = exc.messages
        key = self.context.get("api_key")
        if "sender" not in errors and isinstance(key, ApiKey) and not api_key_sender_allowed(
                key=key, channel=channel, sender=sender):
            errors["sender"] = [f"This API key may not send as {sender!r}; ask for it to be added to the "
                                "key's senders."]
        attrs["sender"] = sender
        part = attrs.get(channel) or {}
        part_errors: dict = {}
        if channel == Channel.EMAIL:
            if not part.get("subject", "").strip():
                part_errors["subject"] = [REQUIRED]
            if not any(part.get(k, "").strip() for k in ("text", "html", "template")):
                part_errors["text"] = ["One of text, html or template is required."]
            try:
                size_check(sizes=[len(f["content"]) for f in part.get("attachments") or []],
                           body=part.get("text", ""), html=part.get("html", ""), subject=part.get("subject", ""))
            except DjangoValidationError as exc:
                part_errors["attachments"] = exc.messages
        elif channel == Channel.SMS:
            if not part.get("message", "").strip():
                part_errors["message"] = [REQUIRED]
            elif len(part["message"]) > 1600:
                part_errors["message"] = ["At most 1600 characters."]
            message_type = part.get("message_type", "").strip().upper()
            if not message_type:
                part_errors["message_type"] = [REQUIRED]
            elif message_type not in SMS_MESSAGE_TYPES:
                part_errors["message_type"] = [f"Must be one of {', '.join(SMS_MESSAGE_TYPES)}."]
            else:
                part["message_type"] = message_type
        elif channel == Channel.WHATSAPP:
            if not part.get("message", "").strip():
                part_errors["message"] = [REQUIRED]
            elif len(part["message"]) > 4096:
                part_errors["message"] = ["At most 4096 characters."]
        if part_errors:
            errors[channel] = part_errors
        if errors:
            raise serializers.ValidationError(errors)
        attrs[channel] = part
        return attrs

    @staticmethod
    def spec(attrs: dict) -> ChannelSpec:
        channel = attrs["channel"]
        part = attrs[channel]
        options: dict = {}
        if channel == Channel.EMAIL:
            for key in ("html", "template", "template_data", "configuration_set"):
                if part.get(key):
                    options[key] = part[key]
            if part.get("attachments"):
                options[ATTACHMENTS] = attachments_save(part["attachments"])
            return ChannelSpec(channel=channel, recipient=attrs["recipient"], sender=attrs["sender"],
                               subject=part["subject"], body=part.get("text", ""), options=options)
        if channel == Channel.SMS:
            options["message_type"] = part["message_type"]
            if part.get("configuration_set"):
                options["configuration_set"] = part["configuration_set"]
        return ChannelSpec(channel=channel, recipient=attrs["recipient"], sender=attrs["sender"],
                           body=part["message"], options=options)


class DispatchRequestSerializer(serializers.Serializer):
    use_case = _LowerChoiceField(choices=[u.value for u in DispatchUseCase])
    fallback_seconds = PositiveIntegerStringField(
        max_value=limits.FALLBACK_SECONDS_MAX, required=False, allow_null=True,
        help_text="Seconds to wait for a successful delivery of the primary (fallback: required). "
                  "A number or a string of digits.")
    pc = ChannelPayloadSerializer(help_text="The primary channel.")
    fc = ChannelPayloadSerializer(help_text="The fallback channel (required for both use cases).")

    def to_internal_value(self, data):
        use_case = data.get("use_case") if isinstance(data, dict) else None
        if isinstance(use_case, str) and use_case.strip().lower() == DispatchUseCase.BROADCAST:
            # Broadcast has no timer; a placeholder such as "" or "0" left in a seed payload is not an error.
            data = {k: v for k, v in data.items() if k != "fallback_seconds"}
        return super().to_internal_value(data)

    def validate(self, attrs):
        if attrs["use_case"] == DispatchUseCase.FALLBACK and not attrs.get("fallback_seconds"):
            raise serializers.ValidationError(
                {"fallback_seconds": ["This field is required when use_case is fallback."]})
        return attrs

    def create_kwargs(self, *, request_payload) -> dict:
        """The validated request as ``dispatch_create``'s keyword arguments."""
        data = self.validated_data
        return {"use_case": data["use_case"], "fallback_seconds": data.get("fallback_seconds"),
                "primary": ChannelPayloadSerializer.spec(data["pc"]),
                "fallback": ChannelPayloadSerializer.spec(data["fc"]),
                "request_payload": payload_without_files(request_payload) if isinstance(request_payload, dict) else {}}


class AttemptSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=AttemptRole.choices)
    message_id = serializers.IntegerField(help_text="The message-log id (GET /api/v1/message-log/).")
    channel = serializers.CharField()
    sender = serializers.CharField()
    recipient = serializers.CharField()
    status = serializers.ChoiceField(choices=MessageStatus.choices)
    provider_message_id = serializers.CharField()
    provider_alt_id = serializers.CharField(help_text="WhatsApp: the wamid, when known.")
    error_code = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, attempt):
        m = attempt.message
        return {
            "role": attempt.role, "message_id": m.pk, "channel": m.channel, "sender": m.sender,
            "recipient": m.recipient, "status": m.status, "provider_message_id": m.provider_message_id,
            "provider_alt_id": m.provider_alt_id, "error_code": m.error_code, "error": m.error,
            "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at), "delivered_at": _iso(m.delivered_at),
            "failed_at": _iso(m.failed_at),
        }


class FallbackSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=FallbackState.choices, help_text=(
        "none: broadcast; waiting: the timer is running; cancelled: the primary was delivered in time; "
        "sent: the fallback went out (no delivery in time, a failure, or a suppressed primary)."))
    seconds = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()


class DispatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    use_case = serializers.ChoiceField(choices=DispatchUseCase.choices)
    status = serializers.ChoiceField(choices=MessageStatus.choices, help_text=(
        "Overall, from the attempts: delivered (an attempt was delivered), sent (none delivered yet, one handed "
        "to its provider), queued (nothing handed over yet, or the fallback is about to go), failed (all attempts "
        "ended, one failed, nothing more to come), suppressed (every attempt suppressed)."))
    fallback = FallbackSerializer()
    attempts = AttemptSerializer(many=True)
    idempotency_key = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, dispatch):
        attempts = sorted(dispatch.attempts.all(), key=lambda a: (a.role != AttemptRole.PRIMARY, a.pk))
        return {
            "id": dispatch.pk, "use_case": dispatch.use_case,
            "status": dispatch_status(dispatch=dispatch, attempts=attempts),
            "fallback": {"state": dispatch.fallback_state, "seconds": dispatch.fallback_seconds,
                         "due_at": _iso(dispatch.fallback_due_at), "decided_at": _iso(dispatch.fallback_decided_at),
                         "reason": dispatch.fallback_reason},
            "attempts": [AttemptSerializer(a).data for a in attempts],
            "idempotency_key": dispatch.idempotency_key, "created_at": _iso(dispatch.created_at),
        }


def _iso(value):
    return value.isoformat() if value else None
