"""The bulk-send service: recipients in, messages out at the right hour. The API, the admin and
the S3 drop all create their sends here and send them through ``bulk_send_place``.

1. ``bulk_send_create`` (API) or ``recipients_add`` (a checked CSV) write the send and one
   ``BulkRecipient`` row per recipient, in one transaction.
2. ``bulk_send_begin``: a ``send_at`` in the future holds the whole send behind one durable timer
   (visible in Timers, cancellable); otherwise it places the recipients now.
3. ``bulk_send_place`` takes the recipients that are due, 1,000 at a time for at most a few
   seconds, under the send's row lock: those outside quiet hours in every zone they can be in
   get their message logged (the send queue paces it as it paces a campaign); the rest are
   ``deferred`` until their window ends, one timer per release instant (never one per
   recipient), and one whose window would end after ``expires_at`` fails with that reason.
   What is left after those seconds continues on a timer due at once, so no single transaction
   or task grows with the audience.
4. A send with an enrichment URL places only recipients whose answer is stored (``ext``); for
   the others it queues ``bulk_enrich``, which calls the URL with no transaction open, stores
   the answers, and places again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from time import monotonic

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from messaging.audience import quiet_hours
from messaging.audience.bulk_hold import quiet_window, recipient_zones
from messaging.audience.bulk_text import (
    recipient_message,
    template_find,
    template_validate,
    text_validate,
    topic_opted_out,
)
from messaging.audience.confirmations import confirm_schedule, reminders_schedule
from messaging.models import (
    BulkPurpose,
    BulkRecipient,
    BulkSend,
    BulkSendStatus,
    Channel,
    Contact,
    RecipientStatus,
    Tag,
    Timer,
    TimerState,
    Topic,
)
from messaging.outbound.attachments import attachments_check
from messaging.outbound.send import messages_send_bulk
from messaging.scheduling.queue import enqueue_with
from messaging.scheduling.timers import timer_schedule, timers_cancel_for

RELEASE_TASK = "messaging.tasks.bulk_send_release"
EXPIRE_TASK = "messaging.tasks.bulk_send_expire"
ENRICH_TASK = "messaging.tasks.bulk_send_enrich"
PLACE_BATCH = 1000
# Well inside django-q2's timeout (Q_TIMEOUT, 15 s) even on a loaded machine: one more batch may
# start just before it passes.
PLACE_SECONDS = 4.0
# A release instant this close to now is now: a timer is not worth a few milliseconds.
NOW_SLACK = timedelta(milliseconds=500)
# A due recipient this long without a pending timer is one the sweep places.
SWEEP_GRACE = timedelta(minutes=2)
DONE = (BulkSendStatus.SENT, BulkSendStatus.CANCELLED, BulkSendStatus.FAILED)


# --- writing a send ----------------------------------------------------------------------------

def _tag_recipients(*, tag: Tag, channel: str) -> list[tuple[str, Contact, dict]]:
    rows = []
    for contact in Contact.objects.filter(tags=tag).order_by("pk"):
        address = {Channel.EMAIL: contact.email.lower(),
                   Channel.WHATSAPP: contact.whatsapp or contact.phone}.get(channel, contact.phone)
        rows.append((address, contact, {}))
    return rows


def listed_recipients(*, recipients: list[dict], channel: str) -> list[tuple[str, Contact | None, dict]]:
    key = "email" if channel == Channel.EMAIL else "phone"
    addresses = [str(r[key]).lower() if key == "email" else str(r[key]) for r in recipients]
    if key == "email":
        # Contacts keep an email as typed (Ana@Example.com); addresses compare without case.
        known = {c.email.lower(): c for c in Contact.objects.annotate(address=Lower("email"))
                 .filter(address__in=addresses).order_by("-pk")}
    else:
        known = {c.phone: c for c in Contact.objects.filter(phone__in=addresses)}
    return [(a, known.get(a), {k: v for k, v in r.items() if k not in ("phone", "email")})
            for a, r in zip(addresses, recipients, strict=True)]


@transaction.atomic
def bulk_send_create(*, name: str, channel: str = Channel.SMS, message: str = "", template: str = "",
                     subject: str = "", tag: str = "", recipients: list[dict] | None = None,
                     send_at: datetime | None = None, quiet: tuple[time, time] | None = None,
                     expires_at: datetime | None = None, purpose: str = BulkPurpose.TRANSACTIONAL,
                     topic: str = "", confirm: dict | None = None, enrichment: dict | None = None,
                     source: str = "api", created_by=None, api_key=None, now: datetime | None = None,
                     attachments: list[int] | None = None) -> BulkSend:
    """Write a send and its recipients and begin it; ValidationError naming each bad field."""
    now = now or timezone.now()
    if template and template_find(name=template) is None:
        raise ValidationError({"template": f"Unknown template {template!r}."})
    if tag:
        found = Tag.objects.filter(name=tag).first()
        if found is None:
            raise ValidationError({"tag": f"No tag {tag!r}."})
        rows = _tag_recipients(tag=found, channel=channel)
    else:
        rows = listed_recipients(recipients=recipients or [], channel=channel)
    columns = [r[2] for r in rows] if not tag else []
    if template:
        template_validate(name=template, columns=columns, ext=bool(enrichment))
    else:
        text_validate(message=message, subject=subject, columns=columns, ext=bool(enrichment))
    if attachments:
        attachments_check(channel=channel, ids=attachments, body=message, subject=subject)
    if expires_at and expires_at <= (send_at or now):
        raise ValidationError({"expires_at": "Give a time after send_at (or after now)."})
    send = BulkSend.objects.create(
        name=name[:1100], template=message, template_name=template, subject=subject, channel=channel,
        source=source, tag=found if tag else None, send_at=send_at, purpose=purpose, topic=topic,
        quiet_start=quiet[0] if quiet else None, quiet_end=quiet[1] if quiet else None, expires_at=expires_at,
        confirm=confirm or {}, enrichment=enrichment or {}, created_by=created_by, api_key=api_key,
        recipients=len(rows), attachments=attachments or [], status=BulkSendStatus.SENDING)
    recipients_add(send=send, rows=rows)
    bulk_send_begin(send=send, now=now)
    confirm_schedule(send=send, now=now)
    return send


def recipients_add(*, send: BulkSend, rows: list[tuple[str, Contact | None, dict]]) -> None:
    """One row per recipient; one with no address (a tagged contact with no email) fails at once."""
    BulkRecipient.objects.bulk_create([
        BulkRecipient(bulk=send, address=address, contact=contact, columns=columns,
                      **({} if address else {"status": RecipientStatus.FAILED,
                                             "error": f"The contact has no {send.channel} address."}))
        for address, contact, columns in rows], batch_size=2000)


def bulk_send_begin(*, send: BulkSend, now: datetime) -> None:
    """Hold the whole send until ``send_at`` (one timer), or place its recipients now."""
    if send.expires_at:
        timer_schedule(callback=EXPIRE_TASK, due_at=send.expires_at, kwargs={"bulk_id": send.pk}, owner=send,
                       label=f"Bulk send #{send.pk}: fail what is still held at expires_at")
    if send.send_at and send.send_at > now + NOW_SLACK:
        BulkSend.objects.filter(pk=send.pk).update(status=BulkSendStatus.SCHEDULED)
        release_timer(send=send, at=send.send_at, label=f"Bulk send #{send.pk}: send_at")
        return
    bulk_send_place(bulk_id=send.pk, now=now)


# --- placing recipients ------------------------------------------------------------------------

def enrich_due(send: BulkSend, *, now: datetime):
    """Recipients due now whose enrichment answer is not stored yet (and not claimed by a fetch:
    a claim moves ``release_at`` a little ahead, ``bulk_enrich.CLAIM``)."""
    return send.recipient_rows.filter(released_at__isnull=True, ext__isnull=True).filter(
        Q(status=RecipientStatus.QUEUED, release_at__isnull=True)
        | Q(status__in=[RecipientStatus.QUEUED, RecipientStatus.DEFERRED], release_at__lte=now))


def release_timer(*, send: BulkSend, at: datetime, label: str) -> None:
    """One pending timer per send and instant: recipients released together share it."""
    if not Timer.objects.owned_by(send).filter(state=TimerState.PENDING, due_at=at, callback=RELEASE_TASK).exists():
        timer_schedule(callback=RELEASE_TASK, due_at=at, kwargs={"bulk_id": send.pk, "at": at.isoformat()},
                       owner=send, label=label)


@transaction.atomic
def bulk_send_place(*, bulk_id: int, now: datetime | None = None) -> int:
    """Log the messages of the recipients due at ``now``, hold the rest; returns how many were logged.

    Batches of ``PLACE_BATCH`` until none is left or ``PLACE_SECONDS`` have passed; then the rest
    continue on a timer due at once. A task that ran past django-q2's timeout (Q_TIMEOUT) would be
    killed and roll back, again and again: the time, not a count, bounds the transaction.
    """
    now = now or timezone.now()
    send = BulkSend.objects.select_for_update().filter(pk=bulk_id).first()
    if send is None or send.status in DONE or (send.send_at and send.send_at > now + NOW_SLACK):
        return 0
    due = (send.recipient_rows.filter(released_at__isnull=True)
           .filter(Q(status=RecipientStatus.QUEUED) | Q(status=RecipientStatus.DEFERRED, release_at__lte=now))
           .select_related("contact").order_by("pk"))
    if send.enrichment:
        # Only those whose answer is stored; the rest are fetched outside this transaction first.
        if enrich_due(send, now=now).exists():
            enqueue_with(ENRICH_TASK, bulk_id=send.pk, at=now.isoformat())
        due = due.filter(ext__isnull=False)
    window, release = quiet_window(send), quiet_hours.release_at_cached()
    stop, written = monotonic() + PLACE_SECONDS, 0
    while True:
        batch = list(due[:PLACE_BATCH])
        written += _place_batch(send=send, batch=batch, window=window, release=release, now=now)
        if len(batch) < PLACE_BATCH:
            break
        if monotonic() > stop:
            release_timer(send=send, at=now, label=f"Bulk send #{send.pk}: the next recipients")
            break
    waiting = send.recipient_rows.filter(released_at__isnull=True,
                                         status__in=[RecipientStatus.QUEUED, RecipientStatus.DEFERRED])
    if not waiting.exists():
        BulkSend.objects.filter(pk=send.pk).update(status=BulkSendStatus.SENT, sent_at=now)
    elif send.status != BulkSendStatus.SENDING:
        BulkSend.objects.filter(pk=send.pk).update(status=BulkSendStatus.SENDING)
    return written


def _place_batch(*, send: BulkSend, batch: list[BulkRecipient], window, release, now: datetime) -> int:
    """Write the ready ones of ``batch``, hold or fail the others; returns how many were written."""
    ready, held, failed = [], defaultdict(list), []
    for r in batch:
        if window:
            try:
                at = release(zones=recipient_zones(send, r), start=window[0], end=window[1], now=now)
            except quiet_hours.NoCommonHour as exc:
                failed.append((r, f"Never sent: {exc}."))
                continue
            if at > now + NOW_SLACK:
                if send.expires_at and at > send.expires_at:
                    failed.append((r, f"Quiet hours in its zone end at {at:%Y-%m-%d %H:%M} UTC, after expires_at."))
                else:
                    held[at].append(r.pk)
                continue
        ready.append(r)
    for r, reason in failed:
        BulkRecipient.objects.filter(pk=r.pk).update(status=RecipientStatus.FAILED, error=reason)
    for at, ids in held.items():
        BulkRecipient.objects.filter(pk__in=ids).update(status=RecipientStatus.DEFERRED, release_at=at)
        release_timer(send=send, at=at, label=f"Bulk send #{send.pk}: release those held by quiet hours")
    _write(send=send, recipients=ready, now=now)
    return len(ready)


def _write(*, send: BulkSend, recipients: list[BulkRecipient], now: datetime) -> None:
    """Log one message per recipient (suppressed ones too, as the send service does) and link it."""
    if not recipients:
        return
    opted_out = topic_opted_out(topic=send.topic, channel=send.channel,
                                addresses=[r.address for r in recipients]) if send.topic else set()
    for r in [r for r in recipients if r.address in opted_out]:
        BulkRecipient.objects.filter(pk=r.pk).update(status=RecipientStatus.SUPPRESSED,
                                                     error=f"Opted out of the topic {send.topic!r}.")
    recipients = [r for r in recipients if r.address not in opted_out]
    topic = Topic.objects.filter(name=send.topic).first() if send.topic else None
    texts = [recipient_message(send, r, topic=topic) for r in recipients]
    by_subject: dict[str, list[int]] = defaultdict(list)  # one subject per bulk INSERT
    for i, (subject, _, _) in enumerate(texts):
        by_subject[subject].append(i)
    for subject, idx in by_subject.items():
        ids = messages_send_bulk(channel=send.channel, recipients=[recipients[i].address for i in idx],
                                 body=texts[idx[0]][1], bodies=[texts[i][1] for i in idx], subject=subject,
                                 owner=send, batch_size=200, options_each=[texts[i][2] for i in idx])
        _link([(recipients[i].pk, message_id) for i, message_id in zip(idx, ids, strict=True)], now=now)
    if recipients:
        reminders_schedule(send=send, released_at=now)


def _link(pairs: list[tuple[int, int]], *, now: datetime) -> None:
    """Point each recipient at its message: one UPDATE … FROM (VALUES …) per 1,000 (PostgreSQL and
    SQLite ≥ 3.33 both have it). Django's bulk_update writes a CASE with a branch per row, which
    the database tries row by row: quadratic, and the slowest step of a 5,000-recipient chunk."""
    table, quote = BulkRecipient._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        for i in range(0, len(pairs), 1000):
            chunk = pairs[i:i + 1000]
            cursor.execute(
                f"UPDATE {quote(table)} SET message_id = v.column2, released_at = %s, status = %s "
                f"FROM (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) AS v WHERE {quote(table)}.id = v.column1",
                [connection.ops.adapt_datetimefield_value(now), RecipientStatus.QUEUED,
                 *(x for pair in chunk for x in pair)])


def bulk_send_release(*, bulk_id: int, at: str = "") -> int:
    """Timer callback: place what is due. A timer a test's clock fires early counts as its own
    instant; one fired late places as of now, so a recipient whose window began again is held."""
    due = datetime.fromisoformat(at) if at else None
    now = timezone.now()
    return bulk_send_place(bulk_id=bulk_id, now=max(now, due) if due else now)


def bulk_sends_sweep(*, now: datetime | None = None) -> int:
    """Scheduled every minute: place again any running send whose due recipients have no pending
    timer (one that failed its three attempts, or a queue purged by hand), so that nobody stays
    held for good. Returns how many sends it placed."""
    now = now or timezone.now()
    overdue = now - SWEEP_GRACE
    placed = 0
    for send in BulkSend.objects.filter(status__in=[BulkSendStatus.SENDING, BulkSendStatus.SCHEDULED]).only("pk"):
        due = send.recipient_rows.filter(released_at__isnull=True).filter(
            Q(status=RecipientStatus.DEFERRED, release_at__lte=overdue)
            | Q(status=RecipientStatus.QUEUED, bulk__send_at__isnull=True)
            | Q(status=RecipientStatus.QUEUED, bulk__send_at__lte=overdue))
        waiting = Timer.objects.owned_by(send).filter(state=TimerState.PENDING, callback=RELEASE_TASK,
                                                      due_at__lte=now)
        if due.exists() and not waiting.exists():
            bulk_send_place(bulk_id=send.pk, now=now)
            placed += 1
    return placed


# --- ending a send -----------------------------------------------------------------------------

def _unsent(send: BulkSend):
    return send.recipient_rows.filter(released_at__isnull=True,
                                      status__in=[RecipientStatus.QUEUED, RecipientStatus.DEFERRED])


@transaction.atomic
def bulk_send_expire(*, bulk_id: int) -> int:
    """Timer callback at ``expires_at``: every recipient still held fails, with the reason."""
    send = BulkSend.objects.select_for_update().filter(pk=bulk_id).first()
    if send is None:
        return 0
    failed = _unsent(send).update(
        status=RecipientStatus.FAILED,
        error=f"Still held by quiet hours at expires_at ({send.expires_at:%Y-%m-%d %H:%M} UTC); not sent.")
    if send.status in (BulkSendStatus.SENDING, BulkSendStatus.SCHEDULED):
        BulkSend.objects.filter(pk=send.pk).update(status=BulkSendStatus.SENT, sent_at=timezone.now())
    return failed


@transaction.atomic
def bulk_send_cancel(*, send: BulkSend, by: str = "") -> int:
    """Stop a send: its timers (send_at, releases, reminders) are cancelled, and every recipient
    not yet handed to the send queue fails as cancelled. Messages already queued still go."""
    send = BulkSend.objects.select_for_update().get(pk=send.pk)
    if send.status in (BulkSendStatus.CANCELLED, BulkSendStatus.FAILED):
        return 0
    timers_cancel_for(owner=send, skip_locked=True)
    cancelled = _unsent(send).update(status=RecipientStatus.FAILED,
                                     error=f"Cancelled{' by ' + by if by else ''} before it was sent.")
    BulkSend.objects.filter(pk=send.pk).update(status=BulkSendStatus.CANCELLED)
    return cancelled
