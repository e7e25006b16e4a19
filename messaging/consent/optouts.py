"""SMS opt-outs: who said STOP, recorded once, and who must not be sent to.

The send service asks here before every send; the keyword handler and the provider's
"opted out" answer record here.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.erasure.keys import address_keys, phone_keys
from messaging.models import Channel, OptOut, Suppression, WhatsAppOptOut

# Every check looks for the number (or address) and for the keyed hash an erasure left in its
# place (messaging/erasure/keys.py), in the same one query: an erased person's STOP still holds.


def phone_is_opted_out(*, phone: str) -> bool:
    return OptOut.objects.filter(phone__in=phone_keys(phone), active=True).exists()


def _keyed(recipients: list[str], keys_of) -> dict[str, str]:
    return {key: recipient for recipient in recipients for key in keys_of(recipient)}


def suppressed_among(*, channel: str, recipients: list[str]) -> set[str]:
    """The recipients that must not be sent to, in one query (bulk sends)."""
    if channel in (Channel.SMS, Channel.VOICE, Channel.WHATSAPP):
        model = WhatsAppOptOut if channel == Channel.WHATSAPP else OptOut
        keyed = _keyed(recipients, phone_keys)
        found = model.objects.filter(active=True, phone__in=list(keyed)).values_list("phone", flat=True)
    elif channel == Channel.EMAIL:
        keyed = _keyed(recipients, address_keys)
        found = Suppression.objects.filter(address__in=list(keyed)).values_list("address", flat=True)
    else:
        return set()
    return {keyed[value] for value in found}


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
    # START from an erased number opts its keyed row back in too: the STOP it lifts was theirs.
    return OptOut.objects.filter(phone__in=phone_keys(phone), active=True).update(
        active=False, opted_in_at=timezone.now()) >= 1


# WhatsApp keeps its own consent: a STOP written on WhatsApp stops WhatsApp (Meta's opt-out is per
# channel), and texts keep going to the same number until it says STOP by SMS too.
def whatsapp_is_opted_out(*, phone: str) -> bool:
    return WhatsAppOptOut.objects.filter(phone__in=phone_keys(phone), active=True).exists()


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
    return WhatsAppOptOut.objects.filter(phone__in=phone_keys(phone), active=True).update(
        active=False, opted_in_at=timezone.now()) >= 1
