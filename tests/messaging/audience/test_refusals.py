"""Sends refused before any provider call: SMS to a landline, WhatsApp text outside the 24-hour window."""

from __future__ import annotations

import pytest
from django.utils import timezone

from incidents.models import Incident
from messaging.contacts import contact_upsert
from messaging.models import InboundSms, MessageStatus, NumberType, OutboundMessage
from messaging.outbound.send import message_send

pytestmark = pytest.mark.django_db

LANDLINE = "+442079460000"  # a London fixed-line number in phonenumbers' metadata
MOBILE = "+447911123456"


def test_a_contact_gets_its_number_type_offline():
    assert contact_upsert(name="Office", phone=LANDLINE)[0].number_type == NumberType.LANDLINE
    assert contact_upsert(name="Ana", phone=MOBILE)[0].number_type == NumberType.MOBILE


def test_sms_to_a_known_landline_fails_with_a_readable_reason(run, locmem):
    contact_upsert(name="Office", phone=LANDLINE)
    msg = run(message_send, channel="sms", recipient=LANDLINE, body="hello")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED and "landline" in msg.error and msg.error_code == "LANDLINE"
    assert locmem.outbox == []  # never handed to the provider


def test_sms_to_a_mobile_is_sent(run, locmem):
    contact_upsert(name="Ana", phone=MOBILE)
    msg = run(message_send, channel="sms", recipient=MOBILE, body="hello")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and len(locmem.outbox) == 1


def test_an_incident_pages_a_landline_by_voice_instead_of_sms(api, django_capture_on_commit_callbacks):
    contact_upsert(name="Office", phone=LANDLINE)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [LANDLINE]}, format="json")
    assert r.status_code == 201
    incident = Incident.objects.get()
    channels = list(OutboundMessage.objects.owned_by(incident).values_list("channel", flat=True))
    assert channels == ["voice"]


def test_whatsapp_text_outside_the_window_fails_saying_why(run, locmem, settings):
    settings.WHATSAPP_WINDOW_CHECK = True
    settings.WHATSAPP_WINDOW_TEMPLATE = ""
    msg = run(message_send, channel="whatsapp", recipient=MOBILE, body="free text")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED and "24 hours" in msg.error and locmem.outbox == []


def test_whatsapp_text_outside_the_window_goes_as_the_configured_template(run, locmem, settings):
    settings.WHATSAPP_WINDOW_CHECK = True
    settings.WHATSAPP_WINDOW_TEMPLATE = "portal_update"
    msg = run(message_send, channel="whatsapp", recipient=MOBILE, body="free text")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT
    assert locmem.outbox[0].options["template"] == {"name": "portal_update"}


def test_whatsapp_text_inside_the_window_is_sent_as_text(run, locmem, settings):
    settings.WHATSAPP_WINDOW_CHECK = True
    InboundSms.objects.create(inbound_message_id="wamid.x", origination_number=MOBILE, channel="whatsapp",
                              body="hi", received_at=timezone.now() - timezone.timedelta(hours=23))
    msg = run(message_send, channel="whatsapp", recipient=MOBILE, body="free text")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and "template" not in locmem.outbox[0].options
