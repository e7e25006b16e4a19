"""Who is on call: the one question the admin, the API, the pager and the SMS commands ask.

Each lookup is two queries whatever the size of the schedule: the schedule with its members in
order (one join), and the overrides that reach past ``at`` (the next few hundred, by start). Both
are plain SQL: bench/oncall.py measured the ORM's query building at about half a millisecond a
query, more than PostgreSQL took to answer. The rules themselves are oncall/rotation.py.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from messaging.models import Contact
from messaging.values.instants import instant_clamp
from oncall.models import Schedule, ScheduleMember, ScheduleOverride
from oncall.rotation import OnCall, Segment, Span, oncall_resolve, oncall_segments, turn_at

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
    return [Span(id=pk, person=Person(cid, phone, name), start=_aware(start), end=_aware(end))
            for pk, cid, phone, name, start, end in rows]


def _aware(value) -> datetime:
    # SQLite hands raw queries naive UTC datetimes (or text); PostgreSQL aware ones. Clamped into
    # the instant range, so a far-future row stored before the range existed cannot overflow a
    # turn's arithmetic or its display in the schedule's zone.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return instant_clamp(value if value.tzinfo else value.replace(tzinfo=UTC))


_LOOKUP_SCHEDULE = f"""
SELECT s.id, s.name, s.time_zone, s.handoff, s.turn_hours, s.notice_minutes, c.id, c.phone, c.name
FROM {Schedule._meta.db_table} s
LEFT JOIN {ScheduleMember._meta.db_table} m ON m.schedule_id = s.id
LEFT JOIN {Contact._meta.db_table} c ON c.id = m.contact_id
WHERE s.id = %s ORDER BY m.position, m.id"""
_LOOKUP_OVERRIDES = f"""
SELECT o.id, c.id, c.phone, c.name, o.start, o."end"
FROM {ScheduleOverride._meta.db_table} o JOIN {Contact._meta.db_table} c ON c.id = o.contact_id
WHERE o.schedule_id = %s AND o."end" > %s AND o.start < %s ORDER BY o.start, o.id LIMIT {OVERRIDE_WINDOW_ROWS}"""
# Far enough that "start < horizon" filters nothing (and well inside every backend's range).
_NO_HORIZON = datetime(9000, 1, 1, tzinfo=UTC)


def _horizon(*, at: datetime, handoff: datetime, turn_hours: int, members: bool) -> datetime:
    """No override starting after this can change the answer at ``at``: the turn holding ``at``
    ends by then (a turn is at most an hour longer than turn_hours, on a clock-change day)."""
    if not members:
        return _NO_HORIZON  # nobody until the next override, however far off
    if at < handoff:
        return handoff
    return at + timedelta(hours=turn_hours + 2)


def _since_floor(*, at: datetime, handoff: datetime, turn_hours: int, zone: str, members: bool) -> datetime:
    """Overrides that ended after this matter too: one that ended earlier in the current turn is
    when the rotation took over again ("since")."""
    if not members or at < handoff:
        return at
    return turn_at(handoff=handoff, turn_hours=turn_hours, tz=zoneinfo.ZoneInfo(zone or "UTC"), at=at).start


def _lookup(schedule_id: int, at: datetime) -> tuple[Schedule | None, list[Person], list[Span]]:
    with connection.cursor() as cur:
        cur.execute(_LOOKUP_SCHEDULE, [schedule_id])
        rows = cur.fetchall()
        if not rows:
            return None, [], []
        pk, name, zone, handoff, turn_hours, notice, *_ = rows[0]
        handoff = _aware(handoff)
        members = [Person(cid, phone, cname) for *_, cid, phone, cname in rows if cid is not None]
        cur.execute(_LOOKUP_OVERRIDES, [schedule_id, _since_floor(at=at, handoff=handoff, turn_hours=turn_hours,
                                                                  zone=zone, members=bool(members)),
                                        _horizon(at=at, handoff=handoff, turn_hours=turn_hours,
                                                 members=bool(members))])
        spans = _spans(cur.fetchall())
    schedule = Schedule(pk=pk, name=name, time_zone=zone, handoff=handoff, turn_hours=turn_hours,
                        notice_minutes=notice)
    return schedule, members, spans


_SPAN_FIELDS = ("id", "contact_id", "contact__phone", "contact__name", "start", "end")


def oncall_at(*, schedule: Schedule | int, at: datetime | None = None) -> OnCallAnswer | None:
    """Who is on call on ``schedule`` (a row or its id) at ``at`` (default now), since when and
    until when. The schedule is read afresh, so an edit since the caller loaded it counts; None
    when it no longer exists."""
    # In UTC: SQLite compares the stored text, so an ``at`` written with +01:00 would be read as
    # if it were UTC and miss (or find) the wrong overrides.
    at = (at or timezone.now()).astimezone(UTC)
    row, members, overrides = _lookup(schedule if isinstance(schedule, int) else schedule.pk, at)
    if row is None:
        return None
    oc: OnCall = oncall_resolve(handoff=row.handoff, turn_hours=row.turn_hours, tz=schedule_zone(schedule=row),
                                members=members, overrides=overrides, at=at)
    return OnCallAnswer(schedule=schedule if isinstance(schedule, Schedule) else row, at=at, person=oc.person,
                        since=oc.since, until=oc.until, override_id=oc.override_id)


def oncall_timeline(*, schedule: Schedule, start: datetime, end: datetime,
                    split_turns: bool = False) -> list[Segment]:
    """Who is on call over [start, end): the schedule page's timeline, and the uncovered slots."""
    rows = (ScheduleOverride.objects.filter(schedule=schedule, end__gt=start, start__lt=end)
            .order_by("start", "id").values_list(*_SPAN_FIELDS))
    return oncall_segments(handoff=instant_clamp(schedule.handoff), turn_hours=schedule.turn_hours,
                           tz=schedule_zone(schedule=schedule), members=_members(schedule),
                           overrides=_spans(rows), start=start, end=end, split_turns=split_turns)


def schedule_uncovered(*, schedule: Schedule, start: datetime, end: datetime) -> list[Segment]:
    """The turn-sized stretches of [start, end) with nobody on call."""
    return [s for s in oncall_timeline(schedule=schedule, start=start, end=end, split_turns=True)
            if s.person is None]


def schedules_all() -> QuerySet[Schedule]:
    return Schedule.objects.order_by("name")


_MANY_SCHEDULES = f"""
SELECT s.id, s.name, s.time_zone, s.handoff, s.turn_hours, s.notice_minutes, c.id, c.phone, c.name
FROM {Schedule._meta.db_table} s
LEFT JOIN {ScheduleMember._meta.db_table} m ON m.schedule_id = s.id
LEFT JOIN {Contact._meta.db_table} c ON c.id = m.contact_id
WHERE s.id IN (SELECT id FROM {Schedule._meta.db_table} ORDER BY name, id LIMIT %s)
ORDER BY s.name, s.id, m.position, m.id"""
# One schedule's window of overrides, as a subquery in FROM: SQLite takes ORDER BY and LIMIT
# there (not on the arms of a UNION itself), so every schedule keeps its own window and limit.
_ONE_WINDOW = f"""SELECT * FROM (SELECT o.schedule_id, o.id, c.id, c.phone, c.name, o.start, o."end"
FROM {ScheduleOverride._meta.db_table} o JOIN {Contact._meta.db_table} c ON c.id = o.contact_id
WHERE o.schedule_id = %s AND o."end" > %s AND o.start < %s ORDER BY o.start, o.id LIMIT {OVERRIDE_WINDOW_ROWS}) w"""


def schedules_oncall_now(*, now: datetime | None = None, limit: int = 1000) -> list[OnCallAnswer]:
    """Who is on call now on the first ``limit`` schedules by name (the admin home): the same
    answer as ``oncall_at`` for each, in two queries however many schedules there are: the
    schedules with their members, then every schedule's window of overrides in one UNION ALL."""
    at = (now or timezone.now()).astimezone(UTC)
    with connection.cursor() as cur:
        cur.execute(_MANY_SCHEDULES, [limit])
        rows = cur.fetchall()
        schedules: dict[int, tuple[Schedule, list[Person]]] = {}
        for pk, name, zone, handoff, turn_hours, notice, cid, phone, cname in rows:
            if pk not in schedules:
                schedules[pk] = (Schedule(pk=pk, name=name, time_zone=zone, handoff=_aware(handoff),
                                          turn_hours=turn_hours, notice_minutes=notice), [])
            if cid is not None:
                schedules[pk][1].append(Person(cid, phone, cname))
        if not schedules:
            return []
        params = []
        for schedule, members in schedules.values():
            window = dict(at=at, handoff=schedule.handoff, turn_hours=schedule.turn_hours, members=bool(members))
            params += [schedule.pk, _since_floor(**window, zone=schedule.time_zone), _horizon(**window)]
        cur.execute(" UNION ALL ".join([_ONE_WINDOW] * len(schedules)), params)
        spans: dict[int, list[tuple]] = {pk: [] for pk in schedules}
        for schedule_id, *span in cur.fetchall():
            spans[schedule_id].append(span)
    answers = []
    for pk, (schedule, members) in schedules.items():
        overrides = sorted(_spans(spans[pk]), key=lambda o: (o.start, o.id))
        oc = oncall_resolve(handoff=schedule.handoff, turn_hours=schedule.turn_hours,
                            tz=schedule_zone(schedule=schedule), members=members, overrides=overrides, at=at)
        answers.append(OnCallAnswer(schedule=schedule, at=at, person=oc.person, since=oc.since, until=oc.until,
                                    override_id=oc.override_id))
    return answers


def schedules_count() -> int:
    return Schedule.objects.count()


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
