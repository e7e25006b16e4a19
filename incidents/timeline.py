"""The one writer of the incident timeline (paging, transitions, alerts, replies, the page cap).

A leaf beside paging.py, which re-exports it: the page cap writes the timeline and paging asks
the cap, so the writer sits below both.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Subquery
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from messaging.models import Channel, Contact, InboundSms, OutboundMessage


def timeline_event(incident: Incident, kind: str, *, contact_id: int | None = None,
                   message: OutboundMessage | None = None, inbound: InboundSms | None = None, note: str = "",
                   level: int | None = None, at: datetime | None = None) -> None:
    """Write one timeline entry.

    The contact comes from the incident's snapshot, copied when it opened, and may have been
    deleted since: it is written as a subquery, so a deleted one is stored as no contact, in the
    same statement as the entry.
    """
    contact = Subquery(Contact.objects.filter(pk=contact_id).values("pk")[:1]) if contact_id else None
    if inbound is not None and inbound.channel == Channel.VOICE:  # a key pressed on a call (messaging.calls)
        note = "; ".join(n for n in ("by phone", note) if n)
    IncidentEvent.objects.create(
        incident=incident, kind=kind, contact_id=contact, message=message, inbound=inbound, note=note[:300],
        level=level if level is not None else incident.level, round=incident.round, at=at or timezone.now())
