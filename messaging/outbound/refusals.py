"""Sends the portal refuses before calling a provider, each with a reason a person can read.

- **SMS to a landline.** A contact whose number type is known to be a fixed line cannot
  receive a text; carriers drop it or bill it as a failed send. The message log says why.
- **WhatsApp free text outside the 24-hour window.** Meta only delivers a template to a person
  who has not written in the last 24 hours. With ``WHATSAPP_WINDOW_TEMPLATE`` set, that
  template goes instead; without it, the message fails with that reason. The window is checked
  when the WhatsApp transport is AWS (``WHATSAPP_WINDOW_CHECK``): the simulator has no window.

Both are decided in the batch's claim, so every way of sending meets them, and a refusal is a
permanent failure through the same path as a provider's, so the omnichannel fallback hears it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from messaging.models import Channel, Contact, InboundSms, NumberType, OutboundMessage
from messaging.transports.base import PermanentError

WHATSAPP_WINDOW = timedelta(hours=24)


def landline_refusal(phone: str) -> PermanentError:
    return PermanentError(f"Not sent: {phone} is a landline (fixed line), which cannot receive SMS.",
                          code="LANDLINE")


def window_refusal(phone: str) -> PermanentError:
    return PermanentError(
        f"Not sent: {phone} has not written on WhatsApp in the last 24 hours, and outside that window "
        "WhatsApp only delivers templates (set WHATSAPP_WINDOW_TEMPLATE to send one instead).",
        code="WHATSAPP_WINDOW_CLOSED")


def sends_refused(rows: list[OutboundMessage]) -> dict[int, PermanentError]:
    """The rows that must not be sent, by primary key, with why. Adjusts ``options`` of a
    WhatsApp row that goes out as the window template instead (saved by the caller)."""
    refused: dict[int, PermanentError] = {}
    sms = [m for m in rows if m.channel == Channel.SMS]
    if sms:
        landlines = set(Contact.objects.filter(phone__in={m.recipient for m in sms},
                                               number_type=NumberType.LANDLINE).values_list("phone", flat=True))
        refused |= {m.pk: landline_refusal(m.recipient) for m in sms if m.recipient in landlines}
    whatsapp = [m for m in rows if m.channel == Channel.WHATSAPP and not m.options.get("template")]
    if whatsapp and settings.WHATSAPP_WINDOW_CHECK:
        since = timezone.now() - WHATSAPP_WINDOW
        open_ = set(InboundSms.objects.filter(channel=Channel.WHATSAPP, received_at__gte=since,
                                              origination_number__in={m.recipient for m in whatsapp})
                    .values_list("origination_number", flat=True))
        for m in whatsapp:
            if m.recipient in open_:
                continue
            if settings.WHATSAPP_WINDOW_TEMPLATE:
                m.options = {**m.options, "template": {"name": settings.WHATSAPP_WINDOW_TEMPLATE},
                             "language": settings.WHATSAPP_WINDOW_TEMPLATE_LANGUAGE, "window_template": True}
                OutboundMessage.objects.filter(pk=m.pk).update(options=m.options)
            else:
                refused[m.pk] = window_refusal(m.recipient)
    return refused
