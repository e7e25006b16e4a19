"""Two emails from one sender processed at the same moment by two workers: one auto-reply."""

from __future__ import annotations

import pytest
from django.test import Client

from messaging.models import AutoReplySent, EmailAutoReply, InboundEmail, OutboundMessage
from tests.support.ses_receipt import OURS, mime, receipt
from tests.support.sns import body, sign_envelope
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_emails_from_one_sender_at_once_get_one_reply(sns_certs, locmem):
    EmailAutoReply.objects.create(match=OURS, text="Thanks {name}")
    for round_ in range(3):
        sender = f"ana{round_}@example.org"
        posts = [body(sign_envelope(receipt(mime(sender=sender, subject=f"Mail {i}")))) for i in range(4)]
        responses = together(*[lambda raw=raw: Client().post("/sns/", data=raw, content_type="text/plain")
                                for raw in posts])
        assert [r.status_code for r in responses] == [200] * 4
        assert InboundEmail.objects.filter(from_address=sender).count() == 4
        assert OutboundMessage.objects.filter(recipient=sender).count() == 1
        assert AutoReplySent.objects.filter(sender=sender).count() == 1
