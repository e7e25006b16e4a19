"""The simulator rings: a voice page sent by the simulator transport is a ringing call on the
phone page, with the spoken text and a keypad, until a key that acts or a hang-up ends it.

The keys follow the contact flow Amazon Connect plays (messaging/calls/flows/page_call.json): 4,
5 and 6 act (as YES, NO and RESOLVE by SMS would) and end the call, or, on a bulk send's
confirmation call (confirm_call.json), 1 and 2 (its first and second answers; the map is
messaging.calls.keys.call_keys); ``*`` and any other key play the page again, and the third
replay hangs up, as the flow does. A key that acts goes through
``messaging.calls.keys`` exactly as a key reported by Connect does, and, like a reply typed on
the phone page, counts only for a staff user who holds the role of the handler that took it
(messaging.simulator.phone): refused, it leaves nothing behind.
"""

from __future__ import annotations

from django.db import transaction

from messaging.calls.keys import call_end, call_is_confirmation, call_key_apply, call_keys, call_lock
from messaging.models import CallState, Channel, OutboundMessage, VoiceCall
from messaging.simulator.events import simulated
from messaging.simulator.phone import _refuse_unless_permitted

KEYS = set("0123456789*#")
MAX_REPLAYS = 3  # the flow's loop: "*" and a timeout play the page again, three times at most
RINGING_LIMIT = 20


class CallUnknown(Exception):
    """No simulated call has that id."""


class CallEnded(Exception):
    """The call was answered with a key that acts, or hung up."""


def simulated_call(*, provider_message_id: str) -> OutboundMessage:
    message = (OutboundMessage.objects.filter(channel=Channel.VOICE, provider_message_id=provider_message_id)
               .order_by("-id").first())
    if message is None or not simulated(message):
        raise CallUnknown(provider_message_id)
    return message


def simulator_call_keys(*, provider_message_id: str, digits: str, actor=None) -> VoiceCall:
    """Press ``digits`` (already checked to be keypad keys) on a ringing simulated call."""
    message = simulated_call(provider_message_id=provider_message_id)
    with transaction.atomic():
        call = call_lock(message=message)
        if call.state == CallState.ENDED:
            raise CallEnded(provider_message_id)
        keys = call_keys(message)
        for digit in digits:
            call.digits = (call.digits + digit)[-64:]
            action = keys.get(digit)
            if action is not None:
                call.save(update_fields=["digits"])
                call = call_key_apply(message=message, action=action, via="simulator")
                if actor is not None and call.inbound is not None:
                    _refuse_unless_permitted(actor=actor, inbound=call.inbound)  # rolls back all of it
                return call
            replays = sum(1 for d in call.digits if d not in keys)
            call.outcome = f"Key {digit}: the page is played again ({replays} of {MAX_REPLAYS})."
            call.save(update_fields=["digits", "outcome"])
            if replays >= MAX_REPLAYS:
                return call_end(message=message, outcome=f"No key that acts after {MAX_REPLAYS} replays; hung up.")
        return call


def simulator_call_hang_up(*, provider_message_id: str) -> VoiceCall:
    message = simulated_call(provider_message_id=provider_message_id)
    with transaction.atomic():
        if call_lock(message=message).state == CallState.ENDED:
            raise CallEnded(provider_message_id)
        return call_end(message=message, outcome="Hung up without a key: not an acknowledgement.")


def simulator_ringing_calls() -> list[dict]:
    """Simulated voice pages no key or hang-up has ended yet, newest first."""
    ended = VoiceCall.objects.filter(state=CallState.ENDED).values("provider_message_id")
    messages = (OutboundMessage.objects.filter(channel=Channel.VOICE, provider_message_id__startswith="sim-")
                .exclude(provider_message_id__in=ended).order_by("-created_at", "-id")[:RINGING_LIMIT])
    return [{"provider_message_id": m.provider_message_id, "phone": m.recipient, "text": m.body,
             "confirm": call_is_confirmation(m), "at": m.created_at.isoformat()} for m in messages]
