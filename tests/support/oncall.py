"""Helpers for the on-call tests: next year's DST changes of a real zone, found rather than
written down, and schedules, overrides and policies built through the services."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.utils import timezone


def next_year() -> int:
    return timezone.now().year + 1


def dst_changes(zone: str, year: int | None = None) -> list[tuple[datetime, timedelta]]:
    """The instants (UTC) in ``year`` (default next year) when ``zone``'s clocks change, in
    order, each with the change of offset: +1 h when they go forward, -1 h when they go back."""
    tz = zoneinfo.ZoneInfo(zone)
    year = year or next_year()
    at, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    changes = []
    while at < end:
        nxt = at + timedelta(days=1)
        if at.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo, hi = at, nxt  # the change lies in (lo, hi]: halve down to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            hi = hi.replace(microsecond=0)
            changes.append((hi, hi.astimezone(tz).utcoffset() - lo.astimezone(tz).utcoffset()))
        at = nxt
    assert len(changes) == 2, f"{zone} should change its clocks twice in {year}: {changes}"
    return changes


def next_dst_change(zone: str, *, after: datetime) -> datetime:
    """The first instant after ``after`` at which ``zone``'s clocks change (``bin/date-sweep`` runs
    the suite just after it, and the demo's test seeds at it)."""
    return min(at for year in (after.year, after.year + 1) for at, _ in dst_changes(zone, year) if at > after)
