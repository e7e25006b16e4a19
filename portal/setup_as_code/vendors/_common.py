"""Checks every vendor reader shares: a field that must be there, an instant, a phone number."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError

from messaging.phones import phone_normalize
from portal.setup_as_code.neutral import SourceMalformed

# How far the rendered final schedule is asked for over HTTP: a week back, 90 days ahead (the
# window the portal's calendar feed shows); a file holds whatever window its author fetched.
FINAL_BACK_DAYS, FINAL_AHEAD_DAYS = 7, 90


def final_window(now: datetime) -> tuple[datetime, datetime]:
    """The window, on whole UTC days: vendors cut the rendered shifts at its edges, so a window
    that moved with the clock would move those cuts, and a second run the same day would see
    different overrides."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=FINAL_BACK_DAYS), day + timedelta(days=FINAL_AHEAD_DAYS)


def need(obj, key: str, where: str):
    if not isinstance(obj, dict):
        raise SourceMalformed(f"{where}: expected an object, got {type(obj).__name__}")
    if obj.get(key) in (None, ""):
        raise SourceMalformed(f"{where}: {key!r} is missing")
    return obj[key]


def need_list(obj, key: str, where: str) -> list:
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceMalformed(f"{where}: {key!r} must be a list")
    return value


def zone(name: str | None, where: str) -> str:
    name = name or "UTC"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SourceMalformed(f"{where}: {name!r} is not an IANA time zone") from None
    return name


def instant(value, where: str, *, tz: str = "UTC") -> datetime:
    """An ISO 8601 instant; one written without an offset is read on ``tz``'s clock."""
    if not isinstance(value, str):
        raise SourceMalformed(f"{where}: {value!r} is not an ISO 8601 time")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SourceMalformed(f"{where}: {value!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    return at.astimezone(UTC)


def e164(raw: str) -> str | None:
    """The E.164 form of a vendor's number, or None when it is not a phone number."""
    try:
        return phone_normalize(raw)
    except ValidationError:
        return None
