"""Sending: the one service every feature uses to put a message on a channel.

``message_send`` writes the message-log row and its delivery task in one transaction (the ORM
broker's queue is a table of the same database), so no crash can leave a row with no task.
Suppressed recipients are logged, never sent. Delivery itself is ``messaging.outbound.deliver``,
queued by its stable name in ``messaging.tasks``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone

from messaging.consent.optouts import phone_is_opted_out, suppressed_among, whatsapp_is_opted_out
from messaging.consent.suppression import email_is_suppressed
from messaging.models import Channel, MessageStatus, OutboundMessage, owner_fields
from messaging.outbound.parts import sms_parts
from messaging.outbound.wording import line_breaks_normalize
from messaging.phones import phone_normalize
from messaging.scheduling.queue import enqueue_many_with, enqueue_with

DELIVER_TASK = "messaging.tasks.message_deliver"
DELIVER_BATCH_TASK = "messaging.tasks.messages_deliver_batch"
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
# Rate-limited SMS go out in small batches. A cluster that dies strands every batch it has
# pulled (running, waiting for a worker, or in its pusher's hand) until django-q2's `retry`, and
# at the sender's pace those are the messages that go out late; unpaced, a batch of 100 is over
# in a fraction of a second, so there it stays large and the queue short.
PACED_BATCH_SIZE = 25


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
        return phone_is_opted_out(phone=recipient)
    if channel == Channel.EMAIL:
        return email_is_suppressed(address=recipient)
    if channel == Channel.WHATSAPP:
        return whatsapp_is_opted_out(phone=recipient)
    return False


def message_send(*, channel: str, recipient: str, body: str = "", subject: str = "", sender: str = "",
                 options: dict | None = None, owner: models.Model | None = None,
                 retry_of: OutboundMessage | None = None,
                 opt_out_confirmation: bool = False) -> OutboundMessage:
    """Log a message and queue its delivery. Suppressed recipients are logged, never sent.

    ``opt_out_confirmation`` is only for the single reply that confirms a STOP: carriers expect
    it, and it necessarily goes to a number that has just opted out.
    """
    recipient = recipient_normalize(channel=channel, recipient=recipient)
    body = line_breaks_normalize(body)  # whatever form or API wrote it, a break is one character
    options = dict(options or {})
    if opt_out_confirmation:
        options[OPT_OUT_CONFIRMATION] = True
    suppressed = not opt_out_confirmation and recipient_suppressed(channel=channel, recipient=recipient)
    with transaction.atomic():
        msg = OutboundMessage.objects.create(
            channel=channel, recipient=recipient, body=body, subject=subject, sender=sender,
            options=options, retry_of=retry_of,
            parts=sms_parts(body).parts if channel == Channel.SMS else None,
            status=MessageStatus.SUPPRESSED if suppressed else MessageStatus.QUEUED,
            error="Recipient opted out or is on the suppression list." if suppressed else "",
            **owner_fields(owner),
        )
        if not suppressed:
            enqueue_with(DELIVER_TASK, message_id=msg.pk)
    return msg


def messages_send_bulk(*, channel: str, recipients: list[str], body: str, subject: str = "",
                       owner: models.Model | None = None, batch_size: int = 100,
                       bodies: list[str] | None = None, options_each: list[dict] | None = None) -> list[int]:
    """Log one message per recipient in a few INSERTs and queue delivery in batches.

    Recipients must already be normalized (they come from Contact rows). Campaigns to tens of
    thousands of contacts use this; one task per batch keeps the queue short. ``bodies``, one
    per recipient, replaces ``body`` for personal messages (messaging.audience.personal);
    ``options_each``, one per recipient, their message's options (an email's html, its headers).
    """
    body = line_breaks_normalize(body)
    if bodies is not None:
        bodies = [line_breaks_normalize(b) for b in bodies]
    parts = sms_parts(body).parts if channel == Channel.SMS else None
    if bodies is not None:
        part_counts = [sms_parts(b).parts if channel == Channel.SMS else None for b in bodies]
    if channel == Channel.SMS and settings.SMS_RATE_LIMIT > 0:
        batch_size = min(batch_size, PACED_BATCH_SIZE)
    opted_out = suppressed_among(channel=channel, recipients=recipients)
    fields_of_owner = owner_fields(owner)
    now = timezone.now()
    rows = [
        OutboundMessage(
            channel=channel, recipient=r, body=body if bodies is None else bodies[i], subject=subject,
            parts=parts if bodies is None else part_counts[i], created_at=now,
            status=MessageStatus.SUPPRESSED if r in opted_out else MessageStatus.QUEUED, **fields_of_owner,
            **({"options": options_each[i]} if options_each else {}),
        )
        for i, r in enumerate(recipients)
    ]
    with transaction.atomic():
        # PostgreSQL and SQLite both return the new primary keys from a bulk INSERT.
        created = OutboundMessage.objects.bulk_create(rows, batch_size=2000)
        ids = [m.pk for m in created]
        queued = [m.pk for m in created if m.status == MessageStatus.QUEUED]
        batches = [(queued[i:i + batch_size],) for i in range(0, len(queued), batch_size)]
        enqueue_many_with(DELIVER_BATCH_TASK, batches)
    return ids
