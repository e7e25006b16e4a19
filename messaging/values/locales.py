"""A locale: a BCP 47 language tag (``es``, ``es-MX``, ``zh-Hant-TW``, ``es-419``).

Only the parts a message's wording can depend on are accepted (language, script, region); a
variant or extension subtag (``de-CH-1996``, ``en-u-ca-gregory``) is refused rather than kept
and never matched. Tags are written in their canonical case so ``ES-mx`` and ``es-MX`` are one.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

LOCALE_MAX_LENGTH = 16  # "zh-Hant-TW" is 10; a three-letter language with script and region is 12
_TAG = re.compile(r"^(?P<lang>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|\d{3}))?$")


def locale_normalize(value: str) -> str:
    """``value`` as a canonical BCP 47 tag ("" stays ""), or ValidationError saying why not."""
    raw = (value or "").strip().replace("_", "-")
    if not raw:
        return ""
    match = _TAG.match(raw)
    if not match:
        raise ValidationError(
            f"{value!r} is not a locale: write a BCP 47 tag such as es, es-MX or zh-Hant-TW.", code="bad_locale")
    tag = match["lang"].lower()
    if match["script"]:
        tag += "-" + match["script"].title()
    if match["region"]:
        tag += "-" + match["region"].upper()
    return tag


def validate_locale(value: str) -> None:
    """A model field validator: the value must already be a locale (any case)."""
    locale_normalize(value)


def locale_language(tag: str) -> str:
    """The language of a tag: ``es`` for ``es-MX``, "" for ""."""
    return (tag or "").split("-", 1)[0].lower()
