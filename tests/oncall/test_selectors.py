"""The one who-is-on-call selector against the database: the same answer whatever zone ``at``
is written in, a fixed number of queries, and None for a schedule that is gone."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.models import Contact
from oncall.models import Schedule
from oncall.selectors import oncall_at, schedule_uncovered, schedules_oncall_now
from oncall.services import override_add, schedule_create

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


@pytest.fixture
def rota(db):
    ana = Contact.objects.create(name="Ana", phone="+12065550101")
    ben = Contact.objects.create(name="Ben", phone="+12065550102")
    return schedule_create(name="East gas", handoff=timezone.now() - H, turn_hours=24, members=[ana, ben])


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata"])
def test_an_instant_written_in_any_zone_gets_the_same_answer(rota, zone):
    now = timezone.now()
    cleo = Contact.objects.create(name="Cleo", phone="+12065550103")
    override_add(schedule=rota, contact=cleo, start=now + 2 * H, end=now + 3 * H)
    tz = zoneinfo.ZoneInfo(zone)
    for offset, phone in [(H, "+12065550101"), (2.5 * H, "+12065550103"), (3 * H, "+12065550101"),
                          (25 * H, "+12065550102")]:
        answer = oncall_at(schedule=rota, at=(now + offset).astimezone(tz))
        assert answer.person and answer.person.phone == phone, (zone, offset)


def test_a_lookup_is_two_queries_however_many_overrides(rota):
    cleo = Contact.objects.create(name="Cleo", phone="+12065550103")
    now = timezone.now()
    with CaptureQueriesContext(connection) as few:
        oncall_at(schedule=rota, at=now)
    for i in range(30):
        override_add(schedule=rota, contact=cleo, start=now + i * H, end=now + i * H + 30 * timedelta(minutes=1))
    with CaptureQueriesContext(connection) as many:
        answer = oncall_at(schedule=rota.pk, at=now + 5 * H)
    assert len(few) == len(many) == 2
    assert answer.person.phone == "+12065550103"


def test_a_deleted_schedule_is_none(rota):
    pk = rota.pk
    Schedule.objects.filter(pk=pk).delete()
    assert oncall_at(schedule=pk) is None


def test_uncovered_slots_are_turn_sized_gaps(db):
    now = timezone.now()
    empty = schedule_create(name="Empty", handoff=now - H, turn_hours=12, members=[])
    ana = Contact.objects.create(name="Ana", phone="+12065550101")
    override_add(schedule=empty, contact=ana, start=now + 11 * H, end=now + 23 * H)
    slots = schedule_uncovered(schedule=empty, start=now, end=now + 35 * H)
    assert [(s.start - now, s.end - now) for s in slots] == [(0 * H, 11 * H), (23 * H, 35 * H)]


def test_after_an_override_ends_the_rotation_is_on_call_since_its_end(rota):
    now = timezone.now()
    cleo = Contact.objects.create(name="Cleo", phone="+12065550103")
    cover = override_add(schedule=rota, contact=cleo, start=now - 0.5 * H, end=now + H)
    answer = oncall_at(schedule=rota, at=now + 2 * H)
    assert answer.person.phone == "+12065550101"
    assert answer.since == cover.end and not answer.override
    assert answer.until == rota.handoff + 24 * H


def test_every_schedule_at_once_gives_oncall_ats_answers_in_two_queries():
    now = timezone.now()
    people = [Contact.objects.create(name=f"P{i}", phone=f"+1206555020{i}") for i in range(4)]
    schedules = [
        schedule_create(name="A daily", handoff=now - 30 * H, turn_hours=24, members=people[:2]),
        schedule_create(name="B weekly LA", handoff=now - 200 * H, turn_hours=168, members=people[1:],
                        time_zone="America/Los_Angeles"),
        schedule_create(name="C not started", handoff=now + 5 * H, turn_hours=12, members=people[:1]),
        schedule_create(name="D nobody", handoff=now - H, turn_hours=24, members=[]),
    ]
    override_add(schedule=schedules[0], contact=people[3], start=now - H, end=now + H)
    override_add(schedule=schedules[3], contact=people[2], start=now + 48 * H, end=now + 50 * H)
    override_add(schedule=schedules[1], contact=people[0], start=now - 3 * H, end=now - 2 * H)
    with CaptureQueriesContext(connection) as ctx:
        answers = schedules_oncall_now(now=now)
    assert len(ctx) == 2
    expected = [oncall_at(schedule=s, at=now) for s in schedules]
    assert [(a.schedule.name, a.person, a.since, a.until, a.override_id) for a in answers] == \
        [(e.schedule.name, e.person, e.since, e.until, e.override_id) for e in expected]
    assert answers[0].person.name == "P3" and answers[3].until == now + 48 * H

    for i in range(5):
        schedule_create(name=f"E{i}", handoff=now - H, turn_hours=24, members=people[:1])
    with CaptureQueriesContext(connection) as ctx:
        assert len(schedules_oncall_now(now=now)) == 9
    assert len(ctx) == 2
    assert [a.schedule.name for a in schedules_oncall_now(now=now, limit=3)] == ["A daily", "B weekly LA",
                                                                                  "C not started"]
