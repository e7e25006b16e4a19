"""What every vendor reader produces: people, schedules, policies and integrations with the
vendor's own ids, before anything touches the database.

Vendors refer to each other's objects by id (a policy level names a schedule id and user ids);
the plan keeps those ids, and the importer resolves them to rows once people and schedules exist.
``notes`` are what could not be mapped and why, printed by the command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Rule:
    """A personal notification rule, in the portal's terms (CONTRACT "Notification rules")."""

    method: str  # sms, voice, whatsapp, email
    after_seconds: int
    urgency: str = "any"


@dataclass
class Person:
    source_id: str
    name: str
    email: str = ""
    phones: list[str] = field(default_factory=list)  # E.164, first is the contact's number
    rules: list[Rule] = field(default_factory=list)


@dataclass
class Shift:
    """A stretch with one person on call: an override, or a piece of the vendor's final schedule."""

    person_id: str
    start: datetime
    end: datetime


@dataclass
class Rotation:
    handoff: datetime
    turn_hours: int
    member_ids: list[str]


@dataclass
class ScheduleSpec:
    source_id: str
    name: str
    time_zone: str = "UTC"
    rotation: Rotation | None = None
    overrides: list[Shift] = field(default_factory=list)
    # The vendor's rendered "who is on call" for a window: where it differs from the rotation,
    # the difference becomes overrides (layers and restrictions the portal cannot express).
    final: list[Shift] | None = None


@dataclass
class LevelSpec:
    wait_seconds: int
    person_ids: list[str] = field(default_factory=list)
    schedule_id: str | None = None


@dataclass
class PolicySpec:
    source_id: str
    name: str
    levels: list[LevelSpec] = field(default_factory=list)
    repeat: int = 0


@dataclass
class IntegrationSpec:
    source_id: str
    name: str
    policy_id: str | None


@dataclass
class HeartbeatSpec:
    source_id: str
    name: str
    timeout_seconds: int  # 0: the source does not say (OnCall's public API gives only the link)
    policy_id: str | None = None


@dataclass
class Plan:
    source: str
    people: list[Person] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    policies: list[PolicySpec] = field(default_factory=list)
    integrations: list[IntegrationSpec] = field(default_factory=list)
    heartbeats: list[HeartbeatSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "could not map X: why"

    def note(self, text: str) -> None:
        self.notes.append(text)


class SourceMalformed(ValueError):
    """The source is not what the vendor's API returns; nothing is written."""
