"""`make run`'s demo: a fresh database gets a month of history, and the first report is full."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentEvent, IncidentStatus
from messaging.models import OptOut, OutboundMessage
from portal.demo import demo_seed
from portal.roles import ANALYST
from shifts.models import ShiftCampaign

pytestmark = pytest.mark.django_db


def test_a_fresh_demo_has_thirty_days_of_messages_incidents_campaigns_and_opt_outs():
    demo_seed()
    days = {timezone.localdate(at) for at in OutboundMessage.objects.values_list("created_at", flat=True)}
    assert len(days) == 30 and max(days) <= timezone.localdate()
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
    demo_seed()
    user = django_user_model.objects.create_user("ann", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    client.force_login(user)
    page = client.get("/admin/report/?days=30").content.decode()
    assert page.count('class="segment ') >= 30 * 3  # delivered, failed, suppressed... on every day
    for chart in ("chart-incident-weeks", "chart-incident-rates", "chart-delivery-weeks", "chart-spend",
                  "chart-responders", "chart-campaigns", "chart-consent"):
        assert f'id="{chart}"' in page, chart
    assert "Nothing in this period." not in page
