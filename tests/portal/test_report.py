"""The delivery report: the numbers behind it, who may see it, and that it draws the days."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import Incident, IncidentStatus
from messaging.models import MessageStatus, OutboundMessage
from messaging.reports import delivery_report, percentile
from shifts.models import Shift, ShiftStatus
from tests.support.clock import on_day_ago

pytestmark = pytest.mark.django_db


def log(channel="sms", status=MessageStatus.DELIVERED, *, days_ago=0, seconds_to_deliver=None, price=None):
    created = on_day_ago(days_ago)  # on that local day even at 00:00:30, when now - 1 min is yesterday
    sent = created + timedelta(seconds=1)
    return OutboundMessage.objects.create(
        channel=channel, recipient="+14255550100" if channel != "email" else "a@example.com", status=status,
        created_at=created, sent_at=sent, price=price,
        delivered_at=sent + timedelta(seconds=seconds_to_deliver) if seconds_to_deliver is not None else None)


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 11)], 90) == 9.0


def test_counts_by_day_status_and_channel_with_delivery_times_and_spend():
    for s in (2, 4, 6, 8):
        log(seconds_to_deliver=s, price=Decimal("0.0058"))
    log(status=MessageStatus.FAILED, days_ago=1)
    log("email", MessageStatus.DELIVERED, days_ago=2, seconds_to_deliver=30)
    log("email", MessageStatus.SUPPRESSED, days_ago=2)
    log(days_ago=20)  # outside a 14-day window

    report = delivery_report(days=14)

    today = timezone.localdate()
    assert len(report.days) == 14 and report.days[-1] == today
    assert report.daily[today][MessageStatus.DELIVERED] == 4
    assert report.daily[today - timedelta(days=1)][MessageStatus.FAILED] == 1
    assert report.total == 7
    sms, email = {c.channel: c for c in report.channels}["sms"], {c.channel: c for c in report.channels}["email"]
    assert (sms.total, sms.delivered_share) == (5, 0.8)
    assert (sms.seconds_to_deliver_p50, sms.seconds_to_deliver_p90) == (4.0, 8.0)
    assert sms.spend == Decimal("0.0232")
    assert email.by_status == {"delivered": 1, "suppressed": 1} and email.delivered_share == 1.0
    assert [c.channel for c in report.channels] == ["sms", "email"]  # channels with no messages are left out


def test_an_empty_period_has_no_channels_and_no_shares():
    report = delivery_report(days=7)
    assert report.total == 0 and report.channels == []
    with pytest.raises(ValueError):
        delivery_report(days=0)


@pytest.fixture
def analyst(client, django_user_model):
    user = django_user_model.objects.create_user("ana", password="pw-123-analyst", is_staff=True)
    user.groups.set([Group.objects.get(name="analyst")])
    client.force_login(user)
    return client


def test_an_analyst_sees_the_report_with_the_numbers_and_the_chart(analyst):
    log(seconds_to_deliver=3)
    log(status=MessageStatus.FAILED)
    now = timezone.now()
    Incident.objects.create(description="Gas leak", status=IncidentStatus.ACKNOWLEDGED,
                            created_at=now - timedelta(minutes=5), acknowledged_at=now - timedelta(minutes=3))
    Incident.objects.create(description="Flood", status=IncidentStatus.UNACKNOWLEDGED)
    Shift.objects.create(code="A1", info="Picker", status=ShiftStatus.TAKEN, booked_at=now)
    Shift.objects.create(code="B2", info="Driver", status=ShiftStatus.EXPIRED)

    page = analyst.get("/admin/report/?days=7").content.decode()

    assert "Delivery report" in page and "last 7 days" in page
    assert page.count('class="segment delivered"') == 1 and page.count('class="segment failed"') == 1
    assert "50.0%" in page  # one SMS delivered of two decided
    assert "2 min 0 s" in page  # the acknowledgement came two minutes in
    assert "50.0% acknowledged" in page and "50.0% filled" in page


def test_a_bad_period_falls_back_to_two_weeks(analyst):
    assert '<option value="14" selected>' in analyst.get("/admin/report/?days=lots").content.decode()


def test_the_report_needs_a_staff_login_and_the_message_log_permission(client, django_user_model):
    assert client.get("/admin/report/").status_code == 302  # to the login page
    user = django_user_model.objects.create_user("nobody", password="pw-123-nobody", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/report/").status_code == 403
    assert "Delivery report" not in client.get("/admin/").content.decode()


def test_the_admin_home_links_to_the_report(analyst):
    assert 'href="/admin/report/"' in analyst.get("/admin/").content.decode()
