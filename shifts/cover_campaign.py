"""Campaigns that fill on-call gaps: the uncovered hours of a schedule, posted as bookable shifts.

Each uncovered turn-sized slot in the next N days becomes an on-call shift (its booker becomes on
call for its hours, shifts/cover.py). A slot's code is derived from the schedule and the slot's
local start, so posting the same gaps twice reuses the shifts already posted instead of doubling.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from messaging.models import Tag
from oncall.models import Schedule
from oncall.rotation import Segment
from oncall.selectors import schedule_uncovered, schedule_zone
from oncall.texts import local_time
from shifts.models import Shift, ShiftCampaign, ShiftStatus
from shifts.services import campaign_create, shift_create

MAX_DAYS = 62
# A sliver left between a booked shift and a turn boundary is not worth texting people about.
MIN_SLOT = timedelta(minutes=30)


def cover_slot_code(*, schedule: Schedule, start: datetime) -> str:
    return f"OC{schedule.pk}-{start.astimezone(schedule_zone(schedule=schedule)):%m%d%H%M}"


def cover_slots(*, schedule: Schedule, days: int, now: datetime) -> list[Segment]:
    """The uncovered slots of the next ``days`` days that can still be offered as shifts."""
    slots = schedule_uncovered(schedule=schedule, start=now, end=now + timedelta(days=min(days, MAX_DAYS)))
    # A shift cannot be booked once it has started, so the gap under way now is not offered.
    return [s for s in slots if s.start > now and s.end - s.start >= MIN_SLOT]


def cover_shifts_post(*, schedule: Schedule, days: int, now: datetime | None = None) -> list[Shift]:
    """An available on-call shift for every uncovered slot of the next ``days`` days."""
    now = now or timezone.now()
    tz = schedule_zone(schedule=schedule)
    shifts = []
    for slot in cover_slots(schedule=schedule, days=days, now=now):
        code = cover_slot_code(schedule=schedule, start=slot.start)
        existing = Shift.objects.filter(code=code).first()
        if existing is not None:
            if existing.status == ShiftStatus.AVAILABLE:
                shifts.append(existing)
            continue
        shifts.append(shift_create(code=code, starts_at=slot.start, ends_at=slot.end, time_zone=schedule.time_zone,
                                   schedule=schedule,
                                   info=f"On call: {schedule.name}, {local_time(slot.start, tz=tz, now=now)} to "
                                        f"{local_time(slot.end, tz=tz, now=now)}"))
    return shifts


@transaction.atomic
def cover_campaign_create(*, schedule: Schedule, days: int, tag: Tag, name: str = "", created_by=None,
                          now: datetime | None = None) -> ShiftCampaign | None:
    """A draft campaign offering the schedule's uncovered slots; None when nothing is uncovered."""
    shifts = cover_shifts_post(schedule=schedule, days=days, now=now)
    if not shifts:
        return None
    return campaign_create(name=name or f"On-call cover for {schedule.name}, next {days} days", tag=tag,
                           shifts=shifts, created_by=created_by)
