"""The fallback with a real qcluster and real waits: on time, and cancelled by a simulated delivery."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import AttemptRole, Dispatch, FallbackState, MessageStatus, OutboundMessage
from tests.support.omnichannel import attempt, payload
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def test_the_fallback_goes_out_within_a_second_of_its_deadline(api, settings, qcluster_factory):
    settings.TASKS_EAGER = False  # the request only queues; the worker sends, as in production
    settings.SIMULATOR_AUTO_DELIVER = False
    qcluster_factory(1)
    body = api.post("/api/v1/messages/", payload(fallback_seconds="2"), format="json").json()
    d = Dispatch.objects.get(pk=body["id"])
    wait_for(lambda: attempt(d.pk).status == MessageStatus.SENT, timeout=5)
    if timezone.now() < d.fallback_due_at - timedelta(milliseconds=200):
        assert attempt(d.pk, AttemptRole.FALLBACK) is None  # nothing before the deadline

    email = wait_for(lambda: attempt(d.pk, AttemptRole.FALLBACK), timeout=8)
    d.refresh_from_db()
    lateness = (email.created_at - d.fallback_due_at).total_seconds()
    print(f"fallback lateness {lateness:.3f} s")
    assert 0 <= lateness < 1.0, lateness
    wait_for(lambda: attempt(d.pk, AttemptRole.FALLBACK).status == MessageStatus.SENT, timeout=5)
    assert d.fallback_state == FallbackState.SENT
    assert api.get(f"/api/v1/messages/{d.pk}/").json()["status"] == "sent"


def test_a_simulated_delivery_cancels_the_fallback(api, settings, qcluster_factory):
    settings.TASKS_EAGER = False
    settings.SIMULATOR_AUTO_DELIVER = True
    settings.SIMULATOR_DELIVERY_DELAY_SECONDS = 0.3
    qcluster_factory(1)
    body = api.post("/api/v1/messages/", payload(fallback_seconds=2), format="json").json()
    d = Dispatch.objects.get(pk=body["id"])
    wait_for(lambda: attempt(d.pk).status == MessageStatus.DELIVERED, timeout=6)
    # The outcome hook runs just after the event commits.
    wait_for(lambda: Dispatch.objects.get(pk=d.pk).fallback_state == FallbackState.CANCELLED, timeout=2)
    d.refresh_from_db()
    # Wait past the deadline: nothing more goes out.
    time.sleep(max(0.0, (d.fallback_due_at - timezone.now()).total_seconds()) + 1.5)
    assert attempt(d.pk, AttemptRole.FALLBACK) is None
    assert not OutboundMessage.objects.filter(channel="email").exists()
    assert api.get(f"/api/v1/messages/{d.pk}/").json()["status"] == "delivered"


def test_broadcast_through_the_worker_sends_both_at_once(api, settings, qcluster_factory):
    settings.TASKS_EAGER = False
    settings.SIMULATOR_AUTO_DELIVER = True
    settings.SIMULATOR_DELIVERY_DELAY_SECONDS = 0.2
    qcluster_factory(1)
    body = api.post("/api/v1/messages/", payload(use_case="broadcast"), format="json").json()

    def statuses():
        return [a["status"] for a in api.get(f"/api/v1/messages/{body['id']}/").json()["attempts"]]

    wait_for(lambda: statuses()[1] in ("sent", "delivered") and statuses()[0] == "delivered", timeout=6)
    sms, email = attempt(body["id"]), attempt(body["id"], AttemptRole.FALLBACK)
    # Both handed over together (2 s leaves room for a loaded test machine).
    assert abs((email.sent_at - sms.sent_at).total_seconds()) < 2.0
