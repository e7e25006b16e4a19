"""Helpers for the shift tests: an employee's SMS coming in, and what the portal sent back."""

from __future__ import annotations

import uuid

from django.test import TestCase

from messaging.inbound.router import inbound_sms_receive
from messaging.models import OutboundMessage
from tests.support.aws import INBOUND_TWO_WAY_SMS, example

PORTAL_NUMBER = "+12065550100"


def sms_in(phone: str, body: str, *, inbound_id: str | None = None, previous: str = ""):
    """AWS's two-way SMS example (tests.support.aws) as ``phone`` would send ``body`` to the portal."""
    # Replies are sent after commit; run those callbacks as a real request would (inside a
    # test's transaction they would otherwise never fire).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return inbound_sms_receive(payload=example(
            INBOUND_TWO_WAY_SMS, originationNumber=phone, destinationNumber=PORTAL_NUMBER,
            messageKeyword="KEYWORD_123456789012", messageBody=body,
            inboundMessageId=inbound_id or str(uuid.uuid4()), previousPublishedMessageId=previous))


def replies_to(phone: str, channel: str = "sms") -> list[str]:
    return list(OutboundMessage.objects.filter(recipient=phone, channel=channel).order_by("id")
                .values_list("body", flat=True))
