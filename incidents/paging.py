"""Paging: what one level of an incident sends, and the timeline line each send writes.

Split from services.py, which keeps the transitions (when to page, escalate,
give up); this module is how a level is paged: its fixed contacts and whoever its schedule says
is on call when it starts, by SMS (a call for a known landline), each send on the timeline.
Callers hold the incident's row lock.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.utils import timezone

from incidents import texts
from incidents.models import EventKind, Incident, IncidentEvent
from incidents.selectors import incident_contact_ids
from incidents.snapshots import (
    SnapshotContact,
    level_contacts,
    level_oncall_clear,
    level_oncall_note,
    level_oncall_set,
    snapshot_level,
)
from messaging.audience.number_types import number_is_landline
from messaging.models import Channel, Contact, InboundSms, MessageStatus, OutboundMessage
from messaging.outbound.send import message_send
from oncall.selectors import oncall_at

SMS_OPTIONS = {"message_type": "TRANSACTIONAL"}


def timeline_event(incident: Incident, kind: str, *, contact_id: int | None = None,
                   message: OutboundMessage | None = None, inbound: InboundSms | None = None, note: str = "",
                   level: int | None = None, at: datetime | None = None) -> None:
    """The one writer of the incident timeline (paging, transitions, alerts, replies).

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


def page_send(incident: Incident, *, channel: str, contact: SnapshotContact, body: str, kind: str, note: str = "",
              subject: str = "") -> OutboundMessage | None:
    """Send to one snapshot contact and put it on the timeline; an opt-out becomes ``skipped``."""
    recipient = contact.email if channel == Channel.EMAIL else contact.phone
    try:
        msg = message_send(channel=channel, recipient=recipient or "", body=body, subject=subject, owner=incident,
                           options=SMS_OPTIONS if channel == Channel.SMS else None)
    except ValidationError as exc:
        timeline_event(incident, EventKind.SKIPPED, contact_id=contact.id, note=f"{channel}: {'; '.join(exc.messages)}")
        return None
    if msg.status == MessageStatus.SUPPRESSED:
        timeline_event(incident, EventKind.SKIPPED, contact_id=contact.id, message=msg,
                       note=f"{channel}: opted out; {note}".rstrip("; "))
        return None
    timeline_event(incident, kind, contact_id=contact.id, message=msg, note=note)
    return msg


def level_oncall_resolve(incident: Incident) -> None:
    """Ask the level's schedule who is on call now and keep the answer for this level.

    A schedule deleted since the incident opened, or nobody on call, is written on the timeline;
    the level then pages its fixed contacts only, and with none it moves on at once.
    """
    level = snapshot_level(incident=incident)
    level_oncall_clear(incident=incident)
    if level.schedule_id is None:
        return
    answer = oncall_at(schedule=level.schedule_id)
    if answer is None:
        timeline_event(incident, EventKind.NOBODY_ON_CALL,
                       note=f"Schedule {level.schedule_name!r} no longer exists; nobody paged from it.")
        return
    schedule = answer.schedule
    if answer.person is None:
        timeline_event(incident, EventKind.NOBODY_ON_CALL, note=f"Nobody on call on {schedule.name}.")
        return
    person = answer.person
    level_oncall_set(incident=incident, contact=SnapshotContact(id=person.id, phone=person.phone, name=person.name,
                                                                 locale=getattr(person, "locale", "")),
                     schedule_name=schedule.name, override=answer.override)


def level_page(incident: Incident, *, reminder: bool, note: str = "", opening: bool = False) -> int:
    """SMS (and a call if the level says so) to the level's contacts; returns how many were reached."""
    level = snapshot_level(incident=incident)
    # When the incident is opening nobody can have declined yet: the read is saved on the path
    # every new alert takes.
    declined = set() if opening else incident_contact_ids(incident=incident, kind=EventKind.DECLINED)
    # The wording as stored (cached per process) or built in, read once; one rendering per locale.
    wording = texts.incident_wording(reminder=reminder)
    bodies: dict[str, str] = {}

    def body(locale: str) -> str:
        if locale not in bodies:
            bodies[locale] = texts.incident_page_text(incident=incident, reminder=reminder, locale=locale,
                                                      variants=wording)
        return bodies[locale]

    kind = EventKind.REMINDED if reminder else EventKind.NOTIFIED
    reached = 0
    for contact in level_contacts(incident=incident):
        if contact.id in declined:
            continue
        source = level_oncall_note(incident=incident, contact=contact)
        if number_is_landline(contact.phone or ""):  # no SMS reaches a fixed line: call it instead
            if page_send(incident, channel=Channel.VOICE, contact=contact, kind=kind,
                         body=texts.incident_voice_text(incident=incident, locale=contact.locale, variants=wording),
                         note="; ".join(n for n in (source, "landline: a call instead of SMS") if n)):
                reached += 1
            continue
        if page_send(incident, channel=Channel.SMS, contact=contact, body=body(contact.locale), kind=kind,
                     note="; ".join(n for n in (source, note) if n)):
            reached += 1
            if level.voice and not reminder:
                page_send(incident, channel=Channel.VOICE, contact=contact, kind=kind,
                          body=texts.incident_voice_text(incident=incident, locale=contact.locale, variants=wording),
                          note="voice call")
    return reached
