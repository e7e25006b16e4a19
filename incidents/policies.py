"""Escalation policies written through the API: a name, levels in order, and repeats.

Kept apart from services.py, which holds an incident's transitions; a policy
is configuration, and an incident copies it (snapshots.py) when it opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents.models import EscalationLevel, EscalationPolicy
from messaging.contacts import contacts_get_or_create
from messaging.models import Contact


@dataclass
class LevelSpec:
    contacts: list[Contact] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # become contacts once the policy is accepted
    schedule: object | None = None
    wait_seconds: int = 60
    reminders: int = 1
    voice: bool = False
    ack_all: bool = False


@transaction.atomic
def policy_create(*, name: str, levels: list[LevelSpec], repeat: int = 0, urgency: str = "high") -> EscalationPolicy:
    """ValidationError naming the field: a taken name, no levels, or a level with nobody to page."""
    if not levels:
        raise ValidationError({"levels": "A policy needs at least one level."})
    for i, level in enumerate(levels):
        if not level.contacts and not level.phones and level.schedule is None:
            raise ValidationError({"levels": f"Level {i + 1} needs contacts, a schedule, or both."})
    policy = EscalationPolicy(name=(name or "").strip(), repeat=repeat, urgency=urgency)
    policy.full_clean()
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "A policy with this name already exists."}) from exc
    for position, spec in enumerate(levels, start=1):
        level = EscalationLevel.objects.create(policy=policy, position=position, schedule=spec.schedule,
                                               wait_seconds=spec.wait_seconds, reminders=spec.reminders,
                                               voice=spec.voice, ack_all=spec.ack_all)
        level.contacts.set([*spec.contacts, *contacts_get_or_create(phones=spec.phones)])
    return policy
