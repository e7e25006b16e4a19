"""The weekly "Your next turns: …" text, at the weekday and local time each person chose.

A django-q2 Schedule (migration 0004) runs ``weekly_summaries_send`` every minute. A person's
summary is due at their chosen local time in the week holding ``now``; it is sent once that
moment has passed (up to ``CATCH_UP`` late, so a worker down for a while still sends it, but a
preference set on Friday for Monday does not fire at once for the Monday gone). The unique
WeeklySummary row per (person, week) is written in the transaction that logs the message, so a
second run, or another cluster running the same minute, sends nothing.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.models import Channel
from messaging.outbound.send import message_send
from oncall.models import SummaryPreference, WeeklySummary
from oncall.selectors import oncall_timeline, schedule_zone
from oncall.texts import weekly_summary_text

CATCH_UP = timedelta(hours=6)
AHEAD = timedelta(days=7)


def summary_zone(*, preference: SummaryPreference, schedules) -> zoneinfo.ZoneInfo:
    if preference.time_zone:
        return zoneinfo.ZoneInfo(preference.time_zone)
    return schedule_zone(schedule=schedules[0]) if schedules else zoneinfo.ZoneInfo("UTC")


def summary_due(*, preference: SummaryPreference, tz: zoneinfo.ZoneInfo, now: datetime) -> tuple[date, datetime]:
    """(the Monday of the local week holding ``now``, the instant the summary is due that week)."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    day = monday + timedelta(days=preference.weekday)
    return monday, datetime.combine(day, preference.local_time, tzinfo=tz)


def _schedules(contact) -> list:
    # From the prefetch weekly_summaries_send makes: no query per person each minute.
    return sorted((m.schedule for m in contact.schedule_memberships.all()), key=lambda s: (s.name, s.pk))


def next_turns(*, contact_id: int, schedules, now: datetime) -> list[tuple]:
    """(schedule, segment) for each of the person's turns (or overrides) starting in the next 7 days,
    or under way now: whole, so neither end of the week cuts a turn short."""
    found = []
    for schedule in schedules:
        reach = timedelta(hours=schedule.turn_hours + 2)
        for seg in oncall_timeline(schedule=schedule, start=now - reach, end=now + AHEAD + reach, split_turns=True):
            if seg.person is None or seg.person.id != contact_id:
                continue
            if found and found[-1][0] == schedule and found[-1][1].end == seg.start:
                found[-1] = (schedule, type(seg)(seg.person, found[-1][1].start, seg.end, seg.override_id))
            else:
                found.append((schedule, seg))
    return sorted(((s, seg) for s, seg in found if seg.end > now and seg.start < now + AHEAD),
                  key=lambda item: item[1].start)


def weekly_summary_send(*, preference: SummaryPreference, now: datetime) -> bool:
    """Send ``preference``'s summary if it is due and not yet sent this week; True if sent."""
    contact = preference.contact
    schedules = _schedules(contact)
    if not schedules:
        return False  # no longer on any schedule: nothing to summarise
    tz = summary_zone(preference=preference, schedules=schedules)
    week, due = summary_due(preference=preference, tz=tz, now=now)
    if not (due <= now < due + CATCH_UP) or due < preference.created_at:
        return False
    body = weekly_summary_text(turns=next_turns(contact_id=contact.pk, schedules=schedules, now=now), tz=tz,
                               now=now)
    email = preference.channel == "email" and contact.email
    try:
        with transaction.atomic():
            row = WeeklySummary.objects.create(contact=contact, week=week)
            row.message = message_send(channel=Channel.EMAIL if email else Channel.SMS,
                                       recipient=contact.email if email else contact.phone, body=body,
                                       subject="Your on-call turns this week" if email else "", owner=row)
            row.save(update_fields=["message"])
    except IntegrityError:
        return False  # already sent this week
    return True


def weekly_summaries_send(*, now: datetime | None = None) -> int:
    """Scheduled every minute: every summary due now and not yet sent. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    rows = SummaryPreference.objects.select_related("contact").prefetch_related(
        "contact__schedule_memberships__schedule")
    for preference in rows:
        sent += weekly_summary_send(preference=preference, now=now)
    return sent

