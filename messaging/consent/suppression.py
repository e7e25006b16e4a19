"""Email suppression from SES outcomes: a Permanent bounce or any complaint, never again.

Adding to the list happens where every event is applied (``delivery_event_apply`` calls
``suppression_from_event``): a Permanent bounce or any complaint puts the address on
``Suppression`` with the raw event; a Transient or Undetermined bounce suppresses nothing (its
DeliveryEvent row is the record). Later email to a suppressed address is logged ``suppressed``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from messaging.erasure.keys import address_keys
from messaging.models import Channel, EventType, Suppression, SuppressionReason


def email_is_suppressed(*, address: str) -> bool:
    # The address, or the keyed hash an erasure left in its place (messaging/erasure/keys.py).
    return Suppression.objects.filter(address__in=address_keys(address)).exists()


def suppression_add(*, address: str, reason: str, raw: dict | None = None) -> tuple[Suppression, bool]:
    address = address.strip().lower()
    try:
        with transaction.atomic():
            return Suppression.objects.create(address=address, reason=reason, raw=raw or {}), True
    except IntegrityError:
        return Suppression.objects.get(address=address), False


def suppression_applies(*, channel: str, event_type: str, permanent: bool | None) -> bool:
    """Whether an event suppresses its addresses: an email complaint or permanent bounce."""
    return channel == Channel.EMAIL and (
        event_type == EventType.COMPLAINED or (event_type == EventType.BOUNCED and bool(permanent)))


def suppression_from_event(*, event, addresses: Sequence[str] = ()) -> list[str]:
    """Suppress the addresses of a permanent SES bounce or of a complaint; returns them.

    ``event`` is the stored DeliveryEvent; ``addresses`` are the ones the parser read from the
    provider's record (NormalizedEvent.recipients), else the event's one recipient.
    """
    if not suppression_applies(channel=event.channel, event_type=event.event_type, permanent=event.permanent):
        return []
    reason = SuppressionReason.COMPLAINT if event.event_type == EventType.COMPLAINED else SuppressionReason.BOUNCE
    addresses = list(addresses) or ([event.recipient] if event.recipient else [])
    for address in addresses:
        suppression_add(address=address, reason=reason, raw=event.raw)
    return addresses


def suppression_remove(*, address: str) -> bool:
    return Suppression.objects.filter(address=address.strip().lower()).delete()[0] > 0


def suppression_save(*, suppression: Suppression) -> Suppression:
    """Save an address suppressed by hand, compared as the pipeline compares it: trimmed, lower case."""
    suppression.address = suppression.address.strip().lower()
    suppression.save()
    return suppression
