"""Provider callbacks become one delivery-event type; message status only moves forward."""

from __future__ import annotations

from decimal import Decimal

import pytest

from messaging.events.apply import delivery_event_apply
from messaging.events.aws import parse_provider_message
from messaging.events.types import NormalizedEvent
from messaging.models import DeliveryEvent, EventType, MessageStatus, OutboundMessage, Suppression
from tests.support.aws import (
    SES_BOUNCE,
    SES_COMPLAINT,
    SES_DELIVERY,
    SES_NOTIFICATION_BOUNCE,
    SMS_EVENT_RECORD,
    example,
    whatsapp_event,
)

SES_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA"


def one(message) -> NormalizedEvent:
    events = parse_provider_message(message)
    assert len(events) == 1
    return events[0]


# --------------------------------------------------------------------------- parsing


def test_the_documented_sms_event_record():
    e = one(SMS_EVENT_RECORD)
    assert (e.event_type, e.channel, e.provider_event) == (EventType.DELIVERED, "sms", "TEXT_SUCCESSFUL")
    assert e.provider_message_id == "862a8790-60c0-4430-9b2b-658bdexample"
    assert (e.parts, e.price) == (1, Decimal("0.09582"))
    assert e.recipient == "+14255550156"
    assert e.occurred_at.year == 2023
    assert e.raw == SMS_EVENT_RECORD


@pytest.mark.parametrize("event_type, expected, permanent", [
    ("TEXT_DELIVERED", EventType.DELIVERED, None),
    ("TEXT_SUCCESSFUL", EventType.DELIVERED, None),
    ("TEXT_QUEUED", EventType.QUEUED, None),
    ("TEXT_PENDING", EventType.SENT, None),
    ("TEXT_BLOCKED", EventType.FAILED, True),
    ("TEXT_INVALID", EventType.FAILED, True),
    ("TEXT_SPAM", EventType.FAILED, True),
    ("TEXT_CARRIER_UNREACHABLE", EventType.FAILED, False),
    ("TEXT_TTL_EXPIRED", EventType.FAILED, False),
    ("TEXT_UNREACHABLE", EventType.FAILED, False),
    ("TEXT_UNKNOWN", EventType.FAILED, False),
    ("VOICE_COMPLETED", EventType.DELIVERED, None),
    ("VOICE_ANSWERED", EventType.DELIVERED, None),
    ("VOICE_INITIATED", EventType.SENT, None),
    ("VOICE_RINGING", EventType.SENT, None),
    ("VOICE_BUSY", EventType.FAILED, False),
    ("VOICE_NO_ANSWER", EventType.FAILED, False),
    ("VOICE_FAILED", EventType.FAILED, True),
    ("VOICE_SOMETHING_NEW", EventType.UNKNOWN, None),
])
def test_sms_and_voice_event_types(event_type, expected, permanent):
    e = one(example(SMS_EVENT_RECORD, eventType=event_type))
    assert e.event_type == expected
    assert e.permanent is permanent
    assert e.channel == ("voice" if event_type.startswith("VOICE_") else "sms")


@pytest.mark.parametrize("payload, expected, permanent", [
    (SES_BOUNCE, EventType.BOUNCED, True),
    (SES_COMPLAINT, EventType.COMPLAINED, None),
    (SES_DELIVERY, EventType.DELIVERED, None),
    (SES_NOTIFICATION_BOUNCE, EventType.BOUNCED, True),
])
def test_documented_ses_events(payload, expected, permanent):
    e = one(payload)
    assert (e.event_type, e.channel, e.permanent) == (expected, "email", permanent)
    assert e.provider_message_id == payload["mail"]["messageId"]
    assert e.raw == payload


@pytest.mark.parametrize("kind, expected", [
    ("Send", EventType.SENT), ("Reject", EventType.FAILED), ("Rendering Failure", EventType.FAILED),
    ("DeliveryDelay", EventType.SENT), ("Open", EventType.READ), ("Click", EventType.READ),
    ("Subscription", EventType.UNKNOWN), ("SomethingNew", EventType.UNKNOWN),
])
def test_other_ses_event_types(kind, expected):
    payload = {"eventType": kind, "mail": SES_BOUNCE["mail"]}
    if kind == "Rendering Failure":
        payload["failure"] = {"errorMessage": "Attribute 'name' is not present in the rendering data.",
                              "templateName": "MyTemplate"}
    e = one(payload)
    assert e.event_type == expected
    if kind in ("Reject", "Rendering Failure"):
        assert e.permanent is True
    if kind == "Rendering Failure":
        assert "rendering data" in e.description


@pytest.mark.parametrize("bounce_type, permanent", [("Permanent", True), ("Transient", False),
                                                    ("Undetermined", None)])
def test_ses_bounce_type_is_kept_as_permanent(bounce_type, permanent):
    payload = example(SES_BOUNCE)
    payload["bounce"] = dict(payload["bounce"], bounceType=bounce_type)
    e = one(payload)
    assert (e.event_type, e.permanent) == (EventType.BOUNCED, permanent)
    assert bounce_type in e.description


@pytest.mark.parametrize("status, expected", [
    ("sent", EventType.SENT), ("delivered", EventType.DELIVERED), ("read", EventType.READ),
    ("failed", EventType.FAILED), ("deleted", EventType.UNKNOWN),
])
def test_whatsapp_statuses(status, expected):
    e = one(whatsapp_event(status=status))
    assert (e.event_type, e.channel) == (expected, "whatsapp")
    assert e.provider_message_id == WAMID
    assert e.alt_message_id == "6d69f07a-c317-4278-9d5c-6a84078419ec"
    assert e.recipient == "+16505551234"


def test_not_an_event_is_no_event():
    assert parse_provider_message({"hello": "world"}) == []
    assert parse_provider_message({"whatsAppWebhookEntry": "not json"}) == []
    assert parse_provider_message({"eventType": "Bounce"}) == []  # no mail object: not SES


# --------------------------------------------------------------------------- applying



def _msg(channel="sms", **kw):
    defaults = {"recipient": "+14255550156" if channel != "email" else "recipient@example.com",
                "status": MessageStatus.SENT}
    return OutboundMessage.objects.create(channel=channel, **(defaults | kw))


@pytest.mark.django_db
def test_status_never_moves_backwards():
    m = _msg(provider_message_id="862a8790-60c0-4430-9b2b-658bdexample")
    for event_type in ("TEXT_SUCCESSFUL", "TEXT_PENDING", "TEXT_QUEUED", "TEXT_CARRIER_UNREACHABLE"):
        for e in parse_provider_message(example(SMS_EVENT_RECORD, eventType=event_type)):
            delivery_event_apply(event=e)
    m.refresh_from_db()
    assert m.status == MessageStatus.DELIVERED
    assert DeliveryEvent.objects.filter(message=m).count() == 4  # every callback is still kept


@pytest.mark.django_db
def test_failed_then_delivered_ends_delivered_and_keeps_price_and_parts():
    m = _msg(provider_message_id="862a8790-60c0-4430-9b2b-658bdexample")
    delivery_event_apply(event=one(example(SMS_EVENT_RECORD, eventType="TEXT_CARRIER_UNREACHABLE",
                                           totalMessageParts=2, totalMessagePrice=0.01)))
    m.refresh_from_db()
    assert (m.status, m.error_code) == (MessageStatus.FAILED, "TEXT_CARRIER_UNREACHABLE")
    delivery_event_apply(event=one(SMS_EVENT_RECORD))
    m.refresh_from_db()
    assert m.status == MessageStatus.DELIVERED
    assert (m.parts, m.price) == (1, Decimal("0.095820"))


@pytest.mark.django_db
def test_whatsapp_read_counts_as_delivered_and_matches_by_wamid_or_aws_id():
    by_wamid = _msg("whatsapp", provider_message_id="aws-1", provider_alt_id=WAMID)
    delivery_event_apply(event=one(whatsapp_event(status="read", aws_message_id="other")))
    by_wamid.refresh_from_db()
    assert by_wamid.status == MessageStatus.DELIVERED

    # The AWS transport only learns the AWS messageId; the event teaches us the wamid.
    by_aws = _msg("whatsapp", provider_message_id="aws-2")
    delivery_event_apply(event=one(whatsapp_event(status="sent", wamid="wamid.NEW", aws_message_id="aws-2")))
    by_aws.refresh_from_db()
    assert (by_aws.status, by_aws.provider_alt_id) == (MessageStatus.SENT, "wamid.NEW")
    delivery_event_apply(event=one(whatsapp_event(status="failed", wamid="wamid.NEW", aws_message_id="",
                                                  errors=[{"code": 131026, "title": "Message undeliverable"}])))
    by_aws.refresh_from_db()
    assert by_aws.status == MessageStatus.FAILED and "undeliverable" in by_aws.error


@pytest.mark.django_db
def test_complaint_does_not_change_status_but_suppresses(post_sns):
    m = _msg("email", provider_message_id=SES_ID, status=MessageStatus.DELIVERED)
    post_sns.message(SES_COMPLAINT)
    m.refresh_from_db()
    assert m.status == MessageStatus.DELIVERED
    assert DeliveryEvent.objects.get().event_type == EventType.COMPLAINED
    assert Suppression.objects.get().address == "recipient@example.com"


@pytest.mark.django_db
def test_permanent_bounce_fails_the_message_and_suppresses_every_bounced_address(post_sns):
    m = _msg("email", provider_message_id=SES_ID)
    post_sns.message(SES_BOUNCE)
    m.refresh_from_db()
    assert m.status == MessageStatus.FAILED
    assert list(Suppression.objects.values_list("address", "reason")) == [("recipient@example.com", "bounce")]
    post_sns.message(SES_NOTIFICATION_BOUNCE)
    assert Suppression.objects.filter(address="jane@example.com").exists()
    assert not Suppression.objects.filter(address="mary@example.com").exists()  # she did not bounce


@pytest.mark.django_db
def test_transient_bounce_does_not_suppress(post_sns):
    payload = example(SES_BOUNCE)
    payload["bounce"] = dict(payload["bounce"], bounceType="Transient", bounceSubType="MailboxFull")
    post_sns.message(payload)
    assert DeliveryEvent.objects.get().permanent is False
    assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_suppressed_address_gets_no_more_email(post_sns, locmem):
    from messaging.outbound.send import message_send

    post_sns.message(SES_BOUNCE)
    m = message_send(channel="email", recipient="Recipient@Example.com", subject="Hi", body="again")
    assert m.status == MessageStatus.SUPPRESSED
    assert locmem.outbox == []


@pytest.mark.django_db
def test_ses_delivery_event_marks_the_email_delivered(post_sns):
    m = _msg("email", provider_message_id=SES_ID)
    post_sns.message(SES_DELIVERY)
    m.refresh_from_db()
    assert m.status == MessageStatus.DELIVERED


# --------------------------------------------------------------------------- outcome hooks

heard = []


def recording_hook(*, event):
    heard.append((event.event_type, event.message_id, event.message.status if event.message else None))


@pytest.mark.django_db(transaction=True)
def test_outcome_hooks_hear_each_event_after_commit(settings, post_sns):
    settings.DELIVERY_OUTCOME_HOOKS = ["tests.messaging.inbound.test_events.recording_hook"]
    heard.clear()
    m = _msg(provider_message_id="862a8790-60c0-4430-9b2b-658bdexample")
    post_sns.message(SMS_EVENT_RECORD)
    assert heard == [(EventType.DELIVERED, m.pk, MessageStatus.DELIVERED)]
    post_sns.message(example(SMS_EVENT_RECORD, messageId="not-ours"))
    assert len(heard) == 1  # nobody to tell about a message we never sent
