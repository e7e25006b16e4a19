"""Email-in fixtures: an auto-reply rule made through the API, and receipts posted to /sns/."""

from __future__ import annotations

import pytest

from messaging.models import InboundEmail, NotificationKind, SnsNotification
from tests.support.ses_receipt import OURS, receipt


@pytest.fixture
def rule(api):
    response = api.post("/api/v1/email-auto-replies/", {
        "match": OURS, "subject_prefix": "Re:", "text": "Dear {name}, we got your email ({message_id}).",
        "html": "<p>Dear {name}, we got your email ({message_id}).</p>"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def receive(post_sns):
    """POST a receipt for ``msg`` through /sns/; returns the stored InboundEmail (or the
    notification, when nothing was stored)."""
    def send(msg, **kwargs):
        response, envelope = post_sns.message(receipt(msg, **kwargs))
        assert response.status_code == 200, response.content
        notification = SnsNotification.objects.get(message_id=envelope["MessageId"])
        assert notification.kind == NotificationKind.INBOUND_EMAIL
        return InboundEmail.objects.filter(notification=notification).first() or notification
    return send
