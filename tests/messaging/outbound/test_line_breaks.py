"""A text from a browser's textarea arrives with \\r\\n; what is sent has one \\n per break."""

from __future__ import annotations

import pytest

from messaging.models import OutboundMessage
from messaging.outbound.send import message_send, messages_send_bulk

pytestmark = pytest.mark.django_db


def test_a_single_send_stores_sends_and_counts_plain_line_breaks(locmem, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550101", body="Line one\r\nLine two\rLine three")
    msg.refresh_from_db()
    assert msg.body == "Line one\nLine two\nLine three"
    assert [m.body for m in locmem.outbox] == ["Line one\nLine two\nLine three"]


def test_a_bulk_send_stores_plain_line_breaks_for_shared_and_personal_bodies():
    ids = messages_send_bulk(channel="sms", recipients=["+12065550101", "+12065550102"], body="A\r\nB")
    assert set(OutboundMessage.objects.filter(pk__in=ids).values_list("body", flat=True)) == {"A\nB"}
    ids = messages_send_bulk(channel="sms", recipients=["+12065550103"], body="", bodies=["Hi Ann,\r\nsee you"])
    assert OutboundMessage.objects.get(pk=ids[0]).body == "Hi Ann,\nsee you"
