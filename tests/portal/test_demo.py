"""`make run`'s demo: a fresh database gets a month of history, and the first report is full.

The demo is laid out from the ``now`` it is given. The page tests seed it from the real clock
(the report page reads that clock too) and assert what holds on every day; the others pass fixed
instants computed from today (just after midnight, just before, a DST change in the demo's zone)
so that the hours a `make test` rarely runs at are tried on every run.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentEvent, IncidentStatus
from messaging.models import MessageStatus, OptOut, OutboundMessage
from messaging.reports import delivery_report
from oncall.demo import DEMO_ZONE
from portal.demo import demo_seed
from portal.roles import ANALYST
from shifts.models import ShiftCampaign
from tests.support.clock import clear_of_midnight
from tests.support.oncall import next_dst_change

pytestmark = pytest.mark.django_db


def month(today):
    return {today - timedelta(days=back) for back in range(30)}


def test_a_fresh_demo_has_thirty_days_of_messages_incidents_campaigns_and_opt_outs():
    demo_seed(now=timezone.now())
    days = {timezone.localdate(at) for at in OutboundMessage.objects.values_list("created_at", flat=True)}
    assert days == month(timezone.localdate())  # every day of the month, today included, and no other
    assert 1000 <= OutboundMessage.objects.count() <= 10000
    assert set(OutboundMessage.objects.values_list("channel", flat=True)) == {"sms", "email", "whatsapp", "voice"}
    statuses = set(Incident.objects.values_list("status", flat=True))
    assert {IncidentStatus.RESOLVED, IncidentStatus.UNACKNOWLEDGED} <= statuses
    assert Incident.objects.filter(acknowledged_at__isnull=False, level=2).exists()  # escalated, then taken
    assert IncidentEvent.objects.filter(kind=EventKind.DECLINED).exists()
    assert IncidentEvent.objects.filter(kind=EventKind.UNACKNOWLEDGED).exists()
    assert ShiftCampaign.objects.filter(booked_shifts__isnull=False).exists()
    assert OptOut.objects.exists()


def test_seeding_again_adds_nothing():
    demo_seed()
    counts = OutboundMessage.objects.count(), Incident.objects.count(), ShiftCampaign.objects.count()
    demo_seed()
    assert (OutboundMessage.objects.count(), Incident.objects.count(), ShiftCampaign.objects.count()) == counts


def test_the_first_report_an_analyst_opens_shows_the_month(client, django_user_model):
    clear_of_midnight()  # the demo and the page both read the real clock: the same day for both
    demo_seed()
    user = django_user_model.objects.create_user("ann", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    client.force_login(user)
    page = client.get("/admin/report/?days=30").content.decode()
    bars = re.findall(r'<g class="bar">(.*?)</g>', page)
    # A bar for each of the thirty days, today's included, each with delivered messages in it;
    # and over the month the failures and suppressions an analyst looks for.
    assert len(bars) == 30
    assert all('class="segment delivered"' in bar for bar in bars)
    for status in (MessageStatus.FAILED, MessageStatus.SUPPRESSED, MessageStatus.SENT):
        assert sum(f'class="segment {status}"' in bar for bar in bars) >= 5, status
    for chart in ("chart-incident-weeks", "chart-incident-rates", "chart-delivery-weeks", "chart-spend",
                  "chart-responders", "chart-campaigns", "chart-consent"):
        assert f'id="{chart}"' in page, chart
    assert "Nothing in this period." not in page


def _at(day_offset: int, clock: time):
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=day_offset), clock))


@pytest.mark.parametrize("when", ["just after midnight", "just before midnight", "a DST change in the demo's zone"])
def test_the_demo_fills_every_day_of_the_month_whatever_the_hour_it_is_seeded_at(when, settings):
    if when == "a DST change in the demo's zone":
        settings.TIME_ZONE = DEMO_ZONE  # a site in the rota's zone: its days are 23 and 25 hours long
        now = next_dst_change(DEMO_ZONE, after=timezone.now()) + timedelta(minutes=5)
    else:
        now = _at(1, time(0, 0, 30)) if when == "just after midnight" else _at(1, time(23, 59, 30))
    demo_seed(now=now)
    report = delivery_report(days=30, now=now)
    assert report.days[-1] == timezone.localdate(now)
    assert all(report.daily[day][MessageStatus.DELIVERED] > 0 for day in report.days), when
    assert not OutboundMessage.objects.filter(created_at__lt=report.since).exists()
