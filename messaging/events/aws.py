"""AWS's callback records turned into ``NormalizedEvent``s, and the one classifier of an SNS Message.

Pure functions of the decoded message: no database, so the SNS path, the fast ingest path and
the simulator read a message the same way. ``classify`` is the only place that decides what a
Message is; the notification row's kind and the parser both ask it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote_plus

from messaging.events.types import NormalizedEvent
from messaging.models import EventType, NotificationKind
from messaging.values.instants import instant_in_range


def classify(message) -> str:
    """What a decoded SNS ``Message`` is: a NotificationKind (OTHER when it is none we know)."""
    if not isinstance(message, dict):
        return NotificationKind.OTHER
    if "inboundMessageId" in message and "originationNumber" in message:
        return NotificationKind.INBOUND_SMS
    if str(message.get("eventType", "")).startswith(("TEXT_", "VOICE_")):
        return NotificationKind.SMS_EVENT
    if "whatsAppWebhookEntry" in message:
        return NotificationKind.WHATSAPP_EVENT
    # An SES receipt (an email that came in) also has "notificationType" and "mail": it is asked
    # first, or it would be filed as a sending event about a message we never sent.
    if is_ses_receipt(message):
        return NotificationKind.INBOUND_EMAIL
    if ("eventType" in message or "notificationType" in message) and isinstance(message.get("mail"), dict):
        return NotificationKind.SES_EVENT
    if _is_s3_event(message):
        return NotificationKind.S3_EVENT
    return NotificationKind.OTHER


def is_ses_receipt(message: dict) -> bool:
    """A receipt rule's SNS or S3 action notification: ``"notificationType": "Received"`` with a
    ``receipt`` (SES's own sending events never carry one)."""
    return message.get("notificationType") == "Received" and isinstance(message.get("receipt"), dict)


def _is_s3_event(message: dict) -> bool:
    records = message.get("Records")
    if isinstance(records, list) and records and all(
            isinstance(r, dict) and r.get("eventSource") == "aws:s3" for r in records):
        return True
    return message.get("Service") == "Amazon S3" and message.get("Event") == "s3:TestEvent"


def parse_s3_objects(message: dict) -> list[tuple[str, str, str]]:
    """(event name, bucket, key) of each record of an S3 event notification; the key is
    URL-encoded in the record ("red flower.csv" arrives as "red+flower.csv") and decoded here."""
    found = []
    for record in message.get("Records") or []:
        s3 = record.get("s3") or {}
        bucket = str((s3.get("bucket") or {}).get("name", ""))
        key = unquote_plus(str((s3.get("object") or {}).get("key", "")))
        found.append((str(record.get("eventName", "")), bucket, key))
    return found


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _known(value: datetime | None) -> datetime | None:
    """A provider's time, or None (unknown) outside the instant range: a year-9999 timestamp in
    a signed event is a bug or a probe, and stored it would overflow every page that shows it."""
    return value if value is not None and instant_in_range(value) else None


def _ms_timestamp(value) -> datetime | None:
    try:
        return _known(datetime.fromtimestamp(int(value) / 1000, tz=UTC))
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
    return _known(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


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
        recipients=tuple(recipients),
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
                occurred = _known(datetime.fromtimestamp(int(status.get("timestamp")), tz=UTC))
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


def _whatsapp_entry(message: dict) -> dict | None:
    entry = message.get("whatsAppWebhookEntry") if isinstance(message, dict) else None
    if isinstance(entry, str):
        try:
            entry = json.loads(entry)
        except ValueError:
            return None
    return entry if isinstance(entry, dict) else None


def _plus(number) -> str:
    number = str(number or "")
    return f"+{number}" if number and not number.startswith("+") else number


def _whatsapp_text(item: dict) -> str | None:
    """What the person typed or tapped; None for media, locations and the like (not routed)."""
    kind = item.get("type")
    if kind == "text":
        return str((item.get("text") or {}).get("body", ""))
    if kind == "button":  # a quick-reply button of a template
        return str((item.get("button") or {}).get("text", ""))
    if kind == "interactive":
        reply = (item.get("interactive") or {})
        reply = reply.get("button_reply") or reply.get("list_reply") or {}
        return str(reply.get("title", ""))
    return None


def parse_whatsapp_messages(message: dict) -> list[dict]:
    """The text messages in a ``whatsAppWebhookEntry`` (``changes[].value.messages[]``), each in the
    shape of an inbound two-way SMS, so the same store and handlers take them."""
    entry = _whatsapp_entry(message)
    found = []
    for change in (entry or {}).get("changes") or []:
        value = (change or {}).get("value") or {}
        if not isinstance(value, dict):
            continue
        to = _plus((value.get("metadata") or {}).get("display_phone_number"))
        for item in value.get("messages") or []:
            if not isinstance(item, dict) or not item.get("id") or not item.get("from"):
                continue
            body = _whatsapp_text(item)
            if body is None:
                continue
            found.append({"inboundMessageId": str(item["id"]), "originationNumber": _plus(item["from"]),
                          "destinationNumber": to, "messageKeyword": "", "messageBody": body,
                          "previousPublishedMessageId": str((item.get("context") or {}).get("id", "") or ""),
                          "timestamp": str(item.get("timestamp", "")), "channel": "whatsapp"})
    return found


def parse_provider_message(message: dict) -> list[NormalizedEvent]:
    """Every event a decoded SNS ``Message`` carries; [] when it is not an event."""
    parser = _PARSERS.get(classify(message))
    return parser(message) if parser else []


_PARSERS = {
    NotificationKind.SMS_EVENT: lambda message: [parse_sms_voice_event(message)],
    NotificationKind.WHATSAPP_EVENT: parse_whatsapp_event,
    NotificationKind.SES_EVENT: lambda message: [parse_ses_event(message)],
}
