"""Claims that outlive their worker, tasks that commit with their messages, and a stopping cluster.

The crash itself is tested with real processes in test_send_crash.py; these pin each rule with a
controlled clock and the in-memory transport.
"""

import multiprocessing
from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from messaging.models import MessageStatus, OutboundMessage
from messaging.outbound import deliver
from messaging.outbound.deliver import CLAIM_TTL, STALE_CLAIM_GRACE, messages_deliver_batch, messages_requeue_stale
from messaging.outbound.send import message_send, messages_send_bulk
from messaging.scheduling import queue

pytestmark = pytest.mark.django_db


def _queued(n=1, **fields):
    ids = messages_send_bulk(channel="sms", recipients=[f"+120655501{i:02d}" for i in range(n)], body="Hi")
    OutboundMessage.objects.filter(pk__in=ids).update(**fields)
    return ids


def _tasks():
    """(function, args, kwargs, due) of every task waiting in django-q2's queue."""
    out = []
    for row in OrmQ.objects.order_by("lock"):
        task = SignedPackage.loads(row.payload)
        out.append((task["func"], task["args"], task["kwargs"], row.lock))
    return out


def test_a_claim_older_than_any_live_worker_is_taken_over_and_sent_once(settings, locmem):
    settings.TASKS_EAGER = False
    ids = _queued(claimed_at=timezone.now() - CLAIM_TTL - timedelta(seconds=1))
    assert messages_deliver_batch(ids) == {"sent": 1}
    assert messages_deliver_batch(ids) == {"not-claimed": 1}  # the redelivery after that is a no-op
    assert len(locmem.outbox) == 1
    assert OutboundMessage.objects.get(pk=ids[0]).status == MessageStatus.SENT


def test_a_row_a_live_run_holds_is_left_to_it_and_looked_at_again_when_that_claim_would_be_stale(settings, locmem):
    settings.TASKS_EAGER = False
    claimed = timezone.now() - timedelta(seconds=2)
    ids = _queued(claimed_at=claimed)
    OrmQ.objects.all().delete()
    assert messages_deliver_batch(ids) == {"not-claimed": 1}
    assert locmem.outbox == []
    [(func, args, _, due)] = _tasks()
    assert func == "messaging.tasks.messages_deliver_batch" and list(args[0]) == ids
    assert claimed + CLAIM_TTL < due <= claimed + CLAIM_TTL + timedelta(seconds=2)


def test_the_minute_sweep_queues_only_claims_no_worker_can_still_hold(settings):
    settings.TASKS_EAGER = False
    now = timezone.now()
    dead = _queued(claimed_at=now - CLAIM_TTL - STALE_CLAIM_GRACE - timedelta(seconds=1))
    live = _queued(claimed_at=now - timedelta(seconds=1))
    waiting = _queued()  # its own task is still in the queue
    OrmQ.objects.all().delete()
    assert messages_requeue_stale(now=now) == 1
    [(func, args, _, _)] = _tasks()
    assert list(args[0]) == dead and not set(args[0]) & set(live + waiting)


def test_a_message_and_its_delivery_task_commit_or_roll_back_together(settings):
    settings.TASKS_EAGER = False
    with pytest.raises(RuntimeError), transaction.atomic():
        message_send(channel="sms", recipient="+12065550100", body="never")
        raise RuntimeError("the caller's transaction fails after the send")
    assert not OutboundMessage.objects.exists() and not OrmQ.objects.exists()

    msg = message_send(channel="sms", recipient="+12065550100", body="Hello")
    [(func, _, kwargs, _)] = _tasks()
    assert func == "messaging.tasks.message_deliver" and kwargs == {"message_id": msg.pk}


def test_a_batch_in_a_stopping_cluster_sends_nothing_more_and_hands_every_row_back(settings, locmem, monkeypatch):
    settings.TASKS_EAGER = False
    ids = _queued(3)
    OrmQ.objects.all().delete()
    stopping = multiprocessing.get_context("fork").Event()
    stopping.set()
    monkeypatch.setattr(queue, "_stopping", stopping)
    assert messages_deliver_batch(ids) == {"deferred": 3}
    assert locmem.outbox == []
    rows = OutboundMessage.objects.filter(pk__in=ids)
    assert {(m.status, m.claimed_at, m.attempts) for m in rows} == {(MessageStatus.QUEUED, None, 0)}
    [(func, args, _, due)] = _tasks()
    assert sorted(args[0]) == sorted(ids) and due <= timezone.now()


def test_an_unpaced_batch_that_runs_out_of_time_hands_the_rest_back_before_the_task_timeout(
        settings, locmem, monkeypatch):
    settings.TASKS_EAGER = False
    ids = _queued(3)
    OrmQ.objects.all().delete()
    monkeypatch.setattr(deliver, "BATCH_PACE_BUDGET_SECONDS", 0.0)  # a slow provider spent it all
    assert messages_deliver_batch(ids) == {"sent": 1, "deferred": 2}  # one send per run, at least
    [(func, args, _, due)] = _tasks()
    assert sorted(args[0]) == sorted(ids[1:]) and due <= timezone.now()
    assert not OutboundMessage.objects.filter(pk__in=ids[1:], claimed_at__isnull=False).exists()


def test_a_batch_whose_database_fails_mid_run_is_queued_again_for_when_its_claims_are_stale(
        settings, locmem, monkeypatch):
    settings.TASKS_EAGER = False
    ids = _queued(2)
    OrmQ.objects.all().delete()

    def lost_connection(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(deliver, "suppressed_among", lost_connection)  # after the claim, before any send
    with pytest.raises(OperationalError):
        messages_deliver_batch(ids)
    assert locmem.outbox == []
    [(func, args, _, due)] = _tasks()
    assert sorted(args[0]) == sorted(ids) and due > timezone.now() + CLAIM_TTL
    monkeypatch.undo()
    OutboundMessage.objects.filter(pk__in=ids).update(claimed_at=timezone.now() - CLAIM_TTL - timedelta(seconds=2))
    assert messages_deliver_batch(list(args[0])) == {"sent": 2}  # the new task, once it is due
