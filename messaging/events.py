"""Provider callbacks become one normalized delivery-event type (after django-anymail).

Parsers turn a provider record into ``NormalizedEvent``s; ``delivery_event_apply`` stores each
with its raw record, moves the message-log row's status forward (never back), and tells the
delivery-outcome hooks. An unknown event type is UNKNOWN, not an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from messaging.models import STATUS_RANK, DeliveryEvent, EventType, MessageStatus, OutboundMessage

log = logging.getLogger(__name__)


@dataclass
class NormalizedEvent:
    event_type: str  # an EventType value
    provider_message_id: str
    channel: str = ""
    provider_event: str = ""
    raw: dict = field(default_factory=dict)
    permanent: bool | None = None
    description: str = ""
    recipient: str = ""
    parts: int | None = None
    price: Decimal | None = None
    occurred_at: datetime | None = None


# What each event type does to the message-log status; absent means "no change".
_STATUS_FOR_EVENT = {
    EventType.QUEUED: MessageStatus.QUEUED,
    EventType.SENT: MessageStatus.SENT,
    EventType.DELIVERED: MessageStatus.DELIVERED,
    EventType.READ: MessageStatus.DELIVERED,
    EventType.FAILED: MessageStatus.FAILED,
    EventType.BOUNCED: MessageStatus.FAILED,
}
SUCCESS_EVENTS = {EventType.DELIVERED, EventType.READ}
FAILURE_EVENTS = {EventType.FAILED, EventType.BOUNCED}


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _ms_timestamp(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


# SMS v2 success types; DELIVERED and SUCCESSFUL are used interchangeably by country.
_SMS_TYPES = {
    "TEXT_DELIVERED": EventType.DELIVERED,
    "TEXT_SUCCESSFUL": EventType.DELIVERED,
    "TEXT_PENDING": EventType.SENT,
    "TEXT_QUEUED": EventType.QUEUED,
    "TEXT_SENT": EventType.SENT,
}
# A retry can help these; the rest (TEXT_INVALID, TEXT_BLOCKED, TEXT_SPAM, ...) are final.
TRANSIENT_SMS_FAILURES = {"TEXT_CARRIER_UNREACHABLE", "TEXT_TTL_EXPIRED", "TEXT_UNKNOWN", "TEXT_UNREACHABLE"}


def parse_sms_voice_event(record: dict) -> NormalizedEvent:
    """An AWS End User Messaging SMS/voice event record (``eventType`` TEXT_* or VOICE_*)."""
    kind = str(record.get("eventType", ""))
    channel = "voice" if kind.startswith("VOICE_") else "sms"
    if kind in _SMS_TYPES:
        etype = _SMS_TYPES[kind]
    elif kind.startswith("TEXT_"):
        etype = EventType.FAILED
    elif kind in ("VOICE_COMPLETED", "VOICE_ANSWERED"):
        etype = EventType.DELIVERED
    elif kind in ("VOICE_INITIATED", "VOICE_RINGING"):
        etype = EventType.SENT
    elif kind in ("VOICE_BUSY", "VOICE_NO_ANSWER", "VOICE_FAILED", "VOICE_TTL_EXPIRED"):
        etype = EventType.FAILED
    else:
        etype = EventType.UNKNOWN
    permanent = None
    if etype == EventType.FAILED:
        permanent = kind not in TRANSIENT_SMS_FAILURES and kind not in ("VOICE_BUSY", "VOICE_NO_ANSWER")
    parts = record.get("totalMessageParts")
    return NormalizedEvent(
        event_type=etype,
        provider_message_id=str(record.get("messageId", "")),
        channel=channel,
        provider_event=kind,
        raw=record,
        permanent=permanent,
        description=str(record.get("messageStatusDescription", "")),
        recipient=str(record.get("destinationPhoneNumber", "")),
        parts=int(parts) if str(parts or "").isdigit() else None,
        price=_decimal(record.get("totalMessagePrice")),
        occurred_at=_ms_timestamp(record.get("eventTimestamp")),
    )


def parse_provider_message(message: dict) -> list[NormalizedEvent]:
    """Every event a decoded SNS ``Message`` carries; [] when it is not an event."""
    if str(message.get("eventType", "")).startswith(("TEXT_", "VOICE_")):
        return [parse_sms_voice_event(message)]
    return []


def _find_message(event: NormalizedEvent) -> OutboundMessage | None:
    pid = event.provider_message_id
    if not pid:
        return None
    return OutboundMessage.objects.filter(Q(provider_message_id=pid) | Q(provider_alt_id=pid)).order_by("-id").first()


def delivery_event_apply(*, event: NormalizedEvent, notification=None,
                         message: OutboundMessage | None = None) -> DeliveryEvent:
    """Record ``event`` and move its message forward; then tell the outcome hooks."""
    with transaction.atomic():
        message = message or _find_message(event)
        row = DeliveryEvent.objects.create(
            message=message, channel=event.channel or (message.channel if message else ""),
            provider_message_id=event.provider_message_id, event_type=event.event_type,
            provider_event=event.provider_event, permanent=event.permanent,
            description=event.description[:2000], recipient=event.recipient, parts=event.parts,
            price=event.price, occurred_at=event.occurred_at, raw=event.raw, notification=notification,
        )
        if message is not None:
            _advance_status(message, event)
            transaction.on_commit(lambda: _run_hooks(row.pk))
    return row


def _advance_status(message: OutboundMessage, event: NormalizedEvent) -> None:
    new = _STATUS_FOR_EVENT.get(event.event_type)
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
    event = DeliveryEvent.objects.select_related("message").get(pk=event_id)
    for path in getattr(settings, "DELIVERY_OUTCOME_HOOKS", []):
        try:
            import_string(path)(event=event)
        except Exception:
            # One subscriber's bug must not stop the others from hearing about the outcome.
            log.exception("delivery outcome hook %s failed for event %s", path, event_id)
