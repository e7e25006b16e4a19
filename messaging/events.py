"""Provider callbacks become one normalized delivery-event type (after django-anymail).

Parsers turn a provider record into ``NormalizedEvent``s; ``delivery_event_apply`` stores each
with its raw record, moves the message-log row's status forward (never back), and tells the
delivery-outcome hooks. An unknown event type is UNKNOWN, not an error.
"""

from __future__ import annotations

import json
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
    # A second id to look the message up by when the first is unknown: WhatsApp statuses carry
    # the wamid, and the SNS message around them the AWS messageId that send_whatsapp_message
    # returned.
    alt_message_id: str = ""


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


def _iso_timestamp(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# SES eventType (configuration-set event publishing) or notificationType (identity
# notifications): the same words, except that identity notifications only know three.
_SES_TYPES = {
    "Send": EventType.SENT,
    "Delivery": EventType.DELIVERED,
    "DeliveryDelay": EventType.SENT,
    "Bounce": EventType.BOUNCED,
    "Complaint": EventType.COMPLAINED,
    "Reject": EventType.FAILED,
    "Rendering Failure": EventType.FAILED,
    "Open": EventType.READ,
    "Click": EventType.READ,
}
_SES_DETAIL_KEYS = {
    "Send": "send", "Delivery": "delivery", "DeliveryDelay": "deliveryDelay", "Bounce": "bounce",
    "Complaint": "complaint", "Reject": "reject", "Rendering Failure": "failure", "Open": "open",
    "Click": "click", "Subscription": "subscription",
}


def ses_recipients(record: dict) -> list[str]:
    """The addresses an SES event is about (bounced or complaining ones where it says)."""
    kind = record.get("eventType") or record.get("notificationType")
    if kind == "Bounce":
        found = [r.get("emailAddress", "") for r in (record.get("bounce") or {}).get("bouncedRecipients") or []]
    elif kind == "Complaint":
        found = [r.get("emailAddress", "") for r in (record.get("complaint") or {}).get("complainedRecipients") or []]
    elif kind == "Delivery":
        found = list((record.get("delivery") or {}).get("recipients") or [])
    else:
        found = []
    found = found or list((record.get("mail") or {}).get("destination") or [])
    return [a.strip().lower() for a in found if isinstance(a, str) and a.strip()]


def parse_ses_event(record: dict) -> NormalizedEvent:
    """An Amazon SES event (``eventType``) or identity notification (``notificationType``)."""
    kind = str(record.get("eventType") or record.get("notificationType") or "")
    etype = _SES_TYPES.get(kind, EventType.UNKNOWN)
    detail = record.get(_SES_DETAIL_KEYS.get(kind, ""), {}) or {}
    permanent = None
    description = ""
    if kind == "Bounce":
        bounce_type = detail.get("bounceType", "")
        # Only a Permanent bounce means "never again"; Undetermined is not proof either way.
        permanent = {"Permanent": True, "Transient": False}.get(bounce_type)
        diagnostics = [r.get("diagnosticCode", "") for r in detail.get("bouncedRecipients") or []]
        description = "; ".join(filter(None, [f"{bounce_type}/{detail.get('bounceSubType', '')}", *diagnostics]))
    elif kind == "Complaint":
        description = str(detail.get("complaintFeedbackType", "") or "complaint")
    elif kind in ("Reject", "Rendering Failure"):
        permanent = True
        description = str(detail.get("reason") or detail.get("errorMessage") or kind)
    elif kind == "DeliveryDelay":
        description = f"delayed: {detail.get('delayType', '')}"
    elif kind == "Delivery":
        description = str(detail.get("smtpResponse", ""))
    recipients = ses_recipients(record)
    return NormalizedEvent(
        event_type=etype,
        provider_message_id=str((record.get("mail") or {}).get("messageId", "")),
        channel="email",
        provider_event=kind,
        raw=record,
        permanent=permanent,
        description=description,
        recipient=recipients[0] if recipients else "",
        occurred_at=_iso_timestamp(detail.get("timestamp") or (record.get("mail") or {}).get("timestamp")),
    )


# Meta's statuses; "read" can arrive without "delivered" when the phone shows it at once.
_WHATSAPP_TYPES = {
    "sent": EventType.SENT,
    "delivered": EventType.DELIVERED,
    "read": EventType.READ,
    "failed": EventType.FAILED,
}


def parse_whatsapp_event(message: dict) -> list[NormalizedEvent]:
    """Every status in an AWS End User Messaging Social event's ``whatsAppWebhookEntry``."""
    entry = message.get("whatsAppWebhookEntry")
    if isinstance(entry, str):
        try:
            entry = json.loads(entry)
        except ValueError:
            return []
    if not isinstance(entry, dict):
        return []
    aws_id = str(message.get("messageId", "") or "")
    events = []
    for change in entry.get("changes") or []:
        value = (change or {}).get("value") or {}
        for status in value.get("statuses") or []:
            kind = str(status.get("status", ""))
            etype = _WHATSAPP_TYPES.get(kind, EventType.UNKNOWN)
            errors = status.get("errors") or []
            description = "; ".join(
                str(e.get("title") or e.get("message") or e.get("code", "")) for e in errors if isinstance(e, dict))
            pricing = status.get("pricing") or {}
            try:
                occurred = datetime.fromtimestamp(int(status.get("timestamp")), tz=UTC)
            except (TypeError, ValueError, OverflowError):
                occurred = None
            recipient = str(status.get("recipient_id", "") or "")
            events.append(NormalizedEvent(
                event_type=etype,
                provider_message_id=str(status.get("id", "")) or aws_id,
                alt_message_id=aws_id,
                channel="whatsapp",
                provider_event=kind,
                raw={"status": status, "messageId": aws_id, "entry_id": entry.get("id", "")},
                permanent=True if etype == EventType.FAILED else None,
                description=description or str(pricing.get("category", "")),
                recipient=f"+{recipient}" if recipient and not recipient.startswith("+") else recipient,
                occurred_at=occurred,
            ))
    return events


def parse_provider_message(message: dict) -> list[NormalizedEvent]:
    """Every event a decoded SNS ``Message`` carries; [] when it is not an event."""
    if not isinstance(message, dict):
        return []
    if str(message.get("eventType", "")).startswith(("TEXT_", "VOICE_")):
        return [parse_sms_voice_event(message)]
    if "whatsAppWebhookEntry" in message:
        return parse_whatsapp_event(message)
    if ("eventType" in message or "notificationType" in message) and isinstance(message.get("mail"), dict):
        return [parse_ses_event(message)]
    return []


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
        from messaging.consent import suppression_from_event

        suppression_from_event(event=row)
        if message is not None:
            _advance_status(message, event)
            if getattr(settings, "DELIVERY_OUTCOME_HOOKS", None):
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
    for path in getattr(settings, "DELIVERY_OUTCOME_HOOKS", []):
        try:
            import_string(path)(event=event)
        except Exception:
            # One subscriber's bug must not stop the others from hearing about the outcome.
            log.exception("delivery outcome hook %s failed for event %s", path, event.pk)
