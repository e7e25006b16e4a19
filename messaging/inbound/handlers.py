"""The inbound-SMS handler contract: what a handler named in INBOUND_SMS_HANDLERS returns.

A leaf, importing nothing of ours, so the consent, incident and shift handlers depend on it
without depending on the router that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class HandlerResult:
    outcome: str  # what the handler did, or why it did nothing, for the inbound row
    reply: str = ""  # SMS text to send back to the sender, if any
    # Consent replies only (the STOP confirmation, HELP): carriers expect them even to a number
    # that has opted out, so they bypass the suppression check.
    reply_despite_opt_out: bool = False
    owner: object = None  # the model the reply belongs to (an incident, a shift)
