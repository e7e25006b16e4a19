"""POST /sns/ never answers 500: hostile or odd bodies get a clear 400/403, and odd but genuine
content (a NUL, a lone surrogate inside a signed Message) is stored faithfully and acted on.

Each case here was first reproduced as a 500 (or an unstorable row on PostgreSQL) through the
test client. Every test runs on SQLite and PostgreSQL alike; the NUL cases are the ones that
PostgreSQL's text and jsonb types refuse, so they matter most there.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from messaging.inbound import notifications
from messaging.inbound import sns_storage as sns
from messaging.models import (
    DeliveryEvent,
    InboundSms,
    MessageStatus,
    NotificationKind,
    NotificationStatus,
    OutboundMessage,
    SnsNotification,
)
from tests.support.aws import INBOUND_TWO_WAY_SMS, SMS_EVENT_RECORD, example
from tests.support.sns import body, resign, sign_envelope

pytestmark = pytest.mark.django_db

SENDER = INBOUND_TWO_WAY_SMS["originationNumber"]


def _nothing_stored():
    return not SnsNotification.objects.exists() and not InboundSms.objects.exists()


def _post(client, raw: bytes | str):
    # raise_request_exception=False: a crash must show up as the 500 SNS would see, not as a
    # traceback in the test.
    return Client(raise_request_exception=False).post("/sns/", data=raw, content_type="text/plain")


# --------------------------------------------------------------------------- wrong field types


@pytest.mark.parametrize("value", [[], {}, 1, 1.5, True, ["Notification"]])
def test_a_type_that_is_not_a_string_is_400(sns_certs, db, value):
    response = _post(None, json.dumps({"Type": value}))
    assert response.status_code == 400
    assert b"Type" in response.content
    assert _nothing_stored()


@pytest.mark.parametrize("field", ["MessageId", "Message", "Timestamp", "Signature", "SignatureVersion",
                                   "SigningCertURL", "TopicArn", "Subject", "UnsubscribeURL"])
@pytest.mark.parametrize("value", [[], {"a": 1}, 7, False])
def test_any_sns_field_of_the_wrong_type_is_400(sns_certs, db, field, value):
    envelope = sign_envelope(json.dumps(INBOUND_TWO_WAY_SMS)) | {field: value}
    response = _post(None, body(envelope))
    assert response.status_code == 400
    assert field.encode() in response.content
    assert _nothing_stored()


@pytest.mark.parametrize("field, value", [("Token", []), ("SubscribeURL", {"u": 1}), ("SigningCertUrl", 5)])
def test_confirmation_and_lambda_fields_of_the_wrong_type_are_400(sns_certs, db, field, value):
    envelope = sign_envelope("confirm", type="SubscriptionConfirmation")
    if field == "SigningCertUrl":  # Lambda's spelling of SigningCertURL
        del envelope["SigningCertURL"]
    envelope[field] = value
    assert _post(None, body(envelope)).status_code == 400
    assert _nothing_stored()


def test_a_message_id_longer_than_the_column_is_400(sns_certs, db):
    envelope = sign_envelope("x", message_id="m" * 101)
    response = _post(None, body(envelope))
    assert response.status_code == 400
    assert b"MessageId" in response.content
    assert _nothing_stored()


# --------------------------------------------------------------------------- lone surrogates


@pytest.mark.parametrize("field", ["TopicArn", "Subject", "MessageId", "Message", "UnsubscribeURL"])
def test_a_lone_surrogate_in_an_envelope_field_is_400(sns_certs, db, field):
    envelope = sign_envelope("hello", subject="Hi")
    text = body(envelope).decode()
    # Written as the JSON escape, which json.loads turns into a lone surrogate no UTF-8 can hold.
    raw = text.replace(f'"{field}": "', f'"{field}": "\\ud800', 1)
    assert raw != text
    response = _post(None, raw)
    assert response.status_code == 400
    assert b"Unicode" in response.content
    assert _nothing_stored()


def test_a_lone_surrogate_in_a_key_or_unsigned_extra_is_400(sns_certs, db):
    envelope = sign_envelope("hello")
    raw = body(envelope).decode()[:-1] + ', "MessageAttributes": {"\\udfff": {"Type": "String", "Value": "x"}}}'
    assert _post(None, raw).status_code == 400
    assert _nothing_stored()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_in_an_unsigned_extra_is_400_and_nothing_stored(sns_certs, db, constant):
    envelope = sign_envelope("hello")
    raw = body(envelope).decode()[:-1] + f', "X-Extra": {constant}}}'
    response = _post(None, raw)
    assert response.status_code == 400 and b"not JSON" in response.content
    assert _nothing_stored()


def test_a_lone_surrogate_inside_a_signed_inbound_sms_is_routed_with_a_replacement(post_sns, locmem):
    # The envelope is plain ASCII (the inner JSON carries the escape), so SNS can sign it.
    message = json.dumps(INBOUND_TWO_WAY_SMS | {"messageBody": "HELP \ud800"})
    assert "\\ud800" in message
    response, envelope = post_sns.message(message)
    assert response.status_code == 200
    inbound = InboundSms.objects.get()
    assert inbound.body == "HELP \ufffd"
    n = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert n.status == NotificationStatus.PROCESSED
    assert json.loads(notifications.notification_envelope(n)["Message"])["messageBody"] == "HELP \ud800"


# --------------------------------------------------------------------------- deep nesting


@pytest.mark.parametrize("raw", [b"[" * 100000, b'{"Type": ' + b"[" * 100000 + b"]" * 100000 + b"}",
                                 b'{"a":' * 50000 + b"1" + b"}" * 50000])
def test_absurdly_nested_json_is_400(sns_certs, db, raw):
    assert _post(None, raw).status_code == 400
    assert _nothing_stored()


@pytest.mark.parametrize("depth", [60, 900, 5000])
def test_deep_nesting_in_an_unsigned_extra_of_a_signed_body_is_400(sns_certs, db, depth):
    raw = body(sign_envelope("hello")).decode()[:-1] + ', "MessageAttributes": ' + "[" * depth + "]" * depth + "}"
    response = _post(None, raw)
    assert response.status_code == 400
    assert _nothing_stored()


def test_lambda_message_attributes_are_not_too_deep(post_sns):
    envelope = sign_envelope("hello") | {"MessageAttributes": {"Test": {"Type": "String", "Value": "x"}}}
    assert post_sns.envelope(envelope).status_code == 200


@pytest.mark.parametrize("depth", [900, 5000])
def test_deep_nesting_inside_a_signed_message_is_stored_and_not_acted_on(post_sns, depth):
    response, envelope = post_sns.message("[" * depth + "]" * depth)
    assert response.status_code == 200
    n = SnsNotification.objects.get()
    assert (n.kind, n.status) == (NotificationKind.OTHER, NotificationStatus.IGNORED)
    assert notifications.notification_envelope(n)["Message"] == envelope["Message"]


# --------------------------------------------------------------------------- NUL


def test_a_nul_in_a_signed_plain_message_is_stored_faithfully(post_sns):
    response, envelope = post_sns.message("before\x00after", subject="with\x00nul")
    assert response.status_code == 200
    n = SnsNotification.objects.get()
    assert (n.kind, n.status) == (NotificationKind.OTHER, NotificationStatus.IGNORED)
    # Readable in the admin and its columns, and the exact envelope can be had back.
    assert n.subject == "with\ufffdnul"
    assert n.raw["Message"] == "before\ufffdafter"
    restored = notifications.notification_envelope(n)
    assert restored == envelope
    # A redelivery is still recognised as one.
    assert post_sns.envelope(envelope).status_code == 200
    assert SnsNotification.objects.count() == 1


def test_a_nul_in_an_inbound_sms_is_routed_with_the_nul_removed(post_sns, locmem):
    response, envelope = post_sns.message(INBOUND_TWO_WAY_SMS | {"messageBody": "HE\x00LP\x00"})
    assert response.status_code == 200
    inbound = InboundSms.objects.get()
    assert inbound.body == "HELP"
    assert inbound.raw["messageBody"] == "HELP"
    # HELP was understood: the sender got the help reply.
    assert [m.recipient for m in locmem.outbox] == [SENDER]
    n = SnsNotification.objects.get()
    assert (n.kind, n.status) == (NotificationKind.INBOUND_SMS, NotificationStatus.PROCESSED)
    assert json.loads(notifications.notification_envelope(n)["Message"])["messageBody"] == "HE\x00LP\x00"


def test_a_raw_nul_character_inside_the_message_json_is_still_an_inbound_sms(post_sns, locmem):
    # Not escaped as \u0000 but a bare control character, which strict JSON refuses in a string.
    message = json.dumps(INBOUND_TWO_WAY_SMS | {"messageBody": "HELP#"}).replace("#", "\x00")
    response, _ = post_sns.message(message)
    assert response.status_code == 200
    assert InboundSms.objects.get().body == "HELP"
    assert [m.recipient for m in locmem.outbox] == [SENDER]


@pytest.mark.parametrize("fast", [True, False], ids=["one-statement", "orm"])
def test_a_nul_in_a_delivery_event_is_applied(post_sns, monkeypatch, fast):
    if not fast:
        monkeypatch.setattr(notifications, "fast_path_applies", lambda events: False)
    msg = OutboundMessage.objects.create(channel="sms", recipient="+14255550156", body="Hello",
                                         status=MessageStatus.SENT, provider_message_id=SMS_EVENT_RECORD["messageId"])
    event = example(SMS_EVENT_RECORD, messageStatusDescription="accepted\x00by carrier\ud800",
                    context={"a\x00": "b\x00"})
    response, envelope = post_sns.message(event)
    assert response.status_code == 200
    msg.refresh_from_db()
    assert msg.status == MessageStatus.DELIVERED
    stored = DeliveryEvent.objects.get()
    assert stored.description == "acceptedby carrier\ufffd"
    assert stored.raw["context"] == {"a": "b"}
    assert SnsNotification.objects.get().status == NotificationStatus.PROCESSED
    # Redelivered: one event, still.
    assert post_sns.envelope(envelope).status_code == 200
    assert DeliveryEvent.objects.count() == 1


def test_a_nul_inside_a_whatsapp_entry_is_applied(post_sns):
    msg = OutboundMessage.objects.create(channel="whatsapp", recipient="+14255550156", body="Hello",
                                         status=MessageStatus.SENT, provider_message_id="wamid.NUL")
    entry = {"id": "1", "changes": [{"value": {"statuses": [
        {"id": "wamid.NUL", "status": "delivered", "recipient_id": "14255550156\x00", "timestamp": "1"}]}}]}
    response, _ = post_sns.message({"whatsAppWebhookEntry": json.dumps(entry), "messageId": "aws-1"})
    assert response.status_code == 200
    msg.refresh_from_db()
    assert msg.status == MessageStatus.DELIVERED
    assert DeliveryEvent.objects.get().recipient == "+14255550156"


def test_an_envelope_that_claims_to_be_escaped_already_cannot_smuggle_a_message(post_sns, locmem):
    # The stored form of an escaped envelope carries the exact JSON under a key of ours. A sender
    # adding that key (unsigned) must not make us act on the JSON it put there.
    forged = json.dumps(sign_envelope(INBOUND_TWO_WAY_SMS | {"messageBody": "STOP"}))
    envelope = sign_envelope(INBOUND_TWO_WAY_SMS | {"messageBody": "HELP"})
    envelope[sns.RAW_JSON_KEY] = forged
    assert post_sns.envelope(envelope).status_code == 200
    assert InboundSms.objects.get().body == "HELP"
    n = SnsNotification.objects.get()
    assert notifications.notification_envelope(n) == envelope
    assert notifications.notification_reprocess(notification=n) is None  # processed already
    # Re-run from storage, the message is still the signed one.
    SnsNotification.objects.filter(pk=n.pk).update(status=NotificationStatus.FAILED)
    InboundSms.objects.all().delete()
    n.refresh_from_db()
    notifications.notification_reprocess(notification=n)
    assert InboundSms.objects.get().body == "HELP"


def test_a_stored_nul_notification_can_be_rerun_from_storage(post_sns, locmem, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("handler bug")

    monkeypatch.setattr(notifications, "inbound_sms_route", broken)  # the first delivery routes in one go
    post_sns.message(INBOUND_TWO_WAY_SMS | {"messageBody": "HELP\x00"})
    n = SnsNotification.objects.get()
    assert n.status == NotificationStatus.FAILED
    monkeypatch.undo()
    with post_sns.capture(execute=True):  # the reply is sent after the re-run commits
        assert notifications.notification_reprocess(notification=n) == NotificationStatus.PROCESSED
    assert InboundSms.objects.get().body == "HELP"
    assert [m.recipient for m in locmem.outbox] == [SENDER]


def test_a_resigned_envelope_with_a_nul_in_an_unsigned_field_is_stored(post_sns):
    envelope = resign(sign_envelope("x") | {"UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/\x00"})
    assert post_sns.envelope(envelope).status_code == 200
    assert notifications.notification_envelope(SnsNotification.objects.get()) == envelope
