"""Changes to a conversation: a message in (from the router), an answer from the inbox, "done".

The router calls ``conversation_note_inbound`` for every routed message; the inbox and the API
call ``conversation_answer`` and ``conversation_done``. Consent applies to an answer as to any
send: an opted-out number is refused with the reason, before anything is logged.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.conversations.models import Conversation
from messaging.models import Channel, InboundSms, OutboundMessage
from messaging.outbound.send import message_send, recipient_suppressed

ANSWER_CHANNELS = (Channel.SMS, Channel.WHATSAPP)
BODY_MAX = 1600  # ten SMS parts; WhatsApp allows more, but an answer from the inbox is short


def _short(text: str) -> str:
    return " ".join((text or "").split())[:300]


def conversation_note_inbound(*, inbound: InboundSms, needs_reply: bool, about_shifts: bool) -> Conversation:
    """Record a message in from ``inbound.origination_number``: its latest activity, and whether it
    now waits for a person. A message that needs nothing leaves an earlier "needs a reply" as it is."""
    phone = inbound.origination_number
    fields = {"last_at": inbound.received_at, "last_body": _short(inbound.body)}
    if needs_reply:
        fields["needs_reply"] = True
    if about_shifts:
        fields["about_shifts"] = True
    if not Conversation.objects.filter(phone=phone).update(**fields):
        try:
            with transaction.atomic():
                return Conversation.objects.create(phone=phone, **fields)
        except IntegrityError:  # another message from the same number made it first
            Conversation.objects.filter(phone=phone).update(**fields)
    return Conversation.objects.get(phone=phone)


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
