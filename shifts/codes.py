"""What a shift code may be: the one rule the admin form, the API, the CSV import and the SMS
booking all apply, so that a code a manager can post is always one an employee can text."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from messaging.consent.keywords import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
# Words an employee texts that must never be read as a shift code: the SMS commands, the
# consent keywords and the incident replies (those handlers run first and would take them).
RESERVED_CODES = ({"REQUEST", "AGENT", "HELP", "YES", "NO", "ACK", "Y", "N", "ONCALL", "RESOLVE", "R", "COVER"}
                  | OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS)


def shift_code_normalize(code: str) -> str:
    return (code or "").strip().upper()


def shift_code_validate(code: str) -> str:
    """The stored form of ``code``, or ValidationError saying what is wrong with it."""
    code = shift_code_normalize(code)
    if not CODE_RE.match(code):
        raise ValidationError({"code": "Use 2-20 letters, digits or dashes, e.g. XYZ1234."})
    if code in RESERVED_CODES:
        raise ValidationError({"code": f"{code} is an SMS command or keyword and cannot be a shift code."})
    return code
