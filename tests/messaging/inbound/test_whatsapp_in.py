"""WhatsApp messages in (CONTRACT.md "Inbound WhatsApp"): the same handlers as SMS, answers on WhatsApp."""

from __future__ import annotations

import itertools

import pytest

from messaging.consent.keywords import OPT_OUT_REPLY
from messaging.contacts import allow_list_add, contact_upsert
from messaging.models import InboundSms, MessageStatus, OptOut, OutboundMessage, WhatsAppOptOut
from messaging.outbound.send import message_send
from shifts import services as shifts
from tests.support.aws import WHATSAPP_TEXT_ENTRY, whatsapp_text_event

pytestmark = pytest.mark.django_db

PHONE = "+" + WHATSAPP_TEXT_ENTRY["changes"][0]["value"]["messages"][0]["from"]
_ids = itertools.count()


def whatsapp_in(post_sns, body: str, phone: str = PHONE) -> InboundSms:
    wamid = f"wamid.test-{next(_ids)}"
    response, _ = post_sns.message(whatsapp_text_event(phone=phone, body=body, wamid=wamid))
    assert response.status_code == 200
    return InboundSms.objects.get(inbound_message_id=wamid)


def answers(phone: str = PHONE, channel: str = "whatsapp") -> list[str]:
    return list(OutboundMessage.objects.filter(recipient=phone, channel=channel).order_by("id")
                .values_list("body", flat=True))


def test_the_documented_text_message_is_stored_as_whatsapp_with_its_fields(post_sns):
    row = whatsapp_in(post_sns, "hello there")
    assert (row.channel, row.origination_number, row.destination_number, row.body) == (
        "whatsapp", PHONE, "+12125550101", "hello there")


def test_stop_on_whatsapp_opts_out_of_whatsapp_only_and_is_answered_there(post_sns):
    row = whatsapp_in(post_sns, "STOP")
    assert row.handled_by == "messaging.consent.consent_handler" and "WhatsApp" in row.outcome
    assert WhatsAppOptOut.objects.get(phone=PHONE).active
    assert not OptOut.objects.filter(phone=PHONE).exists()
    assert answers() == [OPT_OUT_REPLY] and answers(channel="sms") == []
    later = message_send(channel="whatsapp", recipient=PHONE, body="news")
    assert later.status == MessageStatus.SUPPRESSED
    assert message_send(channel="sms", recipient=PHONE, body="news").status == MessageStatus.QUEUED


def test_start_on_whatsapp_opts_back_in(post_sns):
    whatsapp_in(post_sns, "STOP")
    whatsapp_in(post_sns, "start")
    assert not WhatsAppOptOut.objects.get(phone=PHONE).active
    assert message_send(channel="whatsapp", recipient=PHONE, body="news").status == MessageStatus.QUEUED


def test_a_shift_code_on_whatsapp_books_and_the_answer_goes_back_on_whatsapp(post_sns):
    contact_upsert(name="Ana", phone=PHONE)
    allow_list_add(phone=PHONE, scope="shifts")
    shifts.shift_create(code="WA1234", info="Night shift")
    row = whatsapp_in(post_sns, "wa1234")
    assert row.outcome == "booked shift WA1234"
    assert shifts.shift_get(code="WA1234").booked_phone == PHONE
    [answer] = answers()
    assert "WA1234" in answer and answers(channel="sms") == []


def test_a_redelivered_whatsapp_message_is_acted_on_once(post_sns):
    contact_upsert(name="Ana", phone=PHONE)
    allow_list_add(phone=PHONE, scope="shifts")
    shifts.shift_create(code="WA1234", info="Night shift")
    event = whatsapp_text_event(phone=PHONE, body="WA1234", wamid="wamid.once")
    post_sns.message(event)
    post_sns.message(event)  # a new SNS MessageId, the same WhatsApp message
    assert InboundSms.objects.count() == 1 and len(answers()) == 1


def test_a_status_event_is_still_applied_and_routes_nothing(post_sns):
    from tests.support.aws import whatsapp_event

    response, _ = post_sns.message(whatsapp_event(status="delivered"))
    assert response.status_code == 200 and InboundSms.objects.count() == 0


def test_yes_on_whatsapp_acknowledges_an_incident_that_paged_that_contact(post_sns, api):
    from incidents.models import Incident, IncidentStatus

    with post_sns.capture(execute=True):
        r = api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [PHONE]}, format="json")
    assert r.status_code == 201
    row = whatsapp_in(post_sns, "yes")
    assert row.handled_by == "incidents.inbound.incident_reply_handler"
    assert Incident.objects.get().status == IncidentStatus.ACKNOWLEDGED
    assert len(answers()) == 1  # the acknowledgement's answer, on WhatsApp
