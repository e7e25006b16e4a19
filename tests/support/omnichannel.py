"""Shared helpers for the omnichannel tests: the seed's payloads and delivery events."""

from __future__ import annotations

import copy

from messaging.events.apply import delivery_event_apply
from messaging.events.types import NormalizedEvent
from messaging.models import AttemptRole, Dispatch, OutboundMessage

# The seed's own payload (aws-samples/omnichannel-fallback-messaging README), field for field.
SMS_TO_EMAIL = {
    "use_case": "fallback",
    "fallback_seconds": "30",
    "pc": {"channel": "sms", "sender": "+12065550100", "recipient": "+12065550123",
           "sms": {"message": "Your code is 1234", "message_type": "TRANSACTIONAL", "configuration_set": "cs"}},
    "fc": {"channel": "email", "sender": "noreply@example.com", "recipient": "user@example.com",
           "email": {"subject": "Your code", "text": "Your code is 1234", "html": "<p>Your code is 1234</p>"}},
}


def payload(**changes) -> dict:
    data = copy.deepcopy(SMS_TO_EMAIL)
    data.update(changes)
    return data


def attempt(dispatch_id: int, role: str = AttemptRole.PRIMARY) -> OutboundMessage | None:
    d = Dispatch.objects.get(pk=dispatch_id)
    a = d.attempts.filter(role=role).select_related("message").first()
    return a.message if a else None


def send_event(message: OutboundMessage, event_type: str, provider_event: str = "", permanent=None,
               description: str = "", use_alt_id: bool = False):
    """What the SNS pipeline does after parsing a provider event: delivery_event_apply (the ORM
    path; tests/messaging/inbound/test_ingest.py drives the same subscribers through /sns/'s
    one-statement path on PostgreSQL)."""
    message.refresh_from_db()
    pid = message.provider_alt_id if use_alt_id else message.provider_message_id
    return delivery_event_apply(event=NormalizedEvent(
        event_type=event_type, provider_message_id=pid, channel=message.channel, provider_event=provider_event,
        permanent=permanent, description=description, recipient=message.recipient,
        raw={"test": provider_event or event_type},
    ))
