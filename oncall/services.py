"""On-call changes: create a schedule, set its rotation, add and remove overrides, and the text
that tells the incoming person their turn is coming.

Everything that changes a schedule goes through here, so the admin, the API and shift bookings
validate the same way; reads are oncall/selectors.py.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.contacts import contact_get_or_create, contacts_get_or_create
from messaging.models import Channel, Contact
from messaging.outbound.send import message_send
from oncall import texts
from oncall.hotline import hotline_override_changed
from oncall.models import Schedule, ScheduleMember, ScheduleOverride, TurnNotice
from oncall.selectors import oncall_at, schedule_changes_between, schedule_zone

log = logging.getLogger(__name__)


@transaction.atomic
def schedule_members_set(*, schedule: Schedule, contacts: list[Contact]) -> None:
    """Replace the rotation with ``contacts`` in this order."""
    ScheduleMember.objects.filter(schedule=schedule).delete()
    ScheduleMember.objects.bulk_create(ScheduleMember(schedule=schedule, contact=c, position=i)
                                       for i, c in enumerate(contacts, start=1))


@transaction.atomic
@transaction.atomic
def schedule_create(*, name: str, handoff: datetime, turn_hours: int, time_zone: str = "UTC",
                    members: list[Contact] | None = None, member_phones: list[str] | None = None,
                    notice_minutes: int | None = None) -> Schedule:
    """ValidationError naming the field for a bad zone, turn length or a taken name.

    ``member_phones`` become contacts (after ``members``) only once the schedule is accepted, in
    the same transaction: a refused schedule leaves no contacts behind.
    """
    schedule = Schedule(name=(name or "").strip(), handoff=handoff, turn_hours=turn_hours,
                        time_zone=time_zone or "UTC", notice_minutes=notice_minutes)
    schedule.full_clean()
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError as exc:  # a concurrent create of the same name won
        raise ValidationError({"name": "A schedule with this name already exists."}) from exc
    contacts = [*(members or []), *contacts_get_or_create(phones=list(member_phones or []))]
    schedule_members_set(schedule=schedule, contacts=contacts)
    return schedule


@transaction.atomic
def override_add(*, schedule: Schedule, start: datetime, end: datetime, contact: Contact | None = None,
                 phone: str = "", note: str = "", created_by: str = "") -> ScheduleOverride:
    """``contact`` (or the contact for ``phone``) is on call on ``schedule`` during [start, end),
    whatever the rotation says. A refused override leaves no contact behind."""
    if end <= start:
        raise ValidationError({"end": "The override must end after it starts."})
    contact = contact or contact_get_or_create(phone=phone)
    override = ScheduleOverride(schedule=schedule, contact=contact, start=start, end=end, note=note[:200],
                                created_by=created_by[:200])
    override.full_clean()
    override.save()
    hotline_override_changed(schedule=schedule, start=start, end=end)
    return override


def override_remove(*, override_id: int | None) -> bool:
    if override_id is None:
        return False
    override = ScheduleOverride.objects.select_related("schedule").filter(pk=override_id).first()
    if override is None:
        return False
    hotline_override_changed(schedule=override.schedule, start=override.start, end=override.end)
    return ScheduleOverride.objects.filter(pk=override_id).delete()[0] > 0


def turn_notices_send(*, now: datetime | None = None) -> int:
    """Scheduled every minute: text each incoming on-call person once, ``notice_minutes`` ahead.

    A change of person counts as a turn start, whether it comes from the rotation or an override.
    The unique TurnNotice row makes a second worker, or the next minute's run, send nothing.
    """
    now = now or timezone.now()
    sent = 0
    wording = None  # read once, when a notice is due
    for schedule in Schedule.objects.filter(notice_minutes__isnull=False):
        horizon = now + timedelta(minutes=schedule.notice_minutes)
        tz = schedule_zone(schedule=schedule)
        for segment in schedule_changes_between(schedule=schedule, start=now, end=horizon):
            person = segment.person
            if person is None:
                continue
            try:
                with transaction.atomic():
                    notice = TurnNotice.objects.create(schedule=schedule, contact_id=person.id,
                                                       turn_start=segment.start)
                    wording = wording if wording is not None else texts.turn_notice_wording()
                    notice.message = message_send(
                        channel=Channel.SMS, recipient=person.phone, owner=schedule,
                        body=texts.turn_notice_text(schedule_name=schedule.name, start=segment.start,
                                                    until=oncall_at(schedule=schedule, at=segment.start).until,
                                                    tz=tz, now=now, variants=wording,
                                                    locale=getattr(person, "locale", "") or ""))
                    notice.save(update_fields=["message"])
                    sent += 1
            except IntegrityError:
                continue  # already told
    return sent
