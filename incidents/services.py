"""Incident escalation: open, page, remind, escalate, acknowledge, decline, resolve.

Every state change locks the incident row and bumps ``Incident.step``. Each timed step is a
durable timer whose kwargs carry the step it was scheduled for, so a timer that lost a race
(a YES arrived first, the same timer ran twice) finds a different step and does nothing.

Timing, per level: page at t, a reminder at t + w, t + 2w … (``reminders`` of them), and one
``w`` after the last reminder the next level starts the same cycle. After the last level (and
any repeats of the whole chain) the incident becomes ``unacknowledged`` and the final action runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import (
    OPEN_STATUSES,
    EscalationPolicy,
    EventKind,
    FinalAction,
    Incident,
    IncidentEvent,
    IncidentStatus,
)
from messaging.models import Contact, InboundSms, MessageStatus, OutboundMessage, Timer, TimerState
from messaging.services import message_send
from messaging.timers import timer_schedule, timers_cancel_for

log = logging.getLogger(__name__)

STEP_CALLBACK = "incidents.services.incident_step_fire"
SMS_OPTIONS = {"message_type": "TRANSACTIONAL"}
DEFAULT_WAIT_SECONDS = 60
DEFAULT_REMINDERS = 1
# A step that fires this late (worker down, sweep caught it) re-bases the chain on now, so the
# remaining steps do not all fire at once.
LATE_REBASE = timedelta(seconds=2)
PAGED_KINDS = (EventKind.NOTIFIED, EventKind.REMINDED)


@dataclass
class ReplyOutcome:
    outcome: str  # for the inbound row: what happened, or why nothing did
    reply: str = ""  # SMS back to the sender
    changed: bool = False


# ------------------------------------------------------------------ snapshots


def _contact_entry(contact: Contact) -> dict:
    return {"id": contact.pk, "phone": contact.phone, "name": contact.name, "email": contact.email}


def snapshot_from_policy(*, policy: EscalationPolicy) -> dict:
    levels = []
    for level in policy.levels.prefetch_related("contacts").order_by("position", "id"):
        contacts = sorted(level.contacts.all(), key=lambda c: c.pk)
        if contacts:
            levels.append({"contacts": [_contact_entry(c) for c in contacts], "wait_seconds": level.wait_seconds,
                           "reminders": level.reminders, "voice": level.voice})
    final = {"kind": FinalAction.NONE, "contact": None}
    if policy.final_action != FinalAction.NONE and policy.final_contact_id:
        final = {"kind": policy.final_action, "contact": _contact_entry(policy.final_contact)}
    return {"policy": {"id": policy.pk, "name": policy.name}, "levels": levels, "repeat": policy.repeat,
            "final_action": final}


def snapshot_from_contacts(*, contacts: list[Contact], wait_seconds: int, reminders: int) -> dict:
    """A one-off chain: each contact its own level, in the order given."""
    return {"policy": None,
            "levels": [{"contacts": [_contact_entry(c)], "wait_seconds": wait_seconds, "reminders": reminders,
                        "voice": False} for c in contacts],
            "repeat": 0, "final_action": {"kind": FinalAction.NONE, "contact": None}}


# ------------------------------------------------------------------ texts


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def incident_page_text(*, incident: Incident, reminder: bool = False) -> str:
    ref = incident.reference
    url = f" {incident.url}" if incident.url else ""
    prefix = "Reminder: " if reminder else ""
    return f"[#{ref}] {prefix}{_short(incident.description)}{url} Reply YES {ref} to accept, NO {ref} to decline"


def _voice_text(incident: Incident) -> str:
    ref = incident.reference
    return (f"Incident {ref}. {_short(incident.description, 200)}. "
            f"To accept, reply YES {ref} by text message. To decline, reply NO {ref}.")


# ------------------------------------------------------------------ helpers


def _lock(incident_id: int) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident_id)


def _existing_contact_id(contact_id: int | None) -> int | None:
    if contact_id and Contact.objects.filter(pk=contact_id).exists():
        return contact_id
    return None


def _event(incident: Incident, kind: str, *, contact_id: int | None = None, message: OutboundMessage | None = None,
           inbound: InboundSms | None = None, note: str = "", level: int | None = None) -> IncidentEvent:
    return IncidentEvent.objects.create(
        incident=incident, kind=kind, contact_id=_existing_contact_id(contact_id), message=message, inbound=inbound,
        note=note[:300], level=level if level is not None else incident.level, round=incident.round)


def _send(incident: Incident, *, channel: str, entry: dict, body: str, kind: str, note: str = "",
          subject: str = "") -> OutboundMessage | None:
    """Send to one snapshot contact and put it on the timeline; an opt-out becomes ``skipped``."""
    recipient = entry.get("email") if channel == "email" else entry.get("phone")
    try:
        msg = message_send(channel=channel, recipient=recipient or "", body=body, subject=subject, owner=incident,
                           options=SMS_OPTIONS if channel == "sms" else None)
    except ValidationError as exc:
        _event(incident, EventKind.SKIPPED, contact_id=entry.get("id"), note=f"{channel}: {'; '.join(exc.messages)}")
        return None
    if msg.status == MessageStatus.SUPPRESSED:
        _event(incident, EventKind.SKIPPED, contact_id=entry.get("id"), message=msg,
               note=f"{channel}: opted out; {note}".rstrip("; "))
        return None
    _event(incident, kind, contact_id=entry.get("id"), message=msg, note=note)
    return msg


def _level(incident: Incident) -> dict:
    return incident.snapshot["levels"][incident.level - 1]


def _declined_ids(incident: Incident) -> set[int]:
    return set(incident.events.filter(kind=EventKind.DECLINED, level=incident.level, round=incident.round)
               .values_list("contact_id", flat=True))


def incident_paged_phones(*, incident: Incident) -> list[str]:
    """Numbers that actually got an SMS page for this incident, in the order they were paged."""
    phones = (incident.events.filter(kind__in=PAGED_KINDS, message__channel="sms")
              .order_by("at", "id").values_list("message__recipient", flat=True))
    return list(dict.fromkeys(phones))


def _page_level(incident: Incident, *, reminder: bool, note: str = "") -> int:
    """SMS (and a call if the level says so) to the level's contacts; returns how many were reached."""
    level = _level(incident)
    declined = _declined_ids(incident)
    body = incident_page_text(incident=incident, reminder=reminder)
    kind = EventKind.REMINDED if reminder else EventKind.NOTIFIED
    reached = 0
    for entry in level["contacts"]:
        if entry["id"] in declined:
            continue
        if _send(incident, channel="sms", entry=entry, body=body, kind=kind, note=note):
            reached += 1
            if level.get("voice") and not reminder:
                _send(incident, channel="voice", entry=entry, body=_voice_text(incident), kind=kind,
                      note="voice call")
    return reached


def _schedule(incident: Incident, *, base: datetime) -> None:
    due = base + timedelta(seconds=_level(incident)["wait_seconds"])
    incident.next_step_at = due
    timer_schedule(callback=STEP_CALLBACK, due_at=due, kwargs={"incident_id": incident.pk, "step": incident.step},
                   owner=incident, label=f"incident #{incident.reference} step {incident.step}")


def _timers_cancel(incident: Incident) -> int:
    """Cancel the incident's pending timers, skipping one that a worker is firing right now.

    That timer waits for the incident row we hold, so waiting for its row would deadlock; once
    we commit it finds a different step and does nothing.
    """
    incident.next_step_at = None
    return timers_cancel_for(owner=incident, skip_locked=True)


def _start_level(incident: Incident, *, base: datetime, note: str = "") -> None:
    incident.reminders_sent = 0
    if _page_level(incident, reminder=False, note=note):
        _schedule(incident, base=base)
    else:  # everyone on this level opted out or has no usable number: nobody to wait for
        _advance(incident, base=base, note=f"Nobody reachable on level {incident.level}.")


def _advance(incident: Incident, *, base: datetime, note: str = "") -> None:
    """Move to the next level, the next round, or give up."""
    levels = incident.snapshot["levels"]
    if incident.level < len(levels):
        incident.level += 1
        _event(incident, EventKind.ESCALATED, note=note or f"Escalated to level {incident.level}.")
        _start_level(incident, base=base)
    elif incident.round <= incident.snapshot.get("repeat", 0):
        incident.round += 1
        incident.level = 1
        _event(incident, EventKind.ESCALATED, note=note or f"Round {incident.round}: back to level 1.")
        _start_level(incident, base=base)
    else:
        _give_up(incident, note=note)


def _give_up(incident: Incident, *, note: str = "") -> None:
    incident.status = IncidentStatus.UNACKNOWLEDGED
    incident.next_step_at = None
    _event(incident, EventKind.UNACKNOWLEDGED, note=note or "Nobody accepted the incident.")
    final = incident.snapshot.get("final_action") or {}
    kind, entry = final.get("kind", FinalAction.NONE), final.get("contact")
    if kind == FinalAction.NONE or not entry:
        return
    ref = incident.reference
    url = f" {incident.url}" if incident.url else ""
    text = f"[#{ref}] UNACKNOWLEDGED, nobody accepted: {_short(incident.description)}{url}"
    if kind == FinalAction.VOICE:
        text = f"Incident {ref} was not accepted by anyone. {_short(incident.description, 200)}."
    _send(incident, channel=kind, entry=entry, body=text, kind=EventKind.FINAL_ACTION,
          subject=f"Incident #{ref} unacknowledged" if kind == FinalAction.EMAIL else "",
          note=f"{FinalAction(kind).label} to {entry.get('name') or entry.get('phone')}")


def _note_paged(incident: Incident, *, text: str, kind: str, except_phone: str = "") -> None:
    """One short note to everyone who was paged (bar ``except_phone``)."""
    by_phone = {e["phone"]: e for lvl in incident.snapshot["levels"] for e in lvl["contacts"]}
    for phone in incident_paged_phones(incident=incident):
        if phone == except_phone:
            continue
        entry = by_phone.get(phone) or {"id": None, "phone": phone}
        _send(incident, channel="sms", entry=entry, body=text, kind=kind)


# ------------------------------------------------------------------ services


@transaction.atomic
def incident_open(*, description: str, url: str = "", policy: EscalationPolicy | None = None,
                  contacts: list[Contact] | None = None, wait_seconds: int = DEFAULT_WAIT_SECONDS,
                  reminders: int = DEFAULT_REMINDERS, created_by: str = "") -> Incident:
    """Open an incident and page level 1 at once, from a policy or from a list of contacts."""
    if policy is not None:
        snapshot = snapshot_from_policy(policy=policy)
    else:
        snapshot = snapshot_from_contacts(contacts=list(contacts or []), wait_seconds=wait_seconds,
                                          reminders=reminders)
    if not snapshot["levels"]:
        raise ValidationError("The incident needs at least one contact to page.", code="no_contacts")
    now = timezone.now()
    incident = Incident.objects.create(description=description, url=url or "", policy=policy, snapshot=snapshot,
                                       created_by=created_by, created_at=now, step=1)
    _start_level(incident, base=now)
    incident.save()
    return incident


def incident_step_fire(*, incident_id: int, step: int) -> str:
    """A timer's callback: the next reminder, escalation or the give-up, if still current."""
    with transaction.atomic():
        incident = _lock(incident_id)
        if incident.step != step or incident.status != IncidentStatus.NOT_ACKNOWLEDGED:
            return "stale"
        now = timezone.now()
        due = incident.next_step_at or now
        base = due if now - due < LATE_REBASE else now
        incident.step += 1
        level = _level(incident)
        if incident.reminders_sent < level["reminders"]:
            incident.reminders_sent += 1
            note = f"Reminder {incident.reminders_sent} of {level['reminders']}."
            if not _page_level(incident, reminder=True, note=note):
                _advance(incident, base=base, note=f"Nobody reachable on level {incident.level}.")
            else:
                _schedule(incident, base=base)
        else:
            _advance(incident, base=base)
        incident.save()
        return "fired"


def incident_acknowledge(*, incident_id: int, contact: Contact, inbound: InboundSms | None = None,
                         by: str = "") -> ReplyOutcome:
    """``contact`` accepts the incident: timers stop, everyone paged is told who took it.

    A reply (``inbound``) only counts from someone who was paged; a dispatcher (``by``) may
    acknowledge on anyone's behalf.
    """
    with transaction.atomic():
        incident = _lock(incident_id)
        ref = incident.reference
        if inbound is not None and contact.phone not in incident_paged_phones(incident=incident):
            return ReplyOutcome(f"{contact.phone} was not paged for incident #{ref}; nothing changed.")
        if incident.status == IncidentStatus.RESOLVED:
            return ReplyOutcome(f"Incident #{ref} is already resolved.", f"[#{ref}] Already resolved. Thanks.")
        if incident.status == IncidentStatus.ACKNOWLEDGED:
            taker = incident.acknowledged_by
            if taker and taker.pk == contact.pk:
                return ReplyOutcome(f"Incident #{ref} already acknowledged by this contact.",
                                    f"[#{ref}] It's already yours.")
            name = taker.name if taker else "someone else"
            return ReplyOutcome(f"Incident #{ref} already acknowledged by {name}.",
                                f"[#{ref}] Already taken by {name}. No action needed.")
        now = timezone.now()
        incident.step += 1
        _timers_cancel(incident)
        incident.status = IncidentStatus.ACKNOWLEDGED
        incident.acknowledged_by = contact
        incident.acknowledged_at = now
        note = f"by {by} on behalf of {contact.name}" if by else ""
        _event(incident, EventKind.ACKNOWLEDGED, contact_id=contact.pk, inbound=inbound, note=note)
        _note_paged(incident, text=f"[#{ref}] Taken by {contact.name}. No action needed.",
                    kind=EventKind.STOOD_DOWN, except_phone=contact.phone)
        incident.save()
        return ReplyOutcome(f"Incident #{ref} acknowledged by {contact.name}.",
                            f"[#{ref}] Thanks {contact.name}, it's yours.", changed=True)


def incident_decline(*, incident_id: int, contact: Contact, inbound: InboundSms | None = None) -> ReplyOutcome:
    """``contact`` says NO. When everyone reachable on the current level has declined, escalate now."""
    with transaction.atomic():
        incident = _lock(incident_id)
        ref = incident.reference
        if contact.phone not in incident_paged_phones(incident=incident):
            return ReplyOutcome(f"{contact.phone} was not paged for incident #{ref}; nothing changed.")
        if incident.status == IncidentStatus.RESOLVED:
            return ReplyOutcome(f"Incident #{ref} is already resolved.", f"[#{ref}] Already resolved. Thanks.")
        if incident.status == IncidentStatus.ACKNOWLEDGED:
            name = incident.acknowledged_by.name if incident.acknowledged_by else "someone else"
            return ReplyOutcome(f"Incident #{ref} already acknowledged by {name}.",
                                f"[#{ref}] Already taken by {name}. No action needed.")
        current = {e["id"] for e in _level(incident)["contacts"]}
        if incident.status == IncidentStatus.UNACKNOWLEDGED or contact.pk not in current:
            return ReplyOutcome(f"NO from {contact.phone} for #{ref}: their level was already passed.",
                                f"[#{ref}] Thanks, this has already been escalated.")
        declined = _declined_ids(incident)
        if contact.pk in declined:
            return ReplyOutcome(f"{contact.phone} had already declined #{ref}.", f"[#{ref}] Noted, thanks.")
        now = timezone.now()
        _event(incident, EventKind.DECLINED, contact_id=contact.pk, inbound=inbound)
        waiting = current - declined - {contact.pk}
        # Opted-out contacts on the level cannot answer; do not wait for them.
        skipped = set(incident.events.filter(kind=EventKind.SKIPPED, level=incident.level, round=incident.round)
                      .values_list("contact_id", flat=True))
        if waiting - skipped:
            # Not a transition: the level's pending step stays valid (its reminder skips decliners).
            return ReplyOutcome(f"{contact.name} declined #{ref}; others on level {incident.level} still paged.",
                                f"[#{ref}] Thanks, noted.", changed=True)
        incident.step += 1
        _timers_cancel(incident)
        _advance(incident, base=now, note=f"{contact.name} declined.")
        incident.save()
        return ReplyOutcome(f"{contact.name} declined #{ref}; escalated.", f"[#{ref}] Thanks, passed on.",
                            changed=True)


def incident_resolve(*, incident_id: int, resolved_by: str) -> Incident:
    """Close the incident; whoever acknowledged it (or, if nobody did, everyone paged) is told."""
    with transaction.atomic():
        incident = _lock(incident_id)
        if incident.status == IncidentStatus.RESOLVED:
            return incident
        was = incident.status
        incident.step += 1
        _timers_cancel(incident)
        incident.status = IncidentStatus.RESOLVED
        incident.resolved_by = resolved_by[:200]
        incident.resolved_at = timezone.now()
        _event(incident, EventKind.RESOLVED, note=f"by {resolved_by}")
        text = f"[#{incident.reference}] Resolved by {resolved_by}. Thanks."
        if was == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_by:
            _send(incident, channel="sms", entry=_contact_entry(incident.acknowledged_by), body=text,
                  kind=EventKind.RESOLVED)
        elif was in OPEN_STATUSES:
            _note_paged(incident, text=f"{text} No action needed.", kind=EventKind.STOOD_DOWN)
        incident.save()
        return incident


def incident_repage(*, incident_id: int, by: str = "") -> Incident:
    """Page the current level again from the start of its cycle (open incidents only)."""
    with transaction.atomic():
        incident = _lock(incident_id)
        if incident.status not in OPEN_STATUSES:
            return incident
        incident.step += 1
        _timers_cancel(incident)
        incident.status = IncidentStatus.NOT_ACKNOWLEDGED
        _start_level(incident, base=timezone.now(), note=f"Re-paged by {by}." if by else "Re-paged.")
        incident.save()
        return incident


def incident_next_timer(*, incident: Incident) -> Timer | None:
    ct = ContentType.objects.get_for_model(Incident)
    return (Timer.objects.filter(owner_type=ct, owner_id=incident.pk, state=TimerState.PENDING)
            .order_by("due_at").first())


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
                  and phone in {c["phone"] for c in _level(i).get("contacts", [])}]
    return paging_now or paged
