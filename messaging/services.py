"""Sending: the one service every feature uses to put a message on a channel.

``message_send`` writes the message-log row and, after commit, queues delivery on a worker.
``message_deliver`` (the task) claims the row with a conditional UPDATE, so a task that
django-q2 runs twice sends once; it paces SMS per sender, calls the transport outside any
transaction, and records the outcome. Transient errors retry with backoff and jitter a
bounded number of times; permanent ones fail the row with a readable reason.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from messaging import consent
from messaging.events import NormalizedEvent, delivery_event_apply
from messaging.models import Channel, EventType, MessageStatus, OutboundMessage
from messaging.pace import pace_wait_for_slot
from messaging.parts import sms_parts
from messaging.phones import phone_normalize
from messaging.queue import enqueue, enqueue_many
from messaging.transports import get_transport
from messaging.transports.base import OutgoingMessage, PermanentError, SendResult, TransientError

log = logging.getLogger(__name__)

# A claim older than the django-q2 task timeout belongs to a worker that was killed; the
# broker redelivers that task after `retry`, and this lets the redelivery take the row over.
CLAIM_TTL = timedelta(seconds=75)
DELIVER_TASK = "messaging.services.message_deliver"
DELIVER_BATCH_TASK = "messaging.services.messages_deliver_batch"
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
# A paced batch gives its worker back after this long, well inside django-q2's task timeout.
BATCH_PACE_BUDGET_SECONDS = 20.0


def recipient_normalize(*, channel: str, recipient: str) -> str:
    """The recipient in the form its channel needs, or ValidationError naming the problem."""
    if channel == Channel.EMAIL:
        address = (recipient or "").strip()
        validate_email(address)
        return address.lower()
    if channel in (Channel.SMS, Channel.VOICE, Channel.WHATSAPP):
        return phone_normalize(recipient)
    raise ValidationError(f"Unknown channel {channel!r}.", code="invalid_channel")


def recipient_suppressed(*, channel: str, recipient: str) -> bool:
    if channel in (Channel.SMS, Channel.VOICE):
        return consent.phone_is_opted_out(phone=recipient)
    if channel == Channel.EMAIL:
        return consent.email_is_suppressed(address=recipient)
    return False


def _owner_fields(owner: models.Model | None) -> dict:
    if owner is None:
        return {}
    return {"owner_type": ContentType.objects.get_for_model(owner), "owner_id": owner.pk}


def message_send(*, channel: str, recipient: str, body: str = "", subject: str = "", sender: str = "",
                 options: dict | None = None, owner: models.Model | None = None,
                 retry_of: OutboundMessage | None = None,
                 opt_out_confirmation: bool = False) -> OutboundMessage:
    """Log a message and queue its delivery. Suppressed recipients are logged, never sent.

    ``opt_out_confirmation`` is only for the single reply that confirms a STOP: carriers expect
    it, and it necessarily goes to a number that has just opted out.
    """
    recipient = recipient_normalize(channel=channel, recipient=recipient)
    options = dict(options or {})
    if opt_out_confirmation:
        options[OPT_OUT_CONFIRMATION] = True
    suppressed = not opt_out_confirmation and recipient_suppressed(channel=channel, recipient=recipient)
    msg = OutboundMessage.objects.create(
        channel=channel, recipient=recipient, body=body, subject=subject, sender=sender,
        options=options, retry_of=retry_of,
        parts=sms_parts(body).parts if channel == Channel.SMS else None,
        status=MessageStatus.SUPPRESSED if suppressed else MessageStatus.QUEUED,
        error="Recipient opted out or is on the suppression list." if suppressed else "",
        **_owner_fields(owner),
    )
    if not suppressed:
        transaction.on_commit(lambda: enqueue(DELIVER_TASK, message_id=msg.pk))
    return msg


def messages_send_bulk(*, channel: str, recipients: list[str], body: str, subject: str = "",
                       owner: models.Model | None = None, batch_size: int = 100) -> list[int]:
    """Log one message per recipient in a few INSERTs and queue delivery in batches.

    Recipients must already be normalized (they come from Contact rows). Campaigns to tens of
    thousands of contacts use this; one task per batch keeps the queue short.
    """
    parts = sms_parts(body).parts if channel == Channel.SMS else None
    opted_out = consent.suppressed_among(channel=channel, recipients=recipients)
    owner_fields = _owner_fields(owner)
    now = timezone.now()
    rows = [
        OutboundMessage(
            channel=channel, recipient=r, body=body, subject=subject, parts=parts, created_at=now,
            status=MessageStatus.SUPPRESSED if r in opted_out else MessageStatus.QUEUED, **owner_fields,
        )
        for r in recipients
    ]
    # PostgreSQL and SQLite both return the new primary keys from a bulk INSERT.
    created = OutboundMessage.objects.bulk_create(rows, batch_size=2000)
    ids = [m.pk for m in created]
    queued = [m.pk for m in created if m.status == MessageStatus.QUEUED]
    batches = [(queued[i:i + batch_size],) for i in range(0, len(queued), batch_size)]
    transaction.on_commit(lambda: enqueue_many(DELIVER_BATCH_TASK, batches))
    return ids


def messages_deliver_batch(message_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of queued messages (campaigns). Safe to run twice. Returns outcome counts.

    One per-message ``message_deliver`` costs four autocommitted statements (claim, read,
    opt-out check, record), each waiting for its own WAL flush; at campaign scale that, not the
    transport, is where the time goes (docs/benchmarks.md, "Campaign send"). This path claims
    the whole batch in one transaction, checks consent in one query, calls the transport per
    message outside any transaction, and records every success in one bulk UPDATE. Paced SMS
    take their slots one by one here too; transport errors keep the per-message behaviour.
    """
    counts: dict[str, int] = {}

    def tally(outcome: str) -> None:
        counts[outcome] = counts.get(outcome, 0) + 1

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
    for _ in range(len(message_ids) - len(rows)):
        tally("not-claimed")
    suppressed: set[int] = set()
    for channel in {m.channel for m in rows}:
        members = [m for m in rows if m.channel == channel and not m.options.get(OPT_OUT_CONFIRMATION)]
        stopped = consent.suppressed_among(channel=channel, recipients=[m.recipient for m in members])
        suppressed |= {m.pk for m in members if m.recipient in stopped or m.recipient.lower() in stopped}
    if suppressed:
        OutboundMessage.objects.filter(pk__in=suppressed).update(
            status=MessageStatus.SUPPRESSED, claimed_at=None,
            error="Recipient opted out or is on the suppression list.")
        for _ in suppressed:
            tally("suppressed")

    sent: list[tuple[OutboundMessage, SendResult]] = []
    transports = {}
    budget_ends = time.monotonic() + BATCH_PACE_BUDGET_SECONDS
    for index, msg in enumerate(rows):
        if msg.pk in suppressed:
            continue
        if msg.channel == Channel.SMS and settings.SMS_RATE_LIMIT > 0:
            decision = pace_wait_for_slot(sender=msg.sender or settings.SMS_ORIGINATION_IDENTITY or "default",
                                          parts=msg.parts or 1, rate=settings.SMS_RATE_LIMIT)
            if not decision.go or time.monotonic() > budget_ends:
                # The sender is busy further ahead than a worker should sleep, or this batch has
                # held its worker long enough: hand the rest back as a batch due later.
                rest = [m.pk for m in rows[index:] if m.pk not in suppressed]
                _release_claims(rest)
                enqueue(DELIVER_BATCH_TASK, rest,
                        due_at=timezone.now() + timedelta(seconds=decision.wait if not decision.go else 0))
                for _ in rest:
                    tally("deferred")
                break
        transport = transports.setdefault(msg.channel, get_transport(msg.channel))
        outgoing = OutgoingMessage(log_id=msg.pk, channel=msg.channel, recipient=msg.recipient, body=msg.body,
                                   subject=msg.subject, sender=msg.sender, options=msg.options)
        try:
            result = transport.send(outgoing)
        except (TransientError, PermanentError) as exc:
            tally(_after_send_error(msg, exc))
            continue
        sent.append((msg, result))
    if sent:
        _record_sent_bulk(sent)
        for msg, _ in sent:
            after_sent = getattr(transports[msg.channel], "sent", None)
            if after_sent:
                after_sent(msg.pk)
            tally("sent")
    return counts


def _release_claims(message_ids: list[int]) -> None:
    OutboundMessage.objects.filter(pk__in=message_ids, status=MessageStatus.QUEUED).update(
        claimed_at=None, attempts=F("attempts") - 1)


def _record_sent_bulk(sent: list[tuple[OutboundMessage, SendResult]]) -> None:
    """Mark a batch ``sent`` with its provider ids in one UPDATE … FROM (VALUES …).

    Django's ``bulk_update`` builds a CASE per field per row; for 200 rows that cost more
    than the sends themselves. PostgreSQL and SQLite (3.33+) both run UPDATE … FROM, and
    both name VALUES columns column1, column2, …. The status condition keeps the per-message
    path's guarantee that a row that moved on meanwhile is not overwritten.
    """
    table = OutboundMessage._meta.db_table
    now = timezone.now()
    rows = ", ".join(["(CAST(%s AS BIGINT), %s, %s, %s)"] * len(sent))
    params: list = []
    for msg, result in sent:
        params += [msg.pk, result.provider_message_id, result.provider_alt_id, result.sender or msg.sender]
    sql = (
        f"UPDATE {table} SET status = %s, provider_message_id = v.column2, provider_alt_id = v.column3, "
        f"sender = v.column4, sent_at = %s, updated_at = %s, claimed_at = NULL, error_code = '', error = '' "
        f"FROM (VALUES {rows}) AS v WHERE {table}.id = v.column1 AND {table}.status = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [MessageStatus.SENT, now, now, *params, MessageStatus.QUEUED])


def _after_send_error(msg: OutboundMessage, exc: Exception) -> str:
    """Record a transport error on a claimed row: retry with backoff (transient) or fail."""
    if isinstance(exc, TransientError):
        if msg.attempts > settings.SEND_MAX_RETRIES:
            _fail(msg, exc, note=f" (gave up after {msg.attempts} attempts)")
            return "failed"
        delay = _backoff(msg.attempts)
        OutboundMessage.objects.filter(pk=msg.pk).update(
            claimed_at=None, error_code=exc.code[:100], error=f"{exc} — retrying in {delay:.0f} s")
        enqueue(DELIVER_TASK, message_id=msg.pk, due_at=timezone.now() + timedelta(seconds=delay))
        return "retry"
    _fail(msg, exc)
    if exc.opted_out:
        consent.optout_record(phone=msg.recipient, keyword=exc.code, source="provider")
    return "failed"


def _backoff(attempt: int) -> float:
    base = settings.SEND_RETRY_BASE_SECONDS * (2 ** max(attempt - 1, 0))
    return min(base, 300.0) * random.uniform(0.5, 1.5)


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
