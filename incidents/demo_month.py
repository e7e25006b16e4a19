"""A month of past incidents for `make run`: acknowledged, escalated, declined and unanswered.

Each incident gets the timeline and the SMS the escalation would have
written (notified, reminded, declined, escalated, acknowledged, nobody answered, resolved), by
bulk_create, so the report's weekly trends and per-responder table have something to show on
a fresh clone. Seeded from a fixed random seed relative to ``now`` (passed in by portal.demo);
does nothing if incidents exist.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentEvent, IncidentStatus
from incidents.snapshots import snapshot_from_contacts
from messaging.models import Contact, MessageStatus, OutboundMessage, owner_fields

HISTORY_DAYS = 30
WAIT = 60
PROBLEMS = ["Gas smell reported at {}", "Pressure drop on main at {}", "Alarm panel fault at {}",
            "Meter leak at {}", "No heating at {} (vulnerable customer)"]
PLACES = ["14 Elm Road", "Harbour Street depot", "Northgate flats", "Station Yard", "Mill Lane school"]


def demo_incident_history_seed(*, now: datetime | None = None, seed: int = 15) -> int:
    if Incident.objects.exists():
        return 0
    rng = random.Random(seed)
    now = now or timezone.now()
    people = list(Contact.objects.order_by("id")[:24])
    if len(people) < 3:
        return 0
    with transaction.atomic():
        return _seed(rng, now, people)


def _seed(rng: random.Random, now: datetime, people: list[Contact]) -> int:
    plans = []
    # The report's month starts at local midnight 29 days ago: nothing before it, whatever the hour.
    first = timezone.make_aware(datetime.combine(timezone.localdate(now) - timedelta(days=HISTORY_DAYS - 1),
                                                 time.min))
    for day in range(HISTORY_DAYS):
        for _ in range(rng.randint(1, 6)):
            opened = now - timedelta(days=HISTORY_DAYS - 1 - day, seconds=rng.uniform(3600, 20 * 3600))
            chain = rng.sample(people, 2)
            if first <= opened < now - timedelta(minutes=30):
                plans.append((opened, chain))
    incidents = []
    for opened, chain in plans:
        snapshot = snapshot_from_contacts(contacts=chain, wait_seconds=WAIT, reminders=1)
        incidents.append(Incident(description=rng.choice(PROBLEMS).format(rng.choice(PLACES)), created_at=opened,
                                  status=IncidentStatus.NOT_ACKNOWLEDGED, snapshot=snapshot, created_by="demo"))
    Incident.objects.bulk_create(incidents, batch_size=500)
    events: list[IncidentEvent] = []
    messages: list[tuple[IncidentEvent, OutboundMessage]] = []
    for incident, (opened, chain) in zip(incidents, plans, strict=True):
        _story(rng, incident, opened, chain, events, messages, now)
    OutboundMessage.objects.bulk_create([m for _, m in messages], batch_size=500)
    for event, message in messages:
        event.message = message
    IncidentEvent.objects.bulk_create(events, batch_size=500)
    Incident.objects.bulk_update(incidents, ["status", "level", "round", "acknowledged_by", "acknowledged_at",
                                             "resolved_at", "resolved_by"], batch_size=500)
    return len(incidents)


def _page(incident, contact, at, level, kind, events, messages, rng):
    event = IncidentEvent(incident=incident, kind=kind, at=at, contact=contact, level=level, round=1)
    delivered = at + timedelta(seconds=rng.uniform(2, 9))
    messages.append((event, OutboundMessage(
        channel="sms", sender="+18005550100", recipient=contact.phone, status=MessageStatus.DELIVERED,
        body=f"Incident #{incident.pk}: {incident.description}. Reply YES to accept, NO to pass.",
        created_at=at, sent_at=at + timedelta(seconds=0.5), delivered_at=delivered,
        provider_message_id=f"demo-inc-{rng.getrandbits(48):012x}", parts=1, attempts=1,
        **owner_fields(incident))))
    events.append(event)


def _story(rng, incident, opened, chain, events, messages, now) -> None:
    """What happened to one incident: who was paged, who answered, how it ended."""
    roll = rng.random()
    first, second = chain
    _page(incident, first, opened, 1, EventKind.NOTIFIED, events, messages, rng)
    if roll < 0.55:  # the first person says YES within a couple of minutes
        answer = opened + timedelta(seconds=rng.lognormvariate(4.0, 0.7))
        if answer > opened + timedelta(seconds=WAIT):
            _page(incident, first, opened + timedelta(seconds=WAIT), 1, EventKind.REMINDED, events, messages, rng)
        _ack(incident, first, answer, 1, events)
    else:
        if roll < 0.7:  # says NO: escalates at once
            moved = opened + timedelta(seconds=rng.uniform(20, 90))
            events.append(IncidentEvent(incident=incident, kind=EventKind.DECLINED, at=moved, contact=first,
                                        level=1, round=1))
        else:  # silent through the reminder
            _page(incident, first, opened + timedelta(seconds=WAIT), 1, EventKind.REMINDED, events, messages, rng)
            moved = opened + timedelta(seconds=2 * WAIT)
        events.append(IncidentEvent(incident=incident, kind=EventKind.ESCALATED, at=moved, level=2, round=1))
        _page(incident, second, moved, 2, EventKind.NOTIFIED, events, messages, rng)
        incident.level = 2
        if roll < 0.9:
            _ack(incident, second, moved + timedelta(seconds=rng.lognormvariate(4.2, 0.6)), 2, events)
        else:  # nobody answered: the chain ran out, and the duty manager closed it later
            _page(incident, second, moved + timedelta(seconds=WAIT), 2, EventKind.REMINDED, events, messages, rng)
            out = moved + timedelta(seconds=2 * WAIT)
            events.append(IncidentEvent(incident=incident, kind=EventKind.UNACKNOWLEDGED, at=out, level=2, round=1))
            if out > now - timedelta(days=3):
                incident.status = IncidentStatus.UNACKNOWLEDGED  # recent: still waiting for someone
                return
            incident.resolved_at, incident.resolved_by = out + timedelta(hours=1), "duty manager"
            events.append(IncidentEvent(incident=incident, kind=EventKind.RESOLVED, at=incident.resolved_at,
                                        note="closed by the duty manager"))
            incident.status = IncidentStatus.RESOLVED
            return
    incident.resolved_at = incident.acknowledged_at + timedelta(minutes=rng.uniform(20, 180))
    incident.resolved_by = incident.acknowledged_by.name
    incident.status = IncidentStatus.RESOLVED
    events.append(IncidentEvent(incident=incident, kind=EventKind.RESOLVED, at=incident.resolved_at,
                                contact=incident.acknowledged_by))


def _ack(incident, contact, at, level, events) -> None:
    incident.acknowledged_by, incident.acknowledged_at = contact, at
    events.append(IncidentEvent(incident=incident, kind=EventKind.ACKNOWLEDGED, at=at, contact=contact,
                                level=level, round=1))
