"""Reads about incidents: the lookups and querysets the services, admin, API and reply handler need.

Kept apart from services.py so that the transitions module holds only what
changes state, and the admin and API get their reads from one place instead of building
querysets themselves. Nothing here writes or locks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Q, QuerySet

from incidents.models import (
    OPEN_STATUSES,
    Alert,
    AlertGroup,
    AlertStatus,
    EscalationPolicy,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentStatus,
)
from incidents.snapshots import (
    SnapshotContact,
    level_contacts,
    snapshot_from_policy,
    snapshot_level_count,
    snapshot_levels,
)
from incidents.texts import incident_page_text, incident_wording
from messaging.models import Channel, Contact, InboundSms, Timer, TimerState

# The timeline kinds that put an SMS page on someone's phone.
PAGED_KINDS = (EventKind.NOTIFIED, EventKind.REMINDED)
# The channels a page reaches a phone number on, whose owner may answer it by text: an SMS, a
# call (it says "reply YES by text message") or WhatsApp (a notification rule's).
PHONE_CHANNELS = (Channel.SMS, Channel.VOICE, Channel.WHATSAPP)


def incident_get(*, pk: int) -> Incident | None:
    return Incident.objects.filter(pk=pk).first()


def incident_paged_phones(*, incident: Incident) -> list[str]:
    """Numbers that got a page for this incident by SMS, call or WhatsApp, or whose page the page
    cap held (the summary tells them to answer it), in the order they were paged."""
    events = (incident.events.filter(Q(kind__in=PAGED_KINDS, message__channel__in=PHONE_CHANNELS)
                                     | Q(kind=EventKind.HELD, contact__isnull=False))
              .order_by("at", "id").values_list("message__recipient", "contact__phone"))
    return list(dict.fromkeys(recipient or phone for recipient, phone in events))


def incident_reply_counts(*, incident: Incident, contact: Contact, inbound: InboundSms | None) -> bool:
    """Whether a reply from ``contact`` may change ``incident``: it was paged by SMS or a call on this
    number, or (an email answering one of ours) the email it answers is this incident's and went
    to this contact's address, e.g. the final action's email to the duty manager."""
    if contact.phone in incident_paged_phones(incident=incident):
        return True
    answered = inbound.answers if inbound is not None and inbound.channel == Channel.EMAIL else None
    return (answered is not None and answered.channel == Channel.EMAIL and answered.owner_id == incident.pk
            and answered.owner_type_id == ContentType.objects.get_for_model(Incident).pk
            and answered.recipient == (contact.email or "").strip().lower())


def incident_contact_ids(*, incident: Incident, kind: str) -> set[int]:
    """Who has a ``kind`` event (declined, skipped) on the level and round being paged now."""
    return set(incident.events.filter(kind=kind, level=incident.level, round=incident.round)
               .values_list("contact_id", flat=True))


def incident_answer_kinds(*, incident: Incident, contact_id: int) -> set[str]:
    """Whether ``contact_id`` declined or acknowledged on the level and round being paged now: one query."""
    return set(incident.events.filter(kind__in=(EventKind.DECLINED, EventKind.ACKNOWLEDGED), contact_id=contact_id,
                                      level=incident.level, round=incident.round).values_list("kind", flat=True))


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
                                         events__message__recipient=phone,
                                         events__message__channel__in=PHONE_CHANNELS)
                 .distinct().order_by("id"))
    paging_now = [i for i in paged if i.status == IncidentStatus.NOT_ACKNOWLEDGED
                  and phone in {c.phone for c in level_contacts(incident=i)}]
    return paging_now or paged


def incident_most_recent_paged(*, phone: str) -> Incident | None:
    """The newest incident that paged ``phone`` (SMS, call or WhatsApp), open or not."""
    return (Incident.objects.filter(events__message__recipient=phone, events__message__channel__in=PHONE_CHANNELS,
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
    return incident_page_text(incident=draft, variants=incident_wording())


def incident_alert_count(*, incident: Incident) -> int:
    """How many firing alerts the incident holds, the one that opened it included (one alert and
    five repeats make 6). A body that resolves its group is not another alert, so it is not counted."""
    return Alert.objects.filter(incident=incident, status=AlertStatus.FIRING).count()


# Every status but resolved, in the order a dispatcher acts on them.
BOARD_STATUSES = (IncidentStatus.NOT_ACKNOWLEDGED, IncidentStatus.UNACKNOWLEDGED, IncidentStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class BoardIncident:
    incident: Incident
    paging: list[SnapshotContact]  # whom the current level is paging now (only while not acknowledged)


@dataclass(frozen=True)
class IncidentBoard:
    counts: dict[str, int]  # every status of BOARD_STATUSES, zero included
    rows: list[BoardIncident]  # the newest unresolved incidents, at most ``limit``

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def incident_paging_now(*, incident: Incident) -> list[SnapshotContact]:
    """Who is being paged for ``incident`` right now: the current level's people while nobody
    has accepted; nobody once someone has, or once the chain ran out."""
    if incident.status != IncidentStatus.NOT_ACKNOWLEDGED or not 1 <= incident.level <= snapshot_level_count(
            incident=incident):
        return []
    return level_contacts(incident=incident)


def incidents_board(*, limit: int = 10) -> IncidentBoard:
    """The admin home's incidents: how many are in each unresolved status, and the newest of them
    with whom each is paging. Two queries whatever the table holds (status is indexed; the
    paging people come from each incident's snapshot, not from more queries)."""
    # COUNT(*), not COUNT(id): PostgreSQL answers it from the status index alone (6 ms for 30,000
    # open incidents, against 38 ms reading the rows for their ids).
    found = dict(Incident.objects.filter(status__in=BOARD_STATUSES).order_by()
                 .values_list("status").annotate(n=Count("*")))
    rows = (Incident.objects.filter(status__in=BOARD_STATUSES).select_related("acknowledged_by")
            .order_by("-created_at", "-id")[:limit])
    return IncidentBoard(counts={status: found.get(status, 0) for status in BOARD_STATUSES},
                         rows=[BoardIncident(incident=i, paging=incident_paging_now(incident=i)) for i in rows])


def alert_groups_firing(*, limit: int = 10) -> tuple[int, list[AlertGroup]]:
    """Open alert groups whose monitor still reports alerts firing: how many, and the ones most
    recently heard from (with their policy and incident, joined)."""
    firing = AlertGroup.objects.filter(is_open=True, firing__gt=0)
    rows = list(firing.select_related("policy", "incident").order_by("-last_alert_at", "-id")[:limit])
    return firing.count(), rows
