"""What happens to a turn offered for cover: the asker hears who took it, or (at the turn's
start, by a durable timer) the asker and the schedule's manager hear that nobody did.

No booking logic here: the booking is the ordinary shift booking (shifts.services.shift_book),
whose on-call cover (shifts/cover.py) calls ``cover_ask_taken`` in the booking's transaction.
The offer itself is made by shifts/cover_by_text.py.
"""

from __future__ import annotations

from django.db import transaction

from messaging.models import Channel
from messaging.outbound.send import message_send
from oncall.selectors import schedule_zone
from shifts import texts
from shifts.models import CoverAsk, CoverAskOutcome, Shift, ShiftStatus


def cover_ask_turn(ask: CoverAsk) -> str:
    shift = ask.shift
    return texts.cover_turn(schedule_name=ask.schedule.name, start=shift.starts_at, end=shift.ends_at,
                            tz=schedule_zone(schedule=ask.schedule))


def cover_ask_taken(*, shift: Shift) -> None:
    """Tell the asker who took their turn (inside the booking's transaction; sent after commit)."""
    ask = CoverAsk.objects.select_related("asker", "schedule", "shift").filter(
        shift=shift, outcome=CoverAskOutcome.OPEN).first()
    if ask is None:
        return
    CoverAsk.objects.filter(pk=ask.pk).update(outcome=CoverAskOutcome.TAKEN)
    booker = f"{shift.booked_by.name} ({shift.booked_phone})" if shift.booked_by else shift.booked_phone
    message_send(channel=Channel.SMS, recipient=ask.asker.phone, owner=shift,
                 body=texts.cover_taken_text(booker=booker, turn=cover_ask_turn(ask)))


@transaction.atomic
def cover_ask_unfilled(*, ask_id: int) -> None:
    """Timer callback at the turn's start: if the offer is still open, close it and tell the asker
    and the schedule's manager. The shift's conditional UPDATE races the booking's: one wins."""
    ask = CoverAsk.objects.select_related("asker", "schedule__manager", "shift").filter(pk=ask_id).first()
    if ask is None or ask.outcome != CoverAskOutcome.OPEN:
        return
    closed = Shift.objects.filter(pk=ask.shift_id, status__in=(ShiftStatus.AVAILABLE, ShiftStatus.EXPIRED)).update(
        status=ShiftStatus.EXPIRED)
    if not closed:
        return  # booked (its asker was told then) or cancelled by a manager
    CoverAsk.objects.filter(pk=ask.pk).update(outcome=CoverAskOutcome.UNFILLED)
    turn = cover_ask_turn(ask)
    message_send(channel=Channel.SMS, recipient=ask.asker.phone, owner=ask.shift,
                 body=texts.cover_unfilled_asker_text(turn=turn))
    manager = ask.schedule.manager
    if manager is not None and manager.pk != ask.asker_id:
        message_send(channel=Channel.SMS, recipient=manager.phone, owner=ask.shift,
                     body=texts.cover_unfilled_manager_text(asker=ask.asker.name or ask.asker.phone, turn=turn))
