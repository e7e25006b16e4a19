"""Is it a mobile? Every contact's number type, offline by default, from AWS when asked.

Offline, phonenumbers reads the type from the numbering plan (free, instant, and right for
most countries; in the US and Canada the plan cannot tell fixed from mobile). With
``NUMBER_LOOKUP=aws``, new and imported contacts are checked with End User Messaging's
``CarrierLookup``, which is charged per number: ``NUMBER_LOOKUPS_PER_DAY`` bounds the spend, and
numbers over the budget keep their offline type.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.utils import timezone

from messaging.models import Contact, NumberType

log = logging.getLogger(__name__)

NUMBERS_LOOKUP_TASK = "messaging.tasks.numbers_lookup"

_OFFLINE = {
    phonenumbers.PhoneNumberType.MOBILE: NumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE: NumberType.LANDLINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.FIXED_OR_MOBILE,
    phonenumbers.PhoneNumberType.VOIP: NumberType.VOIP,
    phonenumbers.PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE: NumberType.OTHER,
    phonenumbers.PhoneNumberType.SHARED_COST: NumberType.OTHER,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: NumberType.OTHER,
    phonenumbers.PhoneNumberType.PAGER: NumberType.OTHER,
    phonenumbers.PhoneNumberType.UAN: NumberType.OTHER,
    phonenumbers.PhoneNumberType.VOICEMAIL: NumberType.OTHER,
}
# CarrierLookup's PhoneNumberType values (botocore's service model).
_AWS = {"MOBILE": NumberType.MOBILE, "LANDLINE": NumberType.LANDLINE, "VOIP": NumberType.VOIP,
        "PREPAID": NumberType.PREPAID, "OTHER": NumberType.OTHER, "INVALID": NumberType.INVALID}


def number_type_offline(phone: str) -> str:
    """The type phonenumbers' metadata gives an E.164 number (UNKNOWN when it cannot say)."""
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return NumberType.INVALID
    return _OFFLINE.get(phonenumbers.number_type(parsed), NumberType.UNKNOWN)


def number_is_landline(phone: str) -> bool:
    """True when the contact with this number is known to be a fixed line (no SMS reaches it)."""
    return Contact.objects.filter(phone=phone, number_type=NumberType.LANDLINE).exists()


def _lookups_today() -> int:
    since = timezone.now() - timedelta(days=1)
    return Contact.objects.filter(number_checked_at__gte=since).exclude(carrier="").count()


def numbers_lookup(*, contact_ids: list[int], client=None) -> int:
    """Check these contacts with AWS CarrierLookup, within the day's budget. Returns how many.

    Runs as a django-q2 task after an import (``messaging.tasks.numbers_lookup``): each lookup
    is an HTTP call, never made inside the import's transaction.
    """
    if settings.NUMBER_LOOKUP != "aws" or not contact_ids:
        return 0
    budget = max(0, settings.NUMBER_LOOKUPS_PER_DAY - _lookups_today())
    if client is None:
        from messaging.transports.clients import aws_client  # boto3 only where AWS is asked

        client = aws_client("pinpoint-sms-voice-v2")
    done = 0
    for contact in Contact.objects.filter(pk__in=contact_ids, number_checked_at__isnull=True).order_by("pk"):
        if done >= budget:
            log.warning("NUMBER_LOOKUPS_PER_DAY (%s) reached; %s contact(s) keep their offline type",
                        settings.NUMBER_LOOKUPS_PER_DAY, len(contact_ids) - done)
            break
        answer = client.carrier_lookup(PhoneNumber=contact.phone)
        Contact.objects.filter(pk=contact.pk).update(
            number_type=_AWS.get(answer.get("PhoneNumberType", ""), NumberType.UNKNOWN),
            carrier=(answer.get("Carrier") or "unknown carrier")[:200], number_checked_at=timezone.now())
        done += 1
    return done
