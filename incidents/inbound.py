"""Incident replies by SMS: YES/Y/ACK accepts, NO/N declines, optionally followed by the reference.

Which incident a reply is about: the number typed after the keyword (``YES 42``), else the
message it answers (``previousPublishedMessageId``), else the sender's one open incident on
which they were paged. With several open incidents and no number, the sender is asked which.
Anything that is not one of the keywords passes on to the next handler (shift commands).
"""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType

from incidents.models import Incident
from incidents.services import (
    incident_acknowledge,
    incident_decline,
    incident_paged_phones,
    incidents_open_for_phone,
)
from messaging.inbound import HandlerResult
from messaging.models import Contact, InboundSms, OutboundMessage

ACCEPT = {"YES", "Y", "ACK"}
DECLINE = {"NO", "N"}
_REPLY = re.compile(r"^(YES|Y|ACK|NO|N)(?:\s*#?\s*(\d{1,9}))?[\s.!]*$", re.IGNORECASE)


def reply_parse(text: str) -> tuple[str, int | None] | None:
    """("YES"|"NO", reference or None) for an incident reply, or None for anything else."""
    match = _REPLY.match(" ".join((text or "").split()))
    if not match:
        return None
    word = match.group(1).upper()
    return ("YES" if word in ACCEPT else "NO"), (int(match.group(2)) if match.group(2) else None)


def _by_reply_to(inbound: InboundSms) -> Incident | None:
    ppmid = inbound.previous_published_message_id
    if not ppmid:
        return None
    msg = (OutboundMessage.objects.filter(provider_message_id=ppmid,
                                          owner_type=ContentType.objects.get_for_model(Incident))
           .only("owner_id").first())
    return Incident.objects.filter(pk=msg.owner_id).first() if msg else None


def _most_recent_paged(phone: str) -> Incident | None:
    return (Incident.objects.filter(events__message__recipient=phone, events__message__channel="sms",
                                    events__kind__in=("notified", "reminded"))
            .order_by("-id").first())


def incident_reply_handler(inbound: InboundSms) -> HandlerResult | None:
    parsed = reply_parse(inbound.body)
    if parsed is None:
        return None
    answer, ref = parsed
    phone = inbound.origination_number
    if ref is not None:
        incident = Incident.objects.filter(pk=ref).first()
        if incident is None or phone not in incident_paged_phones(incident=incident):
            return HandlerResult(outcome=f"{answer} {ref}: {phone} was not paged for an incident #{ref}; "
                                         "nothing changed.")
    else:
        incident = _by_reply_to(inbound)
        if incident is None or phone not in incident_paged_phones(incident=incident):
            candidates = incidents_open_for_phone(phone=phone)
            if len(candidates) > 1:
                refs = [f"{answer} {i.reference}" for i in candidates]
                choice = refs[0] if len(refs) == 1 else ", ".join(refs[:-1]) + " or " + refs[-1]
                return HandlerResult(outcome=f"{answer} is ambiguous: {len(candidates)} open incidents; asked which.",
                                     reply=f"You have {len(candidates)} open incidents. Reply {choice}.")
            incident = candidates[0] if candidates else _most_recent_paged(phone)
        if incident is None:
            return HandlerResult(outcome=f"{answer} from {phone}: not paged for any incident; nothing changed.")
    contact = Contact.objects.filter(phone=phone).first()
    if contact is None:  # paged once, contact deleted since
        return HandlerResult(outcome=f"{answer} from {phone}: no contact with this number; nothing changed.",
                             owner=incident)
    service = incident_acknowledge if answer == "YES" else incident_decline
    result = service(incident_id=incident.pk, contact=contact, inbound=inbound)
    return HandlerResult(outcome=result.outcome, reply=result.reply, owner=incident)
