"""The weekly "Your next turns" text: at the weekday and local time a person chose, once a week,
however many times (or workers) the minute schedule runs. Every instant is fixed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from messaging.contacts import contact_upsert
from messaging.models import OutboundMessage
from oncall.models import SummaryPreference, WeeklySummary
from oncall.services import schedule_create
from oncall.summaries import weekly_summaries_send
from tests.support.incidents import ANA, BEN, CLEO
from tests.support.shifts import replies_to

pytestmark = pytest.mark.django_db
HANDOFF = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 08:00 PST, daily; turn k is member k mod 3
SET_UP = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)  # the Thursday before
DUE = datetime(2026, 3, 16, 16, 0, tzinfo=UTC)  # Monday 16 March, 09:00 PDT
# Turns starting within the week ahead: 17, 20 and (next Monday, before the next summary) 23 March.
EXPECTED = ("Your next turns: East gas Tue 08:00–Wed 08:00 PDT, East gas Fri 08:00–Sat 08:00 PDT, "
            "East gas Mon 08:00–Tue 08:00 PDT (America/Los_Angeles).")


@pytest.fixture
def ana(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: SET_UP)
    contacts = [contact_upsert(name=n, phone=p, email=f"{n.lower()}@example.com")[0]
                for n, p in (("Ana", ANA), ("Ben", BEN), ("Cleo", CLEO))]
    schedule_create(name="East gas", time_zone="America/Los_Angeles", handoff=HANDOFF, turn_hours=24,
                    members=contacts)
    SummaryPreference.objects.create(contact=contacts[0], weekday=0, local_time=time(9, 0))
    return contacts[0]


def test_sent_once_at_the_chosen_local_time_even_when_fired_twice(ana):
    assert weekly_summaries_send(now=DUE - timedelta(minutes=1)) == 0  # not yet
    assert weekly_summaries_send(now=DUE + timedelta(seconds=20)) == 1
    assert weekly_summaries_send(now=DUE + timedelta(seconds=20)) == 0  # a second worker, the same minute
    assert weekly_summaries_send(now=DUE + timedelta(minutes=1)) == 0  # the next minute's run
    assert weekly_summaries_send(now=DUE + timedelta(days=3)) == 0  # later that week
    assert replies_to(ANA) == [EXPECTED]
    assert WeeklySummary.objects.get().week == DUE.date()
    assert weekly_summaries_send(now=DUE + timedelta(days=7)) == 1  # the next Monday
    assert len(replies_to(ANA)) == 2 and replies_to(BEN) == []


def test_by_email_when_chosen(ana):
    SummaryPreference.objects.filter(contact=ana).update(channel="email")
    weekly_summaries_send(now=DUE)
    message = OutboundMessage.objects.get()
    assert (message.channel, message.recipient, message.body) == ("email", "ana@example.com", EXPECTED)


def test_in_the_persons_own_zone_when_set(ana):
    # 09:00 in London is 09:00 UTC on 16 March (before British Summer Time): due long before 09:00 PDT.
    SummaryPreference.objects.filter(contact=ana).update(time_zone="Europe/London")
    assert weekly_summaries_send(now=datetime(2026, 3, 16, 9, 0, tzinfo=UTC)) == 1
    assert replies_to(ANA)[0].startswith("Your next turns: East gas Tue 15:00–Wed 15:00 GMT")


def test_a_worker_down_for_hours_still_sends_but_not_days_late(ana):
    assert weekly_summaries_send(now=DUE + timedelta(hours=5)) == 1
    WeeklySummary.objects.all().delete()
    OutboundMessage.objects.all().delete()
    assert weekly_summaries_send(now=DUE + timedelta(days=1)) == 0


def test_a_minute_with_nothing_due_costs_the_same_few_queries_for_many_people(ana, django_assert_max_num_queries):
    from messaging.contacts import contact_upsert as upsert
    from oncall.models import ScheduleMember

    schedule = ScheduleMember.objects.get(contact=ana).schedule
    for i in range(30):
        person, _ = upsert(name=f"P{i}", phone=f"+1206555{400 + i:04d}")
        ScheduleMember.objects.create(schedule=schedule, contact=person, position=10 + i)
        SummaryPreference.objects.create(contact=person, weekday=3, local_time=time(9, 0))
    with django_assert_max_num_queries(4):
        assert weekly_summaries_send(now=DUE - timedelta(hours=1)) == 0
