"""Incident escalation: open, page, remind, escalate, acknowledge, decline, resolve.

Every state change locks the incident row and bumps ``Incident.step``. Each timed step is a
durable timer whose kwargs carry the step it was scheduled for, so a timer that lost a race
(a YES arrived first, the same timer ran twice) finds a different step and does nothing.

Timing, per level: page at t, a reminder at t + w, t + 2w … (``reminders`` of them), and one
``w`` after the last reminder the next level starts the same cycle. After the last level (and
any repeats of the whole chain) the incident becomes ``unacknowledged`` and the final action runs.

This module holds the transitions only, so that what changes an incident's
state reads in one place (how one level is paged is paging.py): the snapshot is read through
snapshots.py, lookups come from selectors.py, every wording from texts.py, and the name a Timer
row stores is in tasks.py. The admin and the API call the functions below and decide nothing themselves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents import texts
from incidents.acks import ReplyOutcome, closed_outcome, level_ack_partial, level_ack_waiting
from incidents.models import (
    OPEN_STATUSES,
    EscalationPolicy,
    EventKind,
    FinalAction,
    Incident,
    IncidentStatus,
    Urgency,
)
from incidents.paging import level_oncall_resolve, level_page, page_send, timeline_event
from incidents.selectors import (
    incident_contact_ids,
    incident_paged_contact_ids,
    incident_paged_phones,
    incident_reply_counts,
)
from incidents.snapshots import (
    SnapshotContact,
    level_contacts,
    snapshot_contacts,
    snapshot_final_action,
    snapshot_from_contacts,
    snapshot_from_policy,
    snapshot_level,
    snapshot_level_count,
    snapshot_levels,
    snapshot_repeat,
)
from messaging.audience.number_types import number_is_landline
from messaging.contacts import contacts_get_or_create
from messaging.models import Channel, Contact, InboundSms
from messaging.scheduling.timers import timer_schedule, timers_cancel_for

# Stored in Timer rows: the stable name in incidents/tasks.py. The old path,
# "incidents.services.incident_step_fire", still resolves (the function below keeps its name).
STEP_CALLBACK = "incidents.tasks.incident_step_fire"
DEFAULT_WAIT_SECONDS = 60
DEFAULT_REMINDERS = 1
# A step that fires this late (worker down, sweep caught it) re-bases the chain on now, so the
# remaining steps do not all fire at once.
LATE_REBASE = timedelta(seconds=2)


def _lock(incident_id: int) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident_id)


def _schedule(incident: Incident, *, base: datetime) -> None:
    due = base + timedelta(seconds=snapshot_level(incident=incident).wait_seconds)
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


def _start_level(incident: Incident, *, base: datetime, note: str = "", opening: bool = False) -> None:
    """Page the current level from the start of its cycle; ``opening``: the incident's first page."""
    incident.reminders_sent = 0
    level_oncall_resolve(incident)
    if level_page(incident, reminder=False, note=note, opening=opening):
        _schedule(incident, base=base)
    else:  # everyone on this level opted out or has no usable number: nobody to wait for
        _advance(incident, base=base, note=f"Nobody reachable on level {incident.level}.")


def _advance(incident: Incident, *, base: datetime, note: str = "") -> None:
    """Move to the next level, the next round, or give up."""
    if incident.level < snapshot_level_count(incident=incident):
        incident.level += 1
        timeline_event(incident, EventKind.ESCALATED, note=note or f"Escalated to level {incident.level}.")
        _start_level(incident, base=base)
    elif incident.round <= snapshot_repeat(incident=incident):
        incident.round += 1
        incident.level = 1
        timeline_event(incident, EventKind.ESCALATED, note=note or f"Round {incident.round}: back to level 1.")
        _start_level(incident, base=base)
    else:
        _give_up(incident, note=note)


def _give_up(incident: Incident, *, note: str = "") -> None:
    incident.status = IncidentStatus.UNACKNOWLEDGED
    incident.next_step_at = None
    timeline_event(incident, EventKind.UNACKNOWLEDGED, note=note or "Nobody accepted the incident.")
    kind, contact = snapshot_final_action(incident=incident)
    if kind == FinalAction.NONE or not contact:
        return
    page_send(incident, channel=kind, contact=contact, kind=EventKind.FINAL_ACTION,
              body=texts.incident_unacknowledged_text(incident=incident, kind=kind),
              subject=texts.incident_unacknowledged_subject(incident=incident, kind=kind),
              note=f"{FinalAction(kind).label} to {contact.name or contact.phone}")


def _note_paged(incident: Incident, *, text: str, kind: str, except_phone: str = "") -> None:
    """One short note to everyone who was paged (bar ``except_phone``)."""
    by_phone = {contact.phone: contact for contact in snapshot_contacts(incident=incident)}
    for phone in incident_paged_phones(incident=incident):
        if phone == except_phone or number_is_landline(phone):  # a landline was called: no SMS reaches it
            continue
        contact = by_phone.get(phone) or SnapshotContact(id=None, phone=phone)
        page_send(incident, channel=Channel.SMS, contact=contact, body=text, kind=kind)


@transaction.atomic
def incident_open(*, description: str, url: str = "", policy: EscalationPolicy | None = None,
                  contacts: list[Contact] | None = None, wait_seconds: int | None = None,
                  reminders: int | None = None, created_by: str = "", snapshot: dict | None = None,
                  urgency: str | None = None) -> Incident:
    """Open an incident and page level 1 at once, from a policy or from a list of contacts.

    ``urgency`` (which notification rules run) defaults to the policy's, else high.

    ``wait_seconds`` and ``reminders`` (contacts only) fall back to the defaults when not given.
    ``snapshot`` is the policy's, when the caller has just taken it (the alert intake checks it).
    """
    if snapshot is None and policy is not None:
        snapshot = snapshot_from_policy(policy=policy)
    elif snapshot is None:
        snapshot = snapshot_from_contacts(
            contacts=list(contacts or []),
            wait_seconds=DEFAULT_WAIT_SECONDS if wait_seconds is None else wait_seconds,
            reminders=DEFAULT_REMINDERS if reminders is None else reminders)
    if not snapshot_levels(snapshot=snapshot):
        raise ValidationError("The incident needs at least one contact to page.", code="no_contacts")
    now = timezone.now()
    incident = Incident.objects.create(description=description, url=url or "", policy=policy, snapshot=snapshot,
                                       created_by=created_by, created_at=now, step=1,
                                       urgency=urgency or (policy.urgency if policy else Urgency.HIGH))
    _start_level(incident, base=now, opening=True)
    incident.save()
    return incident


@transaction.atomic
def incident_open_for_phones(*, description: str, url: str, phones: list[str], wait_seconds: int, reminders: int,
                             created_by: str, urgency: str | None = None) -> Incident:
    """Open an incident that pages these numbers in turn; a number without a contact gets one.

    A new contact is named after its number, and an existing one is left as it is: that is why
    this is not ``messaging.contacts.contact_upsert``, which overwrites name and email.
    """
    contacts = contacts_get_or_create(phones=phones)
    return incident_open(description=description, url=url, contacts=contacts, wait_seconds=wait_seconds,
                         reminders=reminders, created_by=created_by, urgency=urgency)


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
        level = snapshot_level(incident=incident)
        if incident.reminders_sent < level.reminders:
            incident.reminders_sent += 1
            note = f"Reminder {incident.reminders_sent} of {level.reminders}."
            if not level_page(incident, reminder=True, note=note):
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

    A reply (``inbound``: a text, a key pressed on a call, or an email) only counts from a number
    that was paged (SMS, call, WhatsApp), or by email from the address one of the incident's emails
    went to (``incident_reply_counts``); a dispatcher (``by``)
    acknowledges on behalf of someone the timeline shows was paged (on any channel), never of
    a contact who was not reached or has nothing to do with the incident.
    """
    with transaction.atomic():
        incident = _lock(incident_id)
        ref = incident.reference
        if inbound is not None and not incident_reply_counts(incident=incident, contact=contact, inbound=inbound):
            return ReplyOutcome(f"{contact.phone} was not paged for incident #{ref}; nothing changed.")
        if inbound is None and contact.pk not in incident_paged_contact_ids(incident=incident):
            return ReplyOutcome(f"{contact.name} was not paged for incident #{ref}; nothing changed.")
        if closed := closed_outcome(incident, contact=contact):
            return closed
        note = f"by {by} on behalf of {contact.name}" if by else ""
        if incident.status == IncidentStatus.NOT_ACKNOWLEDGED and snapshot_level(incident=incident).ack_all:
            if partial := level_ack_partial(incident, contact=contact, inbound=inbound, note=note):
                return partial  # others on the level still to answer: nothing is cancelled
        _ack_complete(incident, contact=contact, inbound=inbound, note=note)
        return ReplyOutcome(f"Incident #{ref} acknowledged by {contact.name}.",
                            texts.incident_answer_text("accepted", contact=contact, ref=ref, name=contact.name),
                            changed=True)


def _ack_complete(incident: Incident, *, contact: Contact, inbound: InboundSms | None = None, note: str = "") -> None:
    """The incident is acknowledged (by ``contact``, or by the last of an ``ack_all`` level)."""
    incident.step += 1
    _timers_cancel(incident)
    incident.status = IncidentStatus.ACKNOWLEDGED
    incident.acknowledged_by = contact
    incident.acknowledged_at = timezone.now()
    if inbound is not None or note or not incident.events.filter(
            kind=EventKind.ACKNOWLEDGED, contact_id=contact.pk, level=incident.level, round=incident.round).exists():
        timeline_event(incident, EventKind.ACKNOWLEDGED, contact_id=contact.pk, inbound=inbound, note=note)
    _note_paged(incident, text=texts.incident_taken_text(incident=incident, name=contact.name),
                kind=EventKind.STOOD_DOWN, except_phone=contact.phone)
    incident.save()


def incident_decline(*, incident_id: int, contact: Contact, inbound: InboundSms | None = None) -> ReplyOutcome:
    """``contact`` says NO. When everyone reachable on the current level has declined, escalate now."""
    with transaction.atomic():
        incident = _lock(incident_id)
        ref = incident.reference
        if not incident_reply_counts(incident=incident, contact=contact, inbound=inbound):
            return ReplyOutcome(f"{contact.phone} was not paged for incident #{ref}; nothing changed.")
        # Accepted by this very contact or another, a NO gets the same "already taken" answer.
        if closed := closed_outcome(incident):
            return closed
        current = {c.id for c in level_contacts(incident=incident)}
        if incident.status == IncidentStatus.UNACKNOWLEDGED or contact.pk not in current:
            return ReplyOutcome(f"NO from {contact.phone} for #{ref}: their level was already passed.",
                                texts.incident_answer_text("already_escalated", contact=contact, ref=ref))
        declined = incident_contact_ids(incident=incident, kind=EventKind.DECLINED)
        if contact.pk in declined:
            return ReplyOutcome(f"{contact.phone} had already declined #{ref}.",
                                texts.incident_answer_text("already_declined", contact=contact, ref=ref))
        now = timezone.now()
        timeline_event(incident, EventKind.DECLINED, contact_id=contact.pk, inbound=inbound)
        waiting = current - declined - {contact.pk}
        # Opted-out contacts on the level cannot answer; do not wait for them.
        skipped = incident_contact_ids(incident=incident, kind=EventKind.SKIPPED)
        if snapshot_level(incident=incident).ack_all:
            waiting = {c.id for c in level_ack_waiting(incident, except_id=contact.pk)}
            acked = incident.events.filter(kind=EventKind.ACKNOWLEDGED, level=incident.level, round=incident.round,
                                           contact__isnull=False).order_by("-at", "-id").first()
            if not waiting and acked:  # everyone else who can answer has said YES: the level has it
                _ack_complete(incident, contact=acked.contact)
                return ReplyOutcome(f"{contact.name} declined #{ref}; the others had acknowledged it.",
                                    texts.incident_answer_text("decline_noted", contact=contact, ref=ref), changed=True)
        if waiting - skipped:
            # Not a transition: the level's pending step stays valid (its reminder skips decliners).
            return ReplyOutcome(f"{contact.name} declined #{ref}; others on level {incident.level} still paged.",
                                texts.incident_answer_text("decline_noted", contact=contact, ref=ref), changed=True)
        incident.step += 1
        _timers_cancel(incident)
        _advance(incident, base=now, note=f"{contact.name} declined.")
        incident.save()
        return ReplyOutcome(f"{contact.name} declined #{ref}; escalated.",
                            texts.incident_answer_text("passed_on", contact=contact, ref=ref),
                            changed=True)


def incident_resolve(*, incident_id: int, resolved_by: str, except_phone: str = "") -> Incident:
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
        timeline_event(incident, EventKind.RESOLVED, note=f"by {resolved_by}")
        if was == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_by:
            if incident.acknowledged_by.phone != except_phone:
                page_send(incident, channel=Channel.SMS, contact=SnapshotContact.of(incident.acknowledged_by),
                          body=texts.incident_resolved_text(incident=incident, resolved_by=resolved_by),
                          kind=EventKind.RESOLVED)
        elif was in OPEN_STATUSES:
            _note_paged(incident, text=texts.incident_resolved_text(incident=incident, resolved_by=resolved_by,
                                                                    stand_down=True),
                        kind=EventKind.STOOD_DOWN, except_phone=except_phone)
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


def incidents_acknowledge(*, incident_ids: list[int], contact: Contact, by: str) -> list[ReplyOutcome]:
    """A dispatcher accepts each incident on ``contact``'s behalf; one transaction each."""
    return [incident_acknowledge(incident_id=pk, contact=contact, by=by) for pk in incident_ids]


def incidents_resolve(*, incident_ids: list[int], resolved_by: str) -> int:
    """Resolve each incident, one transaction each; returns how many were asked for."""
    return len([incident_resolve(incident_id=pk, resolved_by=resolved_by) for pk in incident_ids])


def incidents_repage(*, incident_ids: list[int], by: str) -> int:
    """Re-page each incident that is still open; returns how many were."""
    return sum(1 for pk in incident_ids if incident_repage(incident_id=pk, by=by).is_open)


def incident_resolve_by_reply(*, incident_id: int, contact: Contact, inbound: InboundSms | None = None) -> ReplyOutcome:
    """``contact`` replies RESOLVE: someone who was paged closes the incident from the phone.

    The others paged (or whoever acknowledged, if that was someone else) are told, as for any
    resolution; the sender gets a thank-you instead of that note.
    """
    incident = Incident.objects.get(pk=incident_id)
    ref = incident.reference
    if not incident_reply_counts(incident=incident, contact=contact, inbound=inbound):
        return ReplyOutcome(f"{contact.phone} was not paged for incident #{ref}; nothing changed.")
    if incident.status == IncidentStatus.RESOLVED:
        return ReplyOutcome(f"Incident #{ref} is already resolved.",
                            texts.incident_answer_text("already_resolved", contact=contact, ref=ref))
    # A key pressed on a call is "by phone"; an email reply "email"; a text "SMS".
    how = {Channel.VOICE: "phone", Channel.EMAIL: "email"}.get(inbound.channel if inbound else "", "SMS")
    resolved_by = f"{contact.name or contact.phone}{' by phone' if how == 'phone' else ''}"
    incident_resolve(incident_id=incident_id, resolved_by=resolved_by, except_phone=contact.phone)
    return ReplyOutcome(f"Incident #{ref} resolved by {contact.name} ({how}).",
                        texts.incident_answer_text("resolved", contact=contact, ref=ref, name=contact.name),
                        changed=True)


@transaction.atomic
def incident_open_held(*, description: str, url: str, policy: EscalationPolicy, created_by: str,
                       note: str, snapshot: dict | None = None, urgency: str | None = None) -> Incident:
    """Open an incident from ``policy`` that pages nobody yet (a maintenance window): see incident_release."""
    snapshot = snapshot if snapshot is not None else snapshot_from_policy(policy=policy)
    incident = Incident.objects.create(description=description, url=url, policy=policy, snapshot=snapshot,
                                       created_by=created_by, step=1, urgency=urgency or policy.urgency)
    timeline_event(incident, EventKind.IN_MAINTENANCE, note=note)
    return incident


def incident_release(*, incident_id: int, note: str) -> Incident:
    """Start paging a held incident from level 1, if it is still open and nobody was paged yet."""
    with transaction.atomic():
        incident = _lock(incident_id)
        if incident.status != IncidentStatus.NOT_ACKNOWLEDGED or incident.next_step_at or \
                incident_paged_phones(incident=incident):
            return incident
        incident.step += 1
        _start_level(incident, base=timezone.now(), note=note, opening=True)  # held: nobody paged yet
        incident.save()
        return incident


def incident_reply_note(*, incident_id: int, contact: Contact | None, inbound: InboundSms) -> None:
    """Free text in answer to the incident's page goes on its timeline; the state is unchanged."""
    incident = Incident.objects.get(pk=incident_id)
    timeline_event(incident, EventKind.REPLIED, contact_id=contact.pk if contact else None, inbound=inbound,
                   note=" ".join(inbound.body.split()))
