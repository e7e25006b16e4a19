"""The shift SMS commands: a shift code, REQUEST, AGENT. The last inbound handler in the chain.

Only numbers on the ``shifts`` allow-list are served; anything else is taken (so it is not
reported as unhandled), recorded on the inbound row, and answered with silence.
"""

from __future__ import annotations

from messaging.contacts import allow_listed
from messaging.inbound.handlers import HandlerResult
from messaging.models import AllowListScope, Channel
from messaging.outbound.send import message_send
from messaging.transports import transport_supports
from shifts import services, texts

NOT_ALLOWED = "sender not on the shifts allow-list; ignored"


def callbacks_available() -> bool:
    """Call-backs need Amazon Connect when voice goes to AWS; the simulator (and tests) always can.

    Asked before anything is logged: sending one to find out would log a voice row that then
    fails, and the employee must be told at once."""
    return transport_supports(Channel.VOICE, {"kind": "callback"})


def shift_command_handler(inbound) -> HandlerResult:
    phone = inbound.origination_number
    if not allow_listed(phone=phone, scope=AllowListScope.SHIFTS):
        return HandlerResult(outcome=NOT_ALLOWED, reply="")
    text = " ".join((inbound.body or "").split()).upper()
    if text == "REQUEST":
        return HandlerResult(outcome="listed the open shifts", reply=texts.shifts_request_text())
    if text == "AGENT":
        return _agent(inbound)
    return _book(text, phone)


def _book(text: str, phone: str) -> HandlerResult:
    if not text or " " in text:
        return HandlerResult(outcome="not a shift code", reply=texts.UNKNOWN_CODE_REPLY)
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
    return HandlerResult(outcome=f"unknown shift code {text[:20]}", reply=texts.UNKNOWN_CODE_REPLY)


def _agent(inbound) -> HandlerResult:
    phone = inbound.origination_number
    if not callbacks_available():
        return HandlerResult(outcome="call-back requested, but Amazon Connect is not configured; told the sender",
                             reply=texts.CALLBACK_UNAVAILABLE_REPLY)
    # The token is stable per inbound message, so a redelivered SMS never rings the phone twice.
    call = message_send(
        channel=Channel.VOICE, recipient=phone, body="Call-back requested by SMS (shift booking).",
        options={"kind": "callback", "client_token": f"shifts-agent:{inbound.inbound_message_id}",
                 "attributes": {"reason": "shift booking"}},
        owner=inbound,
    )
    return HandlerResult(outcome=f"call-back requested (voice message #{call.pk})",
                         reply=texts.CALLBACK_REPLY.format(phone=phone))


def _simulator_permissions(inbound) -> tuple[str, ...]:
    # A shift code books the shift: a shift manager's action, so in the simulator only a user who
    # may change shifts texts the shift commands as a phone. Text from a number off the
    # allow-list is taken only to be ignored, and acts for nobody.
    return () if inbound.outcome == NOT_ALLOWED else ("shifts.change_shift",)


shift_command_handler.simulator_permissions = _simulator_permissions
