"""A simulated delivery event carries the time it happened, on every channel.

The simulated SES event once carried a fixed example date (2026-01-01 00:00), so a simulated
email showed as delivered eleven months before it was sent, in the admin and in the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from messaging.models import MessageStatus, OutboundMessage
from messaging.outbound.send import message_send

pytestmark = pytest.mark.django_db

RECIPIENTS = {"sms": "+12065550177", "voice": "+12065550177", "whatsapp": "+12065550178",
              "email": "ann@example.com"}


@pytest.mark.parametrize("outcome", ["delivered", "failed"])
@pytest.mark.parametrize("channel", sorted(RECIPIENTS))
def test_a_simulated_event_is_stored_at_the_time_it_happened(admin_client, api, channel, outcome,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel=channel, recipient=RECIPIENTS[channel], body="Shift tomorrow 08:00",
                           subject="Rota" if channel == "email" else "")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and msg.sent_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post("/simulator/api/mark/", data={"message_id": msg.pk, "outcome": outcome},
                              content_type="application/json")
    assert r.status_code == 200, r.content
    msg.refresh_from_db()
    at = msg.delivered_at if outcome == "delivered" else msg.failed_at
    assert msg.status == outcome
    sent = msg.sent_at.replace(microsecond=0)  # WhatsApp's statuses carry whole seconds
    assert sent <= at <= timezone.now()
    assert timezone.now() - at < timedelta(minutes=1)
    event = msg.events.get()
    assert sent <= event.occurred_at <= timezone.now()

    if outcome == "delivered":  # the API's message log says the same
        row = api.get("/api/v1/message-log/", {"recipient": RECIPIENTS[channel]}).json()["results"][0]
        assert row["id"] == msg.pk
        assert datetime.fromisoformat(row["delivered_at"]) >= datetime.fromisoformat(row["sent_at"]).replace(
            microsecond=0)


def test_the_message_page_shows_the_delivery_after_the_send(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="email", recipient="ann@example.com", subject="Rota", body="Shift tomorrow")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/simulator/api/mark/", data={"message_id": msg.pk, "outcome": "delivered"},
                          content_type="application/json")
    msg = OutboundMessage.objects.get(pk=msg.pk)
    page = admin_client.get(f"/admin/messaging/outboundmessage/{msg.pk}/change/").content.decode()
    shown = timezone.localtime(msg.delivered_at)
    assert f"{shown:%Y}" in page and "2026-01-01" not in page and "Jan. 1, 2026" not in page
