"""An email sender (the From an API caller chooses) read once, the way a mail reader will read it.

A key limited to ``@example.com`` could send as ``"security@yourbank.com" <a@example.com>``: the
address passed the check, and the reader saw the display name. So a From is parsed with the
standard library's RFC 5322 parser, must hold exactly one address, and its display name may not
hold anything that reads as an address (an ``@``, also full-width, or angle brackets). The
checked form is what is stored and sent, so nothing downstream reparses what the caller typed.
A leaf (standard library and Django only): the API's key check and serializers both use it.
"""

from __future__ import annotations

import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import formataddr, getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# RFC 5321's limit on an address in a mail path; Django's validate_email allows 320, and the
# suppression list and contacts store 254.
MAX_EMAIL_ADDRESS = 254
# What makes a display name read as (part of) an address once NFKC folds full-width and small
# forms (＠, ﹫, ＜, ＞) into these.
_ADDRESS_LIKE = ("@", "<", ">")


def email_sender_parse(sender: str) -> tuple[str, str]:
    """``(display name, address)`` of ``a@b``, ``Name <a@b>`` or ``"Name" <a@b>``, the address in
    the case given. ValidationError (one message for the ``sender`` field) otherwise."""
    sender = (sender or "").strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in sender):
        raise ValidationError("A From address may not contain control characters.", code="sender_control")
    pairs = getaddresses([sender])
    if len(pairs) != 1 or not pairs[0][1]:
        raise ValidationError("Give exactly one From address, e.g. Ops <ops@example.com>.", code="sender_count")
    name, address = pairs[0]
    try:
        if len(address) > MAX_EMAIL_ADDRESS:
            raise ValidationError("too long")
        validate_email(address)
    except ValidationError:
        raise ValidationError(f"Not a valid email address (at most {MAX_EMAIL_ADDRESS} characters) for the "
                              "From address.", code="sender_address") from None
    folded = unicodedata.normalize("NFKC", name)
    if any(mark in folded for mark in _ADDRESS_LIKE):
        raise ValidationError("The From display name may not contain an address (no @, < or >): readers "
                              "would take it for the sender.", code="sender_display_name")
    return name.strip(), address


def email_sender_mime(sender: str) -> str:
    """The From as a mail header carries it: a non-ASCII display name in RFC 2047 encoded words,
    which SES requires (``=?utf-8?b?…?= <a@b>``); ASCII as ``email_sender_format`` gives it."""
    name, address = email_sender_parse(sender)
    return formataddr((name, address)) if name else address


def email_sender_format(sender: str) -> str:
    """The checked From as it is stored and sent: ``Name <a@b>`` (quoted where RFC 5322 needs it),
    or the bare address. The address keeps the case the caller gave."""
    name, address = email_sender_parse(sender)
    if not name:
        return address
    try:
        return str(Address(display_name=name, addr_spec=address))
    except (HeaderParseError, ValueError, IndexError):
        raise ValidationError("Not a valid From address.", code="sender_address") from None
