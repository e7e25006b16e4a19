"""Changes to a conversation: a message in (from the router), an answer from the inbox, "done".

The router calls ``conversation_note_inbound`` for every routed message; the inbox and the API
call ``conversation_answer`` and ``conversation_done``. Consent applies to an answer as to any
send: an opted-out number is refused with the reason, before anything is logged.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from messaging.conversations.models import Conversation
from messaging.models import Channel, InboundSms, OutboundMessage
from messaging.outbound.send import message_send, recipient_suppressed

ANSWER_CHANNELS = (Channel.SMS, Channel.WHATSAPP)
BODY_MAX = 1600  # ten SMS parts; WhatsApp allows more, but an answer from the inbox is short


def _short(text: str) -> str:
    return " ".join((text or "").split())[:300]


def conversation_note_inbound(*, inbound: InboundSms, needs_reply: bool, about_shifts: bool) -> None:
    """Record a message in from ``inbound.origination_number``: its latest activity, and whether it
    now waits for a person. A message that needs nothing leaves an earlier "needs a reply" as it is.

    One statement (INSERT … ON CONFLICT DO UPDATE): it runs on every inbound SMS."""
    conversation_note(phone=inbound.origination_number, at=inbound.received_at, body=inbound.body,
                      needs_reply=needs_reply, about_shifts=about_shifts)


def conversation_note(*, phone: str, at, body: str, needs_reply: bool = False, about_shifts: bool = False) -> None:
    """A message in from ``phone`` (an SMS, or an email from its contact): its latest activity."""
    row = Conversation(phone=phone, last_at=at, last_body=_short(body), needs_reply=needs_reply,
                       about_shifts=about_shifts)
    update = ["last_at", "last_body"] + (["needs_reply"] if needs_reply else []) + (
        ["about_shifts"] if about_shifts else [])
    Conversation.objects.bulk_create([row], update_conflicts=True, unique_fields=["phone"], update_fields=update)


def conversation_answer(*, phone: str, body: str, channel: str = Channel.SMS, user=None) -> OutboundMessage:
    """Answer ``phone`` from the inbox. ValidationError (by field) when it cannot be sent."""
    errors = {}
    body = (body or "").strip()
    if not body:
        errors["body"] = ["Write the answer."]
    elif len(body) > BODY_MAX:
        errors["body"] = [f"At most {BODY_MAX} characters."]
    if channel not in ANSWER_CHANNELS:
        errors["channel"] = ["Answer by sms or whatsapp."]
    elif recipient_suppressed(channel=channel, recipient=phone):
        errors["channel"] = [f"{phone} opted out of {'WhatsApp' if channel == Channel.WHATSAPP else 'SMS'}; "
                             "they are not texted. They can text START to opt back in."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        conversation, _ = Conversation.objects.get_or_create(phone=phone)
        conversation.needs_reply = False
        conversation.last_at, conversation.last_body = now, _short(body)
        conversation.answered_by, conversation.answered_at = user, now
        conversation.save(update_fields=["needs_reply", "last_at", "last_body", "answered_by", "answered_at"])
        return message_send(channel=channel, recipient=phone, body=body, owner=conversation)


def conversation_done(*, phone: str, user=None) -> Conversation:
    """Mark the conversation as needing no reply, recording who and when."""
    with transaction.atomic():
        conversation, _ = Conversation.objects.get_or_create(phone=phone)
        conversation.needs_reply = False
        conversation.done_by, conversation.done_at = user, timezone.now()
        conversation.save(update_fields=["needs_reply", "done_by", "done_at"])
    return conversation
