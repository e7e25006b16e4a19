"""Answers to a YES: the polite one for a closed incident, and a level where everyone acknowledges.

Split from services.py, which keeps the transitions. A level with ``ack_all`` (EscalationLevel)
is acknowledged only when every person on it who can still answer has said YES: each YES before
the last is written on the timeline with who has and who has not, the incident stays
``not_acknowledged``, and the others keep being paged (their rules keep running, reminders go to
those who have not answered). The last YES acknowledges the incident as any YES does.
Callers hold the incident's row lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents import texts
from incidents.models import EventKind, Incident, IncidentStatus
from incidents.paging import timeline_event
from incidents.selectors import incident_contact_ids
from incidents.snapshots import SnapshotContact, level_contacts, snapshot_level
from messaging.models import Contact, InboundSms


@dataclass
class ReplyOutcome:
    outcome: str  # for the inbound row: what happened, or why nothing did
    reply: str = ""  # SMS back to the sender
    changed: bool = False


def closed_outcome(incident: Incident, *, contact: Contact | None = None) -> ReplyOutcome | None:
    """The polite answer to a reply about a resolved or already accepted incident, if it is one."""
    ref = incident.reference
    if incident.status == IncidentStatus.RESOLVED:
        return ReplyOutcome(f"Incident #{ref} is already resolved.",
                            texts.incident_answer_text("already_resolved", contact=contact, ref=ref))
    if incident.status == IncidentStatus.ACKNOWLEDGED:
        taker = incident.acknowledged_by
        if contact is not None and taker and taker.pk == contact.pk:
            return ReplyOutcome(f"Incident #{ref} already acknowledged by this contact.",
                                texts.incident_answer_text("already_yours", contact=contact, ref=ref))
        name = taker.name if taker else "someone else"
        return ReplyOutcome(f"Incident #{ref} already acknowledged by {name}.",
                            texts.incident_answer_text("already_taken", contact=contact, ref=ref, name=name))
    return None


def _names(contacts: list[SnapshotContact]) -> str:
    return ", ".join(c.name or c.phone for c in contacts) or "nobody"


def level_ack_waiting(incident: Incident, *, except_id: int | None = None) -> list[SnapshotContact]:
    """Who on an ``ack_all`` level still has to acknowledge: not declined, not opted out, not
    acknowledged yet (bar ``except_id``, who is answering now). Empty on any other level."""
    if incident.status != IncidentStatus.NOT_ACKNOWLEDGED or not snapshot_level(incident=incident).ack_all:
        return []
    done = (incident_contact_ids(incident=incident, kind=EventKind.ACKNOWLEDGED)
            | incident_contact_ids(incident=incident, kind=EventKind.DECLINED)
            | incident_contact_ids(incident=incident, kind=EventKind.SKIPPED) | {except_id})
    return [c for c in level_contacts(incident=incident) if c.id not in done]


def level_ack_partial(incident: Incident, *, contact: Contact, inbound: InboundSms | None,
                      note: str = "") -> ReplyOutcome | None:
    """On an ``ack_all`` level, a YES that leaves someone still to answer: written on the timeline
    and answered; None when this YES acknowledges the incident (the last one, or any other level)."""
    on_level = {c.id for c in level_contacts(incident=incident)}
    if contact.pk not in on_level:
        return None  # a dispatcher's or an earlier level's YES: it acknowledges, as on any level
    ref = incident.reference
    if contact.pk in incident_contact_ids(incident=incident, kind=EventKind.ACKNOWLEDGED):
        waiting = level_ack_waiting(incident)
        return ReplyOutcome(f"{contact.name} had already acknowledged #{ref}; waiting for {_names(waiting)}.",
                            texts.REPLY_ACK_WAITING.format(ref=ref, name=contact.name, waiting=_names(waiting)))
    waiting = level_ack_waiting(incident, except_id=contact.pk)
    if not waiting:
        return None
    acked = [c for c in level_contacts(incident=incident)
             if c.id in incident_contact_ids(incident=incident, kind=EventKind.ACKNOWLEDGED) | {contact.pk}]
    timeline_event(incident, EventKind.ACKNOWLEDGED, contact_id=contact.pk, inbound=inbound,
                   note="; ".join(n for n in (note, f"acknowledged: {_names(acked)}; "
                                                    f"waiting for: {_names(waiting)}") if n))
    return ReplyOutcome(f"{contact.name} acknowledged #{ref}; waiting for {_names(waiting)}.",
                        texts.REPLY_ACK_WAITING.format(ref=ref, name=contact.name, waiting=_names(waiting)),
                        changed=True)
