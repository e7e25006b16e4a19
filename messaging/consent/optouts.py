"""SMS opt-outs: who said STOP, recorded once, and who must not be sent to.

The send service asks here before every send; the keyword handler and the provider's
"opted out" answer record here.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.models import Channel, OptOut, Suppression, WhatsAppOptOut


def phone_is_opted_out(*, phone: str) -> bool:
    return OptOut.objects.filter(phone=phone, active=True).exists()


def suppressed_among(*, channel: str, recipients: list[str]) -> set[str]:
    """The recipients that must not be sent to, in one query (bulk sends)."""
    if channel in (Channel.SMS, Channel.VOICE):
        return set(OptOut.objects.filter(active=True, phone__in=recipients).values_list("phone", flat=True))
    if channel == Channel.WHATSAPP:
        return set(WhatsAppOptOut.objects.filter(active=True, phone__in=recipients).values_list("phone", flat=True))
    if channel == Channel.EMAIL:
        return set(Suppression.objects.filter(address__in=[r.lower() for r in recipients])
                   .values_list("address", flat=True))
    return set()


def optout_record(*, phone: str, keyword: str, source: str) -> tuple[OptOut, bool]:
    """Opt ``phone`` out of SMS. Returns the row and whether it was newly opted out.

    The conditional UPDATE makes "newly" true for exactly one of two concurrent STOPs, which is
    what keeps the confirmation to one.
    """
    now = timezone.now()
    # AWS's reason code is longer than the column; keep it recognisable.
    keyword = {"DESTINATION_PHONE_NUMBER_OPTED_OUT": "AWS_OPTED_OUT"}.get(keyword, keyword)
    try:
        with transaction.atomic():
            return OptOut.objects.create(phone=phone, keyword=keyword[:32], source=source[:32],
                                         opted_out_at=now), True
    except IntegrityError:
        pass
    newly = OptOut.objects.filter(phone=phone, active=False).update(
        active=True, keyword=keyword[:32], source=source[:32], opted_out_at=now) == 1
    return OptOut.objects.get(phone=phone), newly


def optin_record(*, phone: str) -> bool:
    """Opt ``phone`` back in. Returns whether it had been opted out."""
    return OptOut.objects.filter(phone=phone, active=True).update(active=False, opted_in_at=timezone.now()) == 1


# WhatsApp keeps its own consent: a STOP written on WhatsApp stops WhatsApp (Meta's opt-out is per
# channel), and texts keep going to the same number until it says STOP by SMS too.
def whatsapp_is_opted_out(*, phone: str) -> bool:
    return WhatsAppOptOut.objects.filter(phone=phone, active=True).exists()


def whatsapp_optout_record(*, phone: str, keyword: str) -> tuple[WhatsAppOptOut, bool]:
    """Opt ``phone`` out of WhatsApp. Returns the row and whether it was newly opted out (once
    for two concurrent STOPs, as ``optout_record``)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return WhatsAppOptOut.objects.create(phone=phone, keyword=keyword[:64], opted_out_at=now), True
    except IntegrityError:
        pass
    newly = WhatsAppOptOut.objects.filter(phone=phone, active=False).update(
        active=True, keyword=keyword[:64], opted_out_at=now) == 1
    return WhatsAppOptOut.objects.get(phone=phone), newly


def whatsapp_optin_record(*, phone: str) -> bool:
    return WhatsAppOptOut.objects.filter(phone=phone, active=True).update(
        active=False, opted_in_at=timezone.now()) == 1
