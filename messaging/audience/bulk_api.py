"""``/api/v1/bulk-sends/``: bulk sends by API (CONTRACT.md, "Bulk sends"); thin views over
``messaging.audience.bulk_sends`` (writes) and ``bulk_reads`` (counts and rows). Scope
``messages`` sends, ``log`` reads."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.api.attachments import attachments_field, attachments_save
from messaging.api.fields import E164Field
from messaging.api.keys import api_key_sent_by
from messaging.audience import quiet_hours
from messaging.audience.bulk_enrich import RETRIES_DEFAULT
from messaging.audience.bulk_reads import bulk_send_counts, bulk_send_rows
from messaging.audience.bulk_sends import bulk_send_create
from messaging.audience.confirmations import DEFAULT_ANSWERS
from messaging.audience.enrichment import POLICIES, enrichment_url_check
from messaging.audience.s3_files import recipient_files_attach
from messaging.models import ApiScope, BulkPurpose, BulkSend, Channel
from messaging.values.instants import InstantField

RECIPIENTS_MAX = 100_000
COLUMN_MAX = 2000  # characters of one column's value


class QuietHoursSerializer(serializers.Serializer):
    start = serializers.CharField(max_length=5)
    end = serializers.CharField(max_length=5)

    def validate(self, attrs):
        try:
            start, end = quiet_hours.window_parse(attrs["start"]), quiet_hours.window_parse(attrs["end"])
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if start == end:
            raise serializers.ValidationError("start and end are the same time: the window would be empty.")
        return start, end


class ConfirmSerializer(serializers.Serializer):
    answers = serializers.ListField(child=serializers.RegexField(r"^[A-Za-z0-9]{1,20}$", max_length=20), min_length=1,
                                    max_length=20, required=False)
    reply = serializers.CharField(max_length=1000, required=False, help_text="{answer} fills in.")
    reminders = serializers.IntegerField(min_value=0, max_value=10, default=0)
    reminder_minutes = serializers.IntegerField(min_value=1, max_value=7 * 24 * 60, required=False)
    reminder_message = serializers.CharField(max_length=1000, required=False)
    deadline = InstantField(required=False)
    summary_to = serializers.CharField(max_length=254, required=False, help_text="A phone (E.164) or an email.")

    def validate_summary_to(self, value):
        if value.startswith("+"):
            return E164Field().to_internal_value(value)
        return serializers.EmailField().to_internal_value(value).lower()

    def validate(self, attrs):
        if attrs.get("reminders") and not attrs.get("reminder_minutes"):
            raise serializers.ValidationError({"reminder_minutes": "Say how many minutes apart the reminders go."})
        if attrs.get("summary_to") and not attrs.get("deadline"):
            raise serializers.ValidationError({"deadline": "A summary goes out at the deadline: give one."})
        attrs["answers"] = [a.upper() for a in attrs.get("answers") or DEFAULT_ANSWERS]
        if "deadline" in attrs:
            attrs["deadline"] = attrs["deadline"].isoformat()
        return attrs


class EnrichmentSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    on_failure = serializers.ChoiceField(choices=POLICIES, default="skip")
    retries = serializers.IntegerField(min_value=0, max_value=10, default=RETRIES_DEFAULT,
                                       help_text="With on_failure hold: tries after the first.")

    def validate_url(self, value):
        try:
            return enrichment_url_check(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate(self, attrs):
        if not settings.ENRICHMENT_SIGNING_KEY:
            raise serializers.ValidationError("Set ENRICHMENT_SIGNING_KEY first: every call is signed with it.")
        return attrs


class BulkSendCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=1100)
    # Every channel, in the order of Channel.choices: one enum in the API's schema.
    channel = serializers.ChoiceField(choices=Channel.choices,
                                      default=Channel.SMS)
    message = serializers.CharField(required=False, max_length=10_000)
    template = serializers.CharField(required=False, max_length=200)
    subject = serializers.CharField(required=False, max_length=998, default="")
    tag = serializers.CharField(required=False, max_length=64)
    recipients = serializers.ListField(child=serializers.DictField(), required=False, min_length=1,
                                       max_length=RECIPIENTS_MAX)
    send_at = InstantField(required=False)
    quiet_hours = QuietHoursSerializer(required=False)
    expires_at = InstantField(required=False)
    purpose = serializers.ChoiceField(choices=BulkPurpose.choices, default=BulkPurpose.TRANSACTIONAL)
    topic = serializers.CharField(required=False, max_length=200)
    confirm = ConfirmSerializer(required=False)
    attachments = attachments_field(help_text="Email only: files every recipient's email carries.")
    attachment_column = serializers.RegexField(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", required=False, help_text=(
        "Email only: the recipients' column naming their own file, s3://bucket/key in an S3 drop bucket."))
    enrichment = EnrichmentSerializer(required=False)

    def validate_recipients(self, rows):
        channel = self.initial_data.get("channel") or Channel.SMS
        key = "email" if channel == Channel.EMAIL else "phone"
        errors, seen, out = {}, set(), []
        for i, row in enumerate(rows):
            try:
                out.append(self._recipient(row, key, seen))
            except serializers.ValidationError as exc:
                errors[str(i)] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        return out

    @staticmethod
    def _recipient(row: dict, key: str, seen: set) -> dict:
        if key not in row:
            raise serializers.ValidationError({key: f"Each recipient needs a {key!r}."})
        field = serializers.EmailField(max_length=254) if key == "email" else E164Field()
        address = field.run_validation(row[key])
        address = address.lower() if key == "email" else address
        if address in seen:
            raise serializers.ValidationError({key: f"{address} is listed twice."})
        seen.add(address)
        columns = {}
        for name, value in row.items():
            if name in ("phone", "email"):
                continue
            if not str(name).isidentifier() or len(name) > 64:
                raise serializers.ValidationError({name: "A column name is a plain name (letters, digits, _)."})
            if value is not None and not isinstance(value, str | int | float | bool):
                raise serializers.ValidationError({name: "A column holds text or a number."})
            if len(str(value)) > COLUMN_MAX:
                raise serializers.ValidationError({name: f"At most {COLUMN_MAX} characters."})
            columns[name] = value
        return {key: address, **columns}

    def validate(self, attrs):
        errors = {}
        if ("message" in attrs) == ("template" in attrs):
            errors["message"] = "Give either message or template."
        if ("tag" in attrs) == ("recipients" in attrs):
            errors["recipients"] = "Give either tag or recipients."
        for name in ("attachments", "attachment_column"):
            if attrs.get(name) and attrs.get("channel") != Channel.EMAIL:
                errors[name] = "Only email carries attachments."
        if attrs.get("attachment_column") and "recipients" not in attrs:
            errors["attachment_column"] = "Name the column of listed recipients."
        if attrs.get("channel") == Channel.VOICE and len((attrs.get("confirm") or {}).get("answers") or ()) == 1:
            # A call's keys 1 and 2 are the first and second answers (messaging.audience.bulk_voice).
            errors["confirm"] = {"answers": "A call's keys 1 and 2 are the first two answers: give two or more."}
        if attrs.get("send_at") and attrs["send_at"] <= timezone.now():
            errors["send_at"] = "Give a time in the future, or leave it out to send now."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _summary(send: BulkSend) -> dict:
    return {"id": send.pk, "status": send.status, "recipients": send.recipients, **bulk_send_counts(send=send)}


_COUNTS = inline_serializer("BulkSendCounts", {
    "id": serializers.IntegerField(), "status": serializers.CharField(), "recipients": serializers.IntegerField(),
    **{k: serializers.IntegerField() for k in ("queued", "deferred", "sent", "delivered", "failed", "suppressed")},
    "replies": serializers.DictField(child=serializers.IntegerField())})


class BulkSendCreateView(APIView):
    api_scope = ApiScope.MESSAGES

    @extend_schema(request=BulkSendCreateSerializer, responses={201: _COUNTS})
    def post(self, request):
        ser = BulkSendCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        shared = attachments_save(data.get("attachments") or [])
        if data.get("attachment_column"):
            recipient_files_attach(recipients=data["recipients"], column=data["attachment_column"], shared=shared,
                                   body=data.get("message", ""), subject=data.get("subject", ""))
        send = bulk_send_create(
            name=data["name"], channel=data["channel"], message=data.get("message", ""),
            template=data.get("template", ""), subject=data.get("subject", ""), tag=data.get("tag", ""),
            recipients=data.get("recipients"), send_at=data.get("send_at"), quiet=data.get("quiet_hours"),
            expires_at=data.get("expires_at"), purpose=data["purpose"], topic=data.get("topic", ""),
            confirm=data.get("confirm"), enrichment=data.get("enrichment"), api_key=request.auth,
            attachments=shared)
        send.refresh_from_db()
        return Response(_summary(send), status=status.HTTP_201_CREATED)


def _readable(request, pk: int) -> BulkSend:
    """The send, if this key may read it (its own, or any with ``all_messages``), else 404."""
    sends = BulkSend.objects.all()
    sent_by = api_key_sent_by(key=request.auth)
    return get_object_or_404(sends if sent_by is None else sends.filter(api_key=sent_by), pk=pk)


class BulkSendView(APIView):
    api_scope = ApiScope.LOG

    @extend_schema(responses={200: _COUNTS})
    def get(self, request, pk: int):
        return Response(_summary(_readable(request, pk)))


class BulkSendRecipientsView(APIView):
    api_scope = ApiScope.LOG

    @extend_schema(responses={200: inline_serializer("BulkSendRecipients", {
        "results": serializers.ListField(child=serializers.DictField())})})
    def get(self, request, pk: int):
        return Response({"results": bulk_send_rows(send=_readable(request, pk))})
