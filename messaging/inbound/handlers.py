"""The inbound-SMS handler contract: what a handler named in INBOUND_SMS_HANDLERS returns.

A leaf, importing nothing of ours, so the consent, incident and shift handlers depend on it
without depending on the router that calls them.

A handler whose actions belong to a role (acknowledging an incident is a dispatcher's, booking
a shift a shift manager's) names the admin permissions of that role in a function attribute,
``simulator_permissions``: a tuple, or a function of the routed InboundSms giving one (for a
handler that takes some texts only to ignore them). The phone simulator, where a staff user texts as someone else's
phone, lets a reply through such a handler only for a user holding them
(messaging.simulator.phone). A real phone is its owner and is not asked.

A handler may also carry attributes the router reads (messaging.inbound.context): ``owners``,
the owners ("app_label.model") of sent messages whose replies it is asked about first;
``unclaimed``, a second handler for a reply to one of those owners that no handler took (free
text to an incident's page); and ``before_owner``, for the consent keywords, which win whatever
a message answers.
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
    # Taken on purpose and left alone (a shift code from a number not on the allow-list): the
    # row says "ignored", so nobody reads it as handled.
    ignored: bool = False
    # A person should read this and answer: the conversation goes to the top of the inbox.
    needs_reply: bool = False
    # The reply is a courtesy, not the result of an action: it goes out only if the number got no
    # reply from the portal within HELP_ANSWER_HOURS, so two robots cannot talk forever.
    reply_at_most_daily: bool = False
    # The message was about shifts (a code, a campaign, a bulk send): shift managers see the thread.
    about_shifts: bool = False


def handler_permissions(handler, inbound) -> tuple[str, ...]:
    """The permissions a staff user needs for what ``handler`` did with ``inbound``; () for anyone."""
    needed = getattr(handler, "simulator_permissions", ())
    return tuple(needed(inbound) if callable(needed) else needed)
