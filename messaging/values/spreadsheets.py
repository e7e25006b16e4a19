"""The one formula guard for every export a spreadsheet opens (OWASP "CSV injection").

Exports carry text typed by people outside the portal (an SMS body, a contact's name from a CSV,
a shift's location from the API), and whoever opens the file in Excel, LibreOffice or Google
Sheets would run ``=HYPERLINK(...)`` or ``@SUM(...)|cmd`` as a formula. There were two guards
(portal/exports.py and messaging/audience/resources.py) and they disagreed: one missed a leading
newline, both missed full-width ``＝`` and a formula behind leading spaces, and the message log
turned every phone into ``'+1206…``. This module is the only one now; portal's CSV downloads and
every django-import-export resource call ``spreadsheet_safe`` (a leaf, so messaging, shifts and
portal can all import it).

The rule: a text cell whose first character, or first character after leading whitespace, is
``=``, ``+``, ``-``, ``@``, a tab, CR or LF, or a compatibility form of one of them (full-width
``＝ ＋ － ＠``, small ``﹦ ﹢ ﹣ ﹫``; NFKC folds them, and spreadsheets read them as the ASCII sign),
gets a leading ``'``, which spreadsheets show as text and do not display.

The exception, decided on purpose: a cell that is only a plain number in ASCII digits with an
optional ASCII sign (``+12065550123``, ``-12.5``, ``-3``) is data, not a formula, and is left as it
is in every export. A spreadsheet reads it as a number and cannot call anything from it, and a
contacts export must stay re-importable: ``'+12065550123`` is not an E.164 number.
"""

from __future__ import annotations

import re
import unicodedata

# What a spreadsheet starts a formula with, after NFKC folding.
FORMULA_STARTS = frozenset("=+-@\t\r\n")
# ASCII only: ``\d`` would also match full-width and other scripts' digits.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _starts_formula(text: str) -> bool:
    if not text:
        return False
    if text[0] in FORMULA_STARTS:  # tab, CR and LF are whitespace too: check before stripping
        return True
    rest = text.lstrip()
    return bool(rest) and unicodedata.normalize("NFKC", rest[0])[:1] in FORMULA_STARTS


def spreadsheet_safe(value):
    """``value`` as a spreadsheet will show it, as text: a leading ``'`` before anything that would
    start a formula; plain numbers (E.164 phones, ``-12.5``) and anything that is not a string
    unchanged."""
    if not isinstance(value, str) or not _starts_formula(value):
        return value
    if _PLAIN_NUMBER.fullmatch(value.strip(" ")):
        return value
    return "'" + value
