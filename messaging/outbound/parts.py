"""How many SMS parts a text costs, counted the way carriers split it.

GSM-7 fits 160 characters in one part and 153 per part when concatenated; characters from the
extension table (``^{}[]~|€\\``) take two septets. Anything outside GSM-7 makes the whole
message UCS-2: 70 in one part, 67 per part, counted in UTF-16 code units.
"""

from dataclasses import dataclass

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class PartCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def sms_parts(text: str) -> PartCount:
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        if units <= 160:
            return PartCount("GSM-7", units, 1 if units else 1)
        # An escape pair is never split across parts, so pack part by part.
        parts, used = 1, 0
        for ch in text:
            cost = 2 if ch in _GSM_EXTENDED else 1
            if used + cost > 153:
                parts, used = parts + 1, 0
            used += cost
        return PartCount("GSM-7", units, parts)
    units = len(text.encode("utf-16-le")) // 2
    if units <= 70:
        return PartCount("UCS-2", units, 1)
    # A surrogate pair is never split across parts either.
    parts, used = 1, 0
    for ch in text:
        cost = 2 if ord(ch) > 0xFFFF else 1
        if used + cost > 67:
            parts, used = parts + 1, 0
        used += cost
    return PartCount("UCS-2", units, parts)
