"""On-call schedules: a rotation of contacts, and overrides that win over it.

An app of its own because two others lean on it: incidents page whoever a schedule says is on
call, and shifts turn a booked on-call shift into an override. Both depend on ``oncall``; it
depends on neither (a shift points at its override, not the other way round).

Schema only. Who is on call is computed, never stored: oncall/rotation.py holds the pure turn
arithmetic and oncall/selectors.py the one question everything asks ("who, and until when").
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from messaging.models import Contact, OutboundMessage
from messaging.values import limits
from messaging.values.instants import instant_validate


def validate_time_zone(value: str) -> None:
    # Asking for the zone, not listing them all: available_timezones() walks tzdata on every call.
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not an IANA time zone (for example Europe/London).",
                              code="time_zone") from None


class Schedule(models.Model):
    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone],
                                 help_text="IANA zone the turns follow, so an 08:00 handoff stays at 08:00 "
                                           "across daylight saving changes.")
    handoff = models.DateTimeField(validators=[instant_validate],
                                   help_text="When the first turn starts. Each later turn starts "
                                             "turn hours after the one before, on the schedule's local clock.")
    turn_hours = models.PositiveIntegerField(default=168, validators=[MinValueValidator(limits.TURN_HOURS_MIN),
                                                                      MaxValueValidator(limits.TURN_HOURS_MAX)],
                                             help_text="Length of one person's turn: 12, 24, 168 (a week)…")
    notice_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(limits.NOTICE_MINUTES_MAX)],
        help_text="Text the incoming person this many minutes before their turn starts (empty: no text).")
    # One number that reaches whoever is on call (oncall/hotline.py): setup_aws creates the Amazon
    # Connect quick connect and inbound flow and fills in their ids; the portal keeps both dialling
    # the on-call person's phone.
    hotline = models.BooleanField(default=False, help_text="Keep an Amazon Connect hotline dialling whoever is on "
                                                           "call (run manage.py setup_aws once after turning it on).")
    hotline_quick_connect_id = models.CharField(max_length=100, blank=True, editable=False)
    hotline_flow_id = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScheduleMember(models.Model):
    """One place in the rotation: member *i* takes turn *k* when *i = k mod n*."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="schedule_memberships")
    position = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(limits.POSITION_MAX)],
                                                help_text="Turns go round in this order.")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "rotation member"

    def __str__(self) -> str:
        return f"{self.schedule}: {self.position}. {self.contact}"


class ScheduleOverride(models.Model):
    """During [start, end) ``contact`` is on call instead of the rotation; the newest override wins."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="schedule_overrides")
    start = models.DateTimeField(validators=[instant_validate])
    end = models.DateTimeField(validators=[instant_validate])
    note = models.CharField(max_length=200, blank=True, help_text="Why, e.g. 'swap with Ann' or the shift booked.")
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["schedule", "end", "start"], name="oncall_override_window_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="oncall_override_ends_after_start",
                                              violation_error_message="An override must end after it starts.")]

    def __str__(self) -> str:
        return f"{self.schedule}: {self.contact} from {self.start:%Y-%m-%d %H:%M}"


class TurnNotice(models.Model):
    """The "you are on call from …" text sent before a turn; unique, so no turn is announced twice."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="notices")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    turn_start = models.DateTimeField()
    message = models.ForeignKey(OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["schedule", "contact", "turn_start"],
                                               name="oncall_notice_once")]

    def __str__(self) -> str:
        return f"{self.schedule}: {self.contact} at {self.turn_start:%Y-%m-%d %H:%M}"


class HotlineChange(models.Model):
    """The hotline of a schedule was pointed at a person's phone: "hotline → Ben from 08:00"."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="hotline_changes")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32)
    effective_at = models.DateTimeField(help_text="When that person's time on call began.")
    applied_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-applied_at", "-id"]
        indexes = [models.Index(fields=["schedule", "-applied_at"], name="oncall_hotline_change_idx")]

    def __str__(self) -> str:
        return f"hotline → {self.name or self.phone}"
