"""Dates for tests that stay in the future whatever day the suite runs.

A test that writes an absolute date starts failing the day that date passes (it has happened
once, to shifts imported with a fixed December date). These give a fixed calendar shape
(always 1 December, so Europe/London is on UTC) in a year that is always ahead of today.
"""

from datetime import date

from django.utils import timezone


def next_year_december_first() -> date:
    """1 December of next year: in the future, and outside daylight saving in Europe."""
    return date(timezone.now().year + 1, 12, 1)


def iso_day(day: date | None = None) -> str:
    """``YYYY-MM-DD`` of ``day`` (default: next_year_december_first())."""
    return (day or next_year_december_first()).isoformat()
