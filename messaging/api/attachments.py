"""``"attachments": [{"filename", "content_type", "content_base64"}]``: files sent with an email by
API (the omnichannel email object and email bulk sends). Decoded and checked here; stored once by
``messaging.outbound.attachments`` when the request is acted on."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from messaging.outbound.attachments import ATTACHMENTS_MAX, OPTION, attachment_decode, attachment_store


class AttachmentSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255, help_text="Shown to the recipient, e.g. rota.pdf.")
    content_type = serializers.CharField(max_length=78, required=False, default="application/octet-stream")
    content_base64 = serializers.CharField(trim_whitespace=True, help_text="The file's bytes, base64 (RFC 4648).")

    def validate(self, attrs):
        try:
            filename, content_type, content = attachment_decode(
                filename=attrs["filename"], content_type=attrs["content_type"], content_base64=attrs["content_base64"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"content_base64": exc.messages}) from None
        return {"filename": filename, "content_type": content_type, "content": content}


def attachments_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=AttachmentSerializer(), required=False, max_length=ATTACHMENTS_MAX, **kwargs)


def attachments_save(files: list[dict]) -> list[int]:
    """Store decoded files (each kept once); their ids, for a message's ``options["attachments"]``."""
    return [attachment_store(**f).pk for f in files]


def payload_without_files(payload):
    """The request as stored (raw bodies are kept): each file's base64 replaced by its length,
    so the bytes live once, in ``Attachment``."""
    if isinstance(payload, dict):
        return {k: (f"<{len(v)} base64 characters>" if k == "content_base64" and isinstance(v, str)
                    else payload_without_files(v)) for k, v in payload.items()}
    if isinstance(payload, list):
        return [payload_without_files(v) for v in payload]
    return payload


__all__ = ["OPTION", "AttachmentSerializer", "attachments_field", "attachments_save", "payload_without_files"]
