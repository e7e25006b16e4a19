"""The simulator replies as a WhatsApp user: through the same pipeline, answered on WhatsApp."""

from __future__ import annotations

import pytest

from messaging.consent.keywords import OPT_OUT_REPLY
from messaging.models import InboundSms, NotificationStatus, OutboundMessage, WhatsAppOptOut

pytestmark = pytest.mark.django_db

PHONE = "+12065550178"


def test_a_whatsapp_stop_from_the_simulator_opts_out_of_whatsapp_and_is_answered_there(
        admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post("/simulator/api/reply/", data={"phone": PHONE, "body": "STOP", "channel": "whatsapp"},
                              content_type="application/json")
    assert r.status_code == 200, r.content
    inbound = InboundSms.objects.get()
    assert (inbound.channel, inbound.origination_number) == ("whatsapp", PHONE)
    assert (inbound.notification.kind, inbound.notification.status) == ("whatsapp_event", NotificationStatus.PROCESSED)
    assert WhatsAppOptOut.objects.get(phone=PHONE).active
    assert list(OutboundMessage.objects.values_list("channel", "body")) == [("whatsapp", OPT_OUT_REPLY)]
    convo = admin_client.get("/simulator/api/conversation/", {"phone": PHONE}).json()["messages"]
    assert [(m["direction"], m["channel"]) for m in convo] == [("in", "whatsapp"), ("out", "whatsapp")]


def test_an_unknown_reply_channel_is_a_400(admin_client):
    r = admin_client.post("/simulator/api/reply/", data={"phone": PHONE, "body": "hi", "channel": "pigeon"},
                          content_type="application/json")
    assert r.status_code == 400 and "channel" in r.json()
