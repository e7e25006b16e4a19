"""Durable one-shot timers: reminders, escalation steps, channel fallbacks.

A timer is our own row (due time, state, callback) so that it is visible in the admin,
cancellable, and survives restarts. Firing is handed to django-q2's ORM broker with the row's
``lock`` set to the due time (messaging.scheduling.queue), which runs it within about one poll interval.
A sweep scheduled every minute fires anything overdue that the queue lost (a task acknowledged
as failed, a queue purged by hand). ``timer_fire`` claims the row under a lock and checks its
state, so a duplicate or stale run does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from messaging.models import Timer, TimerState, owner_fields
from messaging.scheduling.queue import enqueue

log = logging.getLogger(__name__)

TIMER_MAX_ATTEMPTS = 3
# A timer this far past due with no firing is picked up by the sweep; below this it is
# still in flight on the queue and firing it from the sweep would only race the worker.
SWEEP_GRACE = timedelta(seconds=5)
TIMER_FIRE_TASK = "messaging.tasks.timer_fire"


def timer_schedule(*, callback: str, due_at: datetime, kwargs: dict | None = None,
                   owner: models.Model | None = None, label: str = "") -> Timer:
    """Create a timer that calls ``callback(**kwargs)`` once at ``due_at``.

    The callback runs inside the transaction that marks the timer fired, so its database
    changes and the timer's state commit together; provider calls it triggers go through the
    send service, which defers them until after commit.
    """
    import_string(callback)  # fail now, not at 3 a.m. when it is due
    timer = Timer.objects.create(callback=callback, kwargs=kwargs or {}, due_at=due_at, label=label,
                                 **owner_fields(owner))
    transaction.on_commit(lambda: enqueue(TIMER_FIRE_TASK, timer_id=timer.pk, due_at=due_at))
    return timer


def timer_cancel(*, timer_id: int) -> bool:
    return Timer.objects.filter(pk=timer_id, state=TimerState.PENDING).update(state=TimerState.CANCELLED) == 1


def timers_cancel_for(*, owner: models.Model, skip_locked: bool = False) -> int:
    """Cancel every pending timer of ``owner`` (an incident that was acknowledged, say).

    ``skip_locked`` leaves alone a timer a worker is firing at this moment. A caller that holds a
    lock the firing callback will ask for (the owner's row) must use it, or the two wait on each
    other; the skipped timer's callback then has to see for itself that it is stale.
    """
    pending = Timer.objects.owned_by(owner).filter(state=TimerState.PENDING)
    if skip_locked:
        pending = Timer.objects.filter(pk__in=list(
            pending.select_for_update(skip_locked=True).values_list("pk", flat=True)), state=TimerState.PENDING)
    return pending.update(state=TimerState.CANCELLED)


def timer_fire(*, timer_id: int, now: datetime | None = None) -> bool:
    """Fire one timer if it is still pending and due. Returns whether its callback ran."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            timer = Timer.objects.select_for_update().filter(pk=timer_id, state=TimerState.PENDING).first()
            if timer is None:
                return False  # cancelled, or a duplicate run after the first one fired it
            if timer.due_at > now + timedelta(milliseconds=50):
                # Queued early (the clock moved, or a hand-run); put it back for its time.
                transaction.on_commit(
                    lambda: enqueue(TIMER_FIRE_TASK, timer_id=timer_id, due_at=timer.due_at)
                )
                return False
            timer.state = TimerState.FIRED
            timer.fired_at = now
            timer.attempts += 1
            timer.save(update_fields=["state", "fired_at", "attempts"])
            import_string(timer.callback)(**timer.kwargs)
        return True
    except Exception as exc:  # the callback failed: its changes rolled back, the timer is pending
        log.exception("timer %s failed", timer_id)
        timer = Timer.objects.get(pk=timer_id)
        attempts = timer.attempts + 1
        state = TimerState.FAILED if attempts >= TIMER_MAX_ATTEMPTS else TimerState.PENDING
        Timer.objects.filter(pk=timer_id, state=TimerState.PENDING).update(
            attempts=attempts, error=f"{type(exc).__name__}: {exc}", state=state
        )
        return False


def timers_fire_due(*, now: datetime | None = None, grace: timedelta = timedelta(0)) -> int:
    """Fire every pending timer due by ``now - grace``: the sweep, and the tests' clock."""
    now = now or timezone.now()
    ids = list(
        Timer.objects.filter(state=TimerState.PENDING, due_at__lte=now - grace)
        .order_by("due_at").values_list("pk", flat=True)[:1000]
    )
    return sum(timer_fire(timer_id=pk, now=now) for pk in ids)


def timers_sweep() -> int:
    """Scheduled every minute: fire what the queue lost, so that no timer is ever lost."""
    return timers_fire_due(grace=SWEEP_GRACE)
