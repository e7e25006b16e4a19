"""SNS notifications after verification: store raw first, then act (issue 3 completes this).

``notification_ingest_local`` lets the simulator put AWS-shaped messages through exactly the
path a verified SNS notification takes.
"""

from __future__ import annotations

import json
import uuid

from django.utils import timezone

from messaging.events import delivery_event_apply, parse_provider_message
from messaging.inbound import inbound_sms_receive
from messaging.models import NotificationKind, NotificationStatus, SnsNotification


def notification_kind(message: dict | None) -> str:
    if not isinstance(message, dict):
        return NotificationKind.OTHER
    if "inboundMessageId" in message and "originationNumber" in message:
        return NotificationKind.INBOUND_SMS
    if str(message.get("eventType", "")).startswith(("TEXT_", "VOICE_")):
        return NotificationKind.SMS_EVENT
    if "whatsAppWebhookEntry" in message:
        return NotificationKind.WHATSAPP_EVENT
    if ("eventType" in message or "notificationType" in message) and "mail" in message:
        return NotificationKind.SES_EVENT
    return NotificationKind.OTHER


def notification_process(*, notification: SnsNotification) -> None:
    try:
        message = json.loads(notification.raw.get("Message", ""))
    except (TypeError, ValueError):
        message = None
    kind = notification_kind(message)
    if kind == NotificationKind.INBOUND_SMS:
        inbound_sms_receive(payload=message, notification=notification)
        status = NotificationStatus.PROCESSED
    elif kind in (NotificationKind.SMS_EVENT, NotificationKind.SES_EVENT, NotificationKind.WHATSAPP_EVENT):
        for event in parse_provider_message(message):
            delivery_event_apply(event=event, notification=notification)
        status = NotificationStatus.PROCESSED
    else:
        status = NotificationStatus.IGNORED
    SnsNotification.objects.filter(pk=notification.pk).update(kind=kind, status=status, processed_at=timezone.now())


SIMULATOR_TOPIC_ARN = "arn:aws:sns:local:000000000000:simulator"


def notification_ingest_local(*, message: dict, topic_arn: str = SIMULATOR_TOPIC_ARN) -> SnsNotification:
    """Store and process a Message that did not come over HTTP (the simulator)."""
    notification = SnsNotification.objects.create(
        message_id=f"sim-{uuid.uuid4()}", type="Notification", topic_arn=topic_arn,
        raw={"Type": "Notification", "MessageId": "", "TopicArn": topic_arn, "Message": json.dumps(message),
             "Timestamp": timezone.now().isoformat()},
    )
    notification_process(notification=notification)
    return notification
