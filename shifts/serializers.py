from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from messaging.api.fields import E164Field
from messaging.models import AllowListScope, Tag, Topic
from messaging.values import limits
from messaging.values.instants import InstantField
from oncall.models import Schedule
from shifts.codes import shift_code_normalize, shift_code_validate
from shifts.models import Shift, ShiftStatus
from shifts.selectors import campaign_has_shifts_to_list
from shifts.services import CAMPAIGN_MESSAGE_MAX


class ShiftSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=Shift._meta.get_field("code").max_length)
    info = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    status = serializers.ChoiceField(choices=ShiftStatus.choices, read_only=True)
    employee = serializers.CharField(read_only=True, allow_null=True,
                                     help_text="The phone that booked the shift, or null.")
    starts_at = InstantField(required=False, allow_null=True, default=None)
    ends_at = InstantField(required=False, allow_null=True, default=None)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    schedule = serializers.PrimaryKeyRelatedField(
        queryset=Schedule.objects.all(), required=False, allow_null=True, default=None,
        help_text="On-call cover: the booker becomes on call on this schedule for [starts_at, ends_at).",
        error_messages={"does_not_exist": "No schedule with id {pk_value}."})

    def validate_code(self, value):
        try:
            code = shift_code_validate(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["code"]) from exc
        if Shift.objects.filter(code=code).exists():
            raise serializers.ValidationError("A shift with this code already exists.")
        return code

    def validate(self, attrs):
        if attrs.get("starts_at") and attrs.get("ends_at") and attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": "The shift must end after it starts."})
        if attrs.get("schedule"):
            missing = {f: "Required for an on-call shift (one with a schedule)."
                       for f in ("starts_at", "ends_at") if not attrs.get(f)}
            if missing:
                raise serializers.ValidationError(missing)
        return attrs

    def to_representation(self, instance: Shift):
        body = {"code": instance.code, "info": instance.info, "status": instance.status,
                "employee": instance.booked_phone or None,
                "starts_at": instance.starts_at.isoformat() if instance.starts_at else None,
                "ends_at": instance.ends_at.isoformat() if instance.ends_at else None,
                "location": instance.location}
        if instance.schedule_id:  # only on-call shifts carry it, so the contract's shape stays as it was
            body["schedule"] = instance.schedule_id
        return body


class ShiftListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ShiftStatus.choices, required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=limits.PAGE_LIMIT_MAX, default=200)


class ShiftCampaignSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=CAMPAIGN_MESSAGE_MAX,
                                    help_text="Empty: composed from the open shifts and their codes.")
    tag = serializers.CharField(max_length=64, help_text="Every contact carrying this tag gets the message.")
    shifts = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                   max_length=200,
                                   help_text="Codes of the shifts offered (used to compose an empty message).")

    template = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                     help_text="A template's name, instead of message: each contact gets its "
                                               "SMS variant in their language.")
    topic = serializers.CharField(required=False, max_length=100,
                                  help_text="A topic's name: contacts who opted out of it by SMS are skipped.")

    def validate_topic(self, value):
        topic = Topic.objects.filter(name=value.strip()).first()
        if topic is None:
            raise serializers.ValidationError(f"No topic named {value!r}.")
        return topic

    def validate_tag(self, value):
        tag = Tag.objects.filter(name=value.strip()).first()
        if tag is None:
            raise serializers.ValidationError(f"No tag named {value!r}.")
        return tag

    def validate(self, attrs):
        if attrs.get("template") and attrs.get("message", "").strip():
            raise serializers.ValidationError({"template": "Send a message or a template, not both."})
        if (not attrs.get("message", "").strip() and not attrs.get("template")
                and not campaign_has_shifts_to_list(shifts=attrs.get("shifts"))):
            raise serializers.ValidationError({"message": "There are no open shifts to list; write the message."})
        return attrs

    def validate_shifts(self, value):
        codes = [shift_code_normalize(c) for c in value]
        found = {s.code: s for s in Shift.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise serializers.ValidationError(f"Unknown shift code(s): {', '.join(missing)}.")
        return [found[c] for c in codes]


class ShiftCampaignCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recipients = serializers.IntegerField()


class AllowListSerializer(serializers.Serializer):
    phone = E164Field()
    scope = serializers.ChoiceField(choices=AllowListScope.choices)
