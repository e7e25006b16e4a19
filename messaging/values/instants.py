"""The one range of instants the portal accepts: from 1970-01-01 to the end of 2999, in UTC.

Why a range at all: Python's datetime ends at 9999-12-31, and the portal adds turns, waits and
days to the times people give it. An override typed as the last minute of 9999 in a zone west of
UTC was stored as year 10000; PostgreSQL kept it, psycopg could not read it back, and the
schedule's page failed for good. ``?at=9999-12-31T23:59:59Z`` overflowed while adding a turn.
Ending at 3000 leaves seven thousand years of headroom for every addition the portal makes
(a turn is at most a year, a wait a day), and starting at 1970 keeps every backend's epoch
arithmetic whole. Nobody schedules a turn for the year 3000, so the bound refuses only typos and
probes.

Every door uses it: ``instant_validate`` sits on the model fields people edit (so ModelForms,
ModelSerializers and every ``full_clean`` in a service check it), ``InstantField`` is the DRF
field for plain serializers and query parameters, and ``InstantFormField`` the admin's field for
plain forms. A leaf module (Django and DRF only) so every app can import it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

INSTANT_MIN = datetime(1970, 1, 1, tzinfo=UTC)
INSTANT_END = datetime(3000, 1, 1, tzinfo=UTC)  # exclusive: the last accepted instant is in 2999
INSTANT_LAST = INSTANT_END - timedelta(microseconds=1)
INSTANT_RANGE_MESSAGE = "Give a time from 1970-01-01 up to the end of 2999 (UTC)."


def instant_in_range(value: datetime) -> bool:
    """True when ``value`` (aware; a naive one is read as UTC) lies in the accepted range.

    Compared, never converted: converting 9999-12-31T23:59-08:00 to UTC is an OverflowError."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return INSTANT_MIN <= value < INSTANT_END


def instant_clamp(value: datetime) -> datetime:
    """``value`` moved inside the range: for rows stored before the range existed (or written
    past it by hand), so that reading them can never overflow while adding a turn or showing the
    time in a zone east of UTC (9999-12-31T23:59:59Z is already year 10000 in Tokyo)."""
    if instant_in_range(value):
        return value
    return INSTANT_MIN if value < INSTANT_MIN else INSTANT_LAST


def instant_validate(value) -> None:
    """The model and form validator (a module-level function, so migrations can name it)."""
    if isinstance(value, datetime) and not instant_in_range(value):
        raise ValidationError(INSTANT_RANGE_MESSAGE, code="instant_range")


class InstantField(serializers.DateTimeField):
    """A DRF DateTimeField that refuses instants outside the range with a 400 naming the field."""

    default_error_messages = {"instant_range": INSTANT_RANGE_MESSAGE}

    def to_internal_value(self, value):
        # DRF itself refuses the last hours of 9999 west of UTC (converting them to UTC overflows:
        # its "Datetime value out of range", still a 400 naming the field); this refuses the rest.
        parsed = super().to_internal_value(value)
        if not instant_in_range(parsed):
            self.fail("instant_range")
        return parsed


class InstantFormField(forms.DateTimeField):
    """The admin's DateTimeField for plain forms, with the same range."""

    default_validators = [instant_validate]
