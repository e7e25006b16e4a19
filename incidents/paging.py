"""Paging: what one level of an incident sends, and the timeline line each send writes.

Split from services.py, which keeps the transitions (when to page, escalate,
give up); this module is how a level is paged: its fixed contacts and whoever its schedule says
is on call when it starts, by SMS (a call for a known landline), each send on the timeline.
Callers hold the incident's row lock.

A person with notification rules (messaging.models.NotificationRule) is paged by their rules
instead: each rule for the incident's urgency fires ``after_seconds`` after the level paged them,
at once in this transaction for 0, else through one durable timer per firing (incidents/rules.py
fires it). A person with no rules is paged exactly as before. Reminders are the level's, for
everyone, as before. Every page passes the page cap (incidents/page_cap.py).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import texts
from incidents.models import EventKind, Incident
from incidents.page_cap import CapRows, page_cap_admit, page_cap_lock
from incidents.selectors import incident_contact_ids
from incidents.snapshots import (
    SnapshotContact,
    level_contacts,
    level_oncall_clear,
    level_oncall_note,
    level_oncall_set,
    snapshot_level,
)
from incidents.timeline import timeline_event
from messaging.audience.number_types import number_is_landline
from messaging.models import Channel, MessageStatus, NotificationRule, OutboundMessage, RuleUrgency
from messaging.notification_rules import notification_rules_for, notification_rules_summary
from messaging.outbound.send import message_send
from messaging.scheduling.timers import timer_schedule
from oncall.selectors import oncall_at

__all__ = ["level_oncall_resolve", "level_page", "page_deliver", "page_send", "rule_send", "timeline_event"]

SMS_OPTIONS = {"message_type": "TRANSACTIONAL"}
# Stored in Timer rows: the stable name in incidents/tasks.py.
RULE_CALLBACK = "incidents.tasks.incident_rule_fire"


def page_send(incident: Incident, *, channel: str, contact: SnapshotContact, body: str, kind: str, note: str = "",
              subject: str = "", recipient: str = "") -> OutboundMessage | None:
    """Send to one snapshot contact and put it on the timeline; an opt-out becomes ``skipped``."""
    recipient = recipient or (contact.email if channel == Channel.EMAIL else contact.phone)
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


def page_deliver(incident: Incident, *, cap: CapRows, channel: str, contact: SnapshotContact, body: str, kind: str,
                 note: str = "", subject: str = "", recipient: str = "") -> bool:
    """A page (a level's, a reminder, a rule's) through the page cap (``cap``: the numbers
    page_cap_lock locked): sent, or held and written on the timeline. Whether the person counts
    as reached (a held page does: the summary names it)."""
    if not page_cap_admit(rows=cap, incident=incident, phone=contact.phone):
        timeline_event(incident, EventKind.HELD, contact_id=contact.id,
                       note="; ".join(n for n in (f"{channel}: held by the page cap", note) if n))
        return True
    return page_send(incident, channel=channel, contact=contact, body=body, kind=kind, note=note, subject=subject,
                     recipient=recipient) is not None


def rule_send(incident: Incident, *, cap: CapRows, contact: SnapshotContact, method: str, note: str,
              whatsapp: str = "") -> bool:
    """One firing of a notification rule: a page on its channel (an SMS to a landline is a call)."""
    channel = Channel(method)
    if channel == Channel.SMS and number_is_landline(contact.phone or ""):
        channel, note = Channel.VOICE, f"{note}; landline: a call instead of SMS"
    body = (texts.incident_voice_text(incident=incident) if channel == Channel.VOICE
            else texts.incident_page_text(incident=incident))
    subject = texts.incident_email_subject(incident=incident) if channel == Channel.EMAIL else ""
    recipient = (whatsapp or contact.phone) if channel == Channel.WHATSAPP else ""
    return page_deliver(incident, cap=cap, channel=channel, contact=contact, body=body, kind=EventKind.NOTIFIED,
                        note=note, subject=subject, recipient=recipient)


def _rules_start(incident: Incident, *, cap: CapRows, contact: SnapshotContact, rules: list[NotificationRule],
                 source: str) -> bool:
    """Run ``contact``'s rules from now: 0 s at once, each later one a timer. Whether any matched."""
    matching = [r for r in rules if r.urgency in (RuleUrgency.ANY, incident.urgency)]
    if not matching:
        timeline_event(incident, EventKind.SKIPPED, contact_id=contact.id,
                       note=f"no notification rule for {incident.urgency} urgency")
        return False
    now = timezone.now()
    for rule in matching:
        note = "; ".join(n for n in (source, f"rule: {notification_rules_summary([rule])}") if n)
        if rule.after_seconds == 0:
            rule_send(incident, cap=cap, contact=contact, method=rule.method, note=note,
                      whatsapp=rule.contact.whatsapp)
            continue
        timer_schedule(callback=RULE_CALLBACK, due_at=now + timedelta(seconds=rule.after_seconds), owner=incident,
                       kwargs={"incident_id": incident.pk, "contact_id": contact.id, "method": rule.method,
                               "after_seconds": rule.after_seconds, "level": incident.level, "round": incident.round,
                               "whatsapp": rule.contact.whatsapp},
                       label=f"incident #{incident.reference}: {notification_rules_summary([rule])} "
                             f"to {contact.name or contact.phone}")
    return True


def level_page(incident: Incident, *, reminder: bool, note: str = "", opening: bool = False) -> int:
    """Page the level's contacts (by their rules, else SMS, a call if the level says so); returns
    how many were reached."""
    level = snapshot_level(incident=incident)
    # When the incident is opening nobody can have declined yet: the read is saved on the path
    # every new alert takes.
    skip = set() if opening else incident_contact_ids(incident=incident, kind=EventKind.DECLINED)
    if reminder and level.ack_all:  # a reminder only to those who have not acknowledged
        skip |= incident_contact_ids(incident=incident, kind=EventKind.ACKNOWLEDGED)
    # The wording as stored (cached per process) or built in, read once; one rendering per locale.
    wording = texts.incident_wording(reminder=reminder)
    bodies: dict[str, str] = {}

    def body(locale: str) -> str:
        if locale not in bodies:
            bodies[locale] = texts.incident_page_text(incident=incident, reminder=reminder, locale=locale,
                                                      variants=wording)
        return bodies[locale]

    kind = EventKind.REMINDED if reminder else EventKind.NOTIFIED
    contacts = [c for c in level_contacts(incident=incident) if c.id not in skip]
    cap = page_cap_lock(phones=[c.phone for c in contacts])
    rules = {} if reminder else notification_rules_for(contact_ids=[c.id for c in contacts if c.id])
    reached = 0
    for contact in contacts:
        source = level_oncall_note(incident=incident, contact=contact)
        if contact.id in rules:
            reached += _rules_start(incident, cap=cap, contact=contact, rules=rules[contact.id],
                                    source="; ".join(n for n in (source, note) if n))
            continue
        if number_is_landline(contact.phone or ""):  # no SMS reaches a fixed line: call it instead
            if page_deliver(incident, cap=cap, channel=Channel.VOICE, contact=contact, kind=kind,
                            body=texts.incident_voice_text(incident=incident, locale=contact.locale,
                                                           variants=wording),
                            note="; ".join(n for n in (source, "landline: a call instead of SMS") if n)):
                reached += 1
            continue
        if page_deliver(incident, cap=cap, channel=Channel.SMS, contact=contact, body=body(contact.locale),
                        kind=kind, note="; ".join(n for n in (source, note) if n)):
            reached += 1
            if level.voice and not reminder:
                page_deliver(incident, cap=cap, channel=Channel.VOICE, contact=contact, kind=kind,
                             body=texts.incident_voice_text(incident=incident, locale=contact.locale,
                                                            variants=wording), note="voice call")
    return reached
