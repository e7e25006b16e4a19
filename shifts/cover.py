"""On-call cover booked by text: a shift that belongs to a schedule becomes an override for its booker.

Booking such a shift (the same code / REQUEST / race machinery as any shift) makes its booker on
call on the schedule for exactly the shift's hours; releasing the booking takes the override
away. Both run inside the booking's transaction, so a booking never exists without its cover.
"""

from __future__ import annotations

from oncall.services import override_add, override_remove
from shifts.cover_asks import cover_ask_taken
from shifts.models import Shift


def shift_cover_make(*, shift: Shift, phone: str) -> None:
    if not shift.schedule_id or shift.cover_id:
        return
    override = override_add(schedule=shift.schedule, contact=shift.booked_by, phone=phone, start=shift.starts_at,
                            end=shift.ends_at,
                            note=f"shift {shift.code} booked by text", created_by=f"shift {shift.code}")
    Shift.objects.filter(pk=shift.pk).update(cover=override)
    shift.cover = override
    cover_ask_taken(shift=shift)  # a turn someone asked cover for: tell them who took it


def shift_cover_remove(*, shift: Shift) -> None:
    override_remove(override_id=shift.cover_id)
    shift.cover = None


def shift_cover_on_delete(sender, instance: Shift, **kwargs) -> None:
    """A deleted shift takes its on-call cover with it (the override does not point back at it)."""
    override_remove(override_id=instance.cover_id)
