"""Delivering: claim, check consent, pace, call the transport, record, retry.

``messages_deliver_batch`` (the task) claims rows with a conditional UPDATE, so a task that
django-q2 runs twice sends once; it paces SMS per sender and bulk sends' calls, calls the transport outside any
transaction, and records each outcome the moment the provider answers, so a worker killed at
any point leaves at most the one call that was in flight unrecorded. Transient errors retry
with backoff and jitter a bounded number of times; permanent ones fail the row with a readable
reason. docs/architecture.md ("Sending under crashes") has the timings this relies on.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.exceptions import TimeoutException

from messaging.audience.bulk_voice import PACE_KEY as VOICE_PACE_KEY
from messaging.audience.bulk_voice import is_paced_call
from messaging.consent.optouts import optout_record, suppressed_among
from messaging.events.apply import delivery_event_apply
from messaging.events.types import NormalizedEvent
from messaging.models import Channel, EventType, MessageStatus, OutboundMessage
from messaging.outbound.attachments import attachments_resolve
from messaging.outbound.pace import PaceDecision, pace_wait_for_slot
from messaging.outbound.refusals import sends_refused
from messaging.outbound.send import DELIVER_BATCH_TASK, DELIVER_TASK, OPT_OUT_CONFIRMATION
from messaging.scheduling.backoff import backoff_seconds
from messaging.scheduling.queue import enqueue_many_with, enqueue_with, worker_stopping
from messaging.transports import get_transport
from messaging.transports.base import OutgoingMessage, PermanentError, SendResult, TransientError

log = logging.getLogger(__name__)

# A live worker never holds a claim longer than django-q2's task `timeout` (the task is stopped
# then), so an older claim belongs to a worker that died. The broker redelivers a killed
# worker's task after `retry` (a little longer), and the redelivery takes the row over.
CLAIM_TTL = timedelta(seconds=settings.Q_CLUSTER["timeout"] + 2)
# The minute sweep leaves a dead claim this much longer to the redelivered task, which is faster.
STALE_CLAIM_GRACE = timedelta(seconds=30)
# A throttled send waits at most this long (before jitter) between tries.
SEND_RETRY_CAP_SECONDS = 300.0
# A batch, paced or not, gives its worker back after this long, well inside django-q2's task
# timeout: 200 calls to a provider at 100 ms each would otherwise outlast it.
BATCH_PACE_BUDGET_SECONDS = min(10.0, settings.Q_CLUSTER["timeout"] / 2)


def messages_deliver_batch(message_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of queued messages; if the run fails, queue the batch again first.

    django-q2 acknowledges a failed task (``ack_failures``) and stops one that outlives its
    ``timeout`` by raising inside it, so without this a batch whose database went away, or that
    ran out of time, would have no task left: its unclaimed rows would stay queued for ever. The
    new task is due once any claim this run made has gone stale. If the database is still down,
    queuing fails too, and so does django-q2's acknowledgement, which leaves the original task to
    be delivered again after ``retry``.
    """
    try:
        return _deliver_batch(message_ids)
    except (DatabaseError, TimeoutException):
        log.exception("delivery batch of %d message(s) failed; queuing it again", len(message_ids))
        try:
            if not connection.in_atomic_block and connection.connection is not None and not connection.is_usable():
                connection.close()  # a broken connection is replaced on the next query
            enqueue_with(DELIVER_BATCH_TASK, list(message_ids),
                         due_at=timezone.now() + CLAIM_TTL + timedelta(seconds=1))
        except DatabaseError:
            log.exception("could not queue the batch again; django-q2 will deliver it again")
        raise


def _deliver_batch(message_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of queued messages (campaigns). Safe to run twice. Returns outcome counts.

    The batch is claimed in one transaction and consent checked in one query; then each message
    is paced, handed to its transport outside any transaction, and recorded at once. Recording
    per message costs one UPDATE each (docs/benchmarks.md, "Campaign send"), and buys the crash
    guarantee: a worker killed at any moment leaves at most its in-flight call unrecorded, and
    the rows it still held go back to the queue when its task is redelivered. A batch that runs
    out of pacing budget, or whose cluster is stopping, hands the rest back as a new task.
    """
    counts: dict[str, int] = {}

    def tally(outcome: str, n: int = 1) -> None:
        if n:
            counts[outcome] = counts.get(outcome, 0) + n

    now = timezone.now()
    with transaction.atomic():
        # Row locks with SKIP LOCKED on PostgreSQL (SQLite's IMMEDIATE transaction serialises
        # instead), so two runs of the same task never both claim a row.
        rows = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk__in=message_ids, status=MessageStatus.QUEUED)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TTL))
            .order_by("pk")
        )
        OutboundMessage.objects.filter(pk__in=[m.pk for m in rows]).update(
            claimed_at=now, attempts=F("attempts") + 1)
        for m in rows:  # the retry limit reads this attempt count
            m.claimed_at, m.attempts = now, m.attempts + 1
    tally("not-claimed", len(message_ids) - len(rows))
    if len(rows) < len(message_ids):
        _recheck_held_elsewhere(message_ids=message_ids, claimed={m.pk for m in rows}, now=now)
    suppressed: set[int] = set()
    for channel in {m.channel for m in rows}:
        members = [m for m in rows if m.channel == channel and not m.options.get(OPT_OUT_CONFIRMATION)]
        stopped = suppressed_among(channel=channel, recipients=[m.recipient for m in members])
        suppressed |= {m.pk for m in members if m.recipient in stopped or m.recipient.lower() in stopped}
    if suppressed:
        OutboundMessage.objects.filter(pk__in=suppressed).update(
            status=MessageStatus.SUPPRESSED, claimed_at=None,
            error="Recipient opted out or is on the suppression list.")
        tally("suppressed", len(suppressed))

    pending = [m for m in rows if m.pk not in suppressed]
    refused = sends_refused(pending)
    for msg in pending:
        if msg.pk in refused:
            _fail(msg, refused[msg.pk])
            tally("failed")
    pending = [m for m in pending if m.pk not in refused]
    transports = {}
    budget_ends = time.monotonic() + BATCH_PACE_BUDGET_SECONDS
    for index, msg in enumerate(pending):
        # At least one send per run, so a budget spent on the claim still makes progress.
        if worker_stopping() or (index and time.monotonic() > budget_ends):
            tally("deferred", _hand_back(pending[index:], due_at=timezone.now()))
            break
        decision = _pace(msg)
        if decision is not None:
            if not decision.go or time.monotonic() > budget_ends or worker_stopping():
                # The sender is busy further ahead than a worker should sleep, or this batch has
                # held its worker long enough: hand the rest back as a batch due later.
                wait = decision.wait if not decision.go else 0
                tally("deferred", _hand_back(pending[index:], due_at=timezone.now() + timedelta(seconds=wait)))
                break
        transport = transports.setdefault(msg.channel, get_transport(msg.channel))
        outgoing = OutgoingMessage(log_id=msg.pk, channel=msg.channel, recipient=msg.recipient, body=msg.body,
                                   subject=msg.subject, sender=msg.sender, options=attachments_resolve(msg.options),
                                   about=_about(msg))
        try:
            result = transport.send(outgoing)
        except (TransientError, PermanentError) as exc:
            tally(_after_send_error(msg, exc))
            continue
        _record_sent(msg, result)
        transport.sent(msg.pk)
        tally("sent")
    return counts


def _pace(msg: OutboundMessage) -> PaceDecision | None:
    """Wait for ``msg``'s slot under its rate limit (None: not paced). SMS per sender; a bulk
    send's calls under one row, as StartOutboundVoiceContact's quota is per account and Region."""
    if msg.channel == Channel.SMS and settings.SMS_RATE_LIMIT > 0:
        return pace_wait_for_slot(sender=msg.sender or settings.SMS_ORIGINATION_IDENTITY or "default",
                                  parts=msg.parts or 1, rate=settings.SMS_RATE_LIMIT, give_up=worker_stopping)
    if is_paced_call(msg) and settings.VOICE_CALLS_PER_SECOND > 0:
        return pace_wait_for_slot(sender=VOICE_PACE_KEY, parts=1, rate=settings.VOICE_CALLS_PER_SECOND,
                                  give_up=worker_stopping)
    return None


def _about(msg: OutboundMessage) -> str:
    """"app_label.model:id" of the message's owner, or "" (ContentType caches the lookup)."""
    if msg.owner_type_id is None:
        return ""
    ct = ContentType.objects.get_for_id(msg.owner_type_id)
    return f"{ct.app_label}.{ct.model}:{msg.owner_id}"


def _hand_back(rows: list[OutboundMessage], *, due_at) -> int:
    """Give claimed rows back to the queue as one batch due at ``due_at``; returns how many.

    The new task and the released claims commit together, so a crash here either leaves the
    claims (recovered once they go stale) or a task for every row, never neither.
    """
    ids = [m.pk for m in rows]
    with transaction.atomic():
        OutboundMessage.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).update(
            claimed_at=None, attempts=F("attempts") - 1)
        enqueue_with(DELIVER_BATCH_TASK, ids, due_at=due_at)
    return len(ids)


def _recheck_held_elsewhere(*, message_ids: list[int], claimed: set[int], now) -> None:
    """Queue a later look at rows another run holds, for when that claim would have gone stale.

    Most often that run is alive and the later look finds nothing left to do. If it died, its
    own task comes back after django-q2's ``retry`` too; whichever runs first sends, once.
    """
    held = list(OutboundMessage.objects.filter(pk__in=message_ids, status=MessageStatus.QUEUED,
                                               claimed_at__isnull=False)
                .exclude(pk__in=claimed).values_list("pk", "claimed_at"))
    if held:
        due = max(at for _, at in held) + CLAIM_TTL + timedelta(seconds=1)
        enqueue_with(DELIVER_BATCH_TASK, [pk for pk, _ in held], due_at=max(due, now))


def messages_requeue_stale(*, now=None) -> int:
    """Scheduled every minute: queue again any message whose claim outlived every worker.

    The redelivered task normally takes such rows up well before this runs; this covers a task
    that was lost instead (acknowledged as failed while the database was down, say), so that no
    message stays claimed for ever. Returns how many rows were queued again.
    """
    now = now or timezone.now()
    ids = list(OutboundMessage.objects.filter(
        status=MessageStatus.QUEUED, claimed_at__lt=now - CLAIM_TTL - STALE_CLAIM_GRACE,
    ).order_by("pk").values_list("pk", flat=True)[:10_000])
    enqueue_many_with(DELIVER_BATCH_TASK, [(ids[i:i + 100],) for i in range(0, len(ids), 100)])
    if ids:
        log.warning("re-queued %d message(s) whose worker died holding them", len(ids))
    return len(ids)


def _record_sent(msg: OutboundMessage, result: SendResult) -> None:
    """Record one send the moment the provider accepted it: one statement, one round trip.

    The status condition keeps a row that moved on meanwhile (a fast delivery event) as it is.
    On PostgreSQL the commit is asynchronous: the row is in the server's WAL buffers when the
    statement returns, so a worker killed right after loses nothing, and the worker need not
    wait for the WAL flush, which halved the cost per message (docs/benchmarks.md, "Campaign
    send"). Only a crash of the database server itself can forget the last ~0.6 s of these
    (3 × wal_writer_delay); those messages are then sent again, never lost.
    """
    now = timezone.now()
    params = [MessageStatus.SENT, result.provider_message_id, result.provider_alt_id, result.sender or msg.sender,
              now, now, msg.pk, MessageStatus.QUEUED]
    if connection.vendor != "postgresql":
        OutboundMessage.objects.filter(pk=msg.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENT, provider_message_id=result.provider_message_id,
            provider_alt_id=result.provider_alt_id, sender=result.sender or msg.sender, sent_at=now,
            updated_at=now, claimed_at=None, error_code="", error="")
        return
    table = OutboundMessage._meta.db_table
    with connection.cursor() as cursor:
        # Two statements in one simple query run as one implicit transaction (Django's psycopg
        # cursors bind on the client), so SET LOCAL covers exactly this UPDATE.
        cursor.execute(
            f"SET LOCAL synchronous_commit TO OFF; "
            f"UPDATE {table} SET status = %s, provider_message_id = %s, provider_alt_id = %s, sender = %s, "
            f"sent_at = %s, updated_at = %s, claimed_at = NULL, error_code = '', error = '' "
            f"WHERE id = %s AND status = %s", params)


def _after_send_error(msg: OutboundMessage, exc: Exception) -> str:
    """Record a transport error on a claimed row: retry with backoff (transient) or fail."""
    if isinstance(exc, TransientError):
        if msg.attempts > settings.SEND_MAX_RETRIES:
            _fail(msg, exc, note=f" (gave up after {msg.attempts} attempts)")
            return "failed"
        delay = backoff_seconds(settings.SEND_RETRY_BASE_SECONDS, msg.attempts - 1, cap=SEND_RETRY_CAP_SECONDS,
                                jitter=True)
        with transaction.atomic():
            OutboundMessage.objects.filter(pk=msg.pk).update(
                claimed_at=None, error_code=exc.code[:100], error=f"{exc} — retrying in {delay:.0f} s")
            enqueue_with(DELIVER_TASK, message_id=msg.pk, due_at=timezone.now() + timedelta(seconds=delay))
        return "retry"
    _fail(msg, exc)
    if exc.opted_out:
        optout_record(phone=msg.recipient, keyword=exc.code, source="provider")
    return "failed"


def message_deliver(*, message_id: int) -> str:
    """Hand one queued message to its transport: a batch of one, so both paths claim, check
    consent, pace, send and record in the same code. Safe to run twice. Returns what happened."""
    return next(iter(messages_deliver_batch([message_id])))


def _fail(msg: OutboundMessage, exc: Exception, note: str = "") -> None:
    code = getattr(exc, "code", "") or type(exc).__name__
    OutboundMessage.objects.filter(pk=msg.pk).update(
        status=MessageStatus.FAILED, failed_at=timezone.now(), claimed_at=None,
        error_code=code[:100], error=f"{exc}{note}")
    msg.refresh_from_db()
    # The same path as a provider's failure event, so the outcome hooks (fallback) hear of it.
    delivery_event_apply(
        event=NormalizedEvent(
            event_type=EventType.FAILED, provider_message_id=msg.provider_message_id, channel=msg.channel,
            provider_event="SEND_ERROR", permanent=True, description=f"{exc}{note}",
            raw={"error": str(exc), "code": code, "context": getattr(exc, "context", {})},
            recipient=msg.recipient,
        ),
        message=msg,
    )
