"""The shift SMS commands: a shift code, REQUEST, AGENT, COVER. The last inbound handler in the chain.

COVER (shifts/cover_by_text.py) is served to members of an on-call rotation, and a turn offered
for cover may be booked by the members it was offered to, on the allow-list or not.

Only numbers on the ``shifts`` allow-list are served; a command from any other number is taken,
marked ignored on the inbound row, and answered with silence (the campaign composer counts such
recipients before sending). A sentence is no command: it passes on, so a person reads it. Nor is
a word that answers another owner's message (an incident's page) and is no known code or
command: "Omw" to a page goes on the incident's timeline, not to "not a valid shift code".
"""

from __future__ import annotations

from messaging.contacts import allow_listed
from messaging.inbound.context import reply_context
from messaging.inbound.handlers import HandlerResult
from messaging.models import AllowListScope, Channel
from messaging.outbound.send import message_send
from messaging.transports import transport_supports
from shifts import selectors, services, texts
from shifts.codes import RESERVED_CODES
from shifts.cover_by_text import cover_command, cover_offered_to, is_cover_command

NOT_ALLOWED = "sender not on the shifts allow-list; ignored"
# Reserved words this handler still answers: its own commands, and an incident's reply words
# sent to a shift's message, which no incident takes (CONTRACT: a YES to a campaign changes no
# incident): the sender is told what to text instead.
ANSWERED_HERE = {"REQUEST", "AGENT", "YES", "NO", "ACK", "Y", "N", "RESOLVE", "R"}


def callbacks_available() -> bool:
    """Call-backs need Amazon Connect when voice goes to AWS; the simulator (and tests) always can.

    Asked before anything is logged: sending one to find out would log a voice row that then
    fails, and the employee must be told at once."""
    return transport_supports(Channel.VOICE, {"kind": "callback"})


def shift_command_handler(inbound) -> HandlerResult | None:
    text = " ".join((inbound.body or "").split()).upper()
    if is_cover_command(text):
        # Served to rotation members whatever the allow-list: being on the schedule is the right.
        result = cover_command(inbound, text)
        result.about_shifts = True
        return result
    if text in RESERVED_CODES - ANSWERED_HERE:
        # Another handler's word (ONCALL, HELP, STOP…), offered here first as a reply to a shift's
        # message: that handler answers it.
        return None
    if " " in text:
        return None  # a sentence is no shift command: a person reads it (messaging.inbound.router)
    context = reply_context(inbound)
    if context.owner_label and not (context.answers_the_portal or context.answers(*OWNERS) or _is_command(text)):
        return None  # "Omw" to an incident's page is no unknown code: the page's owner keeps it
    phone = inbound.origination_number
    if not (allow_listed(phone=phone, scope=AllowListScope.SHIFTS) or cover_offered_to(phone=phone, code=text)):
        return HandlerResult(outcome=NOT_ALLOWED, ignored=True, about_shifts=True)
    result = _command(text, inbound)
    result.about_shifts = True
    return result


def _is_command(text: str) -> bool:
    return text in ("REQUEST", "AGENT") or selectors.shift_get(code=text) is not None


def _command(text: str, inbound) -> HandlerResult:
    if text == "REQUEST":
        return HandlerResult(outcome="listed the open shifts", reply=texts.shifts_request_text())
    if text == "AGENT":
        return _agent(inbound)
    return _book(text, inbound.origination_number)


def _book(text: str, phone: str) -> HandlerResult:
    if not text:
        return HandlerResult(outcome="not a shift code", reply=texts.shift_reply_text("unknown_code"))
    result = services.shift_book(code=text, phone=phone)
    shift = result.shift
    if result.outcome == "booked":
        return HandlerResult(outcome=f"booked shift {shift.code}", reply=texts.shift_booked_text(shift=shift),
                             owner=shift)
    if result.outcome == "yours":
        return HandlerResult(outcome=f"shift {shift.code} already booked by this sender",
                             reply=texts.shift_yours_text(shift=shift),
                             owner=shift)
    if result.outcome == "taken":
        return HandlerResult(outcome=f"shift {shift.code} already taken by {shift.booked_phone}",
                             reply=texts.shift_taken_text(shift=shift), owner=shift)
    if result.outcome == "closed":
        return HandlerResult(outcome=f"shift {shift.code} is {shift.status}",
                             reply=texts.shift_closed_text(shift=shift), owner=shift)
    return HandlerResult(outcome=f"unknown shift code {text[:20]}", reply=texts.shift_reply_text("unknown_code"))


def _agent(inbound) -> HandlerResult:
    phone = inbound.origination_number
    if not callbacks_available():
        return HandlerResult(outcome="call-back requested, but Amazon Connect is not configured; told the sender",
                             reply=texts.shift_reply_text("callback_unavailable"))
    # The token is stable per inbound message, so a redelivered SMS never rings the phone twice.
    call = message_send(
        channel=Channel.VOICE, recipient=phone, body="Call-back requested by SMS (shift booking).",
        options={"kind": "callback", "client_token": f"shifts-agent:{inbound.inbound_message_id}",
                 "attributes": {"reason": "shift booking"}},
        owner=inbound,
    )
    return HandlerResult(outcome=f"call-back requested (voice message #{call.pk})",
                         reply=texts.shift_reply_text("callback", phone=phone))


def _simulator_permissions(inbound) -> tuple[str, ...]:
    # A shift code books the shift: a shift manager's action, so in the simulator only a user who
    # may change shifts texts the shift commands as a phone. Text from a number off the
    # allow-list is taken only to be ignored, and acts for nobody.
    return () if inbound.outcome == NOT_ALLOWED else ("shifts.change_shift",)  # COVER offers a shift: the same


shift_command_handler.simulator_permissions = _simulator_permissions

# Replies to a campaign or to a shift's own messages are asked here first.
OWNERS = ("shifts.shiftcampaign", "shifts.shift")
shift_command_handler.owners = OWNERS
