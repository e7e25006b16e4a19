"""Erasing a person from the shifts (``PERSONAL_DATA_ERASERS``): a shift they booked stays
booked, by nobody the portal can name (``booked_by`` is let go by the contact's delete)."""

from __future__ import annotations

from messaging.erasure.subject import ErasureSubject
from shifts.models import Shift


def shifts_erase(subject: ErasureSubject) -> dict[str, int]:
    return {"shifts": Shift.objects.filter(booked_phone__in=subject.phones).update(booked_phone="")}
