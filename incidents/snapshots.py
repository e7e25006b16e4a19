"""The incident snapshot: the one writer and the one reader of ``Incident.snapshot``.

A running incident works from a JSON copy of its chain taken when it opened
(see incidents/models.py). Its shape is known here and nowhere else: services, admin, API,
inbound and selectors get ``SnapshotLevel`` and ``SnapshotContact`` from here instead of walking
the JSON, so a change of shape is one module's change.

A level's schedule is kept by id and name only: who is on call is asked when the level starts
(oncall.selectors.oncall_at), and that answer is stored on ``Incident.level_oncall``, which
``level_contacts`` reads beside the level's fixed contacts.

Shape::

    {"policy": {"id", "name"} | None,
     "levels": [{"contacts": [{"id", "phone", "name", "email", "locale"}], "schedule": {"id", "name"} | None,
                 "wait_seconds", "reminders", "voice", "ack_all"?}],
     "repeat": int,
     "final_action": {"kind": FinalAction, "contact": {"id", "phone", "name", "email"} | None}}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from incidents.models import EscalationPolicy, FinalAction, Incident
from messaging.models import Contact


@dataclass(frozen=True)
class SnapshotContact:
    """A contact as the incident knows it: copied when it opened, so an edit since does not count."""

    id: int | None
    phone: str
    name: str = ""
    email: str = ""
    locale: str = ""  # which variant of the page they get (absent from snapshots taken before it)

    @classmethod
    def of(cls, contact: Contact) -> SnapshotContact:
        return cls(id=contact.pk, phone=contact.phone, name=contact.name, email=contact.email, locale=contact.locale)

    @classmethod
    def _from_json(cls, entry: dict) -> SnapshotContact:
        return cls(id=entry.get("id"), phone=entry.get("phone") or "", name=entry.get("name") or "",
                   email=entry.get("email") or "", locale=entry.get("locale") or "")


@dataclass(frozen=True)
class SnapshotLevel:
    contacts: list[SnapshotContact]
    wait_seconds: int
    reminders: int
    voice: bool
    schedule_id: int | None = None
    schedule_name: str = ""
    ack_all: bool = False  # every person on it must acknowledge (absent from snapshots taken before)

    @classmethod
    def _from_json(cls, level: dict) -> SnapshotLevel:
        schedule = level.get("schedule") or {}
        return cls(contacts=[SnapshotContact._from_json(e) for e in level.get("contacts", [])],
                   wait_seconds=level["wait_seconds"], reminders=level["reminders"],
                   voice=bool(level.get("voice")), schedule_id=schedule.get("id"),
                   schedule_name=schedule.get("name") or "", ack_all=bool(level.get("ack_all")))


def _contact_json(contact: Contact) -> dict:
    return asdict(SnapshotContact.of(contact))


def snapshot_from_policy(*, policy: EscalationPolicy) -> dict:
    levels = []
    for level in policy.levels.prefetch_related("contacts").select_related("schedule").order_by("position", "id"):
        contacts = sorted(level.contacts.all(), key=lambda c: c.pk)
        schedule = {"id": level.schedule.pk, "name": level.schedule.name} if level.schedule else None
        if contacts or schedule:
            levels.append({"contacts": [_contact_json(c) for c in contacts], "schedule": schedule,
                           "wait_seconds": level.wait_seconds, "reminders": level.reminders,
                           "voice": level.voice, "ack_all": level.ack_all})
    final = {"kind": FinalAction.NONE, "contact": None}
    if policy.final_action != FinalAction.NONE and policy.final_contact_id:
        final = {"kind": policy.final_action, "contact": _contact_json(policy.final_contact)}
    return {"policy": {"id": policy.pk, "name": policy.name}, "levels": levels, "repeat": policy.repeat,
            "final_action": final}


def snapshot_from_contacts(*, contacts: list[Contact], wait_seconds: int, reminders: int) -> dict:
    """A one-off chain: each contact its own level, in the order given."""
    return {"policy": None,
            "levels": [{"contacts": [_contact_json(c)], "wait_seconds": wait_seconds, "reminders": reminders,
                        "voice": False} for c in contacts],
            "repeat": 0, "final_action": {"kind": FinalAction.NONE, "contact": None}}


def snapshot_levels(*, snapshot: dict) -> list[SnapshotLevel]:
    """The chain's levels, in paging order (a snapshot not yet taken has none)."""
    return [SnapshotLevel._from_json(level) for level in snapshot.get("levels", [])]


def snapshot_level_count(*, incident: Incident) -> int:
    return len(incident.snapshot.get("levels", []))


def snapshot_level(*, incident: Incident) -> SnapshotLevel:
    """The level being paged now (``Incident.level`` is 1-based)."""
    return SnapshotLevel._from_json(incident.snapshot["levels"][incident.level - 1])


def level_oncall_clear(*, incident: Incident) -> None:
    """The level's schedule gave nobody (or it has none): the level pages its fixed contacts only."""
    incident.level_oncall = []


def level_oncall_set(*, incident: Incident, contact: SnapshotContact, schedule_name: str, override: bool) -> None:
    """Keep who the level's schedule gave when the level started (``Incident.level_oncall``)."""
    incident.level_oncall = [{**asdict(contact), "schedule": schedule_name, "override": override}]


def level_oncall_note(*, incident: Incident, contact: SnapshotContact) -> str:
    """Why ``contact`` is paged on this level, when its schedule gave them: for the timeline."""
    for entry in incident.level_oncall or []:
        if entry.get("phone") == contact.phone:
            return f"on call on {entry.get('schedule')}" + (" (override)" if entry.get("override") else "")
    return ""


def level_contacts(*, incident: Incident) -> list[SnapshotContact]:
    """Who the current level pages: its fixed contacts, then whoever its schedule gave when it
    started (once each, by number)."""
    level = snapshot_level(incident=incident)
    oncall = [SnapshotContact._from_json(e) for e in incident.level_oncall or []]
    # An erased contact keeps its place in the chain with no number: nobody to page.
    by_phone = {c.phone: c for c in [*level.contacts, *oncall] if c.phone}
    return list(by_phone.values())


def snapshot_repeat(*, incident: Incident) -> int:
    """How many more passes through the chain after the first."""
    return incident.snapshot.get("repeat", 0)


def snapshot_contacts(*, incident: Incident) -> list[SnapshotContact]:
    """Every contact of the chain, level by level (a contact on two levels appears twice)."""
    return [contact for level in snapshot_levels(snapshot=incident.snapshot) for contact in level.contacts]


def snapshot_phones(*, incident: Incident) -> list[str]:
    """Every number in the chain, once each, in chain order."""
    return list(dict.fromkeys(contact.phone for contact in snapshot_contacts(incident=incident)))


def snapshot_final_action(*, incident: Incident) -> tuple[str, SnapshotContact | None]:
    """(kind, contact) of what happens when nobody accepts."""
    final = incident.snapshot.get("final_action") or {}
    entry = final.get("contact")
    return final.get("kind", FinalAction.NONE), SnapshotContact._from_json(entry) if entry else None


def snapshot_contact_erase(*, incident: Incident, contact_id: int, phones: tuple[str, ...], name: str) -> bool:
    """Put ``name`` (the erased-contact label) in place of every copy of the contact in the
    incident's snapshot and ``level_oncall``, matched by id or number; returns whether any was."""
    def erased(entry: dict | None) -> bool:
        return bool(entry) and (entry.get("id") == contact_id or entry.get("phone") in phones)

    blank = {"id": None, "phone": "", "name": name, "email": ""}
    changed = False
    for level in incident.snapshot.get("levels", []):
        for i, entry in enumerate(level.get("contacts", [])):
            if erased(entry):
                level["contacts"][i], changed = dict(blank), True
    final = incident.snapshot.get("final_action") or {}
    if erased(final.get("contact")):
        final["contact"], changed = dict(blank), True
    for i, entry in enumerate(incident.level_oncall or []):
        if erased(entry):
            incident.level_oncall[i], changed = {**entry, **blank}, True
    return changed
