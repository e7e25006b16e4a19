"""Reads about incidents: the lookups and querysets the services, admin, API and reply handler need.

Kept apart from services.py so that the transitions module holds only what
changes state, and the admin and API get their reads from one place instead of building
querysets themselves. Nothing here writes or locks.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max, QuerySet

from incidents.models import (
    OPEN_STATUSES,
    Alert,
    AlertStatus,
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
)
from incidents.texts import incident_page_text
from messaging.models import Contact, OutboundMessage, Timer, TimerState

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


def incident_by_reply_to(*, provider_message_id: str | None) -> Incident | None:
    """The incident whose message (by its provider id) a reply answers."""
    if not provider_message_id:
        return None
    msg = (OutboundMessage.objects.filter(provider_message_id=provider_message_id).owned_by(Incident)
           .only("owner_id").first())
    return Incident.objects.filter(pk=msg.owner_id).first() if msg else None


def incident_most_recent_paged(*, phone: str) -> Incident | None:
    """The newest incident that paged ``phone`` by SMS, open or not."""
    return (Incident.objects.filter(events__message__recipient=phone, events__message__channel="sms",
                                    events__kind__in=PAGED_KINDS)
            .order_by("-id").first())


def incident_paged_contact_ids(*, incident: Incident) -> set[int]:
    """Contacts the timeline says were paged for this incident (notified or reminded, on any channel)."""
    return set(incident.events.filter(kind__in=PAGED_KINDS, contact__isnull=False)
               .values_list("contact_id", flat=True))


def contacts_paged_by(*, incidents: Iterable[Incident]) -> QuerySet[Contact]:
    """Contacts paged for every one of these incidents: who a dispatcher may acknowledge for.

    Only people who were paged: someone further down the chain, not reached yet, or a contact
    with nothing to do with the incident, cannot have accepted it."""
    paged: set[int] | None = None
    for incident in incidents:
        ids = incident_paged_contact_ids(incident=incident)
        paged = ids if paged is None else paged & ids
    return Contact.objects.filter(pk__in=paged or set()).order_by("name")


def policy_is_pageable(*, policy: EscalationPolicy) -> bool:
    """Whether opening an incident from ``policy`` would page anyone."""
    return bool(snapshot_levels(snapshot=snapshot_from_policy(policy=policy)))


def incident_draft_page_text(*, description: str, url: str) -> str:
    """The first SMS of an incident not yet opened, for the add form's live preview."""
    draft = Incident(description=description, url=url)
    # The reference is the id, whose width counts towards the length; the next id is close.
    draft.pk = (Incident.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    return incident_page_text(incident=draft)


def incident_alert_count(*, incident: Incident) -> int:
    """How many firing alerts the incident holds, the one that opened it included (one alert and
    five repeats make 6). A body that resolves its group is not another alert, so it is not counted."""
    return Alert.objects.filter(incident=incident, status=AlertStatus.FIRING).count()
