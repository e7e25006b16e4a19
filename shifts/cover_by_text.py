"""COVER by text: a schedule member hands a turn of theirs to the others.

``COVER`` takes the sender's next turn that has not started, on any schedule they are in the
rotation of; ``COVER 2026-12-24`` their turn on that day (on the schedule's clock). The turn
becomes an ordinary on-call shift (shifts/cover.py: its booker becomes on call for exactly its
hours) with the code the uncovered-slots campaign would give it, and the offer goes by SMS to
the schedule's other members. From there everything is what shifts already do: the code books
it (one winner in a race), REQUEST lists it, the booking makes the override. The asker is told
who took it, or at the turn's start that nobody did (shifts/cover_asks.py, a durable timer).

Who is on call comes from ``oncall.selectors.oncall_timeline``, the arithmetic the pager uses:
a turn already handed to someone by an override is no longer the sender's to offer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from messaging.inbound.handlers import HandlerResult
from messaging.models import Channel, Contact
from messaging.outbound.send import message_send
from messaging.scheduling.timers import timer_schedule
from oncall.models import Schedule, ScheduleMember
from oncall.selectors import oncall_timeline, schedule_zone
from shifts import texts
from shifts.cover_campaign import cover_slot_code
from shifts.models import CoverAsk, NotifyChannel, Shift, ShiftStatus
from shifts.services import shift_create

COMMAND = "COVER"
_COVER = re.compile(r"^COVER(?: (\S+))?$")
# The timer that tells the asker (and the manager) that nobody took the turn; shifts/tasks.py.
COVER_UNFILLED = "shifts.tasks.cover_ask_unfilled"
# How far ahead "my next turn" is looked for: beyond a year a turn is not worth a text.
LOOK_AHEAD = timedelta(days=400)


def is_cover_command(text: str) -> bool:
    return _COVER.match(text) is not None


@dataclass(frozen=True)
class Turn:
    schedule: Schedule
    start: datetime
    end: datetime


def _memberships(contact: Contact) -> list[Schedule]:
    return [m.schedule for m in ScheduleMember.objects.filter(contact=contact).select_related("schedule")
            .order_by("schedule__name", "schedule_id")]


def _turns_of(*, schedule: Schedule, contact: Contact, start: datetime, end: datetime) -> list[Turn]:
    """The contact's rotation turns (or what an override leaves of them) overlapping [start, end)."""
    return [Turn(schedule, s.start, s.end)
            for s in oncall_timeline(schedule=schedule, start=start, end=end, split_turns=True)
            if s.person is not None and s.person.id == contact.pk and s.override_id is None]


def cover_turn_find(*, contact: Contact, day: date | None, now: datetime) -> tuple[str, Turn | None]:
    """("found", turn), ("started", turn) when that day's turn is under way, or ("none", None)."""
    candidates: list[Turn] = []
    for schedule in _memberships(contact):
        if day is None:
            # One turn per member comes round every n turns; look no further than that.
            members = ScheduleMember.objects.filter(schedule=schedule).count()
            horizon = min(LOOK_AHEAD, timedelta(hours=schedule.turn_hours * (members + 1) + 2))
            candidates += _turns_of(schedule=schedule, contact=contact, start=now, end=now + horizon)
        else:
            tz = schedule_zone(schedule=schedule)
            lo = datetime.combine(day, time(0), tzinfo=tz)
            hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
            # Read a turn's length either side, so a turn overlapping the day comes whole, not cut at midnight.
            reach = timedelta(hours=schedule.turn_hours + 2)
            candidates += [t for t in _turns_of(schedule=schedule, contact=contact, start=lo - reach, end=hi + reach)
                           if t.start < hi and t.end > lo]
    ahead = sorted((t for t in candidates if t.start > now), key=lambda t: (t.start, t.schedule.name))
    if ahead:
        return "found", ahead[0]
    if candidates:
        return "started", min(candidates, key=lambda t: t.start)
    return "none", None


def cover_turn_starting(*, schedule: Schedule, contact: Contact, start: datetime, now: datetime) -> Turn | None:
    """The contact's turn (or piece) on ``schedule`` starting exactly at ``start``, if not started yet
    (the schedule page's button names a turn by its start)."""
    if start <= now:
        return None
    turns = _turns_of(schedule=schedule, contact=contact, start=start,
                      end=start + timedelta(hours=schedule.turn_hours + 2))
    return next((t for t in turns if t.start == start), None)


def _free_code(*, schedule: Schedule, start: datetime) -> tuple[str, Shift | None]:
    """The slot's code, or the open shift already offering this turn. A code a past offer of the
    same slot used (expired, cancelled, released) gets a letter: B, C, …"""
    base = cover_slot_code(schedule=schedule, start=start)
    for suffix in ["", *"BCDEFGHJKLMNPQRSTUVWXYZ"]:
        code = base + suffix
        existing = Shift.objects.filter(code=code).first()
        if existing is None:
            return code, None
        if existing.status == ShiftStatus.AVAILABLE and existing.starts_at == start:
            return code, existing
    raise ValidationError({"start": "This turn has been offered too many times already."})


@dataclass(frozen=True)
class CoverOffer:
    outcome: str  # "asked", "already" or "nobody"
    ask: CoverAsk | None
    code: str
    turn: str


@transaction.atomic
def cover_ask_make(*, turn: Turn, asker: Contact, created_by: str = "SMS", now: datetime | None = None) -> CoverOffer:
    """Offer ``turn`` (the asker's) to the schedule's other members as an on-call shift."""
    schedule, now = turn.schedule, now or timezone.now()
    tz = schedule_zone(schedule=schedule)
    turn_text = texts.cover_turn(schedule_name=schedule.name, start=turn.start, end=turn.end, tz=tz)
    others = list(Contact.objects.filter(schedule_memberships__schedule=schedule).exclude(pk=asker.pk).distinct()
                  .order_by("name", "pk"))
    if not others:
        return CoverOffer("nobody", None, "", turn_text)
    code, open_shift = _free_code(schedule=schedule, start=turn.start)
    if open_shift is not None:
        return CoverOffer("already", getattr(open_shift, "cover_ask", None), code, turn_text)
    manager = Schedule.objects.filter(pk=schedule.pk).values_list("manager", flat=True).first()
    shift = shift_create(code=code, starts_at=turn.start, ends_at=turn.end, time_zone=schedule.time_zone,
                         schedule=schedule, info=f"On call: {schedule.name}, for {asker.name or asker.phone}",
                         notify_manager=Contact.objects.filter(pk=manager).first() if manager else None,
                         notify_channel=NotifyChannel.SMS if manager else "")
    ask = CoverAsk.objects.create(shift=shift, schedule=schedule, asker=asker, offered_to=len(others),
                                  created_by=created_by[:200])
    body = texts.cover_offer_text(asker=asker.name or asker.phone, turn=turn_text, code=code)
    for other in others:
        message_send(channel=Channel.SMS, recipient=other.phone, body=body, owner=shift)
    timer_schedule(callback=COVER_UNFILLED, due_at=turn.start, kwargs={"ask_id": ask.pk}, owner=ask,
                   label=f"cover {code}: nobody took it")
    return CoverOffer("asked", ask, code, turn_text)


def _parse_day(word: str) -> date | None:
    try:
        return date.fromisoformat(word) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word) else None
    except ValueError:
        return None


def cover_command(inbound, text: str) -> HandlerResult:
    """The answer to ``COVER`` or ``COVER YYYY-MM-DD`` (``text`` already upper-case, single-spaced)."""
    word = _COVER.match(text).group(1)
    day = _parse_day(word) if word else None
    if word and day is None:
        return HandlerResult(outcome=f"COVER with a bad date {word[:20]!r}", reply=texts.COVER_BAD_DATE_REPLY)
    contact = Contact.objects.filter(phone=inbound.origination_number).first()
    if contact is None or not ScheduleMember.objects.filter(contact=contact).exists():
        return HandlerResult(outcome="COVER: sender is in no rotation", reply=texts.COVER_NOT_A_MEMBER_REPLY)
    now = timezone.now()
    found, turn = cover_turn_find(contact=contact, day=day, now=now)
    if turn is None:
        return HandlerResult(outcome="COVER: no turn to offer", reply=texts.cover_no_turn_text(day=day))
    if found == "started":
        return HandlerResult(outcome="COVER: that turn has started", reply=texts.cover_no_turn_text(day=day))
    try:
        offer = cover_ask_make(turn=turn, asker=contact, now=now)
    except ValidationError as exc:  # a second COVER for the same turn won the code a moment before
        return HandlerResult(outcome=f"COVER: not offered ({' '.join(exc.messages)[:100]})",
                             reply=texts.COVER_NOT_OFFERED_REPLY)
    if offer.outcome == "nobody":
        return HandlerResult(outcome="COVER: nobody else on the schedule",
                             reply=texts.cover_nobody_to_ask_text(schedule_name=turn.schedule.name))
    if offer.outcome == "already":
        return HandlerResult(outcome=f"COVER: already offered as {offer.code}",
                             reply=texts.cover_already_asked_text(turn=offer.turn, code=offer.code))
    return HandlerResult(outcome=f"COVER: offered as {offer.code} to {offer.ask.offered_to} member(s)",
                         reply=texts.cover_asked_text(turn=offer.turn, code=offer.code,
                                                      offered=offer.ask.offered_to),
                         owner=offer.ask.shift)


def cover_offered_to(*, phone: str, code: str) -> bool:
    """Whether ``code`` is a turn offered for cover to ``phone`` (a member of its schedule): such a
    member may book it though not on the shifts allow-list, since the offer was made to them (and,
once it is taken, hears so like anyone who was offered it)."""
    return CoverAsk.objects.filter(shift__code=code, schedule__members__contact__phone=phone).exists()

