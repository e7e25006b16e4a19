"""The per-sender rate limit holds across concurrent senders (threads here, processes in bench/send.py)."""

import threading
import time

import pytest
from django.db import connection

from messaging.outbound.pace import pace_acquire


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_exceed_the_rate_for_one_sender():
    rate, per_thread, threads = 50.0, 15, 4
    sends: list[float] = []
    lock = threading.Lock()

    def sender():
        try:
            for _ in range(per_thread):
                decision = pace_acquire(sender="+18005550100", parts=1, rate=rate, max_wait=5)
                assert decision.go
                time.sleep(decision.wait)
                with lock:
                    sends.append(time.monotonic())
        finally:
            connection.close()

    workers = [threading.Thread(target=sender) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sends.sort()
    assert len(sends) == per_thread * threads
    # Slots are 1/rate apart; allow a few ms of scheduling jitter in when a thread wakes.
    in_any_second = max(sum(1 for t in sends if s <= t < s + 1.0) for s in sends)
    assert in_any_second <= rate + 1
    elapsed = sends[-1] - sends[0]
    assert elapsed >= (len(sends) - 1) / rate - 0.05


@pytest.mark.django_db
def test_a_slot_too_far_ahead_is_deferred_not_waited_for():
    first = pace_acquire(sender="10dlc", parts=3, rate=1.0)
    assert first.go and first.wait == 0
    second = pace_acquire(sender="10dlc", parts=1, rate=1.0, max_wait=2.0)
    assert not second.go
    assert second.wait > 1.5  # the 3 parts ahead take 3 s at 1 part/s


@pytest.mark.django_db
def test_senders_are_paced_independently():
    pace_acquire(sender="a", parts=5, rate=1.0)
    assert pace_acquire(sender="b", parts=1, rate=1.0).wait == 0


@pytest.mark.django_db
def test_a_paced_batch_gives_its_worker_back_and_requeues_the_rest(settings, locmem, monkeypatch):
    """At 1 part/s a batch sends what fits in its time budget and re-queues the rest, unclaimed."""
    from messaging.models import MessageStatus, OutboundMessage
    from messaging.outbound import deliver as services
    from messaging.outbound.deliver import messages_deliver_batch
    from messaging.outbound.send import messages_send_bulk

    monkeypatch.setattr(services, "BATCH_PACE_BUDGET_SECONDS", 1.5)
    settings.SMS_RATE_LIMIT = 1
    settings.TASKS_EAGER = False  # keep the bulk send's batch task queued, to run it by hand
    ids = messages_send_bulk(channel="sms", recipients=[f"+1206555010{i}" for i in range(6)], body="hi")
    counts = messages_deliver_batch(ids)
    assert counts["sent"] + counts["deferred"] == 6
    assert 2 <= counts["sent"] <= 3  # slots at 0, 1.01 and maybe 2.02 s fit a 1.5 s budget
    rest = OutboundMessage.objects.filter(pk__in=ids, status=MessageStatus.QUEUED)
    assert rest.count() == counts["deferred"]
    assert all(m.claimed_at is None for m in rest)  # free for the re-queued batch to claim
    assert len(locmem.outbox) == counts["sent"]


@pytest.mark.django_db
def test_waiting_for_a_slot_returns_when_the_caller_may_send_now():
    from messaging.outbound.pace import pace_wait_for_slot

    start = time.monotonic()
    assert pace_wait_for_slot(sender="sc", parts=1, rate=10).go
    assert pace_wait_for_slot(sender="sc", parts=1, rate=10).go
    assert time.monotonic() - start >= 0.1  # the second slot is 1/10 s (and 1% headroom) later
