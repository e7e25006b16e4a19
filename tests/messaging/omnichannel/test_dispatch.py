"""Omnichannel fallback and broadcast, on a controlled clock (timers_fire_due).

Delivery events go in through ``delivery_event_apply``, what the SNS pipeline's ORM path calls
after it has parsed an SMS, SES or WhatsApp event (tests/messaging/inbound/test_ingest.py sends
them through /sns/'s one-statement path on PostgreSQL).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.consent.optouts import optout_record
from messaging.models import (
    AttemptRole,
    DeliveryEvent,
    Dispatch,
    EventType,
    FallbackState,
    MessageStatus,
    OutboundMessage,
    Suppression,
    SuppressionReason,
    Timer,
    TimerState,
)
from messaging.outbound.sms_retry import RETRY_CALLBACK
from messaging.scheduling.timers import timers_fire_due
from messaging.transports.base import PermanentError
from tests.support.omnichannel import SMS_TO_EMAIL, attempt, payload, send_event

pytestmark = pytest.mark.django_db

URL = "/api/v1/messages/"


@pytest.fixture
def post(api, run):
    def _post(data, **headers):
        response = run(api.post, URL, data, format="json", **headers)
        assert response.status_code == 202, response.json()
        return response.json()

    return _post


def fire(run, *, after: float):
    return run(timers_fire_due, now=timezone.now() + timedelta(seconds=after))


def test_sms_falls_back_to_email_when_no_delivery_event_arrives_in_time(post, api, run):
    body = post(SMS_TO_EMAIL)
    assert set(body) >= {"id", "status"}
    sms = attempt(body["id"])
    assert sms.channel == "sms" and sms.status == MessageStatus.SENT and sms.provider_message_id
    assert sms.body == "Your code is 1234" and sms.recipient == "+12065550123"
    assert attempt(body["id"], AttemptRole.FALLBACK) is None

    assert fire(run, after=29) == 0  # not yet due
    assert attempt(body["id"], AttemptRole.FALLBACK) is None

    assert fire(run, after=30.5) == 1
    email = attempt(body["id"], AttemptRole.FALLBACK)
    assert email.channel == "email" and email.recipient == "user@example.com"
    assert email.subject == "Your code" and email.body == "Your code is 1234"
    assert email.options["html"] == "<p>Your code is 1234</p>"
    assert email.sender == "noreply@example.com"
    assert email.status == MessageStatus.SENT and email.provider_message_id

    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["use_case"] == "fallback"
    assert detail["status"] == "sent"
    assert detail["fallback"]["state"] == "sent"
    assert "no successful delivery within 30 s" in detail["fallback"]["reason"]
    assert [(a["role"], a["channel"], a["status"]) for a in detail["attempts"]] == [
        ("primary", "sms", "sent"), ("fallback", "email", "sent")]
    assert all(a["provider_message_id"] for a in detail["attempts"])


def test_the_fallback_timer_is_due_fallback_seconds_after_the_request(post):
    before = timezone.now()
    body = post(payload(fallback_seconds=45))
    d = Dispatch.objects.get(pk=body["id"])
    assert d.fallback_state == FallbackState.WAITING
    assert timedelta(seconds=45) <= d.fallback_due_at - before <= timedelta(seconds=46)
    timer = Timer.objects.get(pk=d.fallback_timer_id)
    assert timer.state == TimerState.PENDING and timer.owner == d


@pytest.mark.parametrize("provider_event", ["TEXT_DELIVERED", "TEXT_SUCCESSFUL"])
def test_a_delivery_event_before_the_deadline_cancels_the_fallback(post, api, run, provider_event):
    body = post(SMS_TO_EMAIL)
    run(send_event, attempt(body["id"]), EventType.DELIVERED, provider_event)

    d = Dispatch.objects.get(pk=body["id"])
    assert d.fallback_state == FallbackState.CANCELLED
    assert Timer.objects.get(pk=d.fallback_timer_id).state == TimerState.CANCELLED
    assert fire(run, after=60) == 0
    assert attempt(body["id"], AttemptRole.FALLBACK) is None
    assert OutboundMessage.objects.filter(channel="email").count() == 0
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "delivered" and detail["fallback"]["state"] == "cancelled"
    assert detail["attempts"][0]["delivered_at"]


@pytest.mark.parametrize("provider_event,permanent", [("TEXT_BLOCKED", True), ("TEXT_INVALID", True),
                                                      ("TEXT_CARRIER_UNREACHABLE", False)])
def test_a_failure_event_sends_the_fallback_at_once(post, run, provider_event, permanent):
    body = post(SMS_TO_EMAIL)
    run(send_event, attempt(body["id"]), EventType.FAILED, provider_event, permanent=permanent)

    email = attempt(body["id"], AttemptRole.FALLBACK)
    assert email is not None and email.status == MessageStatus.SENT
    d = Dispatch.objects.get(pk=body["id"])
    assert d.fallback_state == FallbackState.SENT and provider_event in d.fallback_reason
    assert Timer.objects.get(pk=d.fallback_timer_id).state == TimerState.CANCELLED
    assert fire(run, after=60) == 0
    assert d.attempts.count() == 2
    # A primary in a fallback dispatch is answered by the fallback, not by an SMS retry.
    assert not OutboundMessage.objects.filter(retry_of__isnull=False).exists()
    assert not Timer.objects.filter(callback=RETRY_CALLBACK).exists()


def test_a_permanent_send_error_on_the_primary_falls_back_at_once(post, locmem):
    locmem.fail_with = [PermanentError("Invalid destination", code="ValidationException")]
    body = post(SMS_TO_EMAIL)
    sms = attempt(body["id"])
    assert sms.status == MessageStatus.FAILED and sms.error_code == "ValidationException"
    email = attempt(body["id"], AttemptRole.FALLBACK)
    assert email.status == MessageStatus.SENT
    assert [m.channel for m in locmem.outbox] == ["email"]
    d = Dispatch.objects.get(pk=body["id"])
    assert "SEND_ERROR" in d.fallback_reason


def test_an_email_bounce_on_the_primary_falls_back_to_sms(post, run):
    data = payload(pc=SMS_TO_EMAIL["fc"], fc=SMS_TO_EMAIL["pc"])
    body = post(data)
    email = attempt(body["id"])
    assert email.channel == "email"
    run(send_event, email, EventType.BOUNCED, "Bounce", permanent=True)
    assert attempt(body["id"], AttemptRole.FALLBACK).channel == "sms"


def test_an_ses_delivery_event_cancels_an_email_primary(post, run):
    body = post(payload(pc=SMS_TO_EMAIL["fc"], fc=SMS_TO_EMAIL["pc"]))
    run(send_event, attempt(body["id"]), EventType.DELIVERED, "Delivery")
    assert Dispatch.objects.get(pk=body["id"]).fallback_state == FallbackState.CANCELLED
    assert fire(run, after=31) == 0


def test_a_late_success_after_the_fallback_is_recorded_and_sends_nothing_more(post, api, run):
    body = post(SMS_TO_EMAIL)
    fire(run, after=31)
    sms = attempt(body["id"])
    event = run(send_event, sms, EventType.DELIVERED, "TEXT_DELIVERED")

    assert DeliveryEvent.objects.filter(pk=event.pk, message=sms).exists()
    sms.refresh_from_db()
    assert sms.status == MessageStatus.DELIVERED
    assert Dispatch.objects.get(pk=body["id"]).attempts.count() == 2
    assert OutboundMessage.objects.count() == 2
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["fallback"]["state"] == "sent"
    assert detail["status"] == "delivered"


def test_repeated_failure_events_send_one_fallback(post, run):
    body = post(SMS_TO_EMAIL)
    sms = attempt(body["id"])
    run(send_event, sms, EventType.FAILED, "TEXT_BLOCKED", permanent=True)
    run(send_event, sms, EventType.FAILED, "TEXT_BLOCKED", permanent=True)
    fire(run, after=31)
    assert OutboundMessage.objects.filter(channel="email").count() == 1


def test_events_on_the_fallback_attempt_change_nothing_in_the_dispatch(post, run):
    body = post(SMS_TO_EMAIL)
    run(send_event, attempt(body["id"]), EventType.FAILED, "TEXT_BLOCKED", permanent=True)
    email = attempt(body["id"], AttemptRole.FALLBACK)
    run(send_event, email, EventType.BOUNCED, "Bounce", permanent=False)
    assert Dispatch.objects.get(pk=body["id"]).attempts.count() == 2
    email.refresh_from_db()
    assert email.status == MessageStatus.FAILED


def test_a_fallback_that_also_fails_makes_the_dispatch_failed(post, api, run):
    body = post(SMS_TO_EMAIL)
    run(send_event, attempt(body["id"]), EventType.FAILED, "TEXT_BLOCKED", permanent=True)
    run(send_event, attempt(body["id"], AttemptRole.FALLBACK), EventType.BOUNCED, "Bounce", permanent=False)
    assert api.get(f"{URL}{body['id']}/").json()["status"] == "failed"


def test_broadcast_sends_both_channels_at_once(post, api, run):
    body = post(payload(use_case="broadcast", fallback_seconds=None))
    sms, email = attempt(body["id"]), attempt(body["id"], AttemptRole.FALLBACK)
    assert sms.status == MessageStatus.SENT and email.status == MessageStatus.SENT
    d = Dispatch.objects.get(pk=body["id"])
    assert d.fallback_state == FallbackState.NONE and d.fallback_timer is None
    assert not Timer.objects.exists()
    run(send_event, sms, EventType.DELIVERED, "TEXT_DELIVERED")
    assert OutboundMessage.objects.count() == 2
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["use_case"] == "broadcast" and detail["status"] == "delivered"
    assert [a["role"] for a in detail["attempts"]] == ["primary", "fallback"]


def test_broadcast_accepts_no_fallback_seconds_at_all(post):
    data = payload(use_case="broadcast")
    del data["fallback_seconds"]
    body = post(data)
    assert Dispatch.objects.get(pk=body["id"]).attempts.count() == 2


def test_whatsapp_as_primary_with_both_ids_recorded_and_read_counting_as_success(post, api, run):
    data = payload(pc={"channel": "whatsapp", "sender": "phone-number-id-0123456789", "recipient": "+447700900123",
                       "whatsapp": {"message": "Your code is 1234"}})
    body = post(data)
    wa = attempt(body["id"])
    assert wa.channel == "whatsapp" and wa.status == MessageStatus.SENT
    assert wa.provider_message_id and wa.provider_alt_id.startswith("wamid.")
    # Meta may skip "delivered" and report "read" straight away; the event names the wamid.
    run(send_event, wa, EventType.READ, "read", use_alt_id=True)
    assert Dispatch.objects.get(pk=body["id"]).fallback_state == FallbackState.CANCELLED
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["attempts"][0]["provider_alt_id"] == wa.provider_alt_id
    assert detail["status"] == "delivered"


def test_whatsapp_as_the_fallback_channel(post, run, locmem):
    data = payload(fc={"channel": "WhatsApp", "sender": "phone-number-id-0123456789",
                       "recipient": "+447700900123", "WhatsApp": {"message": "Your code is 1234"}})
    body = post(data)
    fire(run, after=31)
    wa = attempt(body["id"], AttemptRole.FALLBACK)
    assert wa.channel == "whatsapp" and wa.body == "Your code is 1234"
    assert [(m.channel, m.recipient, m.sender) for m in locmem.outbox][-1] == (
        "whatsapp", "+447700900123", "phone-number-id-0123456789")


def test_an_opted_out_primary_is_suppressed_and_falls_back_at_once(post, api):
    optout_record(phone="+12065550123", keyword="STOP", source="keyword")
    body = post(SMS_TO_EMAIL)
    assert attempt(body["id"]).status == MessageStatus.SUPPRESSED
    assert attempt(body["id"], AttemptRole.FALLBACK).status == MessageStatus.SENT
    d = Dispatch.objects.get(pk=body["id"])
    assert d.fallback_state == FallbackState.SENT and "suppressed" in d.fallback_reason
    assert not Timer.objects.exists()


def test_both_recipients_suppressed_make_a_suppressed_dispatch(post, api):
    optout_record(phone="+12065550123", keyword="STOP", source="keyword")
    Suppression.objects.create(address="user@example.com", reason=SuppressionReason.BOUNCE)
    body = post(SMS_TO_EMAIL)
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "suppressed"
    assert [a["status"] for a in detail["attempts"]] == ["suppressed", "suppressed"]


def test_a_suppressed_broadcast_attempt_does_not_stop_the_other(post):
    Suppression.objects.create(address="user@example.com", reason=SuppressionReason.COMPLAINT)
    body = post(payload(use_case="broadcast"))
    assert attempt(body["id"]).status == MessageStatus.SENT
    assert attempt(body["id"], AttemptRole.FALLBACK).status == MessageStatus.SUPPRESSED


def test_channel_options_reach_the_transport(post, run, locmem):
    data = payload(use_case="broadcast")
    data["fc"]["email"]["configuration_set"] = "email-events"
    data["pc"]["sms"]["message_type"] = "promotional"
    post(data)
    sms, email = locmem.outbox
    assert sms.options == {"message_type": "PROMOTIONAL", "configuration_set": "cs"}
    assert sms.sender == "+12065550100"
    assert email.options == {"html": "<p>Your code is 1234</p>", "configuration_set": "email-events"}
    assert (email.subject, email.body, email.sender) == ("Your code", "Your code is 1234", "noreply@example.com")


def test_a_templated_email(post, locmem):
    data = payload(use_case="broadcast")
    data["fc"]["email"] = {"subject": "Your code", "template": "OtpTemplate", "template_data": {"code": "1234"}}
    post(data)
    email = locmem.outbox[1]
    assert email.options == {"template": "OtpTemplate", "template_data": {"code": "1234"}}


def test_the_sweep_fires_an_overdue_fallback_the_queue_lost(post, run):
    body = post(SMS_TO_EMAIL)
    # timers_sweep uses the same path with a grace period; a fallback is never lost.
    run(timers_fire_due, now=timezone.now() + timedelta(seconds=40), grace=timedelta(seconds=5))
    assert attempt(body["id"], AttemptRole.FALLBACK) is not None


def test_dispatch_messages_appear_in_the_message_log(post, api, run):
    body = post(SMS_TO_EMAIL)
    fire(run, after=31)
    log = api.get("/api/v1/message-log/").json()["results"]
    ids = {a["message_id"] for a in api.get(f"{URL}{body['id']}/").json()["attempts"]}
    assert ids <= {row["id"] for row in log}
    assert {row["channel"] for row in log} == {"sms", "email"}
