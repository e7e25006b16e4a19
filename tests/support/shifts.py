"""Helpers for the shift tests: an employee's SMS coming in, and what the portal sent back."""

from __future__ import annotations

import uuid

from django.test import TestCase

from messaging.inbound.router import inbound_sms_receive
from messaging.models import OutboundMessage

PORTAL_NUMBER = "+12065550100"


def sms_in(phone: str, body: str, *, inbound_id: str | None = None, previous: str = ""):
    """An inbound two-way SMS exactly as AWS End User Messaging publishes it to SNS.

    https://docs.aws.amazon.com/sms-voice/latest/userguide/two-way-sms.html (example payload):
    {"originationNumber": "+14255550182", "destinationNumber": "+12125550101", "messageKeyword": "JOIN",
     "messageBody": "EXAMPLE", "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
     "previousPublishedMessageId": "wJ0FDk2qBO2c9nuvs2Sq5zFQ2XAkfYy1nUL8YqA2M9xwPE8lGk5Uq8A0="}
    """
    # Replies are sent after commit; run those callbacks as a real request would (inside a
    # test's transaction they would otherwise never fire).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return inbound_sms_receive(payload={
            "originationNumber": phone,
            "destinationNumber": PORTAL_NUMBER,
            "messageKeyword": "KEYWORD_123456789012",
            "messageBody": body,
            "inboundMessageId": inbound_id or str(uuid.uuid4()),
            "previousPublishedMessageId": previous,
        })


def replies_to(phone: str, channel: str = "sms") -> list[str]:
    return list(OutboundMessage.objects.filter(recipient=phone, channel=channel).order_by("id")
                .values_list("body", flat=True))
