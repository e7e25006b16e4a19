"""The on-call API's shapes (CONTRACT.md, "On-call schedules and policies")."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, time

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from messaging.api.fields import E164Field
from messaging.values import limits
from messaging.values.instants import InstantField
from oncall.models import Schedule, validate_time_zone
from oncall.selectors import OnCallAnswer, schedule_zone

_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")


def _local(value: datetime, tz) -> str:
    return value.astimezone(tz).isoformat()


class ScheduleCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")
    handoff = serializers.CharField(max_length=64, help_text="When the first turn starts: an ISO 8601 date and "
                                    "time (without an offset it is read in time_zone), or a time of day such "
                                    "as 08:00, meaning today at that time.")
    turn_hours = serializers.IntegerField(min_value=limits.TURN_HOURS_MIN, max_value=limits.TURN_HOURS_MAX)
    members = serializers.ListField(child=E164Field(), required=False, default=list, max_length=limits.MEMBERS_MAX,
                                    help_text="Phones in rotation order; unknown ones become contacts.")
    notice_minutes = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                              max_value=limits.NOTICE_MINUTES_MAX)

    def validate_name(self, value):
        if Schedule.objects.filter(name=value.strip()).exists():
            raise serializers.ValidationError("A schedule with this name already exists.")
        return value.strip()

    def validate_time_zone(self, value):
        # Checked as a field, so a bad zone is reported beside any other bad field.
        try:
            validate_time_zone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate(self, attrs):
        tz = zoneinfo.ZoneInfo(attrs["time_zone"])  # validate_time_zone has passed
        raw = attrs["handoff"].strip()
        if _TIME_ONLY.match(raw):
            try:
                clock = time.fromisoformat(raw if raw.count(":") == 2 else f"{raw}:00")
            except ValueError as exc:
                raise serializers.ValidationError({"handoff": "Not a time of day."}) from exc
            handoff = datetime.combine(timezone.now().astimezone(tz).date(), clock, tzinfo=tz)
        else:
            try:
                handoff = datetime.fromisoformat(raw)
            except ValueError as exc:
                raise serializers.ValidationError(
                    {"handoff": "Give an ISO 8601 date and time, e.g. 2026-12-07T08:00:00+00:00, or 08:00."}
                ) from exc
            if handoff.tzinfo is None:
                handoff = handoff.replace(tzinfo=tz)
        attrs["handoff"] = handoff
        return attrs


def schedule_json(schedule: Schedule) -> dict:
    tz = schedule_zone(schedule=schedule)
    members = [m.contact.phone for m in schedule.members.select_related("contact").order_by("position", "id")]
    return {"id": schedule.pk, "name": schedule.name, "time_zone": schedule.time_zone,
            "handoff": _local(schedule.handoff, tz), "turn_hours": schedule.turn_hours, "members": members,
            "notice_minutes": schedule.notice_minutes}


_SPACED_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


class OnCallQuerySerializer(serializers.Serializer):
    at = InstantField(required=False, help_text="Default: now.")

    def to_internal_value(self, data):
        # A "+01:00" typed into a URL by hand arrives as " 01:00" (a query string's + is a space).
        at = data.get("at")
        if isinstance(at, str) and _SPACED_OFFSET.search(at):
            data = {"at": _SPACED_OFFSET.sub(r"+\1", at)}  # ``at`` is the only field
        return super().to_internal_value(data)


def oncall_json(answer: OnCallAnswer) -> dict:
    tz = schedule_zone(schedule=answer.schedule)
    person = answer.person
    return {"at": _local(answer.at, tz), "phone": person.phone if person else None,
            "name": person.name if person else None,
            "since": _local(answer.since, tz) if answer.since else None,
            "until": _local(answer.until, tz) if answer.until else None,
            "override": answer.override, "schedule": answer.schedule.pk}


class OverrideCreateSerializer(serializers.Serializer):
    phone = E164Field()
    start = InstantField()
    end = InstantField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "The override must end after it starts."})
        return attrs


def override_json(override, tz) -> dict:
    return {"id": override.pk, "phone": override.contact.phone, "start": _local(override.start, tz),
            "end": _local(override.end, tz), "note": override.note}


class CalendarFeedCreateSerializer(serializers.Serializer):
    phone = E164Field(required=False, help_text="Only this person's turns (a member of the schedule); "
                                                 "omitted: everyone's.")
