"""Inbound two-way SMS, once its notification is stored: store the SMS, then route it through
the handlers named in settings.

``settings.INBOUND_SMS_HANDLERS`` is an ordered list of dotted paths, as MIDDLEWARE is. Each
handler gets the stored ``InboundSms`` and returns a ``HandlerResult`` when it took the message
or None to pass it on. The first taker wins; its name, outcome and reply are kept on the row.
Replies go out through the normal send service, so they are logged, paced and simulated like
everything else.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from messaging.models import InboundSms, InboundStatus
from messaging.outbound.send import message_send

log = logging.getLogger(__name__)
KEYWORD_MAX = InboundSms._meta.get_field("keyword").max_length


def _handlers():
    return [(path, import_string(path)) for path in settings.INBOUND_SMS_HANDLERS]


def inbound_sms_store(*, payload: dict, notification=None) -> tuple[InboundSms, bool]:
    """Store an inbound SMS (AWS's two-way JSON). Returns (row, created); a repeat is not new."""
    inbound_id = str(payload.get("inboundMessageId") or "")
    if not inbound_id:
        raise ValueError("inbound SMS without inboundMessageId")
    fields = dict(
        origination_number=str(payload.get("originationNumber", "")),
        destination_number=str(payload.get("destinationNumber", "")),
        # Informational (AWS's matched keyword); the phone simulator gives the first word, which
        # may be a pasted link: kept to the column, and whole in ``raw``.
        keyword=str(payload.get("messageKeyword", "") or "")[:KEYWORD_MAX],
        body=str(payload.get("messageBody", "") or ""),
        previous_published_message_id=str(payload.get("previousPublishedMessageId", "") or ""),
        raw=payload, notification=notification,
        channel="whatsapp" if payload.get("channel") == "whatsapp" else "sms",
    )
    try:
        with transaction.atomic():
            return InboundSms.objects.create(inbound_message_id=inbound_id, **fields), True
    except IntegrityError:
        return InboundSms.objects.get(inbound_message_id=inbound_id), False


def inbound_sms_route(*, inbound: InboundSms) -> InboundSms:
    """Offer the message to each handler in order; record who took it and what was answered.

    A handler that raises rolls back everything it did; the row is then marked ``failed`` with
    the error and the exception propagates, so the SNS notification is marked failed too and
    the admin's "re-run processing" routes the message again.
    """
    try:
        with transaction.atomic():
            inbound = InboundSms.objects.select_for_update().get(pk=inbound.pk)
            if inbound.status not in (InboundStatus.RECEIVED, InboundStatus.FAILED):
                return inbound  # already routed: a redelivery, or a re-run of a finished row
            inbound.handled_by = inbound.outcome = inbound.reply = inbound.error = ""
            for path, handler in _handlers():
                result = handler(inbound)
                if result is None:
                    continue
                inbound.handled_by = path
                inbound.outcome = result.outcome
                inbound.status = InboundStatus.HANDLED
                if result.reply:
                    inbound.reply = result.reply
                    # The answer goes back the way the message came; WhatsApp sends from the
                    # configured phone-number id, not from the number the person wrote to.
                    whatsapp = inbound.channel == "whatsapp"
                    message_send(channel=inbound.channel or "sms", recipient=inbound.origination_number,
                                 body=result.reply, sender="" if whatsapp else inbound.destination_number,
                                 owner=result.owner or inbound, opt_out_confirmation=result.reply_despite_opt_out)
                break
            else:
                inbound.status = InboundStatus.UNHANDLED
                inbound.outcome = "No handler took this message."
            inbound.save(update_fields=["handled_by", "outcome", "status", "reply", "error"])
    except Exception as exc:
        InboundSms.objects.filter(pk=inbound.pk).update(
            status=InboundStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:5000])
        raise
    return inbound


def inbound_sms_receive(*, payload: dict, notification=None) -> InboundSms:
    """Store, then route. A repeat of an ``inboundMessageId`` that was already routed is not
    routed again; one that failed (or never finished) is, which is what "re-run" relies on."""
    inbound, created = inbound_sms_store(payload=payload, notification=notification)
    if not created and inbound.status not in (InboundStatus.RECEIVED, InboundStatus.FAILED):
        return inbound
    return inbound_sms_route(inbound=inbound)
