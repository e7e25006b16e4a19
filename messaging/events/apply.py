"""Applying a delivery event: store it, move the message forward on the status ladder, tell the hooks.

``delivery_event_apply`` stores each ``NormalizedEvent`` with its raw record, suppresses a
bounced or complaining address (consent), moves the message-log row's status forward (never
back), and tells the ``DELIVERY_OUTCOME_HOOKS`` after commit. Parsing lives in
``messaging.events.aws``, so this module depends on consent and never the other way round.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from messaging.consent.suppression import suppression_from_event
from messaging.events.types import NormalizedEvent
from messaging.models import STATUS_RANK, DeliveryEvent, EventType, MessageStatus, OutboundMessage

log = logging.getLogger(__name__)


# What each event type does to the message-log status; absent means "no change".
STATUS_FOR_EVENT = {
    EventType.QUEUED: MessageStatus.QUEUED,
    EventType.SENT: MessageStatus.SENT,
    EventType.DELIVERED: MessageStatus.DELIVERED,
    EventType.READ: MessageStatus.DELIVERED,
    EventType.FAILED: MessageStatus.FAILED,
    EventType.BOUNCED: MessageStatus.FAILED,
}
SUCCESS_EVENTS = {EventType.DELIVERED, EventType.READ}
FAILURE_EVENTS = {EventType.FAILED, EventType.BOUNCED}


def _find_message(event: NormalizedEvent) -> OutboundMessage | None:
    for pid in (event.provider_message_id, event.alt_message_id):
        if not pid:
            continue
        found = (OutboundMessage.objects.filter(Q(provider_message_id=pid) | Q(provider_alt_id=pid))
                 .order_by("-id").first())
        if found is not None:
            if (pid == event.alt_message_id and event.provider_message_id
                    and not found.provider_alt_id and found.provider_message_id != event.provider_message_id):
                # Found by the AWS id: keep the wamid too, so later statuses match directly.
                OutboundMessage.objects.filter(pk=found.pk, provider_alt_id="").update(
                    provider_alt_id=event.provider_message_id[:200])
            return found
    return None


def delivery_event_apply(*, event: NormalizedEvent, notification=None,
                         message: OutboundMessage | None = None) -> DeliveryEvent:
    """Record ``event``, suppress a bounced or complaining address, move its message forward;
    then tell the outcome hooks.

    Inside a caller's transaction no savepoint is made: a failure here fails the caller's
    whole unit of work (the SNS ingest path relies on that and re-records the failure).
    """
    with transaction.atomic(savepoint=False):
        message = message or _find_message(event)
        row = DeliveryEvent.objects.create(
            message=message, channel=event.channel or (message.channel if message else ""),
            provider_message_id=event.provider_message_id, event_type=event.event_type,
            provider_event=event.provider_event, permanent=event.permanent,
            description=event.description[:2000], recipient=event.recipient, parts=event.parts,
            price=event.price, occurred_at=event.occurred_at, raw=event.raw, notification=notification,
        )
        # Suppression is consent, not a subscriber: it applies even to a bounce for a message the
        # portal never sent, which no outcome hook hears about.
        suppression_from_event(event=row, addresses=event.recipients)
        if message is not None:
            _advance_status(message, event)
            if settings.DELIVERY_OUTCOME_HOOKS:
                transaction.on_commit(lambda: _run_hooks(row.pk))
    return row


def _advance_status(message: OutboundMessage, event: NormalizedEvent) -> None:
    new = STATUS_FOR_EVENT.get(event.event_type)
    now = timezone.now()
    extra = {}
    if event.parts is not None:
        extra["parts"] = event.parts
    if event.price is not None:
        extra["price"] = event.price
    if new is None:
        if extra:
            OutboundMessage.objects.filter(pk=message.pk).update(**extra)
        return
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[new]]
    changes = {"status": new, **extra}
    if new == MessageStatus.DELIVERED:
        changes["delivered_at"] = event.occurred_at or now
    elif new == MessageStatus.FAILED:
        changes["failed_at"] = event.occurred_at or now
        changes["error_code"] = event.provider_event[:100]
        changes["error"] = event.description or event.provider_event
    elif new == MessageStatus.SENT:
        changes["sent_at"] = message.sent_at or now
    # The conditional UPDATE is what keeps the status from moving backwards under races.
    updated = OutboundMessage.objects.filter(pk=message.pk, status__in=lower).update(**changes)
    if not updated and extra:
        OutboundMessage.objects.filter(pk=message.pk).update(**extra)


def _run_hooks(event_id: int) -> None:
    run_outcome_hooks(DeliveryEvent.objects.select_related("message").get(pk=event_id))


def run_outcome_hooks(event: DeliveryEvent) -> None:
    """Tell every ``DELIVERY_OUTCOME_HOOKS`` subscriber about a recorded event (after commit)."""
    for path in settings.DELIVERY_OUTCOME_HOOKS:
        try:
            import_string(path)(event=event)
        except Exception:
            # One subscriber's bug must not stop the others from hearing about the outcome.
            log.exception("delivery outcome hook %s failed for event %s", path, event.pk)
