"""Races on PostgreSQL with real threads: a delivery event and the fallback timer at the same
instant have exactly one outcome, and one Idempotency-Key sends once however many requests race."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from messaging.models import (
    AttemptRole,
    Dispatch,
    EventType,
    FallbackState,
    MessageStatus,
    OutboundMessage,
    Timer,
    TimerState,
)
from messaging.omnichannel.services import ChannelSpec, dispatch_create
from messaging.scheduling.timers import timers_fire_due
from tests.support.omnichannel import SMS_TO_EMAIL, attempt, send_event
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SMS = ChannelSpec(channel="sms", recipient="+12065550123", sender="+12065550100", body="Your code is 1234",
                  options={"message_type": "TRANSACTIONAL"})
EMAIL = ChannelSpec(channel="email", recipient="user@example.com", sender="noreply@example.com",
                    subject="Your code", body="Your code is 1234")


def _new_dispatch() -> Dispatch:
    dispatch, _ = dispatch_create(use_case="fallback", fallback_seconds=30, primary=SMS, fallback=EMAIL)
    dispatch.refresh_from_db()
    return dispatch


@pytest.mark.parametrize("round_", range(12))
def test_a_success_event_and_the_fallback_timer_at_once_have_one_outcome(round_):
    d = _new_dispatch()
    sms = attempt(d.pk)
    assert sms.status == MessageStatus.SENT
    together(
        lambda: send_event(sms, EventType.DELIVERED, "TEXT_DELIVERED"),
        # Staggered by 0-11 ms across rounds so that each side wins some of the rounds.
        lambda: (time.sleep(round_ / 1000), timers_fire_due(now=d.fallback_due_at + timedelta(milliseconds=1))),
    )
    d.refresh_from_db()
    sms.refresh_from_db()
    timer = Timer.objects.get(pk=d.fallback_timer_id)
    emails = OutboundMessage.objects.filter(channel="email")
    assert sms.status == MessageStatus.DELIVERED  # the event is recorded either way
    if d.fallback_state == FallbackState.CANCELLED:
        assert emails.count() == 0 and d.attempts.count() == 1
        assert timer.state in (TimerState.CANCELLED, TimerState.FIRED)
    else:
        assert d.fallback_state == FallbackState.SENT
        assert emails.count() == 1 and d.attempts.count() == 2
        assert timer.state == TimerState.FIRED
    assert timers_fire_due(now=d.fallback_due_at + timedelta(seconds=60)) == 0
    assert OutboundMessage.objects.filter(channel="email").count() <= 1


@pytest.mark.parametrize("round_", range(6))
def test_a_failure_event_and_the_fallback_timer_at_once_send_one_fallback(round_):
    d = _new_dispatch()
    sms = attempt(d.pk)
    together(
        lambda: send_event(sms, EventType.FAILED, "TEXT_BLOCKED", permanent=True),
        lambda: send_event(sms, EventType.FAILED, "TEXT_BLOCKED", permanent=True),
        lambda: timers_fire_due(now=d.fallback_due_at + timedelta(milliseconds=1)),
    )
    d.refresh_from_db()
    assert d.fallback_state == FallbackState.SENT
    assert d.attempts.filter(role=AttemptRole.FALLBACK).count() == 1
    assert OutboundMessage.objects.filter(channel="email").count() == 1


def test_racing_requests_with_one_idempotency_key_send_once(api_key):
    responses = []

    def post():
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=api_key)
        responses.append(client.post("/api/v1/messages/", SMS_TO_EMAIL, format="json",
                                     HTTP_IDEMPOTENCY_KEY="race-key-1"))

    together(*[post] * 6)
    assert [r.status_code for r in responses] == [202] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert Dispatch.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    assert Timer.objects.count() == 1
