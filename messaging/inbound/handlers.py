"""The inbound-SMS handler contract: what a handler named in INBOUND_SMS_HANDLERS returns.

A leaf, importing nothing of ours, so the consent, incident and shift handlers depend on it
without depending on the router that calls them.

A handler whose actions belong to a role (acknowledging an incident is a dispatcher's, booking
a shift a shift manager's) names the admin permissions of that role in a function attribute,
``simulator_permissions``: a tuple, or a function of the routed InboundSms giving one (for a
handler that takes some texts only to ignore them). The phone simulator, where a staff user texts as someone else's
phone, lets a reply through such a handler only for a user holding them
(messaging.simulator.phone). A real phone is its owner and is not asked.
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


def handler_permissions(handler, inbound) -> tuple[str, ...]:
    """The permissions a staff user needs for what ``handler`` did with ``inbound``; () for anyone."""
    needed = getattr(handler, "simulator_permissions", ())
    return tuple(needed(inbound) if callable(needed) else needed)

