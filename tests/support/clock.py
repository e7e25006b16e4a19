"""Dates and instants for tests that hold whatever day, hour or month the suite runs on.

A test that writes an absolute date starts failing the day that date passes (it has happened
once, to shifts imported with a fixed December date); one that writes "now minus a minute" for
"today" fails in the first minute after midnight; one that counts the days of a month laid out
from the real clock changes its answer with the weekday (main went red on 2026-12-07). These
give fixed calendar shapes computed from today, and instants on a given local day that are never
after now. ``bin/date-sweep`` reuses last_day_of_month to pick a day it runs the suite on.
"""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def next_year_december_first() -> date:
    """1 December of next year: in the future, and outside daylight saving in Europe."""
    return date(timezone.now().year + 1, 12, 1)


def iso_day(day: date | None = None) -> str:
    """``YYYY-MM-DD`` of ``day`` (default: next_year_december_first())."""
    return (day or next_year_december_first()).isoformat()


def on_day_ago(days: int, *, now: datetime | None = None) -> datetime:
    """An instant on the local day ``days`` before today, never after ``now``, whatever the hour.

    Half-way between midnight and the time of day ``now`` is at, on that day: at 00:00:01 it is
    still today, not yesterday as ``now - 1 minute`` would be.
    """
    now = now or timezone.now()
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    day = timezone.localdate(now) - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min)) + (now - midnight) / 2


def last_day_of_month(day: date) -> date:
    """The last day of ``day``'s month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def clear_of_midnight(seconds: float = 30) -> None:
    """Wait until local midnight has passed if it is less than ``seconds`` away.

    For a test that lays data out from the real clock and then reads a page that asks the clock
    again: a midnight between the two would move the page's days by one.
    """
    now = timezone.localtime()
    left = (timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time.min)) - now).total_seconds()
    if left < seconds:
        clock.sleep(left + 0.1)
