"""Bulk sends by voice: each recipient gets a call that speaks the send's message and asks for a key.

The call speaks the message and then ``VOICE_PROMPT``; key 1 is the send's first expected answer
and 2 its second (YES and NO unless ``confirm.answers`` names others: messaging.calls.keys). The
message's options mark it a confirmation call, which the Connect transport places through the
confirmation flow (confirm_call.json) and the send queue paces at ``VOICE_CALLS_PER_SECOND``.
"""

from __future__ import annotations

from messaging.models import Channel, OutboundMessage

VOICE_PROMPT = "Press 1 to confirm, 2 to cancel."
CONFIRM_CALL = "confirm"  # options["call"]: the transport's and the pacing's sign of such a call
PACE_KEY = "voice:StartOutboundVoiceContact"  # one pacing row for all such calls: the quota is per account


def voice_message(body: str, options: dict) -> tuple[str, dict]:
    """(spoken text, options) of a bulk send's call: the message, then the prompt."""
    return f"{body.rstrip()} {VOICE_PROMPT}".strip(), {**options, "call": CONFIRM_CALL}


def is_paced_call(message: OutboundMessage) -> bool:
    return message.channel == Channel.VOICE and message.options.get("call") == CONFIRM_CALL
