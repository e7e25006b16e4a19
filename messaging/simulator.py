"""The simulated provider side: delivery events and phone replies shaped exactly as AWS sends them.

Everything built here goes through ``messaging.notifications`` — the same code that handles a
verified SNS notification — so the simulator exercises the real pipeline, not a shortcut.
"""

from __future__ import annotations

import json
import time
import uuid

from django.conf import settings

from messaging.models import Channel, MessageStatus, OutboundMessage
from messaging.transports.simulator import SmsTransport

_SMS_EVENT = {"delivered": ("TEXT_DELIVERED", "DELIVERED", "Message has been accepted by phone"),
              "failed": ("TEXT_CARRIER_UNREACHABLE", "CARRIER_UNREACHABLE", "Carrier unreachable (simulated)")}
_VOICE_EVENT = {"delivered": ("VOICE_COMPLETED", "COMPLETED"), "failed": ("VOICE_FAILED", "FAILED")}


def _ms() -> int:
    return int(time.time() * 1000)


def simulated_event_message(message: OutboundMessage, outcome: str) -> dict:
    """The SNS ``Message`` AWS would publish for this message's delivery ``outcome``."""
    if message.channel == Channel.SMS:
        event_type, status, description = _SMS_EVENT[outcome]
        return {
            "eventType": event_type, "eventVersion": "1.0", "eventTimestamp": _ms(), "isFinal": True,
            "originationPhoneNumber": message.sender or settings.SIMULATOR_ORIGINATION_NUMBER,
            "destinationPhoneNumber": message.recipient, "isoCountryCode": "US",
            "messageId": message.provider_message_id, "messageRequestTimestamp": _ms(),
            "messageEncoding": "GSM", "messageType": message.options.get("message_type", "TRANSACTIONAL"),
            "messageStatus": status, "messageStatusDescription": description,
            "totalMessageParts": message.parts or 1, "totalMessagePrice": 0.00581 * (message.parts or 1),
            "totalCarrierFee": 0.00302, "context": {"message_log_id": str(message.pk)},
        }
    if message.channel == Channel.VOICE:
        event_type, status = _VOICE_EVENT[outcome]
        return {
            "eventType": event_type, "eventVersion": "1.0", "eventTimestamp": _ms(), "isFinal": True,
            "originationPhoneNumber": message.sender or settings.SIMULATOR_ORIGINATION_NUMBER,
            "destinationPhoneNumber": message.recipient, "messageId": message.provider_message_id,
            "messageStatus": status, "context": {"message_log_id": str(message.pk)},
        }
    if message.channel == Channel.EMAIL:
        mail = {"timestamp": "2026-01-01T00:00:00.000Z", "source": message.sender or settings.SES_FROM_EMAIL,
                "messageId": message.provider_message_id, "destination": [message.recipient]}
        if outcome == "delivered":
            return {"eventType": "Delivery", "mail": mail,
                    "delivery": {"recipients": [message.recipient], "smtpResponse": "250 2.6.0 Message received"}}
        return {"eventType": "Bounce", "mail": mail, "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": message.recipient, "action": "failed",
                                   "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown (simulated)"}]}}
    status = "delivered" if outcome == "delivered" else "failed"
    entry = {"id": "simulated-waba", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": settings.SIMULATOR_ORIGINATION_NUMBER.lstrip("+"),
                     "phone_number_id": "simulated"},
        "statuses": [{"id": message.provider_alt_id or message.provider_message_id, "status": status,
                      "timestamp": str(int(time.time())), "recipient_id": message.recipient.lstrip("+")}],
    }}]}
    return {"context": {"MetaWabaIds": [], "MetaPhoneNumberIds": []},
            "whatsAppWebhookEntry": json.dumps(entry), "aws_account_id": "000000000000",
            "message_timestamp": "2026-01-01T00:00:00Z", "messageId": message.provider_message_id}


def simulated_inbound_message(*, phone: str, body: str, destination: str = "",
                              previous_published_message_id: str = "") -> dict:
    """An inbound two-way SMS as AWS publishes it to the SNS topic."""
    words = body.strip().split()
    return {
        "originationNumber": phone,
        "destinationNumber": destination or settings.SIMULATOR_ORIGINATION_NUMBER,
        "messageKeyword": words[0].upper() if words else "",
        "messageBody": body,
        "inboundMessageId": f"sim-in-{uuid.uuid4()}",
        "previousPublishedMessageId": previous_published_message_id,
    }


def simulator_emit_event(*, message_id: int, outcome: str = "delivered") -> None:
    """Task: publish the delivery event for a simulated send through the SNS pipeline."""
    from messaging.notifications import notification_ingest_local

    message = OutboundMessage.objects.get(pk=message_id)
    if message.status in (MessageStatus.QUEUED, MessageStatus.SUPPRESSED) or not message.provider_message_id:
        return
    notification_ingest_local(message=simulated_event_message(message, outcome))


# ---------------------------------------------------------------- the phone simulator page

_PHONE_CHANNELS = (Channel.SMS, Channel.VOICE)
CONVERSATION_LIMIT = 200
PHONES_LIMIT = 300


def simulator_phones() -> list[dict]:
    """Every number the portal has texted or heard from, plus contacts; most recent first."""
    from django.db.models import Max

    from messaging.models import Contact, InboundSms

    seen: dict[str, dict] = {}

    def touch(phone: str, at, name: str = "") -> None:
        row = seen.setdefault(phone, {"phone": phone, "name": "", "last_at": None})
        if name:
            row["name"] = name
        if at and (row["last_at"] is None or at > row["last_at"]):
            row["last_at"] = at

    outbound = (OutboundMessage.objects.filter(channel__in=_PHONE_CHANNELS).values("recipient")
                .annotate(last=Max("created_at")).order_by("-last")[:PHONES_LIMIT])
    for row in outbound:
        touch(row["recipient"], row["last"])
    inbound = (InboundSms.objects.values("origination_number").annotate(last=Max("received_at"))
               .order_by("-last")[:PHONES_LIMIT])
    for row in inbound:
        touch(row["origination_number"], row["last"])
    for name, phone in Contact.objects.values_list("name", "phone")[:PHONES_LIMIT]:
        touch(phone, None, name)
    names = dict(Contact.objects.filter(phone__in=list(seen)).values_list("phone", "name"))
    for phone, row in seen.items():
        row["name"] = row["name"] or names.get(phone, "")
    rows = sorted(seen.values(), key=lambda r: (r["last_at"] is not None, r["last_at"] or 0, r["phone"]),
                  reverse=True)
    return [{**r, "last_at": r["last_at"].isoformat() if r["last_at"] else None} for r in rows]


def simulator_conversation(*, phone: str) -> list[dict]:
    """The chat with one phone: what the portal sent it and what it answered, oldest first."""
    from messaging.models import InboundSms

    items = []
    for m in (OutboundMessage.objects.filter(channel__in=_PHONE_CHANNELS, recipient=phone)
              .order_by("-created_at", "-id")[:CONVERSATION_LIMIT]):
        items.append({
            "direction": "out", "id": m.pk, "at": m.created_at.isoformat(), "channel": m.channel,
            "body": m.body if m.channel == Channel.SMS else f"📞 {m.body or 'voice call'}",
            "status": m.status, "provider_message_id": m.provider_message_id, "error": m.error,
            "can_mark": simulated(m) and m.status in (MessageStatus.SENT, MessageStatus.QUEUED),
        })
    for i in InboundSms.objects.filter(origination_number=phone).order_by("-received_at", "-id")[:CONVERSATION_LIMIT]:
        items.append({
            "direction": "in", "id": i.pk, "at": i.received_at.isoformat(), "channel": "sms", "body": i.body,
            "status": i.status, "handled_by": i.handled_by.rsplit(".", 1)[-1], "outcome": i.outcome,
            "error": i.error,
        })
    items.sort(key=lambda x: x["at"])
    return items[-CONVERSATION_LIMIT:]


def simulator_reply(*, phone: str, body: str):
    """The phone ``phone`` texts ``body`` back: built as AWS would publish it, run through the
    same notification pipeline as a verified SNS delivery. Returns the stored InboundSms."""
    from messaging.models import InboundSms
    from messaging.notifications import notification_ingest_local

    last = (OutboundMessage.objects.filter(channel=Channel.SMS, recipient=phone).exclude(provider_message_id="")
            .order_by("-created_at", "-id").first())
    message = simulated_inbound_message(
        phone=phone, body=body, destination=(last.sender if last and last.sender.startswith("+") else ""),
        previous_published_message_id=last.provider_message_id if last else "",
    )
    notification_ingest_local(message=message)
    return InboundSms.objects.get(inbound_message_id=message["inboundMessageId"])


def simulator_mark(*, message_id: int, outcome: str):
    """Emit the provider's delivery event ("delivered" or "failed") for a simulated message."""
    from messaging.notifications import notification_ingest_local

    if outcome not in ("delivered", "failed"):
        raise ValueError("outcome must be delivered or failed")
    message = OutboundMessage.objects.get(pk=message_id)
    if not message.provider_message_id:
        raise ValueError("this message was never handed to a provider, so no event can refer to it")
    if not simulated(message):
        # A fake event for a real send would change what the log says really happened, and a
        # fake bounce would suppress a real address.
        raise ValueError("this message went to a real provider; only simulated sends can be marked")
    return notification_ingest_local(message=simulated_event_message(message, outcome))


def simulated(message: OutboundMessage) -> bool:
    """Whether the simulator transport sent ``message`` (its provider ids start ``sim-``)."""
    return message.provider_message_id.startswith(f"{SmsTransport.id_prefix}-")
