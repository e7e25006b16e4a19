"""The text before a turn: "You are on call for X from … until …", once per turn."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import OutboundMessage
from oncall.models import TurnNotice
from oncall.services import override_add, schedule_create, turn_notices_send
from tests.support.incidents import ANA, BEN, CLEO, sms_to

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
ZONE = "Europe/London"


@pytest.fixture
def soon(people):
    """East gas, Ana then Ben daily; the first turn starts 30 minutes from now; notices 60 min ahead."""
    now = timezone.now().replace(microsecond=0)
    schedule = schedule_create(name="East gas", time_zone=ZONE, handoff=now + 30 * timedelta(minutes=1),
                               turn_hours=24, members=[people[ANA], people[BEN]], notice_minutes=60)
    return schedule, now


@pytest.fixture
def people(db):
    from messaging.models import Contact
    return {p: Contact.objects.create(name=n, phone=p) for n, p in [("Ana", ANA), ("Ben", BEN), ("Cleo", CLEO)]}


def test_the_incoming_person_is_told_once_from_and_until(soon):
    schedule, now = soon
    assert turn_notices_send(now=now) == 1
    [text] = sms_to(ANA)
    tz = zoneinfo.ZoneInfo(ZONE)
    start = schedule.handoff.astimezone(tz)
    assert text.startswith(f"You are on call for East gas from {start:%H:%M}") or \
        text.startswith(f"You are on call for East gas from {start:%a %H:%M}")
    end = start + 24 * H
    # Every time says its zone: the abbreviation in force then, and the zone's name once.
    assert text.endswith(f"until {end:%a %H:%M} {end.tzname()} (Europe/London).")
    assert f"{start:%H:%M} {start.tzname()} until" in text
    assert sms_to(BEN) == []
    assert OutboundMessage.objects.get(recipient=ANA).owner == schedule

    assert turn_notices_send(now=now) == 0
    assert turn_notices_send(now=now + timedelta(minutes=1)) == 0
    assert len(sms_to(ANA)) == 1 and TurnNotice.objects.count() == 1


def test_the_next_turn_is_announced_in_its_own_window(soon):
    schedule, now = soon
    turn_notices_send(now=now)
    # Ben's turn starts at the same time on London's clock tomorrow: 23 or 25 hours on when the
    # clocks change tonight (wall-clock arithmetic on a zoned datetime). Ask 30 minutes before it.
    ben_starts = schedule.handoff.astimezone(zoneinfo.ZoneInfo(ZONE)) + 24 * H
    assert turn_notices_send(now=ben_starts - 30 * timedelta(minutes=1)) == 1
    assert len(sms_to(BEN)) == 1 and len(sms_to(ANA)) == 1


def test_nothing_is_sent_before_the_notice_window(soon):
    schedule, now = soon
    schedule.handoff = now + 2 * H
    schedule.save()
    assert turn_notices_send(now=now) == 0
    assert not OutboundMessage.objects.exists()


def test_an_override_taking_over_is_a_turn_start_too(soon, people):
    schedule, now = soon
    turn_notices_send(now=now)
    start = now + 5 * H
    override_add(schedule=schedule, contact=people[CLEO], start=start, end=start + 2 * H)
    assert turn_notices_send(now=start - 30 * timedelta(minutes=1)) == 1
    [text] = sms_to(CLEO)
    assert "until" in text and f"{(start + 2 * H).astimezone(zoneinfo.ZoneInfo(ZONE)):%H:%M}" in text
    assert turn_notices_send(now=start - 29 * timedelta(minutes=1)) == 0


def test_a_schedule_without_notices_sends_none(people):
    schedule_create(name="Quiet", handoff=timezone.now() + 10 * timedelta(minutes=1), turn_hours=24,
                    members=[people[ANA]])
    assert turn_notices_send() == 0
