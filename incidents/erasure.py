"""Erasing a person from the incidents (``PERSONAL_DATA_ERASERS``): the incident stays, with
"erased contact" where they were in its chain, its timeline and who resolved it.

The timeline's pointers to the contact and to their messages are let go by the deletes that
follow (``on_delete=SET_NULL``); what is rewritten here is what holds a copy: the snapshot
(through its one writer), the notes, and ``resolved_by``.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q

from incidents.models import Incident, IncidentEvent, PageCapNumber
from incidents.snapshots import snapshot_contact_erase
from messaging.erasure.subject import ERASED_NAME, ErasureSubject


def _scrubber(subject: ErasureSubject):
    values = [re.escape(v) for v in subject.identities if v]
    if subject.name:
        values.append(rf"\b{re.escape(subject.name)}\b")  # a whole name, not "Al" in "Alert"
    pattern = re.compile("|".join(values)) if values else None
    return (lambda text: pattern.sub(ERASED_NAME, text)) if pattern else (lambda text: text)


def incidents_erase(subject: ErasureSubject) -> dict[str, int]:
    scrub = _scrubber(subject)
    named = Q(events__contact_id=subject.contact_id) | Q(acknowledged_by_id=subject.contact_id)
    for value in subject.phones:
        named |= Q(snapshot__icontains=value) | Q(level_oncall__icontains=value)
    ids = list(Incident.objects.filter(named).values_list("pk", flat=True).distinct())
    changed = notes = 0
    for pk in ids:
        with transaction.atomic():
            incident = Incident.objects.select_for_update().get(pk=pk)
            fields = []
            if snapshot_contact_erase(incident=incident, contact_id=subject.contact_id, phones=subject.phones,
                                      name=ERASED_NAME):
                fields += ["snapshot", "level_oncall"]
            if incident.resolved_by and scrub(incident.resolved_by) != incident.resolved_by:
                incident.resolved_by = scrub(incident.resolved_by)
                fields.append("resolved_by")
            if fields:
                incident.save(update_fields=fields)
                changed += 1
            for event in IncidentEvent.objects.filter(incident_id=pk).exclude(note="").only("pk", "note"):
                note = scrub(event.note)
                if note != event.note:
                    IncidentEvent.objects.filter(pk=event.pk).update(note=note)
                    notes += 1
    # The page cap's window for their number (its phone, and the incidents it held for them).
    capped = PageCapNumber.objects.filter(phone__in=subject.phones).delete()[0]
    return {"incidents": changed, "timeline_notes": notes, "page_cap": capped}
