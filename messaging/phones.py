"""E.164 phone numbers: the one format the portal stores, sends to and matches on."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# "+" and at most 15 digits: what every phone column holds.
E164_MAX_LENGTH = 16


def phone_normalize(value: str) -> str:
    """Return ``value`` as E.164, or raise ValidationError saying why it is not one.

    Only strict E.164 is accepted (``+`` and digits): guessing a country for a national
    number would text the wrong person. ``is_possible_number`` rather than ``is_valid_number``
    keeps the reserved fictional ranges (+1 555 01xx) usable for drills and tests.
    """
    raw = (value or "").strip()
    if not _E164.match(raw):
        raise ValidationError(
            "Enter the number in E.164 form: '+', country code and number, digits only "
            "(for example +12065550100).",
            code="not_e164",
        )
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"Not a phone number: {exc}", code="not_e164") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError("This is not a possible phone number for its country code.", code="not_e164")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    phone_normalize(value)


def phone_normalize_national(value: str, *, region: str | None = None) -> str:
    """Like ``phone_normalize``, but a national number (no ``+``) is read in ``region``
    (default ``settings.PHONE_DEFAULT_REGION``). Only for imports, where a whole file of one
    country's numbers is the norm; with no region set, E.164 stays required.
    """
    raw = (value or "").strip()
    region = region if region is not None else settings.PHONE_DEFAULT_REGION
    if raw.startswith("+") or raw.startswith("00") or not region:
        return phone_normalize("+" + raw[2:] if raw.startswith("00") else _compact(raw))
    try:
        parsed = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"Not a phone number: {exc}", code="not_e164") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(f"This is not a possible phone number in {region.upper()}.", code="not_e164")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _compact(raw: str) -> str:
    # Spreadsheets write "+1 206-555-0100"; the spaces and dashes are formatting, not digits.
    return re.sub(r"[\s().-]", "", raw)
