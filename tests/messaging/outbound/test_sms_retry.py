"""SMS delivery retries: transient carrier failures retry with backoff, permanent ones never do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import EventType, MessageStatus, OutboundMessage, Timer, TimerState
from messaging.outbound.send import message_send
from messaging.outbound.sms_retry import RETRY_CALLBACK
from messaging.scheduling.timers import timers_fire_due
from tests.support.omnichannel import payload, send_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(run):
    msg = run(message_send, channel="sms", recipient="+12065550123", body="Shift 42 is open",
              sender="+12065550100", options={"message_type": "TRANSACTIONAL"})
    msg.refresh_from_db()
    return msg


def _fail(run, message, provider_event="TEXT_CARRIER_UNREACHABLE", permanent=False):
    run(send_event, message, EventType.FAILED, provider_event, permanent=permanent)


def _fire(run, after):
    return run(timers_fire_due, now=timezone.now() + timedelta(seconds=after))


@pytest.mark.parametrize("provider_event", ["TEXT_CARRIER_UNREACHABLE", "TEXT_TTL_EXPIRED", "TEXT_UNKNOWN"])
def test_a_transient_failure_is_retried_after_a_backoff(run, sms, settings, provider_event):
    settings.SMS_DELIVERY_RETRY_BACKOFF_SECONDS = 60
    _fail(run, sms, provider_event)
    timer = Timer.objects.get(callback=RETRY_CALLBACK)
    assert timedelta(seconds=59) < timer.due_at - timezone.now() <= timedelta(seconds=60)
    assert _fire(run, 30) == 0
    assert _fire(run, 61) == 1
    retry = OutboundMessage.objects.get(retry_of=sms)
    assert (retry.channel, retry.recipient, retry.body, retry.sender) == (sms.channel, sms.recipient, sms.body,
                                                                         sms.sender)
    assert retry.options == sms.options
    assert retry.status == MessageStatus.SENT and retry.provider_message_id != sms.provider_message_id


def test_retries_stop_at_the_configured_limit_with_growing_backoff(run, sms, settings):
    settings.SMS_DELIVERY_RETRIES = 2
    settings.SMS_DELIVERY_RETRY_BACKOFF_SECONDS = 10
    _fail(run, sms)
    _fire(run, 11)
    first = OutboundMessage.objects.get(retry_of=sms)
    _fail(run, first)
    second_timer = Timer.objects.filter(callback=RETRY_CALLBACK, state=TimerState.PENDING).get()
    assert timedelta(seconds=19) < second_timer.due_at - timezone.now() <= timedelta(seconds=20)
    _fire(run, 21)
    second = OutboundMessage.objects.exclude(pk=first.pk).get(retry_of=sms)  # retry_of is the original
    _fail(run, second)
    assert _fire(run, 3600) == 0
    assert OutboundMessage.objects.count() == 3  # the original and two retries, no more


@pytest.mark.parametrize("provider_event", ["TEXT_INVALID", "TEXT_BLOCKED", "TEXT_SPAM"])
def test_permanent_failures_never_retry(run, sms, provider_event):
    _fail(run, sms, provider_event, permanent=True)
    assert not Timer.objects.exists()
    assert _fire(run, 3600) == 0
    assert OutboundMessage.objects.count() == 1


def test_a_permanent_send_error_never_retries(run, locmem):
    from messaging.transports.base import PermanentError

    locmem.fail_with = [PermanentError("Invalid destination", code="ValidationException")]
    msg = run(message_send, channel="sms", recipient="+12065550123", body="Hi")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED
    assert not Timer.objects.exists()


def test_a_duplicate_failure_event_schedules_one_retry(run, sms):
    _fail(run, sms)
    _fail(run, sms)
    assert Timer.objects.filter(callback=RETRY_CALLBACK).count() == 1


def test_email_failures_are_not_sms_retries(run):
    email = run(message_send, channel="email", recipient="user@example.com", subject="Hi", body="Hi")
    email.refresh_from_db()
    run(send_event, email, EventType.BOUNCED, "Bounce", permanent=False)
    assert not Timer.objects.exists()


def test_a_broadcast_sms_is_retried_but_a_fallback_primary_is_not(api, run):
    broadcast = run(api.post, "/api/v1/messages/", payload(use_case="broadcast"), format="json").json()
    fallback = run(api.post, "/api/v1/messages/", payload(), format="json").json()
    from tests.support.omnichannel import attempt

    _fail(run, attempt(broadcast["id"]))
    _fail(run, attempt(fallback["id"]))
    (timer,) = Timer.objects.filter(callback=RETRY_CALLBACK)
    assert timer.kwargs == {"message_id": attempt(broadcast["id"]).pk}
