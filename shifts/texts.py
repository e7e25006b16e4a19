"""Every SMS and email text the shifts app sends, and the shift descriptions inside them.

Kept apart from the services so that a change of wording never touches a booking, and so
that REQUEST, the campaign composer and the confirmations share one way of describing a shift.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone

from messaging.outbound.parts import sms_parts
from messaging.outbound.wording import sentence
from messaging.templates.builtin import BuiltinTemplate, BuiltinVariant
from messaging.templates.render import template_render
from shifts.models import Shift
from shifts.selectors import shift_is_open, shifts_available

REQUEST_MAX_PARTS = 3
INFO_IN_LIST = 60  # characters of a shift's information in a list of shifts

UNKNOWN_CODE_REPLY = "This is not a valid shift code, please reply by typing REQUEST to view the available shifts"
NO_SHIFTS_REPLY = "There are no open shifts right now. We will text you when new ones are posted."
CALLBACK_REPLY = "Thanks. An agent will call you back shortly on {phone}."
CALLBACK_UNAVAILABLE_REPLY = ("Sorry, call-backs are not available at the moment. Reply REQUEST to see the open "
                              "shifts, or a shift code to book one.")
BOOKED_REPLY = "Confirmed: shift {code} is yours. {summary} Reply AGENT if you need to talk to someone."
CLOSED_REPLY = "Shift {code} is no longer available. Reply REQUEST to view the open shifts."

# The replies are default templates (messaging/templates/builtin.py), editable in the admin under
# these names; the English wording above is the default. "not a valid shift code" is what the
# contract promises a sender, so an operator's variant should keep it.
BUILTIN_TEMPLATES = (
    BuiltinTemplate("shift.unknown_code", "The answer to text that is no shift code (SMS)", (),
                    (BuiltinVariant("sms", UNKNOWN_CODE_REPLY),)),
    BuiltinTemplate("shift.no_shifts", "The answer to REQUEST when no shift is open (SMS)", (),
                    (BuiltinVariant("sms", NO_SHIFTS_REPLY),)),
    BuiltinTemplate("shift.callback", "The answer to AGENT (SMS)", ("phone",),
                    (BuiltinVariant("sms", CALLBACK_REPLY),)),
    BuiltinTemplate("shift.callback_unavailable", "The answer to AGENT without Amazon Connect (SMS)", (),
                    (BuiltinVariant("sms", CALLBACK_UNAVAILABLE_REPLY),)),
    BuiltinTemplate("shift.booked", "The confirmation of a booking (SMS)", ("code", "summary"),
                    (BuiltinVariant("sms", BOOKED_REPLY),)),
    BuiltinTemplate("shift.closed", "The answer to a code of a shift no longer open (SMS)", ("code",),
                    (BuiltinVariant("sms", CLOSED_REPLY),)),
)


def shift_reply_text(name: str, *, locale: str = "", **values) -> str:
    """The reply ``shift.<name>`` as an operator left it, in ``locale``."""
    return template_render(template_name=f"shift.{name}", channel="sms", locale=locale, context=values).body


def _zone(shift: Shift) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(shift.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def shift_when(shift: Shift) -> str:
    """'Tue 24 Nov 08:00-16:00 UTC' in the shift's own zone; '' when it has no times."""
    if not shift.starts_at:
        return ""
    zone = _zone(shift)
    start = shift.starts_at.astimezone(zone)
    text = f"{start:%a %d %b %H:%M}"
    if shift.ends_at:
        end = shift.ends_at.astimezone(zone)
        text += f"-{end:%H:%M}" if end.date() == start.date() else f" - {end:%a %d %b %H:%M}"
    return f"{text} {start.tzname()}"


def shift_summary(shift: Shift, *, info_chars: int | None = None) -> str:
    info = shift.info if info_chars is None or len(shift.info) <= info_chars else shift.info[:info_chars - 3] + "..."
    return ", ".join(p for p in (info, shift_when(shift), shift.location) if p)


def shift_list_text(*, shifts: list[Shift], total: int, header: str, footer: str,
                    max_parts: int = REQUEST_MAX_PARTS) -> str:
    """``header``, as many shift lines as fit in ``max_parts`` SMS parts, '+N more', ``footer``."""

    def compose(lines: list[str]) -> str:
        more = total - len(lines)
        body = [header, *lines]
        if more > 0:
            body.append(f"+{more} more.")
        body.append(footer)
        return "\n".join(body)

    lines: list[str] = []
    for shift in shifts:
        candidate = [*lines, f"{shift.code}: {shift_summary(shift, info_chars=INFO_IN_LIST)}"]
        if lines and sms_parts(compose(candidate)).parts > max_parts:
            break
        lines = candidate
    return compose(lines)


def shifts_request_text(*, max_parts: int = REQUEST_MAX_PARTS) -> str:
    """The answer to REQUEST: the open shifts, soonest first, in at most ``max_parts`` parts."""
    available = shifts_available()
    total = available.count()
    if not total:
        return shift_reply_text("no_shifts")
    # More than could ever fit in three parts; the rest is summed up as "+N more".
    shifts = list(available[:40])
    return shift_list_text(shifts=shifts, total=total, header="Open shifts:",
                           footer="Reply with a code to book.", max_parts=max_parts)


def shift_taken_text(*, shift: Shift) -> str:
    available = shifts_available()
    total = available.count()
    if not total:
        return f"Sorry, this shift is already taken ({shift.code}). There are no other open shifts right now."
    return shift_list_text(shifts=list(available[:40]), total=total,
                           header=f"Sorry, this shift is already taken ({shift.code}). Still open:",
                           footer="Reply with a code to book.", max_parts=2)


def shift_booked_text(*, shift: Shift) -> str:
    return shift_reply_text("booked", code=shift.code, summary=sentence(shift_summary(shift)))


def shift_yours_text(*, shift: Shift) -> str:
    return f"You have already booked shift {shift.code}. {sentence(shift_summary(shift))}"


def shift_closed_text(*, shift: Shift) -> str:
    return shift_reply_text("closed", code=shift.code)


def shift_manager_text(*, shift: Shift) -> str:
    """What the shift's manager is told when it is booked."""
    who = f"{shift.booked_by.name} ({shift.booked_phone})" if shift.booked_by else shift.booked_phone
    return f"Shift {shift.code} ({shift_summary(shift, info_chars=INFO_IN_LIST)}) was booked by {who}."


def campaign_message_compose(*, shifts: list[Shift] | None = None) -> str:
    """The default campaign text: the selected open shifts (all open ones if none) with their codes."""
    chosen = [s for s in shifts if shift_is_open(shift=s)] if shifts is not None else None
    if not chosen:
        chosen = list(shifts_available()[:40])
    chosen.sort(key=lambda s: (s.starts_at is None, s.starts_at or timezone.now(), s.code))
    return shift_list_text(shifts=chosen, total=len(chosen), header="Open shifts:",
                           footer="Reply with a code to book, REQUEST for the list, AGENT for a call back.",
                           max_parts=REQUEST_MAX_PARTS)


# COVER by text (shifts/cover_by_text.py, shifts/cover_asks.py).
COVER_NOT_A_MEMBER_REPLY = ("You are not in the rotation of any on-call schedule, so there is no turn of yours to "
                            "hand over.")
COVER_NOT_OFFERED_REPLY = "Your turn could not be offered just now; text COVER again in a minute."
COVER_BAD_DATE_REPLY = ("Text COVER for your next on-call turn, or COVER and a date as YYYY-MM-DD "
                        "(e.g. COVER 2026-12-24).")


def cover_turn(*, schedule_name: str, start, end, tz) -> str:
    """'East gas, Thu 24 Dec 08:00 - Fri 25 Dec 08:00 PST' on the schedule's clock."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    until = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%a %d %b %H:%M}"
    return f"{schedule_name}, {a:%a %d %b %H:%M} - {until} {b.tzname()}"


def cover_no_turn_text(*, day=None) -> str:
    if day is None:
        return "You have no on-call turn coming up to hand over."
    return f"You have no on-call turn on {day:%a %d %b %Y} that has not started yet."


def cover_asked_text(*, turn: str, code: str, offered: int) -> str:
    return (f"Asked {offered} other member(s) to cover your turn ({turn}), code {code}. "
            "We will text you who takes it; until then you stay on call.")


def cover_already_asked_text(*, turn: str, code: str) -> str:
    return f"Your turn ({turn}) is already offered as {code}. We will text you who takes it."


def cover_nobody_to_ask_text(*, schedule_name: str) -> str:
    return f"There is nobody else on {schedule_name} to ask; you stay on call."


def cover_offer_text(*, asker: str, turn: str, code: str) -> str:
    return f"{asker} asks for cover on call: {turn}. Reply {code} to take it (you will be on call for it)."


def cover_taken_text(*, booker: str, turn: str) -> str:
    return f"{booker} took your on-call turn ({turn}). They are on call for it now, not you."


def cover_unfilled_asker_text(*, turn: str) -> str:
    return f"Nobody took your on-call turn ({turn}) before it started: you are on call."


def cover_unfilled_manager_text(*, asker: str, turn: str) -> str:
    return f"Nobody took {asker}'s on-call turn ({turn}) offered for cover; {asker} stays on call."
