"""Inbound two-way SMS, once its notification is stored: store the SMS, then route it through
the handlers named in settings.

``settings.INBOUND_SMS_HANDLERS`` is an ordered list of dotted paths, as MIDDLEWARE is. Each
handler gets the stored ``InboundSms`` and returns a ``HandlerResult`` when it took the message
or None to pass it on. The first taker wins; its name, outcome and reply are kept on the row.
The message a reply answers is resolved once (``messaging.inbound.context``) and its owner's
handler is asked first. Text nobody takes is kept for a person (the conversation needs a reply)
and answered at most once per HELP_ANSWER_HOURS. Replies go out through the normal send
service, so they are logged, paced and simulated like everything else.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from messaging.conversations.selectors import help_answer_period, portal_replied_since
from messaging.conversations.services import conversation_note_inbound
from messaging.email_in.replies import email_answer_send
from messaging.inbound.context import ReplyContext, reply_context
from messaging.inbound.handlers import HandlerResult
from messaging.models import Channel, InboundSms, InboundStatus
from messaging.outbound.send import message_send

log = logging.getLogger(__name__)
KEYWORD_MAX = InboundSms._meta.get_field("keyword").max_length


def _handlers():
    return [(path, import_string(path)) for path in settings.INBOUND_SMS_HANDLERS]


def _handlers_for(context: ReplyContext) -> list:
    """Settings order, except that the handler of the answered message's owner goes first, after
    the consent keywords (``before_owner``), which win whatever a message answers."""
    handlers = _handlers()
    if not context.owner_label:
        return handlers
    first = [h for h in handlers if getattr(h[1], "before_owner", False)]
    owner = [h for h in handlers if h not in first and context.owner_label in getattr(h[1], "owners", ())]
    return first + owner + [h for h in handlers if h not in first and h not in owner]


def inbound_sms_store(*, payload: dict, notification=None) -> tuple[InboundSms, bool]:
    """Store an inbound SMS (AWS's two-way JSON). Returns (row, created); a repeat is not new."""
    inbound_id = str(payload.get("inboundMessageId") or "")
    if not inbound_id:
        raise ValueError("inbound SMS without inboundMessageId")
    try:
        with transaction.atomic():
            return inbound_sms_create(payload=payload, notification=notification), True
    except IntegrityError:
        return InboundSms.objects.get(inbound_message_id=inbound_id), False


def inbound_sms_create(*, payload: dict, notification=None) -> InboundSms:
    """INSERT the row; IntegrityError if its ``inboundMessageId`` is already stored."""
    fields = dict(
        origination_number=str(payload.get("originationNumber", "")),
        destination_number=str(payload.get("destinationNumber", "")),
        # Informational (AWS's matched keyword); the phone simulator gives the first word, which
        # may be a pasted link: kept to the column, and whole in ``raw``.
        keyword=str(payload.get("messageKeyword", "") or "")[:KEYWORD_MAX],
        body=str(payload.get("messageBody", "") or ""),
        previous_published_message_id=str(payload.get("previousPublishedMessageId", "") or ""),
        raw=payload, notification=notification,
        # WhatsApp replies, and keys pressed on a call (messaging.calls.keys), say their channel.
        channel=payload["channel"] if payload.get("channel") in (Channel.WHATSAPP, Channel.VOICE) else Channel.SMS,
    )
    return InboundSms.objects.create(inbound_message_id=str(payload["inboundMessageId"]), **fields)


def inbound_sms_route(*, inbound: InboundSms, fresh: bool = False) -> InboundSms:
    """Offer the message to each handler in order; record who took it and what was answered.

    A handler that raises rolls back everything it did; the row is then marked ``failed`` with
    the error and the exception propagates, so the SNS notification is marked failed too and
    the admin's "re-run processing" routes the message again. ``fresh``: the caller inserted the
    row in its own open transaction, so nobody else can see it, let alone route it: it is not
    locked and read again.
    """
    try:
        with transaction.atomic():
            if not fresh:
                inbound = InboundSms.objects.select_for_update().get(pk=inbound.pk)
                if inbound.status not in (InboundStatus.RECEIVED, InboundStatus.FAILED):
                    return inbound  # already routed: a redelivery, or a re-run of a finished row
            inbound.handled_by = inbound.outcome = inbound.reply = inbound.error = ""
            context = reply_context(inbound)
            inbound.answers = context.message
            for path, handler in _handlers_for(context):
                result = handler(inbound)
                if result is None:
                    continue
                inbound.handled_by = path
                inbound.status = InboundStatus.IGNORED if result.ignored else InboundStatus.HANDLED
                break
            else:
                result = _unclaimed(inbound, context)

            inbound.outcome = result.outcome
            if result.reply and result.reply_at_most_daily and inbound.channel == Channel.EMAIL:
                # Mail gets its courtesy answers from the auto-reply rules, under RFC 3834's guards.
                inbound.outcome += " No answer by email: courtesy answers to mail are the auto-reply rules'."
            elif result.reply and result.reply_at_most_daily and portal_replied_since(
                    phone=inbound.origination_number, since=inbound.received_at - help_answer_period()):
                inbound.outcome += " No answer: this number already had one from the portal today."
            elif result.reply:
                _answer(inbound, result)
            inbound.save(update_fields=["handled_by", "outcome", "status", "reply", "error", "answers"])
            conversation_note_inbound(inbound=inbound, needs_reply=result.needs_reply,
                                      about_shifts=result.about_shifts)
    except Exception as exc:
        InboundSms.objects.filter(pk=inbound.pk).update(
            status=InboundStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:5000])
        raise
    return inbound


def _unclaimed(inbound: InboundSms, context: ReplyContext) -> HandlerResult:
    """Text no handler took: the answered message's owner may still keep it (its handler's
    ``unclaimed``, e.g. free text on an incident's timeline); else a person must read it, and the
    sender hears so at most once a day."""
    for path, handler in _handlers():
        keep = getattr(handler, "unclaimed", None)
        if keep is not None and context.owner_label in getattr(handler, "owners", ()):
            result = keep(inbound)
            if result is not None:
                inbound.handled_by, inbound.status = path, InboundStatus.HANDLED
                return result
    inbound.status = InboundStatus.UNHANDLED
    return HandlerResult(outcome="No handler took this message.", reply=settings.UNHANDLED_REPLY_TEXT,
                         needs_reply=True, reply_at_most_daily=True)


def _answer(inbound: InboundSms, result: HandlerResult) -> None:
    inbound.reply = result.reply
    if inbound.channel == Channel.VOICE:
        return  # a key pressed on a call: the contact flow has already spoken the outcome
    if inbound.channel == Channel.EMAIL:  # an email answering one of ours: answered by email, in its thread
        email_answer_send(inbound=inbound, body=result.reply, owner=result.owner or inbound)
        return
    # The answer goes back the way the message came; WhatsApp sends from the configured
    # phone-number id, not from the number the person wrote to.
    whatsapp = inbound.channel == Channel.WHATSAPP
    message_send(channel=inbound.channel or Channel.SMS, recipient=inbound.origination_number,
                 body=result.reply, sender="" if whatsapp else inbound.destination_number,
                 owner=result.owner or inbound, opt_out_confirmation=result.reply_despite_opt_out)


def inbound_sms_receive(*, payload: dict, notification=None) -> InboundSms:
    """Store, then route. A repeat of an ``inboundMessageId`` that was already routed is not
    routed again; one that failed (or never finished) is, which is what "re-run" relies on."""
    inbound, created = inbound_sms_store(payload=payload, notification=notification)
    if not created and inbound.status not in (InboundStatus.RECEIVED, InboundStatus.FAILED):
        return inbound
    return inbound_sms_route(inbound=inbound)
