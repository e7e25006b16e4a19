"""/metrics: who may read it, and that its numbers are the portal's own, read from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from incidents.models import Incident, IncidentStatus
from messaging.models import NotificationKind, OutboundMessage, SenderPace, SnsNotification, Timer, TimerState

pytestmark = pytest.mark.django_db
TOKEN = "scrape-me-7f3a"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> str:
    r = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain")
    return r.content.decode()


def test_without_a_configured_token_there_is_no_metrics_page(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_a_missing_or_wrong_token_is_refused(client, metrics_on):
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert b"portal_" not in client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").content


def test_metrics_count_sends_notifications_incidents_queue_timers_and_senders(client, metrics_on):
    now = timezone.now()
    for status in ("delivered", "delivered", "failed"):
        OutboundMessage.objects.create(channel="sms", recipient="+14255550100", status=status)
    OutboundMessage.objects.create(channel="email", recipient="a@example.com", status="suppressed")
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", status="delivered",
                                   created_at=now - timedelta(days=3))  # outside the day's window
    SnsNotification.objects.create(message_id="m1", type="Notification", raw={}, kind=NotificationKind.INBOUND_SMS)
    Incident.objects.create(description="gas", status=IncidentStatus.NOT_ACKNOWLEDGED)
    Incident.objects.create(description="old", status=IncidentStatus.RESOLVED)
    OrmQ.objects.create(key="default", payload="x", lock=now - timedelta(seconds=30))
    OrmQ.objects.create(key="default", payload="y", lock=now + timedelta(hours=1))
    Timer.objects.create(callback="x.y", due_at=now - timedelta(minutes=5), fired_at=now - timedelta(minutes=5) +
                         timedelta(seconds=0.3), state=TimerState.FIRED)
    Timer.objects.create(callback="x.y", due_at=now - timedelta(minutes=4), fired_at=now - timedelta(minutes=4) +
                         timedelta(seconds=3), state=TimerState.FIRED)
    SenderPace.objects.create(sender="+18005550100", next_free_at=now + timedelta(seconds=20))

    text = scrape(client)

    assert 'portal_messages_last_day{channel="sms",outcome="delivered"} 2.0' in text
    assert 'portal_messages_last_day{channel="sms",outcome="failed"} 1.0' in text
    assert 'portal_messages_last_day{channel="email",outcome="suppressed"} 1.0' in text
    assert 'portal_sns_notifications_last_day{kind="inbound_sms",status="received"} 1.0' in text
    assert 'portal_incidents_open{status="not_acknowledged"} 1.0' in text
    assert 'portal_incidents_open{status="unacknowledged"} 0.0' in text
    assert "portal_queue_depth 1.0" in text and "portal_queue_scheduled 2.0" in text
    oldest = float(next(line.split()[1] for line in text.splitlines()
                        if line.startswith("portal_queue_oldest_due_seconds ")))
    assert 29 <= oldest < 60
    assert 'portal_timer_lateness_seconds_bucket{le="0.5"} 1.0' in text
    assert 'portal_timer_lateness_seconds_bucket{le="5.0"} 2.0' in text
    assert 'portal_timer_lateness_seconds_count 2.0' in text
    backlog = float(next(line.split()[1] for line in text.splitlines()
                         if line.startswith('portal_sender_backlog_seconds{sender="+18005550100"}')))
    assert 15 < backlog <= 20


def test_healthz_answers_200_while_the_database_answers(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["ok"] is True
