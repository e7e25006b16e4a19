"""Who is on call: the one question the admin, the API, the pager and the SMS commands ask.

Each lookup is three queries whatever the size of the schedule: the schedule, its members in
order, and the overrides that reach past ``at`` (the newest few hundred, by start). The rules
themselves are oncall/rotation.py.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from messaging.models import Contact
from oncall.models import Schedule, ScheduleMember, ScheduleOverride
from oncall.rotation import OnCall, Segment, Span, oncall_resolve, oncall_segments

# Overrides ahead of ``at`` that one lookup reads. More than a year of booked cover per schedule
# would only make "until" end early at the 200th; who is on call stays right.
OVERRIDE_WINDOW_ROWS = 200


@dataclass(frozen=True)
class Person:
    id: int
    phone: str
    name: str


@dataclass(frozen=True)
class OnCallAnswer:
    schedule: Schedule
    at: datetime
    person: Person | None
    since: datetime | None
    until: datetime | None
    override_id: int | None

    @property
    def override(self) -> bool:
        return self.override_id is not None


def schedule_get(*, pk: int) -> Schedule | None:
    return Schedule.objects.filter(pk=pk).first()


def schedule_zone(*, schedule: Schedule) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(schedule.time_zone or "UTC")


def _members(schedule: Schedule) -> list[Person]:
    rows = (ScheduleMember.objects.filter(schedule=schedule).order_by("position", "id")
            .values_list("contact_id", "contact__phone", "contact__name"))
    return [Person(*row) for row in rows]


def _spans(rows) -> list[Span]:
    return [Span(id=pk, person=Person(cid, phone, name), start=start, end=end)
            for pk, cid, phone, name, start, end in rows]


_SPAN_FIELDS = ("id", "contact_id", "contact__phone", "contact__name", "start", "end")


def _overrides_after(schedule: Schedule, at: datetime) -> list[Span]:
    rows = (ScheduleOverride.objects.filter(schedule=schedule, end__gt=at).order_by("start", "id")
            .values_list(*_SPAN_FIELDS)[:OVERRIDE_WINDOW_ROWS])
    return _spans(rows)


def oncall_at(*, schedule: Schedule, at: datetime | None = None) -> OnCallAnswer:
    """Who is on call on ``schedule`` at ``at`` (default now), since when and until when."""
    at = at or timezone.now()
    oc: OnCall = oncall_resolve(handoff=schedule.handoff, turn_hours=schedule.turn_hours,
                                tz=schedule_zone(schedule=schedule), members=_members(schedule),
                                overrides=_overrides_after(schedule, at), at=at)
    return OnCallAnswer(schedule=schedule, at=at, person=oc.person, since=oc.since, until=oc.until,
                        override_id=oc.override_id)


def oncall_timeline(*, schedule: Schedule, start: datetime, end: datetime,
                    split_turns: bool = False) -> list[Segment]:
    """Who is on call over [start, end): the schedule page's timeline, and the uncovered slots."""
    rows = (ScheduleOverride.objects.filter(schedule=schedule, end__gt=start, start__lt=end)
            .order_by("start", "id").values_list(*_SPAN_FIELDS))
    return oncall_segments(handoff=schedule.handoff, turn_hours=schedule.turn_hours,
                           tz=schedule_zone(schedule=schedule), members=_members(schedule),
                           overrides=_spans(rows), start=start, end=end, split_turns=split_turns)


def schedule_uncovered(*, schedule: Schedule, start: datetime, end: datetime) -> list[Segment]:
    """The turn-sized stretches of [start, end) with nobody on call."""
    return [s for s in oncall_timeline(schedule=schedule, start=start, end=end, split_turns=True)
            if s.person is None]


def schedules_all() -> QuerySet[Schedule]:
    return Schedule.objects.order_by("name")


def schedules_oncall_now(*, now: datetime | None = None) -> list[OnCallAnswer]:
    """Who is on call now on every schedule (the admin home)."""
    now = now or timezone.now()
    return [oncall_at(schedule=s, at=now) for s in schedules_all()]


def schedules_for_phone(*, phone: str) -> QuerySet[Schedule]:
    """Schedules this number belongs to: in the rotation, or holding an override now or later."""
    return Schedule.objects.filter(
        Q(members__contact__phone=phone)
        | Q(overrides__contact__phone=phone, overrides__end__gt=timezone.now())).distinct().order_by("name")


def schedule_overrides_upcoming(*, schedule: Schedule, now: datetime | None = None) -> QuerySet[ScheduleOverride]:
    return (ScheduleOverride.objects.filter(schedule=schedule, end__gt=now or timezone.now())
            .select_related("contact").order_by("start", "id"))


def schedule_changes_between(*, schedule: Schedule, start: datetime, end: datetime) -> list[Segment]:
    """Segments that begin inside (start, end]: whoever takes over then (for the turn notices)."""
    segments = oncall_timeline(schedule=schedule, start=start, end=end + timedelta(seconds=1))
    return [s for s in segments if start < s.start <= end]


def contact_by_phone(*, phone: str) -> Contact | None:
    return Contact.objects.filter(phone=phone).first()
