"""Incident replies by SMS: YES/Y/ACK accepts, NO/N declines, RESOLVE/R resolves, each optionally
followed by the reference.

Which incident a reply is about: the number typed after the keyword (``YES 42``), else the
message it answers (``messaging.inbound.context``: an incident's page, reminder or notice),
else, only when it answers no message of ours, the sender's one open incident on which they were
paged (with several, the sender is asked which). A bare YES that answers a campaign, a bulk send
or any other owner's message is not ours and passes on. ``YES 42`` from someone not paged for
#42 changes nothing and is told what they are paged for. Free text that answers a page goes on
the incident's timeline and waits for a person; other text passes on to the next handler.

The reply handler named in ``INBOUND_SMS_HANDLERS`` (that string is stored in
``InboundSms.handled_by`` and must not move): it parses and picks the incident, reading through
incidents/selectors.py, and leaves the transition to incidents/services.py.
"""

from __future__ import annotations

import re

from incidents.selectors import (
    incident_get,
    incident_most_recent_paged,
    incident_paged_phones,
    incidents_open_for_phone,
)
from incidents.services import (
    incident_acknowledge,
    incident_decline,
    incident_reply_note,
    incident_resolve_by_reply,
)
from incidents.texts import incident_not_paged_text, incident_reply_noted_text, incident_which_text
from messaging.contacts import contact_lookup
from messaging.inbound.context import reply_context
from messaging.inbound.handlers import HandlerResult
from messaging.models import InboundSms

ACCEPT = {"YES", "Y", "ACK"}
DECLINE = {"NO", "N"}
RESOLVE = {"RESOLVE", "R"}
_REPLY = re.compile(r"^(YES|Y|ACK|NO|N|RESOLVE)(?:\s*#?\s*(\d{1,9}))?[\s.!]*$", re.IGNORECASE)
# A bare R needs a space or # before its number: "R101" is the kind of code a shift may have.
_REPLY_R = re.compile(r"^(R)(?:(?:\s+#?|\s*#)\s*(\d{1,9}))?[\s.!]*$", re.IGNORECASE)


def reply_parse(text: str) -> tuple[str, int | None] | None:
    """("YES"|"NO"|"RESOLVE", reference or None) for an incident reply, or None for anything else."""
    text = " ".join((text or "").split())
    match = _REPLY.match(text) or _REPLY_R.match(text)
    if not match:
        return None
    word = match.group(1).upper()
    answer = "YES" if word in ACCEPT else "RESOLVE" if word in RESOLVE else "NO"
    return answer, (int(match.group(2)) if match.group(2) else None)


def incident_reply_handler(inbound: InboundSms) -> HandlerResult | None:
    context = reply_context(inbound)
    parsed = reply_parse(inbound.body)
    if parsed is None:
        return None  # free text: the other handlers' commands first (incident_free_text_handler after)
    answer, ref = parsed
    phone = inbound.origination_number
    if ref is not None:
        incident = incident_get(pk=ref)
        if incident is None or phone not in incident_paged_phones(incident=incident):
            paged = [i.reference for i in incidents_open_for_phone(phone=phone)]
            return HandlerResult(outcome=f"{answer} {ref}: {phone} was not paged for an incident #{ref}; "
                                         "nothing changed; told the sender.",
                                 reply=incident_not_paged_text(answer=answer, ref=ref, paged=paged))
    elif context.answers(OWNER):
        incident = incident_get(pk=context.owner_id)
        if incident is None:
            return HandlerResult(outcome=f"{answer} answers a page of an incident that no longer exists; "
                                         "nothing changed.")
    elif context.answers_the_portal:
        candidates = incidents_open_for_phone(phone=phone)
        if len(candidates) > 1:
            return HandlerResult(outcome=f"{answer} is ambiguous: {len(candidates)} open incidents; asked which.",
                                 reply=incident_which_text(answer=answer,
                                                           references=[i.reference for i in candidates]))
        incident = candidates[0] if candidates else incident_most_recent_paged(phone=phone)
        if incident is None:
            return HandlerResult(outcome=f"{answer} from {phone}: not paged for any incident; nothing changed.")
    else:
        return None  # it answers a campaign, a bulk send, a dispatch or a notice: theirs, not ours
    contact = contact_lookup(phone=phone)
    if contact is None:  # paged once, contact deleted since
        return HandlerResult(outcome=f"{answer} from {phone}: no contact with this number; nothing changed.",
                             owner=incident)
    service = {"YES": incident_acknowledge, "NO": incident_decline, "RESOLVE": incident_resolve_by_reply}[answer]
    result = service(incident_id=incident.pk, contact=contact, inbound=inbound)
    return HandlerResult(outcome=result.outcome, reply=result.reply, owner=incident)


# YES/NO/RESOLVE acknowledge, decline or resolve an incident: a dispatcher's action, so in the
# simulator only a user who may change incidents answers a page as a phone.
incident_reply_handler.simulator_permissions = ("incidents.change_incident",)


def incident_free_text_handler(inbound: InboundSms) -> HandlerResult | None:
    """Text that no handler took and that answers a page: on the incident's timeline, for a person."""
    context = reply_context(inbound)
    if not context.answers(OWNER) or not inbound.body.strip():
        return None
    incident = incident_get(pk=context.owner_id)
    if incident is None:
        return HandlerResult(outcome="Free text answering a page of an incident that no longer exists.",
                             needs_reply=True)
    incident_reply_note(incident_id=incident.pk, contact=contact_lookup(phone=inbound.origination_number),
                        inbound=inbound)
    return HandlerResult(outcome=f"Free text on incident #{incident.reference}'s timeline; waits for a person.",
                         reply=incident_reply_noted_text(incident=incident), owner=incident,
                         needs_reply=True, reply_at_most_daily=True)


# The owner of an incident's pages, reminders and notices; the router asks this handler first
# about any reply to one of them.
OWNER = "incidents.incident"
incident_reply_handler.owners = (OWNER,)
incident_reply_handler.unclaimed = incident_free_text_handler
