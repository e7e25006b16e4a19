"""The one-statement ingest of delivery events on PostgreSQL (messaging/ingest.py).

It must leave behind exactly what the ORM path leaves, so every scenario below runs both paths
on twin messages and compares the rows. The ORM path is chosen by turning the fast path off for
that leg; everything else is the real code on the real database.
"""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import connection

from messaging.inbound import notifications
from messaging.models import (
    DeliveryEvent,
    Dispatch,
    FallbackState,
    MessageStatus,
    NotificationStatus,
    OutboundMessage,
    SnsNotification,
    Timer,
)
from messaging.outbound.send import message_send
from messaging.outbound.sms_retry import RETRY_CALLBACK
from tests.support.aws import SES_DELIVERY, example, sms_event
from tests.support.omnichannel import SMS_TO_EMAIL, attempt
from tests.support.sns import body, post_all_at_once, sign_envelope

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MESSAGE_FIELDS = ["status", "parts", "price", "sent_at", "delivered_at", "failed_at", "error_code", "error"]
EVENT_FIELDS = ["channel", "event_type", "provider_event", "permanent", "description", "recipient", "parts",
                "price", "occurred_at", "raw"]


def twin(channel: str, provider_id: str, **kw) -> OutboundMessage:
    recipient = "recipient@example.com" if channel == "email" else "+14255550156"
    return OutboundMessage.objects.create(channel=channel, recipient=recipient, body="Hello",
                                          status=kw.pop("status", MessageStatus.SENT),
                                          provider_message_id=provider_id, **kw)


def ingest(message: dict, *, fast: bool, monkeypatch) -> tuple[SnsNotification, bool]:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(notifications, "fast_path_applies", lambda events: False)
        return notifications.notification_receive(envelope=sign_envelope(json.dumps(message)))


SEQUENCES = {
    "delivered": [("TEXT_SUCCESSFUL", {})],
    "late sent after delivered": [("TEXT_SUCCESSFUL", {}), ("TEXT_PENDING", {}), ("TEXT_QUEUED", {})],
    "failed then delivered": [("TEXT_CARRIER_UNREACHABLE", {"totalMessageParts": 2, "totalMessagePrice": 0.01}),
                              ("TEXT_SUCCESSFUL", {})],
    "permanent failure": [("TEXT_BLOCKED", {"messageStatusDescription": "Blocked by carrier"})],
    "no price or parts": [("TEXT_PENDING", {"totalMessageParts": None, "totalMessagePrice": None})],
    "voice": [("VOICE_RINGING", {}), ("VOICE_COMPLETED", {})],
    "unknown type": [("VOICE_SOMETHING_NEW", {})],
}


@pytest.mark.parametrize("name", SEQUENCES)
def test_fast_and_orm_paths_leave_the_same_rows(name, monkeypatch):
    rows = {}
    for fast in (True, False):
        provider_id = f"{name}-{fast}"
        message = twin("voice" if name == "voice" else "sms", provider_id)
        for event_type, changes in SEQUENCES[name]:
            _, created = ingest(sms_event(provider_id, event_type, **changes), fast=fast, monkeypatch=monkeypatch)
            assert created
        message.refresh_from_db()
        events = list(DeliveryEvent.objects.filter(message=message).order_by("id").values(*EVENT_FIELDS))
        for event in events:  # the twins' provider ids differ by design
            assert event["raw"].pop("messageId") == provider_id
        stored = list(SnsNotification.objects.filter(events__message=message).order_by("id")
                      .values("status", "kind", "type", "error"))
        rows[fast] = ({f: getattr(message, f) for f in MESSAGE_FIELDS}, events, stored)
    assert rows[True] == rows[False]
    message_row, events, stored = rows[True]
    assert len(events) == len(SEQUENCES[name]) and all(s["status"] == NotificationStatus.PROCESSED for s in stored)


def test_an_ses_delivery_takes_the_fast_path_like_the_orm_path(monkeypatch):
    for fast in (True, False):
        provider_id = f"ses-{fast}"
        message = twin("email", provider_id)
        ingest(example(SES_DELIVERY, mail=dict(SES_DELIVERY["mail"], messageId=provider_id)), fast=fast,
               monkeypatch=monkeypatch)
        message.refresh_from_db()
        assert message.status == MessageStatus.DELIVERED
        assert DeliveryEvent.objects.get(message=message).recipient == "recipient@example.com"


def test_an_event_for_a_message_we_never_sent_is_stored_with_no_message(monkeypatch):
    notification, created = ingest(sms_event("not-ours", "TEXT_SUCCESSFUL"), fast=True, monkeypatch=monkeypatch)
    assert created and notification.status == NotificationStatus.PROCESSED
    event = DeliveryEvent.objects.get(notification=notification)
    assert (event.message, event.channel, event.provider_message_id) == (None, "sms", "not-ours")


def test_a_redelivery_is_answered_with_the_stored_row_and_changes_nothing(monkeypatch):
    message = twin("sms", "once")
    envelope = sign_envelope(json.dumps(sms_event("once", "TEXT_CARRIER_UNREACHABLE")))
    first, created = notifications.notification_receive(envelope=envelope)
    message.refresh_from_db()
    failed_at = message.failed_at
    again, created_again = notifications.notification_receive(envelope=envelope)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    message.refresh_from_db()
    assert message.failed_at == failed_at
    assert DeliveryEvent.objects.count() == 1


def test_a_database_error_in_the_statement_stores_the_notification_as_failed(client, monkeypatch):
    """A price too large for the column fails the one statement: nothing is applied, the
    notification is kept as failed with PostgreSQL's error, and SNS still gets 200."""
    message = twin("sms", "overflow")
    notification, created = ingest(sms_event("overflow", "TEXT_SUCCESSFUL", totalMessagePrice=10**9),
                                   fast=True, monkeypatch=monkeypatch)
    assert created and notification.status == NotificationStatus.FAILED
    stored = SnsNotification.objects.get(pk=notification.pk)
    assert stored.status == NotificationStatus.FAILED and "numeric field overflow" in stored.error
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert not DeliveryEvent.objects.exists()


heard = []


def recording_hook(*, event):
    heard.append((event.event_type, event.message.status, event.message.recipient, event.notification.status))


@pytest.mark.django_db(transaction=True)
def test_outcome_hooks_get_the_updated_message_without_reading_it_back(settings, django_assert_num_queries):
    settings.DELIVERY_OUTCOME_HOOKS = ["tests.messaging.inbound.test_ingest.recording_hook"]
    heard.clear()
    twin("sms", "hooked")
    envelope = sign_envelope(json.dumps(sms_event("hooked", "TEXT_SUCCESSFUL")))
    with django_assert_num_queries(0):  # the statement itself runs on the raw connection
        notifications.notification_receive(envelope=envelope)
    assert heard == [("delivered", MessageStatus.DELIVERED, "+14255550156", NotificationStatus.PROCESSED)]


@pytest.mark.django_db(transaction=True)
def test_the_statement_is_prepared_once_per_connection(monkeypatch):
    for i in range(3):
        twin("sms", f"prep-{i}")
        notifications.notification_receive(envelope=sign_envelope(json.dumps(sms_event(f"prep-{i}", "TEXT_SENT"))))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%INSERT INTO messaging_snsnotification%"])
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_replaced_and_the_notification_still_stored():
    message = twin("sms", "reconnect")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    dsn = " ".join(f"{k}={params[k]}" for k in ("dbname", "user", "host", "port") if params.get(k))
    with psycopg.connect(dsn, autocommit=True) as admin:  # as a database restart would
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    notification, created = notifications.notification_receive(
        envelope=sign_envelope(json.dumps(sms_event("reconnect", "TEXT_SUCCESSFUL"))))
    assert created and notification.status == NotificationStatus.PROCESSED
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_concurrent_redeliveries_of_an_event_apply_it_once(sns_certs):
    message = twin("sms", "raced")
    raw = body(sign_envelope(json.dumps(sms_event("raced", "TEXT_SUCCESSFUL"))))
    answers = [r.content.decode() for r in post_all_at_once(raw)]
    assert sorted(answers) == ["duplicate: processed"] * 7 + ["stored: processed"]
    assert DeliveryEvent.objects.filter(message=message).count() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


# --------------------------------------------------------------------------- the hooks' subscribers


def test_a_primary_sms_failure_arriving_by_sns_sends_the_fallback_at_once(api, run):
    dispatch_id = run(api.post, "/api/v1/messages/", SMS_TO_EMAIL, format="json").json()["id"]
    sms = attempt(dispatch_id)
    run(notifications.notification_receive,
              envelope=sign_envelope(json.dumps(sms_event(sms.provider_message_id, "TEXT_BLOCKED"))))
    dispatch = Dispatch.objects.get(pk=dispatch_id)
    assert dispatch.fallback_state == FallbackState.SENT and "TEXT_BLOCKED" in dispatch.fallback_reason
    assert attempt(dispatch_id, "fallback").channel == "email"


def test_a_primary_sms_delivery_arriving_by_sns_cancels_the_fallback(api, run):
    dispatch_id = run(api.post, "/api/v1/messages/", SMS_TO_EMAIL, format="json").json()["id"]
    run(notifications.notification_receive, envelope=sign_envelope(
        json.dumps(sms_event(attempt(dispatch_id).provider_message_id, "TEXT_DELIVERED"))))
    assert Dispatch.objects.get(pk=dispatch_id).fallback_state == FallbackState.CANCELLED


def test_a_transient_sms_failure_arriving_by_sns_schedules_a_retry(run):
    sms = run(message_send, channel="sms", recipient="+12065550123", body="Shift 42 is open")
    sms.refresh_from_db()
    run(notifications.notification_receive, envelope=sign_envelope(
        json.dumps(sms_event(sms.provider_message_id, "TEXT_CARRIER_UNREACHABLE"))))
    assert Timer.objects.get(callback=RETRY_CALLBACK).label.startswith("SMS retry 1/")
