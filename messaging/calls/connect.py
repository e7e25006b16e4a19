"""Keys pressed on Amazon Connect calls reach the portal: EventBridge events, and a poll.

The contact flow (messaging/calls/flows/page_call.json) writes the key as the contact attribute
``page_action``; it stores nothing anywhere else. So an event is only a trigger: each
``DISCONNECTED`` or ``CONTACT_DATA_UPDATED`` event about one of our calls makes the portal read
the attributes (``GetContactAttributes(InstanceId, InitialContactId)``) and apply the action
(messaging.calls.keys, once per call). Events are best effort, may repeat and come in any order,
so the transport also schedules ``connect_call_poll`` after the ring timeout and the flow's
longest path: it reads the attributes once more and, with no key, ends the call as not
acknowledged. An answered call with no key (voicemail answers too) is never an acknowledgement.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.calls.keys import call_end, call_key_apply
from messaging.models import (
    CallAction,
    CallState,
    Channel,
    ConnectEvent,
    NotificationStatus,
    OutboundMessage,
    VoiceCall,
)
from messaging.transports import clients

log = logging.getLogger(__name__)

ACTING_EVENTS = ("DISCONNECTED", "CONTACT_DATA_UPDATED")
PAGE_ACTION = "page_action"


class ConnectUnavailable(Exception):
    """Amazon Connect could not be asked; the event stays failed and EventBridge delivers it again."""


def connect_event_store(*, event: dict) -> tuple[ConnectEvent, bool]:
    """Store an EventBridge event by its id before anything acts on it. (row, created)."""
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    try:
        with transaction.atomic():
            return ConnectEvent.objects.create(
                event_id=str(event["id"])[:100], event_type=str(detail.get("eventType") or "")[:40],
                contact_id=str(detail.get("initialContactId") or detail.get("contactId") or "")[:100],
                raw=event), True
    except IntegrityError:
        return ConnectEvent.objects.get(event_id=str(event["id"])[:100]), False


def connect_event_process(*, stored: ConnectEvent) -> ConnectEvent:
    """Act on a stored event once: a processed or ignored one is left as it is."""
    with transaction.atomic():
        row = ConnectEvent.objects.select_for_update().get(pk=stored.pk)
        if row.status not in (NotificationStatus.RECEIVED, NotificationStatus.FAILED):
            return row
        try:
            row.status, row.outcome = _process(row)
            row.error = ""
        except ConnectUnavailable as exc:
            row.status, row.error = NotificationStatus.FAILED, str(exc)[:5000]
        row.processed_at = timezone.now()
        row.save(update_fields=["status", "outcome", "error", "processed_at"])
        return row


def _process(row: ConnectEvent) -> tuple[str, str]:
    if row.event_type not in ACTING_EVENTS:
        return NotificationStatus.IGNORED, f"{row.event_type or 'No event type'}: not one the portal acts on."
    message = _call_message(row.contact_id)
    if message is None:
        return NotificationStatus.IGNORED, f"Contact {row.contact_id or '(none)'} is not a call the portal placed."
    if VoiceCall.objects.filter(provider_message_id=message.provider_message_id, inbound__isnull=False).exists():
        return NotificationStatus.PROCESSED, "The call's key has already acted."  # no need to ask Connect
    action = contact_page_action(contact_id=message.provider_message_id)
    if not action:
        return NotificationStatus.PROCESSED, "No key pressed (yet): nothing to act on."
    call = call_key_apply(message=message, action=action, via=f"connect {row.event_type}")
    return NotificationStatus.PROCESSED, call.outcome


def _call_message(contact_id: str) -> OutboundMessage | None:
    if not contact_id:
        return None
    return (OutboundMessage.objects.filter(channel=Channel.VOICE, provider_message_id=contact_id)
            .order_by("-id").first())


def contact_page_action(*, contact_id: str) -> str:
    """The call's ``page_action`` attribute, or "" when no key acted: "ack", "decline", "resolve" from
    the page flow, "confirm" or "cancel" (keys 1 and 2: messaging.calls.keys) from the confirmation flow."""
    try:
        response = clients.aws_client("connect").get_contact_attributes(
            InstanceId=settings.CONNECT_INSTANCE_ID, InitialContactId=contact_id)
    except ClientError as exc:
        if (exc.response.get("Error") or {}).get("Code") == "ResourceNotFoundException":
            return ""
        raise ConnectUnavailable(f"GetContactAttributes failed: {exc}") from exc
    except BotoCoreError as exc:
        raise ConnectUnavailable(f"GetContactAttributes failed: {exc}") from exc
    action = (response.get("Attributes") or {}).get(PAGE_ACTION, "")
    return action if action in CallAction.values else ""


def _contact_state(contact_id: str) -> str:
    """How the call ended, in words, from ``DescribeContact`` (best effort: only for the outcome)."""
    try:
        contact = clients.aws_client("connect").describe_contact(
            InstanceId=settings.CONNECT_INSTANCE_ID, ContactId=contact_id)["Contact"]
    except (ClientError, BotoCoreError) as exc:
        return f"DescribeContact failed: {exc}"
    if contact.get("ConnectedToSystemTimestamp"):
        return "answered (perhaps by voicemail) with no key: not an acknowledgement"
    if contact.get("DisconnectTimestamp"):
        return "not answered"
    return "still ringing or in the flow past the poll"


def connect_call_poll(*, message_id: int) -> str:
    """The timer after ring timeout + the flow's longest path: ask Connect once what the call did."""
    message = OutboundMessage.objects.filter(pk=message_id, channel=Channel.VOICE).first()
    if message is None or not message.provider_message_id:
        return "no such call"
    if message.options.get("kind") == "callback":
        return "a call-back to an agent: no key to read"
    if VoiceCall.objects.filter(provider_message_id=message.provider_message_id, state=CallState.ENDED).exists():
        return "already ended"
    action = contact_page_action(contact_id=message.provider_message_id)
    if action:
        return call_key_apply(message=message, action=action, via="connect poll").outcome
    return call_end(message=message, outcome=f"Connect poll: {_contact_state(message.provider_message_id)}").outcome
