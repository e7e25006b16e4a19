"""Reads about incidents: the lookups and querysets the services, admin, API and reply handler need.

Incidents section. Kept apart from services.py so that the transitions module holds only what
changes state, and the admin and API get their reads from one place instead of building
querysets themselves. Nothing here writes or locks.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max, QuerySet, Sum

from incidents.models import (
    OPEN_STATUSES,
    AlertGroup,
    EscalationPolicy,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentStatus,
)
from incidents.snapshots import (
    level_contacts,
    snapshot_from_policy,
    snapshot_levels,
    snapshot_phones,
)
from incidents.texts import incident_page_text
from messaging.models import Contact, Timer, TimerState

# The timeline kinds that put an SMS page on someone's phone.
PAGED_KINDS = (EventKind.NOTIFIED, EventKind.REMINDED)


def incident_get(*, pk: int) -> Incident | None:
    return Incident.objects.filter(pk=pk).first()


def incident_paged_phones(*, incident: Incident) -> list[str]:
    """Numbers that actually got an SMS page for this incident, in the order they were paged."""
    phones = (incident.events.filter(kind__in=PAGED_KINDS, message__channel="sms")
              .order_by("at", "id").values_list("message__recipient", flat=True))
    return list(dict.fromkeys(phones))


def incident_contact_ids(*, incident: Incident, kind: str) -> set[int]:
    """Who has a ``kind`` event (declined, skipped) on the level and round being paged now."""
    return set(incident.events.filter(kind=kind, level=incident.level, round=incident.round)
               .values_list("contact_id", flat=True))


def incident_next_timer(*, incident: Incident) -> Timer | None:
    return Timer.objects.owned_by(incident).filter(state=TimerState.PENDING).order_by("due_at").first()


def incident_timeline(*, incident: Incident) -> QuerySet[IncidentEvent]:
    return incident.events.select_related("contact", "message").order_by("at", "id")


def incidents_open_for_phone(*, phone: str) -> list[Incident]:
    """Open incidents on which ``phone`` was paged, oldest first.

    When some of them are paging ``phone`` right now (it is on the current level of an incident
    still waiting for an answer), only those count: an older incident that escalated past this
    person, or that nobody answered, should not make every later bare YES ambiguous.
    """
    paged = list(Incident.objects.filter(status__in=OPEN_STATUSES, events__kind__in=PAGED_KINDS,
                                         events__message__recipient=phone, events__message__channel="sms")
                 .distinct().order_by("id"))
    paging_now = [i for i in paged if i.status == IncidentStatus.NOT_ACKNOWLEDGED
                  and phone in {c.phone for c in level_contacts(incident=i)}]
    return paging_now or paged


def incident_most_recent_paged(*, phone: str) -> Incident | None:
    """The newest incident that paged ``phone`` by SMS, open or not."""
    return (Incident.objects.filter(events__message__recipient=phone, events__message__channel="sms",
                                    events__kind__in=PAGED_KINDS)
            .order_by("-id").first())


def contact_for_phone(*, phone: str) -> Contact | None:
    return Contact.objects.filter(phone=phone).first()


def contacts_paged_by(*, incidents: Iterable[Incident]) -> QuerySet[Contact]:
    """Contacts anywhere in these incidents' chains: who a dispatcher may acknowledge for."""
    phones = {phone for incident in incidents for phone in snapshot_phones(incident=incident)}
    return Contact.objects.filter(phone__in=phones)


def policy_is_pageable(*, policy: EscalationPolicy) -> bool:
    """Whether opening an incident from ``policy`` would page anyone."""
    return bool(snapshot_levels(snapshot=snapshot_from_policy(policy=policy)))


def incident_draft_page_text(*, description: str, url: str) -> str:
    """The first SMS of an incident not yet opened, for the add form's live preview."""
    draft = Incident(description=description, url=url)
    # The reference is the id, whose width counts towards the length; the next id is close.
    draft.pk = (Incident.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    return incident_page_text(incident=draft)


def incident_alerts_absorbed(*, incident: Incident) -> int:
    """How many alerts the incident absorbed after the one that opened it (0 if no alert did)."""
    return AlertGroup.objects.filter(incident=incident).aggregate(n=Sum("absorbed"))["n"] or 0
