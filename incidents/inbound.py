"""Incident replies by SMS: YES/Y/ACK accepts, NO/N declines, RESOLVE/R resolves, each optionally
followed by the reference.

Which incident a reply is about: the number typed after the keyword (``YES 42``), else the
message it answers (``previousPublishedMessageId``), else the sender's one open incident on
which they were paged. With several open incidents and no number, the sender is asked which.
Anything that is not one of the keywords passes on to the next handler (shift commands).

The reply handler named in ``INBOUND_SMS_HANDLERS`` (that string is stored in
``InboundSms.handled_by`` and must not move): it parses and picks the incident, reading through
incidents/selectors.py, and leaves the transition to incidents/services.py.
"""

from __future__ import annotations

import re

from incidents.selectors import (
    incident_by_reply_to,
    incident_get,
    incident_most_recent_paged,
    incident_paged_phones,
    incidents_open_for_phone,
)
from incidents.services import incident_acknowledge, incident_decline, incident_resolve_by_reply
from incidents.texts import incident_which_text
from messaging.contacts import contact_lookup
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
    parsed = reply_parse(inbound.body)
    if parsed is None:
        return None
    answer, ref = parsed
    phone = inbound.origination_number
    if ref is not None:
        incident = incident_get(pk=ref)
        if incident is None or phone not in incident_paged_phones(incident=incident):
            return HandlerResult(outcome=f"{answer} {ref}: {phone} was not paged for an incident #{ref}; "
                                         "nothing changed.")
    else:
        incident = incident_by_reply_to(provider_message_id=inbound.previous_published_message_id)
        if incident is None or phone not in incident_paged_phones(incident=incident):
            candidates = incidents_open_for_phone(phone=phone)
            if len(candidates) > 1:
                return HandlerResult(outcome=f"{answer} is ambiguous: {len(candidates)} open incidents; asked which.",
                                     reply=incident_which_text(answer=answer,
                                                               references=[i.reference for i in candidates]))
            incident = candidates[0] if candidates else incident_most_recent_paged(phone=phone)
        if incident is None:
            return HandlerResult(outcome=f"{answer} from {phone}: not paged for any incident; nothing changed.")
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
