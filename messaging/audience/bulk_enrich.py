"""The enrichment step of a bulk send: each due recipient's send-time data is fetched before
their message is placed, with no database transaction open.

``bulk_send_place`` (which runs inside a timer's transaction) places only recipients whose
answer is stored and queues this step for the others. The step claims each recipient by a
one-row UPDATE (two workers never call for the same person), calls the URL outside any
transaction, stores the answer on the row (``ext``: the cache, so a retry or a reminder never
calls again), applies the send's failure policy, and places again. It works for at most
``ENRICH_SECONDS``; what is left is queued again by that placing.

Failure policies (``on_failure``): ``skip`` fails the recipient with the reason; ``send_without``
sends with the ``{ext.*}`` placeholders empty (the reason stays in ``error``); ``hold`` defers the
recipient and tries again on a durable timer with backoff, ``retries`` times, then fails them.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from messaging.audience.bulk_sends import bulk_send_place, enrich_due, release_timer
from messaging.audience.enrichment import EnrichmentFailed, enrichment_fetch
from messaging.models import BulkRecipient, BulkSend, RecipientStatus
from messaging.scheduling.backoff import backoff_seconds

ENRICH_SECONDS = 8.0  # inside django-q2's Q_TIMEOUT (15 s), one call's timeout included
CHUNK = 64  # recipients claimed and called together
WORKERS = 16  # calls in flight at once: the receiver's latency, not our CPU, bounds the rate
# A claimed recipient is invisible to other fetches this long: a worker that died lets it lapse.
CLAIM = timedelta(seconds=60)
RETRIES_DEFAULT = 3


def bulk_send_enrich(*, bulk_id: int, at: str = "") -> int:
    """Task: fetch the due recipients' data, then place them. Returns how many answers were stored."""
    if connection.in_atomic_block:  # the calls run on threads, whose connections cannot tell
        raise RuntimeError("bulk_send_enrich inside a database transaction")
    now = max(timezone.now(), datetime.fromisoformat(at)) if at else timezone.now()
    send = BulkSend.objects.filter(pk=bulk_id).first()
    if send is None or not send.enrichment:
        return 0
    stop, stored = monotonic() + ENRICH_SECONDS, 0
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        while monotonic() < stop:
            batch = _claim(send, now=now)
            if not batch:
                break
            answers = pool.map(lambda r: _call(send.enrichment["url"], r), batch)
            answers = list(answers)  # every call of the chunk has ended before the transaction opens
            with transaction.atomic():  # one commit per chunk, not one per row
                for recipient, (ext, reason) in zip(batch, answers, strict=True):
                    stored += _store(send, recipient, ext=ext, reason=reason, now=now)
    bulk_send_place(bulk_id=bulk_id, now=now)
    return stored


def _claim(send: BulkSend, *, now: datetime) -> list[BulkRecipient]:
    """Up to CHUNK due recipients, taken by one conditional UPDATE that moves their ``release_at``
    to an instant of this claim's own: two workers never take, and never call for, the same one.
    The rows returned keep their own ``release_at``, which ``_store`` puts back."""
    before = {r.pk: r for r in enrich_due(send, now=now).order_by("pk")[:CHUNK]}
    if not before:
        return []
    token = now + CLAIM + timedelta(microseconds=secrets.randbelow(10**6))
    enrich_due(send, now=now).filter(pk__in=list(before)).update(release_at=token)
    won = BulkRecipient.objects.filter(pk__in=list(before), release_at=token).values_list("pk", flat=True)
    return [before[pk] for pk in sorted(won)]


def _call(url: str, r: BulkRecipient) -> tuple[dict | None, str]:
    try:
        return enrichment_fetch(url=url, recipient=r.address, columns=r.columns or {}), ""
    except EnrichmentFailed as exc:
        return None, f"The enrichment URL {exc}"


def _store(send: BulkSend, r: BulkRecipient, *, ext: dict | None, reason: str, now: datetime) -> int:
    """Write the answer, or the policy's outcome, on the row; its release_at back to its own."""
    # Still waiting: a send cancelled (or expired) meanwhile keeps its own reason.
    rows = BulkRecipient.objects.filter(pk=r.pk, released_at__isnull=True,
                                        status__in=[RecipientStatus.QUEUED, RecipientStatus.DEFERRED])
    if ext is not None:
        return rows.update(ext=ext, release_at=r.release_at, error="")
    policy = send.enrichment.get("on_failure", "skip")
    if policy == "send_without":
        rows.update(ext={}, release_at=r.release_at, error=f"Sent without its data: {reason}.")
    elif policy == "hold" and r.ext_attempts < send.enrichment.get("retries", RETRIES_DEFAULT):
        # Whole seconds, so that recipients held together share one timer.
        wait = backoff_seconds(settings.ENRICHMENT_RETRY_BASE_SECONDS, r.ext_attempts, cap=3600)
        at = (now + timedelta(seconds=wait)).replace(microsecond=0)
        rows.update(status=RecipientStatus.DEFERRED, release_at=at, ext_attempts=r.ext_attempts + 1,
                    error=f"Held: {reason}; try {r.ext_attempts + 2} at {at:%H:%M:%S} UTC.")
        release_timer(send=send, at=at, label=f"Bulk send #{send.pk}: retry send-time data")
    else:
        tries = f" after {r.ext_attempts + 1} tries" if policy == "hold" else ""
        rows.update(status=RecipientStatus.FAILED, release_at=r.release_at, error=f"Not sent: {reason}{tries}.")
    return 0
