"""Sending survives a killed worker: a real qcluster is SIGKILLed mid-campaign, then restarted.

The provider is a transport that writes down every call it receives (tests/support/recording.py),
so duplicates are counted where the people receiving the SMS would count them.
"""

from __future__ import annotations

import os
import time

import pytest

from messaging.models import MessageStatus, OutboundMessage
from messaging.outbound.send import messages_send_bulk
from tests.support.qcluster import KillableCluster, database_url
from tests.support.recording import PATH as RECORDING
from tests.support.recording import provider_calls
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RATE = 100  # parts per second: a short code


def _cluster(tmp_path, **extra) -> tuple[KillableCluster, object]:
    calls = tmp_path / "provider-calls.txt"
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "portal.settings",
           "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "SNS_AUTO_CONFIRM": "false",
           "LOG_LEVEL": "WARNING", "SMS_TRANSPORT": RECORDING, "RECORDING_TRANSPORT_FILE": str(calls),
           "SMS_RATE_LIMIT": str(RATE), "Q_WORKERS": "1", **extra}
    env.pop("TEST_DATABASE_NAME", None)
    return KillableCluster(env), calls


def _campaign(settings, n: int) -> list[int]:
    settings.TASKS_EAGER = False  # the send only queues; the worker delivers, as in production
    return messages_send_bulk(channel="sms", recipients=[f"+1206555{i:04d}" for i in range(n)],
                              body="Overtime tonight: reply with a shift code to book.")


def _all_sent(ids) -> bool:
    return not OutboundMessage.objects.filter(pk__in=ids).exclude(status=MessageStatus.SENT).exists()


def test_a_worker_killed_mid_batch_sends_nothing_twice_but_its_last_call_and_loses_nothing(settings, tmp_path):
    ids = _campaign(settings, 300)
    cluster, calls = _cluster(tmp_path)
    cluster.start()
    try:
        wait_for(lambda: sum(provider_calls(calls).values()) >= 100, timeout=20)
        cluster.kill()  # mid-batch: a batch is 100 messages and pacing spreads them over a second
        before = provider_calls(calls)
        assert 0 < sum(before.values()) < 300, "the kill must land mid-campaign"
        recorded = OutboundMessage.objects.filter(pk__in=ids, status=MessageStatus.SENT).count()
        # Every call but the one in flight is already in the log when the worker dies.
        assert recorded >= sum(before.values()) - 1

        cluster.start(startup=0)
        restarted = time.monotonic()
        wait_for(lambda: _all_sent(ids), timeout=45)
        recovery = time.monotonic() - restarted
    finally:
        cluster.stop()
    after = provider_calls(calls)
    print(f"calls before the kill {sum(before.values())}, total {sum(after.values())}, "
          f"recovered {recovery:.1f} s after the restart")
    assert set(after) == set(ids), "every message reached the provider"
    duplicates = sum(n - 1 for n in after.values())
    assert duplicates <= 1, after.most_common(3)
    assert recovery <= 30
    assert not OutboundMessage.objects.filter(pk__in=ids, claimed_at__isnull=False).exists()


def test_a_graceful_stop_hands_the_rest_back_at_once_and_a_restart_finishes_without_duplicates(settings, tmp_path):
    ids = _campaign(settings, 300)
    # 2 parts per second: the campaign would hold a worker for minutes if the batch kept going.
    cluster, calls = _cluster(tmp_path, SMS_RATE_LIMIT="2")
    cluster.start()
    try:
        wait_for(lambda: sum(provider_calls(calls).values()) >= 2, timeout=20)
        took = cluster.terminate()
        stopped_at = sum(provider_calls(calls).values())
        held = OutboundMessage.objects.filter(pk__in=ids, status=MessageStatus.QUEUED, claimed_at__isnull=False)
        assert not held.exists(), "a stopped worker holds nothing"
        assert OutboundMessage.objects.filter(pk__in=ids, status=MessageStatus.SENT).count() == stopped_at

        cluster.env["SMS_RATE_LIMIT"] = str(RATE)
        cluster.start(startup=0)
        wait_for(lambda: _all_sent(ids), timeout=30)
    finally:
        cluster.stop()
    after = provider_calls(calls)
    print(f"stop took {took:.1f} s with {stopped_at} sent")
    assert took < 10, "the paced batch did not hold the stop"
    assert set(after) == set(ids) and max(after.values()) == 1, "nothing sent twice"
