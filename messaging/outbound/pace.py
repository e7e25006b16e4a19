"""The per-sender SMS rate limit, shared by every worker process through one database row.

Each sender has a ``next_free_at``: the earliest moment its next part may go. A worker takes a
slot by locking that row, moving ``next_free_at`` on by ``parts / rate`` seconds, and then
sleeping until its slot. Parts therefore leave at most ``rate`` per second per sender however
many processes send, and the spacing is even rather than bursty. A slot more than
``max_wait`` away is not taken; the caller re-queues the message for later instead of holding a
worker asleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from messaging.models import SenderPace

# Slots are spaced for 99% of the limit. A worker calls the provider when it wakes, a few
# milliseconds after its slot, and that jitter alone pushed a one-second window to 202-203
# sends at a limit of 200 (docs/benchmarks.md); 1% of headroom absorbs it.
PACE_HEADROOM = 0.99


@dataclass(frozen=True)
class PaceDecision:
    go: bool
    wait: float  # seconds to sleep before sending (go) or to defer by (not go)
    slot: datetime | None = None  # the moment the taken slot starts (go)


def _pace_acquire_one_statement(*, key: str, step: timedelta, max_wait: float) -> PaceDecision | None:
    """The PostgreSQL path: take a slot in one UPDATE, so the row is locked for one statement.

    Locking the row with SELECT FOR UPDATE, saving it and committing held the lock over four
    round trips; every worker of every cluster queues on that one row, which held the send rate
    near 120/s on a loaded two-core machine against a limit of 200/s (docs/benchmarks.md).
    Returns None when the sender has no row yet.
    """
    table = connection.ops.quote_name(SenderPace._meta.db_table)
    for _ in range(3):
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET next_free_at = GREATEST(next_free_at, %s) + %s "
                f"WHERE sender = %s AND GREATEST(next_free_at, %s) <= %s RETURNING next_free_at",
                [now, step, key, now, now + timedelta(seconds=max_wait)],
            )
            row = cursor.fetchone()
            if row:
                slot = row[0] - step
                return PaceDecision(True, max((slot - now).total_seconds(), 0.0), slot)
            cursor.execute(f"SELECT next_free_at FROM {table} WHERE sender = %s", [key])
            row = cursor.fetchone()
        if row is None:
            return None
        wait = (row[0] - now).total_seconds()
        if wait > max_wait:
            return PaceDecision(False, wait - max_wait / 2)
        # The row was created by another worker after our UPDATE looked: take a slot in it.
    return PaceDecision(False, 0.0)


def pace_acquire(*, sender: str, parts: int, rate: float, max_wait: float = 2.0) -> PaceDecision:
    if rate <= 0:
        return PaceDecision(True, 0.0)
    rate *= PACE_HEADROOM
    key = sender or "default"
    if connection.vendor == "postgresql":
        decision = _pace_acquire_one_statement(key=key, step=timedelta(seconds=max(parts, 1) / rate),
                                               max_wait=max_wait)
        if decision is not None:
            return decision
    with transaction.atomic():
        pace = SenderPace.objects.select_for_update().filter(sender=key).first()
        if pace is None:
            try:
                with transaction.atomic():
                    pace = SenderPace.objects.create(sender=key, next_free_at=timezone.now())
            except IntegrityError:  # another worker created it first
                pace = SenderPace.objects.select_for_update().get(sender=key)
        now = timezone.now()
        slot = max(now, pace.next_free_at)
        wait = (slot - now).total_seconds()
        if wait > max_wait:
            return PaceDecision(False, wait - max_wait / 2)
        pace.next_free_at = slot + timedelta(seconds=max(parts, 1) / rate)
        pace.save(update_fields=["next_free_at"])
    return PaceDecision(True, wait, slot)


# A worker that wakes later than this after its slot does not send in it: its late send would
# crowd the next senders' slots. A window of one second then holds at most
# rate × headroom × (1 + tolerance) + 1 sends: 198 × 1.005 + 1 ≤ 200 at a limit of 200.
LATE_TOLERANCE_SECONDS = 0.005


def pace_wait_for_slot(*, sender: str, parts: int, rate: float, max_wait: float = 2.0,
                       tries: int = 20, give_up: Callable[[], bool] = lambda: False) -> PaceDecision:
    """Take a slot and sleep until it; returns ``go`` only when the caller may send right now.

    A slot the worker overslept (scheduling delay, GC) is given up and a fresh one taken, so the
    spacing between actual sends, not only between reserved slots, holds. Returns a not-``go``
    decision with the delay to re-queue by when the sender is booked too far ahead. ``give_up``
    is asked before every try: a worker whose cluster is stopping must not spend up to ``tries``
    slots here (ten seconds at 2 parts a second) before it hands its batch back.
    """
    for _ in range(tries):
        if give_up():
            return PaceDecision(False, 0.0)
        decision = pace_acquire(sender=sender, parts=parts, rate=rate, max_wait=max_wait)
        if not decision.go or decision.slot is None:
            return decision
        if decision.wait > 0:
            time.sleep(decision.wait)
        # Measured against the slot itself: a slot can already be stale when it is handed out,
        # if the statement waited for another worker's lock on the pacing row.
        if time.time() - decision.slot.timestamp() <= LATE_TOLERANCE_SECONDS:
            return PaceDecision(True, 0.0, decision.slot)
    return PaceDecision(False, 1.0)  # persistently late: the machine is overloaded; back off
