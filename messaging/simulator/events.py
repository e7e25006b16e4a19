"""The simulated provider side: delivery events and phone replies shaped exactly as AWS sends them.

Everything built here goes through ``messaging.inbound.notifications.notification_receive`` — the
same code that handles a verified SNS notification — so the simulator exercises the real
pipeline, not a shortcut.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC

from django.conf import settings
from django.utils import timezone

from messaging.inbound.notifications import notification_receive
from messaging.models import Channel, MessageStatus, OutboundMessage, SnsNotification
from messaging.transports.simulator import SmsTransport

_SMS_EVENT = {"delivered": ("TEXT_DELIVERED", "DELIVERED", "Message has been accepted by phone"),
              "failed": ("TEXT_CARRIER_UNREACHABLE", "CARRIER_UNREACHABLE", "Carrier unreachable (simulated)")}
_VOICE_EVENT = {"delivered": ("VOICE_COMPLETED", "COMPLETED"), "failed": ("VOICE_FAILED", "FAILED")}


def _ms() -> int:
    return int(time.time() * 1000)


def _iso(at) -> str:
    """An ISO 8601 UTC time as AWS writes it (``2026-12-07T11:30:00.123Z``)."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


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
        # As SES writes them: ``mail.timestamp`` is when the message was sent, the event's own
        # ``timestamp`` when it happened (now). Every kind carries the real time: a fixed example
        # date here once stored simulated emails as delivered eleven months before they were sent.
        now = timezone.now()
        mail = {"timestamp": _iso(message.sent_at or now), "source": message.sender or settings.SES_FROM_EMAIL,
                "messageId": message.provider_message_id, "destination": [message.recipient]}
        if outcome == "delivered":
            return {"eventType": "Delivery", "mail": mail,
                    "delivery": {"timestamp": _iso(now), "recipients": [message.recipient],
                                 "smtpResponse": "250 2.6.0 Message received"}}
        return {"eventType": "Bounce", "mail": mail, "bounce": {
            "timestamp": _iso(now), "bounceType": "Permanent", "bounceSubType": "General",
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
            "message_timestamp": _iso(timezone.now()), "messageId": message.provider_message_id}


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


def simulated_whatsapp_message(*, phone: str, body: str, reply_to: str = "") -> dict:
    """A WhatsApp text from ``phone`` as AWS End User Messaging Social publishes it: Meta's
    webhook entry (``changes[].value.messages[]``) inside the AWS event header."""
    item = {"from": phone.lstrip("+"), "id": f"wamid.sim-in-{uuid.uuid4().hex}", "timestamp": str(int(time.time())),
            "text": {"body": body}, "type": "text"}
    if reply_to:
        item["context"] = {"from": settings.SIMULATOR_ORIGINATION_NUMBER.lstrip("+"), "id": reply_to}
    entry = {"id": "simulated-waba", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": settings.SIMULATOR_ORIGINATION_NUMBER.lstrip("+"),
                     "phone_number_id": "simulated"},
        "contacts": [{"profile": {"name": phone}, "wa_id": phone.lstrip("+")}],
        "messages": [item],
    }}]}
    return {"context": {"MetaWabaIds": [], "MetaPhoneNumberIds": []}, "whatsAppWebhookEntry": json.dumps(entry),
            "aws_account_id": "000000000000", "message_timestamp": _iso(timezone.now()),
            "messageId": str(uuid.uuid4())}


def simulator_emit_event(*, message_id: int, outcome: str = "delivered") -> None:
    """Task: publish the delivery event for a simulated send through the SNS pipeline."""
    message = OutboundMessage.objects.get(pk=message_id)
    if message.status in (MessageStatus.QUEUED, MessageStatus.SUPPRESSED) or not message.provider_message_id:
        return
    notification_ingest_local(message=simulated_event_message(message, outcome))


def simulated(message: OutboundMessage) -> bool:
    """Whether the simulator transport sent ``message`` (its provider ids start ``sim-``)."""
    return message.provider_message_id.startswith(f"{SmsTransport.id_prefix}-")


SIMULATOR_TOPIC_ARN = "arn:aws:sns:local:000000000000:simulator"


def simulated_envelope(*, message: dict, topic_arn: str = SIMULATOR_TOPIC_ARN) -> dict:
    """An SNS Notification envelope around ``message`` as SNS would deliver it (unsigned)."""
    message_id = str(uuid.uuid4())
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic_arn,
        "Message": json.dumps(message),
        "Timestamp": _iso(timezone.now()),
        "SignatureVersion": "1",
        "Signature": "",
        "SigningCertURL": "",
        "UnsubscribeURL": "",
    }


def notification_ingest_local(*, message: dict, topic_arn: str = SIMULATOR_TOPIC_ARN) -> SnsNotification:
    """Store and process a Message that did not come over HTTP (the simulator)."""
    notification, _ = notification_receive(envelope=simulated_envelope(message=message, topic_arn=topic_arn))
    return notification
