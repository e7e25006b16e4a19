"""A notification rule's timer fired: page that person on the rule's channel, if still wanted.

incidents/paging.py starts a person's rules when their level pages them; each rule with a delay
is one durable Timer row (owner: the incident, so it shows under Timers and is cancelled with the
incident's other timers on acknowledge, resolve, decline-escalation or re-page). The timer
machinery fires a row once (messaging.scheduling.timers.timer_fire claims it under a lock), and
this checks, under the incident's row lock, that the page is still wanted:

- the incident is still waiting for an answer (not acknowledged, resolved or given up on);
- it is still on the level and round that paged this person (it did not escalate past them);
- this person has not declined, nor acknowledged (on a level where everyone acknowledges);

else it does nothing. A firing is one message in the rule's channel and one timeline entry.
"""

from __future__ import annotations

from django.db import transaction

from incidents.models import EventKind, Incident, IncidentStatus
from incidents.page_cap import page_cap_lock
from incidents.paging import rule_send
from incidents.selectors import incident_answer_kinds
from incidents.snapshots import level_contacts
from messaging.models import Contact, NotificationRule
from messaging.notification_rules import notification_rules_summary


def incident_rule_fire(*, incident_id: int, contact_id: int, method: str, after_seconds: int, level: int,
                       round: int, whatsapp: str | None = None) -> str:  # noqa: A002 - the model's name
    """Fire one rule for one person, or say why not (the Timer's callback returns it).

    ``whatsapp`` is the contact's WhatsApp number when they were paged (None in rows written
    before it was carried: then it is read now).
    """
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
        if incident is None or incident.status != IncidentStatus.NOT_ACKNOWLEDGED:
            return "stale: no longer waiting for an answer"
        if (incident.level, incident.round) != (level, round):
            return "stale: escalated past this level"
        contact = next((c for c in level_contacts(incident=incident) if c.id == contact_id), None)
        if contact is None:
            return "stale: not on this level"
        answered = incident_answer_kinds(incident=incident, contact_id=contact_id)
        if EventKind.DECLINED in answered:
            return "stale: declined"
        if EventKind.ACKNOWLEDGED in answered:
            return "stale: acknowledged"
        cap = page_cap_lock(phones=[contact.phone])
        if whatsapp is None:
            whatsapp = Contact.objects.filter(pk=contact_id).values_list("whatsapp", flat=True).first() or ""
        rule = NotificationRule(method=method, after_seconds=after_seconds)
        rule_send(incident, cap=cap, contact=contact, method=method, whatsapp=whatsapp,
                  note=f"rule: {notification_rules_summary([rule])}")
        return "fired"
