"""The keyed hash kept of an erased number or address, so that its STOP or bounce still holds.

An erased person's opt-out (SMS, WhatsApp) and email suppression rows keep their place, but the
number or address in them is replaced by ``erased_key(value)``: an HMAC-SHA256 under
``ERASURE_KEY``, prefixed ``h:`` so no real number or address can equal it. The consent checks
look for the value and its key in one query, so a send to the number again is still refused.
The key must stay the same for the hashes to keep matching: rotating it forgets every erased
opt-out (README, "Erasing a person").
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

PREFIX = "h:"


def erased_key(value: str, *, length: int = 64) -> str:
    """``h:`` and the first ``length - 2`` hex digits of HMAC-SHA256(ERASURE_KEY, value).

    Phones are keyed as written (E.164); addresses lower-cased, as suppression stores them.
    ``length`` fits the column the key replaces the value in (an opt-out's phone holds 32).
    """
    digest = hmac.new(settings.ERASURE_KEY.encode(), value.strip().encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[: length - len(PREFIX)]


def phone_keys(phone: str) -> list[str]:
    """What an opt-out row of ``phone`` may hold: the number, or its key once it was erased."""
    return [phone, erased_key(phone, length=32)]


def address_keys(address: str) -> list[str]:
    address = address.strip().lower()
    return [address, erased_key(address)]
