"""Quiet hours: when a recipient may be texted, on their own clock. Pure functions, no database.

A window is (start, end) in local wall-clock time; it wraps midnight when start > end (21:00 to
08:00). A recipient's zones are their contact's ``time_zone``, else every zone their number can
be in (phonenumbers' ``timezone`` module: a +1 800 number maps to about 40), and they are held
until the first instant at which *every* one of them is outside the window. Wall-clock times are
turned into instants with ``zoneinfo``, so a clock change moves the instant and not the hour; an
end time that does not exist on a spring-forward day (02:30) ends at the jump, the first instant the
clock shows a later time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import timezone as number_zones

UNKNOWN_ZONE = "Etc/Unknown"
# Enough for any set of zones that has a common hour outside the window: each round moves past
# the end of one zone's window, and there are at most ~45 zones for one number.
MAX_ROUNDS = 200


class NoCommonHour(Exception):
    """The recipient's zones are never all outside the window at once."""


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_valid(name: str) -> bool:
    """Whether ``name`` is an IANA zone this Python knows (case as written: "Europe/Berlin")."""
    return name in _known_zones() or name == "UTC"


def time_zone_validate(value: str) -> None:
    """The model and form validator of ``Contact.time_zone``."""
    from django.core.exceptions import ValidationError

    if value and not time_zone_valid(value):
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. America/Chicago).", code="time_zone")


def window_parse(text: str) -> time:
    """"HH:MM" (24-hour) as a time, or ValueError with a reason."""
    try:
        hours, minutes = (text or "").strip().split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day as HH:MM (00:00 to 23:59).") from None


def zones_for(*, address: str, time_zone: str = "", fallback: str = "UTC") -> tuple[str, ...]:
    """The zones a recipient can be in: their own zone, else their number's, else ``fallback``
    (an email address, or a number phonenumbers cannot place)."""
    if time_zone:
        return (time_zone,)
    if address.startswith("+"):
        try:
            zones = number_zones.time_zones_for_number(phonenumbers.parse(address))
        except phonenumbers.NumberParseException:
            zones = ()
        known = tuple(z for z in zones if z != UNKNOWN_ZONE and _loadable(z))
        if known:
            return known
    return (fallback,)


@lru_cache(maxsize=2048)
def _loadable(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def inside(local: time, start: time, end: time) -> bool:
    """Whether a local time of day falls in [start, end), wrapping midnight when start > end."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _window_end_after(at: datetime, tz: ZoneInfo, end: time) -> datetime:
    """The first instant after ``at`` whose local time in ``tz`` is ``end``."""
    day = at.astimezone(tz).date()
    for offset in range(3):
        candidate = _wall_clock_instant(day + timedelta(days=offset), end, tz)
        if candidate > at:
            return candidate
    raise AssertionError("a wall-clock time recurs within three days")  # pragma: no cover


def _wall_clock_instant(day, wall: time, tz: ZoneInfo) -> datetime:
    """The instant the clock in ``tz`` reaches ``wall`` on ``day``; for a time the clock skips
    (02:30 on a spring-forward night), the instant of the jump, when the clock passes it."""
    instant = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).time() == wall:
        return instant
    # In the gap: fold=1 reads it with the offset after the jump, i.e. before the jump; walk to it.
    early, target = datetime.combine(day, wall, tzinfo=tz).replace(fold=1).astimezone(UTC), datetime.combine(day, wall)
    while early < instant and early.astimezone(tz).replace(tzinfo=None) < target:
        early += timedelta(minutes=1)
    return min(early, instant)


def release_at(*, zones: tuple[str, ...], start: time, end: time, now: datetime) -> datetime:
    """``now`` if every zone is outside the window, else the first instant after which all are:
    NoCommonHour if there is none (zones spread so far apart that one is always inside)."""
    at = now
    for _ in range(MAX_ROUNDS):
        held = [z for z in zones if inside(at.astimezone(zone(z)).time(), start, end)]
        if not held:
            return at
        at = max(_window_end_after(at, zone(z), end) for z in held)
    raise NoCommonHour(f"its zones ({', '.join(zones)}) are never all outside {start:%H:%M}-{end:%H:%M} at once")


def release_at_cached():
    """A ``release_at`` for one pass over many recipients: recipients of one zone set share
    the answer, so 100,000 recipients in 50 zones cost 50 computations."""
    memo: dict[tuple, datetime | NoCommonHour] = {}

    def release(*, zones: tuple[str, ...], start: time, end: time, now: datetime) -> datetime:
        key = (zones, start, end, now)
        if key not in memo:
            try:
                memo[key] = release_at(zones=zones, start=start, end=end, now=now)
            except NoCommonHour as exc:
                memo[key] = exc
        found = memo[key]
        if isinstance(found, NoCommonHour):
            raise found
        return found

    return release
